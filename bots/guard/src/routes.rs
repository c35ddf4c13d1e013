//! The channel guard's route table: every update it handles, each by its own function. The
//! webhook, `allowed_updates`, the command menu, `/help`, the in-process registry and the
//! template all follow from [`ROUTES`].

use crate::grants::*;
use crate::middleware::GATE;
use crate::texts;
use lambdagram::grants::{
    JOURNAL_EFFECTS, MANAGE_ALLOW_LIST, MANAGE_BOT_ADMINS, MANAGE_DENY_LIST, PACE_MESSAGES,
    READ_ALLOW_LIST, READ_DENY_LIST, RECORD_VISIT,
};
use lambdagram::i18n::Text;
use lambdagram::jobs::Job;
use lambdagram::routes::{Audience, MiddlewareDecl, Route, RouteTable, Scope, Trigger};
// The framework's bot-wide allow-list, apart from the guard's per-group one (`grants::ALLOW_LIST`).
use lambdagram::allowlist::ALLOW_LIST as BOT_ALLOW_LIST;
use lambdagram::{admins::ADMINS_ONLY, denylist::DENY_LIST, ratelimit};

/// The commands anyone may send, limited per user: five per ten seconds, shared by every
/// instance of the route's function.
pub const COMMAND_RATE: MiddlewareDecl = ratelimit::per_user(5, 10);

/// Before every command and button: the bot-wide deny-list, then the allow-list (when the bot's
/// admins turned it on, only listed users and chats are served: a private guard for one's own
/// groups). A refused update costs nothing more.
const LISTS: &[MiddlewareDecl] = &[DENY_LIST, BOT_ALLOW_LIST];

/// Before the handler of a command anyone may send in a group: the deny-list (a denied user
/// costs nothing more), then the gate (a non-subscriber's message in a protected group is
/// enforced, never answered — not even with a "too fast" refusal, which would let them make
/// the bot speak; and before the allow-list, so that being unlisted never lets a command past
/// the gate's enforcement), then the allow-list, then the rate limit.
const GATED_COMMAND: &[MiddlewareDecl] = &[DENY_LIST, GATE, BOT_ALLOW_LIST, COMMAND_RATE];

