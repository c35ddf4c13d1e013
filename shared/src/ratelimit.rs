//! Rate limits per user and route, shared by every instance of the route's function: declared
//! in the route table ([`per_user`]), counted in the store in fixed windows, one conditional
//! write per update. The count may pass the limit by one: the write that makes it `max + 1`
//! is the first refusal of the window (the user is told, once), and every later one fails its
//! condition and is refused in silence — so the allowed path and the refusals cost the same
//! single request, and "told already" needs no second write. Bot admins are exempt; whether the
//! sender is one is asked only once a refusal is due (from the sandbox's copy of the admins),
//! never on the allowed path.

use std::future::Future;

use teloxide_core::types::{Update, UpdateKind};

use crate::admins;
use crate::botsets::{BotSet, BotSets, SandboxCache, CACHE_TTL_SECS};
use crate::control_texts as texts;
use crate::flood::Limit;
use crate::grants::{COUNT_RATE, READ_BOT_ADMINS};
use crate::i18n::{fill, Catalogue, Lang};
use crate::middleware::{BoxFuture, Flow, Middleware};
use crate::ports::StoreError;
use crate::route::{HandlerError, RouteContext};
use crate::route_api::RouteResponse;
use crate::routes::MiddlewareDecl;
use crate::time::Epoch;

/// The rate limit's name in route tables.
pub const NAME: &str = "rate-limit";

/// The rate limit of a route: each user may send it `max` updates per `window_secs` (a fixed
/// window). Declared in the route's `middleware`, where its numbers are written once.
pub const fn per_user(max: u32, window_secs: i64) -> MiddlewareDecl {
    MiddlewareDecl {
        name: NAME,
        about: "each user's updates to the route are counted per window; past the limit, one polite answer, then silence",
        grants: &[COUNT_RATE, READ_BOT_ADMINS],
        limit: Some(Limit { max, window_secs }),
    }
}

/// The start of the window of `limit` holding `now`.
pub fn window_of(limit: Limit, now: Epoch) -> Epoch {
    crate::flood::window_start(limit, now)
}

/// What counting one update found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    /// Counted: the window's count is now this.
    Counted(u32),
    /// The window is past its limit and its refusal was given: not counted.
    Saturated,
}

/// Where the windows are counted.
pub trait RateCounter: Send + Sync {
    /// Counts one update of `user_id` to `route` in the window of `limit` holding `now`, unless
    /// the window's count is past `limit.max` already.
    fn hit(
        &self,
        route: &str,
        user_id: i64,
        limit: Limit,
        now: Epoch,
    ) -> impl Future<Output = Result<Hit, StoreError>> + Send;
}

/// What the rate limit decides for one update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// The first refusal of the window: answer politely; the window ends in this many seconds.
    Tell {
        retry_after: u32,
    },
    /// Refused again: say nothing.
    Silent,
}

/// The verdict on the count: up to `max` allowed, the next one told, the rest silent.
pub fn verdict(hit: Hit, limit: Limit, now: Epoch) -> Verdict {
    match hit {
        Hit::Counted(n) if n <= limit.max => Verdict::Allowed,
        Hit::Counted(_) => Verdict::Tell {
            retry_after: crate::flood::until_window_ends(limit, now),
        },
        Hit::Saturated => Verdict::Silent,
    }
}

/// The implementation of every [`per_user`] declaration: it reads its route's limit from the
/// table entry. Holds the sandbox's copy of the bot admins (for the exemption).
pub struct RateLimited {
    admins: SandboxCache,
}

/// The rate limit a function's composition hands to the runtime.
pub static RATE_LIMITED: RateLimited = RateLimited::new();

impl RateLimited {
    pub const fn new() -> Self {
        Self {
            admins: SandboxCache::new(CACHE_TTL_SECS),
        }
    }
}

impl Default for RateLimited {
    fn default() -> Self {
        Self::new()
    }
}

/// Who sent the update, and where to answer them.
fn sender(update: &Update) -> Option<(i64, Answer)> {
    match &update.kind {
        // A post on behalf of a chat (an anonymous admin, a channel) carries Telegram's shared
        // placeholder user in `from`: counting it would let one group's anonymous admin fill
        // every group's window. Not counted.
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) if m.sender_chat.is_some() => None,
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => {
            let from = m.from.as_ref()?;
            Some((
                from.id.0 as i64,
                Answer::Chat(m.chat.id.0, Lang::from_code(from.language_code.as_deref())),
            ))
        }
        UpdateKind::CallbackQuery(q) => Some((
            q.from.id.0 as i64,
            Answer::Callback(
                q.id.0.clone(),
                Lang::from_code(q.from.language_code.as_deref()),
            ),
        )),
        _ => None,
    }
}

enum Answer {
    Chat(i64, Lang),
    Callback(String, Lang),
}

