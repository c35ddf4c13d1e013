//! Unknown commands in a private chat: says so and points at `/help`, or for a group command
//! sent in private, says to send it in the group.

use lambdagram::ports::NoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<NoStore, _>(
        channel_guard::ROUTES,
        "unknown-command",
        &[],
        unknown_command::GUARD,
    )
    .await
}
