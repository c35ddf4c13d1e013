//! The warning sweeper, a scheduled job (`JOBS`, every minute): the guard's warnings delete
//! themselves once the group's delay (`Settings::warning_ttl_secs`) has passed. The store queues
//! each posted warning under the minute it is due; every run reads the last few minutes, so a
//! missed or failed run is caught up by the next one, deletes each message and forgets the
//! warning (its queue entry, and its record unless a newer warning replaced it).
//!
//! Deleting is idempotent: a message already gone (the member was verified, an admin deleted
//! it) is "message to delete not found", an answer to carry on from.

use channel_guard::store::GuardStore;
use lambdagram::jobs::{JobContext, JobHandler};
use lambdagram::route::HandlerError;
use lambdagram::telegram::{with_retry, BotApiError};
use lambdagram::teloxide_core::payloads::DeleteMessage;
use lambdagram::teloxide_core::types::{ChatId, MessageId};
use serde::Serialize;

/// How far back each run looks: runs missed for up to this long are caught up.
pub const CATCH_UP_SECS: i64 = 5 * 60;

/// Time kept back at the end of a run; what is left then waits for the next run.
pub const RESERVE_MS: u64 = 3_000;

pub struct Sweeper;

/// What one run did (the invocation's answer, and logged).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Warnings due in the window.
    pub due: usize,
    /// Messages deleted.
    pub deleted: usize,
    /// Messages Telegram would not delete: already gone, too old, or the bot lost the chat.
    pub not_deleted: usize,
    /// Left for the next run (the time ran out).
    pub left: usize,
}

impl<S: GuardStore> JobHandler<S> for Sweeper {
    type Report = SweepReport;

    async fn run(&self, ctx: JobContext<'_, S>) -> Result<SweepReport, HandlerError> {
        let due = ctx
            .store
            .due_warnings(ctx.now - CATCH_UP_SECS, ctx.now)
            .await?;
        let mut report = SweepReport {
            due: due.len(),
            ..SweepReport::default()
        };
        for (i, (group_id, warning)) in due.iter().enumerate() {
            if ctx.remaining_ms() < RESERVE_MS {
                report.left = due.len() - i;
                tracing::warn!(left = report.left, "out of time: the next run goes on");
                break;
            }
            if let Some(id) = warning.message_id {
                let request = DeleteMessage::new(ChatId(*group_id), MessageId(id));
                match with_retry(ctx.retry(), || ctx.bot.call(&request)).await {
                    Ok(_) => report.deleted += 1,
                    // Telegram's answer about this message or chat: retrying changes nothing.
                    Err(e @ (BotApiError::Api { .. } | BotApiError::Migrated { .. })) => {
                        tracing::info!(group_id, message_id = id, error = %e, "not deleted");
                        report.not_deleted += 1;
                    }
                    // An accident (flood control, 5xx, network): stop; the warning stays queued
                    // and the next run retries it.
                    Err(e) => return Err(e.into()),
                }
            }
            ctx.store.remove_swept_warning(*group_id, warning).await?;
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fake_bot_api::{FakeBotApi, BOT_ID, LOUNGE_ID};
    use lambdagram::memory::MemoryStore;
    use lambdagram::telegram::BotApi;

    const NOW: i64 = 1_790_000_000;

    async fn warn(store: &MemoryStore, user_id: i64, message_id: i32, delete_at: i64) {
        assert!(store
            .claim_warning(LOUNGE_ID, user_id, delete_at - 300, delete_at)
            .await
            .expect("claim"));
        store
            .set_warning_message(LOUNGE_ID, user_id, message_id, delete_at)
            .await
            .expect("record");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deletes_what_is_due_once_and_keeps_the_rest() {
        let fake = FakeBotApi::start().await.expect("fake");
        let world = fake.world();
        world.add_user(fake.bot_user());
        let message = |text| {
            world.add_message(LOUNGE_ID, BOT_ID, text).expect("posted")["message_id"]
                .as_i64()
                .and_then(|id| i32::try_from(id).ok())
                .expect("id")
        };
        let (due, later) = (message("due"), message("later"));
        // Deleted already (the member was verified meanwhile).
        let gone = 9_999;
        let store = MemoryStore::new();
        warn(&store, 1, due, NOW - 10).await;
        warn(&store, 2, gone, NOW - 200).await;
        warn(&store, 3, later, NOW + 60).await;
        let bot = BotApi::new(&fake.token(), &fake.base_url()).expect("bot");
        let ctx = |now| JobContext {
            bot: &bot,
            store: &store,
            now,
            deadline_ms: lambdagram::time::now_ms() + 10_000,
        };

        let report = Sweeper.run(ctx(NOW)).await.expect("run");

        assert_eq!(
            report,
            SweepReport {
                due: 2,
                deleted: 1,
                not_deleted: 1,
                left: 0
            }
        );
        let deleted: Vec<_> = fake
            .calls_to("deleteMessage")
            .iter()
            .map(|c| c.param("message_id").cloned())
            .collect();
        assert_eq!(deleted, [Some(gone.into()), Some(due.into())]);
        assert!(world.message(LOUNGE_ID, i64::from(later)).is_some());

        // The next minute: nothing twice, and the later one when it is due.
        fake.clear_calls();
        let report = Sweeper.run(ctx(NOW + 60)).await.expect("run");
        assert_eq!((report.due, report.deleted), (1, 1));
        assert_eq!(fake.calls_to("deleteMessage").len(), 1);
        assert!(world.message(LOUNGE_ID, i64::from(later)).is_none());
    }
}
