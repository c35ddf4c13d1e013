//! One route's composition and one invocation of it: the update decoded, read as the handler's
//! input, passed through the middleware its route declares, then handled.

use crate::i18n::Catalogue;
use crate::input::FromUpdate;
use crate::middleware::{check, Flow, Middleware};
use crate::route::{HandlerError, RouteContext, RouteDeps, RouteHandler};
use crate::route_api::{RouteRequest, RouteResponse};
use crate::routes::{Route, RouteTable};
use crate::time::Epoch;
use crate::update::UpdateView;

/// A route's handler with the implementations of exactly the middleware its table entry
/// declares (checked when it is built, at cold start).
pub struct Pipeline<S: 'static, H> {
    route: &'static Route,
    catalogue: &'static Catalogue,
    middleware: Vec<&'static dyn Middleware<S>>,
    handler: H,
}

impl<S: 'static, H: RouteHandler<S>> Pipeline<S, H> {
    /// The route `name` of `table`, run by `handler` behind `middleware`. `Err` when the table
    /// has no such route or `middleware` is not what it declares: the function must not start.
    pub fn new(
        table: RouteTable,
        name: &str,
        middleware: &[&'static dyn Middleware<S>],
        handler: H,
    ) -> Result<Self, String> {
        let route = table
            .get(name)
            .ok_or_else(|| format!("the route table has no route `{name}`"))?;
        check(route, middleware)?;
        Ok(Self {
            route,
            catalogue: table.catalogue(),
            middleware: middleware.to_vec(),
            handler,
        })
    }

    pub fn route(&self) -> &'static Route {
        self.route
    }
}

