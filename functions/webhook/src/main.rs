//! The webhook: receives Telegram's updates from API Gateway and dispatches them by the channel
//! guard's route table.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_webhook(channel_guard::ROUTES).await
}
