//! `/session`: the session the tool works in.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-session",
        &[&lambdagram::admins::AdminsOnly],
        bridge::commands::ContextCommand { field: "session" },
    )
    .await
}