/// Decodes one route request and runs the pipeline on it. An update the handler's input cannot
/// be read from is rejected (acknowledged and counted by the webhook), never retried, and no
/// middleware sees it. A permanent error of a middleware or the handler becomes an answer with
/// a dead letter (acknowledged, recorded and counted by the webhook); only transient errors
/// fail the invocation.
///
/// A handler that reads nothing of the update (input `()`) behind middleware that all let it
/// through from the sandbox's memory ([`Middleware::passes_early`]) is run on the update's
/// light view alone: no full read, no `before` (with no middleware at all, always). Anything
/// else (a middleware that must look, a view that does not parse) takes the full path.
pub async fn run_once<S, H: RouteHandler<S>>(
    deps: &RouteDeps<S>,
    pipeline: &Pipeline<S, H>,
    request: RouteRequest,
    now: Epoch,
    deadline_ms: u64,
) -> Result<RouteResponse, HandlerError> {
    let context = |update_id: i64| RouteContext {
        route: pipeline.route,
        catalogue: pipeline.catalogue,
        bot: &deps.bot,
        store: &deps.store,
        bot_username: &deps.bot_username,
        update_id,
        now,
        deadline_ms,
    };
    // The invocation's span (the Lambda glue declares these fields) names the update and chat.
    let span = tracing::Span::current();

    if let Some(input) = H::Input::unread() {
        if let Ok(view) = serde_json::from_str::<UpdateView>(request.update.get()) {
            let ctx = context(view.update_id);
            if pipeline
                .middleware
                .iter()
                .all(|m| m.passes_early(&ctx, &view))
            {
                span.record("update_id", view.update_id);
                if let Some(chat_id) = view.log_chat_id() {
                    span.record("chat_id", chat_id);
                }
                return settle(pipeline.handler.handle(ctx, input).await, &request.route);
            }
        }
    }

    let update: teloxide_core::types::Update = match serde_json::from_str(request.update.get()) {
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
    span.record("update_id", update.id.0);
    if let Some(chat) = update.chat() {
        span.record("chat_id", chat.id.0);
    }
    let input = match H::Input::from_update(&update, pipeline.route.trigger) {
        Ok(input) => input,
        Err(why) => {
            tracing::warn!(route = request.route, reason = why, "update rejected");
            return Ok(RouteResponse::rejected(why));
        }
    };
    let ctx = context(update.id.0 as i64);
    let answer = async {
        for middleware in &pipeline.middleware {
            if let Flow::Stop(answer) = middleware.before(&ctx, &update).await? {
                return Ok(answer);
            }
        }
        pipeline.handler.handle(ctx, input).await
    };
    settle(answer.await, &request.route)
}

/// A handler's or middleware's answer as the invocation's: a permanent error becomes a dead
/// letter (acknowledged), a transient one fails the invocation.
fn settle(
    answer: Result<RouteResponse, HandlerError>,
    route: &str,
) -> Result<RouteResponse, HandlerError> {
    match answer {
        Err(err) => match err.permanent_failure(route) {
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
    use crate::i18n::Text;
    use crate::input::Command;
    use crate::middleware::BoxFuture;
    use crate::route_api::PermanentFailure;
    use crate::routes::{Audience, MiddlewareDecl, Scope, Trigger};
    use crate::telegram::{BotApi, BotApiError};
    use teloxide_core::types::Update;
    use teloxide_core::ApiError;

    const STOPS: MiddlewareDecl = MiddlewareDecl {
        name: "stops",
        about: "answers every update itself",
        grants: &[],
        limit: None,
    };
    const PASSES: MiddlewareDecl = MiddlewareDecl {
        name: "passes",
        about: "lets every update through",
        grants: &[],
        limit: None,
    };

    const fn command(name: &'static str, middleware: &'static [MiddlewareDecl]) -> Route {
        Route {
            name,
            trigger: Trigger::Command {
                name,
                scope: Scope::Everywhere,
            },
            help: Some(Text::new(&[(crate::i18n::EN, "e")])),
            audience: Audience::Everyone,
            side_effects: false,
            about: "a test route",
            grants: &[],
            middleware,
        }
    }

    const EARLY: MiddlewareDecl = MiddlewareDecl {
        name: "early",
        about: "lets user 5 through from memory, looks at everyone else's update",
        grants: &[],
        limit: None,
    };

    const TABLE: RouteTable = RouteTable::new(&[
        command("start", &[]),
        command("stopped", &[PASSES, STOPS]),
        command("passed", &[PASSES]),
        command("early", &[EARLY]),
        command("mixed", &[EARLY, PASSES]),
    ]);

    /// Passes user 5's messages early; `before` answers as [`Stops`] does (the update's id), so
    /// an answer with an id shows that it looked.
    struct Early;
    impl Middleware<()> for Early {
        fn declaration(&self) -> &'static MiddlewareDecl {
            &EARLY
        }
        fn before<'a>(
            &'a self,
            ctx: &'a RouteContext<'a, ()>,
            update: &'a Update,
        ) -> BoxFuture<'a, Result<Flow, HandlerError>> {
            Stops.before(ctx, update)
        }
        fn passes_early(&self, ctx: &RouteContext<'_, ()>, update: &UpdateView) -> bool {
            assert_eq!(ctx.update_id, update.update_id);
            update
                .message
                .as_ref()
                .and_then(|m| m.from.as_ref())
                .is_some_and(|u| u.id == 5)
        }
    }

    /// Reads nothing of the update; answers with the context's update id.
    struct Nothing;
    impl RouteHandler<()> for Nothing {
        type Input = ();
        async fn handle(
            &self,
            ctx: RouteContext<'_, ()>,
            _: (),
        ) -> Result<RouteResponse, HandlerError> {
            Ok(RouteResponse::reply(
                "sendMessage",
                serde_json::json!({"handled": ctx.update_id}),
            ))
        }
    }

    struct Stops;
    impl Middleware<()> for Stops {
        fn declaration(&self) -> &'static MiddlewareDecl {
            &STOPS
        }
        fn before<'a>(
            &'a self,
            _: &'a RouteContext<'a, ()>,
            update: &'a Update,
        ) -> BoxFuture<'a, Result<Flow, HandlerError>> {
            let answer =
                RouteResponse::reply("sendMessage", serde_json::json!({"id": update.id.0}));
            Box::pin(async move { Ok(Flow::Stop(answer)) })
        }
    }

    struct Passes;
    impl Middleware<()> for Passes {
        fn declaration(&self) -> &'static MiddlewareDecl {
            &PASSES
        }
        fn before<'a>(
            &'a self,
            _: &'a RouteContext<'a, ()>,
            _: &'a Update,
        ) -> BoxFuture<'a, Result<Flow, HandlerError>> {
            Box::pin(async { Ok(Flow::Continue) })
        }
    }

    /// Answers with the command's name and arguments.
    struct Echo;
    impl RouteHandler<()> for Echo {
        type Input = Command;
        async fn handle(
            &self,
            _: RouteContext<'_, ()>,
            command: Command,
        ) -> Result<RouteResponse, HandlerError> {
            Ok(RouteResponse::reply(
                "sendMessage",
                serde_json::json!({"text": format!("{} {}", command.name, command.args)}),
            ))
        }
    }

    /// A handler that fails with the error it is given.
    struct FailsWith(fn() -> HandlerError);
    impl RouteHandler<()> for FailsWith {
        type Input = Update;
        async fn handle(
            &self,
            _: RouteContext<'_, ()>,
            _: Update,
        ) -> Result<RouteResponse, HandlerError> {
            Err((self.0)())
        }
    }

    struct Unreachable;
    impl RouteHandler<()> for Unreachable {
        type Input = Update;
        async fn handle(
            &self,
            _: RouteContext<'_, ()>,
            _: Update,
        ) -> Result<RouteResponse, HandlerError> {
            panic!("an unparseable update never reaches the handler")
        }
    }

    fn deps() -> RouteDeps<()> {
        RouteDeps {
            bot: BotApi::new("1:x", "http://127.0.0.1:9").expect("client"),
            store: (),
            bot_username: "LambdagramBot".into(),
        }
    }

    fn request(route: &str, update: &str) -> RouteRequest {
        RouteRequest {
            route: route.into(),
            update: serde_json::value::RawValue::from_string(update.into()).expect("json"),
        }
    }

    fn start_request() -> RouteRequest {
        request(
            "start",
            r#"{"update_id": 7, "message": {"message_id": 1, "date": 1700000000,
            "chat": {"id": 5, "type": "private", "first_name": "A"},
            "from": {"id": 5, "is_bot": false, "first_name": "A"}, "text": "/start now"}}"#,
        )
    }

    fn pipeline<H: RouteHandler<()>>(
        name: &str,
        middleware: &[&'static dyn Middleware<()>],
        handler: H,
    ) -> Pipeline<(), H> {
        Pipeline::new(TABLE, name, middleware, handler).expect("as declared")
    }

    #[test]
    fn a_pipeline_takes_exactly_the_middleware_its_route_declares() {
        assert!(Pipeline::new(TABLE, "stopped", &[&Passes, &Stops], Echo).is_ok());
        let refused = |name, given: &[&'static dyn Middleware<()>]| {
            Pipeline::new(TABLE, name, given, Echo).err()
        };
        assert_eq!(
            refused("stopped", &[&Passes]),
            Some(
                "route `stopped` declares middleware [\"passes\", \"stops\"] but was given \
                 [\"passes\"]"
                    .to_owned()
            )
        );
        assert_eq!(
            refused("stopped", &[&Stops, &Passes]),
            Some(
                "route `stopped` declares middleware [\"passes\", \"stops\"] but was given \
                 [\"stops\", \"passes\"]"
                    .to_owned()
            )
        );
        assert_eq!(
            refused("start", &[&Passes]),
            Some("route `start` declares middleware [] but was given [\"passes\"]".to_owned())
        );
        assert_eq!(
            refused("nope", &[]),
            Some("the route table has no route `nope`".to_owned())
        );
    }

    fn from(user: i64, update_id: i64) -> String {
        format!(
            r#"{{"update_id": {update_id}, "message": {{"message_id": 1, "date": 1700000000,
            "chat": {{"id": -100, "type": "supergroup", "title": "G"}},
            "from": {{"id": {user}, "is_bot": false, "first_name": "A"}}, "text": "/early"}}}}"#
        )
    }

    #[tokio::test]
    async fn an_update_every_middleware_passes_early_skips_before_for_a_handler_that_reads_nothing()
    {
        let early = pipeline("early", &[&Early], Nothing);
        let deps = deps();
        let run = |body: String| run_once(&deps, &early, request("early", &body), 0, 0);
        let known = run(from(5, 11)).await.expect("answered");
        assert_eq!(
            known.reply,
            Some(serde_json::json!({"method": "sendMessage", "handled": 11}))
        );
        let other = run(from(6, 12)).await.expect("answered");
        assert_eq!(
            other.reply,
            Some(serde_json::json!({"method": "sendMessage", "id": 12}))
        );
        // An update the light view cannot read (a chat without its type) takes the full path,
        // even from user 5.
        let untyped = from(5, 13).replace(r#""type": "supergroup", "#, "");
        let looked = run(untyped).await.expect("answered");
        assert_eq!(
            looked.reply,
            Some(serde_json::json!({"method": "sendMessage", "id": 13}))
        );
    }

    #[tokio::test]
    async fn one_middleware_that_must_look_or_a_handler_that_reads_the_update_takes_the_full_path()
    {
        // `passes` has no early answer: `early`'s `before` runs even for user 5.
        let mixed = pipeline("mixed", &[&Early, &Passes], Nothing);
        let answer = run_once(&deps(), &mixed, request("mixed", &from(5, 21)), 0, 0)
            .await
            .expect("answered");
        assert_eq!(
            answer.reply,
            Some(serde_json::json!({"method": "sendMessage", "id": 21}))
        );
        // A handler reading the command needs the update read in full, and `before` with it.
        let echo = pipeline("early", &[&Early], Echo);
        let answer = run_once(&deps(), &echo, request("early", &from(5, 22)), 0, 0)
            .await
            .expect("answered");
        assert_eq!(
            answer.reply,
            Some(serde_json::json!({"method": "sendMessage", "id": 22}))
        );
    }

    #[tokio::test]
    async fn middleware_runs_before_the_handler_and_may_answer_instead() {
        let update = r#"{"update_id": 8, "message": {"message_id": 1, "date": 1700000000,
            "chat": {"id": 5, "type": "private", "first_name": "A"}, "text": "/x a b"}}"#;
        let stopped = pipeline("stopped", &[&Passes, &Stops], Echo);
        let answer = run_once(&deps(), &stopped, request("stopped", update), 0, 0)
            .await
            .expect("answered");
        assert_eq!(
            answer.reply,
            Some(serde_json::json!({"method": "sendMessage", "id": 8}))
        );
        let passed = pipeline("passed", &[&Passes], Echo);
        let answer = run_once(&deps(), &passed, request("passed", update), 0, 0)
            .await
            .expect("answered");
        assert_eq!(
            answer.reply,
            Some(serde_json::json!({"method": "sendMessage", "text": "x a b"}))
        );
    }

    #[tokio::test]
    async fn an_update_that_is_not_the_handlers_input_is_rejected_before_any_middleware() {
        let press = r#"{"update_id": 9, "callback_query": {"id": "1", "chat_instance": "-1",
            "from": {"id": 5, "is_bot": false, "first_name": "A"}, "data": "x:1"}}"#;
        let stopped = pipeline("stopped", &[&Passes, &Stops], Echo);
        let answer = run_once(&deps(), &stopped, request("stopped", press), 0, 0)
            .await
            .expect("rejected, not failed");
        assert_eq!(
            answer,
            RouteResponse::rejected("a command route without a message")
        );
    }

    #[tokio::test]
    async fn a_permanent_error_is_answered_with_a_dead_letter_and_a_transient_one_fails() {
        let blocked = pipeline(
            "start",
            &[],
            FailsWith(|| {
                BotApiError::Api {
                    method: "SendMessage",
                    code: 403,
                    error: ApiError::BotBlocked,
                    description: "Forbidden: bot was blocked by the user".into(),
                }
                .into()
            }),
        );
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

        let bad_gateway = pipeline(
            "start",
            &[],
            FailsWith(|| {
                BotApiError::Server {
                    method: "SendMessage",
                    code: 502,
                }
                .into()
            }),
        );
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
        // teloxide reads a message it cannot parse as `UpdateKind::Error`; only the envelope
        // itself can fail.
        let update = format!(r#"{{"update_id": "{marker}", "message": {{"text": "hi"}}}}"#);
        let answer = run_once(
            &deps(),
            &pipeline("start", &[], Unreachable),
            request("start", &update),
            0,
            0,
        )
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
