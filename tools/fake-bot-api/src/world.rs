//! `World`: a cheap handle to inspect and change the modelled Telegram world while the fake runs.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::methods::commands::scope_key;
use crate::model::{BotCommand, Chat, ChatPermissions, ChatType, MemberStatus, User, WebhookInfo};
use crate::state::{now, ChatState, Shared};

/// A handle to the world behind a running fake. Cloning is cheap; all clones see the same world.
#[derive(Clone)]
pub struct World {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World").finish_non_exhaustive()
    }
}

impl World {
    /// The bot itself.
    pub fn bot(&self) -> User {
        self.shared.lock().bot.clone()
    }

    /// Adds or replaces a user.
    pub fn add_user(&self, user: User) {
        self.shared.lock().users.insert(user.id, user);
    }

    /// Removes a user and their private chat with the bot: Telegram then knows no such chat
    /// (sends to it fail with 400 "chat not found").
    pub fn remove_user(&self, user_id: i64) -> Option<User> {
        let mut inner = self.shared.lock();
        inner.chats.remove(&user_id);
        inner.users.remove(&user_id)
    }

    /// Adds a user with their private chat with the bot (as if they had started it).
    pub fn add_user_with_chat(&self, user: User) {
        let mut inner = self.shared.lock();
        inner
            .chats
            .entry(user.id)
            .or_insert_with(|| ChatState::new(Chat::private(&user)));
        inner.users.insert(user.id, user);
    }

    pub fn user(&self, user_id: i64) -> Option<User> {
        self.shared.lock().users.get(&user_id).cloned()
    }

    pub fn users(&self) -> Vec<User> {
        self.shared.lock().users.values().cloned().collect()
    }

    /// Adds a chat, or replaces its description while keeping its members and messages.
    pub fn add_chat(&self, chat: Chat) {
        let mut inner = self.shared.lock();
        match inner.chats.get_mut(&chat.id) {
            Some(existing) => existing.chat = chat,
            None => {
                inner.chats.insert(chat.id, ChatState::new(chat));
            }
        }
    }

    /// Adds the private chat with a known user (as if they had pressed Start). Returns false if
    /// the user is unknown.
    pub fn add_private_chat(&self, user_id: i64) -> bool {
        let Some(user) = self.user(user_id) else {
            return false;
        };
        self.add_chat(Chat::private(&user));
        true
    }

    /// Removes a chat with everything in it.
    pub fn remove_chat(&self, chat_id: i64) -> Option<Chat> {
        self.shared.lock().chats.remove(&chat_id).map(|c| c.chat)
    }

    pub fn chat(&self, chat_id: i64) -> Option<Chat> {
        self.shared.lock().chat(chat_id).map(|c| c.chat.clone())
    }

    pub fn chats(&self) -> Vec<Chat> {
        let inner = self.shared.lock();
        inner.chats.values().map(|c| c.chat.clone()).collect()
    }

    /// Sets a group's default member permissions. Returns false if the chat is unknown.
    pub fn set_permissions(&self, chat_id: i64, permissions: ChatPermissions) -> bool {
        let mut inner = self.shared.lock();
        match inner.chat_mut(chat_id) {
            Some(chat) => {
                chat.chat.permissions = permissions;
                true
            }
            None => false,
        }
    }

    /// Sets a user's status in a chat (the bot's own rights are set the same way, with the bot's
    /// id). Returns false if the chat is unknown.
    pub fn set_member(&self, chat_id: i64, user_id: i64, status: MemberStatus) -> bool {
        let mut inner = self.shared.lock();
        match inner.chat_mut(chat_id) {
            Some(chat) => {
                chat.members.insert(user_id, status);
                true
            }
            None => false,
        }
    }

    /// The current status of a user in a chat (expired restrictions and bans lapsed), or `None`
    /// if the chat is unknown or has no record of the user. In a private chat the user and the
    /// bot are members.
    /// Whether `sender_chat_id` is banned from posting in `chat_id` on its own behalf.
    pub fn sender_chat_banned(&self, chat_id: i64, sender_chat_id: i64) -> bool {
        self.shared
            .lock()
            .chat(chat_id)
            .is_some_and(|c| c.banned_sender_chats.contains(&sender_chat_id))
    }

    pub fn member(&self, chat_id: i64, user_id: i64) -> Option<MemberStatus> {
        let inner = self.shared.lock();
        let chat = inner.chat(chat_id)?;
        if chat.chat.kind != ChatType::Private && !chat.members.contains_key(&user_id) {
            return None;
        }
        inner.member_status(chat_id, user_id)
    }

