//! `/status` of the bridge.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-status",
        &[&lambdagram::admins::AdminsOnly],
        bridge::commands::Status,
    )
    .await
}
