//! `/bridge`: API keys and the users whose messages reach the tool.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-keys",
        &[&lambdagram::admins::AdminsOnly],
        bridge::commands::Bridge,
    )
    .await
}
