//! Channel guard group-to-supergroup migration - carries the protection over to the new chat id.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "migrate",
        &[],
        migrate::Migrate,
    )
    .await
}
