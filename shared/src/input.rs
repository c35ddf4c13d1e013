//! What a handler receives: the part of the update its route's trigger guarantees, read once by
//! the framework ([`FromUpdate`]). An update that does not carry it is rejected before any
//! middleware or handler runs (acknowledged and counted, like any rejected update).

use teloxide_core::types::{
    CallbackQuery, Chat, ChatId, ChatJoinRequest, ChatMemberUpdated, ChatMigration, Message,
    MessageKind, Update, UpdateKind, User,
};

use crate::i18n::Lang;
use crate::routes::Trigger;

/// Why an update is not a route's input: the rejection's reason (never message text).
pub type Mismatch = &'static str;

/// A handler's input, read from the update its route's `trigger` selected.
pub trait FromUpdate: Sized + Send + 'static {
    fn from_update(update: &Update, trigger: Trigger) -> Result<Self, Mismatch>;

    /// The input without reading the update at all, for an input that reads nothing of it
    /// (`()`): what lets the pipeline skip the full read when every middleware passes the
    /// update early (`Middleware::passes_early`). `None` for every input
    /// made from the update.
    fn unread() -> Option<Self> {
        None
    }
}

/// The raw update, for a handler that reads it itself.
impl FromUpdate for Update {
    fn from_update(update: &Update, _: Trigger) -> Result<Self, Mismatch> {
        Ok(update.clone())
    }
}

/// Nothing: for a handler that reads nothing of the update, because its route's middleware did
/// the work (the guard's group-message route). The update was still read, and routed by its
/// trigger; nothing of it is copied for the handler. The one input that never rejects: an
/// update without what the route's trigger promises reaches the middleware, which must check
/// what it reads (the guard's gate lets anything but a group message pass).
impl FromUpdate for () {
    fn from_update(_: &Update, _: Trigger) -> Result<Self, Mismatch> {
        Ok(())
    }

    fn unread() -> Option<Self> {
        Some(())
    }
}

/// The message of a message route: for [`Trigger::GroupMessage`] a message or an edit, for
/// [`Trigger::EditedMessage`] an edit, for the other message triggers a new message.
impl FromUpdate for Message {
    fn from_update(update: &Update, trigger: Trigger) -> Result<Self, Mismatch> {
        match (trigger, &update.kind) {
            (Trigger::GroupMessage, UpdateKind::Message(m) | UpdateKind::EditedMessage(m)) => {
                Ok(m.clone())
            }
            (Trigger::EditedMessage, UpdateKind::EditedMessage(m)) => Ok(m.clone()),
            (
                Trigger::Command { .. }
                | Trigger::UnknownPrivateCommand
                | Trigger::NewChatMembers
                | Trigger::ChatMigration
                | Trigger::Conversation,
                UpdateKind::Message(m),
            ) => Ok(m.clone()),
            _ => Err("a message route without its message"),
        }
    }
}

/// A command: its name and arguments as the sender wrote them, and its message (the chat, the
/// sender).
#[derive(Clone, Debug)]
pub struct Command {
    /// The first word without `/` and `@target`, as written (`/Start@Bot x` → `Start`).
    pub name: String,
    /// The text after the first word, trimmed.
    pub args: String,
    pub message: Message,
}

impl Command {
    pub fn chat(&self) -> &Chat {
        &self.message.chat
    }

    /// The user who sent it (for a message on behalf of a chat, the placeholder user Telegram
    /// names).
    pub fn from(&self) -> Option<&User> {
        self.message.from.as_ref()
    }

    /// The sender's language (`language_code`), English when unknown. Whether the bot speaks it
    /// is decided where a text is looked up (English when it does not).
    pub fn lang(&self) -> Lang {
        Lang::from_code(self.from().and_then(|u| u.language_code.as_deref()))
    }

    fn read(message: &Message) -> Option<Command> {
        let text = message.text()?;
        let first = text.split_whitespace().next().unwrap_or_default();
        let name = first.trim_start_matches('/');
        let name = name.split('@').next().unwrap_or(name);
        let args = text
            .split_once(char::is_whitespace)
            .map_or("", |(_, rest)| rest)
            .trim();
        Some(Command {
            name: name.to_owned(),
            args: args.to_owned(),
            message: message.clone(),
        })
    }
}

impl FromUpdate for Command {
    fn from_update(update: &Update, trigger: Trigger) -> Result<Self, Mismatch> {
        match (trigger, &update.kind) {
            (Trigger::Command { .. } | Trigger::UnknownPrivateCommand, UpdateKind::Message(m)) => {
                Command::read(m).ok_or("a command without text")
            }
            _ => Err("a command route without a message"),
        }
    }
}

/// A button press: the query, and its data after the route's prefix and `:`.
#[derive(Clone, Debug)]
pub struct Callback {
    pub query: CallbackQuery,
    /// What follows `prefix:` (empty for data that is the prefix alone).
    pub data: String,
}

