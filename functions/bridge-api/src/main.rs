//! The bridge's HTTP API for the outside tool (`bridge::api`): send as the bot, read what allowed users wrote, history, context.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_http::<DynamoStore, _>(bridge::api::BridgeApi::default()).await
}
