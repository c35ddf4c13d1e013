//! Channel guard settings menu buttons - validates the presser, saves the change, redraws the menu.
//! SCAFFOLD: not built yet.

use lambdagram::guard::store::GuardStore;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::Update;

pub struct SettingsMenu;

impl<S: GuardStore> RouteHandler<S> for SettingsMenu {
    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        _update: Update,
    ) -> Result<RouteResponse, HandlerError> {
        Ok(RouteResponse::done())
    }
}
