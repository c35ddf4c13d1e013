//! The "I have joined" button: a live re-check that lifts the bot's own restriction.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "verify",
        &[&lambdagram::denylist::DENY_LISTED],
        verify::Verify,
    )
    .await
}
