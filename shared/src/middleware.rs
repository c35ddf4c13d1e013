//! Middleware: what runs before a route's handler, declared in the route's table entry
//! ([`crate::routes::MiddlewareDecl`]) and run by the framework, so a route cannot skip it. A
//! bot implements [`Middleware`] for each declaration; the runtime is given the implementations
//! with the handler and refuses to start when they differ from the declaration
//! ([`check`]).

use std::future::Future;
use std::pin::Pin;

use teloxide_core::types::Update;

use crate::route::{HandlerError, RouteContext};
use crate::route_api::RouteResponse;
use crate::routes::{MiddlewareDecl, Route};
use crate::update::UpdateView;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a middleware decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Flow {
    /// On to the next middleware, then the handler.
    Continue,
    /// Answered here: nothing after it runs.
    Stop(RouteResponse),
}

/// The implementation of one declared middleware, over the store `S`.
pub trait Middleware<S>: Send + Sync {
    /// The declaration it implements.
    fn declaration(&self) -> &'static MiddlewareDecl;

    /// Whether it implements `declared` (a route's entry). A middleware with a parameter (the
    /// rate limit's `limit`) implements every declaration of its name and grants, whatever the
    /// parameter, and reads it from the route at run time.
    fn implements(&self, declared: &MiddlewareDecl) -> bool {
        self.declaration() == declared
    }

    /// Runs before the handler (after the update was read as the handler's input).
    fn before<'a>(
        &'a self,
        ctx: &'a RouteContext<'a, S>,
        update: &'a Update,
    ) -> BoxFuture<'a, Result<Flow, HandlerError>>;

    /// Whether this middleware lets `update` through from the sandbox's memory alone, seeing
    /// only the update's light view: `true` only where [`before`](Self::before) would answer
    /// `Continue` and do nothing (no read, no write, no Bot API call). When every middleware of
    /// a route passes an update early and its handler reads nothing of it (input `()`,
    /// `FromUpdate::unread`), the pipeline skips reading the update in full
    /// and `before`: a warm sandbox's known case costs no `teloxide` parse. `false` (the
    /// default) means "read it and run `before`", and is always a correct answer.
    fn passes_early(&self, _ctx: &RouteContext<'_, S>, _update: &UpdateView) -> bool {
        false
    }
}

/// Whether `given` implements exactly the middleware `route` declares, in its order: a route
/// whose middleware is missing (or given one it does not declare) must not start.
pub fn check<S>(route: &Route, given: &[&dyn Middleware<S>]) -> Result<(), String> {
    let declared: Vec<&str> = route.middleware.iter().map(|m| m.name).collect();
    let implemented: Vec<&str> = given.iter().map(|m| m.declaration().name).collect();
    let same = declared.len() == implemented.len()
        && route
            .middleware
            .iter()
            .zip(given)
            .all(|(d, g)| g.implements(d));
    if same {
        Ok(())
    } else {
        Err(format!(
            "route `{}` declares middleware {declared:?} but was given {implemented:?}",
            route.name
        ))
    }
}
