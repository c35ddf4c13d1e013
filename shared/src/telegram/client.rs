//! [`BotApi`]: one typed Bot API call = one JSON POST to `{api}/bot{token}/{method}`.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use teloxide_core::requests::Payload;
use teloxide_core::ApiError;

use super::{http_client, ClientError};
use crate::flood::{self, FloodControl, Limits, Slot};

/// A Bot API client for route functions. Cheap to clone; built once per cold start.
#[derive(Clone)]
pub struct BotApi {
    client: reqwest::Client,
    /// `{api}/bot{token}/`: holds the token, so it is never printed.
    base: Arc<str>,
    /// The bot's own user id: a token is `<bot id>:<secret>`, so no `getMe` is needed.
    bot_id: Option<i64>,
    /// Flood control shared with the bot's other functions, if this one takes part.
    flood: Option<Arc<Pacing>>,
}

/// The store the message windows are counted in, and the limits.
struct Pacing {
    control: Arc<dyn FloodControl>,
    limits: Limits,
}

impl std::fmt::Debug for BotApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BotApi { .. }")
    }
}

/// A failed Bot API call. Messages name the method, never the URL (it holds the token).
#[derive(Debug, thiserror::Error)]
pub enum BotApiError {
    /// Telegram refused the call (`ok: false`, 4xx); `error` is teloxide's reading of its
    /// description, `description` the text itself.
    #[error("{method}: {code} {description}")]
    Api {
        method: &'static str,
        code: u16,
        error: ApiError,
        description: String,
    },
    /// 429: flood control.
    #[error("{method}: too many requests, retry after {retry_after} s")]
    RetryAfter {
        method: &'static str,
        retry_after: u32,
    },
    /// The group became a supergroup with a new id.
    #[error("{method}: the chat migrated to {to_chat_id}")]
    Migrated {
        method: &'static str,
        to_chat_id: i64,
    },
    /// A 5xx answer: Telegram's side failed; worth a retry.
    #[error("{method}: server error {code}")]
    Server { method: &'static str, code: u16 },
    /// No answer (connect, timeout, reset). `may_have_arrived` is false only when the request
    /// provably never left (the connection was never made): then any call may be re-sent. After
    /// that, Telegram may have acted on it with its answer lost on the way back, so only an
    /// idempotent call is worth a retry (see [`BotApiError::may_resend`]).
    #[error("{method}: network error: {detail}")]
    Network {
        method: &'static str,
        detail: String,
        may_have_arrived: bool,
    },
    /// An answer we could not read. `detail` says how, never what the answer held (it may
    /// quote message text); the full serde message is a debug event where it happened.
    #[error("{method}: unexpected answer ({status}): {detail}")]
    Decode {
        method: &'static str,
        status: u16,
        detail: String,
    },
}

impl BotApiError {
    /// Whether a retry may succeed (server errors and network failures; 429 is handled apart).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            BotApiError::Server { .. } | BotApiError::Network { .. }
        )
    }

    /// Whether Telegram said the user cannot be written to (they blocked the bot, deleted their
    /// account, or never opened a chat with it): a state of the user's, recorded, not an error
    /// to redeliver or to dead-letter.
    pub fn user_unreachable(&self) -> bool {
        matches!(
            self,
            BotApiError::Api {
                error: ApiError::BotBlocked
                    | ApiError::UserDeactivated
                    | ApiError::CantInitiateConversation,
                ..
            }
        )
    }

    /// Whether sending the same call again cannot repeat a visible effect: always, unless the
    /// call may have reached Telegram and is not idempotent (a message sent twice is two
    /// messages; a deletion or a restriction applied twice is one). A 5xx came from Telegram's
    /// side, possibly after its back end acted; a 2xx we cannot read means it did act; a 429
    /// and a refusal are answers that nothing was done.
    pub fn may_resend(&self) -> bool {
        match self {
            BotApiError::Network {
                method,
                may_have_arrived: true,
                ..
            }
            | BotApiError::Server { method, .. } => is_idempotent(method),
            BotApiError::Decode { method, status, .. } if (200..300).contains(status) => {
                is_idempotent(method)
            }
            _ => true,
        }
    }

    /// Whether the error is Telegram's final word on this call, so the update can never
    /// succeed by being delivered again: a refusal (400 chat/user/message not found, 403 blocked
    /// or kicked, not enough rights), a chat that migrated (for this update), an answer we cannot
    /// read. A 5xx, a network failure and a 429 are not (the caller waited what it could); nor
    /// are a refused token (401 "Unauthorized") and 404, which mean this deployment's token or
    /// API URL is wrong: every update fails alike, and redeliveries succeed once it is fixed.
    pub fn is_permanent(&self) -> bool {
        match self {
            BotApiError::Api { code, error, .. } => {
                !(matches!(code, 404 | 429 | 500..) || *error == ApiError::InvalidToken)
            }
            BotApiError::Migrated { .. } | BotApiError::Decode { .. } => true,
            BotApiError::RetryAfter { .. }
            | BotApiError::Server { .. }
            | BotApiError::Network { .. } => false,
        }
    }

    /// The Bot API method that failed, as Telegram names it (`sendMessage`).
    pub fn method(&self) -> String {
        let (BotApiError::Api { method, .. }
        | BotApiError::RetryAfter { method, .. }
        | BotApiError::Migrated { method, .. }
        | BotApiError::Server { method, .. }
        | BotApiError::Network { method, .. }
        | BotApiError::Decode { method, .. }) = self;
        method_name(method)
    }

    /// What went wrong, without the method: Telegram's description of a refusal, never the
    /// text of any message.
    pub fn reason(&self) -> String {
        match self {
            BotApiError::Api {
                code, description, ..
            } => format!("{code} {description}"),
            BotApiError::RetryAfter { retry_after, .. } => {
                format!("429 too many requests, retry after {retry_after} s")
            }
            BotApiError::Migrated { to_chat_id, .. } => {
                format!("the chat migrated to {to_chat_id}")
            }
            BotApiError::Server { code, .. } => format!("server error {code}"),
            BotApiError::Network { detail, .. } => format!("network error: {detail}"),
            BotApiError::Decode { status, detail, .. } => {
                format!("unexpected answer ({status}): {detail}")
            }
        }
    }

    /// The outcome label of the `BotApiCalls` metric.
    pub fn outcome(&self) -> &'static str {
        match self {
            BotApiError::Api { .. } => "refused",
            BotApiError::RetryAfter { .. } => "rate_limited",
            BotApiError::Migrated { .. } => "migrated",
            BotApiError::Server { .. } => "server_error",
            BotApiError::Network { .. } => "network_error",
            BotApiError::Decode { .. } => "bad_answer",
        }
    }
}

