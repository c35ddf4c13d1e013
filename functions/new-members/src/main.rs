//! Channel guard new_chat_members - checks each joiner (the service message path of the join check).

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "new-members",
        &[],
        new_members::NewMembers,
    )
    .await
}