/// Every route the channel guard has.
pub const ROUTES: RouteTable = RouteTable::new(&[
    Route {
        name: "start",
        trigger: Trigger::Command {
            name: "start",
            scope: Scope::Everywhere,
        },
        help: Some(texts::CMD_START),
        audience: Audience::Everyone,
        side_effects: true,
        about: "/start - records the user's visit and says hello.",
        grants: &[RECORD_VISIT, JOURNAL_EFFECTS, PACE_MESSAGES],
        middleware: GATED_COMMAND,
    },
    Route {
        name: "help",
        trigger: Trigger::Command {
            name: "help",
            scope: Scope::Everywhere,
        },
        help: Some(texts::CMD_HELP),
        audience: Audience::Everyone,
        side_effects: false,
        about: "/help - lists the commands in the user's language.",
        grants: &[],
        middleware: GATED_COMMAND,
    },
    Route {
        name: "bot-admin",
        trigger: Trigger::Command {
            name: "admin",
            scope: Scope::Everywhere,
        },
        // Hidden from /help and the menus: only the bot's admins may use it.
        help: None,
        audience: Audience::Everyone,
        // One idempotent set update and a webhook reply: no ledger.
        side_effects: false,
        about: "/admin - the bot's admins: list, add, remove (bot admins only; framework).",
        grants: &[MANAGE_BOT_ADMINS],
        middleware: &[ADMINS_ONLY],
    },
    Route {
        name: "deny",
        trigger: Trigger::Command {
            name: "deny",
            scope: Scope::Everywhere,
        },
        help: None,
        audience: Audience::Everyone,
        side_effects: false,
        about: "/deny - users and chats the bot ignores: list, add, remove (bot admins only; framework).",
        grants: &[READ_DENY_LIST, MANAGE_DENY_LIST],
        middleware: &[ADMINS_ONLY],
    },
    Route {
        name: "allowlist",
        trigger: Trigger::Command {
            name: "allowlist",
            scope: Scope::Everywhere,
        },
        help: None,
        audience: Audience::Everyone,
        side_effects: false,
        about: "/allowlist - when not empty, the only users and chats the bot serves: list, add, remove (bot admins only; framework).",
        grants: &[READ_ALLOW_LIST, MANAGE_ALLOW_LIST],
        middleware: &[ADMINS_ONLY],
    },
    Route {
        name: "forget",
        trigger: Trigger::Command {
            name: "forget",
            scope: Scope::Private,
        },
        help: Some(texts::CMD_FORGET),
        audience: Audience::Everyone,
        // The erasure is idempotent, but its answer says what it erased: the ledger keeps a
        // redelivery after success from answering "nothing" (two ledger writes).
        side_effects: true,
        about: "/forget - a user erases their data across the key map's families, after a confirm (framework).",
        grants: &[crate::privacy::FORGET_USER_DATA],
        middleware: &[],
    },
    Route {
        name: "unknown-command",
        trigger: Trigger::UnknownPrivateCommand,
        help: None,
        audience: Audience::Everyone,
        side_effects: false,
        about: "Unknown commands in a private chat - says so and points at /help.",
        grants: &[],
        middleware: &[],
    },
    Route {
        name: "guard-message",
        trigger: Trigger::GroupMessage,
        help: None,
        // Idempotent by design (deleting twice is "not found", restricting twice is the same
        // restriction, the warning is a conditional write): the hot path pays no ledger writes.
        audience: Audience::Everyone,
        side_effects: false,
        about: "Channel guard - a group message from a non-subscriber is deleted, muted and warned.",
        grants: &[],
        middleware: &[GATE],
    },
    Route {
        name: "protect",
        trigger: Trigger::Command {
            name: "protect",
            scope: Scope::Groups,
        },
        help: Some(commands::CMD_PROTECT),
        audience: Audience::GroupAdmins,
        side_effects: true,
        about: "Channel guard /protect - checks rights live, links channels, turns the guard on.",
        grants: &[READ_GROUP_CONFIG, SAVE_GROUP_CONFIG],
        middleware: LISTS,
    },
    Route {
        name: "unprotect",
        trigger: Trigger::Command {
            name: "unprotect",
            scope: Scope::Groups,
        },
        help: Some(commands::CMD_UNPROTECT),
        audience: Audience::GroupAdmins,
        side_effects: true,
        about: "Channel guard /unprotect - turns the guard off, keeps its config, offers to lift mutes.",
        grants: &[READ_GROUP_RESTRICTIONS, SAVE_GROUP_CONFIG],
        middleware: LISTS,
    },
    Route {
        name: "status",
        trigger: Trigger::Command {
            name: "status",
            scope: Scope::Groups,
        },
        help: Some(commands::CMD_STATUS),
        // Reads and a webhook reply only.
        audience: Audience::GroupAdmins,
        side_effects: false,
        about: "Channel guard /status - protection, linked channels, the bot's rights checked live, mutes.",
        grants: &[READ_GROUP_RESTRICTIONS],
        middleware: &[DENY_LIST, BOT_ALLOW_LIST, COMMAND_RATE],
    },
    Route {
        name: "settings",
        trigger: Trigger::Command {
            name: "settings",
            scope: Scope::Groups,
        },
        help: Some(commands::CMD_SETTINGS),
        // The menu is a webhook reply; nothing is written.
        audience: Audience::GroupAdmins,
        side_effects: false,
        about: "Channel guard /settings - the settings menu, by webhook reply.",
        grants: &[READ_GROUP_CONFIG],
        middleware: LISTS,
    },
    Route {
        name: "allow",
        trigger: Trigger::Command {
            name: "allow",
            scope: Scope::Groups,
        },
        help: Some(commands::CMD_ALLOW),
        audience: Audience::GroupAdmins,
        side_effects: true,
        about: "Channel guard /allow - the group's allow-list (list, add by reply or id, remove).",
        grants: &[ALLOW_LIST],
        middleware: LISTS,
    },
    Route {
        name: "settings-menu",
        trigger: Trigger::Callback {
            prefix: crate::callback::SETTINGS_PREFIX,
        },
        help: None,
        audience: Audience::Everyone,
        side_effects: true,
        about: "Channel guard settings menu buttons - validates the presser, saves the change, redraws the menu.",
        grants: &[READ_GROUP_CONFIG, SAVE_GROUP_CONFIG],
        middleware: LISTS,
    },
    Route {
        name: "verify",
        trigger: Trigger::Callback {
            prefix: crate::callback::JOINED_PREFIX,
        },
        help: None,
        audience: Audience::Everyone,
        side_effects: true,
        about: "Channel guard \"I have joined\" button - live re-check, lifts the bot's own restriction.",
        grants: &[MEMBER_STATE, READ_GUARD_STATE, MEMBERSHIPS, WARNING_QUEUE, DEGRADE_PROTECTION, PACE_MESSAGES],
        // Not the allow-list: the guard restricts and holds people in every group it protects,
        // listed or not, so the way out (subscribe, press "I have joined") is never refused.
        middleware: &[DENY_LIST],
    },
    Route {
        name: "lift",
        trigger: Trigger::Callback {
            prefix: crate::callback::LIFT_PREFIX,
        },
        help: None,
        audience: Audience::Everyone,
        side_effects: true,
        about: "Channel guard \"lift restrictions\" button after /unprotect - lifts every restriction the bot imposed.",
        grants: &[GROUP_RESTRICTIONS, WARNING_QUEUE],
        middleware: LISTS,
    },
    Route {
        name: "member-change",
        trigger: Trigger::ChatMember,
        help: None,
        audience: Audience::Everyone,
        side_effects: true,
        about: "Channel guard chat_member - checks joiners, restricts channel leavers in every linked group, refreshes admins.",
        grants: &[READ_GUARD_STATE, MEMBERSHIPS, QUERY_CHANNEL_INDEX, WRITE_GUARD_STATE, DEGRADE_PROTECTION, LIFT_RESTRICTION, PACE_MESSAGES],
        middleware: &[],
    },
    Route {
        name: "new-members",
        trigger: Trigger::NewChatMembers,
        help: None,
        // The same idempotent check as a join (restricting twice is one restriction, the
        // warning is a conditional write), so a redelivery needs no ledger.
        audience: Audience::Everyone,
        side_effects: false,
        about: "Channel guard new_chat_members - checks each joiner (the service message path of the join check).",
        grants: &[READ_GUARD_STATE, MEMBERSHIPS, WRITE_GUARD_STATE, DEGRADE_PROTECTION, RELEASE_WARNING, PACE_MESSAGES],
        middleware: &[],
    },
    Route {
        name: "bot-status",
        trigger: Trigger::MyChatMember,
        help: None,
        audience: Audience::Everyone,
        side_effects: true,
        about: "Channel guard my_chat_member - the bot's own rights changed, so degrade or recover the protection.",
        // The protection's health notice is a message: paced with the others.
        grants: &[PROTECTION_HEALTH, PACE_MESSAGES],
        middleware: &[],
    },
    Route {
        name: "migrate",
        trigger: Trigger::ChatMigration,
        help: None,
        audience: Audience::Everyone,
        side_effects: true,
        about: "Channel guard group-to-supergroup migration - carries the protection over to the new chat id.",
        grants: &[MOVE_PROTECTION],
        middleware: &[],
    },
    Route {
        name: "join-request",
        trigger: Trigger::ChatJoinRequest,
        help: None,
        audience: Audience::Everyone,
        side_effects: true,
        about: "Channel guard chat_join_request - approves subscribers; declines or holds the others, as the group's setting says.",
        // The gate's read, fresh memberships cached, a channel found unreadable marked; the
        // held message and created join links journalled; a created link saved in the config.
        grants: &[READ_GUARD_STATE, MEMBERSHIPS, DEGRADE_PROTECTION, SAVE_GROUP_CONFIG, JOURNAL_EFFECTS, PACE_MESSAGES],
        middleware: &[],
    },
])
.speaking(&crate::i18n::CATALOGUE)
.logging(&crate::privacy::LOG);

