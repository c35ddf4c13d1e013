//! The Telegram Bot API: teloxide-core's typed payloads and types over our own small transport
//! ([`BotApi`]), on a reqwest client that shares the AWS SDK's rustls + ring stack (one TLS
//! implementation in the binary), plus the retry policy ([`with_retry`]).
//!
//! Why not teloxide's own `Bot` transport in functions: it sleeps 10 s before reading any 5xx
//! answer, which on Lambda is billed time spent doing nothing, and it cannot tell a 5xx from
//! other errors afterwards, so no backoff policy can be built on it.

mod client;
mod port;
mod retry;
mod upload;

use std::time::Duration;

pub use client::{is_idempotent, method_name, BotApi, BotApiError};
pub use port::{Retrying, ScriptedBot, ScriptedCall, TelegramApi};
pub use retry::{with_retry, RetryPolicy};
pub use upload::{safe_file_name, FileKind, Upload};

use teloxide_core::Bot;

/// The real Bot API.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("TELEGRAM_API_URL is not a URL: {0}")]
    BadUrl(String),
    #[error(transparent)]
    Tls(#[from] crate::tls::RootsError),
    #[error("HTTP client set-up failed: {0}")]
    Http(String),
}

/// A teloxide `Bot` (its full `Requester` API) for tools that are not on the hot path, like the
/// CLI. The token never leaves this value (teloxide redacts it in `Debug`).
pub fn build_bot(token: &str, api_url: &str) -> Result<Bot, ClientError> {
    let url = reqwest::Url::parse(api_url).map_err(|e| ClientError::BadUrl(e.to_string()))?;
    Ok(Bot::with_client(token, http_client()?).set_api_url(url))
}

/// The HTTP client every Bot API call goes through: rustls with ring and the process's
/// trust roots ([`crate::tls::roots`]), parsed once and shared with the AWS SDK's client.
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    let tls = crate::tls::roots()?.client_config()?;
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(17))
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(60))
        // The Bot API never redirects; a redirect would leave the host that holds the token.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ClientError::Http(e.to_string()))
}

/// Opens (and pools) `client`'s connection to the Bot API at `api_url` without the token: a
/// `HEAD /`, whose answer (a redirect or a 404) is ignored. Run at cold start beside the other
/// set-up, so the first update does not wait for a TCP and TLS handshake with Telegram. Never
/// fails: a Bot API that cannot be reached now is reported by the first real call.
pub async fn warm_up(client: &reqwest::Client, api_url: &str) {
    let started = std::time::Instant::now();
    let result = client
        .head(api_url)
        .timeout(Duration::from_secs(3))
        .send()
        .await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(answer) => tracing::debug!(
            status = answer.status().as_u16(),
            ms,
            "Bot API connection open"
        ),
        Err(e) => tracing::info!(ms, error = %e.without_url(), "Bot API warm-up failed"),
    }
}
