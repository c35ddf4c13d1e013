//! HTTP layer: routing `/bot{token}/{method}`, parameter parsing, faults, and call recording.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{Map, Value};

use crate::faults::{self, FaultKind};
use crate::methods::{self, updates};
use crate::multipart;
use crate::params::Params;
use crate::reply::{into_http, ApiError, MethodResult};
use crate::state::Shared;
use crate::RecordedCall;

/// Largest request body accepted.
const BODY_LIMIT: usize = 20 * 1024 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some((token, method)) = split_path(parts.uri.path()) else {
        return respond(404, ApiError::not_found().body());
    };
    let params = read_params(&parts, body).await;
    let token_ok = token == shared.lock().token;
    let (status, body) = serve(&shared, token_ok, &method, params).await;
    respond(status, body)
}

/// Answers one call and records it: the path shared by HTTP requests and webhook replies.
pub(crate) async fn serve(
    shared: &Shared,
    token_ok: bool,
    method: &str,
    params: Result<Map<String, Value>, ApiError>,
) -> (u16, Value) {
    let canonical = methods::canonical(method);
    let name = canonical.map_or_else(|| lower_first(method), str::to_owned);
    let recorded = params.clone().unwrap_or_default();
    let result = match (token_ok, canonical, params) {
        (false, _, _) => Err(ApiError::unauthorized()),
        (true, None, _) => Err(ApiError::not_found()),
        (true, Some(_), Err(error)) => Err(error),
        (true, Some(method), Ok(map)) => execute(shared, method, &Params::new(map)).await,
    };
    let (status, body) = into_http(&result);
    record(shared, name, recorded, &body, status);
    (status, body)
}

/// Applies a queued fault, if any, then runs the method.
async fn execute(shared: &Shared, method: &'static str, params: &Params) -> MethodResult {
    let fault = faults::take(&mut shared.lock().faults, method);
    let mut lost_answer = None;
    if let Some(kind) = fault {
        if let FaultKind::Delay(delay) = kind {
            tokio::time::sleep(delay).await;
        } else if let FaultKind::AnswerLost { .. } = kind {
            lost_answer = kind.error();
        } else if let Some(error) = kind.error() {
            return Err(error);
        }
    }
    if let Some(error) = lost_answer {
        if method != "getUpdates" {
            let _applied = methods::call(&mut shared.lock(), method, params);
            shared.updates_changed.notify_waiters();
        }
        return Err(error);
    }
    if method == "getUpdates" {
        return updates::get_updates(shared, params).await;
    }
    let result = methods::call(&mut shared.lock(), method, params);
    // Webhook and queue changes may concern a waiting long poll.
    shared.updates_changed.notify_waiters();
    result
}

fn record(shared: &Shared, method: String, params: Map<String, Value>, body: &Value, status: u16) {
    let call = RecordedCall {
        method,
        params: Value::Object(params),
        response: body.clone(),
        http_status: status,
    };
    tracing::debug!(method = %call.method, status, "fake Bot API call");
    let mut inner = shared.lock();
    if inner.echo_calls {
        eprintln!(
            "{} {} -> {} {}",
            call.method, call.params, status, call.response
        );
    }
    inner.calls.push(call);
}

fn respond(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `/bot{token}/{method}` -> (token, method).
fn split_path(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("/bot")?;
    let (token, method) = rest.split_once('/')?;
    if method.is_empty() || method.contains('/') {
        return None;
    }
    Some((percent_decode(token), method.to_owned()))
}

/// Decodes `%XX` escapes (clients may escape the `:` of a token).
fn percent_decode(text: &str) -> String {
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("t={text}"));
    match pairs {
        Ok(pairs) => pairs
            .into_iter()
            .next()
            .map(|(_, value)| value)
            .unwrap_or_default(),
        Err(_) => text.to_owned(),
    }
}

/// `SendMessage` -> `sendMessage`, for methods the fake does not know.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Merges query-string parameters with the body (JSON or urlencoded form); the body wins.
async fn read_params(parts: &Parts, body: Body) -> Result<Map<String, Value>, ApiError> {
    let mut map = Map::new();
    if let Some(query) = parts.uri.query() {
        insert_form(&mut map, query.as_bytes())?;
    }
    let bytes = to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::new(413, "Request Entity Too Large"))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(map);
    }
    let raw_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let content_type = raw_type.to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        // The boundary is case-sensitive: read it from the header as sent.
        let parsed = multipart::boundary(raw_type)
            .and_then(|boundary| multipart::parse_into(&mut map, &bytes, &boundary));
        return match parsed {
            Some(()) => Ok(map),
            None => Err(ApiError::bad_request(
                "can't parse multipart/form-data body",
            )),
        };
    }
    if content_type.contains("x-www-form-urlencoded") {
        insert_form(&mut map, &bytes)?;
        return Ok(map);
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => map.extend(object),
        Ok(_) => return Err(ApiError::bad_request("request body must be a JSON object")),
        Err(_) if !content_type.contains("json") => insert_form(&mut map, &bytes)?,
        Err(_) => {
            return Err(ApiError::bad_request(
                "can't parse JSON encoded request body",
            ))
        }
    }
    Ok(map)
}

fn insert_form(map: &mut Map<String, Value>, bytes: &[u8]) -> Result<(), ApiError> {
    let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .map_err(|_| ApiError::bad_request("can't parse request parameters"))?;
    for (key, value) in pairs {
        map.insert(key, Value::String(value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_bot_paths() {
        assert_eq!(
            split_path("/bot1:A/SendMessage"),
            Some(("1:A".to_owned(), "SendMessage".to_owned()))
        );
        assert_eq!(
            split_path("/bot1%3AA/getMe"),
            Some(("1:A".to_owned(), "getMe".to_owned()))
        );
        assert_eq!(split_path("/bot1:A/"), None);
        assert_eq!(split_path("/foo/getMe"), None);
    }

    #[test]
    fn lowers_first_letter() {
        assert_eq!(lower_first("FooBar"), "fooBar");
    }
}
