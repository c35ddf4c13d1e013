//! `/workspace`: the workspace the tool works in.

use lambdagram::aws::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdagram::lambda::Error> {
    lambdagram::lambda::run_route::<DynamoStore, _>(
        bridge::ROUTES,
        "bridge-workspace",
        &[&lambdagram::admins::AdminsOnly],
        bridge::commands::ContextCommand { field: "workspace" },
    )
    .await
}
