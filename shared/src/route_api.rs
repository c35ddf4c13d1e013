//! The contract between the webhook and a route function: the invoke payload and its answer.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// What the webhook sends a route function: the route's name and Telegram's update, verbatim.
#[derive(Debug, Serialize, Deserialize)]
pub struct RouteRequest<U = Box<RawValue>> {
    pub route: String,
    pub update: U,
}

impl RouteRequest {
    /// Builds the payload around the update's JSON as Telegram sent it, without reading it
    /// again: `update_json` must be one JSON value, as the webhook's body is once it parsed
    /// (serde_json checked its syntax, strings and escapes included, as `RawValue` would).
    pub(crate) fn encode(route: &str, update_json: &str) -> Vec<u8> {
        let mut payload = Vec::with_capacity(route.len() + update_json.len() + 24);
        payload.extend_from_slice(b"{\"route\":");
        // A `&str` always serialises (into a `Vec`, nothing can fail to be written).
        let _ = serde_json::to_writer(&mut payload, route);
        payload.extend_from_slice(b",\"update\":");
        payload.extend_from_slice(update_json.as_bytes());
        payload.push(b'}');
        debug_assert!(
            serde_json::from_slice::<serde::de::IgnoredAny>(&payload).is_ok(),
            "the update given to encode was not one JSON value"
        );
        payload
    }
}

/// The webhook's cold-start warm-up payload. AWS Lambda never runs a `DryRun` Invoke, but a
/// local emulator may (cargo lambda watch delivers it like any other): a route function invoked
/// with it does nothing and answers an empty [`RouteResponse`].
pub const WARM_UP: &str = "{}";

/// A route function's payload: `None` for the warm-up ([`WARM_UP`], or `null`), else the
/// webhook's request.
pub fn route_request(payload: &RawValue) -> Result<Option<RouteRequest>, serde_json::Error> {
    match payload.get().trim() {
        "null" => Ok(None),
        text if text.starts_with('{') && text[1..].trim() == "}" => Ok(None),
        text => serde_json::from_str(text).map(Some),
    }
}

/// The note of an update ignored on purpose ([`RouteResponse::ignored`]).
pub const IGNORED: &str = "ignored";

/// What a route function answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteResponse {
    /// One Bot API method for the webhook to send back as its HTTP answer ("webhook reply"):
    /// an object with a `method` field and that method's parameters. It saves a Bot API round
    /// trip, at the price of never seeing the result, so use it only for fire-and-forget answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<serde_json::Value>,
    /// Set when the route could not make sense of the update. The webhook acknowledges such an
    /// update (Telegram would otherwise retry a poison update for a day) and counts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    /// Set when the route met a permanent error (Telegram refused a call for good). The webhook
    /// acknowledges the update, so Telegram does not redeliver it forever, and records it as a
    /// dead letter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<PermanentFailure>,
    /// What the handler did, in a word (`enforced`), for the interaction log: the outcome of
    /// an entry, and what a route logged only when noted (`interaction_log::When::Noted`)
    /// waits for. Never message text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why a route gave an update up: what the webhook writes in its dead letter. Never message
/// text: `reason` is Telegram's description of the error, or how an answer failed to decode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermanentFailure {
    pub route: String,
    /// What failed: the Bot API method (`sendMessage`).
    pub step: String,
    /// The kind of error (`refused`, `migrated`, `bad_answer`).
    pub class: String,
    pub reason: String,
}

impl RouteResponse {
    pub fn done() -> Self {
        Self::default()
    }

    /// Answers with a webhook reply of `method` with `params` (an object).
    pub fn reply(method: &str, mut params: serde_json::Value) -> Self {
        if let Some(obj) = params.as_object_mut() {
            obj.insert("method".into(), method.into());
        }
        Self {
            reply: Some(params),
            ..Self::default()
        }
    }

    /// Answers with the Bot API call `payload` as the webhook reply: for answers whose result
    /// nobody needs (the message a command answers with, a callback's answer).
    pub fn webhook_reply<P>(payload: &P) -> Self
    where
        P: teloxide_core::requests::Payload + Serialize,
    {
        match serde_json::to_value(payload) {
            Ok(params) => Self::reply(&crate::telegram::method_name(P::NAME), params),
            // A payload of plain fields always serialises; if it ever did not, answering
            // nothing beats failing the update forever.
            Err(e) => {
                tracing::error!(error = %e, method = P::NAME, "webhook reply does not serialise");
                Self::done()
            }
        }
    }

    /// Nothing done, on purpose (a denied user, a refusal already told, not an admin): the
    /// interaction log never records it, so ignoring stays free.
    pub fn ignored() -> Self {
        Self::done().noting(IGNORED)
    }

    /// The same answer, noting what the handler did for the interaction log.
    pub fn noting(self, note: &str) -> Self {
        Self {
            note: Some(note.to_owned()),
            ..self
        }
    }

    pub fn rejected(reason: impl Into<String>) -> Self {
        Self {
            rejected: Some(reason.into()),
            ..Self::default()
        }
    }

    /// Answers that the update was given up for good (see [`RouteResponse::dead_letter`]).
    pub fn dead_letter(failure: PermanentFailure) -> Self {
        Self {
            dead_letter: Some(failure),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod warm_up_tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("JSON")
    }

    #[test]
    fn an_empty_object_or_null_is_the_warm_up_and_anything_else_a_request() {
        assert!(route_request(&raw(WARM_UP)).expect("ok").is_none());
        assert!(route_request(&raw("{ }")).expect("ok").is_none());
        assert!(route_request(&raw("null")).expect("ok").is_none());
        let request = route_request(&raw(r#"{"route":"start","update":{"update_id":1}}"#))
            .expect("ok")
            .expect("a request");
        assert_eq!(request.route, "start");
        assert_eq!(request.update.get(), r#"{"update_id":1}"#);
        assert!(route_request(&raw(r#"{"route":"start"}"#)).is_err());
        assert!(route_request(&raw("[]")).is_err());
    }

    #[test]
    fn a_payload_carries_the_update_verbatim_and_reads_back() {
        let update = r#"{"update_id":7,"message":{"text":"caf\u00e9 \"quoted\" \\ /x"}}"#;
        let payload = RouteRequest::encode("guard-message", update);
        assert_eq!(
            String::from_utf8(payload.clone()).expect("utf-8"),
            format!(r#"{{"route":"guard-message","update":{update}}}"#)
        );
        let request = route_request(&raw(std::str::from_utf8(&payload).expect("utf-8")))
            .expect("JSON")
            .expect("a request");
        assert_eq!(request.route, "guard-message");
        assert_eq!(request.update.get(), update);
    }
}
