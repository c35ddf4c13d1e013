//! The webhook function: API Gateway HTTP API → [`Ingress`].

use lambda_http::{service_fn, Body, Request, RequestExt, Response};
use tracing::Instrument;

use crate::aws::{resolve_secret, sdk_config, DynamoStore, LambdaDispatcher};
use crate::config;
use crate::ingress::{Ingress, IngressConfig, IngressRequest};
use crate::routes::RouteTable;
use crate::secret::WebhookSecret;

use super::{init_observability, take_cold_start, Error};

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Builds the webhook's dependencies once and serves `routes` until the sandbox is recycled.
pub async fn run_webhook(routes: RouteTable) -> Result<(), Error> {
    init_observability();
    let sdk = sdk_config().await;
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        config::required("TABLE_NAME")?,
    );
    // One attempt per Invoke: a retry after a timeout could run the route twice at once, and
    // the ledger cannot tell. A failed Invoke fails the update; Telegram redelivers it.
    let lambda = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::config::Builder::from(&sdk)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build(),
    );
    let dispatcher = LambdaDispatcher::from_env(lambda, routes)?;
    // The ledger's and the dispatcher's connections open while the secret is read.
    let (secret, (), ()) = tokio::join!(
        resolve_secret("WEBHOOK_SECRET", &sdk),
        store.warm_up(),
        dispatcher.warm_up(),
    );
    let secret = WebhookSecret::new(&secret?)?;
    let config = IngressConfig::new(routes, secret, config::bot_username()?);
    let ingress = Ingress::new(config, store, dispatcher);
    let ingress = &ingress;
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, Error>(serve(ingress, req).await)
    }))
    .await
}

async fn serve<L, D>(ingress: &Ingress<L, D>, req: Request) -> Response<Body>
where
    L: crate::ports::UpdateLedger + crate::ports::DeadLetters,
    D: crate::dispatch::Dispatcher,
{
    let request_id = req.lambda_context_ref().map(|c| c.request_id.clone());
    let span = tracing::info_span!("invocation", request_id, cold_start = take_cold_start());
    answer(ingress, req).instrument(span).await
}

async fn answer<L, D>(ingress: &Ingress<L, D>, req: Request) -> Response<Body>
where
    L: crate::ports::UpdateLedger + crate::ports::DeadLetters,
    D: crate::dispatch::Dispatcher,
{
    let secret_header = req.headers().get(SECRET_HEADER).map(|v| v.as_bytes());
    let body: &[u8] = req.body().as_ref();
    let answer = ingress
        .handle(
            IngressRequest {
                secret_header,
                body,
            },
            crate::time::now(),
        )
        .await;
    let builder = Response::builder().status(answer.status);
    let response = match answer.reply {
        Some(json) => builder
            .header("content-type", "application/json")
            .body(Body::Text(json)),
        None => builder.body(Body::Empty),
    };
    // Only a status or header value can fail here, and both are constants or valid codes.
    response.unwrap_or_else(|_| Response::new(Body::Empty))
}
