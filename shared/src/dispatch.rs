//! The dispatcher port: how the webhook hands an update to its route's function and waits.

use std::future::Future;

use crate::route_api::RouteResponse;
use crate::routes::Route;

#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The function ran and failed (its error, or a timeout).
    #[error("route function {route} failed: {detail}")]
    Failed { route: &'static str, detail: String },
    /// The function could not be reached (not configured, throttled, network).
    #[error("route function {route} unavailable: {detail}")]
    Unavailable { route: &'static str, detail: String },
    /// The function answered something that is not a [`RouteResponse`].
    #[error("route function {route} answered garbage: {detail}")]
    BadAnswer { route: &'static str, detail: String },
    /// The request may have reached the function and the answer been lost (a timeout, a reset
    /// connection, a service-side failure): it may have run, or be running still.
    #[error("route function {route} outcome unknown: {detail}")]
    Unknown { route: &'static str, detail: String },
}

impl DispatchError {
    /// Whether the route may still be producing effects for this update, so the update's
    /// claim must be kept (until its lease ends) rather than released for the redelivery.
    pub fn may_still_run(&self) -> bool {
        matches!(self, DispatchError::Unknown { .. })
    }
}

/// Runs a route's function on an encoded [`crate::route_api::RouteRequest`] and returns its
/// answer only once it has finished, so Telegram's per-chat ordering holds.
pub trait Dispatcher: Send + Sync {
    fn dispatch(
        &self,
        route: &'static Route,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<RouteResponse, DispatchError>> + Send;
}
