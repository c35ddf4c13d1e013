//! The guard's middleware: declared in the route table ([`GATE`]) and implemented here
//! ([`Gated`]), run by the framework before a declaring route's handler.

use lambdagram::grants::PACE_MESSAGES;
use lambdagram::middleware::{BoxFuture, Flow, Middleware};
use lambdagram::route::{HandlerError, RouteContext};
use lambdagram::route_api::RouteResponse;
use lambdagram::routes::MiddlewareDecl;
use lambdagram::teloxide_core::types::{Update, UpdateKind};
use lambdagram::update::UpdateView;

use std::sync::OnceLock;

use super::gate::{gate, is_group, passes_from_memory, Gate};
use super::gate_cache::GateCache;
use super::grants::{
    DEGRADE_PROTECTION, MEMBERSHIPS, READ_GUARD_STATE, RELEASE_WARNING, WRITE_GUARD_STATE,
};
use super::store::prelude::*;

/// The gate ([`crate::gate`]): a message in a group from a non-subscriber of its protection is
/// enforced, and nothing else answers it. The group message route is this alone; routes that
/// answer in groups declare it so a non-subscriber cannot make the bot speak for them.
pub const GATE: MiddlewareDecl = MiddlewareDecl {
    name: "gate",
    about: "a non-subscriber's message in a protected group is enforced before anything answers it",
    grants: &[
        READ_GUARD_STATE,
        MEMBERSHIPS,
        WRITE_GUARD_STATE,
        DEGRADE_PROTECTION,
        RELEASE_WARNING,
        PACE_MESSAGES,
    ],
    limit: None,
};

/// The implementation of [`GATE`], with the sandbox's memory of its reads ([`GateCache`]).
pub struct Gated {
    cache: OnceLock<GateCache>,
}

/// The gate of every function that runs it: one per sandbox.
pub static GATED: Gated = Gated::new();

/// Set to `off` in a function's environment, the gate reads every message afresh (no sandbox
/// cache): for stories replayed across functions faster than the cache's lifetimes.
pub const CACHE_SWITCH_VAR: &str = "GATE_CACHE";

impl Gated {
    pub const fn new() -> Self {
        Self {
            cache: OnceLock::new(),
        }
    }

    fn cache(&self) -> &GateCache {
        self.cache
            .get_or_init(|| match std::env::var(CACHE_SWITCH_VAR) {
                Ok(v) if v.eq_ignore_ascii_case("off") => GateCache::off(),
                _ => GateCache::new(),
            })
    }
}

impl Default for Gated {
    fn default() -> Self {
        Self::new()
    }
}

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
            match gate(ctx, self.cache(), message).await? {
                Gate::Pass => Ok(Flow::Continue),
                Gate::Enforced(done) => {
                    tracing::info!(
                        restricted = done.restricted,
                        warned = done.warned,
                        deleted = done.deleted_message,
                        "non-subscriber's message handled"
                    );
                    Ok(Flow::Stop(RouteResponse::done().noting("enforced")))
                }
            }
        })
    }

    /// A member the warm cache knows to pass ([`passes_from_memory`]): the message need not be
    /// read in full.
    fn passes_early(&self, ctx: &RouteContext<'_, S>, update: &UpdateView) -> bool {
        passes_from_memory(self.cache(), update, ctx.now)
    }
}
