//! Chooses the route for an update, from the route table alone.

use crate::routes::{Route, RouteTable, Scope, Trigger};
use crate::update::{MessageView, UpdateView};

/// Why an update is acknowledged without being handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// A command addressed to another bot (`/cmd@OtherBot`).
    OtherBot,
    /// A command that exists but not in this kind of chat (and, in private, no route answers
    /// unknown commands).
    WrongScope,
    /// An update kind no route handles (including kinds newer than this code).
    Unhandled,
}

impl Ignored {
    pub fn as_str(self) -> &'static str {
        match self {
            Ignored::OtherBot => "other_bot",
            Ignored::WrongScope => "wrong_scope",
            Ignored::Unhandled => "unhandled",
        }
    }
}

/// Picks the route of `table` for `update`; `bot_username` is the bot's own username (without
/// `@`).
pub fn classify(
    table: RouteTable,
    update: &UpdateView,
    bot_username: &str,
) -> Result<&'static Route, Ignored> {
    if let Some(msg) = &update.message {
        return classify_message(table, msg, bot_username);
    }
    if let Some(edited) = &update.edited_message {
        // An edit in a group is a group message again: what it now says is seen as such.
        if edited.chat.is_group() {
            return first(table, |t| matches!(t, Trigger::GroupMessage));
        }
        return first(table, |t| matches!(t, Trigger::EditedMessage));
    }
    if let Some(cb) = &update.callback_query {
        let data = cb.data.as_deref().unwrap_or("");
        let prefix = data.split(':').next().unwrap_or("");
        return first(
            table,
            |t| matches!(t, Trigger::Callback { prefix: p } if p == prefix),
        );
    }
    if update.chat_member.is_some() {
        return first(table, |t| matches!(t, Trigger::ChatMember));
    }
    if update.my_chat_member.is_some() {
        return first(table, |t| matches!(t, Trigger::MyChatMember));
    }
    if update.chat_join_request.is_some() {
        return first(table, |t| matches!(t, Trigger::ChatJoinRequest));
    }
    Err(Ignored::Unhandled)
}

fn classify_message(
    table: RouteTable,
    msg: &MessageView,
    bot_username: &str,
) -> Result<&'static Route, Ignored> {
    if msg.new_chat_members.is_some() {
        return first(table, |t| matches!(t, Trigger::NewChatMembers));
    }
    if msg.migrate_to_chat_id.is_some() || msg.migrate_from_chat_id.is_some() {
        return first(table, |t| matches!(t, Trigger::ChatMigration));
    }
    let in_group = msg.chat.is_group();
    if let Some(cmd) = msg.command() {
        let for_us = cmd
            .target
            .is_none_or(|t| t.eq_ignore_ascii_case(bot_username));
        if !for_us {
            // Someone else's command is an ordinary message as far as this bot is concerned.
            return if in_group {
                first(table, |t| matches!(t, Trigger::GroupMessage)).map_err(|_| Ignored::OtherBot)
            } else {
                Err(Ignored::OtherBot)
            };
        }
        let known = table
            .iter()
            .find(|r| matches!(r.trigger, Trigger::Command { name, .. } if name == cmd.name));
        return match known {
            Some(route) => {
                let Trigger::Command { scope, .. } = route.trigger else {
                    unreachable!("matched a command trigger above")
                };
                let allowed = match scope {
                    Scope::Everywhere => true,
                    Scope::Private => msg.chat.is_private(),
                    Scope::Groups => in_group,
                };
                if allowed {
                    Ok(route)
                } else if msg.chat.is_private() {
                    // A group command sent to the bot in private: the unknown-command route
                    // says where it works, rather than leaving the sender with silence.
                    first(table, |t| matches!(t, Trigger::UnknownPrivateCommand))
                        .map_err(|_| Ignored::WrongScope)
                } else {
                    Err(Ignored::WrongScope)
                }
            }
            None if msg.chat.is_private() => {
                first(table, |t| matches!(t, Trigger::UnknownPrivateCommand))
            }
            None if in_group => first(table, |t| matches!(t, Trigger::GroupMessage)),
            None => Err(Ignored::Unhandled),
        };
    }
    if in_group {
        // The guard of a group takes its messages; without one, they may answer a conversation.
        return first(table, |t| matches!(t, Trigger::GroupMessage))
            .or_else(|_| first(table, |t| matches!(t, Trigger::Conversation)));
    }
    first(table, |t| matches!(t, Trigger::Conversation))
}

