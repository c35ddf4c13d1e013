//! Metrics as CloudWatch Embedded Metric Format: one JSON line on stdout per flush, turned into
//! metrics by CloudWatch Logs — no API call, no latency on the hot path.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// The CloudWatch namespace of every custom metric.
pub const NAMESPACE: &str = "Lambdagram";

/// Every custom metric name the code emits (the dashboard is checked against this list).
pub mod names {
    pub const UPDATES: &str = "Updates";
    pub const UNAUTHORIZED: &str = "UnauthorizedRequests";
    pub const OVERSIZED: &str = "OversizedRequests";
    pub const MALFORMED: &str = "MalformedUpdates";
    pub const IGNORED: &str = "IgnoredUpdates";
    pub const REJECTED: &str = "RejectedUpdates";
    pub const DUPLICATES: &str = "DuplicateUpdates";
    pub const IN_FLIGHT: &str = "InFlightRedeliveries";
    pub const HANDLER_FAILURES: &str = "HandlerFailures";
    pub const LEDGER_ERRORS: &str = "LedgerErrors";
    pub const HANDLER_LATENCY: &str = "HandlerLatency";
    pub const ALL: &[&str] = &[
        UPDATES,
        UNAUTHORIZED,
        OVERSIZED,
        MALFORMED,
        IGNORED,
        REJECTED,
        DUPLICATES,
        IN_FLIGHT,
        HANDLER_FAILURES,
        LEDGER_ERRORS,
        HANDLER_LATENCY,
    ];
}

static EMF_ON_STDOUT: AtomicBool = AtomicBool::new(false);

/// Turns on writing EMF lines to stdout (done by the Lambda glue; off in tests and the CLI).
pub fn enable_emf_stdout() {
    EMF_ON_STDOUT.store(true, Ordering::Relaxed);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// The metrics of one unit of work, with the dimensions they share.
#[derive(Debug, Default)]
pub struct Metrics {
    dimensions: Vec<(&'static str, String)>,
    values: Vec<(&'static str, f64, Unit)>,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn dimension(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.dimensions.push((name, value.into()));
        self
    }

    pub fn count(&mut self, name: &'static str, n: u32) -> &mut Self {
        self.values.push((name, f64::from(n), Unit::Count));
        self
    }

    pub fn millis(&mut self, name: &'static str, ms: f64) -> &mut Self {
        self.values.push((name, ms, Unit::Milliseconds));
        self
    }

    /// The recorded values, for tests.
    pub fn values(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.values.iter().map(|(n, v, _)| (*n, *v))
    }

    /// Renders the EMF document, or `None` when nothing was recorded.
    pub fn to_emf(&self, timestamp_ms: u64) -> Option<String> {
        if self.values.is_empty() {
            return None;
        }
        let mut root = serde_json::Map::new();
        let dims: Vec<&str> = self.dimensions.iter().map(|(n, _)| *n).collect();
        let defs: Vec<serde_json::Value> = self
            .values
            .iter()
            .map(|(n, _, u)| serde_json::json!({"Name": n, "Unit": u.as_str()}))
            .collect();
        root.insert(
            "_aws".into(),
            serde_json::json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [dims], "Metrics": defs}]
            }),
        );
        for (n, v) in &self.dimensions {
            root.insert((*n).into(), v.clone().into());
        }
        for (n, v, _) in &self.values {
            root.insert((*n).into(), serde_json::json!(v));
        }
        serde_json::to_string(&root).ok()
    }

    /// Writes the document to stdout when EMF output is on.
    pub fn flush(&self) {
        if !EMF_ON_STDOUT.load(Ordering::Relaxed) {
            return;
        }
        if let Some(line) = self.to_emf(crate::time::now_ms()) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_emf() {
        let mut m = Metrics::new();
        m.dimension("Route", "start")
            .count(names::UPDATES, 1)
            .millis(names::HANDLER_LATENCY, 3.5);
        let doc: serde_json::Value =
            serde_json::from_str(&m.to_emf(1000).expect("some")).expect("json");
        assert_eq!(doc["Route"], "start");
        assert_eq!(doc["Updates"], 1.0);
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0][0],
            "Route"
        );
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][1]["Unit"],
            "Milliseconds"
        );
        assert!(Metrics::new().to_emf(0).is_none());
    }
}
