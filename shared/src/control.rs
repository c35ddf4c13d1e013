//! What the bot-control commands (`/admin`, `/deny`) share: reading `list`, `add <id>` and
//! `remove <id>` (the id may instead come from the message replied to), and answering by
//! webhook reply (the writes are idempotent set operations, so the routes need no ledger:
//! Telegram redelivers only an update whose answer it did not get, reply included).

use std::collections::BTreeSet;

use crate::i18n::{fill, Catalogue, Text};
use crate::input::Command;
use crate::route_api::RouteResponse;

/// What a control command asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    List,
    Add(i64),
    Remove(i64),
    /// Anything else: answer with the usage.
    Usage,
}

impl Action {
    /// Reads `args` (`list`, `add [id]`, `remove [id]`); a missing id is the sender of the
    /// message `command` replies to.
    pub fn read(command: &Command) -> Action {
        let mut words = command.args.split_whitespace();
        let verb = words.next().map(str::to_ascii_lowercase);
        let id = match words.next() {
            Some(word) => word.parse::<i64>().ok().filter(|id| *id != 0),
            None => command
                .message
                .reply_to_message()
                // A post on behalf of a chat is that chat's, not the shared placeholder user's.
                .and_then(|m| {
                    m.sender_chat
                        .as_ref()
                        .map(|c| c.id.0)
                        .or_else(|| m.from.as_ref().map(|u| u.id.0 as i64))
                }),
        };
        if words.next().is_some() {
            return Action::Usage;
        }
        match (verb.as_deref(), id) {
            (Some("list"), _) if command.args.split_whitespace().count() == 1 => Action::List,
            (Some("add"), Some(id)) => Action::Add(id),
            (Some("remove"), Some(id)) => Action::Remove(id),
            _ => Action::Usage,
        }
    }
}

/// The answer `text` (with `{id}` or `{ids}` filled) in the command's chat, in the sender's
/// language as the bot's `catalogue` has it, as a webhook reply.
pub fn answer(
    catalogue: &Catalogue,
    command: &Command,
    text: Text,
    vars: &[(&str, &str)],
) -> RouteResponse {
    RouteResponse::reply(
        "sendMessage",
        serde_json::json!({
            "chat_id": command.chat().id.0,
            "text": fill(catalogue.get(&text, command.lang()), vars),
        }),
    )
}

/// A set's ids for a list answer, comma-separated in order.
pub fn list(ids: &BTreeSet<i64>) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::FromUpdate;
    use crate::routes::{Scope, Trigger};
    use serde_json::json;
    use teloxide_core::types::Update;

    fn command(text: &str, reply_from: Option<i64>) -> Command {
        let mut message = json!({
            "message_id": 7, "date": 0,
            "chat": {"id": 5, "type": "private", "first_name": "A"},
            "from": {"id": 5, "is_bot": false, "first_name": "A"},
            "text": text
        });
        if let Some(id) = reply_from {
            message["reply_to_message"] = json!({
                "message_id": 6, "date": 0,
                "chat": {"id": 5, "type": "private", "first_name": "A"},
                "from": {"id": id, "is_bot": false, "first_name": "B"},
                "text": "hi"
            });
        }
        // teloxide reads an update from text (from a `Value` it falls back to an error kind).
        let text = json!({"update_id": 1, "message": message}).to_string();
        let update: Update = serde_json::from_str(&text).expect("update");
        let trigger = Trigger::Command {
            name: "admin",
            scope: Scope::Everywhere,
        };
        Command::from_update(&update, trigger).expect("a command")
    }

    #[test]
    fn actions_read_their_id_from_the_args_or_the_reply() {
        let read = |text, reply| Action::read(&command(text, reply));
        assert_eq!(read("/admin list", None), Action::List);
        assert_eq!(read("/admin LIST", Some(9)), Action::List);
        assert_eq!(read("/admin add 42", None), Action::Add(42));
        assert_eq!(read("/admin add", Some(9)), Action::Add(9));
        assert_eq!(read("/deny add -100123", None), Action::Add(-100_123));
        assert_eq!(read("/admin remove 42", Some(9)), Action::Remove(42));
        for usage in [
            "/admin",
            "/admin add",
            "/admin add x",
            "/admin add 1 2",
            "/admin list 3",
            "/admin drop 4",
            "/admin add 0",
        ] {
            assert_eq!(read(usage, None), Action::Usage, "{usage}");
        }
    }
}
