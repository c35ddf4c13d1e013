//! `/history` of the bridge.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-history",
        &[&lambdagram::admins::AdminsOnly],
        bridge::commands::History,
    )
    .await
}
