//! restrictChatMember, banChatMember, unbanChatMember, banChatSenderChat (and the status
//! changes approving a join request shares).

use serde_json::json;

use crate::model::{ChatPermissions, ChatType, MemberStatus};
use crate::params::Params;
use crate::reply::{ok, ApiError, MethodResult};
use crate::state::{now, Inner};
use crate::wire;

/// Restrictions shorter than 30 seconds or longer than 366 days are forever (`0`).
fn normalize_until(until: Option<i64>, now: i64) -> i64 {
    match until {
        Some(until) if until > now + 30 && until <= now + 366 * 24 * 3600 => until,
        _ => 0,
    }
}

/// Telegram's refusal when the bot may not ban or restrict in `chat_id`.
fn bot_may_restrict(inner: &Inner, chat_id: i64) -> Result<(), ApiError> {
    let can_restrict = inner
        .bot_status(chat_id)
        .and_then(|s| s.rights())
        .is_some_and(|r| r.can_restrict_members);
    if can_restrict {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "not enough rights to restrict/unrestrict chat member",
        ))
    }
}

/// The type of the existing chat `chat_id`.
fn chat_kind(inner: &Inner, chat_id: i64) -> Result<ChatType, ApiError> {
    inner
        .chat(chat_id)
        .map(|c| c.chat.kind)
        .ok_or_else(ApiError::chat_not_found)
}

/// The checks every moderation method shares. Returns (chat id, user id, target's status).
fn prepare(
    inner: &Inner,
    params: &Params,
    supergroups_only: bool,
) -> Result<(i64, i64, MemberStatus), ApiError> {
    let chat_id = params.existing_chat_id(inner)?;
    let kind = chat_kind(inner, chat_id)?;
    if kind == ChatType::Private {
        return Err(ApiError::bad_request(
            "chat member status can't be changed in private chats",
        ));
    }
    if supergroups_only && kind != ChatType::Supergroup {
        return Err(ApiError::bad_request(
            "method is available only for supergroups",
        ));
    }
    let user_id = params.user_id()?;
    bot_may_restrict(inner, chat_id)?;
    if !inner.users.contains_key(&user_id) {
        return Err(ApiError::user_not_found());
    }
    let status = inner
        .member_status(chat_id, user_id)
        .ok_or_else(ApiError::chat_not_found)?;
    Ok((chat_id, user_id, status))
}

/// Sets a user's status. Like Telegram, a change the bot makes is reported back as a
/// `chat_member` update when the bot asked for those in `allowed_updates`.
pub(crate) fn set(inner: &mut Inner, chat_id: i64, user_id: i64, status: MemberStatus) {
    let old = inner.member_status(chat_id, user_id);
    let Some(chat) = inner.chat_mut(chat_id) else {
        return;
    };
    chat.members.insert(user_id, status.clone());
    let chat = chat.chat.clone();
    let wanted = inner
        .webhook
        .allowed_updates
        .as_ref()
        .is_some_and(|kinds| kinds.iter().any(|k| k == "chat_member"));
    let (Some(old), Some(user)) = (old, inner.users.get(&user_id)) else {
        return;
    };
    if !wanted || old == status {
        return;
    }
    let update = json!({
        "chat_member": {
            "chat": wire::chat(&chat),
            "from": wire::user(&inner.bot),
            "date": now(),
            "old_chat_member": wire::member(user, &old, chat.kind),
            "new_chat_member": wire::member(user, &status, chat.kind),
        }
    });
    inner.push_update(update);
}

pub(crate) fn restrict(inner: &mut Inner, params: &Params) -> MethodResult {
    let (chat_id, user_id, status) = prepare(inner, params, true)?;
    if user_id == inner.bot.id {
        return Err(ApiError::bad_request("can't restrict self"));
    }
    match status {
        MemberStatus::Creator { .. } => {
            return Err(ApiError::bad_request("can't remove chat owner"));
        }
        MemberStatus::Administrator(_) => {
            return Err(ApiError::bad_request(
                "user is an administrator of the chat",
            ));
        }
        _ => {}
    }
    let permissions: ChatPermissions = params
        .typed("permissions")?
        .ok_or_else(|| ApiError::bad_request("can't parse permissions JSON object"))?;
    let permissions = if params.flag("use_independent_chat_permissions") {
        permissions
    } else {
        permissions.with_implied()
    };
    let until = params.int_or("until_date", || {
        ApiError::bad_request("invalid until_date specified")
    })?;
    let is_member = status.is_present();
    let new_status = if permissions.is_all() {
        if is_member {
            MemberStatus::member()
        } else {
            MemberStatus::Left
        }
    } else {
        MemberStatus::Restricted {
            is_member,
            until_date: normalize_until(until, now()),
            permissions,
        }
    };
    set(inner, chat_id, user_id, new_status);
    ok(true)
}

pub(crate) fn ban(inner: &mut Inner, params: &Params) -> MethodResult {
    let (chat_id, user_id, status) = prepare(inner, params, false)?;
    match status {
        MemberStatus::Creator { .. } => Err(ApiError::bad_request("can't remove chat owner")),
        _ if user_id == inner.bot.id || status.is_privileged() => Err(ApiError::bad_request(
            "user is an administrator of the chat",
        )),
        _ => {
            let until = params.int_or("until_date", || {
                ApiError::bad_request("invalid until_date specified")
            })?;
            let until_date = normalize_until(until, now());
            set(inner, chat_id, user_id, MemberStatus::Kicked { until_date });
            ok(true)
        }
    }
}

pub(crate) fn unban(inner: &mut Inner, params: &Params) -> MethodResult {
    let (chat_id, user_id, status) = prepare(inner, params, false)?;
    let only_if_banned = params.flag("only_if_banned");
    match status {
        MemberStatus::Kicked { .. } => {
            set(inner, chat_id, user_id, MemberStatus::Left);
            ok(true)
        }
        _ if only_if_banned => ok(true),
        MemberStatus::Creator { .. } => Err(ApiError::bad_request("can't remove chat owner")),
        _ if status.is_privileged() => Err(ApiError::bad_request(
            "user is an administrator of the chat",
        )),
        MemberStatus::Left => ok(true),
        _ => {
            // Without only_if_banned, Telegram guarantees the user is no longer in the chat.
            set(inner, chat_id, user_id, MemberStatus::Left);
            ok(true)
        }
    }
}

/// banChatSenderChat: the chat `sender_chat_id` may no longer post in the group on its own
/// behalf (the bot needs the right to ban users there).
pub(crate) fn ban_sender_chat(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.existing_chat_id(inner)?;
    let kind = chat_kind(inner, chat_id)?;
    if kind == ChatType::Private {
        return Err(ApiError::bad_request(
            "method is not available for private chats",
        ));
    }
    let sender_chat_id = match params.int("sender_chat_id") {
        Ok(Some(id)) => id,
        Ok(None) => return Err(ApiError::bad_request("sender_chat_id is empty")),
        Err(()) => return Err(ApiError::bad_request("invalid sender_chat_id specified")),
    };
    bot_may_restrict(inner, chat_id)?;
    if let Some(chat) = inner.chat_mut(chat_id) {
        chat.banned_sender_chats.insert(sender_chat_id);
    }
    ok(json!(true))
}
