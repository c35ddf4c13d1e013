//! The route side: what a route handler gets, and what may go wrong in it (one invocation is
//! run by the `pipeline` module).

use std::future::Future;

use crate::i18n::Catalogue;
use crate::input::FromUpdate;
use crate::ports::StoreError;
use crate::route_api::{PermanentFailure, RouteResponse};
use crate::routes::Route;
use crate::telegram::{BotApi, BotApiError, RetryPolicy};
use crate::time::Epoch;

/// Built once per cold start and shared by every invocation.
pub struct RouteDeps<S, T = BotApi> {
    pub bot: T,
    pub store: S,
    /// The bot's username without `@`.
    pub bot_username: String,
}

/// What one invocation of a handler sees: the ports (the Bot API, the store) and the clock.
pub struct RouteContext<'a, S, T = BotApi> {
    /// The route being run (its table entry: name, declared middleware and their parameters).
    pub route: &'static Route,
    /// The bot's languages and its translations of the framework's texts (from its table).
    pub catalogue: &'static Catalogue,
    pub bot: &'a T,
    pub store: &'a S,
    pub bot_username: &'a str,
    /// The update's id: the key of its effects in the effect journal.
    pub update_id: i64,
    pub now: Epoch,
    /// Epoch milliseconds by which the invocation must have finished.
    pub deadline_ms: u64,
}

impl<S, T> RouteContext<'_, S, T> {
    pub fn retry(&self) -> RetryPolicy {
        RetryPolicy::until(self.deadline_ms)
    }
}

/// A failure while handling a valid update. A transient one fails the invocation and Telegram
/// redelivers the update; a permanent one is acknowledged and recorded as a dead letter
/// (`run_once` in the `pipeline` module).
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("Bot API: {0}")]
    Telegram(#[from] BotApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether delivering the update again may succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// It may (Bot API 5xx, network, a 429 longer than the deadline allows, store failures,
    /// throttling and lost races): fail, so Telegram redelivers.
    Transient,
    /// It cannot (a Bot API refusal, a migrated chat, an unreadable answer): acknowledge, and
    /// keep a dead letter.
    Permanent,
}

impl HandlerError {
    pub fn class(&self) -> ErrorClass {
        match self {
            HandlerError::Telegram(e) if e.is_permanent() => ErrorClass::Permanent,
            HandlerError::Telegram(_) | HandlerError::Store(_) => ErrorClass::Transient,
        }
    }

    /// The dead letter's note for a permanent error of `route`; `None` for a transient one.
    pub fn permanent_failure(&self, route: &str) -> Option<PermanentFailure> {
        match self {
            HandlerError::Telegram(e) if self.class() == ErrorClass::Permanent => {
                Some(PermanentFailure {
                    route: route.to_owned(),
                    step: e.method(),
                    class: e.outcome().to_owned(),
                    reason: crate::log_safe::truncate(&e.reason(), MAX_REASON_BYTES).to_owned(),
                })
            }
            _ => None,
        }
    }
}

/// Telegram's descriptions are a line; anything longer is cut (on a character boundary).
const MAX_REASON_BYTES: usize = 300;

/// A route's handler: it receives what its route's trigger guarantees ([`FromUpdate`]), once
/// the middleware its route declares let the update through.
pub trait RouteHandler<S>: Send + Sync {
    /// What it reads from the update: a `Message`, a `Command`, a `Callback`, …
    type Input: FromUpdate;

    fn handle<'a>(
        &'a self,
        ctx: RouteContext<'a, S>,
        input: Self::Input,
    ) -> impl Future<Output = Result<RouteResponse, HandlerError>> + Send + 'a;
}

#[cfg(test)]
mod tests {
    use super::*;

    use teloxide_core::ApiError;

    fn refused(code: u16, error: ApiError, description: &str) -> BotApiError {
        BotApiError::Api {
            method: "SendMessage",
            code,
            error,
            description: description.into(),
        }
    }

