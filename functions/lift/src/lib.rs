//! Channel guard "lift restrictions" button after /unprotect - lifts every restriction the bot imposed.
//! SCAFFOLD: not built yet.

use lambdagram::guard::store::GuardStore;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::Update;

pub struct Lift;

impl<S: GuardStore> RouteHandler<S> for Lift {
    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        _update: Update,
    ) -> Result<RouteResponse, HandlerError> {
        Ok(RouteResponse::done())
    }
}
