//! The bridge's route table: every update it handles, each by its own function. The webhook,
//! `allowed_updates`, the command menu, `/help`, the in-process registry and the template all
//! follow from [`ROUTES`]; the HTTP API's function from [`ENDPOINTS`].

use lambdagram::admins::ADMINS_ONLY;
use lambdagram::grants::{
    Grant, COUNT_RATE, KEEP_STATE, MANAGE_BOT_ADMINS, READ_BOT_ADMINS, READ_STATE,
};
use lambdagram::http_api::Endpoint;
use lambdagram::jobs::Job;
use lambdagram::ratelimit;
use lambdagram::routes::{Audience, MiddlewareDecl, Route, RouteTable, Scope, Trigger};

use crate::texts;

/// Reading a bridge chat: its record (one GetItem) and its entries (a Query).
pub const READ_CHATS: Grant = Grant {
    name: "ReadBridgeChats",
    about: "the bridge's chats: their record and their entries, on BRIDGE# items",
    actions: &["dynamodb:GetItem", "dynamodb:Query"],
    leading_keys: &["BRIDGE#*"],
};

/// Reading a bridge chat's record only (one GetItem): who may write, its sequence.
pub const READ_CHAT_RECORDS: Grant = Grant {
    name: "ReadBridgeChatRecords",
    about: "the bridge's chats: their record only (one GetItem), on BRIDGE# items",
    actions: &["dynamodb:GetItem"],
    leading_keys: &["BRIDGE#*"],
};

/// Updating a bridge chat's record only: the pushes' progress and the last error.
pub const UPDATE_CHATS: Grant = Grant {
    name: "UpdateBridgeChats",
    about: "the bridge's chats: their record's push progress and last error (UpdateItem), on BRIDGE# items",
    actions: &["dynamodb:UpdateItem"],
    leading_keys: &["BRIDGE#*"],
};

/// Listing the API keys (a Query), never reading one's hash.
pub const LIST_KEYS: Grant = Grant {
    name: "ListBridgeKeys",
    about: "the bridge's API keys: a Query to list them, on BRIDGEKEYS",
    actions: &["dynamodb:Query"],
    leading_keys: &["BRIDGEKEYS"],
};

/// Checking one API key (one strongly consistent GetItem).
pub const CHECK_KEYS: Grant = Grant {
    name: "CheckBridgeKeys",
    about: "the bridge's API keys (hashes only): one GetItem per request, on BRIDGEKEYS",
    actions: &["dynamodb:GetItem"],
    leading_keys: &["BRIDGEKEYS"],
};

/// Writing a bridge chat: an entry and its sequence in one transaction, the tool's visit,
/// the last error, the allowed users.
pub const WRITE_CHATS: Grant = Grant {
    name: "WriteBridgeChats",
    about: "the bridge's chats: entries appended with their sequence, visits, errors, users, on BRIDGE# items",
    actions: &["dynamodb:PutItem", "dynamodb:UpdateItem"],
    leading_keys: &["BRIDGE#*"],
};

/// Stopping a chat's pushes: its entry in the push job's list (`BRIDGE#PUSH`) is deleted in
/// the same transaction as the chat's settings (the entry is put under [`WRITE_CHATS`]).
pub const STOP_PUSHES: Grant = Grant {
    name: "StopBridgePushes",
    about: "the push job's list: a chat's entry removed when its pushes stop (DeleteItem), on BRIDGE#PUSH",
    actions: &["dynamodb:DeleteItem"],
    leading_keys: &["BRIDGE#PUSH"],
};

/// Issuing and revoking API keys.
pub const MANAGE_KEYS: Grant = Grant {
    name: "ManageBridgeKeys",
    about: "the bridge's API keys: issue (PutItem) and revoke (UpdateItem), on BRIDGEKEYS",
    actions: &["dynamodb:PutItem", "dynamodb:UpdateItem"],
    leading_keys: &["BRIDGEKEYS"],
};

/// The bridge's HTTP API for the outside tool (`api`): its function may check keys, count
/// each key's requests, read and append to its chats, and read the context the admins set.
pub const ENDPOINTS: &[Endpoint] = &[Endpoint {
    name: "bridge-api",
    about: "Bridge HTTP API - the outside tool sends as the bot, reads what allowed users wrote, searches the history (API keys).",
    routes: &[
        ("POST", "/bridge/messages"),
        ("GET", "/bridge/messages"),
        ("GET", "/bridge/history"),
        ("GET", "/bridge/context"),
    ],
    grants: &[CHECK_KEYS, COUNT_RATE, READ_CHATS, WRITE_CHATS, READ_STATE],
}];

/// Each key may make this many requests per minute, shared by every instance of the API.
pub const API_RATE: lambdagram::flood::Limit = lambdagram::flood::Limit {
    max: 60,
    window_secs: 60,
};

/// `/start` and `/help` are open to anyone: limited per user.
const OPEN_RATE: MiddlewareDecl = ratelimit::per_user(5, 10);

const fn command(name: &'static str, scope: Scope) -> Trigger {
    Trigger::Command { name, scope }
}

