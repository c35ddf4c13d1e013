//! A DynamoDB proxy between the function binaries and DynamoDB Local: it records every
//! operation and injects the faults a test scripts, by operation (`X-Amz-Target`, e.g.
//! `DynamoDB_20120810.PutItem`) and optionally by what the request body contains (a key):
//!
//! - **fail**: 500 `InternalServerError`, as DynamoDB answers it; nothing applied;
//! - **throttle**: 400 `ThrottlingException` or `ProvisionedThroughputExceededException`;
//!   nothing applied;
//! - **apply and lose the answer**: the request is forwarded and DynamoDB applies it, then the
//!   answer becomes a 500, or the connection is dropped without one.
//!
//! The functions' AWS SDK retries all of these itself (standard mode: [`SDK_ATTEMPTS`] attempts
//! per call), so a fault meant to reach the code must cover every attempt:
//! `DynamoFault::fail("PutItem").calls(1)` fails the next call's 3 attempts.
//!
//! For load runs, [`DynamoFaults::rain`] throttles one request in N of the chosen operations.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;

/// How many attempts the AWS SDK makes per call (standard retry mode).
pub const SDK_ATTEMPTS: u32 = 3;

/// What an injected fault does to a matching request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DynamoFaultKind {
    /// 500 `InternalServerError`; not forwarded.
    InternalError,
    /// 400 `ThrottlingException`; not forwarded.
    Throttling,
    /// 400 `ProvisionedThroughputExceededException`; not forwarded.
    ThroughputExceeded,
    /// Forwarded and applied; the answer is replaced by a 500 `InternalServerError`.
    AppliedAnswerLost,
    /// Forwarded and applied; the connection is closed without an answer.
    AppliedConnectionDropped,
}

impl DynamoFaultKind {
    /// Whether the request reaches DynamoDB before the fault strikes.
    pub fn applies(self) -> bool {
        matches!(
            self,
            DynamoFaultKind::AppliedAnswerLost | DynamoFaultKind::AppliedConnectionDropped
        )
    }
}

/// A scripted fault: the next `times` requests of `operation` (or `"*"`) whose body contains
/// every `body_contains` string and none of the `body_lacks` strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamoFault {
    pub operation: String,
    pub kind: DynamoFaultKind,
    pub times: u32,
    pub body_contains: Vec<String>,
    pub body_lacks: Vec<String>,
    /// Matching requests let through before the fault strikes.
    pub skip: u32,
}

impl DynamoFault {
    /// The next request of `operation` (`PutItem`, `TransactWriteItems`, `*` for any).
    pub fn new(operation: &str, kind: DynamoFaultKind) -> DynamoFault {
        DynamoFault {
            operation: operation.to_owned(),
            kind,
            times: 1,
            body_contains: Vec::new(),
            body_lacks: Vec::new(),
            skip: 0,
        }
    }

    pub fn fail(operation: &str) -> DynamoFault {
        DynamoFault::new(operation, DynamoFaultKind::InternalError)
    }

    pub fn throttle(operation: &str) -> DynamoFault {
        DynamoFault::new(operation, DynamoFaultKind::Throttling)
    }

    pub fn throughput_exceeded(operation: &str) -> DynamoFault {
        DynamoFault::new(operation, DynamoFaultKind::ThroughputExceeded)
    }

    pub fn answer_lost(operation: &str) -> DynamoFault {
        DynamoFault::new(operation, DynamoFaultKind::AppliedAnswerLost)
    }

    pub fn connection_dropped(operation: &str) -> DynamoFault {
        DynamoFault::new(operation, DynamoFaultKind::AppliedConnectionDropped)
    }

    /// Strikes `n` requests (SDK attempts), then passes.
    pub fn times(mut self, n: u32) -> DynamoFault {
        self.times = n;
        self
    }

    /// Strikes every attempt of the next `n` SDK calls, so each call fails in the code.
    pub fn calls(self, n: u32) -> DynamoFault {
        self.times(n * SDK_ATTEMPTS)
    }

    /// Lets the first `n` matching requests through (the `n + 1`-th is the first struck): a
    /// fault at the `n + 1`-th call of an operation.
    pub fn after(mut self, n: u32) -> DynamoFault {
        self.skip = n;
        self
    }

    /// Only requests whose body contains `text` (e.g. `"MUTE#222222"`).
    pub fn when_body_contains(mut self, text: &str) -> DynamoFault {
        self.body_contains.push(text.to_owned());
        self
    }

    /// Only requests whose body does not contain `text` (e.g. `"pending"`).
    pub fn unless_body_contains(mut self, text: &str) -> DynamoFault {
        self.body_lacks.push(text.to_owned());
        self
    }

    fn matches(&self, operation: &str, body: &str) -> bool {
        self.times > 0
            && (self.operation == "*" || self.operation == operation)
            && self.body_contains.iter().all(|t| body.contains(t.as_str()))
            && !self.body_lacks.iter().any(|t| body.contains(t.as_str()))
    }
}

/// A fault that struck, for assertions and reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Injected {
    pub operation: String,
    pub kind: DynamoFaultKind,
}

/// One throttle in `every` requests of `operations` (all when empty).
#[derive(Clone, Debug)]
pub struct Rain {
    pub every: u64,
    pub kind: DynamoFaultKind,
    pub operations: Vec<String>,
}

#[derive(Default)]
struct FaultState {
    queue: Vec<DynamoFault>,
    injected: Vec<Injected>,
    rain: Option<Rain>,
}

/// The proxy's script and record, shared with the test.
#[derive(Clone, Default)]
pub struct DynamoFaults {
    state: Arc<Mutex<FaultState>>,
    ops: Arc<Mutex<Vec<String>>>,
    warm_ups: Arc<AtomicU64>,
    requests: Arc<AtomicU64>,
}

