//! getChat, getChatMember, getChatMemberCount, getChatAdministrators.

use serde_json::Value;

use crate::model::{ChatType, MemberStatus};
use crate::params::Params;
use crate::reply::{ok, ApiError, MethodResult};
use crate::state::{now, Inner};
use crate::wire;

pub(crate) fn get_chat(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.existing_chat_id(inner)?;
    let chat = inner.chat(chat_id).ok_or_else(ApiError::chat_not_found)?;
    ok(wire::chat_full(&chat.chat))
}

/// In a channel, only administrators may see the member list.
fn check_member_list_access(inner: &Inner, chat_id: i64, kind: ChatType) -> Result<(), ApiError> {
    let bot_is_admin = inner.bot_status(chat_id).is_some_and(|s| s.is_privileged());
    if kind == ChatType::Channel && !bot_is_admin {
        return Err(ApiError::bad_request("member list is inaccessible"));
    }
    Ok(())
}

pub(crate) fn get_chat_member(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.existing_chat_id(inner)?;
    let user_id = params.user_id()?;
    let kind = inner
        .chat(chat_id)
        .map(|c| c.chat.kind)
        .ok_or_else(ApiError::chat_not_found)?;
    if user_id != inner.bot.id {
        check_member_list_access(inner, chat_id, kind)?;
    }
    let user = inner
        .users
        .get(&user_id)
        .cloned()
        .ok_or_else(ApiError::user_not_found)?;
    let status = inner
        .member_status(chat_id, user_id)
        .ok_or_else(ApiError::chat_not_found)?;
    ok(wire::member(&user, &status, kind))
}

pub(crate) fn get_chat_member_count(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.existing_chat_id(inner)?;
    let chat = inner.chat(chat_id).ok_or_else(ApiError::chat_not_found)?;
    if chat.chat.kind == ChatType::Private {
        return ok(2);
    }
    let now = now();
    let count = chat
        .members
        .values()
        .filter(|s| (*s).clone().settled(now).is_present())
        .count();
    ok(count)
}

pub(crate) fn get_chat_administrators(inner: &mut Inner, params: &Params) -> MethodResult {
    let chat_id = params.existing_chat_id(inner)?;
    let chat = inner.chat(chat_id).ok_or_else(ApiError::chat_not_found)?;
    let kind = chat.chat.kind;
    if kind == ChatType::Private {
        return Err(ApiError::bad_request(
            "there are no administrators in the private chat",
        ));
    }
    check_member_list_access(inner, chat_id, kind)?;
    let mut admins: Vec<(u8, Value)> = Vec::new();
    for (user_id, status) in &chat.members {
        let Some(user) = inner.users.get(user_id) else {
            continue;
        };
        let rank = match status {
            MemberStatus::Creator { .. } => 0,
            MemberStatus::Administrator(_) => 1,
            _ => continue,
        };
        admins.push((rank, wire::member(user, status, kind)));
    }
    admins.sort_by_key(|(rank, _)| *rank);
    ok(admins.into_iter().map(|(_, v)| v).collect::<Vec<_>>())
}
