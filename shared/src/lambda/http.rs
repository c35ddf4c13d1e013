//! An HTTP endpoint function: API Gateway HTTP API → [`HttpHandler`]. Built once per cold start
//! like a route function (the store, the Bot API client, the token read while connections open).

use lambda_http::{service_fn, Body, Request, RequestExt, Response};
use tracing::Instrument;

use crate::aws::function_sdk_config;
use crate::http_api::{HttpContext, HttpHandler, HttpRequest, HttpResponse};
use crate::telegram::BotApi;

use super::route::{cold_start, StoreFromEnv};
use super::{init_observability, Error};

/// Serves `handler` until the sandbox is recycled.
pub async fn run_http<S, H>(handler: H) -> Result<(), Error>
where
    S: StoreFromEnv,
    H: HttpHandler<S, BotApi>,
{
    init_observability();
    let sdk = function_sdk_config().await?;
    let (bot, store) = cold_start::<S>(&sdk).await?;
    let (bot, store, handler) = (&bot, &store, &handler);
    lambda_http::run(service_fn(move |req: Request| async move {
        let context = req.lambda_context_ref();
        let deadline_ms = context.map_or(0, |c| c.deadline);
        let span = super::invocation_span!(
            context.map_or("", |c| c.request_id.as_str()),
            context.and_then(|c| c.xray_trace_id.as_deref()),
            method = %req.method(),
            path = %req.uri().path(),
            status = tracing::field::Empty,
        );
        let request = plain(req);
        let started = std::time::Instant::now();
        let ctx = HttpContext {
            bot,
            store,
            now: crate::time::now(),
            deadline_ms,
        };
        let response = handler.handle(ctx, request).instrument(span.clone()).await;
        let _guard = span.enter();
        span.record("status", response.status);
        crate::metrics::flush_pending();
        tracing::info!(
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            status = response.status,
            "request done"
        );
        Ok::<_, Error>(lambda(response))
    }))
    .await
}

fn plain(req: Request) -> HttpRequest {
    let query = req
        .query_string_parameters_ref()
        .map(|q| {
            q.iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let headers = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned())))
        .collect();
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let body = match req.into_body() {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.into_bytes(),
        Body::Binary(b) => b,
        _ => Vec::new(),
    };
    HttpRequest {
        method,
        path,
        query,
        headers,
        body,
    }
}

fn lambda(response: HttpResponse) -> Response<Body> {
    let mut builder = Response::builder().status(response.status);
    for (k, v) in &response.headers {
        builder = builder.header(k, v);
    }
    builder.body(Body::Text(response.body)).unwrap_or_else(|_| {
        let mut fallback = Response::new(Body::Empty);
        *fallback.status_mut() = lambda_http::http::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
