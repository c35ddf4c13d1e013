//! The bridge's texts. It speaks English; a language is added as in the guard (a catalogue
//! given to the route table), without touching the framework.

use lambdagram::i18n::{Text, EN};

pub const CMD_START: Text = Text::new(&[(EN, "what this bridge is, and your ids")]);
pub const CMD_FORGET: Text = Text::new(&[(EN, "erase what the bot keeps about you")]);
pub const CMD_HELP: Text = Text::new(&[(EN, "list the commands")]);
pub const CMD_STATUS: Text = Text::new(&[(
    EN,
    "the tool's last visit, pending messages, last error (bot admins)",
)]);
pub const CMD_HISTORY: Text = Text::new(&[(
    EN,
    "the chat's last relayed messages, or those with some words (bot admins)",
)]);
pub const CMD_SESSION: Text =
    Text::new(&[(EN, "show or set the session the tool works in (bot admins)")]);
pub const CMD_WORKSPACE: Text = Text::new(&[(
    EN,
    "show or set the workspace the tool works in (bot admins)",
)]);
pub const CMD_BRIDGE: Text =
    Text::new(&[(EN, "API keys and who may write to the tool (bot admins)")]);

pub const START: &str = "This bot is a bridge between Telegram and a tool outside it. \
Messages that allowed users write here reach the tool; the tool's messages appear here.\n\
This chat's id: {chat}\nYour user id: {user}";

pub const HELP_HEADER: &str = "Commands:";

pub const BRIDGE_USAGE: &str = "Usage:\n\
/bridge key new [chat id] [label] - a new API key for this chat (or that one); in a private chat only\n\
/bridge key revoke <key id>\n\
/bridge key list\n\
/bridge allow <user id> - this user's messages here reach the tool\n\
/bridge disallow <user id>\n\
/bridge users\n\
/bridge push <https url> [chat id] - push this chat's new messages to the tool, signed; in a private chat only\n\
/bridge push off [chat id]";

pub const KEY_ISSUED: &str = "API key {id} ({label}) for chat {chat}:\n{token}\n\
It is shown once: keep it in your tool's secret store. Revoke it with /bridge key revoke {id}.";
pub const KEY_IN_GROUP: &str =
    "Issue keys in a private chat with me, so the group does not see them: \
/bridge key new {chat}";
pub const KEY_REVOKED: &str = "API key {id} is revoked.";
pub const KEY_UNKNOWN: &str = "There is no live API key {id}.";
pub const KEYS_NONE: &str = "No API keys yet: /bridge key new";
pub const KEYS_HEADER: &str = "API keys:";
pub const USER_ALLOWED: &str = "{user}'s messages in chat {chat} reach the tool now.";
pub const USER_DISALLOWED: &str = "{user}'s messages in chat {chat} no longer reach the tool.";
pub const NOT_A_BRIDGE_CHAT: &str =
    "Chat {chat} is not a bridge chat yet: issue a key for it first (/bridge key new {chat}).";
pub const PUSH_SET: &str =
    "New messages in chat {chat} are pushed to {url}, signed with HMAC-SHA-256.\n\
Signing secret (shown once): {secret}\n\
Check x-lambdagram-signature = sha256=HMAC(secret, x-lambdagram-timestamp + \".\" + body).";
pub const PUSH_IN_GROUP: &str =
    "Set pushes in a private chat with me, so the group does not see the signing secret: \
/bridge push <https url> {chat}";
pub const PUSH_BAD_URL: &str = "Pushes go to an https:// URL only.";
pub const PUSH_OFF: &str = "Chat {chat} no longer pushes to the tool.";
pub const USERS: &str = "Allowed in chat {chat} (besides the bot's admins): {users}";

pub const STATUS: &str =
    "Bridge chat {chat}\nTool last seen: {seen}\nPending messages: {pending}\nLast error: {error}";
pub const NEVER: &str = "never";
pub const NONE: &str = "none";

pub const HISTORY_EMPTY: &str = "No relayed messages found.";

pub const CONTEXT_SHOW: &str =
    "{field}: {value}\nSet it with /{field} <value>, clear it with /{field} -";
pub const CONTEXT_SET: &str = "{field} is now: {value}";
pub const CONTEXT_CLEARED: &str = "{field} is cleared.";
pub const CONTEXT_UNSET: &str = "not set";
