//! Telegram as a port: [`TelegramApi`] is every Bot API call a handler makes, one typed payload
//! at a time. [`BotApi`] is the real adaptor (HTTP, counted); [`Retrying`] wraps any adaptor with
//! the retry-to-deadline policy (429 `retry_after`, 5xx and network backoff); [`ScriptedBot`]
//! answers from a script in memory, so a handler's logic can be unit-tested beside its code
//! with the exact calls it makes.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use serde::Serialize;
use teloxide_core::requests::Payload;

use teloxide_core::types::Message;

use super::{method_name, with_retry, BotApi, BotApiError, RetryPolicy, Upload};

/// The Bot API, as handlers use it.
pub trait TelegramApi: Send + Sync {
    /// Calls the method `P::NAME` with `payload` and decodes its result.
    fn call<P>(&self, payload: &P) -> impl Future<Output = Result<P::Output, BotApiError>> + Send
    where
        P: Payload + Serialize + Sync,
        P::Output: DeserializeOwned + Send;

    /// The bot's own user id, when it is known without a call.
    fn bot_id(&self) -> Option<i64>;

    /// Sends a file ([`Upload`]): `sendDocument` or `sendPhoto`, as multipart.
    fn upload(&self, upload: &Upload) -> impl Future<Output = Result<Message, BotApiError>> + Send;
}

impl TelegramApi for BotApi {
    fn call<P>(&self, payload: &P) -> impl Future<Output = Result<P::Output, BotApiError>> + Send
    where
        P: Payload + Serialize + Sync,
        P::Output: DeserializeOwned + Send,
    {
        BotApi::call(self, payload)
    }

    fn bot_id(&self) -> Option<i64> {
        BotApi::bot_id(self)
    }

    fn upload(&self, upload: &Upload) -> impl Future<Output = Result<Message, BotApiError>> + Send {
        BotApi::upload(self, upload)
    }
}

/// Any adaptor, with every call retried within `policy` (see [`with_retry`]).
pub struct Retrying<'a, T> {
    pub inner: &'a T,
    pub policy: RetryPolicy,
}

impl<T: TelegramApi> TelegramApi for Retrying<'_, T> {
    async fn call<P>(&self, payload: &P) -> Result<P::Output, BotApiError>
    where
        P: Payload + Serialize + Sync,
        P::Output: DeserializeOwned + Send,
    {
        with_retry(self.policy, || self.inner.call(payload)).await
    }

    fn bot_id(&self) -> Option<i64> {
        self.inner.bot_id()
    }

    async fn upload(&self, upload: &Upload) -> Result<Message, BotApiError> {
        with_retry(self.policy, || self.inner.upload(upload)).await
    }
}

/// One call a [`ScriptedBot`] received: the method (camelCase) and its parameters as JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptedCall {
    pub method: String,
    pub params: serde_json::Value,
}

/// A Bot API in memory for unit tests: each call is recorded and answered with the next
/// scripted answer for its method (in order), or `true` when none is left.
#[derive(Default)]
pub struct ScriptedBot {
    bot_id: Option<i64>,
    answers: Mutex<HashMap<String, VecDeque<Result<serde_json::Value, BotApiError>>>>,
    calls: Mutex<Vec<ScriptedCall>>,
}

impl ScriptedBot {
    /// A bot whose user id is `bot_id`.
    pub fn new(bot_id: i64) -> Self {
        Self {
            bot_id: Some(bot_id),
            ..Self::default()
        }
    }

    /// The next call of `method` answers `result` (JSON of the method's result type).
    pub fn answer(&self, method: &str, result: serde_json::Value) -> &Self {
        self.script(method, Ok(result))
    }

    /// The next call of `method` fails with `error`.
    pub fn fail(&self, method: &str, error: BotApiError) -> &Self {
        self.script(method, Err(error))
    }

