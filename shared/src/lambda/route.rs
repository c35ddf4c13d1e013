//! A route function: Lambda event (the webhook's [`RouteRequest`](crate::route_api::RouteRequest)) → the route's middleware
//! and [`RouteHandler`].

use lambda_runtime::{service_fn, LambdaEvent};
use tracing::Instrument;

use crate::aws::{dynamodb_client, function_sdk_config, resolve_secret, DynamoStore, SignedClient};
use std::sync::Arc;

use crate::config::{self, ConfigError};
use crate::flood::{FloodControl, Limits};
use crate::middleware::Middleware;
use crate::pipeline::{run_once, Pipeline};
use crate::ports::NoStore;
use crate::route::{RouteDeps, RouteHandler};
use crate::route_api::{route_request, RouteResponse};
use crate::routes::RouteTable;
use crate::telegram::BotApi;

use super::{init_observability, Error};

/// A store a route function can build from its environment at cold start.
pub trait StoreFromEnv: Sized + Send + Sync + 'static {
    fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError>;

    /// Opens the store's connection ahead of the first update (see [`DynamoStore::warm_up`]).
    fn warm_up(&self) -> impl std::future::Future<Output = ()> + Send {
        async {}
    }

    /// Where the bot's shared flood control counts, if this store can hold it.
    fn flood_control(&self) -> Option<Arc<dyn FloodControl>> {
        None
    }
}

impl StoreFromEnv for DynamoStore {
    fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        Ok(DynamoStore::new(
            dynamodb_client(sdk),
            config::required("TABLE_NAME")?,
        ))
    }

    fn warm_up(&self) -> impl std::future::Future<Output = ()> + Send {
        DynamoStore::warm_up(self)
    }

    fn flood_control(&self) -> Option<Arc<dyn FloodControl>> {
        Some(Arc::new(self.clone()))
    }
}

impl StoreFromEnv for NoStore {
    fn from_env(_: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        Ok(NoStore)
    }
}

/// The variable that makes a function take part in the bot's shared flood control.
pub const FLOOD_CONTROL: &str = "FLOOD_CONTROL";

/// What a route or job function builds once per cold start: the bot and the store, their
/// connections opened while the token is read (three round trips at once, not one after the
/// other on the first update).
pub(super) async fn cold_start<S: StoreFromEnv>(
    sdk: &aws_config::SdkConfig,
) -> Result<(BotApi, S), Error> {
    let store = S::from_env(sdk)?;
    let api_url = config::telegram_api_url();
    let client = crate::telegram::http_client()?;
    let aws = SignedClient::new(sdk)?;
    let (token, (), ()) = tokio::join!(
        resolve_secret("BOT_TOKEN", &aws),
        crate::telegram::warm_up(&client, &api_url),
        store.warm_up(),
    );
    let mut bot = BotApi::with_client(client, &token?, &api_url)?;
    // The template turns it on for the functions granted `PaceMessages` (the route table's
    // word), so none pays for it without the right to it.
    if config::optional(FLOOD_CONTROL).as_deref() == Some("on") {
        let control = store.flood_control().ok_or_else(|| ConfigError::Invalid {
            name: FLOOD_CONTROL.into(),
            reason: "on, in a function without the bot's table".into(),
        })?;
        bot = bot.with_flood_control(control, Limits::default());
    }
    Ok((bot, store))
}

/// Runs the route `name` of `table`: checks that `middleware` implements exactly what the route
/// declares (a route whose middleware is missing fails at cold start, before any update), builds
/// its dependencies once (SDK config, store, bot) and runs the middleware and `handler` per
/// event.
pub async fn run_route<S, H>(
    table: RouteTable,
    name: &str,
    middleware: &[&'static dyn Middleware<S>],
    handler: H,
) -> Result<(), Error>
where
    S: StoreFromEnv,
    H: RouteHandler<S>,
{
    init_observability();
    let pipeline = Pipeline::new(table, name, middleware, handler).inspect_err(|e| {
        tracing::error!(error = %e, "the route's middleware is not what its table declares");
    })?;
    let sdk = function_sdk_config().await?;
    let (bot, store) = cold_start::<S>(&sdk).await?;
    let deps = RouteDeps {
        bot,
        store,
        bot_username: config::bot_username()?,
    };
    let (deps, pipeline) = (&deps, &pipeline);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Box<serde_json::value::RawValue>>| async move {
            let request = match route_request(&event.payload) {
                Ok(Some(request)) => request,
                Ok(None) => {
                    tracing::debug!(request_id = %event.context.request_id, "warm-up: nothing to do");
                    return Ok(RouteResponse::default());
                }
                Err(e) => {
                    return Err(lambda_runtime::Diagnostic {
                        error_type: "InvalidRouteRequest".into(),
                        error_message: format!("not a route request: {e}"),
                    })
                }
            };
            let span = super::invocation_span!(
                event.context.request_id,
                event.context.xray_trace_id.as_deref(),
                route = %request.route,
                update_id = tracing::field::Empty,
                chat_id = tracing::field::Empty,
            );
            let started = std::time::Instant::now();
            let result: Result<RouteResponse, _> = run_once(
                deps,
                pipeline,
                request,
                crate::time::now(),
                event.context.deadline,
            )
            .instrument(span.clone())
            .await;
            let _guard = span.enter();
            crate::metrics::flush_pending();
            let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
            match &result {
                Ok(r) => tracing::info!(
                    duration_ms,
                    outcome = if r.dead_letter.is_some() {
                        "dead_lettered"
                    } else if r.rejected.is_some() {
                        "rejected"
                    } else if r.reply.is_some() {
                        "replied"
                    } else {
                        "done"
                    },
                    "route done"
                ),
                Err(e) => {
                    tracing::error!(duration_ms, outcome = "failed", error = %e, "route failed")
                }
            }
            result.map_err(|e| lambda_runtime::Diagnostic {
                error_type: "HandlerError".into(),
                error_message: e.to_string(),
            })
        },
    ))
    .await
}
