//! Dispatch by synchronous Lambda Invoke (RequestResponse): the webhook answers Telegram only
//! after the route function has finished.

use std::collections::HashMap;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;

use crate::config::{self, ConfigError};
use crate::dispatch::{DispatchError, Dispatcher};
use crate::route_api::RouteResponse;
use crate::routes::{Route, RouteTable};

pub struct LambdaDispatcher {
    client: aws_sdk_lambda::Client,
    functions: HashMap<&'static str, String>,
    /// The route whose function the cold-start warm-up dry-runs.
    first: Option<&'static str>,
}

impl LambdaDispatcher {
    /// Reads every route's function name from `ROUTE_FUNCTION_<ROUTE>`; all must be set, so a
    /// template that forgot a route fails at cold start, not on the first such update.
    pub fn from_env(
        client: aws_sdk_lambda::Client,
        routes: RouteTable,
    ) -> Result<Self, ConfigError> {
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
        let result = self
            .client
            .invoke()
            .function_name(function)
            .invocation_type(InvocationType::DryRun)
            // Lambda runs nothing; an emulator that ignores DryRun runs the route with this,
            // and the route answers it without doing anything.
            .payload(Blob::new(crate::route_api::WARM_UP))
            .send()
            .await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(out) => tracing::debug!(ms, status = out.status_code, "Lambda connection open"),
            Err(e) => tracing::warn!(
                ms,
                error = %aws_sdk_lambda::error::DisplayErrorContext(e),
                "Lambda warm-up failed"
            ),
        }
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
            .client
            .invoke()
            .function_name(function)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| invoke_error(route.name, e))?;
        let body = out.payload.map(Blob::into_inner).unwrap_or_default();
        if let Some(kind) = out.function_error {
            return Err(DispatchError::Failed {
                route: route.name,
                detail: function_error_detail(&kind, &body),
            });
        }
        serde_json::from_slice(&body).map_err(|e| DispatchError::BadAnswer {
            route: route.name,
            detail: e.to_string(),
        })
    }
}

/// Whether a failed Invoke may have run the function. Lambda's refusals (throttled, not found,
/// not allowed, a payload too large: 4xx) ran nothing, and neither did a request that could
/// not be built; a 5xx from the service, a timeout, a lost connection or an unreadable answer
/// may come after the function started. The client makes one attempt only (the webhook builds
/// it with retries off): a retry here would run the route a second time behind the ledger's
/// back.
fn invoke_error(
    route: &'static str,
    e: aws_sdk_lambda::error::SdkError<aws_sdk_lambda::operation::invoke::InvokeError>,
) -> DispatchError {
    use aws_sdk_lambda::error::SdkError;
    let ran_nothing = match &e {
        SdkError::ConstructionFailure(_) => true,
        SdkError::ServiceError(service) => (400..500).contains(&service.raw().status().as_u16()),
        _ => false,
    };
    let detail = aws_sdk_lambda::error::DisplayErrorContext(e).to_string();
    if ran_nothing {
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

    use aws_sdk_lambda::config::http::HttpResponse;
    use aws_sdk_lambda::error::SdkError;
    use aws_sdk_lambda::operation::invoke::InvokeError;
    use aws_sdk_lambda::primitives::SdkBody;

    fn service_error(status: u16) -> SdkError<InvokeError> {
        let status = status.try_into().expect("a status code");
        SdkError::service_error(
            InvokeError::unhandled("refused"),
            HttpResponse::new(status, SdkBody::empty()),
        )
    }

    #[test]
    fn only_an_invoke_that_ran_nothing_releases_the_update() {
        // Throttled, not found, not allowed, too large: Lambda ran nothing.
        for status in [400, 403, 404, 413, 429] {
            let e = invoke_error("start", service_error(status));
            assert!(
                matches!(e, DispatchError::Unavailable { .. }),
                "{status}: {e}"
            );
            assert!(!e.may_still_run());
        }
        assert!(
            !invoke_error("start", SdkError::construction_failure("no region")).may_still_run()
        );
        // A service failure, a timeout, a lost connection: the route may be running.
        for e in [
            service_error(500),
            service_error(502),
            SdkError::timeout_error("read timed out"),
        ] {
            let e = invoke_error("start", e);
            assert!(matches!(e, DispatchError::Unknown { .. }), "{e}");
            assert!(e.may_still_run());
        }
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
