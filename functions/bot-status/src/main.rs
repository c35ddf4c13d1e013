//! Channel guard my_chat_member - the bot's own rights changed: degrade or recover the protection.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "bot-status",
        &[],
        bot_status::BotStatus,
    )
    .await
}
