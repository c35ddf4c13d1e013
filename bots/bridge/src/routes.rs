//! The bridge's route table: every update it handles, each by its own function. The webhook,
//! `allowed_updates`, the command menu, `/help`, the in-process registry and the template all
//! follow from [`ROUTES`]; the HTTP API's function from [`ENDPOINTS`].

use lambdagram::admins::ADMINS_ONLY;
use lambdagram::grants::{Grant, COUNT_RATE, KEEP_STATE, MANAGE_BOT_ADMINS, READ_BOT_ADMINS};
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

/// Writing a bridge chat: an entry and its sequence in one transaction, the tool's visit,
/// the last error, the allowed users.
pub const WRITE_CHATS: Grant = Grant {
    name: "WriteBridgeChats",
    about: "the bridge's chats: entries appended with their sequence, visits, errors, users, on BRIDGE# items",
    actions: &["dynamodb:PutItem", "dynamodb:UpdateItem"],
    leading_keys: &["BRIDGE#*"],
};

/// Checking an API key (one strongly consistent GetItem) or listing them (a Query).
pub const READ_KEYS: Grant = Grant {
    name: "ReadBridgeKeys",
    about: "the bridge's API keys (hashes only): one GetItem per request, a Query to list, on BRIDGEKEYS",
    actions: &["dynamodb:GetItem", "dynamodb:Query"],
    leading_keys: &["BRIDGEKEYS"],
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
    grants: &[READ_KEYS, COUNT_RATE, READ_CHATS, WRITE_CHATS, KEEP_STATE],
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
        name: "bridge-keys",
        trigger: command("bridge", Scope::Everywhere),
        help: Some(texts::CMD_BRIDGE),
        audience: Audience::Everyone,
        side_effects: false,
        about: "Bridge /bridge - API keys (issue, revoke, list) and the users whose messages reach the tool (bot admins only).",
        grants: &[READ_KEYS, MANAGE_KEYS, READ_CHATS, WRITE_CHATS],
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
        grants: &[READ_CHATS, WRITE_CHATS, READ_BOT_ADMINS],
        middleware: &[],
    },
]);

/// The bridge's scheduled job: pushes that failed are retried with backoff, and given up after
/// a few (entries expire by DynamoDB's TTL: no job for that).
pub const JOBS: &[Job] = &[Job {
    name: "bridge-push",
    schedule: "rate(1 minute)",
    about: "Bridge push retries - pushes to the tool that failed are retried with exponential backoff, then dead-lettered.",
    grants: &[READ_CHATS, WRITE_CHATS],
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
