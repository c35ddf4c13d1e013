//! The shared mutable state behind the server, the `World` handle and `FakeBotApi`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::faults::Fault;
use crate::model::{BotCommand, Chat, ChatType, MemberStatus, User, WebhookInfo};
use crate::wire;
use crate::RecordedCall;

/// State shared by the server task and every handle.
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    /// Woken whenever the update queue or the polling situation changes.
    pub(crate) updates_changed: Notify,
}

impl Shared {
    pub(crate) fn new(inner: Inner) -> Arc<Shared> {
        Arc::new(Shared {
            inner: Mutex::new(inner),
            updates_changed: Notify::new(),
        })
    }

    /// Locks the state; a panic in another holder does not poison it for the tests.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One chat with its members and the messages currently in it.
#[derive(Clone, Debug)]
pub(crate) struct ChatState {
    pub chat: Chat,
    pub members: BTreeMap<i64, MemberStatus>,
    pub messages: BTreeMap<i64, Value>,
    pub next_message_id: i64,
    /// Chats banned from posting here on their own behalf (`banChatSenderChat`).
    pub banned_sender_chats: std::collections::BTreeSet<i64>,
    /// Users whose request to join is pending (`chat_join_request`), until approved or declined.
    pub join_requests: BTreeSet<i64>,
    /// The invite links the bot created (`createChatInviteLink`), oldest first.
    pub invite_links: Vec<Value>,
}

impl ChatState {
    pub fn new(chat: Chat) -> ChatState {
        ChatState {
            chat,
            members: BTreeMap::new(),
            messages: BTreeMap::new(),
            banned_sender_chats: Default::default(),
            join_requests: BTreeSet::new(),
            invite_links: Vec::new(),
            next_message_id: 1,
        }
    }

    /// Hands out the next message id of this chat.
    pub fn take_message_id(&mut self) -> i64 {
        let id = self.next_message_id;
        self.next_message_id += 1;
        id
    }
}

pub(crate) struct Inner {
    pub token: String,
    pub bot: User,
    pub users: BTreeMap<i64, User>,
    pub chats: BTreeMap<i64, ChatState>,
    /// Users who blocked the bot.
    pub blocked: BTreeSet<i64>,
    pub updates: VecDeque<Value>,
    pub next_update_id: i64,
    pub webhook: WebhookInfo,
    /// Keyed by (scope key, language code).
    pub commands: BTreeMap<(String, String), Vec<BotCommand>>,
    pub calls: Vec<RecordedCall>,
    pub faults: Vec<Fault>,
    /// Bumped by every getUpdates call, so an older long poll knows it was superseded.
    pub poll_generation: u64,
    pub closing: bool,
    pub echo_calls: bool,
    /// The last file id handed out (uploads get fresh ids).
    pub last_file_id: u64,
}

impl Inner {
    /// A fresh number for a file id.
    pub fn next_file_id(&mut self) -> u64 {
        self.last_file_id += 1;
        self.last_file_id
    }

    pub fn new(token: String, bot: User) -> Inner {
        let mut users = BTreeMap::new();
        users.insert(bot.id, bot.clone());
        Inner {
            token,
            bot,
            users,
            chats: BTreeMap::new(),
            blocked: BTreeSet::new(),
            updates: VecDeque::new(),
            next_update_id: 1,
            webhook: WebhookInfo::default(),
            commands: BTreeMap::new(),
            calls: Vec::new(),
            faults: Vec::new(),
            poll_generation: 0,
            closing: false,
            echo_calls: false,
            last_file_id: 0,
        }
    }

    pub fn chat(&self, chat_id: i64) -> Option<&ChatState> {
        self.chats.get(&chat_id)
    }

    pub fn chat_mut(&mut self, chat_id: i64) -> Option<&mut ChatState> {
        self.chats.get_mut(&chat_id)
    }

    /// The current status of `user_id` in `chat_id`, with expired restrictions lapsed.
    /// In a private chat the user and the bot are members. `None` if the chat is unknown.
    pub fn member_status(&self, chat_id: i64, user_id: i64) -> Option<MemberStatus> {
        let chat = self.chat(chat_id)?;
        if chat.chat.kind == ChatType::Private {
            return Some(if user_id == chat_id || user_id == self.bot.id {
                MemberStatus::member()
            } else {
                MemberStatus::Left
            });
        }
        let status = chat
            .members
            .get(&user_id)
            .cloned()
            .unwrap_or(MemberStatus::Left);
        Some(status.settled(now()))
    }

    /// The bot's own status in a chat.
    pub fn bot_status(&self, chat_id: i64) -> Option<MemberStatus> {
        self.member_status(chat_id, self.bot.id)
    }

    /// Finds a public chat by `@username` (case-insensitive).
    pub fn chat_by_username(&self, username: &str) -> Option<i64> {
        let wanted = username.trim_start_matches('@');
        self.chats
            .values()
            .find(|c| {
                c.chat.kind != ChatType::Private
                    && c.chat
                        .username
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case(wanted))
            })
            .map(|c| c.chat.id)
    }

    /// Stores a new message in a chat: assigns `message_id`, `date`, `chat` and the sender
    /// (`from`, or `sender_chat` for channel posts), then adds `fields` (text, entities...).
    /// Returns the stored `Message` JSON, or `None` if the chat is unknown.
    pub fn store_message(
        &mut self,
        chat_id: i64,
        from: Option<&User>,
        fields: Map<String, Value>,
    ) -> Option<Value> {
        let chat = self.chats.get_mut(&chat_id)?;
        let message_id = chat.take_message_id();
        let mut map = Map::new();
        map.insert("message_id".into(), message_id.into());
        let chat_json = wire::chat(&chat.chat);
        match (chat.chat.kind, from) {
            (ChatType::Channel, _) => {
                map.insert("sender_chat".into(), chat_json.clone());
            }
            (_, Some(user)) => {
                map.insert("from".into(), wire::user(user));
            }
            (_, None) => {}
        }
        map.insert("chat".into(), chat_json);
        map.insert("date".into(), now().into());
        map.extend(fields);
        let message = Value::Object(map);
        chat.messages.insert(message_id, message.clone());
        Some(message)
    }

    /// Queues an update, assigning `update_id` if missing.
    pub fn push_update(&mut self, mut update: Value) -> Value {
        let given = update.get("update_id").and_then(Value::as_i64);
        let id = match given {
            Some(id) => id,
            None => self.next_update_id,
        };
        self.next_update_id = self.next_update_id.max(id + 1);
        if let Some(map) = update.as_object_mut() {
            map.insert("update_id".into(), id.into());
        }
        self.updates.push_back(update.clone());
        update
    }
}

/// Unix time in seconds.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
