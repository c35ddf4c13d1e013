//! lambdagram, the framework: Telegram bots as small serverless functions. It knows Telegram
//! updates, route tables, ingress, ports and adapters, and no bot: bots (like the channel guard
//! in `bots/guard`) are crates on top of it, each with its own route table, texts and stores.
//!
//! - Domain (no Lambda or AWS types): [`routes`] (the route table), [`jobs`] (the scheduled
//!   jobs), [`classify`], [`update`],
//!   [`ingress`] (the webhook's logic), [`route`] (the route side: [`input`] a handler's
//!   typed input, [`middleware`], [`pipeline`] one invocation), [`journal`] (effects at most
//!   once), [`flood`] (flood control shared by every function), [`ports`], [`i18n`],
//!   [`secret`], [`metrics`]. Bot control any bot opts into in its table: [`admins`] (the
//!   bot's admins, `ADMINS_ONLY` routes, `/admin`), [`ratelimit`] (per-user limits shared by
//!   every instance), [`denylist`] (users and chats ignored, `/deny`), over [`botsets`].
//!   [`state`]: sessions (typed values with a TTL and an optimistic version), and
//!   [`conversation`] on top (ask, wait for the answer in the same chat, next step; `/cancel`).
//! - Adapters: [`memory`] and [`inprocess`] for tests and local runs; [`telegram`] for the Bot
//!   API; `aws` (feature `aws`) for DynamoDB, SSM and Lambda Invoke; `lambda` (feature `lambda`)
//!   to run handlers on the Lambda runtime.

pub mod admin_command;
pub mod admins;
pub mod allowlist;
pub mod botsets;
pub mod classify;
pub mod config;
pub mod control;
#[cfg(test)]
mod control_tests;
pub mod control_texts;
pub mod conversation;
pub mod crypto;
pub mod deny_command;
pub mod denylist;
pub mod dispatch;
pub mod flood;
pub mod forget_command;
pub mod grants;
pub mod http_api;
pub mod i18n;
pub mod ingress;
pub mod inprocess;
pub mod input;
pub mod interaction_log;
pub mod jobs;
pub mod journal;
pub mod keymap;
pub mod log_safe;
pub mod memory;
pub mod metrics;
pub mod middleware;
pub mod pipeline;
pub mod ports;
pub mod push;
pub mod ratelimit;
pub mod route;
pub mod route_api;
pub mod routes;
pub mod secret;
pub mod state;
pub mod telegram;
pub mod time;
pub mod tls;
pub mod ttl_map;
pub mod update;

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "lambda")]
pub mod lambda;

pub use teloxide_core;
