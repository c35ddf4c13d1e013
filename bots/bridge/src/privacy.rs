//! What the bridge keeps about people: its interaction log ([`LOG`]), the families of its
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

/// `/forget`: a Query of each of the user's partitions and a DeleteItem per item, on exactly
/// the partitions [`KEY_MAP`] erases (a test checks them against the map).
pub const FORGET_USER_DATA: Grant = Grant {
    name: "ForgetUserData",
    about: "a user's data, found and erased by /forget: Query and DeleteItem on the key map's partitions",
    actions: &["dynamodb:Query", "dynamodb:DeleteItem"],
    leading_keys: &["LOG#*", "LOGUSER#*", "RATE#*", "BRIDGE#*"],
};
