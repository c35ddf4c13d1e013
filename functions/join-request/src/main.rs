//! A request to join a protected group: approved, declined or held by the group's setting.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "join-request",
        &[],
        join_request::JoinRequest,
    )
    .await
}