#[derive(Deserialize)]
struct Answer<R> {
    ok: bool,
    result: Option<R>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u32>,
    migrate_to_chat_id: Option<i64>,
}

impl BotApi {
    /// A client for the bot with `token` at `api_url` (`https://api.telegram.org` or a fake).
    pub fn new(token: &str, api_url: &str) -> Result<Self, ClientError> {
        Self::with_client(http_client()?, token, api_url)
    }

    /// As [`BotApi::new`], on `client` (and its pool of open connections, see [`warm_up`]).
    pub fn with_client(
        client: reqwest::Client,
        token: &str,
        api_url: &str,
    ) -> Result<Self, ClientError> {
        let url = reqwest::Url::parse(api_url).map_err(|e| ClientError::BadUrl(e.to_string()))?;
        let root = url.as_str().trim_end_matches('/');
        Ok(Self {
            client,
            base: format!("{root}/bot{token}/").into(),
            bot_id: token
                .split_once(':')
                .and_then(|(id, _)| id.parse().ok())
                .filter(|id: &i64| *id > 0),
            flood: None,
        })
    }

    /// This client, taking part in the bot's shared flood control ([`crate::flood`]): every
    /// message it sends first takes a slot in its chat's window and the bot's, and a full
    /// window is answered like Telegram's 429, without a call; a 429 from Telegram makes the
    /// chat wait in every function. Calls that are not messages (deletions, restrictions,
    /// reads) are not paced.
    pub fn with_flood_control(mut self, control: Arc<dyn FloodControl>, limits: Limits) -> Self {
        self.flood = Some(Arc::new(Pacing { control, limits }));
        self
    }

