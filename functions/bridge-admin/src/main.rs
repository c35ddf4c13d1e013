//! `/admin` of the bridge: the bot's admins (the framework's handler, behind its admins-only middleware).

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-admin",
        &[&lambdagram::admins::AdminsOnly],
        lambdagram::admin_command::AdminCommand::from_env(),
    )
    .await
}
