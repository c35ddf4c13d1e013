//! The bridge's push retries: an EventBridge schedule retries the pushes to the tool that failed.

use lambdagram::aws::DynamoStore;
use lambdagram::push::HttpPusher;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    let pusher = HttpPusher::new(std::time::Duration::from_secs(5))?;
    lambdagram::lambda::run_job::<DynamoStore, _>(bridge::push::PushJob { pusher }).await
}
