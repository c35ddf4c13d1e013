//! A message in a group: the channel guard's hot path.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "guard-message",
        &[&channel_guard::middleware::GATED],
        guard_message::GuardMessage,
    )
    .await
}
