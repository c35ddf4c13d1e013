//! `/allow`: the group's allow-list, whose members the guard never touches.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "allow",
        &[
            &lambdagram::denylist::DENY_LISTED,
            &lambdagram::allowlist::ALLOW_LISTED,
        ],
        allow::Allow,
    )
    .await
}
