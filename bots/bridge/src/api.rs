//! The bridge's HTTP API for the outside tool, behind API keys (`Authorization: Bearer
//! lgb_<id>_<secret>`), each scoped to its chats and limited per key:
//!
//! - `POST /bridge/messages` `{"chat_id"?, "text", "reply_to"?, "file"?}`: sends as the bot;
//!   with `file` (`{"name", "data": base64, "kind"?: "document" | "photo"}`, at most 4 MB) the
//!   file is uploaded with the text as its caption.
//! - `GET /bridge/messages?chat_id=&after=CURSOR&wait=SECS`: what allowed users wrote after the
//!   cursor, oldest first; with `wait`, held up to that many seconds (at most 20) until one
//!   arrives.
//! - `GET /bridge/history?chat_id=&q=&before=&limit=`: both directions, newest first, by words.
//! - `GET /bridge/context?chat_id=`: the session and workspace the admins set.
//!
//! An unknown, wrong or revoked key gets the same 401; a chat outside the key's scope 403.

use serde::Deserialize;
use serde_json::json;

use lambdagram::flood::Limit;
use lambdagram::http_api::{HttpContext, HttpHandler, HttpRequest, HttpResponse};
use lambdagram::ratelimit::{verdict, RateCounter, Verdict};
use lambdagram::state::{self, StateStore};
use lambdagram::telegram::{FileKind, RetryPolicy, Retrying, TelegramApi, Upload};
use lambdagram::teloxide_core::payloads::SendMessage;
use lambdagram::teloxide_core::types::{ChatId, MessageId, ReplyParameters};
use lambdagram::time::Epoch;

use crate::commands::{context_key, matching, Context};
use crate::keys::{self, KeyRecord};
use crate::routes::API_RATE;
use crate::store::{append_entry, BridgeStore, Direction, Entry, Outcome, MAX_SEQ, MAX_TEXT_CHARS};

/// The longest a `GET /bridge/messages` is held (API Gateway ends a request at 30 s).
pub const MAX_WAIT_SECS: u64 = 20;
/// How often a held request looks for new messages.
const POLL_INTERVAL_MS: u64 = 1_000;
/// The most entries one read returns.
const PAGE: u32 = 100;

/// The API's handler.
pub struct BridgeApi {
    /// Each key's request budget.
    pub rate: Limit,
}

impl Default for BridgeApi {
    fn default() -> Self {
        Self { rate: API_RATE }
    }
}

#[derive(Debug, Deserialize)]
struct Outbound {
    #[serde(default)]
    chat_id: Option<i64>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    reply_to: Option<i64>,
    #[serde(default)]
    file: Option<FileIn>,
}

#[derive(Debug, Deserialize)]
struct FileIn {
    name: String,
    /// Base64.
    data: String,
    #[serde(default)]
    kind: Option<String>,
}

/// The largest file the API takes: its base64 and the rest of the request stay under Lambda's
/// 6 MB synchronous payload.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Telegram's limit on a caption.
const MAX_CAPTION_CHARS: usize = 1024;

/// The upload a message with a file asks for, or why it cannot be one.
fn upload_of(
    chat_id: i64,
    file: &FileIn,
    caption: &str,
    reply_to: Option<i32>,
) -> Result<Upload, HttpResponse> {
    let kind = match file.kind.as_deref() {
        None | Some("document") => FileKind::Document,
        Some("photo") => FileKind::Photo,
        Some(_) => return Err(bad_request("file.kind is document or photo")),
    };
    let bytes = lambdagram::http_api::decode_base64(&file.data)
        .ok_or_else(|| bad_request("file.data is not base64"))?;
    if bytes.is_empty() || bytes.len() > MAX_FILE_BYTES {
        return Err(bad_request("a file has 1 byte to 4 MB"));
    }
    if caption.chars().count() > MAX_CAPTION_CHARS {
        return Err(bad_request(
            "with a file, text is a caption of at most 1024 characters",
        ));
    }
    Ok(Upload {
        kind,
        chat_id,
        file_name: lambdagram::telegram::safe_file_name(&file.name),
        bytes,
        caption: (!caption.trim().is_empty()).then(|| caption.to_owned()),
        reply_to,
    })
}

