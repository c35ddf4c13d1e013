//! The bot-wide allow-list: when it is not empty, the bot serves only the users and chats on it
//! (and its admins, who can never lock themselves out). One set of ids ([`BotSet::Allowed`]),
//! judged like the deny-list: the sender's id (or the chat a post was made on behalf of) and
//! the chat's, so allowing a group lets everyone in it through and allowing a user lets them
//! through everywhere (their private chat included). An empty or never-written list is "off":
//! everyone gets through, and the check costs the one cached read of the set.
//!
//! A route that declares [`ALLOW_LIST`] acknowledges an update that is not on the list with no
//! answer (answering would let anyone make a private bot talk). The set is read from the
//! sandbox's copy ([`SandboxCache`]); the admins are read only for an update the list refuses,
//! from their own copy, so a refused stranger costs at most one more read per sandbox per
//! [`CACHE_TTL_SECS`].

use teloxide_core::types::Update;

use crate::admins::{owner, resolve};
use crate::botsets::{BotSet, BotSets, SandboxCache, CACHE_TTL_SECS};
use crate::denylist::ids;
use crate::grants::{READ_ALLOW_LIST, READ_BOT_ADMINS};
use crate::middleware::{BoxFuture, Flow, Middleware};
use crate::route::{HandlerError, RouteContext};
use crate::route_api::RouteResponse;
use crate::routes::MiddlewareDecl;

/// With a non-empty allow-list, only updates from a listed user, in a listed chat, or from a bot
/// admin get through.
pub const ALLOW_LIST: MiddlewareDecl = MiddlewareDecl {
    name: "allow-list",
    about: "when the bot's allow-list is on, only listed users and chats (and the bot's admins) get through",
    grants: &[READ_ALLOW_LIST, READ_BOT_ADMINS],
    limit: None,
};

/// The implementation of [`ALLOW_LIST`], with the sandbox's copies of the list and the admins.
pub struct AllowListed {
    allowed: SandboxCache,
    admins: SandboxCache,
}

/// The allow-list a function's composition hands to the runtime.
pub static ALLOW_LISTED: AllowListed = AllowListed::new();

impl AllowListed {
    pub const fn new() -> Self {
        Self {
            allowed: SandboxCache::new(CACHE_TTL_SECS),
            admins: SandboxCache::new(CACHE_TTL_SECS),
        }
    }
}

impl Default for AllowListed {
    fn default() -> Self {
        Self::new()
    }
}

/// What the allow-list decides for an update judged by `ids`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The list is off (empty or never written), or an id is on it.
    Pass,
    /// The list is on and no id is on it: only a bot admin gets through.
    AdminsOnly,
}

/// The verdict for `ids` against the `allowed` set.
pub fn judge(allowed: Option<&std::collections::BTreeSet<i64>>, ids: &[Option<i64>]) -> Verdict {
    match allowed.filter(|a| !a.is_empty()) {
        None => Verdict::Pass,
        Some(allowed) if ids.iter().flatten().any(|id| allowed.contains(id)) => Verdict::Pass,
        Some(_) => Verdict::AdminsOnly,
    }
}

impl<S: BotSets> Middleware<S> for AllowListed {
    fn declaration(&self) -> &'static MiddlewareDecl {
        &ALLOW_LIST
    }

    fn before<'a>(
        &'a self,
        ctx: &'a RouteContext<'a, S>,
        update: &'a Update,
    ) -> BoxFuture<'a, Result<Flow, HandlerError>> {
        Box::pin(async move {
            let allowed = self
                .allowed
                .get(ctx.store, BotSet::Allowed, ctx.now)
                .await?;
            let judged = ids(update);
            if judge(allowed.as_ref(), &judged) == Verdict::Pass {
                return Ok(Flow::Continue);
            }
            // A post on behalf of a chat carries a placeholder user, never an admin; `ids`
            // already put that chat first, so the sender is a user only when it is `from`.
            let sender = update.from().map(|u| u.id.0 as i64);
            if let Some(user) = sender.filter(|id| judged[0] == Some(*id)) {
                let stored = self.admins.get(ctx.store, BotSet::Admins, ctx.now).await?;
                if resolve(stored, owner()).contains(&user) {
                    return Ok(Flow::Continue);
                }
            }
            tracing::info!(route = ctx.route.name, "not on the allow-list: ignored");
            Ok(Flow::Stop(RouteResponse::ignored()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn an_empty_or_unwritten_list_is_off() {
        assert_eq!(judge(None, &[Some(1), Some(-100)]), Verdict::Pass);
        assert_eq!(
            judge(Some(&BTreeSet::new()), &[Some(1), Some(-100)]),
            Verdict::Pass
        );
    }

    #[test]
    fn a_listed_user_or_chat_passes_anyone_else_needs_to_be_an_admin() {
        let list = BTreeSet::from([7, -100]);
        assert_eq!(judge(Some(&list), &[Some(7), Some(-200)]), Verdict::Pass);
        assert_eq!(judge(Some(&list), &[Some(8), Some(-100)]), Verdict::Pass);
        assert_eq!(
            judge(Some(&list), &[Some(8), Some(-200)]),
            Verdict::AdminsOnly
        );
        assert_eq!(judge(Some(&list), &[None, None]), Verdict::AdminsOnly);
    }
}
