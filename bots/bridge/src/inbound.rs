//! A message in a bridge chat: stored for the tool when an allowed user wrote it (a user the
//! chat allows, or a bot admin); anything else is ignored in silence. Nothing is said in
//! Telegram, so a redelivered update has no visible effect; the store keeps each Telegram
//! message once (`BridgeStore::append`). When the chat pushes to the tool, the new message is
//! pushed at once (`push`); a failed push is retried by the `bridge-push` job.

use lambdagram::admins;
use lambdagram::botsets::{BotSet, BotSets, SandboxCache, CACHE_TTL_SECS};
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::Message;

use lambdagram::push::Pusher;

use crate::push::push_pending;
use crate::store::{append_entry, BridgeStore, ChatRecord, Direction, Entry, Outcome};

/// The inbound route's handler, with the sandbox's copy of the bot admins and what pushes to
/// the tool.
pub struct Inbound<P> {
    admins: SandboxCache,
    pusher: P,
}

impl<P: Pusher> Inbound<P> {
    pub const fn new(pusher: P) -> Self {
        Self {
            admins: SandboxCache::new(CACHE_TTL_SECS),
            pusher,
        }
    }

    /// Pushes the stored message when the chat pushes. A failure here is not the update's:
    /// the message is stored, and the push job catches up.
    async fn push<S: BridgeStore>(&self, store: &S, chat: &ChatRecord, seq: u64, now: i64) {
        if chat.push.is_none() {
            return;
        }
        let chat = ChatRecord {
            seq,
            ..chat.clone()
        };
        if let Err(e) = push_pending(store, &self.pusher, &chat, now).await {
            tracing::warn!(error = %e, "bridge push: bookkeeping failed; the job catches up");
        }
    }
}

/// The text a message relays: its text or a caption.
fn text_of(message: &Message) -> Option<String> {
    let text = message.text().or_else(|| message.caption())?;
    Some(text.chars().take(crate::store::MAX_TEXT_CHARS).collect())
}

impl<S: BridgeStore + BotSets, P: Pusher> RouteHandler<S> for Inbound<P> {
    type Input = Message;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        message: Message,
    ) -> Result<RouteResponse, HandlerError> {
        let chat_id = message.chat.id.0;
        let (Some(user), Some(text)) = (message.from.as_ref(), text_of(&message)) else {
            return Ok(RouteResponse::done());
        };
        // On behalf of a chat (an anonymous admin, a channel): not a user we can allow.
        if message.sender_chat.is_some() || user.is_bot {
            return Ok(RouteResponse::done());
        }
        let Some(chat) = ctx.store.chat(chat_id).await? else {
            return Ok(RouteResponse::done());
        };
        let user_id = user.id.0 as i64;
        let allowed = chat.users.contains(&user_id) || {
            let stored = self.admins.get(ctx.store, BotSet::Admins, ctx.now).await?;
            admins::resolve(stored, admins::owner()).contains(&user_id)
        };
        if !allowed {
            tracing::debug!("a message in a bridge chat from a user it does not allow");
            return Ok(RouteResponse::done());
        }
        let entry = Entry {
            seq: 0,
            direction: Direction::In,
            message_id: i64::from(message.id.0),
            from_id: user_id,
            from_name: user.full_name(),
            text,
            reply_to: message.reply_to_message().map(|m| i64::from(m.id.0)),
            at: ctx.now,
        };
        match append_entry(ctx.store, chat.clone(), entry, ctx.now).await? {
            Outcome::Stored(seq) => {
                tracing::info!(seq, "bridge message stored");
                self.push(ctx.store, &chat, seq, ctx.now).await;
            }
            Outcome::Duplicate => tracing::info!("bridge message stored already (a redelivery)"),
            Outcome::NoChat => {}
        }
        Ok(RouteResponse::done())
    }
}
