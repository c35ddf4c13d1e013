//! Reading sample events: API Gateway HTTP API (v2) events wrapping an update, or bare updates.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// One event to replay.
#[derive(Debug)]
pub struct Event {
    pub name: String,
    /// The webhook request body (normally a Telegram update).
    pub body: String,
    /// The secret header it carries, if any (`None` for bare updates: the caller adds its own).
    pub secret: Option<String>,
}

/// Expands files and directories (sorted, `.json` only) into events.
pub fn load_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Event>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inner: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            inner.sort();
            files.extend(inner);
        } else {
            files.push(p.clone());
        }
    }
    files.iter().map(|f| load(f)).collect()
}

pub fn load(path: &Path) -> anyhow::Result<Event> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse(name, json)
}

pub fn parse(name: String, json: serde_json::Value) -> anyhow::Result<Event> {
    if json.get("update_id").is_some() {
        return Ok(Event {
            name,
            body: json.to_string(),
            secret: None,
        });
    }
    let Some(body) = json.get("body").and_then(|b| b.as_str()) else {
        bail!("{name}: neither a Telegram update nor an API Gateway event with a body");
    };
    let body = if json.get("isBase64Encoded").and_then(|b| b.as_bool()) == Some(true) {
        bail!("{name}: base64 bodies are not supported; store the update as text");
    } else {
        body.to_owned()
    };
    let secret = json
        .get("headers")
        .and_then(|h| h.as_object())
        .and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("x-telegram-bot-api-secret-token"))
        })
        .and_then(|(_, v)| v.as_str())
        .map(str::to_owned);
    Ok(Event { name, body, secret })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_wrapped_and_bare_events() {
        let wrapped = parse(
            "a".into(),
            json!({"headers": {"X-Telegram-Bot-Api-Secret-Token": "s"}, "body": "{\"update_id\":1}"}),
        )
        .expect("wrapped");
        assert_eq!(
            (wrapped.secret.as_deref(), wrapped.body.as_str()),
            (Some("s"), "{\"update_id\":1}")
        );
        let bare = parse("b".into(), json!({"update_id": 2})).expect("bare");
        assert!(bare.secret.is_none());
        assert!(parse("c".into(), json!({"x": 1})).is_err());
    }
}
