//! The effect journal: each visible effect of an update (a message sent, an invite link
//! created) has a step key derived from the update; the intent is recorded before the effect
//! and the result after. A redelivery after any partial failure skips what is done, and an
//! effect whose outcome is unknown (the call may have reached Telegram, its answer lost) is
//! never made a second time: at most once, never twice.
//!
//! [`once`] is the whole protocol; [`EffectJournal`] is the store port under it (one
//! conditional write before the effect, one after).

use std::future::Future;

use crate::ports::StoreError;
use crate::route::{HandlerError, RouteContext};
use crate::telegram::BotApiError;
use crate::time::Epoch;

/// How long a step is remembered: longer than Telegram redelivers an update (24 h).
pub const KEEP_STEPS_SECS: i64 = 26 * 3600;

/// What the journal held for a step when it was begun.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepState {
    /// Nothing: this call recorded the intent, and the effect is to be made now.
    New,
    /// An intent with no result: an earlier attempt may or may not have made the effect.
    Pending,
    /// The effect was made.
    Done,
}

/// Where the intents and results of effects are kept, by update and step name.
pub trait EffectJournal: Send + Sync {
    /// Records the intent of `step` of update `update_id` unless the step is on record
    /// already; returns what was there ([`StepState::New`] when this call wrote the intent).
    fn begin_step(
        &self,
        update_id: i64,
        step: &str,
        now: Epoch,
    ) -> impl Future<Output = Result<StepState, StoreError>> + Send;

