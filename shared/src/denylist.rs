//! The bot-wide deny-list: users and chats the bot ignores. One set of ids
//! ([`BotSet::Denied`]): a user's id, or a chat's (a group's is negative; a private chat's is
//! its user's, so denying a user also silences their private chat). A route that declares
//! [`DENY_LIST`] acknowledges a denied sender's or chat's update with no answer, before any
//! other middleware spends a write on it. The set is read from the sandbox's copy
//! ([`SandboxCache`]): a warm function answers from memory; a cold one, or a copy older than
//! [`CACHE_TTL_SECS`], costs one eventually consistent read.

use teloxide_core::types::{Update, UpdateKind};

use crate::botsets::{BotSet, BotSets, SandboxCache, CACHE_TTL_SECS};
use crate::grants::READ_DENY_LIST;
use crate::middleware::{BoxFuture, Flow, Middleware};
use crate::route::{HandlerError, RouteContext};
use crate::route_api::RouteResponse;
use crate::routes::MiddlewareDecl;

/// Updates from a denied user or in a denied chat are acknowledged and ignored.
pub const DENY_LIST: MiddlewareDecl = MiddlewareDecl {
    name: "deny-list",
    about: "updates from a denied user or in a denied chat are ignored",
    grants: &[READ_DENY_LIST],
    limit: None,
};

/// The implementation of [`DENY_LIST`], with the sandbox's copy of the set.
pub struct DenyListed {
    denied: SandboxCache,
}

/// The deny-list a function's composition hands to the runtime.
pub static DENY_LISTED: DenyListed = DenyListed::new();

impl DenyListed {
    pub const fn new() -> Self {
        Self {
            denied: SandboxCache::new(CACHE_TTL_SECS),
        }
    }

    /// Drops this sandbox's copy (after a change made here).
    pub fn forget(&self) {
        self.denied.forget();
    }
}

impl Default for DenyListed {
    fn default() -> Self {
        Self::new()
    }
}

/// The ids an update is judged by: its sender's and its chat's. A post on behalf of a chat is
/// judged by that chat, not by the placeholder user Telegram puts in `from` (shared by every
/// anonymous admin: denying it would deny them all, in every group). The allow-list judges by
/// the same ids.
pub(crate) fn ids(update: &Update) -> [Option<i64>; 2] {
    let sender_chat = match &update.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => m.sender_chat.as_ref(),
        _ => None,
    };
    [
        match sender_chat {
            Some(chat) => Some(chat.id.0),
            None => update.from().map(|u| u.id.0 as i64),
        },
        update.chat().map(|c| c.id.0),
    ]
}

impl<S: BotSets> Middleware<S> for DenyListed {
    fn declaration(&self) -> &'static MiddlewareDecl {
        &DENY_LIST
    }

    fn before<'a>(
        &'a self,
        ctx: &'a RouteContext<'a, S>,
        update: &'a Update,
    ) -> BoxFuture<'a, Result<Flow, HandlerError>> {
        Box::pin(async move {
            let denied = self.denied.get(ctx.store, BotSet::Denied, ctx.now).await?;
            let Some(denied) = denied.filter(|d| !d.is_empty()) else {
                return Ok(Flow::Continue);
            };
            if ids(update)
                .into_iter()
                .flatten()
                .any(|id| denied.contains(&id))
            {
                tracing::info!(route = ctx.route.name, "denied user or chat: ignored");
                return Ok(Flow::Stop(RouteResponse::ignored()));
            }
            Ok(Flow::Continue)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message in the Lounge: by Ada, or by an anonymous admin (on behalf of the Lounge, with
    /// Telegram's shared placeholder user in `from`).
    fn update(anonymous: bool) -> Update {
        let lounge = serde_json::json!({"id": -1_001_234_567_890_i64, "type": "supergroup", "title": "Lounge"});
        let mut message = serde_json::json!({
            "message_id": 9100, "date": 1_790_000_000, "chat": lounge,
            "from": {"id": 1_087_968_824, "is_bot": true, "first_name": "Group",
                     "username": "GroupAnonymousBot"},
            "text": "/status"
        });
        if anonymous {
            message["sender_chat"] = lounge;
        } else {
            message["from"] = serde_json::json!({"id": 42, "is_bot": false, "first_name": "Ada"});
        }
        let read = |message: &serde_json::Value| -> Update {
            // From text, as the pipeline reads it (a `Value` does not carry raw values).
            serde_json::from_str(
                &serde_json::json!({"update_id": 1, "message": message}).to_string(),
            )
            .expect("an update")
        };
        read(&message)
    }

    #[test]
    fn a_post_on_behalf_of_a_chat_is_judged_by_that_chat_not_the_shared_placeholder() {
        let lounge = Some(-1_001_234_567_890);
        let anonymous = update(true);
        assert!(
            matches!(anonymous.kind, UpdateKind::Message(_)),
            "{:?}",
            anonymous.kind
        );
        assert_eq!(ids(&anonymous), [lounge, lounge]);
        assert_eq!(ids(&update(false)), [Some(42), lounge]);
    }
}
