//! The channel guard's domain: who counts as subscribed, which rights the bot needs, a group's
//! protection settings, the callback-data codec and the membership cache's lifetimes. Pure code:
//! no I/O, no AWS or Lambda types. Design: docs/guard-design.md.

pub mod cache;
pub mod callback;
pub mod channels;
pub mod config;
pub mod rights;
pub mod store;
