//! Dispatch by synchronous Lambda Invoke (RequestResponse): the webhook answers Telegram only
//! after the route function has finished.

use std::collections::HashMap;

use super::signed::{Answer, Call, CallError, SignedClient, LAMBDA};
use crate::config::{self, ConfigError};
use crate::dispatch::{DispatchError, Dispatcher};
use crate::route_api::RouteResponse;
use crate::routes::{Route, RouteTable};

pub struct LambdaDispatcher {
    client: SignedClient,
    functions: HashMap<&'static str, String>,
    /// The route whose function the cold-start warm-up dry-runs.
    first: Option<&'static str>,
}

impl LambdaDispatcher {
    /// Reads every route's function name from `ROUTE_FUNCTION_<ROUTE>`; all must be set, so a
    /// template that forgot a route fails at cold start, not on the first such update.
    pub fn from_env(client: SignedClient, routes: RouteTable) -> Result<Self, ConfigError> {
        let mut functions = HashMap::new();
        for route in routes {
            functions.insert(route.name, config::required(&route.function_env_var())?);
        }
        Ok(Self {
            client,
            functions,
            first: routes.routes().first().map(|r| r.name),
        })
    }

    /// Opens (and pools) the connection to the Lambda service at cold start, beside the other
    /// set-up, with a `DryRun` Invoke of one route function: Lambda checks the permission and
    /// runs nothing (no invocation, no charge), and the first update skips the TCP and TLS
    /// handshake. Never fails; a refusal is logged here, at once.
    pub async fn warm_up(&self) {
        let Some(function) = self.first.and_then(|name| self.functions.get(name)) else {
            return;
        };
        let started = std::time::Instant::now();
        // Lambda runs nothing; an emulator that ignores DryRun runs the route with this, and
        // the route answers it without doing anything.
        let result = self
            .invoke(
                function,
                "DryRun",
                crate::route_api::WARM_UP.as_bytes().to_vec(),
                Some(WARM_UP_TIMEOUT),
            )
            .await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(out) if out.status < 300 => {
                tracing::debug!(ms, status = out.status, "Lambda connection open")
            }
            Ok(out) => tracing::warn!(
                ms,
                status = out.status,
                error = out.error_code().unwrap_or_default(),
                message = out.error_message(),
                "Lambda warm-up refused"
            ),
            Err(e) => tracing::warn!(ms, error = %e, "Lambda warm-up failed"),
        }
    }

    /// One Invoke (`POST /2015-03-31/functions/{name}/invocations`), one attempt: a retry
    /// after a timeout could run the route twice at once, and the ledger cannot tell. A
    /// dispatch has no timeout of its own (the route's function timeout bounds it); the
    /// cold start's dry run has one.
    async fn invoke(
        &self,
        function: &str,
        invocation_type: &'static str,
        payload: Vec<u8>,
        timeout: Option<std::time::Duration>,
    ) -> Result<Answer, CallError> {
        let path = format!(
            "/2015-03-31/functions/{}/invocations",
            path_segment(function)
        );
        self.client
            .send(Call {
                service: LAMBDA,
                path: &path,
                headers: &[
                    ("content-type", "application/octet-stream"),
                    ("x-amz-invocation-type", invocation_type),
                ],
                body: payload,
                timeout,
            })
            .await
    }
}

impl Dispatcher for LambdaDispatcher {
    async fn dispatch(
        &self,
        route: &'static Route,
        payload: Vec<u8>,
    ) -> Result<RouteResponse, DispatchError> {
        let function =
            self.functions
                .get(route.name)
                .ok_or_else(|| DispatchError::Unavailable {
                    route: route.name,
                    detail: "no function configured".into(),
                })?;
        let out = self
            .invoke(function, "RequestResponse", payload, None)
            .await
            .map_err(|e| call_error(route.name, e))?;
        if out.status != 200 {
            return Err(refusal(route.name, &out));
        }
        if let Some(kind) = out.headers.get("x-amz-function-error") {
            let kind = String::from_utf8_lossy(kind.as_bytes());
            return Err(DispatchError::Failed {
                route: route.name,
                detail: function_error_detail(&kind, &out.body),
            });
        }
        serde_json::from_slice(&out.body).map_err(|e| DispatchError::BadAnswer {
            route: route.name,
            detail: e.to_string(),
        })
    }
}