/// Every route the bridge has.
pub const ROUTES: RouteTable = RouteTable::new(&[
    Route {
        name: "bridge-start",
        trigger: command("start", Scope::Everywhere),
        help: Some(texts::CMD_START),
        audience: Audience::Everyone,
        side_effects: false,
        about: "Bridge /start - what the bridge is, and the chat's and the user's ids (a webhook reply).",
        grants: &[],
        middleware: &[OPEN_RATE],
    },
    Route {
        name: "bridge-help",
        trigger: command("help", Scope::Everywhere),
        help: Some(texts::CMD_HELP),
        audience: Audience::Everyone,
        side_effects: false,
        about: "Bridge /help - the commands, from the route table (a webhook reply).",
        grants: &[],
        middleware: &[OPEN_RATE],
    },
    Route {
        name: "bridge-admin",
        trigger: command("admin", Scope::Everywhere),
        help: None,
        audience: Audience::Everyone,
        side_effects: false,
        about: "Bridge /admin - the bot's admins: list, add, remove (bot admins only; framework).",
        grants: &[MANAGE_BOT_ADMINS],
        middleware: &[ADMINS_ONLY],
    },
    Route {
        name: "bridge-forget",
        trigger: command("forget", Scope::Private),
        help: Some(texts::CMD_FORGET),
        audience: Audience::Everyone,
        // Idempotent, but its answer says what it erased: the ledger keeps a redelivery after
        // success from answering "nothing".
        side_effects: true,
        about: "Bridge /forget - a user erases their data across the key map's families, after a confirm (framework).",
        grants: &[crate::privacy::FORGET_USER_DATA],
        middleware: &[],
    },
    Route {
        name: "bridge-keys",
        trigger: command("bridge", Scope::Everywhere),
        help: Some(texts::CMD_BRIDGE),
        audience: Audience::Everyone,
        side_effects: false,
        about: "Bridge /bridge - API keys (issue, revoke, list) and the users whose messages reach the tool (bot admins only).",
        grants: &[LIST_KEYS, MANAGE_KEYS, READ_CHAT_RECORDS, WRITE_CHATS, STOP_PUSHES],
        middleware: &[ADMINS_ONLY],
    },
    Route {
        name: "bridge-status",
        trigger: command("status", Scope::Everywhere),
        help: Some(texts::CMD_STATUS),
        audience: Audience::Everyone,
        side_effects: false,
        about: "Bridge /status - the tool's last visit, pending messages and last error (bot admins only).",
        grants: &[READ_CHATS],
        middleware: &[ADMINS_ONLY],
    },
    Route {
        name: "bridge-history",
        trigger: command("history", Scope::Everywhere),
        help: Some(texts::CMD_HISTORY),
        audience: Audience::Everyone,
        side_effects: false,
        about: "Bridge /history - the chat's last relayed messages, or those with some words (bot admins only).",
        grants: &[READ_CHATS],
        middleware: &[ADMINS_ONLY],
    },
    Route {
        name: "bridge-session",
        trigger: command("session", Scope::Everywhere),
        help: Some(texts::CMD_SESSION),
        audience: Audience::Everyone,
        side_effects: false,
        about: "Bridge /session - the session the tool works in, kept in the chat's state (bot admins only).",
        grants: &[KEEP_STATE],
        middleware: &[ADMINS_ONLY],
    },
    Route {
        name: "bridge-workspace",
        trigger: command("workspace", Scope::Everywhere),
        help: Some(texts::CMD_WORKSPACE),
        audience: Audience::Everyone,
        side_effects: false,
        about: "Bridge /workspace - the workspace the tool works in, kept in the chat's state (bot admins only).",
        grants: &[KEEP_STATE],
        middleware: &[ADMINS_ONLY],
    },
    Route {
        name: "bridge-inbound",
        trigger: Trigger::Conversation,
        help: None,
        audience: Audience::Everyone,
        // Stored once per Telegram message (a marker in the same transaction): a redelivery
        // writes nothing, and nothing visible happens in Telegram.
        side_effects: false,
        about: "Bridge inbound - an allowed user's message in a bridge chat, stored in order for the tool.",
        // The chat's record (GetItem), the entry's transaction; a push's progress (UpdateItem,
        // part of WRITE_CHATS) and the entries after the last push (Query).
        grants: &[READ_CHATS, WRITE_CHATS, READ_BOT_ADMINS],
        middleware: &[],
    },
])
.logging(&crate::privacy::LOG);

/// The bridge's scheduled job: pushes that failed are retried with backoff, and given up after
/// a few (entries expire by DynamoDB's TTL: no job for that).
pub const JOBS: &[Job] = &[Job {
    name: "bridge-push",
    schedule: "rate(1 minute)",
    about: "Bridge push retries - pushes to the tool that failed are retried with exponential backoff, then dead-lettered.",
    grants: &[READ_CHATS, UPDATE_CHATS],
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_valid_and_names_its_functions_after_the_bot() {
        lambdagram::routes::check_table(ROUTES).expect("a valid table");
        for route in ROUTES {
            assert!(route.name.starts_with("bridge-"), "{}", route.name);
        }
        assert_eq!(ROUTES.allowed_updates(), vec!["message"]);
    }
}
