//! The webhook: receives Telegram's updates from API Gateway and dispatches them by route.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_webhook().await
}
