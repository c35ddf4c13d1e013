//! The route table: the single source of truth for what the bot handles.
//!
//! The webhook's router, the `allowed_updates` sent with `setWebhook`, the `/help` text, the
//! command menu sent with `setMyCommands` and the functions in `template.yaml` are all derived
//! from [`ROUTES`]; a test checks the template against it.

use crate::i18n::{msg, Text};

/// Where a command is accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Private,
    Groups,
    Everywhere,
}

/// What in an update selects a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// `/name`, `/name args` or `/name@ThisBot args` in a message.
    Command { name: &'static str, scope: Scope },
    /// A command no route claims, sent in a private chat.
    UnknownPrivateCommand,
    /// A non-command, non-service message in a group or supergroup, or an edit of one (an
    /// edit can say anything the message did not).
    GroupMessage,
    /// An edited message.
    EditedMessage,
    /// A callback query whose data starts with `prefix` followed by `:`.
    Callback { prefix: &'static str },
    /// A `chat_member` update (needs the bot to be an admin and `chat_member` in `allowed_updates`).
    ChatMember,
    /// A `my_chat_member` update: the bot's own status changed.
    MyChatMember,
    /// A `new_chat_members` service message.
    NewChatMembers,
    /// A group upgraded to a supergroup: the service message carrying `migrate_to_chat_id` (in
    /// the old group) or `migrate_from_chat_id` (in the new supergroup).
    ChatMigration,
}

impl Trigger {
    /// The `allowed_updates` entries this trigger needs.
    pub fn update_kinds(self) -> &'static [&'static str] {
        match self {
            Trigger::GroupMessage => &["message", "edited_message"],
            Trigger::Command { .. }
            | Trigger::UnknownPrivateCommand
            | Trigger::NewChatMembers
            | Trigger::ChatMigration => &["message"],
            Trigger::EditedMessage => &["edited_message"],
            Trigger::Callback { .. } => &["callback_query"],
            Trigger::ChatMember => &["chat_member"],
            Trigger::MyChatMember => &["my_chat_member"],
        }
    }
}

/// One route: an update trigger handled by one Lambda function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The route's name, which is also its function's binary and crate name.
    pub name: &'static str,
    pub trigger: Trigger,
    /// The command's description for `/help` and the command menu; `None` hides it.
    pub help: Option<Text>,
    /// Whether handling the update has effects beyond the webhook's own answer (Bot API calls,
    /// writes). Such routes are de-duplicated by `update_id` (two ledger writes). A route whose
    /// only effect is a webhook reply needs no ledger: Telegram redelivers an update only when it
    /// did not get the answer, and then it did not execute the reply either.
    pub side_effects: bool,
}

impl Route {
    /// The environment variable the webhook reads this route's function name from.
    pub fn function_env_var(&self) -> String {
        format!(
            "ROUTE_FUNCTION_{}",
            self.name.to_ascii_uppercase().replace('-', "_")
        )
    }