    /// Records that the effect of `step` was made.
    fn finish_step(
        &self,
        update_id: i64,
        step: &str,
        now: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Withdraws the intent of a step whose effect provably did not happen, so the update's
    /// redelivery makes it.
    fn abandon_step(
        &self,
        update_id: i64,
        step: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What [`once`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Once<T> {
    /// The effect was made now; its result.
    Made(T),
    /// An earlier delivery of the update made it.
    AlreadyMade,
    /// It may have been made (now, or by an earlier delivery) with its answer lost: it is not
    /// tried again.
    Uncertain,
}

/// Makes the visible effect `effect` of this update at most once, under the step name `step`
/// (unique within the route). The intent is recorded first; a made effect is recorded done; an
/// error that proves nothing happened (a refusal, a 429, a connection never made) withdraws the
/// intent and fails, so a redelivery makes the effect; an error after which the effect may exist
/// leaves the intent and answers [`Once::Uncertain`].
pub async fn once<S, T, R, F, Fut>(
    ctx: &RouteContext<'_, S, T>,
    step: &str,
    effect: F,
) -> Result<Once<R>, HandlerError>
where
    S: EffectJournal,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<R, BotApiError>>,
{
    let journal = ctx.store;
    match journal.begin_step(ctx.update_id, step, ctx.now).await? {
        StepState::Done => return Ok(Once::AlreadyMade),
        StepState::Pending => {
            tracing::warn!(
                step,
                "an earlier attempt's outcome is unknown: not repeated"
            );
            crate::metrics::count(crate::metrics::names::EFFECTS_UNCERTAIN, &[], 1);
            return Ok(Once::Uncertain);
        }
        StepState::New => {}
    }
    match effect().await {
        Ok(made) => {
            // Made: a failure to record it must not fail the update (a redelivery would find
            // the intent pending and make nothing either way).
            if let Err(e) = journal.finish_step(ctx.update_id, step, ctx.now).await {
                tracing::warn!(step, error = %e, "effect made; its result not recorded");
            }
            Ok(Once::Made(made))
        }
        Err(e) if !e.may_resend() => {
            tracing::warn!(step, error = %e, "effect may have been made: not repeated");
            crate::metrics::count(crate::metrics::names::EFFECTS_UNCERTAIN, &[], 1);
            Ok(Once::Uncertain)
        }
        Err(e) => {
            journal.abandon_step(ctx.update_id, step).await?;
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use teloxide_core::payloads::SendMessage;
    use teloxide_core::types::ChatId;
    use teloxide_core::ApiError;

    use super::*;
    use crate::memory::MemoryStore;
    use crate::telegram::{ScriptedBot, TelegramApi};

    const UPDATE: i64 = 42;

    const ROUTE: crate::routes::Route = crate::routes::Route {
        name: "start",
        trigger: crate::routes::Trigger::Command {
            name: "start",
            scope: crate::routes::Scope::Private,
        },
        help: None,
        audience: crate::routes::Audience::Everyone,
        side_effects: true,
        about: "a test route",
        grants: &[],
        middleware: &[],
    };

    fn ctx<'a>(
        bot: &'a ScriptedBot,
        store: &'a MemoryStore,
    ) -> RouteContext<'a, MemoryStore, ScriptedBot> {
        RouteContext {
            route: &ROUTE,
            catalogue: &crate::i18n::Catalogue::ENGLISH,
            bot,
            store,
            bot_username: "B",
            update_id: UPDATE,
            now: 1_790_000_000,
            deadline_ms: crate::time::now_ms() + 20_000,
        }
    }

    /// One delivery of an update whose one effect is a welcome message.
    async fn deliver(bot: &ScriptedBot, store: &MemoryStore) -> Result<Once<()>, HandlerError> {
        let welcome = SendMessage::new(ChatId(7), "hello");
        let ctx = ctx(bot, store);
        once(&ctx, "welcome", || async {
            bot.call(&welcome).await.map(|_| ())
        })
        .await
    }

    fn sent() -> serde_json::Value {
        serde_json::json!({
            "message_id": 1, "date": 1_790_000_000,
            "chat": {"id": 7, "type": "private", "first_name": "A"},
            "text": "hello"
        })
    }

    #[tokio::test]
    async fn a_made_effect_is_not_made_again_on_redelivery() {
        let (bot, store) = (ScriptedBot::new(1), MemoryStore::new());
        bot.answer("sendMessage", sent());
        assert_eq!(deliver(&bot, &store).await.expect("made"), Once::Made(()));
        assert_eq!(
            deliver(&bot, &store).await.expect("skipped"),
            Once::AlreadyMade
        );
        assert_eq!(bot.methods(), ["sendMessage"]);
    }

    #[tokio::test]
    async fn an_effect_whose_answer_was_lost_is_never_repeated() {
        let (bot, store) = (ScriptedBot::new(1), MemoryStore::new());
        bot.fail(
            "sendMessage",
            BotApiError::Server {
                method: "SendMessage",
                code: 502,
            },
        );
        assert_eq!(
            deliver(&bot, &store).await.expect("given up"),
            Once::Uncertain
        );
        assert_eq!(
            deliver(&bot, &store).await.expect("given up"),
            Once::Uncertain
        );
        assert_eq!(
            bot.methods(),
            ["sendMessage"],
            "one attempt, never a second"
        );
    }

    #[tokio::test]
    async fn an_effect_that_provably_did_not_happen_is_made_by_the_redelivery() {
        for error in [
            BotApiError::RetryAfter {
                method: "SendMessage",
                retry_after: 30,
            },
            BotApiError::Network {
                method: "SendMessage",
                detail: "connection refused".into(),
                may_have_arrived: false,
            },
            BotApiError::Api {
                method: "SendMessage",
                code: 403,
                error: ApiError::BotBlocked,
                description: "Forbidden: bot was blocked by the user".into(),
            },
        ] {
            let (bot, store) = (ScriptedBot::new(1), MemoryStore::new());
            bot.fail("sendMessage", error);
            bot.answer("sendMessage", sent());
            assert!(deliver(&bot, &store).await.is_err(), "the update fails");
            assert_eq!(deliver(&bot, &store).await.expect("made"), Once::Made(()));
            assert_eq!(bot.methods(), ["sendMessage", "sendMessage"]);
        }
    }
}
