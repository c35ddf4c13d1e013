//! `/start`: registers the user and says hello.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "start",
        &[
            &lambdagram::denylist::DENY_LISTED,
            &channel_guard::middleware::GATED,
            &lambdagram::allowlist::ALLOW_LISTED,
            &lambdagram::ratelimit::RATE_LIMITED,
        ],
        start::Start,
    )
    .await
}
