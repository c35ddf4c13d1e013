//! Running on AWS Lambda: tracing set-up, cold-start composition, and the runtime loops (the
//! webhook, a route, a scheduled job).
//! A function's `main.rs` is one call into here.

mod http;
mod job;
mod route;
mod webhook;

use std::sync::atomic::{AtomicBool, Ordering};

pub use http::run_http;
pub use job::run_job;
pub use route::{run_route, StoreFromEnv};
pub use webhook::run_webhook;

pub type Error = lambda_runtime::Error;

static WARM: AtomicBool = AtomicBool::new(false);

/// True for the first invocation after a cold start, false afterwards. The first also writes
/// Powertools' `ColdStart` metric (dimensions `service`, `function_name`): one EMF line per
/// sandbox, never one per update.
pub(crate) fn take_cold_start() -> bool {
    let cold = !WARM.swap(true, Ordering::Relaxed);
    if cold {
        let identity = identity();
        crate::metrics::Metrics::default()
            .dimension("service", identity.service.clone())
            .dimension("function_name", identity.function_name.clone())
            .count(crate::metrics::names::COLD_START, 1)
            .flush();
    }
    cold
}

/// Who is logging, in Powertools for AWS Lambda's names: every invocation's span carries
/// `service`, `function_name`, `function_request_id`, `xray_trace_id` and `cold_start`, so the
/// same CloudWatch Logs Insights queries work across languages.
pub(crate) struct Identity {
    /// `POWERTOOLS_SERVICE_NAME` (the template sets it), else `lambdagram`.
    pub service: String,
    /// `AWS_LAMBDA_FUNCTION_NAME`, which Lambda sets.
    pub function_name: String,
}

pub(crate) fn identity() -> &'static Identity {
    static IDENTITY: std::sync::OnceLock<Identity> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| Identity {
        service: crate::config::optional("POWERTOOLS_SERVICE_NAME")
            .unwrap_or_else(|| "lambdagram".to_owned()),
        function_name: crate::config::optional("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default(),
    })
}

/// The span of one invocation, with Powertools' fields (see [`Identity`]); the runner adds its
/// own (`route`, `update_id`, …) with `span.record`.
macro_rules! invocation_span {
    ($request_id:expr, $xray_trace_id:expr $(, $($field:tt)*)?) => {{
        let identity = $crate::lambda::identity();
        tracing::info_span!(
            "invocation",
            service = %identity.service,
            function_name = %identity.function_name,
            function_request_id = %$request_id,
            xray_trace_id = $xray_trace_id,
            cold_start = $crate::lambda::take_cold_start()
            $(, $($field)*)?
        )
    }};
}
pub(crate) use invocation_span;

/// JSON logs on stdout (CloudWatch parses them), level from Lambda's advanced logging controls
/// (`AWS_LAMBDA_LOG_LEVEL`) or else `RUST_LOG` (default `info`), and EMF metrics on. Message
/// text is only ever logged at debug.
pub fn init_observability() {
    let level = log_level(
        std::env::var("AWS_LAMBDA_LOG_LEVEL")
            .or_else(|_| std::env::var("RUST_LOG"))
            .ok()
            .as_deref(),
    );
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
    crate::metrics::enable_emf_stdout();
}

/// The log level `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` names (`error` … `debug`, as the
/// template's `LogLevel` allows; Lambda's `FATAL` is `error`); anything else is `info`. `trace` is capped at `debug`: at trace the Lambda runtime crates log
/// raw events, headers (the webhook secret) and bodies (message text) included. One level for
/// the whole function: per-module filters would link a regex engine into every binary for
/// nothing.
fn log_level(rust_log: Option<&str>) -> tracing::Level {
    rust_log
        .map(|v| {
            if v.trim().eq_ignore_ascii_case("fatal") {
                "error"
            } else {
                v
            }
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(tracing::Level::INFO)
        .min(tracing::Level::DEBUG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_comes_from_rust_log() {
        assert_eq!(log_level(Some("debug")), tracing::Level::DEBUG);
        assert_eq!(log_level(Some(" WARN ")), tracing::Level::WARN);
        assert_eq!(log_level(Some("lambdagram=debug")), tracing::Level::INFO);
        assert_eq!(log_level(None), tracing::Level::INFO);
        assert_eq!(log_level(Some("trace")), tracing::Level::DEBUG, "capped");
        assert_eq!(log_level(Some("error")), tracing::Level::ERROR);
        // Lambda's advanced logging controls' names.
        assert_eq!(log_level(Some("FATAL")), tracing::Level::ERROR);
        assert_eq!(log_level(Some("TRACE")), tracing::Level::DEBUG, "capped");
        assert_eq!(log_level(Some("WARN")), tracing::Level::WARN);
    }
}
