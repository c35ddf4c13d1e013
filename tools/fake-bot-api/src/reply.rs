//! Telegram-shaped answers: `{"ok":true,"result":...}` and `{"ok":false,"error_code":...}`.

use serde_json::{json, Value};

/// A successful method result, optionally with Telegram's `description` (e.g. "Webhook was set").
#[derive(Clone, Debug)]
pub(crate) struct Success {
    pub result: Value,
    pub description: Option<&'static str>,
}

/// A Telegram error answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub description: String,
    pub parameters: Option<Value>,
}

pub(crate) type MethodResult = Result<Success, ApiError>;

/// `Ok` with a plain result.
pub(crate) fn ok(result: impl Into<Value>) -> MethodResult {
    Ok(Success {
        result: result.into(),
        description: None,
    })
}

/// `Ok` with a result and a `description`.
pub(crate) fn ok_described(result: impl Into<Value>, description: &'static str) -> MethodResult {
    Ok(Success {
        result: result.into(),
        description: Some(description),
    })
}

impl ApiError {
    pub fn new(status: u16, description: impl Into<String>) -> ApiError {
        ApiError {
            status,
            description: description.into(),
            parameters: None,
        }
    }

    /// 400 with `Bad Request: ` prefixed to `what`.
    pub fn bad_request(what: impl AsRef<str>) -> ApiError {
        ApiError::new(400, format!("Bad Request: {}", what.as_ref()))
    }

    /// 403 with `Forbidden: ` prefixed to `what`.
    pub fn forbidden(what: impl AsRef<str>) -> ApiError {
        ApiError::new(403, format!("Forbidden: {}", what.as_ref()))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(401, "Unauthorized")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(404, "Not Found")
    }

    pub fn chat_not_found() -> ApiError {
        ApiError::bad_request("chat not found")
    }

    pub fn user_not_found() -> ApiError {
        ApiError::bad_request("user not found")
    }

    pub fn with_parameters(mut self, parameters: Value) -> ApiError {
        self.parameters = Some(parameters);
        self
    }

    /// The JSON body Telegram sends for this error.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "ok": false,
            "error_code": self.status,
            "description": self.description,
        });
        if let (Some(parameters), Some(map)) = (&self.parameters, body.as_object_mut()) {
            map.insert("parameters".into(), parameters.clone());
        }
        body
    }
}

impl Success {
    /// The JSON body Telegram sends for this success.
    pub fn body(&self) -> Value {
        let mut body = json!({ "ok": true, "result": self.result });
        if let (Some(description), Some(map)) = (self.description, body.as_object_mut()) {
            map.insert("description".into(), description.into());
        }
        body
    }
}

/// HTTP status and body of a method result.
pub(crate) fn into_http(result: &MethodResult) -> (u16, Value) {
    match result {
        Ok(success) => (200, success.body()),
        Err(error) => (error.status, error.body()),
    }
}
