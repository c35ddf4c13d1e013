//! The guard's middleware: declared in the route table ([`GATE`]) and implemented here
//! ([`Gated`]), run by the framework before a declaring route's handler.

use lambdagram::grants::PACE_MESSAGES;
use lambdagram::middleware::{BoxFuture, Flow, Middleware};
use lambdagram::route::{HandlerError, RouteContext};
use lambdagram::route_api::RouteResponse;
use lambdagram::routes::MiddlewareDecl;
use lambdagram::teloxide_core::types::{Update, UpdateKind};

use super::gate::{gate, is_group, Gate};
use super::grants::{DEGRADE_PROTECTION, READ_GUARD_STATE, RELEASE_WARNING, WRITE_GUARD_STATE};
use super::store::prelude::*;

/// The gate ([`crate::gate`]): a message in a group from a non-subscriber of its protection is
/// enforced, and nothing else answers it. The group message route is this alone; routes that
/// answer in groups declare it so a non-subscriber cannot make the bot speak for them.
pub const GATE: MiddlewareDecl = MiddlewareDecl {
    name: "gate",
    about: "a non-subscriber's message in a protected group is enforced before anything answers it",
    grants: &[
        READ_GUARD_STATE,
        WRITE_GUARD_STATE,
        DEGRADE_PROTECTION,
        RELEASE_WARNING,
        PACE_MESSAGES,
    ],
    limit: None,
};

/// The implementation of [`GATE`].
pub struct Gated;

impl<S: GuardStore> Middleware<S> for Gated {
    fn declaration(&self) -> &'static MiddlewareDecl {
        &GATE
    }

    fn before<'a>(
        &'a self,
        ctx: &'a RouteContext<'a, S>,
        update: &'a Update,
    ) -> BoxFuture<'a, Result<Flow, HandlerError>> {
        Box::pin(async move {
            let (UpdateKind::Message(message) | UpdateKind::EditedMessage(message)) = &update.kind
            else {
                return Ok(Flow::Continue);
            };
            if !is_group(message) {
                return Ok(Flow::Continue);
            }
            match gate(ctx, message).await? {
                Gate::Pass => Ok(Flow::Continue),
                Gate::Enforced(done) => {
                    tracing::info!(
                        restricted = done.restricted,
                        warned = done.warned,
                        deleted = done.deleted_message,
                        "non-subscriber's message handled"
                    );
                    Ok(Flow::Stop(RouteResponse::done()))
                }
            }
        })
    }
}