/// How long the cold start waits for the dry run: it only opens a connection.
const WARM_UP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A function name (or ARN, with its `:`) as one path segment: everything but RFC 3986's
/// unreserved characters percent-encoded, as the SDK encodes a label.
fn path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether a failed Invoke may have run the function: a request that could not be built or
/// signed, or a connection that could not be made, ran nothing; a timeout, a lost connection or
/// an unreadable answer may come after the function started. One attempt only: a retry here
/// would run the route a second time behind the ledger's back.
fn call_error(route: &'static str, e: CallError) -> DispatchError {
    let detail = e.to_string();
    match e {
        CallError::NotSent(_) | CallError::Connect { .. } => {
            DispatchError::Unavailable { route, detail }
        }
        CallError::NoAnswer { .. } => DispatchError::Unknown { route, detail },
    }
}

/// Lambda answered an error status. Its refusals (throttled, not found, not allowed, a payload
/// too large: 4xx) ran nothing; a 5xx may come after the function started.
fn refusal(route: &'static str, out: &Answer) -> DispatchError {
    let detail = format!(
        "{} (HTTP {}): {}",
        out.error_code().as_deref().unwrap_or("error"),
        out.status,
        out.error_message()
    );
    if (400..500).contains(&out.status) {
        DispatchError::Unavailable { route, detail }
    } else {
        DispatchError::Unknown { route, detail }
    }
}

/// A failed invocation's error answer, for the log: its kind and the start of its payload. The
/// payload is whatever the function answered, so it is cut on a character boundary (a byte
/// index inside a multi-byte character would panic, and abort the webhook).
fn function_error_detail(kind: &str, payload: &[u8]) -> String {
    const MAX_BYTES: usize = 512;
    let payload = String::from_utf8_lossy(payload);
    format!("{kind}: {}", crate::log_safe::truncate(&payload, MAX_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, error_type: &str) -> Answer {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-amzn-errortype", error_type.parse().unwrap());
        Answer {
            status,
            headers,
            body: br#"{"Type":"User","message":"refused"}"#.to_vec(),
        }
    }

    #[test]
    fn only_an_invoke_that_ran_nothing_releases_the_update() {
        // Throttled, not found, not allowed, too large: Lambda ran nothing.
        for status in [400, 403, 404, 413, 429] {
            let e = refusal("start", &answer(status, "TooManyRequestsException"));
            assert!(
                matches!(e, DispatchError::Unavailable { .. }),
                "{status}: {e}"
            );
            assert!(!e.may_still_run());
        }
        assert_eq!(
            refusal("start", &answer(429, "TooManyRequestsException")).to_string(),
            DispatchError::Unavailable {
                route: "start",
                detail: "TooManyRequestsException (HTTP 429): refused".into()
            }
            .to_string()
        );
        for e in [
            CallError::NotSent("no region".into()),
            CallError::Connect {
                service: "lambda",
                detail: "connection refused".into(),
            },
        ] {
            assert!(!call_error("start", e).may_still_run());
        }
        // A service failure, a timeout, a lost connection: the route may be running.
        for status in [500, 502] {
            let e = refusal("start", &answer(status, "ServiceException"));
            assert!(matches!(e, DispatchError::Unknown { .. }), "{e}");
            assert!(e.may_still_run());
        }
        let e = call_error(
            "start",
            CallError::NoAnswer {
                service: "lambda",
                detail: "operation timed out".into(),
            },
        );
        assert!(matches!(e, DispatchError::Unknown { .. }), "{e}");
        assert!(e.may_still_run());
    }

    #[test]
    fn a_function_name_or_arn_is_one_path_segment() {
        assert_eq!(
            path_segment("lambdagram-Start-AbC_1.x~"),
            "lambdagram-Start-AbC_1.x~"
        );
        assert_eq!(
            path_segment("arn:aws:lambda:eu-central-1:123456789012:function:start"),
            "arn%3Aaws%3Alambda%3Aeu-central-1%3A123456789012%3Afunction%3Astart"
        );
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn an_error_answer_is_cut_on_a_character_boundary() {
        // Byte 512 falls inside the "é" that starts at byte 511.
        let payload = format!(r#"{{"errorMessage":"{}é and more"}}"#, "x".repeat(494));
        assert_eq!(payload.find('é'), Some(511));
        let detail = function_error_detail("Unhandled", payload.as_bytes());
        assert_eq!(
            detail,
            format!(r#"Unhandled: {{"errorMessage":"{}"#, "x".repeat(494))
        );
        // Invalid UTF-8 is replaced, never a reason to fail.
        let lossy = function_error_detail("Unhandled", &[b'a', 0xff, b'b']);
        assert_eq!(lossy, "Unhandled: a\u{fffd}b");
    }
}
