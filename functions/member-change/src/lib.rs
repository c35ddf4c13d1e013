//! Channel guard chat_member - checks joiners, restricts channel leavers in every linked group, refreshes admins.
//! SCAFFOLD: not built yet.

use lambdagram::guard::store::GuardStore;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::Update;

pub struct MemberChange;

impl<S: GuardStore> RouteHandler<S> for MemberChange {
    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        _update: Update,
    ) -> Result<RouteResponse, HandlerError> {
        Ok(RouteResponse::done())
    }
}
