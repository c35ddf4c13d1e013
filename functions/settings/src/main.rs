//! Channel guard /settings - the settings menu, by webhook reply.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "settings",
        &[
            &lambdagram::denylist::DENY_LISTED,
            &lambdagram::allowlist::ALLOW_LISTED,
        ],
        settings::Settings,
    )
    .await
}
