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
/// backing off (exponential, full jitter) on 5xx and network errors, except that a call that is
/// not idempotent is never re-sent after it may have reached Telegram. Other errors are returned
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
            BotApiError::RetryAfter { retry_after, .. } => u64::from(*retry_after) * 1000,
            // A message that may have been sent is not sent again: the caller decides what
            // an unknown outcome means.
            e if e.is_transient() && e.may_resend() => {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            deadline_ms: crate::time::now_ms() + 10_000,
            reserve_ms: 0,
            max_attempts: 3,
            base_backoff_ms: 1,
        }
    }

    /// Fails every call of `method` with a network error, counting the attempts.
    async fn attempts(method: &'static str, may_have_arrived: bool) -> u32 {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retry(policy(), || {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                Err(BotApiError::Network {
                    method,
                    detail: "connection reset".into(),
                    may_have_arrived,
                })
            }
        })
        .await;
        assert!(result.is_err());
        calls.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn a_message_that_may_have_been_sent_is_not_sent_again() {
        assert_eq!(attempts("SendMessage", true).await, 1);
        assert_eq!(attempts("CreateChatInviteLink", true).await, 1);
        // Unknown methods are not taken for idempotent.
        assert_eq!(attempts("ExportChatInviteLink", true).await, 1);
    }

    #[tokio::test]
    async fn a_message_that_never_left_is_sent_again() {
        assert_eq!(attempts("SendMessage", false).await, 3);
    }

    #[tokio::test]
    async fn idempotent_calls_are_retried_whatever_happened() {
        for method in [
            "DeleteMessage",
            "RestrictChatMember",
            "GetChatMember",
            "EditMessageText",
        ] {
            assert_eq!(attempts(method, true).await, 3, "{method}");
        }
    }

    async fn attempts_on_server_error(method: &'static str) -> u32 {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retry(policy(), || {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { Err(BotApiError::Server { method, code: 502 }) }
        })
        .await;
        assert!(result.is_err());
        calls.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn server_errors_are_retried_only_for_idempotent_calls() {
        // Telegram's front end may fail after its back end acted.
        assert_eq!(attempts_on_server_error("SendMessage").await, 1);
        assert_eq!(attempts_on_server_error("DeleteMessage").await, 3);
    }

    #[tokio::test]
    async fn a_rate_limited_message_is_sent_again() {
        let calls = AtomicU32::new(0);
        let result = with_retry(policy(), || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    Err(BotApiError::RetryAfter {
                        method: "SendMessage",
                        retry_after: 0,
                    })
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.expect("sent on the second attempt"), 1);
    }
}