impl DynamoFaults {
    /// Queues a fault (after those already queued for the same requests).
    pub fn inject(&self, fault: DynamoFault) {
        self.lock().queue.push(fault);
    }

    /// Throttles one request in `rain.every` from now on (`None` stops it).
    pub fn rain(&self, rain: Option<Rain>) {
        self.lock().rain = rain;
    }

    /// Forgets the queued faults.
    pub fn clear(&self) {
        self.lock().queue.clear();
    }

    /// Faults still queued (uses left).
    pub fn pending(&self) -> u32 {
        self.lock().queue.iter().map(|f| f.times).sum()
    }

    /// Every fault that struck, in order.
    pub fn injected(&self) -> Vec<Injected> {
        self.lock().injected.clone()
    }

    /// The operations seen since the last call (cold-start `DescribeTimeToLive` warm-ups
    /// apart), in order, and forgets them.
    pub fn take_ops(&self) -> Vec<String> {
        std::mem::take(&mut *self.ops.lock().expect("ops"))
    }

    /// How many `DescribeTimeToLive` warm-ups reached the proxy.
    pub fn warm_ups(&self) -> u64 {
        self.warm_ups.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn take(&self, operation: &str, body: &str) -> Option<DynamoFaultKind> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let mut state = self.lock();
        let kind = if let Some(i) = state.queue.iter().position(|f| f.matches(operation, body)) {
            let fault = &mut state.queue[i];
            if fault.skip > 0 {
                fault.skip -= 1;
                return None;
            }
            fault.times -= 1;
            let kind = fault.kind;
            if fault.times == 0 {
                state.queue.remove(i);
            }
            Some(kind)
        } else {
            state
                .rain
                .as_ref()
                .filter(|r| {
                    r.every > 0
                        && n.is_multiple_of(r.every)
                        && (r.operations.is_empty() || r.operations.iter().any(|o| o == operation))
                })
                .map(|r| r.kind)
        };
        if let Some(kind) = kind {
            state.injected.push(Injected {
                operation: operation.to_owned(),
                kind,
            });
        }
        kind
    }
}

/// The running proxy; stops with the test's runtime.
pub struct DynamoProxy {
    pub endpoint: String,
    pub faults: DynamoFaults,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DynamoProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Upstream {
    url: String,
    client: reqwest::Client,
    faults: DynamoFaults,
}

impl DynamoProxy {
    /// Listens on a free loopback port and forwards to `upstream` (DynamoDB Local).
    pub async fn start(upstream: String) -> anyhow::Result<DynamoProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let faults = DynamoFaults::default();
        let upstream = Arc::new(Upstream {
            url: upstream,
            client: lambdagram::telegram::http_client()?,
            faults: faults.clone(),
        });
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let upstream = upstream.clone();
                        async move { handle(upstream, req).await }
                    });
                    // A dropped connection ends here with the service's error: as intended.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(DynamoProxy {
            endpoint: format!("http://{addr}"),
            faults,
            task,
        })
    }
}

/// The error a service returns to make hyper close the connection without an answer (also
/// when the request itself could not be read).
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected: connection dropped after the request was applied")
    }
}

impl std::error::Error for DropConnection {}

type Answer = Response<Full<Bytes>>;

fn error_answer(status: StatusCode, kind: &str, message: &str) -> Answer {
    let body = json!({ "__type": kind, "message": message }).to_string();
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .header(
            "x-amzn-requestid",
            "INJECTED0000000000000000000000000000000000000000000",
        )
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn internal_error() -> Answer {
    error_answer(
        StatusCode::INTERNAL_SERVER_ERROR,
        "com.amazonaws.dynamodb.v20120810#InternalServerError",
        "Internal server error",
    )
}

async fn handle(upstream: Arc<Upstream>, req: Request<Incoming>) -> Result<Answer, DropConnection> {
    let (parts, body) = req.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return Err(DropConnection);
    };
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let operation = target.rsplit('.').next().unwrap_or(target).to_owned();
    if operation == "DescribeTimeToLive" {
        // A function's cold start opening its connection (DynamoStore::warm_up): a cost of the
        // sandbox, counted apart from the operations updates cost, and never faulted.
        upstream.faults.warm_ups.fetch_add(1, Ordering::Relaxed);
    } else {
        upstream
            .faults
            .ops
            .lock()
            .expect("ops")
            .push(operation.clone());
    }
    let fault = (operation != "DescribeTimeToLive")
        .then(|| {
            upstream
                .faults
                .take(&operation, &String::from_utf8_lossy(&body))
        })
        .flatten();
    match fault {
        Some(DynamoFaultKind::InternalError) => return Ok(internal_error()),
        Some(DynamoFaultKind::Throttling) => {
            return Ok(error_answer(
                StatusCode::BAD_REQUEST,
                "com.amazon.coral.availability#ThrottlingException",
                "Rate of requests exceeds the allowed throughput.",
            ))
        }
        Some(DynamoFaultKind::ThroughputExceeded) => {
            return Ok(error_answer(
                StatusCode::BAD_REQUEST,
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. \
                 Consider increasing your provisioning level with the UpdateTable API.",
            ))
        }
        _ => {}
    }
    let mut request = upstream.client.post(&upstream.url).body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(_) => return Ok(error_answer(StatusCode::BAD_GATEWAY, "ProxyError", "")),
    };
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    match fault {
        Some(DynamoFaultKind::AppliedAnswerLost) => return Ok(internal_error()),
        Some(DynamoFaultKind::AppliedConnectionDropped) => return Err(DropConnection),
        _ => {}
    }
    let mut response =
        Response::builder().status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY));
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    Ok(response
        .body(Full::new(bytes))
        .unwrap_or_else(|_| internal_error()))
}
