//! AWS adapters: DynamoDB for the store ports (the SDK's client), SSM Parameter Store for
//! secrets and Lambda Invoke for dispatch (signed requests: [`signed`]). Only this module (and
//! `lambda`) sees AWS SDK types.

mod dead_letters;
mod dynamo;
pub mod endpoint;
mod https;
mod invoke;
mod limits;
mod secrets;
pub mod signed;
mod state;
mod user_data;

pub use dynamo::{err, get_n, get_s, n, s, DynamoStore, Item, StoreCalls};
pub use invoke::LambdaDispatcher;
pub use secrets::{resolve_next_webhook_secret, resolve_secret, SecretError};
pub use signed::SignedClient;

/// A DynamoDB client on `sdk`, resolving its endpoint without the SDK's partition table
/// ([`endpoint::DynamoEndpoint`]).
pub fn dynamodb_client(sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(sdk)
            .endpoint_resolver(endpoint::DynamoEndpoint)
            .build(),
    )
}

/// Loads the SDK configuration once per cold start (region, credentials, and endpoint overrides
/// such as `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local), with one HTTP client for every SDK
/// client built from it ([`https`]: reqwest on the process's trust roots, read once, shared
/// with the Bot API's client). Fails when there are no roots.
pub async fn sdk_config() -> Result<aws_config::SdkConfig, crate::tls::RootsError> {
    Ok(aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(sdk_http_client()?)
        .load()
        .await)
}

/// The SDK's HTTP client on the process's trust roots ([`https`]), for an SDK configuration
/// built by hand (tests).
pub fn sdk_http_client(
) -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient, crate::tls::RootsError> {
    https::sdk_client(crate::tls::roots()?)
}

/// As [`sdk_config`], for a Lambda function. Lambda puts the function's credentials in the
/// environment, and the default chain's first provider reads them there; building the rest of
/// the chain builds an STS client (for web identity), whose endpoint partitions (JSON and eight
/// regexes) take most of a millisecond to load, for a provider never asked. So with credentials
/// in the environment the environment is the only provider; without, the default chain as
/// before.
pub async fn function_sdk_config() -> Result<aws_config::SdkConfig, crate::tls::RootsError> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if credentials_in_env(|name| std::env::var_os(name)) {
        loader = loader.credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        );
    }
    Ok(loader.http_client(sdk_http_client()?).load().await)
}

/// Whether the environment provider would answer: the key id and the secret are both set and
/// not empty (the session token is optional, as for that provider).
fn credentials_in_env(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
        .iter()
        .all(|name| var(name).is_some_and(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Env = &'static [(&'static str, &'static str)];

    fn env(pairs: Env) -> impl Fn(&str) -> Option<std::ffi::OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.into())
        }
    }

    #[test]
    fn credentials_are_in_the_environment_only_with_a_key_id_and_a_secret() {
        const BOTH: Env = &[
            ("AWS_ACCESS_KEY_ID", "AKIA"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ];
        assert!(credentials_in_env(env(BOTH)));
        assert!(!credentials_in_env(env(&BOTH[..1])));
        assert!(!credentials_in_env(env(&BOTH[1..])));
        assert!(!credentials_in_env(env(&[
            ("AWS_ACCESS_KEY_ID", "AKIA"),
            ("AWS_SECRET_ACCESS_KEY", ""),
        ])));
        assert!(!credentials_in_env(env(&[])));
    }
}
