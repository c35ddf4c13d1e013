//! `/forget` of the bridge: a user erases their data across the bridge's key map (the
//! framework's handler).

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-forget",
        &[],
        lambdagram::forget_command::ForgetCommand {
            map: &bridge::KEY_MAP,
        },
    )
    .await
}
