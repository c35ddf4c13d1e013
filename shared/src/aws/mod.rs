//! AWS adapters: DynamoDB for the store ports, SSM Parameter Store for secrets, Lambda Invoke
//! for dispatch. Only this module (and `lambda`) sees AWS SDK types.

mod dead_letters;
mod dynamo;
mod invoke;
mod limits;
mod secrets;
mod state;

pub use dynamo::{err, get_n, get_s, n, s, DynamoStore, Item, StoreCalls};
pub use invoke::LambdaDispatcher;
pub use secrets::{resolve_next_webhook_secret, resolve_secret, SecretError};

/// Loads the SDK configuration once per cold start (region, credentials, and endpoint overrides
/// such as `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}
