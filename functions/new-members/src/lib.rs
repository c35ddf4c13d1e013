//! Channel guard new_chat_members - checks each joiner (the service message path of the join check).
//! SCAFFOLD: not built yet.

use lambdagram::guard::store::GuardStore;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::Update;

pub struct NewMembers;

impl<S: GuardStore> RouteHandler<S> for NewMembers {
    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        _update: Update,
    ) -> Result<RouteResponse, HandlerError> {
        Ok(RouteResponse::done())
    }
}
