//! A minimal view of a Telegram update: just what the webhook needs to route it, and what a
//! route's middleware needs to let a message through from the sandbox's memory
//! (`Middleware::passes_early`).
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
    #[serde(default)]
    pub chat_join_request: Option<JoinRequestView>,
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
    #[serde(default)]
    pub is_bot: bool,
}

#[derive(Debug, Deserialize)]
pub struct EntityView {
    #[serde(rename = "type")]
    pub kind: String,
    /// In UTF-16 code units, as Telegram counts.
    pub offset: usize,
    #[serde(default)]
    pub length: usize,
}

#[derive(Debug, Deserialize)]
pub struct MessageView {
    pub chat: ChatView,
    #[serde(default)]
    pub from: Option<UserView>,
    /// Present when the message was posted as a chat (a channel, the group itself): only
    /// whether it is there is read.
    #[serde(default)]
    pub sender_chat: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub entities: Vec<EntityView>,
    #[serde(default)]
    pub new_chat_members: Option<Vec<serde::de::IgnoredAny>>,
    #[serde(default)]
    pub migrate_to_chat_id: Option<i64>,
    #[serde(default)]
    pub migrate_from_chat_id: Option<i64>,
}

impl MessageView {
    /// The command at the start of the message, split into name and `@target` (lower-cased
    /// name; Telegram commands are case-insensitive), and the rest of the text as arguments.
    pub fn command(&self) -> Option<CommandView<'_>> {
        let text = self.text.as_deref()?;
        let entity = self
            .entities
            .iter()
            .find(|e| e.kind == "bot_command" && e.offset == 0)?;
        if !text.starts_with('/') {
            return None;
        }
        // The entity's extent is the command: `/help.` or `/start,now` end before the punctuation.
        let end = utf16_to_byte_index(text, entity.length);
        let (token, args) = (&text[1..end.max(1)], text[end..].trim());
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

/// The byte index of the UTF-16 offset `units` in `text` (clamped to the text's end).
fn utf16_to_byte_index(text: &str, units: usize) -> usize {
    let mut seen = 0;
    for (i, c) in text.char_indices() {
        if seen >= units {
            return i;
        }
        seen += c.len_utf16();
    }
    text.len()
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
    #[serde(default)]
    pub from: Option<UserView>,
    #[serde(default)]
    pub message: Option<CallbackMessageView>,
}

/// The message a callback button was on: only its chat.
#[derive(Debug, Deserialize)]
pub struct CallbackMessageView {
    pub chat: ChatView,
}

#[derive(Debug, Deserialize)]
pub struct MemberUpdateView {
    pub chat: ChatView,
    #[serde(default)]
    pub from: Option<UserView>,
}

/// A `chat_join_request`: the chat asked to join.
#[derive(Debug, Deserialize)]
pub struct JoinRequestView {
    pub chat: ChatView,
    /// The user asking to join.
    #[serde(default)]
    pub from: Option<UserView>,
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
        if let Some(r) = &self.chat_join_request {
            return Some(r.chat.id);
        }
        None
    }

    /// The kind of update (its field's name in Telegram's `Update`), for the interaction log.
    pub fn kind(&self) -> &'static str {
        if self.message.is_some() {
            "message"
        } else if self.edited_message.is_some() {
            "edited_message"
        } else if self.callback_query.is_some() {
            "callback_query"
        } else if self.chat_member.is_some() {
            "chat_member"
        } else if self.my_chat_member.is_some() {
            "my_chat_member"
        } else if self.chat_join_request.is_some() {
            "chat_join_request"
        } else {
            "other"
        }
    }

    /// The chat an update happened in, callback presses included (their button's message's
    /// chat): where the interaction log files it.
    pub fn log_chat_id(&self) -> Option<i64> {
        self.chat_id().or_else(|| {
            let press = self.callback_query.as_ref()?;
            Some(press.message.as_ref()?.chat.id)
        })
    }

    /// The user who caused the update (the sender, the presser, the admin who changed a member,
    /// the user asking to join).
    pub fn user_id(&self) -> Option<i64> {
        let message = self.message.as_ref().or(self.edited_message.as_ref());
        if let Some(m) = message {
            return m.from.as_ref().map(|u| u.id);
        }
        if let Some(press) = &self.callback_query {
            return press.from.as_ref().map(|u| u.id);
        }
        if let Some(request) = &self.chat_join_request {
            return request.from.as_ref().map(|u| u.id);
        }
        let change = self.chat_member.as_ref().or(self.my_chat_member.as_ref());
        change.and_then(|c| c.from.as_ref().map(|u| u.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(text: &str, command_len: usize) -> MessageView {
        serde_json::from_value(json!({
            "chat": {"id": 1, "type": "private"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": command_len}]
        }))
        .expect("message")
    }

    #[test]
    fn the_command_is_the_entity_not_the_first_word() {
        let cases = [
            ("/help.", 5, "help", None, "."),
            ("/start,please", 6, "start", None, ",please"),
            (
                "/help@LambdagramBot, now",
                19,
                "help",
                Some("LambdagramBot"),
                ", now",
            ),
            ("/Start   x y", 6, "start", None, "x y"),
            ("/старт ok", 6, "старт", None, "ok"),
        ];
        for (text, len, name, target, args) in cases {
            let m = message(text, len);
            let c = m.command().expect(text);
            assert_eq!(
                (c.name.as_str(), c.target, c.args),
                (name, target, args),
                "{text}"
            );
        }
    }

    #[test]
    fn a_join_request_is_filed_under_its_kind_chat_and_requester() {
        let update: UpdateView = serde_json::from_value(json!({
            "update_id": 9,
            "chat_join_request": {
                "chat": {"id": -1_005, "type": "supergroup", "title": "G"},
                "from": {"id": 42, "is_bot": false, "first_name": "Dan"},
                "user_chat_id": 42, "date": 1_790_000_000
            }
        }))
        .expect("an update");
        assert_eq!(update.kind(), "chat_join_request");
        assert_eq!(update.log_chat_id(), Some(-1_005));
        assert_eq!(update.user_id(), Some(42));
    }

    #[test]
    fn no_command_without_a_leading_entity() {
        let m: MessageView = serde_json::from_value(json!({
            "chat": {"id": 1, "type": "private"}, "text": "/help", "entities": []
        }))
        .expect("message");
        assert!(m.command().is_none());
    }
}
