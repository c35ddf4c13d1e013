//! A scheduled job's function: an EventBridge scheduled event → a [`JobHandler`].

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use tracing::Instrument;

use crate::aws::function_sdk_config;
use crate::config;
use crate::jobs::{JobContext, JobHandler};

use super::route::StoreFromEnv;
use super::{init_observability, Error};

/// Builds the job's dependencies once (SDK config, store, bot), as a route function does, and
/// runs `handler` per scheduled event. The event itself (EventBridge's `Scheduled Event`) only
/// names the run in the logs: the job works from the clock.
pub async fn run_job<S, H>(handler: H) -> Result<(), Error>
where
    S: StoreFromEnv,
    H: JobHandler<S>,
{
    init_observability();
    let sdk = function_sdk_config().await?;
    let (bot, store) = super::route::cold_start::<S>(&sdk).await?;
    let job = config::optional("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
    let (bot, store, handler, job) = (&bot, &store, &handler, job.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let span = super::invocation_span!(
            event.context.request_id,
            event.context.xray_trace_id.as_deref(),
            job,
            event_id = event.payload["id"].as_str().unwrap_or_default(),
            scheduled_for = event.payload["time"].as_str().unwrap_or_default()
        );
        let started = std::time::Instant::now();
        let ctx = JobContext {
            bot,
            store,
            now: crate::time::now(),
            deadline_ms: event.context.deadline,
        };
        let result = handler.run(ctx).instrument(span.clone()).await;
        let _guard = span.enter();
        crate::metrics::flush_pending();
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let report = match result {
            Ok(report) => serde_json::to_value(report).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match &report {
            Ok(report) => tracing::info!(duration_ms, %report, "job done"),
            Err(error) => tracing::error!(duration_ms, %error, "job failed"),
        }
        report.map_err(|error_message| lambda_runtime::Diagnostic {
            error_type: "JobError".into(),
            error_message,
        })
    }))
    .await
}