    /// Every recorded membership of a chat, by user id.
    pub fn members(&self, chat_id: i64) -> Vec<(i64, MemberStatus)> {
        let inner = self.shared.lock();
        let now = now();
        inner
            .chat(chat_id)
            .map(|chat| {
                chat.members
                    .iter()
                    .map(|(id, status)| (*id, status.clone().settled(now)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Puts a text message from `from_user_id` into a chat (without queueing an update), as if a
    /// user had written it. Returns the `Message` JSON, or `None` if the chat or user is unknown.
    pub fn add_message(&self, chat_id: i64, from_user_id: i64, text: &str) -> Option<Value> {
        let mut inner = self.shared.lock();
        let from = inner.users.get(&from_user_id).cloned()?;
        let mut fields = Map::new();
        fields.insert("text".into(), text.into());
        inner.store_message(chat_id, Some(&from), fields)
    }

    /// Puts a message as Telegram delivered it (an update's `message`, with its own id) into its
    /// chat, so the bot can delete, edit or reply to it like any other; later messages get
    /// higher ids. `false` if it names no known chat or has no id.
    pub fn record_message(&self, message: &Value) -> bool {
        let (Some(chat_id), Some(message_id)) = (
            message["chat"]["id"].as_i64(),
            message["message_id"].as_i64(),
        ) else {
            return false;
        };
        let mut inner = self.shared.lock();
        let Some(chat) = inner.chat_mut(chat_id) else {
            return false;
        };
        chat.messages.insert(message_id, message.clone());
        chat.next_message_id = chat.next_message_id.max(message_id + 1);
        true
    }

    /// The messages currently in a chat (deleted ones are gone), oldest first.
    pub fn messages(&self, chat_id: i64) -> Vec<Value> {
        let inner = self.shared.lock();
        inner
            .chat(chat_id)
            .map(|chat| chat.messages.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn message(&self, chat_id: i64, message_id: i64) -> Option<Value> {
        let inner = self.shared.lock();
        inner.chat(chat_id)?.messages.get(&message_id).cloned()
    }

    /// The users whose request to join `chat_id` is pending, by id.
    pub fn join_requests(&self, chat_id: i64) -> Vec<i64> {
        let inner = self.shared.lock();
        inner
            .chat(chat_id)
            .map(|c| c.join_requests.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The invite links the bot created in `chat_id` (`ChatInviteLink` objects), oldest first.
    pub fn invite_links(&self, chat_id: i64) -> Vec<Value> {
        let inner = self.shared.lock();
        inner
            .chat(chat_id)
            .map(|c| c.invite_links.clone())
            .unwrap_or_default()
    }

    /// Marks a user as having blocked the bot (sends to them then fail with 403).
    pub fn set_blocked(&self, user_id: i64, blocked: bool) {
        let mut inner = self.shared.lock();
        if blocked {
            inner.blocked.insert(user_id);
        } else {
            inner.blocked.remove(&user_id);
        }
    }

    /// The webhook as last set, with the current pending update count.
    pub fn webhook_info(&self) -> WebhookInfo {
        let inner = self.shared.lock();
        WebhookInfo {
            pending_update_count: inner.updates.len(),
            ..inner.webhook.clone()
        }
    }

    /// Records a delivery error that `getWebhookInfo` reports.
    pub fn set_webhook_error(&self, date: i64, message: &str) {
        let mut inner = self.shared.lock();
        inner.webhook.last_error_date = Some(date);
        inner.webhook.last_error_message = Some(message.to_owned());
    }

    pub fn clear_webhook_error(&self) {
        let mut inner = self.shared.lock();
        inner.webhook.last_error_date = None;
        inner.webhook.last_error_message = None;
    }

    /// The commands set for exactly this scope (a `BotCommandScope` object, e.g.
    /// `{"type":"default"}`) and language code (`""` for all languages).
    pub fn my_commands(&self, scope: &Value, language_code: &str) -> Vec<BotCommand> {
        let Ok(key) = scope_key(Some(scope)) else {
            return Vec::new();
        };
        let inner = self.shared.lock();
        inner
            .commands
            .get(&(key, language_code.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Updates queued for `getUpdates` and not yet confirmed.
    pub fn pending_updates(&self) -> Vec<Value> {
        self.shared.lock().updates.iter().cloned().collect()
    }
}