    /// The bot's user id, read from its token (`None` for a token not shaped `<id>:<secret>`).
    pub fn bot_id(&self) -> Option<i64> {
        self.bot_id
    }

    /// Calls the method `P::NAME` with `payload` and decodes its result; each call is counted
    /// (metric `BotApiCalls` by method and outcome).
    pub async fn call<P>(&self, payload: &P) -> Result<P::Output, BotApiError>
    where
        P: Payload + Serialize,
        P::Output: DeserializeOwned,
    {
        let paced = self.paced_chat(payload);
        if let (Some(pacing), Some(chat_id)) = (&self.flood, paced) {
            let now = crate::time::now();
            match flood::admit(&*pacing.control, &pacing.limits, chat_id, now).await {
                Ok(Slot::Taken) => {}
                Ok(Slot::Full { retry_after }) => {
                    crate::metrics::count(crate::metrics::names::BOT_API_PACED, &[], 1);
                    return Err(BotApiError::RetryAfter {
                        method: P::NAME,
                        retry_after,
                    });
                }
                // Pacing is a courtesy to Telegram, not a condition of sending: Telegram's
                // own 429 still guards its limits.
                Err(e) => tracing::warn!(error = %e, "flood control unavailable: not paced"),
            }
        }
        let result = self.call_uncounted(payload).await;
        if let Err(BotApiError::RetryAfter { .. }) = &result {
            // Telegram's own 429 (a paced refusal above is counted as BotApiPaced instead).
            crate::metrics::count(crate::metrics::names::BOT_API_RATE_LIMITED, &[], 1);
        }
        if let (Err(BotApiError::RetryAfter { retry_after, .. }), Some(pacing), Some(chat_id)) =
            (&result, &self.flood, paced)
        {
            let now = crate::time::now();
            let told =
                flood::cool_down(&*pacing.control, &pacing.limits, chat_id, now, *retry_after);
            if let Err(e) = told.await {
                tracing::warn!(error = %e, "flood control: the wait was not shared");
            }
        }
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.outcome(),
        };
        crate::metrics::count(
            crate::metrics::names::BOT_API_CALLS,
            &[("Method", &method_name(P::NAME)), ("Outcome", outcome)],
            1,
        );
        result
    }

    /// The chat a message goes to, when this client paces messages: a call that posts a
    /// message ([`posts_message`]) with a numeric `chat_id`.
    fn paced_chat<P: Payload + Serialize>(&self, payload: &P) -> Option<i64> {
        if self.flood.is_none() || !posts_message(P::NAME) {
            return None;
        }
        serde_json::to_value(payload).ok()?.get("chat_id")?.as_i64()
    }

    /// Sends a file (`sendDocument` / `sendPhoto`) as `multipart/form-data`; counted like
    /// [`BotApi::call`]. Not paced by the flood control (no route that uploads takes part).
    pub async fn upload(
        &self,
        upload: &super::Upload,
    ) -> Result<teloxide_core::types::Message, BotApiError> {
        let method = upload.kind.payload_name();
        let boundary = format!(
            "lambdagram-{}",
            crate::crypto::hex(&crate::crypto::random_bytes::<12>().map_err(|e| {
                BotApiError::Network {
                    method,
                    detail: e.to_string(),
                    may_have_arrived: false,
                }
            })?)
        );
        let (content_type, body) = upload.encode(&boundary);
        let request = self
            .client
            .post(format!("{}{method}", self.base))
            .header("content-type", content_type)
            .body(body);
        let result = Self::exchange(method, request).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.outcome(),
        };
        crate::metrics::count(
            crate::metrics::names::BOT_API_CALLS,
            &[("Method", &method_name(method)), ("Outcome", outcome)],
            1,
        );
        result
    }

    async fn call_uncounted<P>(&self, payload: &P) -> Result<P::Output, BotApiError>
    where
        P: Payload + Serialize,
        P::Output: DeserializeOwned,
    {
        let method = P::NAME;
        let request = self
            .client
            .post(format!("{}{method}", self.base))
            .json(payload);
        Self::exchange(method, request).await
    }

    /// Sends `request` (the call `method`) and decodes Telegram's answer.
    async fn exchange<R: DeserializeOwned>(
        method: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<R, BotApiError> {
        let response = request.send().await.map_err(|e| BotApiError::Network {
            method,
            // A failed connect sent nothing; a timeout or a reset may come after Telegram
            // read the request.
            may_have_arrived: !e.is_connect(),
            detail: e.without_url().to_string(),
        })?;
        let status = response.status().as_u16();
        if status >= 500 {
            return Err(BotApiError::Server {
                method,
                code: status,
            });
        }
        let body = response.bytes().await.map_err(|e| BotApiError::Network {
            method,
            // The answer's headers came: Telegram has handled the call.
            may_have_arrived: true,
            detail: e.without_url().to_string(),
        })?;
        decode::<R>(method, status, &body)
    }
}