    #[test]
    fn every_error_is_transient_or_permanent() {
        use ErrorClass::{Permanent, Transient};
        let cases: Vec<(HandlerError, ErrorClass)> = vec![
            (
                refused(
                    403,
                    ApiError::BotBlocked,
                    "Forbidden: bot was blocked by the user",
                )
                .into(),
                Permanent,
            ),
            (
                refused(
                    403,
                    ApiError::BotKickedFromSupergroup,
                    "Forbidden: bot was kicked from the supergroup chat",
                )
                .into(),
                Permanent,
            ),
            // The older wording of the same, with 401.
            (
                refused(
                    401,
                    ApiError::BotKicked,
                    "Unauthorized: bot was kicked from a chat",
                )
                .into(),
                Permanent,
            ),
            (
                refused(400, ApiError::ChatNotFound, "Bad Request: chat not found").into(),
                Permanent,
            ),
            (
                refused(400, ApiError::UserNotFound, "Bad Request: user not found").into(),
                Permanent,
            ),
            (
                refused(
                    400,
                    ApiError::MessageToDeleteNotFound,
                    "Bad Request: message to delete not found",
                )
                .into(),
                Permanent,
            ),
            (
                refused(
                    400,
                    ApiError::NotEnoughRightsToRestrict,
                    "Bad Request: not enough rights to restrict/unrestrict chat member",
                )
                .into(),
                Permanent,
            ),
            // A wrong token or API URL fails every update alike: wait for the fix.
            (
                refused(401, ApiError::InvalidToken, "Unauthorized").into(),
                Transient,
            ),
            (
                refused(404, ApiError::Unknown("Not Found".into()), "Not Found").into(),
                Transient,
            ),
            // A 429 without retry_after, and a 5xx code in an error body.
            (
                refused(429, ApiError::Unknown("x".into()), "Too Many Requests").into(),
                Transient,
            ),
            (
                refused(502, ApiError::Unknown("x".into()), "Bad Gateway").into(),
                Transient,
            ),
            (
                BotApiError::RetryAfter {
                    method: "SendMessage",
                    retry_after: 30,
                }
                .into(),
                Transient,
            ),
            (
                BotApiError::Migrated {
                    method: "SendMessage",
                    to_chat_id: -1001,
                }
                .into(),
                Permanent,
            ),
            (
                BotApiError::Server {
                    method: "SendMessage",
                    code: 502,
                }
                .into(),
                Transient,
            ),
            (
                BotApiError::Network {
                    method: "SendMessage",
                    detail: "connection reset".into(),
                    may_have_arrived: true,
                }
                .into(),
                Transient,
            ),
            (
                BotApiError::Decode {
                    method: "SendMessage",
                    status: 200,
                    detail: "data error at line 1 column 9".into(),
                }
                .into(),
                Permanent,
            ),
            (
                StoreError::Failed("put: throttled".into()).into(),
                Transient,
            ),
            (
                StoreError::Conflict("group config".into()).into(),
                Transient,
            ),
        ];
        for (error, class) in cases {
            assert_eq!(error.class(), class, "{error}");
            assert_eq!(
                error.permanent_failure("start").is_some(),
                class == Permanent,
                "{error}"
            );
        }
    }

    #[test]
    fn a_permanent_failure_names_the_route_method_kind_and_telegrams_reason() {
        let blocked: HandlerError = refused(
            403,
            ApiError::BotBlocked,
            "Forbidden: bot was blocked by the user",
        )
        .into();
        assert_eq!(
            blocked.permanent_failure("start"),
            Some(PermanentFailure {
                route: "start".into(),
                step: "sendMessage".into(),
                class: "refused".into(),
                reason: "403 Forbidden: bot was blocked by the user".into(),
            })
        );
        let migrated: HandlerError = BotApiError::Migrated {
            method: "RestrictChatMember",
            to_chat_id: -1001,
        }
        .into();
        assert_eq!(
            migrated.permanent_failure("guard-message"),
            Some(PermanentFailure {
                route: "guard-message".into(),
                step: "restrictChatMember".into(),
                class: "migrated".into(),
                reason: "the chat migrated to -1001".into(),
            })
        );
        let long: HandlerError =
            refused(400, ApiError::Unknown(String::new()), &"é".repeat(400)).into();
        let reason = long.permanent_failure("start").expect("permanent").reason;
        assert_eq!(
            reason,
            format!("400 {}", "é".repeat(148)),
            "cut on a character boundary"
        );
    }
}
