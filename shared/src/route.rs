//! The route side: what a route handler gets, and how one invocation is run.

use std::future::Future;

use teloxide_core::types::Update;

use crate::ports::StoreError;
use crate::route_api::{PermanentFailure, RouteRequest, RouteResponse};
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
/// ([`run_once`]).
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

/// A route's handler.
pub trait RouteHandler<S>: Send + Sync {
    fn handle<'a>(
        &'a self,
        ctx: RouteContext<'a, S>,
        update: Update,
    ) -> impl Future<Output = Result<RouteResponse, HandlerError>> + Send + 'a;
}

/// Decodes one route request and runs the handler on it. An update the handler's types cannot
/// read is rejected (acknowledged and counted by the webhook), never retried. A permanent error
/// of the handler becomes an answer with a dead letter (acknowledged, recorded and counted by
/// the webhook); only transient errors fail the invocation.
pub async fn run_once<S, H: RouteHandler<S>>(
    deps: &RouteDeps<S>,
    handler: &H,
    request: RouteRequest,
    now: Epoch,
    deadline_ms: u64,
) -> Result<RouteResponse, HandlerError> {
    let update: Update = match serde_json::from_str(request.update.get()) {
        Ok(u) => u,
        Err(err) => {
            // serde quotes the values it met, and they may be message text: the reason (which
            // the webhook logs) and the warning carry only where the update stopped parsing.
            let summary = crate::log_safe::json_error(&err);
            tracing::warn!(route = request.route, error = %summary, "update does not parse");
            tracing::debug!(route = request.route, error = %err, "update does not parse (detail)");
            return Ok(RouteResponse::rejected(format!(
                "unparseable update: {summary}"
            )));
        }
    };
    // The invocation's span (the Lambda glue declares these fields) names the update and chat.
    let span = tracing::Span::current();
    span.record("update_id", update.id.0);
    if let Some(chat) = update.chat() {
        span.record("chat_id", chat.id.0);
    }
    let ctx = RouteContext {
        bot: &deps.bot,
        store: &deps.store,
        bot_username: &deps.bot_username,
        update_id: update.id.0 as i64,
        now,
        deadline_ms,
    };
    match handler.handle(ctx, update).await {
        Err(err) => match err.permanent_failure(&request.route) {
            Some(failure) => {
                tracing::warn!(
                    step = %failure.step,
                    class = %failure.class,
                    reason = %failure.reason,
                    "permanent error: the update is given up"
                );
                Ok(RouteResponse::dead_letter(failure))
            }
            None => Err(err),
        },
        answer => answer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Unreachable;

    impl RouteHandler<()> for Unreachable {
        async fn handle(
            &self,
            _: RouteContext<'_, ()>,
            _: Update,
        ) -> Result<RouteResponse, HandlerError> {
            panic!("an unparseable update never reaches the handler")
        }
    }

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

    /// A handler that fails with the error it is given.
    struct FailsWith(fn() -> HandlerError);

    impl RouteHandler<()> for FailsWith {
        async fn handle(
            &self,
            _: RouteContext<'_, ()>,
            _: Update,
        ) -> Result<RouteResponse, HandlerError> {
            Err((self.0)())
        }
    }

    fn deps() -> RouteDeps<()> {
        RouteDeps {
            bot: BotApi::new("1:x", "http://127.0.0.1:9").expect("client"),
            store: (),
            bot_username: "LambdagramBot".into(),
        }
    }

    fn start_request() -> RouteRequest {
        let update = r#"{"update_id": 7, "message": {"message_id": 1, "date": 1700000000,
            "chat": {"id": 5, "type": "private", "first_name": "A"},
            "from": {"id": 5, "is_bot": false, "first_name": "A"}, "text": "/start"}}"#;
        RouteRequest {
            route: "start".into(),
            update: serde_json::value::RawValue::from_string(update.into()).expect("json"),
        }
    }

    #[tokio::test]
    async fn a_permanent_error_is_answered_with_a_dead_letter_and_a_transient_one_fails() {
        let blocked = FailsWith(|| {
            refused(
                403,
                ApiError::BotBlocked,
                "Forbidden: bot was blocked by the user",
            )
            .into()
        });
        let answer = run_once(&deps(), &blocked, start_request(), 0, 0)
            .await
            .expect("acknowledged");
        assert_eq!(
            answer,
            RouteResponse::dead_letter(PermanentFailure {
                route: "start".into(),
                step: "sendMessage".into(),
                class: "refused".into(),
                reason: "403 Forbidden: bot was blocked by the user".into(),
            })
        );
        assert_eq!(
            serde_json::to_value(&answer).expect("json"),
            serde_json::json!({"dead_letter": {"route": "start", "step": "sendMessage",
                "class": "refused", "reason": "403 Forbidden: bot was blocked by the user"}})
        );

        let bad_gateway = FailsWith(|| {
            BotApiError::Server {
                method: "SendMessage",
                code: 502,
            }
            .into()
        });
        let failed = run_once(&deps(), &bad_gateway, start_request(), 0, 0).await;
        assert!(
            matches!(
                failed,
                Err(HandlerError::Telegram(BotApiError::Server {
                    code: 502,
                    ..
                }))
            ),
            "{failed:?}"
        );
    }

    #[tokio::test]
    async fn the_rejection_of_an_unparseable_update_does_not_quote_it() {
        let marker = "my-private-words-4711";
        let deps = RouteDeps {
            bot: BotApi::new("1:x", "http://127.0.0.1:9").expect("client"),
            store: (),
            bot_username: "LambdagramBot".into(),
        };
        // teloxide reads a message it cannot parse as `UpdateKind::Error`; only the envelope
        // itself can fail.
        let update = format!(r#"{{"update_id": "{marker}", "message": {{"text": "hi"}}}}"#);
        let request = RouteRequest {
            route: "start".into(),
            update: serde_json::value::RawValue::from_string(update).expect("json"),
        };
        let answer = run_once(&deps, &Unreachable, request, 0, 0)
            .await
            .expect("rejected, not failed");
        let reason = answer.rejected.expect("rejected");
        assert!(
            reason.starts_with("unparseable update: data error at line"),
            "{reason}"
        );
        assert!(!reason.contains(marker), "{reason}");
    }
}
