//! A message in a protected group from someone not subscribed to every linked channel: delete
//! it, apply the group's action, and warn once. Everyone else passes at the budget: a known
//! subscriber costs two batched reads, no write and no Bot API call.

use lambdagram::guard::enforce::{Guard, Member};
use lambdagram::guard::store::GuardStore;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::{MessageKind, Update, UpdateKind};

pub struct GuardMessage;

impl<S: GuardStore> RouteHandler<S> for GuardMessage {
    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        update: Update,
    ) -> Result<RouteResponse, HandlerError> {
        let UpdateKind::Message(message) = update.kind else {
            return Ok(RouteResponse::rejected(
                "group message route without a message",
            ));
        };
        // Sent on behalf of a chat (anonymous admins, the linked channel's automatic forwards,
        // channel posts), by a bot (including this one), or a service message: never touched.
        let user_content = matches!(
            message.kind,
            MessageKind::Common(_) | MessageKind::Dice(_) | MessageKind::Invoice(_)
        );
        // A migration notice is a "common" message to teloxide, but a service message to us
        // (the migrate route handles it).
        if message.sender_chat.is_some() || !user_content || message.chat_migration().is_some() {
            return Ok(RouteResponse::done());
        }
        let Some(from) = message.from.as_ref().filter(|u| !u.is_bot) else {
            return Ok(RouteResponse::done());
        };
        let (group_id, user_id) = (message.chat.id.0, from.id.0 as i64);

        let group = ctx.store.group_state(group_id, ctx.now).await?;
        let Some(config) = group.config.filter(|c| c.is_active()) else {
            return Ok(RouteResponse::done());
        };
        if config.allow_list.contains(&user_id) {
            return Ok(RouteResponse::done());
        }
        let guard = Guard {
            bot: ctx.bot,
            store: ctx.store,
            now: ctx.now,
            retry: ctx.retry(),
        };
        if guard
            .admins(group_id, group.admins)
            .await?
            .contains(&user_id)
        {
            return Ok(RouteResponse::done());
        }
        let channels: Vec<i64> = config.channels.iter().map(|c| c.id).collect();
        let state = ctx
            .store
            .member_state(group_id, user_id, &channels, ctx.now)
            .await?;
        let missing = guard
            .missing_channels(&config, user_id, &state, false)
            .await?;
        if missing.is_empty() {
            return Ok(RouteResponse::done());
        }
        let member = Member {
            user_id,
            name: from.first_name.clone(),
            status: None,
        };
        let done = guard
            .enforce(&config, &member, Some(message.id.0), &missing, &state)
            .await?;
        tracing::info!(
            restricted = done.restricted,
            warned = done.warned,
            deleted = done.deleted_message,
            "non-subscriber's message handled"
        );
        Ok(RouteResponse::done())
    }
}
