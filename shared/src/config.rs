//! Configuration from the environment, read once per cold start.

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(String),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: String, reason: String },
}

/// A required variable.
pub fn required(name: &str) -> Result<String, ConfigError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => Err(ConfigError::Missing(name.to_owned())),
    }
}

/// An optional variable; empty counts as unset.
pub fn optional(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The bot's username without a leading `@`.
pub fn bot_username() -> Result<String, ConfigError> {
    Ok(required("BOT_USERNAME")?.trim_start_matches('@').to_owned())
}

/// The Bot API base URL (`TELEGRAM_API_URL`, default the real one).
pub fn telegram_api_url() -> String {
    optional("TELEGRAM_API_URL").unwrap_or_else(|| crate::telegram::DEFAULT_API_URL.to_owned())
}
