//! sendMessage, editMessageText, deleteMessage(s), sendChatAction, answerCallbackQuery.

use serde_json::{Map, Value};

use crate::model::{ChatType, MemberStatus};
use crate::params::Params;
use crate::reply::{ok, ApiError, MethodResult};
use crate::state::{now, Inner};

const MAX_TEXT_LEN: usize = 4096;

const NOT_MODIFIED: &str = "message is not modified: specified new message content and reply \
                            markup are exactly the same as a current content and reply markup of \
                            the message";

const CHAT_ACTIONS: &[&str] = &[
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
];

/// Checks the bot may send messages to `chat_id`, as Telegram would.
pub(crate) fn check_can_send(inner: &Inner, chat_id: i64) -> Result<(), ApiError> {
    let Some(chat) = inner.chat(chat_id) else {
        return Err(if inner.users.contains_key(&chat_id) {
            ApiError::forbidden("bot can't initiate conversation with a user")
        } else {
            ApiError::chat_not_found()
        });
    };
    let kind = chat.chat.kind;
    if kind == ChatType::Private {
        if inner.users.get(&chat_id).is_some_and(|u| u.is_bot) {
            return Err(ApiError::forbidden("bot can't send messages to bots"));
        }
        if inner.blocked.contains(&chat_id) {
            return Err(ApiError::forbidden("bot was blocked by the user"));
        }
        return Ok(());
    }
    let noun = match kind {
        ChatType::Group => "group chat",
        ChatType::Supergroup => "supergroup chat",
        _ => "channel chat",
    };
    let status = inner.bot_status(chat_id).unwrap_or(MemberStatus::Left);
    match status {
        MemberStatus::Left => Err(ApiError::forbidden(format!(
            "bot is not a member of the {noun}"
        ))),
        MemberStatus::Kicked { .. } => Err(ApiError::forbidden(format!(
            "bot was kicked from the {noun}"
        ))),
        _ if kind == ChatType::Channel => match status.rights() {
            Some(rights) if rights.can_post_messages => Ok(()),
            _ => Err(ApiError::bad_request(
                "need administrator rights in the channel chat",
            )),
        },
        MemberStatus::Restricted { permissions, .. } if !permissions.can_send_messages => Err(
            ApiError::bad_request("not enough rights to send text messages to the chat"),
        ),
        MemberStatus::Member { .. } if !chat.chat.permissions.can_send_messages => Err(
            ApiError::bad_request("not enough rights to send text messages to the chat"),
        ),
        _ => Ok(()),
    }
}

/// The required, non-empty `text`.
fn text(params: &Params) -> Result<String, ApiError> {
    let text = params.str("text").unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    if text.chars().count() > MAX_TEXT_LEN {
        return Err(ApiError::bad_request("message is too long"));
    }
    Ok(text)
}

/// `reply_markup`, kept only if it is an inline keyboard (the only kind Telegram echoes).
fn inline_markup(params: &Params) -> Result<Option<Value>, ApiError> {
    let markup = params.json("reply_markup")?;
    Ok(markup.filter(|m| m.get("inline_keyboard").is_some()))
}