    fn script(&self, method: &str, answer: Result<serde_json::Value, BotApiError>) -> &Self {
        lock(&self.answers)
            .entry(method.to_owned())
            .or_default()
            .push_back(answer);
        self
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<ScriptedCall> {
        lock(&self.calls).clone()
    }

    /// The methods called so far, in order.
    pub fn methods(&self) -> Vec<String> {
        lock(&self.calls).iter().map(|c| c.method.clone()).collect()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means a test panicked mid-call; the record is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl TelegramApi for ScriptedBot {
    async fn call<P>(&self, payload: &P) -> Result<P::Output, BotApiError>
    where
        P: Payload + Serialize + Sync,
        P::Output: DeserializeOwned + Send,
    {
        let method = method_name(P::NAME);
        let params = serde_json::to_value(payload).unwrap_or(serde_json::Value::Null);
        lock(&self.calls).push(ScriptedCall {
            method: method.clone(),
            params,
        });
        let answer = lock(&self.answers)
            .get_mut(&method)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Ok(serde_json::Value::Bool(true)));
        let value = answer?;
        serde_json::from_value(value).map_err(|e| BotApiError::Decode {
            method: P::NAME,
            status: 200,
            detail: format!("the script's answer does not fit: {e}"),
        })
    }

    fn bot_id(&self) -> Option<i64> {
        self.bot_id
    }

    /// Recorded as its method with the text fields and `{file_name, size}` for the file, as
    /// the fake Bot API records an upload; answered from the script (a `Message`).
    async fn upload(&self, upload: &Upload) -> Result<Message, BotApiError> {
        let method = method_name(upload.kind.payload_name());
        let mut params = serde_json::Map::new();
        for (name, value) in upload.fields() {
            params.insert(name.to_owned(), value.into());
        }
        params.insert(
            upload.kind.field().to_owned(),
            serde_json::json!({ "file_name": upload.file_name, "size": upload.bytes.len() }),
        );
        lock(&self.calls).push(ScriptedCall {
            method: method.clone(),
            params: serde_json::Value::Object(params),
        });
        let answer = lock(&self.answers)
            .get_mut(&method)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Ok(serde_json::Value::Bool(true)));
        serde_json::from_value(answer?).map_err(|e| BotApiError::Decode {
            method: upload.kind.payload_name(),
            status: 200,
            detail: format!("the script's answer does not fit: {e}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide_core::payloads::{DeleteMessage, GetChatMember};
    use teloxide_core::types::{ChatId, MessageId, UserId};

    #[tokio::test]
    async fn a_scripted_bot_records_calls_and_answers_in_order() {
        let bot = ScriptedBot::new(1);
        bot.fail(
            "deleteMessage",
            BotApiError::Server {
                method: "DeleteMessage",
                code: 502,
            },
        );
        let delete = DeleteMessage::new(ChatId(-100), MessageId(7));
        assert!(matches!(
            bot.call(&delete).await,
            Err(BotApiError::Server { code: 502, .. })
        ));
        assert!(bot.call(&delete).await.is_ok(), "then `true`");
        assert_eq!(bot.methods(), ["deleteMessage", "deleteMessage"]);
        assert_eq!(bot.calls()[0].params["message_id"], 7);
        // A result that does not fit the method's type is a decode error, not a panic.
        let member = GetChatMember::new(ChatId(-100), UserId(5));
        assert!(matches!(
            bot.call(&member).await,
            Err(BotApiError::Decode { .. })
        ));
    }

    #[tokio::test]
    async fn retrying_retries_transient_errors_within_the_deadline() {
        let bot = ScriptedBot::new(1);
        bot.fail(
            "deleteMessage",
            BotApiError::Server {
                method: "DeleteMessage",
                code: 502,
            },
        );
        let retrying = Retrying {
            inner: &bot,
            policy: RetryPolicy {
                base_backoff_ms: 1,
                ..RetryPolicy::until(crate::time::now_ms() + 10_000)
            },
        };
        let delete = DeleteMessage::new(ChatId(-100), MessageId(7));
        assert!(retrying.call(&delete).await.is_ok());
        assert_eq!(bot.methods(), ["deleteMessage", "deleteMessage"]);
        assert_eq!(retrying.bot_id(), Some(1));
    }
}
