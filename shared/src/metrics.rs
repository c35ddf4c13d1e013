//! Metrics as CloudWatch Embedded Metric Format: one JSON line on stdout per flush, turned into
//! metrics by CloudWatch Logs — no API call, no latency on the hot path.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// The CloudWatch namespace of every custom metric.
pub const NAMESPACE: &str = "Lambdagram";

/// Every custom metric name the framework emits (the dashboard is checked against this list,
/// with each bot's own `metrics::names`).
pub mod names {
    pub const UPDATES: &str = "Updates";
    pub const UNAUTHORIZED: &str = "UnauthorizedRequests";
    pub const OVERSIZED: &str = "OversizedRequests";
    pub const MALFORMED: &str = "MalformedUpdates";
    pub const IGNORED: &str = "IgnoredUpdates";
    pub const REJECTED: &str = "RejectedUpdates";
    /// Updates given up for a permanent error and kept as dead letters, by `Route`.
    pub const DEAD_LETTERS: &str = "DeadLetters";
    pub const DUPLICATES: &str = "DuplicateUpdates";
    pub const IN_FLIGHT: &str = "InFlightRedeliveries";
    pub const HANDLER_FAILURES: &str = "HandlerFailures";
    pub const LEDGER_ERRORS: &str = "LedgerErrors";
    pub const HANDLER_LATENCY: &str = "HandlerLatency";
    /// Every Bot API call a function makes, by `Method` and `Outcome` (and rolled up).
    pub const BOT_API_CALLS: &str = "BotApiCalls";
    /// Bot API answers of 429 (flood control), whether or not the wait fitted.
    pub const BOT_API_RATE_LIMITED: &str = "BotApiRateLimited";
    /// Time spent waiting before retrying Bot API calls (429 `retry_after` and backoff).
    pub const BOT_API_RETRY_WAIT: &str = "BotApiRetryWait";
    /// Messages held back by the shared flood control (a full window), before any call.
    pub const BOT_API_PACED: &str = "BotApiPaced";
    /// Journalled effects (`journal::once`) that may have been made with their answer lost, and
    /// are not made again.
    pub const EFFECTS_UNCERTAIN: &str = "EffectsUncertain";
    /// Users Telegram will not let the bot write to (blocked, deactivated): recorded in the user
    /// registry instead of failing or dead-lettering the update.
    pub const USERS_UNREACHABLE: &str = "UsersUnreachable";
    /// Powertools' cold-start count, by `service` and `function_name`: one per sandbox.
    pub const COLD_START: &str = "ColdStart";
    pub const ALL: &[&str] = &[
        UPDATES,
        UNAUTHORIZED,
        OVERSIZED,
        MALFORMED,
        IGNORED,
        REJECTED,
        DEAD_LETTERS,
        DUPLICATES,
        IN_FLIGHT,
        HANDLER_FAILURES,
        LEDGER_ERRORS,
        HANDLER_LATENCY,
        BOT_API_CALLS,
        BOT_API_RATE_LIMITED,
        BOT_API_RETRY_WAIT,
        EFFECTS_UNCERTAIN,
        BOT_API_PACED,
        USERS_UNREACHABLE,
        COLD_START,
    ];
}

static EMF_ON_STDOUT: AtomicBool = AtomicBool::new(false);

/// Turns on writing EMF lines to stdout (done by the Lambda glue; off in tests and the CLI).
pub fn enable_emf_stdout() {
    EMF_ON_STDOUT.store(true, Ordering::Relaxed);
}

fn emf_on() -> bool {
    EMF_ON_STDOUT.load(Ordering::Relaxed)
}

/// One value recorded deep in a function (the Bot API client, a bot's rules), with its dimensions.
type Pending = (&'static str, Vec<(&'static str, String)>, f64, Unit);

/// What this invocation recorded so far. A Lambda process runs one invocation at a time, and
/// the runner flushes after each, so the buffer never mixes invocations.
static PENDING: std::sync::Mutex<Vec<Pending>> = std::sync::Mutex::new(Vec::new());

