//! `/forget`: a user erases their data across the guard's key map (the framework's handler).

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "forget",
        &[],
        lambdagram::forget_command::ForgetCommand {
            map: &channel_guard::KEY_MAP,
        },
    )
    .await
}