fn unauthorized() -> HttpResponse {
    HttpResponse::error(
        401,
        "unauthorized",
        "a valid API key is required (Authorization: Bearer lgb_...)",
    )
    .with_header("www-authenticate", "Bearer")
}

fn bad_request(message: &str) -> HttpResponse {
    HttpResponse::error(400, "bad_request", message)
}

/// The chat a request is for: `chat_id` when given, else the key's only chat.
fn chat_of(key: &KeyRecord, given: Option<i64>) -> Result<i64, HttpResponse> {
    match given {
        Some(chat) if key.allows(chat) => Ok(chat),
        Some(_) => Err(HttpResponse::error(
            403,
            "forbidden",
            "this key may not use that chat",
        )),
        None => match key.chats.as_slice() {
            [only] => Ok(*only),
            _ => Err(bad_request(
                "chat_id is required: this key has several chats",
            )),
        },
    }
}

fn number<T: std::str::FromStr>(
    request: &HttpRequest,
    name: &str,
) -> Result<Option<T>, HttpResponse> {
    request
        .param(name)
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| bad_request(&format!("{name} must be a number")))
        })
        .transpose()
}

impl<S, T> HttpHandler<S, T> for BridgeApi
where
    S: BridgeStore + RateCounter + StateStore,
    T: TelegramApi,
{
    async fn handle(&self, ctx: HttpContext<'_, S, T>, request: HttpRequest) -> HttpResponse {
        match self.answer(&ctx, &request).await {
            Ok(response) | Err(response) => response,
        }
    }
}

impl BridgeApi {
    async fn answer<S, T>(
        &self,
        ctx: &HttpContext<'_, S, T>,
        request: &HttpRequest,
    ) -> Result<HttpResponse, HttpResponse>
    where
        S: BridgeStore + RateCounter + StateStore,
        T: TelegramApi,
    {
        let endpoint = match (request.method.as_str(), request.path.as_str()) {
            ("POST", "/bridge/messages") => Endpoint::Send,
            ("GET", "/bridge/messages") => Endpoint::Read,
            ("GET", "/bridge/history") => Endpoint::History,
            ("GET", "/bridge/context") => Endpoint::Context,
            (_, "/bridge/messages" | "/bridge/history" | "/bridge/context") => {
                return Err(HttpResponse::error(
                    405,
                    "method_not_allowed",
                    "see the API's methods",
                ))
            }
            _ => return Err(HttpResponse::error(404, "not_found", "no such endpoint")),
        };
        let key = self.authenticate(ctx, request).await?;
        match endpoint {
            Endpoint::Send => self.send(ctx, &key, request).await,
            Endpoint::Read => read(ctx, &key, request).await,
            Endpoint::History => history(ctx, &key, request).await,
            Endpoint::Context => context(ctx, &key, request).await,
        }
    }

    /// The request's key, checked and counted: one read and one conditional write.
    async fn authenticate<S, T>(
        &self,
        ctx: &HttpContext<'_, S, T>,
        request: &HttpRequest,
    ) -> Result<KeyRecord, HttpResponse>
    where
        S: BridgeStore + RateCounter,
    {
        let (id, secret) = request
            .bearer()
            .and_then(keys::parse)
            .ok_or_else(unauthorized)?;
        let key = ctx.store.key(id).await.map_err(store_failed)?;
        let Some(key) = key.filter(|k| k.accepts(secret)) else {
            tracing::info!(key_id = id, "bridge API: key refused");
            return Err(unauthorized());
        };
        let hit = ctx
            .store
            .hit("bridge-api", key.id, self.rate, ctx.now)
            .await
            .map_err(store_failed)?;
        match verdict(hit, self.rate, ctx.now) {
            Verdict::Allowed => Ok(key),
            Verdict::Tell { .. } | Verdict::Silent => {
                let retry = lambdagram::flood::until_window_ends(self.rate, ctx.now);
                Err(
                    HttpResponse::error(429, "rate_limited", "too many requests for this key")
                        .with_header("retry-after", retry.to_string()),
                )
            }
        }
    }

