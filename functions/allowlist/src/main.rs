//! `/allowlist`: the bot's allow-list (the framework's handler, behind its admins-only
//! middleware).

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "allowlist",
        &[&lambdagram::admins::AdminsOnly],
        lambdagram::deny_command::ALLOW_COMMAND,
    )
    .await
}
