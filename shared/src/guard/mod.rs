//! The channel guard. Pure domain: who counts as subscribed and which rights the bot needs
//! (`rights`), a group's protection (`config`), `/protect`'s arguments (`channels`), callback
//! data (`callback`), cache lifetimes (`cache`), the store port (`store`). `enforce` carries
//! them out through the Bot API client and the store port; `admin` is what the admin commands
//! (`/protect`, `/unprotect`, `/status`) share. No AWS or Lambda types.
//! Design: docs/guard-design.md.

pub mod admin;
pub mod admin_texts;
pub mod cache;
pub mod callback;
pub mod channels;
pub mod config;
pub mod enforce;
pub mod gate;
pub mod health;
pub mod menu;
pub mod menu_texts;
pub mod rights;
pub mod store;
pub mod texts;
