//! setWebhook, getWebhookInfo, deleteWebhook.

use serde_json::{Map, Value};

use crate::model::WebhookInfo;
use crate::params::Params;
use crate::reply::{ok, ok_described, ApiError, MethodResult};
use crate::state::Inner;

const DEFAULT_MAX_CONNECTIONS: u32 = 40;
const HTTPS_REQUIRED: &str = "bad webhook: HTTPS url must be provided for webhook";
const BAD_PORT: &str = "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443";

/// Checks a webhook URL: HTTPS on Telegram's ports, or plain HTTP to loopback (for local runs).
pub(crate) fn validate_url(url: &str) -> Result<(), ApiError> {
    let cant_parse = || ApiError::bad_request("can't parse URL");
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| ApiError::bad_request(HTTPS_REQUIRED))?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or_else(cant_parse)?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(cant_parse());
    }
    let port: Option<u16> = match port {
        Some(p) => Some(p.parse().map_err(|_| cant_parse())?),
        None => None,
    };
    let host = host.to_ascii_lowercase();
    let loopback = host == "localhost" || host.starts_with("127.") || host == "::1";
    match scheme.as_str() {
        "https" if loopback => Ok(()),
        "https" => match port.unwrap_or(443) {
            80 | 88 | 443 | 8443 => Ok(()),
            _ => Err(ApiError::bad_request(BAD_PORT)),
        },
        "http" if loopback => Ok(()),
        _ => Err(ApiError::bad_request(HTTPS_REQUIRED)),
    }
}

fn validate_secret(secret: &str) -> Result<(), ApiError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if secret.len() > 256 || !secret.chars().all(allowed) {
        return Err(ApiError::bad_request(
            "secret token contains unallowed characters",
        ));
    }
    Ok(())
}

fn allowed_updates(params: &Params) -> Result<Option<Vec<String>>, ApiError> {
    params
        .typed::<Vec<String>>("allowed_updates")
        .map_err(|_| ApiError::bad_request("can't parse allowed_updates JSON array"))
}

fn remove_webhook(inner: &mut Inner, params: &Params) -> MethodResult {
    if params.flag("drop_pending_updates") {
        inner.updates.clear();
    }
    if inner.webhook.url.is_empty() {
        return ok_described(true, "Webhook is already deleted");
    }
    inner.webhook = WebhookInfo {
        last_error_date: inner.webhook.last_error_date,
        last_error_message: inner.webhook.last_error_message.take(),
        ..WebhookInfo::default()
    };
    ok_described(true, "Webhook was deleted")
}

pub(crate) fn set_webhook(inner: &mut Inner, params: &Params) -> MethodResult {
    let url = params.str("url").unwrap_or_default().trim().to_owned();
    if url.is_empty() {
        return remove_webhook(inner, params);
    }
    validate_url(&url)?;
    let secret = params.str("secret_token").filter(|s| !s.is_empty());
    if let Some(secret) = &secret {
        validate_secret(secret)?;
    }
    let max_connections = params
        .int_or("max_connections", || {
            ApiError::bad_request("invalid max_connections specified")
        })?
        .unwrap_or(i64::from(DEFAULT_MAX_CONNECTIONS));
    let max_connections = u32::try_from(max_connections)
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or_else(|| ApiError::bad_request("invalid max_connections specified"))?;
    let allowed = allowed_updates(params)?;
    if params.flag("drop_pending_updates") {
        inner.updates.clear();
    }
    let already = inner.webhook.url == url;
    let webhook = &mut inner.webhook;
    webhook.url = url;
    webhook.secret_token = secret;
    webhook.max_connections = Some(max_connections);
    webhook.ip_address = params.str("ip_address").filter(|s| !s.is_empty());
    if allowed.is_some() {
        webhook.allowed_updates = allowed;
    }
    if already {
        ok_described(true, "Webhook is already set")
    } else {
        ok_described(true, "Webhook was set")
    }
}

pub(crate) fn delete_webhook(inner: &mut Inner, params: &Params) -> MethodResult {
    remove_webhook(inner, params)
}

pub(crate) fn get_webhook_info(inner: &mut Inner) -> MethodResult {
    let webhook = &inner.webhook;
    let mut map = Map::new();
    map.insert("url".into(), webhook.url.clone().into());
    map.insert("has_custom_certificate".into(), false.into());
    map.insert("pending_update_count".into(), inner.updates.len().into());
    if let Some(ip) = &webhook.ip_address {
        map.insert("ip_address".into(), ip.clone().into());
    }
    if let Some(date) = webhook.last_error_date {
        map.insert("last_error_date".into(), date.into());
    }
    if let Some(message) = &webhook.last_error_message {
        map.insert("last_error_message".into(), message.clone().into());
    }
    if !webhook.url.is_empty() {
        let max = webhook.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
        map.insert("max_connections".into(), max.into());
    }
    if let Some(allowed) = &webhook.allowed_updates {
        map.insert("allowed_updates".into(), allowed.clone().into());
    }
    ok(Value::Object(map))
}