    /// The command name, for command routes.
    pub fn command(&self) -> Option<&'static str> {
        match self.trigger {
            Trigger::Command { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Every route the bot has.
pub const ROUTES: &[Route] = &[
    Route {
        name: "start",
        trigger: Trigger::Command {
            name: "start",
            scope: Scope::Everywhere,
        },
        help: Some(msg::CMD_START),
        side_effects: true,
    },
    Route {
        name: "help",
        trigger: Trigger::Command {
            name: "help",
            scope: Scope::Everywhere,
        },
        help: Some(msg::CMD_HELP),
        side_effects: false,
    },
    Route {
        name: "unknown-command",
        trigger: Trigger::UnknownPrivateCommand,
        help: None,
        side_effects: false,
    },
    Route {
        name: "guard-message",
        trigger: Trigger::GroupMessage,
        help: None,
        // Idempotent by design (deleting twice is "not found", restricting twice is the same
        // restriction, the warning is a conditional write): the hot path pays no ledger writes.
        side_effects: false,
    },
    Route {
        name: "protect",
        trigger: Trigger::Command {
            name: "protect",
            scope: Scope::Groups,
        },
        help: Some(msg::CMD_PROTECT),
        side_effects: true,
    },
    Route {
        name: "unprotect",
        trigger: Trigger::Command {
            name: "unprotect",
            scope: Scope::Groups,
        },
        help: Some(msg::CMD_UNPROTECT),
        side_effects: true,
    },
    Route {
        name: "status",
        trigger: Trigger::Command {
            name: "status",
            scope: Scope::Groups,
        },
        help: Some(msg::CMD_STATUS),
        // Reads and a webhook reply only.
        side_effects: false,
    },
    Route {
        name: "settings",
        trigger: Trigger::Command {
            name: "settings",
            scope: Scope::Groups,
        },
        help: Some(msg::CMD_SETTINGS),
        // The menu is a webhook reply; nothing is written.
        side_effects: false,
    },
    Route {
        name: "allow",
        trigger: Trigger::Command {
            name: "allow",
            scope: Scope::Groups,
        },
        help: Some(msg::CMD_ALLOW),
        side_effects: true,
    },
    Route {
        name: "settings-menu",
        trigger: Trigger::Callback {
            prefix: crate::guard::callback::SETTINGS_PREFIX,
        },
        help: None,
        side_effects: true,
    },
    Route {
        name: "verify",
        trigger: Trigger::Callback {
            prefix: crate::guard::callback::JOINED_PREFIX,
        },
        help: None,
        side_effects: true,
    },
    Route {
        name: "lift",
        trigger: Trigger::Callback {
            prefix: crate::guard::callback::LIFT_PREFIX,
        },
        help: None,
        side_effects: true,
    },
    Route {
        name: "member-change",
        trigger: Trigger::ChatMember,
        help: None,
        side_effects: true,
    },
    Route {
        name: "new-members",
        trigger: Trigger::NewChatMembers,
        help: None,
        // The same idempotent check as a join (restricting twice is one restriction, the
        // warning is a conditional write), so a redelivery needs no ledger.
        side_effects: false,
    },
    Route {
        name: "bot-status",
        trigger: Trigger::MyChatMember,
        help: None,
        side_effects: true,
    },
    Route {
        name: "migrate",
        trigger: Trigger::ChatMigration,
        help: None,
        side_effects: true,
    },
];

/// Looks a route up by name.
pub fn route(name: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.name == name)
}

/// The `allowed_updates` list for `setWebhook`/`getUpdates`: exactly the kinds some route needs,
/// in a stable order, without duplicates.
pub fn allowed_updates() -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = Vec::new();
    for kind in ROUTES.iter().flat_map(|r| r.trigger.update_kinds()) {
        if !kinds.contains(kind) {
            kinds.push(kind);
        }
    }
    kinds
}

/// The commands shown by `/help` and the command menu, in table order.
pub fn visible_commands() -> impl Iterator<Item = (&'static str, Text)> {
    ROUTES.iter().filter_map(|r| Some((r.command()?, r.help?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_valid_binary_names() {
        for (i, r) in ROUTES.iter().enumerate() {
            assert!(
                r.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                r.name
            );
            assert!(ROUTES[i + 1..].iter().all(|o| o.name != r.name));
        }
    }

    #[test]
    fn commands_are_unique_and_telegram_valid() {
        let cmds: Vec<_> = ROUTES.iter().filter_map(Route::command).collect();
        for (i, c) in cmds.iter().enumerate() {
            assert!(!cmds[i + 1..].contains(c), "duplicate command {c}");
            assert!(
                c.len() <= 32
                    && c.chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
            );
        }
    }

    #[test]
    fn allowed_updates_follow_the_table() {
        assert_eq!(
            allowed_updates(),
            vec![
                "message",
                "edited_message",
                "callback_query",
                "chat_member",
                "my_chat_member"
            ]
        );
    }

    #[test]
    fn env_var_names() {
        assert_eq!(
            route("unknown-command")
                .map(Route::function_env_var)
                .as_deref(),
            Some("ROUTE_FUNCTION_UNKNOWN_COMMAND")
        );
    }
}
