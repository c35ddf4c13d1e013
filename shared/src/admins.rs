//! The bot's admins: who may run the routes a table declares [`ADMINS_ONLY`] (the `/admin` and
//! `/deny` commands, and any of a bot's own). Bot-wide, in the store ([`BotSet::Admins`]). The
//! first admin is the deploy parameter `BotOwnerId` (variable [`OWNER_VAR`]): until the set is
//! first written, the owner alone is an admin; the first `/admin add` writes the owner in with
//! the new admin, and from then on the stored set is the truth (the owner may be removed like
//! anyone, but never the last admin). Without an owner and without a stored set nobody is an
//! admin: the admin-only routes refuse everyone, they never open up.
//!
//! A non-admin's update to an admin-only route is acknowledged in silence: answering would let
//! anyone make the bot talk (and spend a message of the chat's flood limit) by probing.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use teloxide_core::types::Update;

use crate::botsets::{BotSet, BotSets};
use crate::grants::READ_BOT_ADMINS;
use crate::middleware::{BoxFuture, Flow, Middleware};
use crate::route::{HandlerError, RouteContext};
use crate::route_api::RouteResponse;
use crate::routes::MiddlewareDecl;

/// The variable holding the first owner's Telegram user id (the template's `BotOwnerId`).
pub const OWNER_VAR: &str = "BOT_OWNER_ID";

/// The owner's user id from `raw` (the variable's value): unset or empty is `None`; anything
/// but a positive integer (a user id) is an error.
pub fn parse_owner(raw: Option<&str>) -> Result<Option<i64>, String> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => match v.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Some(id)),
            _ => Err(format!(
                "{OWNER_VAR} must be a Telegram user id (a positive integer)"
            )),
        },
    }
}

/// The owner, read once per sandbox. An invalid value is logged as an error and counts as no
/// owner: the admin-only routes refuse everyone rather than guess.
pub fn owner() -> Option<i64> {
    static OWNER: OnceLock<Option<i64>> = OnceLock::new();
    *OWNER.get_or_init(|| {
        let raw = std::env::var(OWNER_VAR).ok();
        match parse_owner(raw.as_deref()) {
            Ok(None) => {
                tracing::warn!("{OWNER_VAR} is not set: only stored bot admins are admins");
                None
            }
            Ok(owner) => owner,
            Err(why) => {
                tracing::error!(reason = %why, "the bot owner is invalid: no owner");
                None
            }
        }
    })
}

/// The admins: the stored set once written, the owner alone before.
pub fn resolve(stored: Option<BTreeSet<i64>>, owner: Option<i64>) -> BTreeSet<i64> {
    stored.unwrap_or_else(|| owner.into_iter().collect())
}

/// Whether `user_id` is a bot admin now (a strongly consistent read: a removed admin loses
/// the right at once).
pub async fn is_bot_admin<S: BotSets>(
    store: &S,
    user_id: i64,
    owner: Option<i64>,
) -> Result<bool, HandlerError> {
    let stored = store.members(BotSet::Admins, true).await?;
    Ok(resolve(stored, owner).contains(&user_id))
}

/// Only the bot's admins get through; anyone else's update is acknowledged in silence.
pub const ADMINS_ONLY: MiddlewareDecl = MiddlewareDecl {
    name: "admins-only",
    about: "only the bot's admins get through; anyone else is ignored",
    grants: &[READ_BOT_ADMINS],
    limit: None,
};

/// The implementation of [`ADMINS_ONLY`].
pub struct AdminsOnly;

impl<S: BotSets> Middleware<S> for AdminsOnly {
    fn declaration(&self) -> &'static MiddlewareDecl {
        &ADMINS_ONLY
    }

    fn before<'a>(
        &'a self,
        ctx: &'a RouteContext<'a, S>,
        update: &'a Update,
    ) -> BoxFuture<'a, Result<Flow, HandlerError>> {
        Box::pin(async move {
            // Messages on behalf of a chat carry a placeholder user: never an admin.
            let sender = update.from().filter(|_| sender_chat(update).is_none());
            let Some(user) = sender else {
                return Ok(Flow::Stop(RouteResponse::ignored()));
            };
            if is_bot_admin(ctx.store, user.id.0 as i64, owner()).await? {
                Ok(Flow::Continue)
            } else {
                tracing::info!(route = ctx.route.name, "not a bot admin: ignored");
                Ok(Flow::Stop(RouteResponse::ignored()))
            }
        })
    }
}

/// The chat a message was sent on behalf of, if any.
fn sender_chat(update: &Update) -> Option<i64> {
    use teloxide_core::types::UpdateKind;
    match &update.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => {
            m.sender_chat.as_ref().map(|c| c.id.0)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_is_a_positive_id_or_nothing() {
        assert_eq!(parse_owner(None), Ok(None));
        assert_eq!(parse_owner(Some("  ")), Ok(None));
        assert_eq!(parse_owner(Some(" 111111 ")), Ok(Some(111_111)));
        for bad in ["-100", "0", "alice", "1e6"] {
            assert!(parse_owner(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_owner_is_the_admin_until_the_set_is_written() {
        assert_eq!(resolve(None, Some(1)), BTreeSet::from([1]));
        assert_eq!(resolve(None, None), BTreeSet::new());
        assert_eq!(
            resolve(Some(BTreeSet::from([2])), Some(1)),
            BTreeSet::from([2]),
            "the stored set is the truth once written"
        );
    }
}
