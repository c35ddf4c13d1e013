//! `/deny`: the bot's deny-list (the framework's handler, behind its admins-only middleware).

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "deny",
        &[&lambdagram::admins::AdminsOnly],
        lambdagram::deny_command::DENY_COMMAND,
    )
    .await
}
