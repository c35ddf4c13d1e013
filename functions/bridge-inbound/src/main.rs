//! A message in a bridge chat: stored for the tool when an allowed user wrote it.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-inbound",
        &[],
        bridge::inbound::Inbound::new(),
    )
    .await
}
