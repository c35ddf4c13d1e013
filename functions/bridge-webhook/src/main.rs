//! The bridge's webhook: receives Telegram's updates from API Gateway and dispatches them by the bridge's route table.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_webhook(bridge::ROUTES).await
}