/// The guard's scheduled jobs.
pub const JOBS: &[Job] = &[Job {
    name: "sweeper",
    schedule: "rate(1 minute)",
    about:
        "Channel guard warning sweeper - deletes the warnings whose auto-delete time has passed, posts the ones flood limits kept back.",
    grants: &[
        READ_WARNING_QUEUE,
        FORGET_SWEPT_WARNINGS,
        SWEEP_WATERMARK,
        POST_DEFERRED_WARNINGS,
        PACE_MESSAGES,
    ],
}];

/// The menu texts of the guard's own commands.
pub mod commands {
    use super::Text;

    pub const CMD_PROTECT: Text = t! {
        en: "members must join @channel to write here (admins)",
        ru: "писать здесь могут только подписчики @канала (для админов)",
    };
    pub const CMD_UNPROTECT: Text = t! {
        en: "turn the channel check off (admins)",
        ru: "выключить проверку подписки (для админов)",
    };
    pub const CMD_STATUS: Text = t! {
        en: "the protection and the bot's rights (admins)",
        ru: "защита и права бота (для админов)",
    };
    pub const CMD_ALLOW: Text = t! {
        en: "let someone write without subscribing (admins)",
        ru: "разрешить писать без подписки (для админов)",
    };
    pub const CMD_SETTINGS: Text = t! {
        en: "what happens to non-subscribers (admins)",
        ru: "что делать с неподписавшимися (для админов)",
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambdagram::routes::MenuScope;

    #[test]
    fn the_table_passes_the_framework_checks() {
        assert_eq!(lambdagram::routes::check_table(ROUTES), Ok(()));
    }

    #[test]
    fn every_grant_passes_the_framework_checks() {
        let grants = ROUTES
            .iter()
            .flat_map(|r| r.all_grants())
            .chain(JOBS.iter().flat_map(|j| j.grants.iter().copied()));
        for grant in grants {
            assert_eq!(lambdagram::grants::check_grant(&grant), Ok(()));
        }
    }

    #[test]
    fn group_messages_and_the_commands_everyone_may_send_in_groups_pass_the_gate() {
        let gated: Vec<&str> = ROUTES
            .iter()
            .filter(|r| r.middleware.contains(&GATE))
            .map(|r| r.name)
            .collect();
        assert_eq!(gated, ["start", "help", "guard-message"]);
        assert_eq!(
            ROUTES.get("guard-message").map(|r| r.middleware),
            Some(&[GATE][..])
        );
    }

    #[test]
    fn the_lists_come_first_and_the_bot_admins_routes_are_theirs_alone() {
        for route in ROUTES.iter() {
            if route.middleware.contains(&DENY_LIST) {
                assert_eq!(route.middleware[0], DENY_LIST, "{}", route.name);
            }
            if route.middleware.contains(&ADMINS_ONLY) {
                assert_eq!(route.middleware, [ADMINS_ONLY], "{}", route.name);
            }
        }
        let admins_only: Vec<&str> = ROUTES
            .iter()
            .filter(|r| r.middleware.contains(&ADMINS_ONLY))
            .map(|r| r.name)
            .collect();
        assert_eq!(admins_only, ["bot-admin", "deny", "allowlist"]);
        // Every command and button anyone may use passes the lists.
        let listed: Vec<&str> = ROUTES
            .iter()
            .filter(|r| r.middleware.starts_with(LISTS) || r.middleware == GATED_COMMAND)
            .map(|r| r.name)
            .collect();
        assert_eq!(
            listed,
            [
                "start",
                "help",
                "protect",
                "unprotect",
                "status",
                "settings",
                "allow",
                "settings-menu",
                "lift"
            ]
        );
        // Commands anyone may send in a group meet the gate before the allow-list; the way
        // out of a restriction is denied to the deny-list only.
        assert_eq!(
            ROUTES.get("start").map(|r| r.middleware),
            Some(&[DENY_LIST, GATE, BOT_ALLOW_LIST, COMMAND_RATE][..])
        );
        assert_eq!(
            ROUTES.get("verify").map(|r| r.middleware),
            Some(&[DENY_LIST][..])
        );
        // The enforcement and service routes are never skipped for a denied or unlisted user:
        // neither list may exempt anyone from the guard.
        for name in [
            "guard-message",
            "join-request",
            "member-change",
            "new-members",
            "bot-status",
            "migrate",
        ] {
            let route = ROUTES.get(name).expect(name);
            assert!(
                route.middleware.iter().all(|m| !LISTS.contains(m)),
                "{name}"
            );
        }
        let limited: Vec<&str> = ROUTES
            .iter()
            .filter(|r| r.middleware.contains(&COMMAND_RATE))
            .map(|r| r.name)
            .collect();
        assert_eq!(limited, ["start", "help", "status"]);
    }

    #[test]
    fn jobs_are_named_apart_from_routes_and_the_webhook() {
        for (i, job) in JOBS.iter().enumerate() {
            assert!(
                !JOBS[..i].iter().any(|j| j.name == job.name),
                "{}",
                job.name
            );
            assert!(
                job.name != "webhook" && ROUTES.get(job.name).is_none(),
                "{}",
                job.name
            );
            assert!(
                job.schedule.starts_with("rate(") || job.schedule.starts_with("cron("),
                "{}: {}",
                job.name,
                job.schedule
            );
        }
    }

    #[test]
    fn admin_commands_are_in_the_admins_menu_only() {
        let menu = |scope| ROUTES.menu(scope).map(|(c, _)| c).collect::<Vec<_>>();
        let admins = menu(MenuScope::AllChatAdministrators);
        for scope in [
            MenuScope::Default,
            MenuScope::AllPrivateChats,
            MenuScope::AllGroupChats,
        ] {
            let shown = menu(scope);
            assert!(
                shown.contains(&"start") && shown.contains(&"help"),
                "{scope:?}"
            );
            for admin_only in ["protect", "unprotect", "status", "settings", "allow"] {
                assert!(
                    !shown.contains(&admin_only),
                    "{scope:?} shows /{admin_only}"
                );
                assert!(
                    admins.contains(&admin_only),
                    "the admins' menu lacks /{admin_only}"
                );
            }
        }
        // Administrators see everyone's group commands too.
        for command in menu(MenuScope::AllGroupChats) {
            assert!(admins.contains(&command), "/{command}");
        }
    }

    #[test]
    fn allowed_updates_follow_the_table() {
        assert_eq!(
            ROUTES.allowed_updates(),
            vec![
                "message",
                "edited_message",
                "callback_query",
                "chat_member",
                "my_chat_member",
                "chat_join_request"
            ]
        );
    }
}
