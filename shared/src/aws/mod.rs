//! AWS adapters: DynamoDB for the store ports, SSM Parameter Store for secrets, Lambda Invoke
//! for dispatch. Only this module (and `lambda`) sees AWS SDK types.

mod dead_letters;
mod dynamo;
mod https;
mod invoke;
mod limits;
mod secrets;
mod state;

pub use dynamo::{err, get_n, get_s, n, s, DynamoStore, Item, StoreCalls};
pub use invoke::LambdaDispatcher;
pub use secrets::{resolve_next_webhook_secret, resolve_secret, SecretError};

/// Loads the SDK configuration once per cold start (region, credentials, and endpoint overrides
/// such as `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local), with one HTTPS client for every SDK
/// client built from it, on the process's trust roots (read once, shared with the Bot API's
/// client). Fails when there are no roots.
pub async fn sdk_config() -> Result<aws_config::SdkConfig, crate::tls::RootsError> {
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    Ok(https::with_roots(loader, crate::tls::roots()?)?
        .load()
        .await)
}
