//! A message in a group, or an edit of one: the guard's gate alone (`channel_guard::gate`),
//! which the route table declares as this route's middleware, so the framework runs it before
//! this handler. A message in a protected group from someone not subscribed to every linked
//! channel is deleted, the group's action applied, and one warning posted. Everyone else passes
//! at the budget: a known subscriber costs one read in a cold sandbox and none in a warm one
//! (`channel_guard::gate_cache`), no write and no Bot API call.

use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;

pub struct GuardMessage;

impl<S: Sync> RouteHandler<S> for GuardMessage {
    /// Nothing: the gate (the route's middleware) read the message.
    type Input = ();

    /// Reached only when the gate let the message through: nothing more to do.
    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        _: (),
    ) -> Result<RouteResponse, HandlerError> {
        Ok(RouteResponse::done())
    }
}
