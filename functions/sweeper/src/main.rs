//! The warning sweeper: an EventBridge schedule deletes the warnings whose time has passed.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_job::<DynamoStore, _>(sweeper::Sweeper).await
}
