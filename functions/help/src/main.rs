//! `/help`: lists the commands in the user's language.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "help",
        &[
            &lambdagram::denylist::DENY_LISTED,
            &channel_guard::middleware::GATED,
            &lambdagram::allowlist::ALLOW_LISTED,
            &lambdagram::ratelimit::RATE_LIMITED,
        ],
        help::Help,
    )
    .await
}