/// Whether calling `payload_name` posts a message in a chat, which Telegram's flood limits
/// count: sending (but not a chat action, the "typing…" status), forwarding and copying.
/// Creating an invite link, reading, editing and moderating post nothing.
pub fn posts_message(payload_name: &str) -> bool {
    payload_name != "SendChatAction"
        && ["Send", "Forward", "Copy"]
            .iter()
            .any(|p| payload_name.starts_with(p))
}

/// Whether calling `payload_name` (teloxide's name, `SendMessage`) twice has the effect of
/// calling it once. Sending, forwarding, copying and creating are not; reading, answering a
/// callback, editing, deleting, restricting, banning, approving and setting are (a repeated
/// one at worst answers "not modified" or "not found"). Unknown methods count as not
/// idempotent.
pub fn is_idempotent(payload_name: &str) -> bool {
    const NOT: [&str; 4] = ["Send", "Forward", "Copy", "Create"];
    const YES: [&str; 14] = [
        "Get", "Answer", "Edit", "Delete", "Restrict", "Ban", "Unban", "Approve", "Decline", "Set",
        "Promote", "Pin", "Unpin", "Leave",
    ];
    !NOT.iter().any(|p| payload_name.starts_with(p))
        && YES.iter().any(|p| payload_name.starts_with(p))
}

