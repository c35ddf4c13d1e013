//! getUpdates: offset confirmation, limit, long polling, and the conflicts Telegram reports.

use std::time::Duration;

use serde_json::Value;
use tokio::time::{timeout_at, Instant};

use crate::params::Params;
use crate::reply::{ok, ApiError, MethodResult};
use crate::state::{Inner, Shared};

/// Longest long poll the fake will hold open, in seconds.
const MAX_TIMEOUT: i64 = 60;

const WEBHOOK_ACTIVE: &str =
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const SUPERSEDED: &str = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";

struct Request {
    offset: i64,
    limit: usize,
    timeout: Duration,
}

fn parse(params: &Params) -> Result<Request, ApiError> {
    let invalid =
        |name: &'static str| move || ApiError::bad_request(format!("invalid {name} specified"));
    let offset = params.int_or("offset", invalid("offset"))?.unwrap_or(0);
    let limit = params
        .int_or("limit", invalid("limit"))?
        .unwrap_or(100)
        .clamp(1, 100);
    let timeout = params
        .int_or("timeout", invalid("timeout"))?
        .unwrap_or(0)
        .clamp(0, MAX_TIMEOUT);
    Ok(Request {
        offset,
        limit: usize::try_from(limit).unwrap_or(100),
        timeout: Duration::from_secs(u64::try_from(timeout).unwrap_or(0)),
    })
}

/// Forgets confirmed updates: those below a positive offset, or all but the last -offset.
fn confirm(inner: &mut Inner, offset: i64) {
    if offset > 0 {
        inner.updates.retain(|u| update_id(u) >= offset);
    } else if offset < 0 {
        let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
        let drop = inner.updates.len().saturating_sub(keep);
        inner.updates.drain(..drop);
    }
}

fn update_id(update: &Value) -> i64 {
    update.get("update_id").and_then(Value::as_i64).unwrap_or(0)
}

fn available(inner: &Inner, request: &Request) -> Vec<Value> {
    inner
        .updates
        .iter()
        .filter(|u| request.offset <= 0 || update_id(u) >= request.offset)
        .take(request.limit)
        .cloned()
        .collect()
}

pub(crate) async fn get_updates(shared: &Shared, params: &Params) -> MethodResult {
    let request = parse(params)?;
    let allowed = params
        .typed::<Vec<String>>("allowed_updates")
        .map_err(|_| ApiError::bad_request("can't parse allowed_updates JSON array"))?;
    let generation = {
        let mut inner = shared.lock();
        if !inner.webhook.url.is_empty() {
            return Err(ApiError::new(409, WEBHOOK_ACTIVE));
        }
        if allowed.is_some() {
            inner.webhook.allowed_updates = allowed;
        }
        confirm(&mut inner, request.offset);
        inner.poll_generation += 1;
        inner.poll_generation
    };
    // Wake any older long poll so it notices it was superseded.
    shared.updates_changed.notify_waiters();
    let deadline = Instant::now() + request.timeout;
    loop {
        let notified = shared.updates_changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let inner = shared.lock();
            if inner.poll_generation != generation {
                return Err(ApiError::new(409, SUPERSEDED));
            }
            if !inner.webhook.url.is_empty() {
                return Err(ApiError::new(409, WEBHOOK_ACTIVE));
            }
            let updates = available(&inner, &request);
            if !updates.is_empty() || inner.closing || Instant::now() >= deadline {
                return ok(updates);
            }
        }
        // Either an update arrived (or something else changed), or the deadline passed.
        let _ = timeout_at(deadline, notified).await;
    }
}
