//! An HTTP endpoint of a bot beside its webhook (an API for an outside tool): the request and
//! response as plain data, and the handler a function runs. The Lambda glue
//! (`lambda::run_http`) converts API Gateway's events to and from these; handlers never see
//! Lambda or AWS types, so they are tested with plain values.

use std::future::Future;

use serde::Serialize;

use crate::grants::Grant;
use crate::time::Epoch;

/// An HTTP endpoint function of a bot, declared once beside its route table: the template's
/// function, its API Gateway routes and its policies follow from it (`lambdagram gen template`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The function's crate and binary (`bridge-api`).
    pub name: &'static str,
    /// What it does: the function's description.
    pub about: &'static str,
    /// The `(method, path)` pairs API Gateway sends it.
    pub routes: &'static [(&'static str, &'static str)],
    /// What it may do on the state table.
    pub grants: &'static [Grant],
}

/// One HTTP request, as API Gateway's HTTP API delivers it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HttpRequest {
    /// Upper case (`GET`).
    pub method: String,
    pub path: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of the query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The bearer token of the `Authorization` header.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }
}

/// One HTTP response: a status and a JSON body.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// `status` with `body` as JSON.
    pub fn json<T: Serialize>(status: u16, body: &T) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_string(body).unwrap_or_else(|_| "{}".into()),
        }
    }

    /// `status` with `{"error": code, "message": message}`.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            &serde_json::json!({ "error": code, "message": message }),
        )
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// Standard base64 (RFC 4648, with or without padding; whitespace ignored), as JSON bodies
/// carry files. `None` if it is not base64.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine as _;
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: String = text.split_ascii_whitespace().collect();
    LENIENT.decode(compact).ok()
}

/// What one request's handler sees: the ports and the clock.
pub struct HttpContext<'a, S, T> {
    pub bot: &'a T,
    pub store: &'a S,
    pub now: Epoch,
    /// Epoch milliseconds by which the invocation must have finished.
    pub deadline_ms: u64,
}

/// An HTTP endpoint's handler. Every failure is a response: a handler decides its status.
pub trait HttpHandler<S, T>: Send + Sync {
    fn handle<'a>(
        &'a self,
        ctx: HttpContext<'a, S, T>,
        request: HttpRequest,
    ) -> impl Future<Output = HttpResponse> + Send + 'a;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_rfc_4648_vectors_and_refuses_the_rest() {
        for (text, bytes) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE", "fooba"),
            ("Zm9v\nYmFy", "foobar"),
        ] {
            assert_eq!(
                decode_base64(text).as_deref(),
                Some(bytes.as_bytes()),
                "{text}"
            );
        }
        for bad in ["Zm9v!", "Zg==Zg", "Zh==", "Z==="] {
            assert_eq!(decode_base64(bad), None, "{bad}");
        }
    }

    #[test]
    fn headers_are_found_in_any_case_and_the_bearer_token_is_trimmed() {
        let request = HttpRequest {
            headers: vec![("authorization".into(), "Bearer  abc ".into())],
            query: vec![("after".into(), "7".into())],
            ..HttpRequest::default()
        };
        assert_eq!(request.header("Authorization"), Some("Bearer  abc "));
        assert_eq!(request.bearer(), Some("abc"));
        assert_eq!(request.param("after"), Some("7"));
        assert_eq!(request.param("before"), None);
        let basic = HttpRequest {
            headers: vec![("authorization".into(), "Basic abc".into())],
            ..HttpRequest::default()
        };
        assert_eq!(basic.bearer(), None);
        let error = HttpResponse::error(401, "unauthorized", "no key");
        assert_eq!(error.status, 401);
        assert_eq!(error.body, r#"{"error":"unauthorized","message":"no key"}"#);
    }
}
