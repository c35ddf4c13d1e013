//! The warning sweeper, a scheduled job (`JOBS`, every minute): the guard's warnings delete
//! themselves once the group's delay (`Settings::warning_ttl_secs`) has passed. The store queues
//! each posted warning under the minute it is due; every run reads the last few minutes, so a
//! missed or failed run is caught up by the next one, deletes each message and forgets the
//! warning (its queue entry, and its record unless a newer warning replaced it).
//!
//! Deleting is idempotent: a message already gone (the member was verified, an admin deleted
//! it) is "message to delete not found", an answer to carry on from.
//!
//! It also posts the warnings the chats' flood limits kept back (`deferred`): each still
//! needed (the member's claim unposted, the group protected, a channel still missing) is posted
//! once, recorded, and queued for deletion like any other.

mod deferred;

use channel_guard::store::prelude::*;
use lambdagram::jobs::{JobContext, JobHandler};
use lambdagram::route::HandlerError;
use lambdagram::telegram::{with_retry, BotApiError};
use lambdagram::teloxide_core::payloads::DeleteMessage;
use lambdagram::teloxide_core::types::{ChatId, MessageId};
use serde::Serialize;

/// How far back each run always looks (a warning queued late is still found).
pub const CATCH_UP_SECS: i64 = 5 * 60;

/// The most one run sweeps after an outage: the rest of a backlog goes to the next runs.
pub const MAX_WINDOW_SECS: i64 = 60 * 60;

/// Queue entries expire a day after they are due: older backlog is gone anyway.
pub const MAX_BACKLOG_SECS: i64 = 24 * 3600;

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
    /// Left for the next run (the time ran out, or their group failed).
    pub left: usize,
    /// Groups whose deletions met an accident (flood control, 5xx, network): their warnings
    /// stay queued for the next run, and the other groups are swept regardless.
    pub failed_groups: usize,
    /// Deferred warnings posted.
    pub posted: usize,
    /// Deferred warnings no longer needed (lifted, unprotected, refused, or uncertain).
    pub dropped: usize,
    /// Deferred warnings left for the next run (the chat still flooded, or the time ran out).
    pub deferred_left: usize,
}

impl<S: GuardStore> JobHandler<S> for Sweeper {
    type Report = SweepReport;

    async fn run(&self, ctx: JobContext<'_, S>) -> Result<SweepReport, HandlerError> {
        // From the watermark (where the last run stopped: an outage's backlog is caught up, an
        // hour a run) or the usual look-back, whichever is earlier.
        let watermark = ctx.store.sweep_watermark().await?;
        let after = watermark
            .map_or(ctx.now - CATCH_UP_SECS, |w| w.min(ctx.now - CATCH_UP_SECS))
            .max(ctx.now - MAX_BACKLOG_SECS);
        let until = ctx.now.min(after + MAX_WINDOW_SECS);
        let due = ctx.store.due_warnings(after, until).await?;
        let mut report = SweepReport {
            due: due.len(),
            ..SweepReport::default()
        };
        // One group's trouble (its chat rate-limited, Telegram failing for it) must not keep
        // the other groups' warnings up: its warnings wait for the next run, the rest go on.
        let mut failed: Vec<i64> = Vec::new();
        let mut swept: Vec<(i64, i64)> = Vec::new();
        for (i, (group_id, warning)) in due.iter().enumerate() {
            if ctx.remaining_ms() < RESERVE_MS {
                report.left += due.len() - i;
                tracing::warn!(left = report.left, "out of time: the next run goes on");
                break;
            }
            if failed.contains(group_id) {
                report.left += 1;
                continue;
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
                    // An accident (flood control, 5xx, network): this group's warnings stay
                    // queued for the next run.
                    Err(e) => {
                        tracing::warn!(group_id, error = %e, "group skipped until the next run");
                        failed.push(*group_id);
                        report.left += 1;
                        continue;
                    }
                }
            }
            ctx.store.remove_swept_warning(*group_id, warning).await?;
            swept.push((*group_id, warning.user_id));
        }
        report.failed_groups = failed.len();
        // The next run starts before the first warning left here, or where this one ended.
        let swept_until = due
            .iter()
            .filter(|(group, w)| failed.contains(group) || !swept.contains(&(*group, w.user_id)))
            .map(|(_, w)| w.delete_at - 1)
            .min()
            .unwrap_or(until);
        if watermark != Some(swept_until) {
            ctx.store.set_sweep_watermark(swept_until).await?;
        }
        // Groups whose deletions just failed are left alone: their chat is in trouble.
        deferred::post_due(&ctx, &mut report, &failed).await?;
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
                left: 0,
                failed_groups: 0,
                ..SweepReport::default()
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

