//! The webhook function: API Gateway HTTP API → [`Ingress`].

use lambda_http::{service_fn, Body, Request, RequestExt, Response};
use tracing::Instrument;

use std::time::{Duration, Instant};

use crate::aws::{
    dynamodb_client, function_sdk_config, resolve_next_webhook_secret, resolve_secret, DynamoStore,
    LambdaDispatcher, SignedClient,
};
use crate::config;
use crate::ingress::{Ingress, IngressConfig, IngressRequest};
use crate::routes::RouteTable;
use crate::secret::{AcceptedSecrets, WebhookSecret};

use super::{init_observability, Error};

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Builds the webhook's dependencies once and serves `routes` until the sandbox is recycled.
pub async fn run_webhook(routes: RouteTable) -> Result<(), Error> {
    init_observability();
    let sdk = function_sdk_config().await?;
    let store = DynamoStore::new(dynamodb_client(&sdk), config::required("TABLE_NAME")?);
    // SSM and Lambda by signed requests on one client (one connection pool). One attempt per
    // Invoke: a retry after a timeout could run the route twice at once, and the ledger cannot
    // tell. A failed Invoke fails the update; Telegram redelivers it.
    let aws = SignedClient::new(&sdk)?;
    let dispatcher = LambdaDispatcher::from_env(aws.clone(), routes)?;
    // The ledger's and the dispatcher's connections open while the secret is read.
    let (secret, next, (), ()) = tokio::join!(
        resolve_secret("WEBHOOK_SECRET", &aws),
        resolve_next_webhook_secret(&aws),
        store.warm_up(),
        dispatcher.warm_up(),
    );
    let secret = WebhookSecret::new(&secret?)?;
    let mut config = IngressConfig::new(routes, secret.clone(), config::bot_username()?);
    config.secret = AcceptedSecrets::new(secret, next_secret(next));
    if let Some(days) = config::optional(crate::interaction_log::RETENTION_ENV) {
        config.log_retention_days =
            days.parse()
                .map_err(|_| crate::config::ConfigError::Invalid {
                    name: crate::interaction_log::RETENTION_ENV.into(),
                    reason: "not a number of days".into(),
                })?;
    }
    let refresh = SecretRefresh {
        aws,
        secrets: config.secret.clone(),
        from_ssm: config::optional("WEBHOOK_SECRET_PARAMETER").is_some(),
        last: tokio::sync::Mutex::new(None),
    };
    let ingress = Ingress::new(config, store, dispatcher);
    let (ingress, refresh) = (&ingress, &refresh);
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, Error>(serve(ingress, refresh, req).await)
    }))
    .await
}

/// A next secret that cannot be read or is not valid is not accepted; the webhook still runs
/// on the current one (a rotation then fails loudly at `setWebhook`, not here).
fn next_secret(next: Result<Option<String>, crate::aws::SecretError>) -> Option<WebhookSecret> {
    match next {
        Ok(Some(value)) => WebhookSecret::new(&value)
            .inspect_err(|err| tracing::warn!(error = %err, "the next webhook secret is invalid"))
            .ok(),
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(error = %err, "reading the next webhook secret failed");
            None
        }
    }
}

/// At most one re-read of the secrets per sandbox in this long, so a flood of wrong secrets
/// cannot become a flood of SSM calls.
const REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// Re-reads the current and the next secret from SSM when a request carries neither: a
/// `lambdagram webhook rotate` may have begun after this sandbox's cold start, and Telegram
/// already sends the next secret. Without it a warm sandbox would answer 401 until recycled.
struct SecretRefresh {
    aws: SignedClient,
    secrets: AcceptedSecrets,
    from_ssm: bool,
    last: tokio::sync::Mutex<Option<Instant>>,
}

impl SecretRefresh {
    async fn unless_accepted(&self, header: Option<&[u8]>) {
        if !self.from_ssm || header.is_none() || self.secrets.matches(header) {
            return;
        }
        let mut last = self.last.lock().await;
        if last.is_some_and(|at| at.elapsed() < REFRESH_INTERVAL) {
            return;
        }
        *last = Some(Instant::now());
        let (current, next) = tokio::join!(
            resolve_secret("WEBHOOK_SECRET", &self.aws),
            resolve_next_webhook_secret(&self.aws),
        );
        match current.map(|c| WebhookSecret::new(&c)) {
            Ok(Ok(current)) => {
                self.secrets.replace(current, next_secret(next));
                tracing::info!("webhook secrets re-read after an unknown secret");
            }
            Ok(Err(err)) => tracing::warn!(error = %err, "the webhook secret is invalid"),
            Err(err) => tracing::warn!(error = %err, "re-reading the webhook secret failed"),
        }
    }
}

async fn serve<L, D>(
    ingress: &Ingress<L, D>,
    refresh: &SecretRefresh,
    req: Request,
) -> Response<Body>
where
    L: crate::ports::UpdateLedger
        + crate::ports::DeadLetters
        + crate::interaction_log::InteractionLog,
    D: crate::dispatch::Dispatcher,
{
    let context = req.lambda_context_ref();
    let span = super::invocation_span!(
        context.map_or("", |c| c.request_id.as_str()),
        context.and_then(|c| c.xray_trace_id.as_deref())
    );
    answer(ingress, refresh, req).instrument(span).await
}

async fn answer<L, D>(
    ingress: &Ingress<L, D>,
    refresh: &SecretRefresh,
    req: Request,
) -> Response<Body>
where
    L: crate::ports::UpdateLedger
        + crate::ports::DeadLetters
        + crate::interaction_log::InteractionLog,
    D: crate::dispatch::Dispatcher,
{
    let secret_header = req.headers().get(SECRET_HEADER).map(|v| v.as_bytes());
    refresh.unless_accepted(secret_header).await;
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
