//! Channel guard "lift restrictions" button after /unprotect - lifts every restriction the bot imposed.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(lift::Lift).await
}