fn first(table: RouteTable, pred: impl Fn(Trigger) -> bool) -> Result<&'static Route, Ignored> {
    table
        .iter()
        .find(|r| pred(r.trigger))
        .ok_or(Ignored::Unhandled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Text;
    use crate::routes::Audience;
    use serde_json::json;

    const fn command(name: &'static str, scope: Scope) -> Route {
        Route {
            name,
            trigger: Trigger::Command { name, scope },
            help: Some(Text::new(&[(crate::i18n::EN, "e")])),
            audience: Audience::Everyone,
            side_effects: false,
            about: "a test route",
            grants: &[],
            middleware: &[],
        }
    }

    const fn on(name: &'static str, trigger: Trigger) -> Route {
        Route {
            name,
            trigger,
            help: None,
            audience: Audience::Everyone,
            side_effects: true,
            about: "a test route",
            grants: &[],
            middleware: &[],
        }
    }

    /// A bot's table with one route of each trigger kind.
    const TABLE: RouteTable = RouteTable::new(&[
        command("start", Scope::Everywhere),
        command("help", Scope::Everywhere),
        on("unknown-command", Trigger::UnknownPrivateCommand),
        on("group-message", Trigger::GroupMessage),
        command("protect", Scope::Groups),
        on("settings-menu", Trigger::Callback { prefix: "set" }),
        on("verify", Trigger::Callback { prefix: "joined" }),
        on("lift", Trigger::Callback { prefix: "lift" }),
        on("member-change", Trigger::ChatMember),
        on("new-members", Trigger::NewChatMembers),
        on("bot-status", Trigger::MyChatMember),
        on("migrate", Trigger::ChatMigration),
        on("join-request", Trigger::ChatJoinRequest),
    ]);

    fn message(chat_type: &str, text: &str) -> UpdateView {
        let chat_id = if chat_type == "private" { 111 } else { -100111 };
        serde_json::from_value(json!({
            "update_id": 1,
            "message": {
                "message_id": 5, "date": 0,
                "chat": {"id": chat_id, "type": chat_type},
                "from": {"id": 111, "is_bot": false, "first_name": "A"},
                "text": text,
                "entities": if text.starts_with('/') { json!([{"type":"bot_command","offset":0,"length":text.split(' ').next().map_or(0, str::len)}]) } else { json!([]) }
            }
        }))
        .expect("valid test update")
    }

    fn routed(u: &UpdateView) -> Result<&'static str, Ignored> {
        classify(TABLE, u, "LambdagramBot").map(|r| r.name)
    }

    #[test]
    fn commands_route_by_name_with_or_without_bot_mention() {
        assert_eq!(routed(&message("private", "/start")), Ok("start"));
        assert_eq!(routed(&message("private", "/START payload")), Ok("start"));
        assert_eq!(
            routed(&message("supergroup", "/help@LambdagramBot")),
            Ok("help")
        );
        assert_eq!(
            routed(&message("supergroup", "/help@lambdagrambot x")),
            Ok("help")
        );
    }

    #[test]
    fn commands_for_other_bots_are_ignored() {
        // In a group, someone else's command is an ordinary message of the group.
        assert_eq!(
            routed(&message("supergroup", "/help@OtherBot")),
            Ok("group-message")
        );
        assert_eq!(
            routed(&message("private", "/help@OtherBot")),
            Err(Ignored::OtherBot)
        );
    }

    #[test]
    fn a_group_command_in_private_goes_to_the_unknown_command_route() {
        const WITH_UNKNOWN: RouteTable = RouteTable::new(&[
            on("unknown-command", Trigger::UnknownPrivateCommand),
            command("pin", Scope::Groups),
        ]);
        const WITHOUT_UNKNOWN: RouteTable = RouteTable::new(&[command("pin", Scope::Groups)]);
        let route = |table, chat_type| {
            classify(table, &message(chat_type, "/pin now"), "LambdagramBot").map(|r| r.name)
        };
        assert_eq!(route(WITH_UNKNOWN, "private"), Ok("unknown-command"));
        assert_eq!(route(WITH_UNKNOWN, "supergroup"), Ok("pin"));
        // Without an unknown-command route it is ignored as before.
        assert_eq!(route(WITHOUT_UNKNOWN, "private"), Err(Ignored::WrongScope));
    }

    #[test]
    fn unknown_commands_answer_only_in_private() {
        assert_eq!(
            routed(&message("private", "/frobnicate")),
            Ok("unknown-command")
        );
        // In a group an unknown command gets no answer; it is a message like any other.
        assert_eq!(
            routed(&message("supergroup", "/frobnicate")),
            Ok("group-message")
        );
    }

    #[test]
    fn text_that_is_not_a_command_entity_is_not_a_command() {
        let mut u = message("private", "/start");
        if let Some(m) = u.message.as_mut() {
            m.entities.clear();
        }
        assert_eq!(routed(&u), Err(Ignored::Unhandled));
        assert_eq!(routed(&message("supergroup", "hello")), Ok("group-message"));
    }

    #[test]
    fn plain_messages_answer_a_conversation_where_no_guard_takes_them() {
        const TALKS: RouteTable = RouteTable::new(&[
            command("start", Scope::Everywhere),
            on("answer", Trigger::Conversation),
        ]);
        const GUARDS_AND_TALKS: RouteTable = RouteTable::new(&[
            on("group-message", Trigger::GroupMessage),
            on("answer", Trigger::Conversation),
        ]);
        let route = |table, chat_type, text| {
            classify(table, &message(chat_type, text), "LambdagramBot").map(|r| r.name)
        };
        assert_eq!(route(TALKS, "private", "my answer"), Ok("answer"));
        assert_eq!(route(TALKS, "private", "/start"), Ok("start"));
        assert_eq!(route(TALKS, "supergroup", "my answer"), Ok("answer"));
        assert_eq!(
            route(GUARDS_AND_TALKS, "private", "my answer"),
            Ok("answer")
        );
        assert_eq!(
            route(GUARDS_AND_TALKS, "supergroup", "my answer"),
            Ok("group-message")
        );
        // Without a conversation route, a plain private message is unhandled as before.
        assert_eq!(
            route(TABLE, "private", "my answer"),
            Err(Ignored::Unhandled)
        );
        assert_eq!(TALKS.allowed_updates(), vec!["message"]);
    }

    #[test]
    fn events_route_by_kind_and_callback_prefix() {
        let update = |v: serde_json::Value| -> UpdateView {
            serde_json::from_value(v).expect("valid test update")
        };
        let callback = |data: &str| {
            update(json!({"update_id": 2, "callback_query": {"id": "q", "data": data}}))
        };
        assert_eq!(routed(&callback("joined:111")), Ok("verify"));
        assert_eq!(routed(&callback("set:a:m")), Ok("settings-menu"));
        assert_eq!(routed(&callback("lift:all")), Ok("lift"));
        assert_eq!(routed(&callback("other:1")), Err(Ignored::Unhandled));
        let member = json!({"chat": {"id": -1001, "type": "channel"}});
        assert_eq!(
            routed(&update(json!({"update_id": 3, "chat_member": member}))),
            Ok("member-change")
        );
        assert_eq!(
            routed(&update(json!({"update_id": 4, "my_chat_member": member}))),
            Ok("bot-status")
        );
        let request = json!({"chat": {"id": -1001, "type": "supergroup"}});
        assert_eq!(
            routed(&update(
                json!({"update_id": 7, "chat_join_request": request})
            )),
            Ok("join-request")
        );
        // Without a route for it, a join request is unhandled like any kind nobody takes.
        const NO_JOINS: RouteTable = RouteTable::new(&[on("bot-status", Trigger::MyChatMember)]);
        assert_eq!(
            classify(
                NO_JOINS,
                &update(json!({"update_id": 8, "chat_join_request": request})),
                "LambdagramBot"
            )
            .map(|r| r.name),
            Err(Ignored::Unhandled)
        );
        let service = |field: &str| {
            update(json!({"update_id": 5, "message": {
                "message_id": 1, "date": 0, "chat": {"id": -5, "type": "group"},
                "from": {"id": 111, "is_bot": false, "first_name": "A"},
                field: if field == "new_chat_members" { json!([]) } else { json!(-1005) }
            }}))
        };
        assert_eq!(routed(&service("new_chat_members")), Ok("new-members"));
        assert_eq!(routed(&service("migrate_to_chat_id")), Ok("migrate"));
        assert_eq!(routed(&service("migrate_from_chat_id")), Ok("migrate"));
    }

    #[test]
    fn edits_in_groups_are_group_messages_and_elsewhere_unhandled() {
        let edit = |chat_type: &str| -> UpdateView {
            let chat_id = if chat_type == "private" { 111 } else { -100111 };
            serde_json::from_value(json!({"update_id": 6, "edited_message": {
                "message_id": 5, "date": 0, "edit_date": 1,
                "chat": {"id": chat_id, "type": chat_type},
                "from": {"id": 111, "is_bot": false, "first_name": "A"},
                "text": "now with a link"
            }}))
            .expect("valid test update")
        };
        assert_eq!(routed(&edit("supergroup")), Ok("group-message"));
        assert_eq!(routed(&edit("private")), Err(Ignored::Unhandled));
    }

    #[test]
    fn unknown_update_kinds_are_unhandled() {
        let u: UpdateView =
            serde_json::from_value(json!({"update_id": 9, "poll": {"id": "x"}})).expect("valid");
        assert_eq!(routed(&u), Err(Ignored::Unhandled));
    }
}
