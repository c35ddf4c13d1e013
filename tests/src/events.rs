//! The sample events in `events/`: API Gateway HTTP API (v2) events wrapping Telegram updates.

use serde_json::Value;

/// The secret the sample events carry (the local run's default).
pub const SAMPLE_SECRET: &str = "local-dev-secret";

/// A sample event as the webhook's HTTP request.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Request headers, lowercase names.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Sample {
    /// The secret header's value, if the event carries one.
    pub fn secret(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == "x-telegram-bot-api-secret-token")
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (panics for the malformed sample).
    pub fn update(&self) -> Value {
        serde_json::from_str(&self.body).expect("the event's body is JSON")
    }
}

/// Loads `events/<name>.json`.
pub fn load(name: &str) -> Sample {
    let path = crate::paths::events_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let event: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = event["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let body = event["body"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no string body", path.display()))
        .to_owned();
    Sample { headers, body }
}
