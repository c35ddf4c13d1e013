//! Channel guard "I have joined" button - live re-check, lifts the bot's own restriction.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(verify::Verify).await
}