impl Callback {
    /// The route's prefix.
    pub fn prefix(&self) -> &str {
        let full = self.query.data.as_deref().unwrap_or_default();
        full.split(':').next().unwrap_or_default()
    }
}

impl FromUpdate for Callback {
    fn from_update(update: &Update, trigger: Trigger) -> Result<Self, Mismatch> {
        let (Trigger::Callback { prefix }, UpdateKind::CallbackQuery(query)) =
            (trigger, &update.kind)
        else {
            return Err("a callback route without a callback query");
        };
        let full = query
            .data
            .as_deref()
            .ok_or("a callback query without data")?;
        let data = match full.strip_prefix(prefix) {
            Some("") => "",
            Some(rest) => rest
                .strip_prefix(':')
                .ok_or("a callback query of another prefix")?,
            None => return Err("a callback query of another prefix"),
        };
        Ok(Callback {
            data: data.to_owned(),
            query: query.clone(),
        })
    }
}

/// A member's status change: `chat_member` for [`Trigger::ChatMember`], the bot's own
/// (`my_chat_member`) for [`Trigger::MyChatMember`].
impl FromUpdate for ChatMemberUpdated {
    fn from_update(update: &Update, trigger: Trigger) -> Result<Self, Mismatch> {
        match (trigger, &update.kind) {
            (Trigger::ChatMember, UpdateKind::ChatMember(c))
            | (Trigger::MyChatMember, UpdateKind::MyChatMember(c)) => Ok(c.clone()),
            _ => Err("a member-change route without its member change"),
        }
    }
}

/// A request to join a chat ([`Trigger::ChatJoinRequest`]): the chat, the requester, and the
/// private chat (`user_chat_id`) the bot may write to until the request is decided.
impl FromUpdate for ChatJoinRequest {
    fn from_update(update: &Update, trigger: Trigger) -> Result<Self, Mismatch> {
        match (trigger, &update.kind) {
            (Trigger::ChatJoinRequest, UpdateKind::ChatJoinRequest(r)) => Ok(r.clone()),
            _ => Err("a join-request route without a join request"),
        }
    }
}

/// The `new_chat_members` service message.
#[derive(Clone, Debug)]
pub struct NewChatMembers {
    pub members: Vec<User>,
    pub message: Message,
}

impl FromUpdate for NewChatMembers {
    fn from_update(update: &Update, trigger: Trigger) -> Result<Self, Mismatch> {
        let (Trigger::NewChatMembers, UpdateKind::Message(message)) = (trigger, &update.kind)
        else {
            return Err("a new-members route without a message");
        };
        let MessageKind::NewChatMembers(joined) = &message.kind else {
            return Err("a new-members route without new chat members");
        };
        Ok(NewChatMembers {
            members: joined.new_chat_members.clone(),
            message: message.clone(),
        })
    }
}

/// A group upgraded to a supergroup, from either of its two service messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migration {
    /// The old group.
    pub from: ChatId,
    /// The supergroup it became.
    pub to: ChatId,
}

