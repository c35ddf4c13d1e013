//! `/help` of the bridge.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-help",
        &[&lambdagram::ratelimit::RATE_LIMITED],
        bridge::commands::Help,
    )
    .await
}
