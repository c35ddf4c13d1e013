//! Retrying Bot API calls within the invocation's deadline.

use std::future::Future;
use std::time::Duration;

use super::BotApiError;

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
/// backing off (exponential, full jitter) on 5xx and network errors. Other errors are returned
/// at once: they are answers, not accidents, and the caller decides what they mean. When the
/// wait does not fit, the error is returned and the invocation fails, so Telegram redelivers
/// the update later (the de-duplication ledger lets that redelivery through).
pub async fn with_retry<T, F, Fut>(policy: RetryPolicy, mut call: F) -> Result<T, BotApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, BotApiError>>,
{
    let mut attempt = 1;
    loop {
        let err = match call().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let wait_ms = match &err {
            BotApiError::RetryAfter { retry_after, .. } => {
                crate::metrics::count(crate::metrics::names::BOT_API_RATE_LIMITED, &[], 1);
                u64::from(*retry_after) * 1000
            }
            e if e.is_transient() => {
                let cap = policy.base_backoff_ms << (attempt - 1).min(6);
                fastrand::u64(cap / 2..=cap)
            }
            _ => return Err(err),
        };
        if attempt >= policy.max_attempts || !policy.fits(wait_ms) {
            return Err(err);
        }
        tracing::warn!(attempt, wait_ms, error = %err, "Bot API call will be retried");
        crate::metrics::millis(
            crate::metrics::names::BOT_API_RETRY_WAIT,
            &[],
            wait_ms as f64,
        );
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        attempt += 1;
    }
}