impl FromUpdate for Migration {
    fn from_update(update: &Update, trigger: Trigger) -> Result<Self, Mismatch> {
        let (Trigger::ChatMigration, UpdateKind::Message(message)) = (trigger, &update.kind) else {
            return Err("a migration route without a message");
        };
        match message.chat_migration() {
            Some(ChatMigration::To { chat_id }) => Ok(Migration {
                from: message.chat.id,
                to: *chat_id,
            }),
            Some(ChatMigration::From { chat_id }) => Ok(Migration {
                from: *chat_id,
                to: message.chat.id,
            }),
            None => Err("a migration route without a migration"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::Scope;
    use serde_json::{json, Value};

    fn update(kind: &str, body: Value) -> Update {
        let text = json!({"update_id": 1, kind: body}).to_string();
        serde_json::from_str(&text).expect("an update")
    }

    fn message(chat_type: &str, text: &str) -> Value {
        json!({
            "message_id": 7, "date": 0,
            "chat": {"id": -100, "type": chat_type, "title": "G", "first_name": "A"},
            "from": {"id": 5, "is_bot": false, "first_name": "A", "language_code": "ru"},
            "text": text
        })
    }

    const COMMAND: Trigger = Trigger::Command {
        name: "remind",
        scope: Scope::Groups,
    };

    #[test]
    fn a_command_carries_its_name_args_and_sender() {
        let u = update(
            "message",
            message("supergroup", "/Remind@LambdagramBot  @news, @other "),
        );
        let c = Command::from_update(&u, COMMAND).expect("a command");
        assert_eq!(
            (c.name.as_str(), c.args.as_str()),
            ("Remind", "@news, @other")
        );
        assert_eq!((c.chat().id.0, c.from().map(|u| u.id.0)), (-100, Some(5)));
        assert_eq!(c.lang(), Lang::new("ru"));
        let edited = update("edited_message", message("supergroup", "/remind"));
        assert_eq!(
            Command::from_update(&edited, COMMAND).map(|c| c.name),
            Err("a command route without a message")
        );
    }

    #[test]
    fn a_message_is_what_the_trigger_takes() {
        let new = update("message", message("supergroup", "hi"));
        let edit = update("edited_message", message("supergroup", "hi!"));
        for (u, trigger, ok) in [
            (&new, Trigger::GroupMessage, true),
            (&edit, Trigger::GroupMessage, true),
            (&new, Trigger::EditedMessage, false),
            (&edit, Trigger::EditedMessage, true),
            (&new, COMMAND, true),
            (&edit, COMMAND, false),
            (&new, Trigger::ChatMember, false),
        ] {
            assert_eq!(Message::from_update(u, trigger).is_ok(), ok, "{trigger:?}");
        }
    }

    #[test]
    fn a_callback_carries_the_data_after_its_prefix() {
        let press = |data: &str| {
            update(
                "callback_query",
                json!({"id": "9", "chat_instance": "-1", "data": data,
                    "from": {"id": 5, "is_bot": false, "first_name": "A"}}),
            )
        };
        let trigger = Trigger::Callback { prefix: "set" };
        let read = |data| Callback::from_update(&press(data), trigger).map(|c| c.data);
        assert_eq!(read("set:a:k"), Ok("a:k".to_owned()));
        assert_eq!(read("set"), Ok(String::new()));
        assert_eq!(read("settle:1"), Err("a callback query of another prefix"));
        assert_eq!(read("lift:all"), Err("a callback query of another prefix"));
        let c = Callback::from_update(&press("set:x"), trigger).expect("a press");
        assert_eq!((c.prefix(), c.query.id.0.as_str()), ("set", "9"));
    }

    #[test]
    fn a_member_change_is_the_one_the_trigger_names() {
        let change = json!({
            "chat": {"id": -100, "type": "supergroup", "title": "G"},
            "from": {"id": 5, "is_bot": false, "first_name": "A"}, "date": 0,
            "old_chat_member": {"status": "left", "user": {"id": 6, "is_bot": false, "first_name": "B"}},
            "new_chat_member": {"status": "member", "user": {"id": 6, "is_bot": false, "first_name": "B"}}
        });
        let member = update("chat_member", change.clone());
        let mine = update("my_chat_member", change);
        assert!(ChatMemberUpdated::from_update(&member, Trigger::ChatMember).is_ok());
        assert!(ChatMemberUpdated::from_update(&mine, Trigger::MyChatMember).is_ok());
        assert!(ChatMemberUpdated::from_update(&mine, Trigger::ChatMember).is_err());
        assert!(ChatMemberUpdated::from_update(&member, Trigger::MyChatMember).is_err());
    }

    #[test]
    fn a_join_request_is_the_input_of_its_trigger_alone() {
        let request = update(
            "chat_join_request",
            json!({
                "chat": {"id": -100, "type": "supergroup", "title": "G"},
                "from": {"id": 6, "is_bot": false, "first_name": "B"},
                "user_chat_id": 6, "date": 0
            }),
        );
        let r = ChatJoinRequest::from_update(&request, Trigger::ChatJoinRequest)
            .expect("a join request");
        assert_eq!((r.chat.id.0, r.from.id.0, r.user_chat_id.0), (-100, 6, 6));
        assert!(ChatJoinRequest::from_update(&request, Trigger::ChatMember).is_err());
        let plain = update("message", message("supergroup", "hi"));
        assert_eq!(
            ChatJoinRequest::from_update(&plain, Trigger::ChatJoinRequest).map(|r| r.chat.id),
            Err("a join-request route without a join request")
        );
    }

    #[test]
    fn joiners_and_migrations_come_from_their_service_messages() {
        let mut joined = message("supergroup", "x");
        joined["new_chat_members"] = json!([{"id": 6, "is_bot": false, "first_name": "B"}]);
        joined.as_object_mut().map(|m| m.remove("text"));
        let u = update("message", joined);
        let new = NewChatMembers::from_update(&u, Trigger::NewChatMembers).expect("joiners");
        assert_eq!(new.members.iter().map(|m| m.id.0).collect::<Vec<_>>(), [6]);
        let plain = update("message", message("supergroup", "hi"));
        assert_eq!(
            NewChatMembers::from_update(&plain, Trigger::NewChatMembers).map(|n| n.members.len()),
            Err("a new-members route without new chat members")
        );

        let mut to = message("group", "x");
        to["migrate_to_chat_id"] = json!(-1009);
        to.as_object_mut().map(|m| m.remove("text"));
        let m = Migration::from_update(&update("message", to), Trigger::ChatMigration);
        assert_eq!(
            m,
            Ok(Migration {
                from: ChatId(-100),
                to: ChatId(-1009)
            })
        );
        assert_eq!(
            Migration::from_update(&plain, Trigger::ChatMigration),
            Err("a migration route without a migration")
        );
    }
}
