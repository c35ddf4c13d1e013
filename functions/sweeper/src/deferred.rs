//! The deferred warnings: posted by the sweeper once their chat may be written to.
//!
//! Each is posted at most once: the member's claim (held while deferred) must still be there
//! and unposted, and a `sendMessage` that may have reached Telegram is never sent again. The
//! shared flood windows (this function takes part in them) decide when a chat may be written
//! to, so an entry is tried from a minute before its time and simply waits for the next run
//! while its chat is still full.

use channel_guard::enforce::{warning_request, DEFERRED_CLAIM_SECS};
use channel_guard::metrics::names;
use channel_guard::store::{prelude::*, DeferredWarning};
use lambdagram::jobs::JobContext;
use lambdagram::metrics;
use lambdagram::route::HandlerError;
use lambdagram::telegram::{with_retry, BotApiError, RetryPolicy};
use lambdagram::teloxide_core::payloads::DeleteMessage;
use lambdagram::teloxide_core::types::ChatId;
use lambdagram::time::now_ms;

use super::{SweepReport, RESERVE_MS};

/// The most deferred warnings one run reads (each is a message, and the bot's 30 a second and
/// each group's 20 a minute apply to them as to any other).
pub const MAX_PER_RUN: usize = 100;

/// How far ahead of its time an entry is tried: the runs are a minute apart.
pub const LOOKAHEAD_SECS: i64 = 60;

/// The longest one post waits for its chat's flood window (the retry policy keeps 1.5 s of it
/// in reserve): a longer wait is left to the next run.
pub const MAX_WAIT_MS: u64 = 10_000;

/// What became of one deferred warning.
enum Outcome {
    Posted,
    /// No longer needed, refused, or possibly posted already: forgotten.
    Dropped,
    /// Its chat is still flooded (or Telegram failed): the next run tries again.
    Later,
}

/// Posts the deferred warnings that are due, skipping the groups in `failing`.
pub(crate) async fn post_due<S: GuardStore>(
    ctx: &JobContext<'_, S>,
    report: &mut SweepReport,
    failing: &[i64],
) -> Result<(), HandlerError> {
    let due = ctx
        .store
        .deferred_warnings(ctx.now + LOOKAHEAD_SECS, MAX_PER_RUN)
        .await?;
    let mut later: Vec<i64> = failing.to_vec();
    for deferred in &due {
        if ctx.remaining_ms() < RESERVE_MS || later.contains(&deferred.group_id) {
            report.deferred_left += 1;
            continue;
        }
        match post(ctx, deferred).await? {
            Outcome::Posted => report.posted += 1,
            Outcome::Dropped => report.dropped += 1,
            Outcome::Later => {
                later.push(deferred.group_id);
                report.deferred_left += 1;
            }
        }
    }
    Ok(())
}

