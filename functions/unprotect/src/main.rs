//! `/unprotect`: turns the channel guard off, keeping its configuration.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "unprotect",
        &[
            &lambdagram::denylist::DENY_LISTED,
            &lambdagram::allowlist::ALLOW_LISTED,
        ],
        unprotect::Unprotect,
    )
    .await
}
