//! Pushing to an outside HTTPS endpoint, signed: what a bot uses to deliver to a tool that
//! would rather be called than poll. The body is signed with HMAC-SHA-256 over
//! `"{timestamp}.{body}"` under a secret the receiver shares, sent as
//! `x-lambdagram-signature: sha256=<hex>` with `x-lambdagram-timestamp`; the receiver checks
//! the signature (constant time) and the timestamp's age, and so refuses forgeries and replays.
//! Failed deliveries are retried with exponential backoff by the bot and given up after a few.

use std::future::Future;
use std::time::Duration;

use crate::crypto::{constant_time_eq, hmac_sha256_hex};
use crate::time::Epoch;

pub const SIGNATURE_HEADER: &str = "x-lambdagram-signature";
pub const TIMESTAMP_HEADER: &str = "x-lambdagram-timestamp";

/// The signature header's value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: Epoch, body: &str) -> String {
    let signed = format!("{timestamp}.{body}");
    format!(
        "sha256={}",
        hmac_sha256_hex(secret.as_bytes(), signed.as_bytes())
    )
}

/// Whether `signature` is `body`'s at `timestamp` under `secret` (constant time).
pub fn verify(secret: &str, timestamp: Epoch, body: &str, signature: &str) -> bool {
    constant_time_eq(
        sign(secret, timestamp, body).as_bytes(),
        signature.as_bytes(),
    )
}

/// The delay before retry number `attempt` (1, 2, …): `base` doubled each time, at most an hour.
pub fn backoff_secs(base: Epoch, attempt: u32) -> Epoch {
    let doubled = base.saturating_mul(1 << attempt.saturating_sub(1).min(16));
    doubled.min(3600)
}

/// Whether a push may go to `url`: HTTPS only (`allow_http` lets tests use a loopback server).
/// A plain-HTTP URL from inside a Lambda sandbox could reach its own Runtime API.
pub fn url_allowed(url: &str, allow_http: bool) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let scheme_ok = parsed.scheme() == "https" || (allow_http && parsed.scheme() == "http");
    scheme_ok && parsed.host_str().is_some() && parsed.username().is_empty() && url.len() <= 500
}

/// What a push attempt got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushResult {
    /// The receiver answered 2xx.
    Delivered,
    /// Anything else: its status, or why there was none.
    Failed(String),
}

/// Where pushes go out.
pub trait Pusher: Send + Sync {
    fn post(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: String,
    ) -> impl Future<Output = PushResult> + Send;
}

/// Pushes over HTTPS with the framework's client (rustls, the same roots), each attempt bounded
/// by `timeout`.
pub struct HttpPusher {
    client: reqwest::Client,
    timeout: Duration,
}

impl HttpPusher {
    pub fn new(timeout: Duration) -> Result<Self, crate::telegram::ClientError> {
        Ok(Self {
            client: crate::telegram::http_client()?,
            timeout,
        })
    }
}

impl Pusher for HttpPusher {
    async fn post(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: String,
    ) -> PushResult {
        let mut request = self
            .client
            .post(url)
            .timeout(self.timeout)
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => PushResult::Delivered,
            Ok(response) => PushResult::Failed(format!("HTTP {}", response.status().as_u16())),
            Err(e) if e.is_timeout() => PushResult::Failed("timed out".into()),
            Err(e) if e.is_connect() => PushResult::Failed("connection refused or failed".into()),
            Err(_) => PushResult::Failed("request failed".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_body_time_and_secret() {
        let signature = sign("s3cret", 1_790_000_000, r#"{"a":1}"#);
        assert!(signature.starts_with("sha256=") && signature.len() == 7 + 64);
        assert!(verify("s3cret", 1_790_000_000, r#"{"a":1}"#, &signature));
        assert!(!verify("s3cret", 1_790_000_001, r#"{"a":1}"#, &signature));
        assert!(!verify("s3cret", 1_790_000_000, r#"{"a":2}"#, &signature));
        assert!(!verify("other", 1_790_000_000, r#"{"a":1}"#, &signature));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour_and_urls_must_be_https() {
        let delays: Vec<Epoch> = (1..=8).map(|a| backoff_secs(60, a)).collect();
        assert_eq!(delays, vec![60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff_secs(0, 5), 0);
        assert!(url_allowed("https://tool.example.com/hook", false));
        assert!(!url_allowed("http://tool.example.com/hook", false));
        assert!(url_allowed("http://127.0.0.1:8080/hook", true));
        assert!(!url_allowed("https://user:pw@tool.example.com/", false));
        assert!(!url_allowed("ftp://tool.example.com/", true));
        assert!(!url_allowed("not a url", true));
    }
}
