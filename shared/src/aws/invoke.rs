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
            .map_err(|e| DispatchError::Unavailable {
                route: route.name,
                detail: aws_sdk_lambda::error::DisplayErrorContext(e).to_string(),
            })?;
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
