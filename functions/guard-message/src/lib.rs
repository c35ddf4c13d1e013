//! A message in a group, or an edit of one: the guard's gate alone (`channel_guard::gate`). A message in a
//! protected group from someone not subscribed to every linked channel is deleted, the group's
//! action applied, and one warning posted. Everyone else passes at the budget: a known
//! subscriber costs two batched reads, no write and no Bot API call.

use channel_guard::gate::{gate, Gate};
use channel_guard::store::prelude::*;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::{Update, UpdateKind};

pub struct GuardMessage;

impl<S: GuardStore> RouteHandler<S> for GuardMessage {
    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        update: Update,
    ) -> Result<RouteResponse, HandlerError> {
        let (UpdateKind::Message(message) | UpdateKind::EditedMessage(message)) = update.kind
        else {
            return Ok(RouteResponse::rejected(
                "group message route without a message",
            ));
        };
        let Gate::Enforced(done) = gate(&ctx, &message).await? else {
            return Ok(RouteResponse::done());
        };
        tracing::info!(
            restricted = done.restricted,
            warned = done.warned,
            deleted = done.deleted_message,
            "non-subscriber's message handled"
        );
        Ok(RouteResponse::done())
    }
}