/// The method as Telegram documents it (`sendMessage`; teloxide names payloads `SendMessage`).
pub fn method_name(payload_name: &str) -> String {
    let mut chars = payload_name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

fn decode<R: DeserializeOwned>(
    method: &'static str,
    status: u16,
    body: &[u8],
) -> Result<R, BotApiError> {
    let answer: Answer<R> = serde_json::from_slice(body).map_err(|e| {
        tracing::debug!(method, status, error = %e, "Bot API answer does not decode (detail)");
        BotApiError::Decode {
            method,
            status,
            detail: crate::log_safe::json_error(&e).to_string(),
        }
    })?;
    if answer.ok {
        return answer.result.ok_or_else(|| BotApiError::Decode {
            method,
            status,
            detail: "ok without a result".into(),
        });
    }
    let params = answer.parameters.unwrap_or(Parameters {
        retry_after: None,
        migrate_to_chat_id: None,
    });
    if let Some(retry_after) = params.retry_after {
        return Err(BotApiError::RetryAfter {
            method,
            retry_after,
        });
    }
    if let Some(to_chat_id) = params.migrate_to_chat_id {
        return Err(BotApiError::Migrated { method, to_chat_id });
    }
    let description = answer.description.unwrap_or_default();
    let error = serde_json::from_value(serde_json::Value::String(description.clone()))
        .unwrap_or(ApiError::Unknown(description.clone()));
    Err(BotApiError::Api {
        method,
        code: answer.error_code.unwrap_or(status),
        error,
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide_core::types::True;

    fn err(body: &str) -> BotApiError {
        decode::<True>("sendMessage", 400, body.as_bytes()).expect_err("an error")
    }

    #[test]
    fn only_calls_that_post_a_message_are_paced() {
        for posts in [
            "SendMessage",
            "SendPhoto",
            "SendDocument",
            "ForwardMessage",
            "CopyMessage",
        ] {
            assert!(posts_message(posts), "{posts}");
        }
        for quiet in [
            "SendChatAction",
            "CreateChatInviteLink",
            "DeleteMessage",
            "RestrictChatMember",
            "GetChatMember",
            "EditMessageText",
            "AnswerCallbackQuery",
        ] {
            assert!(!posts_message(quiet), "{quiet}");
        }
    }

    #[test]
    fn tells_unreachable_users_from_other_refusals() {
        let forbidden = |d: &str| {
            decode::<True>(
                "sendMessage",
                403,
                format!(r#"{{"ok":false,"error_code":403,"description":"{d}"}}"#).as_bytes(),
            )
            .expect_err("an error")
        };
        assert!(forbidden("Forbidden: bot was blocked by the user").user_unreachable());
        assert!(forbidden("Forbidden: user is deactivated").user_unreachable());
        assert!(
            !forbidden("Forbidden: bot was kicked from the supergroup chat").user_unreachable()
        );
        assert!(!err(
            r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#
        )
        .user_unreachable());
    }

    #[test]
    fn reads_telegram_answers() {
        assert!(decode::<True>("m", 200, br#"{"ok":true,"result":true}"#).is_ok());
        assert!(matches!(
            err(
                r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}"#
            ),
            BotApiError::RetryAfter { retry_after: 5, .. }
        ));
        assert!(matches!(
            err(
                r#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001}}"#
            ),
            BotApiError::Migrated {
                to_chat_id: -1001,
                ..
            }
        ));
        match err(
            r#"{"ok":false,"error_code":400,"description":"Bad Request: message to delete not found"}"#,
        ) {
            BotApiError::Api { code, error, .. } => {
                assert_eq!((code, error), (400, ApiError::MessageToDeleteNotFound));
            }
            other => panic!("{other:?}"),
        }
        match err(r#"{"ok":false,"error_code":400,"description":"Bad Request: something new"}"#) {
            BotApiError::Api { error, .. } => {
                assert_eq!(
                    error,
                    ApiError::Unknown("Bad Request: something new".into())
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(err("<html>"), BotApiError::Decode { .. }));
    }

    #[test]
    fn an_answer_that_does_not_decode_is_not_quoted() {
        let marker = "my-private-words-4711";
        let body = format!(r#"{{"ok":true,"result":{{"message_id":"{marker}"}}}}"#);
        let e = decode::<teloxide_core::types::Message>("sendMessage", 200, body.as_bytes())
            .expect_err("not a message");
        assert!(matches!(e, BotApiError::Decode { .. }), "{e:?}");
        assert!(!e.to_string().contains(marker), "{e}");
        assert!(!format!("{e:?}").contains(marker), "{e:?}");
    }

    #[test]
    fn never_prints_the_token() {
        let api = BotApi::new("123:SECRET", "http://127.0.0.1:9").expect("client");
        assert!(!format!("{api:?}").contains("SECRET"));
    }

    #[test]
    fn methods_are_named_as_telegram_documents_them() {
        assert_eq!(method_name("SendMessage"), "sendMessage");
        assert_eq!(method_name("GetMe"), "getMe");
        assert_eq!(method_name(""), "");
    }

    #[test]
    fn the_bot_id_is_the_token_prefix() {
        let bot = |token| BotApi::new(token, "http://127.0.0.1:9").expect("client");
        assert_eq!(bot("123456:TEST-TOKEN").bot_id(), Some(123_456));
        assert_eq!(bot("not-a-token").bot_id(), None);
        assert_eq!(bot("-5:x").bot_id(), None);
    }
}
