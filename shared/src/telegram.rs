//! The Telegram Bot API client: teloxide-core over a reqwest client that shares the AWS SDK's
//! rustls + aws-lc-rs stack (one TLS implementation in the binary), plus the retry policy.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use teloxide_core::{Bot, RequestError};

/// The real Bot API.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("TELEGRAM_API_URL is not a URL: {0}")]
    BadUrl(String),
    #[error("TLS set-up failed: {0}")]
    Tls(String),
    #[error("HTTP client set-up failed: {0}")]
    Http(String),
}

/// Builds the bot once per cold start. The token never leaves this value (teloxide redacts it
/// in `Debug`).
pub fn build_bot(token: &str, api_url: &str) -> Result<Bot, ClientError> {
    let url = reqwest::Url::parse(api_url).map_err(|e| ClientError::BadUrl(e.to_string()))?;
    Ok(Bot::with_client(token, http_client()?).set_api_url(url))
}

/// The HTTP client every Bot API call goes through: rustls with aws-lc-rs and the system roots.
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (added, _ignored) = roots.add_parsable_certificates(native.certs);
    if added == 0 {
        tracing::warn!("no system CA certificates found; HTTPS to Telegram will fail");
    }
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(17))
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| ClientError::Http(e.to_string()))
}

/// How hard to retry a Bot API call.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Epoch milliseconds by which the whole invocation must be done.
    pub deadline_ms: u64,
    /// Time kept in reserve after the last retry (to settle and answer).
    pub reserve_ms: u64,
    pub max_attempts: u32,
    pub base_backoff_ms: u64,
}

impl RetryPolicy {
    pub fn until(deadline_ms: u64) -> Self {
        Self {
            deadline_ms,
            reserve_ms: 1_500,
            max_attempts: 4,
            base_backoff_ms: 250,
        }
    }

    fn fits(&self, wait_ms: u64) -> bool {
        crate::time::now_ms() + wait_ms + self.reserve_ms < self.deadline_ms
    }
}

/// Runs a Bot API call, honouring 429 `retry_after` when the wait fits before the deadline and
/// backing off (exponential, full jitter) on network errors. Other errors are returned at once:
/// they are answers, not accidents, and the caller decides what they mean.
pub async fn with_retry<T, F, Fut>(policy: RetryPolicy, mut call: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut attempt = 1;
    loop {
        let err = match call().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let wait_ms = match &err {
            RequestError::RetryAfter(secs) => secs.duration().as_millis() as u64,
            RequestError::Network(_) | RequestError::Io(_) => {
                let cap = policy.base_backoff_ms << (attempt - 1).min(6);
                fastrand::u64(cap / 2..=cap)
            }
            _ => return Err(err),
        };
        if attempt >= policy.max_attempts || !policy.fits(wait_ms) {
            return Err(err);
        }
        tracing::warn!(attempt, wait_ms, error = %err, "Bot API call will be retried");
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        attempt += 1;
    }
}
