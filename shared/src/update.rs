//! A minimal view of a Telegram update: just what the webhook needs to route it.
//!
//! Parsing into this view costs a fraction of a full `teloxide_core::types::Update` (which the
//! route functions use), and it tolerates every field Telegram may add.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct UpdateView {
    pub update_id: i64,
    #[serde(default)]
    pub message: Option<MessageView>,
    #[serde(default)]
    pub edited_message: Option<MessageView>,
    #[serde(default)]
    pub callback_query: Option<CallbackView>,
    #[serde(default)]
    pub chat_member: Option<MemberUpdateView>,
    #[serde(default)]
    pub my_chat_member: Option<MemberUpdateView>,
}

#[derive(Debug, Deserialize)]
pub struct ChatView {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
}

impl ChatView {
    pub fn is_private(&self) -> bool {
        self.kind == "private"
    }
    pub fn is_group(&self) -> bool {
        self.kind == "group" || self.kind == "supergroup"
    }
}

#[derive(Debug, Deserialize)]
pub struct UserView {
    pub id: i64,
}

#[derive(Debug, Deserialize)]
pub struct EntityView {
    #[serde(rename = "type")]
    pub kind: String,
    pub offset: usize,
}

#[derive(Debug, Deserialize)]
pub struct MessageView {
    pub chat: ChatView,
    #[serde(default)]
    pub from: Option<UserView>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub entities: Vec<EntityView>,
    #[serde(default)]
    pub new_chat_members: Option<Vec<serde::de::IgnoredAny>>,
}

impl MessageView {
    /// The command at the start of the message, split into name and `@target` (lower-cased
    /// name; Telegram commands are case-insensitive), and the rest of the text as arguments.
    pub fn command(&self) -> Option<CommandView<'_>> {
        let text = self.text.as_deref()?;
        let starts_with_command = self
            .entities
            .iter()
            .any(|e| e.kind == "bot_command" && e.offset == 0);
        if !starts_with_command || !text.starts_with('/') {
            return None;
        }
        let (token, args) = match text.find(char::is_whitespace) {
            Some(i) => (&text[1..i], text[i..].trim()),
            None => (&text[1..], ""),
        };
        let (name, target) = match token.split_once('@') {
            Some((n, t)) => (n, Some(t)),
            None => (token, None),
        };
        if name.is_empty() {
            return None;
        }
        Some(CommandView {
            name: name.to_ascii_lowercase(),
            target,
            args,
        })
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct CommandView<'a> {
    pub name: String,
    pub target: Option<&'a str>,
    pub args: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct CallbackView {
    #[serde(default)]
    pub data: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct MemberUpdateView {
    pub chat: ChatView,
}

impl UpdateView {
    /// The chat the update belongs to, for logs.
    pub fn chat_id(&self) -> Option<i64> {
        if let Some(m) = self.message.as_ref().or(self.edited_message.as_ref()) {
            return Some(m.chat.id);
        }
        if let Some(m) = self.chat_member.as_ref().or(self.my_chat_member.as_ref()) {
            return Some(m.chat.id);
        }
        None
    }
}
