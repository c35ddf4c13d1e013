//! A message in a bridge chat: stored for the tool when an allowed user wrote it, and pushed
//! to the tool when its chat pushes.

use lambdagram::aws::DynamoStore;
use lambdagram::push::HttpPusher;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    // A push waits at most 3 s for the tool: the update is answered within the webhook's time.
    let pusher = HttpPusher::new(std::time::Duration::from_secs(3))?;
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-inbound",
        &[],
        bridge::inbound::Inbound::new(pusher),
    )
    .await
}
