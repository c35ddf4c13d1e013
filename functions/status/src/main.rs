//! `/status`: the channel guard's state and the bot's rights, checked live.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "status",
        &[
            &lambdagram::denylist::DENY_LISTED,
            &lambdagram::allowlist::ALLOW_LISTED,
            &lambdagram::ratelimit::RATE_LIMITED,
        ],
        status::Status,
    )
    .await
}