impl Answer {
    /// The polite refusal, as a webhook reply (no Bot API call of ours, no journal).
    fn too_fast(self, catalogue: &Catalogue, retry_after: u32) -> RouteResponse {
        let secs = retry_after.to_string();
        let text = |lang| fill(catalogue.get(&texts::TOO_FAST, lang), &[("secs", &secs)]);
        match self {
            Answer::Chat(chat_id, lang) => RouteResponse::reply(
                "sendMessage",
                serde_json::json!({
                    "chat_id": chat_id,
                    "text": text(lang),
                }),
            ),
            Answer::Callback(id, lang) => RouteResponse::reply(
                "answerCallbackQuery",
                serde_json::json!({
                    "callback_query_id": id,
                    "text": text(lang),
                }),
            ),
        }
    }
}

impl<S: RateCounter + BotSets> Middleware<S> for RateLimited {
    fn declaration(&self) -> &'static MiddlewareDecl {
        const ANY: MiddlewareDecl = per_user(0, 1);
        &ANY
    }

    fn implements(&self, declared: &MiddlewareDecl) -> bool {
        let any = <Self as Middleware<S>>::declaration(self);
        declared.name == any.name && declared.grants == any.grants && declared.limit.is_some()
    }

    fn before<'a>(
        &'a self,
        ctx: &'a RouteContext<'a, S>,
        update: &'a Update,
    ) -> BoxFuture<'a, Result<Flow, HandlerError>> {
        Box::pin(async move {
            let limit = ctx
                .route
                .middleware
                .iter()
                .find(|m| m.name == NAME)
                .and_then(|m| m.limit);
            let (Some(limit), Some((user_id, answer))) = (limit, sender(update)) else {
                // Nothing to count by (a post on behalf of a chat) or not declared here.
                return Ok(Flow::Continue);
            };
            let hit = ctx
                .store
                .hit(ctx.route.name, user_id, limit, ctx.now)
                .await?;
            let verdict = verdict(hit, limit, ctx.now);
            if verdict == Verdict::Allowed {
                return Ok(Flow::Continue);
            }
            let admins = self.admins.get(ctx.store, BotSet::Admins, ctx.now).await?;
            if admins::resolve(admins, admins::owner()).contains(&user_id) {
                return Ok(Flow::Continue);
            }
            tracing::info!(
                route = ctx.route.name,
                told = matches!(verdict, Verdict::Tell { .. }),
                "rate limited"
            );
            Ok(Flow::Stop(match verdict {
                Verdict::Tell { retry_after } => answer.too_fast(ctx.catalogue, retry_after),
                _ => RouteResponse::ignored(),
            }))
        })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_post_on_behalf_of_a_chat_is_not_counted_under_the_shared_placeholder() {
        let lounge = serde_json::json!({"id": -1_001_234_567_890_i64, "type": "supergroup", "title": "Lounge"});
        let mut message = serde_json::json!({
            "message_id": 9100, "date": 1_790_000_000, "chat": lounge,
            "from": {"id": 1_087_968_824, "is_bot": true, "first_name": "Group",
                     "username": "GroupAnonymousBot"},
            "text": "/status"
        });
        let read = |message: &serde_json::Value| -> Update {
            // From text, as the pipeline reads it (a `Value` does not carry raw values).
            serde_json::from_str(
                &serde_json::json!({"update_id": 1, "message": message}).to_string(),
            )
            .expect("an update")
        };
        assert!(
            sender(&read(&message)).is_some(),
            "counted without sender_chat"
        );
        message["sender_chat"] = lounge;
        let anonymous = read(&message);
        assert!(
            matches!(anonymous.kind, UpdateKind::Message(_)),
            "{:?}",
            anonymous.kind
        );
        assert!(sender(&anonymous).is_none());
    }
    use super::*;

    #[test]
    fn the_limit_then_one_answer_then_silence() {
        let limit = Limit {
            max: 5,
            window_secs: 10,
        };
        let now = 1_790_000_003;
        let verdicts: Vec<Verdict> = [1, 5]
            .into_iter()
            .map(|n| verdict(Hit::Counted(n), limit, now))
            .chain([
                verdict(Hit::Counted(6), limit, now),
                verdict(Hit::Saturated, limit, now),
            ])
            .collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Allowed,
                Verdict::Allowed,
                Verdict::Tell { retry_after: 7 },
                Verdict::Silent
            ]
        );
    }

    #[test]
    fn a_declaration_carries_its_limit_and_every_one_is_implemented() {
        const FIVE: MiddlewareDecl = per_user(5, 10);
        assert_eq!(
            FIVE.limit,
            Some(Limit {
                max: 5,
                window_secs: 10
            })
        );
        let m: &dyn Middleware<crate::memory::MemoryStore> = &RATE_LIMITED;
        assert!(m.implements(&FIVE) && m.implements(&per_user(1, 60)));
        assert!(!m.implements(&MiddlewareDecl {
            limit: None,
            ..FIVE
        }));
    }
}
