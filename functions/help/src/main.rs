//! `/help`: lists the commands in the user's language.

use lambdagram::ports::NoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<NoStore, _>(help::Help).await
}
