//! Unknown commands in a private chat: says so and points at `/help`.

use lambdagram::ports::NoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<NoStore, _>(
        channel_guard::ROUTES,
        "unknown-command",
        &[],
        unknown_command::UnknownCommand,
    )
    .await
}
