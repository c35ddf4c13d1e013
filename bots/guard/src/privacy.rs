//! What the guard keeps about people: its interaction log ([`LOG`]), the families of its
//! key map that are its own, and the grant of `/forget` (the map itself: `key_map`, which needs
//! the route table).

use lambdagram::grants::Grant;
use lambdagram::interaction_log::{LogPolicy, Logged, When};
use lambdagram::keymap::{Family, Forget, Keys};

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
        always("allowlist"),
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

/// `/forget`: a Query of each of the user's partitions and a DeleteItem per item, on exactly
/// the partitions [`KEY_MAP`] erases (a test checks them against the map).
pub const FORGET_USER_DATA: Grant = Grant {
    name: "ForgetUserData",
    about: "a user's data, found and erased by /forget: Query and DeleteItem on the key map's partitions",
    actions: &["dynamodb:Query", "dynamodb:DeleteItem"],
    leading_keys: &["USER#*", "LOG#*", "LOGUSER#*", "RATE#*", "SUBS#*"],
};