async fn post<S: GuardStore>(
    ctx: &JobContext<'_, S>,
    deferred: &DeferredWarning,
) -> Result<Outcome, HandlerError> {
    let (group_id, user_id) = (deferred.group_id, deferred.user_id);
    let group = ctx.store.group_state(group_id, ctx.now).await?;
    let config = group.config.filter(|c| c.is_active());
    let missing: Vec<_> = config
        .iter()
        .flat_map(|c| c.channels.iter())
        .filter(|c| deferred.channels.contains(&c.id))
        .collect();
    let Some(config) = config.as_ref().filter(|_| !missing.is_empty()) else {
        // Unprotected, or none of those channels linked any more.
        ctx.store.remove_warning(group_id, user_id, ctx.now).await?;
        ctx.store.forget_deferred(deferred).await?;
        return Ok(Outcome::Dropped);
    };
    // The claim is the licence, taken by one conditional write: gone (the member was verified
    // or allowed), posted, replaced by a fresh warning, or taken by another run (a schedule
    // may fire twice), the warning is not this run's to post.
    let hold = ctx.now + DEFERRED_CLAIM_SECS;
    if !ctx
        .store
        .set_claim_deferred(group_id, user_id, false, hold)
        .await?
    {
        ctx.store.forget_deferred(deferred).await?;
        return Ok(Outcome::Dropped);
    }
    let request = warning_request(config, user_id, &deferred.name, &missing);
    // A chat still flooded for longer than a short wait is tried again next run, rather than
    // holding up the other groups' warnings.
    let retry = RetryPolicy::until(ctx.retry().deadline_ms.min(now_ms() + MAX_WAIT_MS));
    let sent = match with_retry(retry, || ctx.bot.call(&request)).await {
        Ok(sent) => sent,
        // It may be in the group with its answer lost: never a second one. The claim stays
        // until it expires, so no fresh warning follows it either.
        Err(e) if !e.may_resend() => {
            tracing::warn!(group_id, error = %e, "deferred warning may have been posted");
            metrics::count(names::WARNINGS_UNCERTAIN, &[], 1);
            let until = ctx.now + i64::from(config.settings.warning_ttl_secs);
            ctx.store
                .hold_warning_claim(group_id, user_id, until)
                .await?;
            ctx.store.forget_deferred(deferred).await?;
            return Ok(Outcome::Dropped);
        }
        Err(e) if e.is_transient() || matches!(e, BotApiError::RetryAfter { .. }) => {
            // Handed back to the queue and held on: a muted member posts nothing that could
            // bring a fresh warning, so the claim must outlive the flood.
            tracing::info!(group_id, error = %e, "deferred warning waits for the next run");
            ctx.store
                .set_claim_deferred(group_id, user_id, true, hold)
                .await?;
            return Ok(Outcome::Later);
        }
        Err(e) => {
            // Telegram refused (the bot may not post there): nothing a retry changes.
            tracing::warn!(group_id, error = %e, "deferred warning refused");
            ctx.store.remove_warning(group_id, user_id, ctx.now).await?;
            ctx.store.forget_deferred(deferred).await?;
            return Ok(Outcome::Dropped);
        }
    };
    let delete_at = ctx.now + i64::from(config.settings.warning_ttl_secs);
    if let Err(error) = ctx
        .store
        .set_warning_message(group_id, user_id, sent.id.0, delete_at)
        .await
    {
        // Posted with no record: taken back, so the next run posts the one warning again. If
        // it cannot be taken back, the entry goes (never two warnings in the group).
        let delete = DeleteMessage::new(ChatId(group_id), sent.id);
        if let Err(e) = with_retry(ctx.retry(), || ctx.bot.call(&delete)).await {
            tracing::error!(group_id, error = %e, "unrecorded deferred warning not deleted");
            ctx.store.forget_deferred(deferred).await?;
        }
        return Err(error.into());
    }
    ctx.store.forget_deferred(deferred).await?;
    metrics::count(names::WARNINGS_POSTED, &[], 1);
    Ok(Outcome::Posted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sweeper;
    use channel_guard::config::{GroupConfig, LinkedChannel};
    use fake_bot_api::{FakeBotApi, Fault, BOT_ID, LOUNGE_ID, NEWS_ID, NEWS_USERNAME};
    use lambdagram::jobs::JobHandler;
    use lambdagram::memory::MemoryStore;
    use lambdagram::telegram::BotApi;
    use serde_json::json;

    const NOW: i64 = 1_790_000_000;
    const BORIS: i64 = 222;
    const CAROL: i64 = 333;

    async fn protected(store: &MemoryStore) {
        let mut config = GroupConfig::new(LOUNGE_ID);
        config.enabled = true;
        config.link([LinkedChannel {
            id: NEWS_ID,
            title: "Lambdagram News".into(),
            username: Some(NEWS_USERNAME.into()),
            invite_link: None,
        }]);
        store.save_group(&mut config, &[]).await.expect("saved");
    }

    /// A warning claimed and deferred, as enforcement does when the chat is flooded.
    async fn defer(store: &MemoryStore, user_id: i64, post_at: i64) -> DeferredWarning {
        assert!(store
            .claim_warning(LOUNGE_ID, user_id, NOW - 10, NOW + 50)
            .await
            .expect("claim"));
        let deferred = DeferredWarning {
            group_id: LOUNGE_ID,
            user_id,
            name: "Boris <b>".into(),
            channels: vec![NEWS_ID],
            post_at,
        };
        assert!(store
            .defer_warning(&deferred, post_at + 900)
            .await
            .expect("deferred"));
        deferred
    }

    fn bot_messages(fake: &FakeBotApi) -> Vec<serde_json::Value> {
        fake.world()
            .messages(LOUNGE_ID)
            .into_iter()
            .filter(|m| m["from"]["id"] == BOT_ID)
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deferred_warning_is_posted_once_recorded_and_queued_for_deletion() {
        let fake = FakeBotApi::start().await.expect("fake");
        fake.world().add_user(fake.bot_user());
        let store = MemoryStore::new();
        protected(&store).await;
        // Due now, due within the next minute, and one for later.
        defer(&store, BORIS, NOW).await;
        defer(&store, CAROL, NOW + 45).await;
        let later = defer(&store, 444, NOW + 600).await;
        let bot = BotApi::new(&fake.token(), &fake.base_url()).expect("bot");
        let ctx = |now| JobContext {
            bot: &bot,
            store: &store,
            now,
            deadline_ms: lambdagram::time::now_ms() + 10_000,
        };

        let report = Sweeper.run(ctx(NOW)).await.expect("run");

        assert_eq!(
            (report.posted, report.dropped, report.deferred_left),
            (2, 0, 0)
        );
        let sent = fake.calls_to("sendMessage");
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].param("chat_id"), Some(&json!(LOUNGE_ID)));
        let text = sent[0].param("text").and_then(|t| t.as_str()).unwrap_or("");
        assert!(
            text.contains(&format!("tg://user?id={BORIS}")) && text.contains("Boris &lt;b&gt;"),
            "the mention, escaped: {text}"
        );
        assert_eq!(bot_messages(&fake).len(), 2);
        for user in [BORIS, CAROL] {
            let state = store
                .member_state(LOUNGE_ID, user, &[], NOW)
                .await
                .expect("read");
            let warning = state.warning.expect("recorded");
            assert!(warning.message_id.is_some());
            assert_eq!(warning.delete_at, NOW + 300, "the group's warning delay");
        }
        assert_eq!(
            store.deferred_warnings(NOW + 60, 10).await.expect("read"),
            [],
            "the later one is not due yet"
        );
        assert_eq!(
            store.deferred_warnings(NOW + 600, 10).await.expect("read"),
            [later]
        );

        // The next run posts nothing twice.
        fake.clear_calls();
        let report = Sweeper.run(ctx(NOW + 60)).await.expect("run");
        assert_eq!(report.posted, 0);
        assert!(fake.calls_to("sendMessage").is_empty());
    }

    /// A schedule may fire twice: the run that took the claim posts; the other finds it taken
    /// and drops its entry without a call. A fresh (not deferred) claim is not taken either.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_claim_another_run_took_or_a_fresh_warning_holds_is_not_posted() {
        let fake = FakeBotApi::start().await.expect("fake");
        fake.world().add_user(fake.bot_user());
        let store = MemoryStore::new();
        protected(&store).await;
        defer(&store, BORIS, NOW).await;
        // Another run took Boris's claim first.
        assert!(store
            .set_claim_deferred(LOUNGE_ID, BORIS, false, NOW + 60)
            .await
            .expect("taken"));
        // Carol's deferral was lifted, and a fresh warning claim of hers followed.
        defer(&store, CAROL, NOW).await;
        store
            .remove_warning(LOUNGE_ID, CAROL, NOW)
            .await
            .expect("lifted");
        assert!(store
            .claim_warning(LOUNGE_ID, CAROL, NOW, NOW + 60)
            .await
            .expect("fresh claim"));
        let bot = BotApi::new(&fake.token(), &fake.base_url()).expect("bot");
        let ctx = JobContext {
            bot: &bot,
            store: &store,
            now: NOW,
            deadline_ms: lambdagram::time::now_ms() + 10_000,
        };

        let report = Sweeper.run(ctx).await.expect("run");

        assert_eq!((report.posted, report.dropped), (0, 2));
        assert!(fake.calls().is_empty());
        assert_eq!(
            store.deferred_warnings(NOW + 60, 10).await.expect("read"),
            []
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_still_flooded_chat_keeps_its_warnings_and_an_unprotected_group_drops_them() {
        let fake = FakeBotApi::start().await.expect("fake");
        fake.world().add_user(fake.bot_user());
        let store = MemoryStore::new();
        protected(&store).await;
        defer(&store, BORIS, NOW).await;
        defer(&store, CAROL, NOW + 1).await;
        // Telegram still says wait, longer than the run: both stay (the second is not tried).
        fake.inject(Fault::rate_limit("sendMessage", 120));
        let bot = BotApi::new(&fake.token(), &fake.base_url()).expect("bot");
        let ctx = |now| JobContext {
            bot: &bot,
            store: &store,
            now,
            deadline_ms: lambdagram::time::now_ms() + 10_000,
        };

        let report = Sweeper.run(ctx(NOW)).await.expect("run");

        assert_eq!(
            (report.posted, report.dropped, report.deferred_left),
            (0, 0, 2)
        );
        assert_eq!(fake.calls_to("sendMessage").len(), 1);
        assert!(bot_messages(&fake).is_empty());
        // Boris's claim, taken for the attempt, is handed back and held on.
        let boris = store
            .member_state(LOUNGE_ID, BORIS, &[], NOW)
            .await
            .expect("read")
            .warning
            .expect("still claimed");
        assert_eq!(
            (boris.message_id, boris.delete_at),
            (None, NOW + DEFERRED_CLAIM_SECS)
        );
        assert!(store
            .set_claim_deferred(LOUNGE_ID, BORIS, false, NOW + 60)
            .await
            .expect("take"));
        assert!(store
            .set_claim_deferred(LOUNGE_ID, BORIS, true, NOW + DEFERRED_CLAIM_SECS)
            .await
            .expect("hand back"));

        // The group is unprotected meanwhile: the warnings are dropped and their claims go.
        let mut config = store
            .group_state(LOUNGE_ID, NOW)
            .await
            .expect("read")
            .config
            .expect("config");
        config.enabled = false;
        store.save_group(&mut config, &[]).await.expect("saved");
        fake.clear_calls();
        let report = Sweeper.run(ctx(NOW + 60)).await.expect("run");
        assert_eq!(
            (report.posted, report.dropped, report.deferred_left),
            (0, 2, 0)
        );
        assert!(fake.calls().is_empty());
        for user in [BORIS, CAROL] {
            let state = store
                .member_state(LOUNGE_ID, user, &[], NOW + 60)
                .await
                .expect("read");
            assert_eq!(state.warning, None);
        }
    }
}