    async fn send<S, T>(
        &self,
        ctx: &HttpContext<'_, S, T>,
        key: &KeyRecord,
        request: &HttpRequest,
    ) -> Result<HttpResponse, HttpResponse>
    where
        S: BridgeStore,
        T: TelegramApi,
    {
        let body: Outbound = serde_json::from_slice(&request.body)
            .map_err(|e| bad_request(&format!("the body is not a message: {e}")))?;
        let chat_id = chat_of(key, body.chat_id)?;
        let reply_to = body
            .reply_to
            .map(|r| i32::try_from(r).map_err(|_| bad_request("reply_to is not a message id")))
            .transpose()?;
        let bot = Retrying {
            inner: ctx.bot,
            policy: RetryPolicy::until(ctx.deadline_ms),
        };
        let (result, stored_text) = if let Some(file) = &body.file {
            let upload = upload_of(chat_id, file, &body.text, reply_to)?;
            let note = format!("[file: {}]", upload.file_name);
            let stored = if body.text.trim().is_empty() {
                note
            } else {
                format!("{}\n{note}", body.text)
            };
            (bot.upload(&upload).await, stored)
        } else {
            let chars = body.text.chars().count();
            if body.text.trim().is_empty() || chars > MAX_TEXT_CHARS {
                return Err(bad_request("text must have 1 to 4096 characters"));
            }
            let mut payload = SendMessage::new(ChatId(chat_id), body.text.clone());
            if let Some(id) = reply_to {
                payload.reply_parameters =
                    Some(ReplyParameters::new(MessageId(id)).allow_sending_without_reply());
            }
            (bot.call(&payload).await, body.text.clone())
        };
        let sent = match result {
            Ok(sent) => sent,
            Err(e) if e.is_permanent() => {
                let reason = e.reason();
                tracing::warn!(chat_id, reason = %reason, "bridge API: Telegram refused the message");
                if let Err(e) = ctx.store.record_error(chat_id, &reason, ctx.now).await {
                    tracing::warn!(error = %e, "bridge API: the error could not be recorded");
                }
                return Err(HttpResponse::error(422, "refused", &reason));
            }
            Err(e) => {
                tracing::warn!(chat_id, error = %e, "bridge API: Telegram unavailable");
                return Err(HttpResponse::error(
                    502,
                    "telegram_unavailable",
                    "Telegram did not answer; the message may not have been sent",
                ));
            }
        };
        let entry = Entry {
            seq: 0,
            direction: Direction::Out,
            message_id: i64::from(sent.id.0),
            from_id: key.id,
            from_name: if key.label.is_empty() {
                format!("key {}", key.id)
            } else {
                key.label.clone()
            },
            text: stored_text,
            reply_to: body.reply_to,
            at: ctx.now,
        };
        // Sent is sent: a history that failed to record it does not make the send fail.
        let recorded = match ctx.store.chat(chat_id).await {
            Ok(Some(chat)) => append_entry(ctx.store, chat, entry, ctx.now).await,
            Ok(None) => Ok(Outcome::NoChat),
            Err(e) => Err(e),
        };
        let seq = match recorded {
            Ok(Outcome::Stored(seq)) => Some(seq),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "bridge API: the sent message was not recorded");
                None
            }
        };
        Ok(HttpResponse::json(
            200,
            &json!({ "chat_id": chat_id, "message_id": sent.id.0, "seq": seq }),
        ))
    }
}

enum Endpoint {
    Send,
    Read,
    History,
    Context,
}

fn store_failed(e: lambdagram::ports::StoreError) -> HttpResponse {
    tracing::error!(error = %e, "bridge API: store failed");
    HttpResponse::error(503, "unavailable", "try again").with_header("retry-after", "1")
}

