//! Method parameters, from a JSON body, a form body or a query string, with Telegram's leniency:
//! numbers and booleans may arrive as strings, objects as JSON-encoded strings.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::reply::ApiError;
use crate::state::Inner;

/// The parameters of one call.
#[derive(Clone, Debug, Default)]
pub(crate) struct Params {
    map: Map<String, Value>,
}

impl Params {
    pub fn new(map: Map<String, Value>) -> Params {
        Params { map }
    }

    /// The raw value, treating `null` as absent.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// A string parameter; numbers are accepted and turned into their decimal text.
    pub fn str(&self, name: &str) -> Option<String> {
        match self.raw(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// An integer parameter; `Err(())` if present but not an integer.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ()> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
            Some(_) => Err(()),
        }
    }

    /// An integer parameter where a malformed value is reported as `error`.
    pub fn int_or(
        &self,
        name: &str,
        error: impl Fn() -> ApiError,
    ) -> Result<Option<i64>, ApiError> {
        self.int(name).map_err(|()| error())
    }

    /// A boolean parameter, `false` when absent or unparsable.
    pub fn flag(&self, name: &str) -> bool {
        match self.raw(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
            Some(Value::String(s)) => matches!(s.trim(), "true" | "True" | "1"),
            _ => false,
        }
    }

    /// A JSON object/array parameter, which form bodies carry JSON-encoded.
    pub fn json(&self, name: &str) -> Result<Option<Value>, ApiError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| ApiError::bad_request(format!("can't parse {name} JSON object"))),
            Some(other) => Ok(Some(other.clone())),
        }
    }

    /// A JSON parameter deserialised into `T`.
    pub fn typed<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.json(name)? {
            None => Ok(None),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|_| ApiError::bad_request(format!("can't parse {name} JSON object"))),
        }
    }

    /// `chat_id` resolved against the world: an integer or an `@username` of a public chat.
    /// Only checks the chat exists when it is given by username.
    pub fn chat_id(&self, world: &Inner) -> Result<i64, ApiError> {
        let empty = || ApiError::bad_request("chat_id is empty");
        match self.raw("chat_id").ok_or_else(empty)? {
            Value::Number(n) => n.as_i64().ok_or_else(ApiError::chat_not_found),
            Value::String(s) => {
                let s = s.trim();
                if s.is_empty() {
                    Err(empty())
                } else if s.starts_with('@') {
                    world
                        .chat_by_username(s)
                        .ok_or_else(ApiError::chat_not_found)
                } else {
                    s.parse().map_err(|_| ApiError::chat_not_found())
                }
            }
            _ => Err(ApiError::chat_not_found()),
        }
    }

    /// `chat_id` of a chat that exists in the world.
    pub fn existing_chat_id(&self, world: &Inner) -> Result<i64, ApiError> {
        let id = self.chat_id(world)?;
        world
            .chat(id)
            .map(|_| id)
            .ok_or_else(ApiError::chat_not_found)
    }

    /// `user_id`, required.
    pub fn user_id(&self) -> Result<i64, ApiError> {
        let invalid = || ApiError::bad_request("invalid user_id specified");
        match self.int("user_id") {
            Ok(Some(id)) if id > 0 => Ok(id),
            _ => Err(invalid()),
        }
    }

    /// `message_id`, required.
    pub fn message_id(&self) -> Result<i64, ApiError> {
        let missing = || ApiError::bad_request("message identifier is not specified");
        match self.int("message_id") {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(missing()),
            Err(()) => Err(ApiError::bad_request("MESSAGE_ID_INVALID")),
        }
    }
}
