//! Running on AWS Lambda: tracing set-up, cold-start composition, and the runtime loops (the
//! webhook, a route, a scheduled job).
//! A function's `main.rs` is one call into here.

mod job;
mod route;
mod webhook;

use std::sync::atomic::{AtomicBool, Ordering};

pub use job::run_job;
pub use route::{run_route, StoreFromEnv};
pub use webhook::run_webhook;

pub type Error = lambda_runtime::Error;

static WARM: AtomicBool = AtomicBool::new(false);

/// True for the first invocation after a cold start, false afterwards.
pub(crate) fn take_cold_start() -> bool {
    !WARM.swap(true, Ordering::Relaxed)
}

/// JSON logs on stdout (CloudWatch parses them), level from `RUST_LOG` (default `info`), and EMF
/// metrics on. Message text is only ever logged at debug.
pub fn init_observability() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    crate::metrics::enable_emf_stdout();
}
