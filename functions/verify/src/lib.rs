//! Channel guard "I have joined" button - live re-check, lifts the bot's own restriction.
//! SCAFFOLD: not built yet.

use lambdagram::guard::store::GuardStore;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::Update;

pub struct Verify;

impl<S: GuardStore> RouteHandler<S> for Verify {
    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        _update: Update,
    ) -> Result<RouteResponse, HandlerError> {
        Ok(RouteResponse::done())
    }
}
