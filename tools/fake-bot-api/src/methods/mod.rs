//! The Bot API methods the fake implements, and their dispatch.

pub(crate) mod chats;
pub(crate) mod commands;
pub(crate) mod invites;
pub(crate) mod messages;
pub(crate) mod moderation;
pub(crate) mod updates;
pub(crate) mod webhook;

use crate::params::Params;
use crate::reply::{ok, ApiError, MethodResult};
use crate::state::Inner;
use crate::wire;

/// Every implemented method, in Telegram's canonical camelCase.
pub const METHODS: &[&str] = &[
    "getMe",
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "deleteMessage",
    "deleteMessages",
    "editMessageText",
    "sendChatAction",
    "answerCallbackQuery",
    "getChat",
    "getChatMember",
    "getChatMemberCount",
    "getChatAdministrators",
    "restrictChatMember",
    "banChatMember",
    "banChatSenderChat",
    "unbanChatMember",
    "approveChatJoinRequest",
    "declineChatJoinRequest",
    "createChatInviteLink",
    "setWebhook",
    "getWebhookInfo",
    "deleteWebhook",
    "getUpdates",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
];

/// The canonical name of a method given in any letter case (`SendMessage` -> `sendMessage`).
pub(crate) fn canonical(name: &str) -> Option<&'static str> {
    METHODS
        .iter()
        .copied()
        .find(|m| m.eq_ignore_ascii_case(name))
}

/// Runs a method that completes without waiting (everything except `getUpdates`).
pub(crate) fn call(inner: &mut Inner, method: &str, params: &Params) -> MethodResult {
    match method {
        "getMe" => ok(wire::me(&inner.bot)),
        "sendMessage" => messages::send_message(inner, params),
        "sendDocument" => messages::send_file(inner, params, "document"),
        "sendPhoto" => messages::send_file(inner, params, "photo"),
        "deleteMessage" => messages::delete_message(inner, params),
        "deleteMessages" => messages::delete_messages(inner, params),
        "editMessageText" => messages::edit_message_text(inner, params),
        "sendChatAction" => messages::send_chat_action(inner, params),
        "answerCallbackQuery" => messages::answer_callback_query(params),
        "getChat" => chats::get_chat(inner, params),
        "getChatMember" => chats::get_chat_member(inner, params),
        "getChatMemberCount" => chats::get_chat_member_count(inner, params),
        "getChatAdministrators" => chats::get_chat_administrators(inner, params),
        "restrictChatMember" => moderation::restrict(inner, params),
        "banChatMember" => moderation::ban(inner, params),
        "unbanChatMember" => moderation::unban(inner, params),
        "banChatSenderChat" => moderation::ban_sender_chat(inner, params),
        "approveChatJoinRequest" => invites::approve(inner, params),
        "declineChatJoinRequest" => invites::decline(inner, params),
        "createChatInviteLink" => invites::create_invite_link(inner, params),
        "setWebhook" => webhook::set_webhook(inner, params),
        "getWebhookInfo" => webhook::get_webhook_info(inner),
        "deleteWebhook" => webhook::delete_webhook(inner, params),
        "setMyCommands" => commands::set_my_commands(inner, params),
        "getMyCommands" => commands::get_my_commands(inner, params),
        "deleteMyCommands" => commands::delete_my_commands(inner, params),
        _ => Err(ApiError::not_found()),
    }
}
