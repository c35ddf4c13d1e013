//! Conversations: multi-step exchanges with one user in one chat, on the session store.
//!
//! A route asks a question and records what waits for the answer ([`ask`]). The user's next
//! message in that chat that is not a command is routed to the table's
//! [`Trigger::Conversation`](crate::routes::Trigger::Conversation) route, whose handler is a
//! [`ConversationRoute`]: it reads what waits, runs the bot's step for it ([`Steps`]) and records
//! the next question or the end. Each write is conditioned on the version it read, so when two
//! instances handle two quick answers, only one moves the step; the other fails with a conflict,
//! Telegram redelivers its update, and it answers the next step. What waits is in the store
//! (`CONV#<chat>#<user>`), not in a function's memory: a conversation survives cold starts and
//! goes on in whichever instance gets the next message. It is abandoned after its time to live
//! (a later message is no answer), and `/cancel` ([`CancelCommand`]) ends it.
//!
//! Costs: an answer is one strongly consistent GetItem and one conditional UpdateItem; a message
//! when nothing waits, the GetItem alone; asking, one GetItem and one UpdateItem.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use teloxide_core::types::{Message, MessageKind};

use crate::control::answer;
use crate::control_texts as texts;
use crate::input::Command;
use crate::ports::StoreError;
use crate::route::{HandlerError, RouteContext, RouteHandler};
use crate::route_api::RouteResponse;
use crate::state::{get, put, Read, StateKey, StateStore};
use crate::time::Epoch;

/// How long a question waits for its answer unless the steps say otherwise.
pub const DEFAULT_TTL_SECS: i64 = 15 * 60;

/// What waits for the user's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting<T> {
    /// Which conversation (a bot may have several; its [`Steps`] tell them apart).
    pub conversation: String,
    /// The step the answer goes to.
    pub step: String,
    /// What the earlier steps gathered.
    pub data: T,
    /// The id of the last message taken as an answer (Telegram numbers a chat's messages in
    /// order): that message redelivered, or an older one that lost a race to it, is not taken
    /// again — it would answer the next question with what belonged to an earlier one.
    #[serde(default)]
    pub answered: Option<i32>,
    /// The webhook reply given with that answer (the next question): a redelivery of the same
    /// message means the first response failed and its reply never reached Telegram, so it is
    /// given again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<serde_json::Value>,
}

/// Starts a conversation, or restarts the one waiting: the next message of `user` in `chat`
/// (not a command) is the answer to `waiting.step`, for `ttl_secs`.
pub async fn ask<T: Serialize + Sync, S: StateStore>(
    store: &S,
    chat: i64,
    user: i64,
    waiting: &Waiting<T>,
    ttl_secs: i64,
    now: Epoch,
) -> Result<(), StoreError> {
    let key = StateKey::conversation(chat, user);
    let current = store.load(&key, now).await?.map(|v| v.version);
    put(store, &key, waiting, current, ttl_secs, now)
        .await
        .map(|_| ())
}

/// What a step decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Turn<T> {
    /// Ask the next question (in `reply`); the answer goes to `step`.
    Ask {
        step: String,
        data: T,
        reply: RouteResponse,
    },
    /// The conversation is over; `reply` is the last answer.
    Done(RouteResponse),
}

/// A bot's conversation steps: given what waits and the user's message, the next turn.
pub trait Steps<S>: Send + Sync {
    /// What the steps gather (one type; an enum when a bot has several conversations).
    type Data: Serialize + DeserializeOwned + Send + Sync;

    /// How long each question waits for its answer.
    fn ttl_secs(&self) -> i64 {
        DEFAULT_TTL_SECS
    }

    /// Takes `message` as the answer to `waiting`. Its effects should be in the reply (the
    /// webhook's answer) or journalled: when recording the turn loses a race, the update is
    /// handled again.
    fn answer<'a>(
        &'a self,
        ctx: &'a RouteContext<'a, S>,
        waiting: Waiting<Self::Data>,
        message: &'a Message,
    ) -> impl Future<Output = Result<Turn<Self::Data>, HandlerError>> + Send + 'a;
}