    /// A group whose deletions fail (5xx, every retry) keeps its warnings queued; the other
    /// groups' warnings are deleted in the same run, and the next run finishes the first.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_failing_group_does_not_stop_the_others() {
        let fake = FakeBotApi::start().await.expect("fake");
        let world = fake.world();
        world.add_user(fake.bot_user());
        let other = -1_002_222_222_222;
        world.add_chat(fake_bot_api::Chat::supergroup(other, "Other"));
        world.set_member(
            other,
            BOT_ID,
            fake_bot_api::MemberStatus::admin(fake_bot_api::AdminRights::moderator()),
        );
        let post = |chat, text| {
            world.add_message(chat, BOT_ID, text).expect("posted")["message_id"]
                .as_i64()
                .and_then(|id| i32::try_from(id).ok())
                .expect("id")
        };
        let (lounge_a, lounge_b, theirs) =
            (post(LOUNGE_ID, "a"), post(LOUNGE_ID, "b"), post(other, "c"));
        let store = MemoryStore::new();
        warn(&store, 1, lounge_a, NOW - 30).await;
        warn(&store, 2, lounge_b, NOW - 20).await;
        for (user, id, at) in [(3, theirs, NOW - 10)] {
            assert!(store
                .claim_warning(other, user, at - 300, at)
                .await
                .expect("claim"));
            store
                .set_warning_message(other, user, id, at)
                .await
                .expect("record");
        }
        // The Lounge's first deletion fails on every attempt.
        fake.inject(fake_bot_api::Fault::server_error("deleteMessage", 502).times(4));
        let bot = BotApi::new(&fake.token(), &fake.base_url()).expect("bot");
        let ctx = |now| JobContext {
            bot: &bot,
            store: &store,
            now,
            deadline_ms: lambdagram::time::now_ms() + 20_000,
        };

        let report = Sweeper
            .run(ctx(NOW))
            .await
            .expect("the run itself succeeds");

        assert_eq!(
            report,
            SweepReport {
                due: 3,
                deleted: 1,
                not_deleted: 0,
                left: 2,
                failed_groups: 1,
                ..SweepReport::default()
            }
        );
        assert!(
            world.message(other, i64::from(theirs)).is_none(),
            "the other group's went"
        );
        assert!(world.message(LOUNGE_ID, i64::from(lounge_a)).is_some());
        assert!(world.message(LOUNGE_ID, i64::from(lounge_b)).is_some());

        // The next run deletes the Lounge's, once each.
        fake.clear_calls();
        let report = Sweeper.run(ctx(NOW + 60)).await.expect("run");
        assert_eq!((report.due, report.deleted, report.left), (2, 2, 0));
        assert!(world.message(LOUNGE_ID, i64::from(lounge_a)).is_none());
        assert!(world.message(LOUNGE_ID, i64::from(lounge_b)).is_none());
    }

    /// After an outage longer than the usual look-back, the watermark brings the backlog back:
    /// an hour of it a run, oldest first, until the sweeper is level again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_backlog_older_than_the_look_back_is_caught_up_an_hour_a_run() {
        let fake = FakeBotApi::start().await.expect("fake");
        let world = fake.world();
        world.add_user(fake.bot_user());
        let post = |text| {
            world.add_message(LOUNGE_ID, BOT_ID, text).expect("posted")["message_id"]
                .as_i64()
                .and_then(|id| i32::try_from(id).ok())
                .expect("id")
        };
        let (old, recent, fresh) = (post("old"), post("recent"), post("fresh"));
        let store = MemoryStore::new();
        warn(&store, 1, old, NOW - 170 * 60).await;
        warn(&store, 2, recent, NOW - 30 * 60).await;
        warn(&store, 3, fresh, NOW - 60).await;
        // The last run before the outage, three hours ago.
        store
            .set_sweep_watermark(NOW - 3 * 3600)
            .await
            .expect("watermark");
        let bot = BotApi::new(&fake.token(), &fake.base_url()).expect("bot");
        let ctx = |now| JobContext {
            bot: &bot,
            store: &store,
            now,
            deadline_ms: lambdagram::time::now_ms() + 10_000,
        };

        let first = Sweeper.run(ctx(NOW)).await.expect("run");
        assert_eq!((first.due, first.deleted), (1, 1), "the oldest hour");
        assert!(world.message(LOUNGE_ID, i64::from(old)).is_none());
        assert_eq!(
            store.sweep_watermark().await.expect("read"),
            Some(NOW - 2 * 3600)
        );

        let second = Sweeper.run(ctx(NOW + 60)).await.expect("run");
        assert_eq!(
            (second.due, second.deleted),
            (0, 0),
            "an hour with nothing due"
        );
        let third = Sweeper.run(ctx(NOW + 120)).await.expect("run");
        assert_eq!((third.due, third.deleted), (2, 2), "level again");
        assert!(world.message(LOUNGE_ID, i64::from(recent)).is_none());
        assert!(world.message(LOUNGE_ID, i64::from(fresh)).is_none());
        assert_eq!(
            store.sweep_watermark().await.expect("read"),
            Some(NOW),
            "an hour past the last watermark; the next run goes on from there"
        );
    }
}
