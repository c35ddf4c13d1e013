//! What the guard keeps about people: its interaction log ([`LOG`]) and its key map
//! ([`KEY_MAP`]), from which `/forget` and `lambdagram export --user` follow.

use lambdagram::grants::Grant;
use lambdagram::interaction_log::{LogPolicy, Logged, When};
use lambdagram::keymap::{families, Family, Forget, KeyMap, Keys};

use crate::routes::ROUTES;

const fn always(route: &'static str) -> Logged {
    Logged {
        route,
        when: When::Always,
    }
}

/// The guard logs its commands and buttons, and the gate's enforcements (noted `enforced`),
/// never a pass: the hot path writes nothing. Kept 30 days.
pub const LOG: LogPolicy = LogPolicy {
    rules: &[
        always("start"),
        always("help"),
        always("bot-admin"),
        always("deny"),
        always("unknown-command"),
        Logged {
            route: "guard-message",
            when: When::Noted,
        },
        always("protect"),
        always("unprotect"),
        always("status"),
        always("settings"),
        always("allow"),
        always("settings-menu"),
        always("verify"),
        always("lift"),
    ],
    retention_days: 30,
};

/// The subscriptions the gate cached for a user (`SUBS#<user>`).
pub const SUBSCRIPTIONS: Family = Family {
    name: "subscriptions",
    about: "the channel memberships the guard checked for the user, cached",
    keys: Keys::Items {
        pk: "SUBS#{user}",
        sk_prefix: "",
    },
    forget: Forget::Erase,
};

/// A group's record of what the guard did to a member.
const ENFORCEMENT: &str =
    "a group's record of the guard's restriction and warning: the group's admins lift it (or the user does, by subscribing), and it goes with it";

pub const WARNINGS: Family = Family {
    name: "warnings",
    about: "the warning posted to a non-subscriber in a group",
    keys: Keys::Elsewhere {
        pk: "GROUP#{group}",
        sk: "WARN#{user}",
    },
    forget: Forget::Keep(ENFORCEMENT),
};

pub const RESTRICTIONS: Family = Family {
    name: "restrictions",
    about: "the restriction the guard imposed on a non-subscriber in a group",
    keys: Keys::Elsewhere {
        pk: "GROUP#{group}",
        sk: "MUTE#{user}",
    },
    forget: Forget::Keep(ENFORCEMENT),
};

pub const WARNING_QUEUE: Family = Family {
    name: "warning-queue",
    about: "when a warning is due to be deleted",
    keys: Keys::Elsewhere {
        pk: "DUE#{minute}",
        sk: "{group}#{user}",
    },
    forget: Forget::Keep("deleted with the warning, within minutes"),
};

/// Every family of the guard's items that holds a user's data.
pub const KEY_MAP: KeyMap = KeyMap {
    table: ROUTES,
    families: &[
        families::PROFILE,
        families::LOG,
        families::RATE,
        SUBSCRIPTIONS,
        WARNINGS,
        RESTRICTIONS,
        WARNING_QUEUE,
        families::FLOOD,
        families::ADMINS,
        families::DENIED,
    ],
};

/// `/forget`: a Query of each of the user's partitions and a DeleteItem per item, on exactly
/// the partitions [`KEY_MAP`] erases (a test checks them against the map).
pub const FORGET_USER_DATA: Grant = Grant {
    name: "ForgetUserData",
    about: "a user's data, found and erased by /forget: Query and DeleteItem on the key map's partitions",
    actions: &["dynamodb:Query", "dynamodb:DeleteItem"],
    leading_keys: &["USER#*", "LOG#*", "LOGUSER#*", "RATE#*", "SUBS#*"],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_and_the_log_pass_the_framework_checks() {
        assert_eq!(KEY_MAP.check(), Ok(()));
        assert_eq!(lambdagram::routes::check_table(ROUTES), Ok(()));
        assert_eq!(ROUTES.log(), &LOG);
    }

    #[test]
    fn forget_may_erase_exactly_what_the_map_erases() {
        assert_eq!(FORGET_USER_DATA.leading_keys, KEY_MAP.erased_prefixes());
    }

    #[test]
    fn the_forget_route_is_never_logged_and_the_hot_path_only_when_it_enforces() {
        assert_eq!(LOG.rule("forget"), None);
        assert_eq!(LOG.rule("guard-message"), Some(When::Noted));
    }
}