/// Who the conversation is with: the sender, unless the message is posted on behalf of a chat
/// (its `from` is Telegram's placeholder, shared by every such chat).
fn user_of(message: &Message) -> Option<i64> {
    if message.sender_chat.is_some() {
        return None;
    }
    message.from.as_ref().map(|u| u.id.0 as i64)
}

/// The handler of a [`Trigger::Conversation`](crate::routes::Trigger::Conversation) route: the
/// message answers what waits for its sender in its chat, if anything does; otherwise it is
/// acknowledged in silence.
pub struct ConversationRoute<C>(pub C);

impl<S: StateStore, C: Steps<S>> RouteHandler<S> for ConversationRoute<C> {
    type Input = Message;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        message: Message,
    ) -> Result<RouteResponse, HandlerError> {
        // Only what a user writes answers: a member leaving, a pin or a payment does not.
        if !matches!(message.kind, MessageKind::Common(_)) {
            return Ok(RouteResponse::done());
        }
        let Some(user) = user_of(&message) else {
            return Ok(RouteResponse::done());
        };
        let key = StateKey::conversation(message.chat.id.0, user);
        let waiting = match get::<Waiting<C::Data>, S>(ctx.store, &key, ctx.now).await? {
            Read::Found(waiting) => waiting,
            // Nothing waits (never asked, answered, cancelled or abandoned): not an answer.
            Read::Absent => return Ok(RouteResponse::done()),
            // Left by steps of another shape (a deploy changed them): it cannot go on.
            Read::Unreadable { version } => {
                ctx.store.discard(&key, version, ctx.now).await?;
                return Ok(RouteResponse::done());
            }
        };
        match waiting.value.answered {
            // This very message, delivered again: its first response failed, so the question
            // it was answered with never went out; it goes out now, and nothing is taken again.
            Some(answered) if message.id.0 == answered => {
                return Ok(RouteResponse {
                    reply: waiting.value.reply,
                    ..RouteResponse::done()
                });
            }
            // Older than the answer taken (it lost a race to it): not taken out of order.
            Some(answered) if message.id.0 < answered => return Ok(RouteResponse::done()),
            _ => {}
        }
        let version = waiting.version;
        let conversation = waiting.value.conversation.clone();
        let turn = self.0.answer(&ctx, waiting.value, &message).await?;
        // Recorded before the reply goes out: an answer that lost the race says nothing.
        match turn {
            Turn::Ask { step, data, reply } => {
                let next = Waiting {
                    conversation,
                    step,
                    data,
                    answered: Some(message.id.0),
                    reply: reply.reply.clone(),
                };
                put(
                    ctx.store,
                    &key,
                    &next,
                    Some(version),
                    self.0.ttl_secs(),
                    ctx.now,
                )
                .await?;
                Ok(reply)
            }
            Turn::Done(reply) => {
                ctx.store.discard(&key, version, ctx.now).await?;
                Ok(reply)
            }
        }
    }
}

/// `/cancel`: ends the conversation waiting for the sender in this chat, and says whether there
/// was one (by webhook reply, in the sender's language).
pub struct CancelCommand;

impl<S: StateStore> RouteHandler<S> for CancelCommand {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let Some(user) = user_of(&command.message) else {
            return Ok(RouteResponse::done());
        };
        let key = StateKey::conversation(command.chat().id.0, user);
        let text = match ctx.store.load(&key, ctx.now).await? {
            Some(waiting) => {
                ctx.store.discard(&key, waiting.version, ctx.now).await?;
                tracing::info!("conversation cancelled");
                texts::CANCELLED
            }
            None => texts::NOTHING_TO_CANCEL,
        };
        Ok(answer(ctx.catalogue, &command, text, &[]))
    }
}

#[cfg(test)]
#[path = "conversation_tests.rs"]
mod tests;