/// The message being replied to, from `reply_parameters` or the legacy `reply_to_message_id`.
fn reply_to(inner: &Inner, chat_id: i64, params: &Params) -> Result<Option<Value>, ApiError> {
    let reply = params.json("reply_parameters")?;
    let (id, lenient) = match &reply {
        Some(r) => (
            r.get("message_id").and_then(Value::as_i64),
            r.get("allow_sending_without_reply")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        None => (
            params.int("reply_to_message_id").ok().flatten(),
            params.flag("allow_sending_without_reply"),
        ),
    };
    let Some(id) = id else {
        return Ok(None);
    };
    let found = inner
        .chat(chat_id)
        .and_then(|c| c.messages.get(&id))
        .cloned();
    match found {
        Some(mut message) => {
            if let Some(map) = message.as_object_mut() {
                map.remove("reply_to_message");
            }
            Ok(Some(message))
        }
        None if lenient => Ok(None),
        None => Err(ApiError::bad_request("message to be replied not found")),
    }
}

pub(crate) fn send_message(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.chat_id(inner)?;
    let text = text(params)?;
    check_can_send(inner, chat_id)?;
    let mut fields = Map::new();
    if let Some(thread) = params.int("message_thread_id").ok().flatten() {
        fields.insert("message_thread_id".into(), thread.into());
    }
    if let Some(reply) = reply_to(inner, chat_id, params)? {
        fields.insert("reply_to_message".into(), reply);
    }
    fields.insert("text".into(), text.into());
    if let Some(entities) = params.json("entities")? {
        fields.insert("entities".into(), entities);
    }
    if let Some(markup) = inline_markup(params)? {
        fields.insert("reply_markup".into(), markup);
    }
    let bot = inner.bot.clone();
    let message = inner
        .store_message(chat_id, Some(&bot), fields)
        .ok_or_else(ApiError::chat_not_found)?;
    ok(message)
}

/// Telegram's limit on a caption.
const MAX_CAPTION_LEN: usize = 1024;

/// `sendDocument` / `sendPhoto` (`field` is `document` or `photo`): the file is an uploaded
/// multipart part (kept as its name and size) or a string (a `file_id` or URL). The message
/// carries a `document` or a `photo` (one size), and the caption.
pub(crate) fn send_file(inner: &mut Inner, params: &Params, field: &str) -> MethodResult {
    let chat_id = params.chat_id(inner)?;
    check_can_send(inner, chat_id)?;
    let (file_name, size) = match params.raw(field) {
        Some(Value::Object(part)) => (
            part.get("file_name")
                .and_then(Value::as_str)
                .unwrap_or("file")
                .to_owned(),
            part.get("size").and_then(Value::as_u64).unwrap_or(0),
        ),
        Some(Value::String(id)) if !id.is_empty() => (id.clone(), 0),
        _ => {
            return Err(ApiError::bad_request(format!(
                "there is no {field} in the request"
            )))
        }
    };
    if size == 0 && matches!(params.raw(field), Some(Value::Object(_))) {
        return Err(ApiError::bad_request("file must be non-empty"));
    }
    let mut fields = Map::new();
    if let Some(reply) = reply_to(inner, chat_id, params)? {
        fields.insert("reply_to_message".into(), reply);
    }
    if let Some(caption) = params.str("caption").filter(|c| !c.is_empty()) {
        if caption.chars().count() > MAX_CAPTION_LEN {
            return Err(ApiError::bad_request("message caption is too long"));
        }
        fields.insert("caption".into(), caption.into());
    }
    let file_id = format!("fake-{field}-{}-{size}", inner.next_file_id());
    let file = serde_json::json!({
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_size": size,
    });
    if field == "photo" {
        let mut size_entry = file;
        size_entry["width"] = 1280.into();
        size_entry["height"] = 720.into();
        fields.insert("photo".into(), Value::Array(vec![size_entry]));
    } else {
        let mut document = file;
        document["file_name"] = file_name.into();
        fields.insert("document".into(), document);
    }
    let bot = inner.bot.clone();
    let message = inner
        .store_message(chat_id, Some(&bot), fields)
        .ok_or_else(ApiError::chat_not_found)?;
    ok(message)
}

/// Whether the bot may delete `message` in chat `chat_id`.
fn may_delete(inner: &Inner, chat_id: i64, message: &Value) -> bool {
    let Some(chat) = inner.chat(chat_id) else {
        return false;
    };
    let from_bot = message.pointer("/from/id").and_then(Value::as_i64) == Some(inner.bot.id);
    let rights = inner.bot_status(chat_id).and_then(|s| s.rights());
    match chat.chat.kind {
        ChatType::Private => true,
        ChatType::Group | ChatType::Supergroup => {
            from_bot || rights.is_some_and(|r| r.can_delete_messages)
        }
        ChatType::Channel => rights.is_some_and(|r| r.can_delete_messages || r.can_post_messages),
    }
}

pub(crate) fn delete_message(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.existing_chat_id(inner)?;
    let message_id = params.message_id()?;
    let not_found = || ApiError::bad_request("message to delete not found");
    let message = inner
        .chat(chat_id)
        .and_then(|c| c.messages.get(&message_id))
        .cloned()
        .ok_or_else(not_found)?;
    if !may_delete(inner, chat_id, &message) {
        return Err(ApiError::bad_request("message can't be deleted"));
    }
    if let Some(chat) = inner.chat_mut(chat_id) {
        chat.messages.remove(&message_id);
    }
    ok(true)
}

pub(crate) fn delete_messages(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.existing_chat_id(inner)?;
    let ids: Vec<i64> = params
        .typed("message_ids")?
        .ok_or_else(|| ApiError::bad_request("message identifier is not specified"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(ApiError::bad_request("message identifier is not specified"));
    }
    for id in ids {
        let message = inner
            .chat(chat_id)
            .and_then(|c| c.messages.get(&id))
            .cloned();
        if let Some(message) = message {
            if may_delete(inner, chat_id, &message) {
                if let Some(chat) = inner.chat_mut(chat_id) {
                    chat.messages.remove(&id);
                }
            }
        }
    }
    ok(true)
}

pub(crate) fn edit_message_text(inner: &mut Inner, params: &Params) -> MethodResult {
    if params
        .str("inline_message_id")
        .is_some_and(|s| !s.is_empty())
    {
        text(params)?;
        return ok(true);
    }
    let chat_id = params.existing_chat_id(inner)?;
    let message_id = params.message_id()?;
    let text = text(params)?;
    let entities = params.json("entities")?;
    let markup = inline_markup(params)?;
    let old = inner
        .chat(chat_id)
        .and_then(|c| c.messages.get(&message_id))
        .cloned()
        .ok_or_else(|| ApiError::bad_request("message to edit not found"))?;
    let bot_id = inner.bot.id;
    let own = match inner.chat(chat_id).map(|c| c.chat.kind) {
        Some(ChatType::Channel) => inner
            .bot_status(chat_id)
            .and_then(|s| s.rights())
            .is_some_and(|r| r.can_edit_messages || r.can_post_messages),
        _ => old.pointer("/from/id").and_then(Value::as_i64) == Some(bot_id),
    };
    if !own || old.get("text").is_none() {
        return Err(ApiError::bad_request("message can't be edited"));
    }
    let same = old.get("text").and_then(Value::as_str) == Some(text.as_str())
        && old.get("entities") == entities.as_ref()
        && old.get("reply_markup") == markup.as_ref();
    if same {
        return Err(ApiError::bad_request(NOT_MODIFIED));
    }
    let mut message = old;
    if let Some(map) = message.as_object_mut() {
        map.insert("edit_date".into(), now().into());
        map.insert("text".into(), text.into());
        match entities {
            Some(entities) => map.insert("entities".into(), entities),
            None => map.remove("entities"),
        };
        match markup {
            Some(markup) => map.insert("reply_markup".into(), markup),
            None => map.remove("reply_markup"),
        };
    }
    if let Some(chat) = inner.chat_mut(chat_id) {
        chat.messages.insert(message_id, message.clone());
    }
    ok(message)
}

pub(crate) fn send_chat_action(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.chat_id(inner)?;
    let action = params.str("action").unwrap_or_default();
    if !CHAT_ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::bad_request("wrong parameter action in request"));
    }
    check_can_send(inner, chat_id)?;
    ok(true)
}

pub(crate) fn answer_callback_query(params: &Params) -> MethodResult {
    let id = params.str("callback_query_id").unwrap_or_default();
    if id.trim().is_empty() {
        return Err(ApiError::bad_request(
            "query is too old and response timeout expired or query id is invalid",
        ));
    }
    if params.str("text").is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::bad_request("MESSAGE_TOO_LONG"));
    }
    ok(true)
}
