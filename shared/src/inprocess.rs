//! A dispatcher that runs route handlers in this process: for unit tests and the zero-setup
//! local run. Lambda deployments dispatch with `aws::LambdaDispatcher` instead.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::dispatch::{DispatchError, Dispatcher};
use crate::middleware::Middleware;
use crate::pipeline::{run_once, Pipeline};
use crate::route::{RouteDeps, RouteHandler};
use crate::route_api::{RouteRequest, RouteResponse};
use crate::routes::{Route, RouteTable};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Runner = Arc<dyn Fn(RouteRequest) -> BoxFuture<Result<RouteResponse, String>> + Send + Sync>;

/// Route name → handler behind its middleware, over shared dependencies.
pub struct InProcessDispatcher {
    table: RouteTable,
    runners: HashMap<&'static str, Runner>,
    /// How long a handler may run, as a Lambda timeout would allow.
    pub timeout_ms: u64,
}

impl InProcessDispatcher {
    /// A dispatcher for the routes of `table`, none registered yet.
    pub fn new(table: RouteTable) -> Self {
        Self {
            table,
            runners: HashMap::new(),
            timeout_ms: 25_000,
        }
    }

    /// Registers `handler` behind `middleware` for the route named `name`, as its function
    /// would run it: `Err` when the table has no such route or `middleware` is not exactly what
    /// the route declares.
    pub fn register<S, H>(
        &mut self,
        name: &str,
        deps: Arc<RouteDeps<S>>,
        middleware: &[&'static dyn Middleware<S>],
        handler: H,
    ) -> Result<(), String>
    where
        S: Send + Sync + 'static,
        H: RouteHandler<S> + 'static,
    {
        let pipeline = Arc::new(Pipeline::new(self.table, name, middleware, handler)?);
        let name = pipeline.route().name;
        let timeout_ms = self.timeout_ms;
        let runner: Runner = Arc::new(move |req: RouteRequest| {
            let deps = deps.clone();
            let pipeline = pipeline.clone();
            Box::pin(async move {
                let deadline_ms = crate::time::now_ms() + timeout_ms;
                run_once(
                    &deps,
                    pipeline.as_ref(),
                    req,
                    crate::time::now(),
                    deadline_ms,
                )
                .await
                .map_err(|e| e.to_string())
            })
        });
        self.runners.insert(name, runner);
        Ok(())
    }

    /// The names of the registered routes.
    pub fn registered(&self) -> impl Iterator<Item = &&'static str> {
        self.runners.keys()
    }
}

impl Dispatcher for InProcessDispatcher {
    async fn dispatch(
        &self,
        route: &'static Route,
        payload: Vec<u8>,
    ) -> Result<RouteResponse, DispatchError> {
        let runner = self
            .runners
            .get(route.name)
            .ok_or_else(|| DispatchError::Unavailable {
                route: route.name,
                detail: "no handler registered".into(),
            })?
            .clone();
        let request: RouteRequest =
            serde_json::from_slice(&payload).map_err(|e| DispatchError::BadAnswer {
                route: route.name,
                detail: e.to_string(),
            })?;
        runner(request)
            .await
            .map_err(|detail| DispatchError::Failed {
                route: route.name,
                detail,
            })
    }
}