/// Records `n` of the count `name`, with `dimensions`, for this invocation's metrics. Free when
/// EMF output is off (tests, the CLI).
pub fn count(name: &'static str, dimensions: &[(&'static str, &str)], n: u32) {
    record(name, dimensions, f64::from(n), Unit::Count);
}

/// Records a duration, like [`count`].
pub fn millis(name: &'static str, dimensions: &[(&'static str, &str)], ms: f64) {
    record(name, dimensions, ms, Unit::Milliseconds);
}

fn record(name: &'static str, dimensions: &[(&'static str, &str)], value: f64, unit: Unit) {
    if !emf_on() {
        return;
    }
    let dims = dimensions
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect();
    if let Ok(mut pending) = PENDING.lock() {
        pending.push((name, dims, value, unit));
    }
}

/// Writes what this invocation recorded: one EMF document per dimension set, equal names summed
/// (three `sendMessage` calls are one value of 3). Called by the runners after each invocation.
pub fn flush_pending() {
    let drained: Vec<Pending> = match PENDING.lock() {
        Ok(mut pending) => std::mem::take(&mut *pending),
        Err(_) => return,
    };
    for m in group(drained) {
        m.flush();
    }
}

fn group(values: Vec<Pending>) -> Vec<Metrics> {
    let mut docs: Vec<Metrics> = Vec::new();
    for (name, dims, value, unit) in values {
        let doc = match docs.iter_mut().position(|d| d.dimensions == dims) {
            Some(i) => &mut docs[i],
            None => {
                docs.push(Metrics {
                    dimensions: dims,
                    values: Vec::new(),
                    rollup: true,
                });
                docs.last_mut().expect("just pushed")
            }
        };
        match doc.values.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, v, _)) => *v += value,
            None => doc.values.push((name, value, unit)),
        }
    }
    docs
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
    /// Also publish the values without dimensions (for alarms over every method, say).
    rollup: bool,
}

impl Metrics {
    /// A document whose values are also published without dimensions (what alarms watch).
    pub fn new() -> Self {
        Self {
            rollup: true,
            ..Self::default()
        }
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
        let dimension_sets = if self.rollup && !dims.is_empty() {
            serde_json::json!([dims, []])
        } else {
            serde_json::json!([dims])
        };
        let defs: Vec<serde_json::Value> = self
            .values
            .iter()
            .map(|(n, _, u)| serde_json::json!({"Name": n, "Unit": u.as_str()}))
            .collect();
        root.insert(
            "_aws".into(),
            serde_json::json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": dimension_sets, "Metrics": defs}]
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
        if !emf_on() {
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

    #[test]
    fn pending_values_group_by_dimensions_and_sum() {
        let call = |method: &str, outcome: &str| {
            (
                names::BOT_API_CALLS,
                vec![
                    ("Method", method.to_owned()),
                    ("Outcome", outcome.to_owned()),
                ],
                1.0,
                Unit::Count,
            )
        };
        let docs = group(vec![
            call("sendMessage", "ok"),
            (names::BOT_API_RETRY_WAIT, vec![], 250.0, Unit::Milliseconds),
            call("sendMessage", "ok"),
            call("restrictChatMember", "rate_limited"),
            (
                names::BOT_API_RETRY_WAIT,
                vec![],
                1000.0,
                Unit::Milliseconds,
            ),
        ]);
        let rendered: Vec<serde_json::Value> = docs
            .iter()
            .map(|d| serde_json::from_str(&d.to_emf(1).expect("a doc")).expect("json"))
            .collect();
        assert_eq!(rendered.len(), 3);
        assert_eq!(rendered[0]["Method"], "sendMessage");
        assert_eq!(rendered[0]["BotApiCalls"], 2.0);
        assert_eq!(
            rendered[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["Method", "Outcome"], []])
        );
        assert_eq!(rendered[1]["BotApiRetryWait"], 1250.0);
        assert_eq!(
            rendered[1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([[]])
        );
        assert_eq!(rendered[2]["Outcome"], "rate_limited");
    }
}
