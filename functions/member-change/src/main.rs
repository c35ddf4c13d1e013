//! Channel guard chat_member - checks joiners, restricts channel leavers in every linked group, refreshes admins.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        channel_guard::ROUTES,
        "member-change",
        &[],
        member_change::MemberChange,
    )
    .await
}
