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
/// built by hand ([`function_sdk_config`], tests).
pub fn sdk_http_client(
) -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient, crate::tls::RootsError> {
    https::sdk_client(crate::tls::roots()?)
}

/// Why a function has no SDK configuration: it fails its cold start with this.
#[derive(Debug, thiserror::Error)]
pub enum FunctionConfigError {
    #[error(transparent)]
    Roots(#[from] crate::tls::RootsError),
    #[error(
        "no AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
         with AWS_SESSION_TOKEN for temporary ones): Lambda sets them; for a local run, export \
         them, e.g. `eval \"$(aws configure export-credentials --format env)\"`"
    )]
    NoCredentials,
}

/// As [`sdk_config`], for a Lambda function: built from the environment, where Lambda puts
/// everything a function's configuration needs (its region and its role's credentials), without
/// aws-config's loader. That loader's default chain reaches the profile files, SSO, IMDS, ECS
/// and web identity providers and an STS client (about 0.65 MB of every function, measured),
/// for providers a function never asks. Read here as aws-config reads them: `AWS_REGION` (then
/// `AWS_DEFAULT_REGION`), the credentials (through aws-config's environment provider),
/// `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` (an invalid value is logged and the default kept,
/// where aws-config would panic), `AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT` and
/// DynamoDB's endpoint override ([`endpoint::configured`]); the defaults are aws-config's
/// (standard retries, 3 attempts, a 3.1 s connect timeout, a lazy identity cache). Not read:
/// profile files, container credentials, `AWS_SDK_UA_APP_ID`, the checksum and compression
/// switches (none applies to a function's DynamoDB calls). Without credentials in the
/// environment the cold start fails and says so.
pub async fn function_sdk_config() -> Result<aws_config::SdkConfig, FunctionConfigError> {
    function_sdk_config_from(crate::config::optional, sdk_http_client()?)
}

fn function_sdk_config_from(
    var: impl Fn(&str) -> Option<String>,
    http: aws_smithy_runtime_api::client::http::SharedHttpClient,
) -> Result<aws_config::SdkConfig, FunctionConfigError> {
    use aws_config::{retry::RetryConfig, timeout::TimeoutConfig};
    if !credentials_in_env(|name| var(name).map(Into::into)) {
        return Err(FunctionConfigError::NoCredentials);
    }
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let region = set("AWS_REGION")
        .or_else(|| set("AWS_DEFAULT_REGION"))
        .map(|r| aws_config::Region::new(r.trim().to_owned()));
    let retry = match set("AWS_RETRY_MODE").as_deref().map(str::trim) {
        Some(mode) if mode.eq_ignore_ascii_case("adaptive") => RetryConfig::adaptive(),
        Some(mode) if !mode.eq_ignore_ascii_case("standard") => {
            tracing::warn!(
                mode,
                "AWS_RETRY_MODE is not standard or adaptive: standard kept"
            );
            RetryConfig::standard()
        }
        _ => RetryConfig::standard(),
    };
    let attempts = match set("AWS_MAX_ATTEMPTS") {
        None => 3,
        Some(n) => match n.trim().parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => {
                tracing::warn!(value = %n, "AWS_MAX_ATTEMPTS is not a positive number: 3 kept");
                3
            }
        },
    };
    let mut sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(region)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            ),
        )
        .identity_cache(aws_config::identity::IdentityCache::lazy().build())
        .retry_config(retry.with_max_attempts(attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_millis(3100))
                .build(),
        )
        .use_fips(endpoint::flag("AWS_USE_FIPS_ENDPOINT", &var))
        .use_dual_stack(endpoint::flag("AWS_USE_DUALSTACK_ENDPOINT", &var))
        .http_client(http);
    sdk.set_sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep());
    // The configuration's one endpoint is DynamoDB's: a function builds no other SDK client
    // from it (SSM and Lambda are signed requests that resolve their own, `signed.rs`).
    sdk.set_endpoint_url(endpoint::configured("DYNAMODB", &var));
    Ok(sdk.build())
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

    fn strings(pairs: Env) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn config(pairs: Env) -> Result<aws_config::SdkConfig, FunctionConfigError> {
        function_sdk_config_from(strings(pairs), sdk_http_client().expect("trust roots"))
    }

    const CREDENTIALS: [(&str, &str); 2] = [
        ("AWS_ACCESS_KEY_ID", "AKIA"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ];

    #[test]
    fn a_function_configuration_is_read_from_the_environment_as_aws_config_reads_it() {
        const LAMBDA: Env = &[
            CREDENTIALS[0],
            CREDENTIALS[1],
            ("AWS_REGION", "eu-central-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ];
        let sdk = config(LAMBDA).expect("configured");
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-central-1"));
        assert!(sdk.credentials_provider().is_some());
        assert!(sdk.identity_cache().is_some());
        assert!(sdk.sleep_impl().is_some());
        assert!(sdk.http_client().is_some());
        assert_eq!(sdk.endpoint_url(), None);
        assert_eq!(sdk.use_fips(), Some(false));
        assert_eq!(sdk.use_dual_stack(), Some(false));
        let retry = sdk.retry_config().expect("retries");
        assert_eq!(
            (retry.mode(), retry.max_attempts()),
            (aws_config::retry::RetryMode::Standard, 3)
        );
        assert_eq!(
            sdk.timeout_config().and_then(|t| t.connect_timeout()),
            Some(std::time::Duration::from_millis(3100))
        );

        let sdk = config(&[
            CREDENTIALS[0],
            CREDENTIALS[1],
            ("AWS_DEFAULT_REGION", "us-west-2"),
            ("AWS_USE_FIPS_ENDPOINT", "TRUE"),
            ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
            ("AWS_MAX_ATTEMPTS", "5"),
            ("AWS_RETRY_MODE", "adaptive"),
            ("AWS_ENDPOINT_URL", "http://elsewhere:1"),
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000/"),
        ])
        .expect("configured");
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("us-west-2"));
        assert_eq!(sdk.use_fips(), Some(true));
        assert_eq!(sdk.use_dual_stack(), Some(true));
        assert_eq!(
            sdk.retry_config().map(|r| (r.mode(), r.max_attempts())),
            Some((aws_config::retry::RetryMode::Adaptive, 5))
        );
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:8000"));

        let sdk = config(&[
            CREDENTIALS[0],
            CREDENTIALS[1],
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ("AWS_MAX_ATTEMPTS", "many"),
            ("AWS_RETRY_MODE", "legacy"),
        ])
        .expect("configured");
        assert_eq!(sdk.endpoint_url(), None);
        assert_eq!(sdk.region(), None);
        assert_eq!(
            sdk.retry_config().map(|r| (r.mode(), r.max_attempts())),
            Some((aws_config::retry::RetryMode::Standard, 3))
        );
    }

    #[test]
    fn a_function_without_credentials_in_its_environment_does_not_start() {
        let err =
            config(&[("AWS_REGION", "eu-central-1"), CREDENTIALS[0]]).expect_err("no secret key");
        assert!(matches!(err, FunctionConfigError::NoCredentials), "{err}");
        assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
    }
}
