//! The route side: what a route handler gets, and how one invocation is run.

use std::future::Future;

use teloxide_core::types::Update;

use crate::ports::StoreError;
use crate::route_api::{RouteRequest, RouteResponse};
use crate::telegram::{BotApi, BotApiError, RetryPolicy};
use crate::time::Epoch;

/// Built once per cold start and shared by every invocation.
pub struct RouteDeps<S> {
    pub bot: BotApi,
    pub store: S,
    /// The bot's username without `@`.
    pub bot_username: String,
}

/// What one invocation of a handler sees.
pub struct RouteContext<'a, S> {
    pub bot: &'a BotApi,
    pub store: &'a S,
    pub bot_username: &'a str,
    pub now: Epoch,
    /// Epoch milliseconds by which the invocation must have finished.
    pub deadline_ms: u64,
}

impl<S> RouteContext<'_, S> {
    pub fn retry(&self) -> RetryPolicy {
        RetryPolicy::until(self.deadline_ms)
    }
}

/// A failure while handling a valid update: the invocation fails and Telegram redelivers.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("Bot API: {0}")]
    Telegram(#[from] BotApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A route's handler.
pub trait RouteHandler<S>: Send + Sync {
    fn handle<'a>(
        &'a self,
        ctx: RouteContext<'a, S>,
        update: Update,
    ) -> impl Future<Output = Result<RouteResponse, HandlerError>> + Send + 'a;
}

/// Decodes one route request and runs the handler on it. An update the handler's types cannot
/// read is rejected (acknowledged and counted by the webhook), never retried.
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
        now,
        deadline_ms,
    };
    handler.handle(ctx, update).await
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
