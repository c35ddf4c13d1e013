//! The bridge, a second bot on the lambdagram framework: a two-way relay between Telegram chats
//! and a program outside Telegram. Bot admins issue API keys (`/bridge key new`), each scoped
//! to chats; the tool sends as the bot with `POST /bridge/messages` and reads what allowed users
//! wrote with `GET /bridge/messages?after=CURSOR`. Every relayed message is kept in order per
//! chat, for a retention period, and searchable (`GET /bridge/history`, `/history`).
//!
//! Pure domain and handlers over the framework's ports: keys (`keys`), the store port
//! (`store`), the HTTP API (`api`), the Telegram routes (`routes`, `commands`, `inbound`). No
//! AWS or Lambda types outside the `dynamo` adapter. It shares no code with the channel guard.

pub mod api;
pub mod commands;
pub mod inbound;
pub mod key_map;
pub mod keys;
pub mod privacy;
pub mod push;
pub mod routes;
pub mod store;
pub mod texts;

#[cfg(feature = "aws")]
pub mod dynamo;

pub use key_map::KEY_MAP;
pub use routes::{ENDPOINTS, JOBS, ROUTES};
