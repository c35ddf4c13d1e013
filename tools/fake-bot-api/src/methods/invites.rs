//! Join requests and invite links: approveChatJoinRequest, declineChatJoinRequest,
//! createChatInviteLink. Each needs the bot to be an administrator with `can_invite_users`.

use serde_json::{Map, Value};

use crate::model::ChatType;
use crate::params::Params;
use crate::reply::{ok, ApiError, MethodResult};
use crate::state::Inner;
use crate::wire;

/// Telegram's refusal when the bot may not invite users (or decide join requests) in `chat_id`.
fn bot_may_invite(inner: &Inner, chat_id: i64) -> Result<(), ApiError> {
    let can_invite = inner
        .bot_status(chat_id)
        .and_then(|s| s.rights())
        .is_some_and(|r| r.can_invite_users);
    if can_invite {
        Ok(())
    } else {
        Err(ApiError::bad_request("CHAT_ADMIN_REQUIRED"))
    }
}

/// The checks approving and declining share; returns (chat id, user id) of a pending request,
/// which is taken off the chat's list.
fn take_request(inner: &mut Inner, params: &Params) -> Result<(i64, i64), ApiError> {
    let chat_id = params.existing_chat_id(inner)?;
    if inner.chat(chat_id).map(|c| c.chat.kind) == Some(ChatType::Private) {
        return Err(ApiError::bad_request("chat_id is invalid"));
    }
    let user_id = params.user_id()?;
    bot_may_invite(inner, chat_id)?;
    if !inner.users.contains_key(&user_id) {
        return Err(ApiError::user_not_found());
    }
    let pending = inner
        .chat_mut(chat_id)
        .is_some_and(|c| c.join_requests.remove(&user_id));
    if !pending {
        return Err(ApiError::bad_request("HIDE_REQUESTER_MISSING"));
    }
    Ok((chat_id, user_id))
}

/// approveChatJoinRequest: the requester becomes a member (reported as a `chat_member` update
/// when the bot asked for those). One already in the chat is refused with
/// USER_ALREADY_PARTICIPANT (the request is gone either way).
pub(crate) fn approve(inner: &mut Inner, params: &Params) -> MethodResult {
    let (chat_id, user_id) = take_request(inner, params)?;
    let present = inner
        .member_status(chat_id, user_id)
        .is_some_and(|s| s.is_present());
    if present {
        return Err(ApiError::bad_request("USER_ALREADY_PARTICIPANT"));
    }
    super::moderation::set(
        inner,
        chat_id,
        user_id,
        crate::model::MemberStatus::member(),
    );
    ok(true)
}

/// declineChatJoinRequest: the request is dropped; the user stays out.
pub(crate) fn decline(inner: &mut Inner, params: &Params) -> MethodResult {
    take_request(inner, params)?;
    ok(true)
}

/// createChatInviteLink: a new additional link of the chat, made by the bot, kept in the chat's
/// list of links.
pub(crate) fn create_invite_link(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.existing_chat_id(inner)?;
    if inner.chat(chat_id).map(|c| c.chat.kind) == Some(ChatType::Private) {
        return Err(ApiError::bad_request(
            "can't invite members to a private chat",
        ));
    }
    bot_may_invite(inner, chat_id)?;
    let creates_join_request = params.flag("creates_join_request");
    let member_limit = params
        .int("member_limit")
        .map_err(|()| ApiError::bad_request("invalid member_limit specified"))?;
    if creates_join_request && member_limit.is_some() {
        return Err(ApiError::bad_request(
            "member limit can't be specified for links requiring administrator approval",
        ));
    }
    let serial = inner.next_file_id();
    let mut link = Map::new();
    link.insert(
        "invite_link".into(),
        format!("https://t.me/+fake{:x}{serial:04}", chat_id.unsigned_abs()).into(),
    );
    link.insert("creator".into(), wire::user(&inner.bot));
    link.insert("creates_join_request".into(), creates_join_request.into());
    link.insert("is_primary".into(), false.into());
    link.insert("is_revoked".into(), false.into());
    if let Some(name) = params.str("name") {
        if name.chars().count() > 32 {
            return Err(ApiError::bad_request("invite link name is too long"));
        }
        link.insert("name".into(), name.into());
    }
    if let Ok(Some(expire)) = params.int("expire_date") {
        link.insert("expire_date".into(), expire.into());
    }
    if let Some(limit) = member_limit {
        link.insert("member_limit".into(), limit.into());
    }
    let link = Value::Object(link);
    if let Some(chat) = inner.chat_mut(chat_id) {
        chat.invite_links.push(link.clone());
    }
    ok(link)
}
