//! Pushes to the tool: a chat's new messages (from allowed users) POSTed to the URL its admins
//! set, signed (`lambdagram::push`), at least once and in order — the tool drops what it has
//! seen by `seq`. The inbound function pushes at once; the `bridge-push` job retries with
//! exponential backoff, and after [`MAX_ATTEMPTS`] failures gives up: the chat's push is
//! dead-lettered (its last error says so, `/status` shows it) until `/bridge push` is set again.
//! Nothing is lost meanwhile: the tool can still read after its cursor.

use lambdagram::ports::StoreError;
use lambdagram::push::{
    backoff_secs, sign, PushResult, Pusher, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use lambdagram::time::Epoch;
use serde::Serialize;
use serde_json::json;

use crate::store::{BridgeStore, ChatRecord, Direction};

/// Failed attempts before the push is given up (with a 60 s base: 1+2+4+8+16 min ≈ half an hour).
pub const MAX_ATTEMPTS: u32 = 6;
/// Entries pushed per attempt at most.
const BATCH: u32 = 100;

/// The first retry's delay: `BRIDGE_PUSH_BACKOFF_SECS`, default 60.
pub fn backoff_base() -> Epoch {
    lambdagram::config::optional("BRIDGE_PUSH_BACKOFF_SECS")
        .and_then(|v| v.parse().ok())
        .filter(|v: &Epoch| (0..=3600).contains(v))
        .unwrap_or(60)
}

/// What one look at a chat's pushes did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PushReport {
    /// Entries delivered.
    pub delivered: u32,
    pub failed: u32,
    /// Pushes given up.
    pub dead: u32,
}

/// Pushes what `chat` has not delivered yet, if it is due. Store failures are the caller's;
/// a receiver's failure is counted and scheduled.
pub async fn push_pending<S: BridgeStore, P: Pusher>(
    store: &S,
    pusher: &P,
    chat: &ChatRecord,
    now: Epoch,
) -> Result<PushReport, StoreError> {
    let mut report = PushReport::default();
    let Some(push) = &chat.push else {
        return Ok(report);
    };
    if push.dead_at.is_some() || chat.seq <= push.pushed_seq || now < push.next_at {
        return Ok(report);
    }
    let entries = store
        .entries_after(chat.chat_id, push.pushed_seq, BATCH)
        .await?;
    let Some(cursor) = entries.last().map(|e| e.seq) else {
        return Ok(report);
    };
    let messages: Vec<_> = entries
        .iter()
        .filter(|e| e.direction == Direction::In)
        .collect();
    if messages.is_empty() {
        // Only the tool's own messages: nothing to push, the cursor moves on.
        store.push_delivered(chat.chat_id, cursor).await?;
        return Ok(report);
    }
    let body =
        json!({ "chat_id": chat.chat_id, "cursor": cursor, "messages": messages }).to_string();
    let headers = vec![
        (TIMESTAMP_HEADER, now.to_string()),
        (SIGNATURE_HEADER, sign(&push.secret, now, &body)),
    ];
    match pusher.post(&push.url, headers, body).await {
        PushResult::Delivered => {
            store.push_delivered(chat.chat_id, cursor).await?;
            report.delivered = messages.len() as u32;
            tracing::info!(chat_id = chat.chat_id, cursor, "bridge push delivered");
        }
        PushResult::Failed(why) => {
            let attempts = push.attempts + 1;
            report.failed = 1;
            if attempts >= MAX_ATTEMPTS {
                report.dead = 1;
                store
                    .push_failed(chat.chat_id, attempts, now, Some(now))
                    .await?;
                store
                    .record_error(
                        chat.chat_id,
                        &format!("push given up after {attempts} attempts ({why}); read with GET /bridge/messages, or set /bridge push again"),
                        now,
                    )
                    .await?;
                tracing::warn!(chat_id = chat.chat_id, attempts, reason = %why, "bridge push dead-lettered");
            } else {
                let next = now + backoff_secs(backoff_base(), attempts);
                store
                    .push_failed(chat.chat_id, attempts, next, None)
                    .await?;
                tracing::warn!(chat_id = chat.chat_id, attempts, reason = %why, "bridge push failed; retried later");
            }
        }
    }
    Ok(report)
}

/// The `bridge-push` job: every chat with pushes, retried when due.
pub struct PushJob<P> {
    pub pusher: P,
}

impl<S: BridgeStore, P: Pusher> lambdagram::jobs::JobHandler<S> for PushJob<P> {
    type Report = PushReport;

    async fn run(
        &self,
        ctx: lambdagram::jobs::JobContext<'_, S>,
    ) -> Result<PushReport, lambdagram::route::HandlerError> {
        let mut total = PushReport::default();
        for chat_id in ctx.store.push_chats().await? {
            if ctx.remaining_ms() < 5_000 {
                break;
            }
            let Some(chat) = ctx.store.chat(chat_id).await? else {
                continue;
            };
            let report = push_pending(ctx.store, &self.pusher, &chat, ctx.now).await?;
            total.delivered += report.delivered;
            total.failed += report.failed;
            total.dead += report.dead;
        }
        Ok(total)
    }
}
