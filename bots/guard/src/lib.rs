//! The channel guard, a bot on the lambdagram framework: in a group that runs `/protect
//! @channel`, members who are not subscribed to the linked channel(s) are muted, warned and
//! verified. Its route table and jobs are [`routes`]. Pure domain: who counts as subscribed and which rights the bot needs
//! (`rights`), a group's protection (`config`), `/protect`'s arguments (`channels`), callback
//! data (`callback`), cache lifetimes (`cache`), the store port (`store`). `enforce` carries
//! them out through the Bot API client and the store port; `admin` is what the admin commands
//! (`/protect`, `/unprotect`, `/status`) share. No AWS or Lambda types.
//! Design: docs/guard-design.md.

/// A text of the guard, in each of its languages ([`i18n::LANGUAGES`]), checked at compile
/// time: `t! { en: "Hello", ru: "Привет" }`.
#[macro_export]
macro_rules! t {
    ($($body:tt)*) => {
        ::lambdagram::text!($crate::i18n::LANGUAGES => $($body)*)
    };
}

/// A phrase of the guard that depends on a count, with each language's forms:
/// `plural! { en: ["{n} day", "{n} days"], ru: ["{n} день", "{n} дня", "{n} дней"] }`.
#[macro_export]
macro_rules! plural {
    ($($body:tt)*) => {
        ::lambdagram::plural!($crate::i18n::LANGUAGES => $($body)*)
    };
}

pub mod admin;
pub mod admin_texts;
pub mod cache;
pub mod callback;
pub mod channels;
pub mod config;
pub mod enforce;
pub mod gate;
pub mod gate_cache;
pub mod grants;
pub mod health;
pub mod i18n;
pub mod join_requests;
pub mod key_map;
pub mod menu;
pub mod menu_texts;
pub mod metrics;
pub mod middleware;
pub mod privacy;
pub mod rights;
pub mod routes;
pub mod store;
pub mod texts;

/// The DynamoDB adapter of [`store::GuardStore`] (over the framework's `DynamoStore`).
#[cfg(feature = "aws")]
pub mod dynamo;
/// The in-memory adapter of [`store::GuardStore`] (over the framework's `MemoryStore`).
pub mod memory;

pub use key_map::KEY_MAP;
pub use routes::{JOBS, ROUTES};
