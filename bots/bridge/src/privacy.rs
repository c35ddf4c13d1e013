//! What the bridge keeps about people: its interaction log ([`LOG`]) and its key map
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

/// The bridge logs its commands; relayed messages are its own history already (kept with
/// their retention), so they are not logged twice. Kept 30 days.
pub const LOG: LogPolicy = LogPolicy {
    rules: &[
        always("bridge-start"),
        always("bridge-help"),
        always("bridge-admin"),
        always("bridge-keys"),
        always("bridge-status"),
        always("bridge-history"),
        always("bridge-session"),
        always("bridge-workspace"),
    ],
    retention_days: 30,
};

/// What the user and the tool wrote in the user's private bridge chat.
pub const PRIVATE_ENTRIES: Family = Family {
    name: "private-messages",
    about: "the messages relayed in the user's private chat with the bridge",
    keys: Keys::Items {
        pk: "BRIDGE#{user}",
        sk_prefix: "E#",
    },
    forget: Forget::Erase,
};

/// The markers that keep a relayed Telegram message from being stored twice.
pub const PRIVATE_MARKERS: Family = Family {
    name: "private-markers",
    about: "which of the user's Telegram messages were relayed (ids only)",
    keys: Keys::Items {
        pk: "BRIDGE#{user}",
        sk_prefix: "TG#",
    },
    forget: Forget::Erase,
};

const ADMINS_SET: &str = "the bridge's settings for the chat, set by the bot's admins";

/// The private chat's bridge record: who may write, the sequence, the push settings.
pub const PRIVATE_CHAT: Family = Family {
    name: "private-chat",
    about: "the bridge's record of the user's private chat",
    keys: Keys::Elsewhere {
        pk: "BRIDGE#{user}",
        sk: "CHAT",
    },
    forget: Forget::Keep(ADMINS_SET),
};

/// The private chat in the push job's list.
pub const PRIVATE_PUSH: Family = Family {
    name: "private-push",
    about: "the user's private chat in the push job's list",
    keys: Keys::Elsewhere {
        pk: "BRIDGE#PUSH",
        sk: "{user}",
    },
    forget: Forget::Keep(ADMINS_SET),
};

/// The session and workspace of the private chat.
pub const PRIVATE_CONTEXT: Family = Family {
    name: "private-context",
    about: "the session and workspace the tool works in for the user's private chat",
    keys: Keys::Elsewhere {
        pk: "STATE#bridge#{user}",
        sk: "STATE",
    },
    forget: Forget::Keep(ADMINS_SET),
};

/// Every family of the bridge's items that holds a user's data.
pub const KEY_MAP: KeyMap = KeyMap {
    table: ROUTES,
    families: &[
        families::LOG,
        families::RATE,
        PRIVATE_ENTRIES,
        PRIVATE_MARKERS,
        PRIVATE_CHAT,
        PRIVATE_PUSH,
        PRIVATE_CONTEXT,
        families::ADMINS,
    ],
};

/// `/forget`: a Query of each of the user's partitions and a DeleteItem per item, on exactly
/// the partitions [`KEY_MAP`] erases (a test checks them against the map).
pub const FORGET_USER_DATA: Grant = Grant {
    name: "ForgetUserData",
    about: "a user's data, found and erased by /forget: Query and DeleteItem on the key map's partitions",
    actions: &["dynamodb:Query", "dynamodb:DeleteItem"],
    leading_keys: &["LOG#*", "LOGUSER#*", "RATE#*", "BRIDGE#*"],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_and_the_log_pass_the_framework_checks() {
        assert_eq!(KEY_MAP.check(), Ok(()));
        assert_eq!(lambdagram::routes::check_table(ROUTES), Ok(()));
        assert_eq!(ROUTES.log(), &LOG);
        assert_eq!(LOG.rule("bridge-forget"), None);
    }

    #[test]
    fn forget_may_erase_exactly_what_the_map_erases() {
        assert_eq!(FORGET_USER_DATA.leading_keys, KEY_MAP.erased_prefixes());
    }
}