async fn read<S: BridgeStore, T>(
    ctx: &HttpContext<'_, S, T>,
    key: &KeyRecord,
    request: &HttpRequest,
) -> Result<HttpResponse, HttpResponse> {
    let chat_id = chat_of(key, number(request, "chat_id")?)?;
    let after: u64 = number(request, "after")?.unwrap_or(0);
    if after > MAX_SEQ {
        return Err(bad_request("after is past any cursor"));
    }
    let wait = number::<u64>(request, "wait")?
        .unwrap_or(0)
        .min(MAX_WAIT_SECS);
    // Leave the invocation time to answer.
    let now_ms = u64::try_from(ctx.now).unwrap_or(0) * 1000;
    let until_ms = (now_ms + wait * 1000).min(ctx.deadline_ms.saturating_sub(2_000).max(now_ms));
    let mut cursor = after;
    let mut waited_ms = 0;
    let messages = loop {
        let entries = ctx
            .store
            .entries_after(chat_id, cursor, PAGE)
            .await
            .map_err(store_failed)?;
        cursor = entries.last().map_or(cursor, |e| e.seq);
        let inbound: Vec<Entry> = entries
            .into_iter()
            .filter(|e| e.direction == Direction::In)
            .collect();
        if !inbound.is_empty() || now_ms + waited_ms + POLL_INTERVAL_MS > until_ms {
            break inbound;
        }
        tokio::time::sleep(std::time::Duration::from_millis(POLL_INTERVAL_MS)).await;
        waited_ms += POLL_INTERVAL_MS;
    };
    let seen_at: Epoch = ctx.now + i64::try_from(waited_ms / 1000).unwrap_or(0);
    // The cursor moves only over entries this read returned.
    ctx.store
        .mark_read(chat_id, (cursor > after).then_some(cursor), seen_at)
        .await
        .map_err(store_failed)?;
    Ok(HttpResponse::json(
        200,
        &json!({ "chat_id": chat_id, "cursor": cursor, "messages": messages }),
    ))
}

async fn history<S: BridgeStore, T>(
    ctx: &HttpContext<'_, S, T>,
    key: &KeyRecord,
    request: &HttpRequest,
) -> Result<HttpResponse, HttpResponse> {
    let chat_id = chat_of(key, number(request, "chat_id")?)?;
    let before: u64 = number(request, "before")?.unwrap_or(u64::MAX);
    let limit = number::<usize>(request, "limit")?
        .unwrap_or(20)
        .clamp(1, 100);
    let query = request.param("q").unwrap_or_default();
    let entries = ctx
        .store
        .entries_before(chat_id, before, 200)
        .await
        .map_err(store_failed)?;
    let found: Vec<&Entry> = matching(&entries, query).into_iter().take(limit).collect();
    Ok(HttpResponse::json(
        200,
        &json!({ "chat_id": chat_id, "messages": found }),
    ))
}

async fn context<S: StateStore, T>(
    ctx: &HttpContext<'_, S, T>,
    key: &KeyRecord,
    request: &HttpRequest,
) -> Result<HttpResponse, HttpResponse> {
    let chat_id = chat_of(key, number(request, "chat_id")?)?;
    let read = state::get::<Context, _>(ctx.store, &context_key(chat_id), ctx.now)
        .await
        .map_err(store_failed)?;
    let context = read.found().map(|v| v.value).unwrap_or_default();
    Ok(HttpResponse::json(
        200,
        &json!({ "chat_id": chat_id, "session": context.session, "workspace": context.workspace }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(chats: Vec<i64>) -> KeyRecord {
        KeyRecord {
            id: 1,
            hash: String::new(),
            chats,
            label: String::new(),
            created_by: 1,
            created_at: 0,
            revoked_at: None,
        }
    }

    #[test]
    fn the_chat_is_the_keys_only_one_or_one_in_its_scope() {
        assert_eq!(chat_of(&key(vec![-5]), None), Ok(-5));
        assert_eq!(chat_of(&key(vec![-5]), Some(-5)), Ok(-5));
        assert_eq!(chat_of(&key(vec![-5]), Some(-6)).unwrap_err().status, 403);
        assert_eq!(chat_of(&key(vec![-5, -6]), None).unwrap_err().status, 400);
        assert_eq!(chat_of(&key(vec![-5, -6]), Some(-6)), Ok(-6));
    }
}
