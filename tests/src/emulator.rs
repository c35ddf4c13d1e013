//! A local stand-in for the parts of AWS Lambda the functions touch, so the real binaries run
//! under the real `lambda_runtime` loop:
//!
//! - a **Runtime API** per function (`AWS_LAMBDA_RUNTIME_API`): `invocation/next`, `/response`,
//!   `/error`, `init/error`, as documented by AWS;
//! - the **Invoke API** (`POST /2015-03-31/functions/{name}/invocations`, synchronous), answering
//!   like Lambda: `X-Amz-Function-Error: Unhandled` when the function failed, 404
//!   `ResourceNotFoundException` for an unknown function — the webhook's signed Invoke requests
//!   reach it through `AWS_ENDPOINT_URL_LAMBDA`;
//! - every SSM and Invoke request's **SigV4 signature** checked as AWS checks it
//!   ([`sigv4_check`]: the credentials functions get are [`sigv4_check::ACCESS_KEY_ID`] and
//!   [`sigv4_check::SECRET_ACCESS_KEY`]), a mismatch refused with 403;
//! - **SSM `GetParameter`** (JSON 1.1 protocol) for the SecureStrings the functions read at cold
//!   start through `AWS_ENDPOINT_URL_SSM`;
//! - an **API Gateway HTTP API** front: a request to one of its routes (`POST /webhook` to the
//!   `webhook` function by default; more with [`Emulator::http_route`]) becomes a payload-2.0
//!   event for the route's function and its answer becomes the HTTP response (500 when the
//!   function fails, 503 when it times out, 404 for no route), as API Gateway does.
//!
//! Each function's stdout and stderr are captured line by line for assertions on logs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

use crate::dynamo_proxy::{DynamoFaults, DynamoProxy};
use crate::sigv4_check;

/// API Gateway HTTP API accepts payloads up to 10 MB.
const API_GATEWAY_MAX_BODY: usize = 10 * 1024 * 1024;

/// A function to run: its binary and its environment (on top of the Lambda-provided variables).
#[derive(Clone, Debug)]
pub struct FunctionSpec {
    pub name: String,
    pub binary: PathBuf,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    /// How many execution environments serve it at once (Lambda scales out under concurrent
    /// invocations; the webhook needs two for a redelivery that overlaps the first delivery).
    pub instances: u32,
}

/// One captured log line.
#[derive(Clone, Debug)]
pub struct LogLine {
    pub function: String,
    pub line: String,
}

/// How an invocation ended.
#[derive(Debug)]
enum Outcome {
    Ok(Bytes),
    Error(Bytes),
}

struct Pending {
    request_id: String,
    payload: Bytes,
    deadline_ms: u64,
    reply: oneshot::Sender<Outcome>,
}

/// One function's mailbox between the Invoke API and its Runtime API.
struct Slot {
    name: String,
    timeout: Duration,
    queue: mpsc::UnboundedSender<Pending>,
    next: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: Mutex<Option<String>>,
    /// Invocations still to fail without reaching the function (a crash the test injects).
    fail_next: Mutex<u32>,
    invocations: AtomicU64,
    /// When the first process was started, and when a process first asked for work: the
    /// difference is the function's init duration (runtime start, config, secrets, clients).
    spawned_at: Mutex<Option<std::time::Instant>>,
    first_poll: Mutex<Option<std::time::Instant>>,
}

#[derive(Default)]
struct Shared {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    parameters: Mutex<HashMap<String, String>>,
    logs: Mutex<Vec<LogLine>>,
    ids: AtomicU64,
    /// `DryRun` Invokes (the webhook's cold-start warm-up): checked, never run.
    dry_runs: AtomicU64,
    /// SSM and Invoke requests refused for their signature ([`sigv4_check`]).
    bad_signatures: AtomicU64,
    /// `GetParameter` requests still to answer `ThrottlingException` (a test injects them).
    ssm_throttles: Mutex<u32>,
    /// The HTTP API's routes: (method, path) → function.
    http_routes: Mutex<HashMap<(String, String), String>>,
}

impl Shared {
    fn slot(&self, name: &str) -> Option<Arc<Slot>> {
        self.slots.lock().expect("slots").get(name).cloned()
    }

    fn next_id(&self, prefix: &str) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}-{n:012}")
    }
}

/// The running emulator. Dropping it kills the function processes and stops the servers.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    children: Vec<Child>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The proxy in front of DynamoDB, once started (it records operations and injects faults).
    dynamodb: Option<DynamoProxy>,
}

impl Emulator {
    /// Starts the Invoke/SSM/API Gateway server on a free loopback port. Functions are added
    /// with [`Emulator::spawn`].
    pub async fn start() -> anyhow::Result<Emulator> {
        let shared = Arc::new(Shared::default());
        shared
            .http_routes
            .lock()
            .expect("routes")
            .insert(("POST".into(), "/webhook".into()), "webhook".into());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/2015-03-31/functions/{name}/invocations", post(invoke_api))
            .route("/", post(ssm_api))
            .fallback(api_gateway)
            .layer(DefaultBodyLimit::max(API_GATEWAY_MAX_BODY))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Emulator {
            shared,
            addr,
            children: Vec::new(),
            tasks: vec![task],
            dynamodb: None,
        })
    }

    /// `http://127.0.0.1:PORT`: the endpoint for `AWS_ENDPOINT_URL_LAMBDA` and `_SSM`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends `method path` on the HTTP API to `function` (replacing what it was sent to).
    pub fn http_route(&self, method: &str, path: &str, function: &str) {
        self.shared
            .http_routes
            .lock()
            .expect("routes")
            .insert((method.to_owned(), path.to_owned()), function.to_owned());
    }

    /// The API Gateway front's base URL (`http://127.0.0.1:PORT`).
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The API Gateway front's webhook URL.
    pub fn webhook_url(&self) -> String {
        format!("http://{}/webhook", self.addr)
    }

    /// Stores an SSM parameter (a SecureString, as the template declares them).
    pub fn put_parameter(&self, name: &str, value: &str) {
        self.shared
            .parameters
            .lock()
            .expect("parameters")
            .insert(name.to_owned(), value.to_owned());
    }

    /// Starts a function process with its own Runtime API.
    pub async fn spawn(&mut self, spec: FunctionSpec) -> anyhow::Result<()> {
        let (tx, rx) = mpsc::unbounded_channel();
        let slot = Arc::new(Slot {
            name: spec.name.clone(),
            timeout: spec.timeout,
            queue: tx,
            next: tokio::sync::Mutex::new(rx),
            in_flight: Mutex::default(),
            init_error: Mutex::default(),
            fail_next: Mutex::default(),
            invocations: AtomicU64::new(0),
            spawned_at: Mutex::new(Some(std::time::Instant::now())),
            first_poll: Mutex::default(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let runtime_addr = listener.local_addr()?;
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(runtime_next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(runtime_response),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/error",
                post(runtime_error),
            )
            .route("/2018-06-01/runtime/init/error", post(runtime_init_error))
            .layer(DefaultBodyLimit::max(API_GATEWAY_MAX_BODY))
            .with_state(slot.clone());
        self.tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        self.shared
            .slots
            .lock()
            .expect("slots")
            .insert(spec.name.clone(), slot);

        for instance in 0..spec.instances.max(1) {
            self.launch(&spec, runtime_addr, instance)?;
        }
        Ok(())
    }

    fn launch(
        &mut self,
        spec: &FunctionSpec,
        runtime_addr: SocketAddr,
        instance: u32,
    ) -> anyhow::Result<()> {
        let mut command = Command::new(&spec.binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", runtime_addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", spec.name),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", format!("local-{instance}"))
            .envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            anyhow::anyhow!(
                "cannot start {} ({}): {e}; build it with `cargo build --workspace --bins`",
                spec.name,
                spec.binary.display()
            )
        })?;
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn ReadStream>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn ReadStream>),
        ]
        .into_iter()
        .flatten()
        {
            let shared = self.shared.clone();
            let function = spec.name.clone();
            self.tasks.push(tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if std::env::var_os("E2E_ECHO_LOGS").is_some() {
                        eprintln!("[{function}] {line}");
                    }
                    shared.logs.lock().expect("logs").push(LogLine {
                        function: function.clone(),
                        line,
                    });
                }
            }));
        }
        self.children.push(child);
        Ok(())
    }

    /// The process ids of every function process started so far (for /proc readings).
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().filter_map(Child::id).collect()
    }

    /// Makes the next `n` invocations of `function` fail as a crashed function does, without
    /// reaching its process.
    pub fn fail_next(&self, function: &str, n: u32) {
        let slot = self.shared.slot(function).expect("no such function");
        *slot.fail_next.lock().expect("fail_next") = n;
    }

    /// The time from starting `function`'s first process to its first `invocation/next`.
    pub fn init_duration(&self, function: &str) -> Option<Duration> {
        let slot = self.shared.slot(function)?;
        let spawned = (*slot.spawned_at.lock().expect("spawned_at"))?;
        let polled = (*slot.first_poll.lock().expect("first_poll"))?;
        Some(polled.duration_since(spawned))
    }

    /// Starts a proxy in front of DynamoDB at `upstream` that records every operation and
    /// injects the faults scripted through [`Emulator::dynamodb_faults`]; returns its endpoint,
    /// for the functions' `AWS_ENDPOINT_URL_DYNAMODB`.
    pub async fn proxy_dynamodb(&mut self, upstream: String) -> anyhow::Result<String> {
        let proxy = DynamoProxy::start(upstream).await?;
        let endpoint = proxy.endpoint.clone();
        self.dynamodb = Some(proxy);
        Ok(endpoint)
    }

    /// The DynamoDB proxy's fault script and record.
    pub fn dynamodb_faults(&self) -> DynamoFaults {
        self.dynamodb
            .as_ref()
            .map(|p| p.faults.clone())
            .expect("the DynamoDB proxy is started (Emulator::proxy_dynamodb)")
    }

    /// The DynamoDB operations made since the last call, in order, and forgets them.
    pub fn take_dynamodb_ops(&self) -> Vec<String> {
        self.dynamodb
            .as_ref()
            .map(|p| p.faults.take_ops())
            .unwrap_or_default()
    }

    /// How many `DescribeTimeToLive` warm-ups the functions made at cold start (kept out of
    /// [`Emulator::take_dynamodb_ops`]).
    pub fn dynamodb_warm_ups(&self) -> u64 {
        self.dynamodb.as_ref().map_or(0, |p| p.faults.warm_ups())
    }

    /// Makes the next `n` SSM `GetParameter` requests answer 400 `ThrottlingException`, as SSM
    /// does past its rate (a burst of cold starts).
    pub fn throttle_ssm(&self, n: u32) {
        *self.shared.ssm_throttles.lock().expect("ssm_throttles") = n;
    }

    /// How many SSM and Invoke requests were refused for a signature that did not match.
    pub fn bad_signatures(&self) -> u64 {
        self.shared.bad_signatures.load(Ordering::Relaxed)
    }

    /// How many `DryRun` Invokes reached the emulator (none of them ran a function).
    pub fn dry_runs(&self) -> u64 {
        self.shared.dry_runs.load(Ordering::Relaxed)
    }

    /// How many invocations `function` has received (including injected failures).
    pub fn invocations(&self, function: &str) -> u64 {
        self.shared
            .slot(function)
            .map_or(0, |s| s.invocations.load(Ordering::Relaxed))
    }

    /// Every log line captured so far.
    pub fn logs(&self) -> Vec<LogLine> {
        self.shared.logs.lock().expect("logs").clone()
    }

    /// Waits (briefly) until the function processes have flushed what they logged.
    pub async fn settle_logs(&self) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.start_kill();
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}

trait ReadStream: tokio::io::AsyncRead + Unpin + Send + 'static {}
impl<T: tokio::io::AsyncRead + Unpin + Send + 'static> ReadStream for T {}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Runs one invocation through the function's Runtime API.
async fn invoke(shared: &Shared, slot: &Slot, payload: Bytes) -> Result<Outcome, &'static str> {
    slot.invocations.fetch_add(1, Ordering::Relaxed);
    {
        let mut fail = slot.fail_next.lock().expect("fail_next");
        if *fail > 0 {
            *fail -= 1;
            return Ok(Outcome::Error(Bytes::from_static(
                br#"{"errorType":"Runtime.ExitError","errorMessage":"injected crash"}"#,
            )));
        }
    }
    if let Some(e) = slot.init_error.lock().expect("init_error").clone() {
        return Ok(Outcome::Error(Bytes::from(e)));
    }
    let (reply, answer) = oneshot::channel();
    let pending = Pending {
        request_id: shared.next_id(&slot.name),
        payload,
        deadline_ms: now_ms() + slot.timeout.as_millis() as u64,
        reply,
    };
    slot.queue.send(pending).map_err(|_| "function gone")?;
    match tokio::time::timeout(slot.timeout, answer).await {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(_)) => Err("function gone"),
        Err(_) => Err("timed out"),
    }
}

async fn invoke_api(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(why) = sigv4_check::verify(&method, &uri, &headers, &body, "lambda") {
        shared.bad_signatures.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::FORBIDDEN,
            [("x-amzn-errortype", "InvalidSignatureException")],
            json!({"message": why}).to_string(),
        )
            .into_response();
    }
    let Some(slot) = shared.slot(&name) else {
        return (
            StatusCode::NOT_FOUND,
            [("x-amzn-errortype", "ResourceNotFoundException")],
            json!({"Type": "User", "message": format!("Function not found: {name}")}).to_string(),
        )
            .into_response();
    };
    // As Lambda: a dry run checks the call and runs nothing; 204, no body.
    if headers
        .get("x-amz-invocation-type")
        .is_some_and(|v| v.as_bytes() == b"DryRun")
    {
        shared.dry_runs.fetch_add(1, Ordering::Relaxed);
        return StatusCode::NO_CONTENT.into_response();
    }
    match invoke(&shared, &slot, body).await {
        Ok(Outcome::Ok(out)) => {
            (StatusCode::OK, [("x-amz-executed-version", "$LATEST")], out).into_response()
        }
        Ok(Outcome::Error(out)) => (
            StatusCode::OK,
            [
                ("x-amz-executed-version", "$LATEST"),
                ("x-amz-function-error", "Unhandled"),
            ],
            out,
        )
            .into_response(),
        Err(why) => (
            StatusCode::OK,
            [("x-amz-function-error", "Unhandled")],
            json!({"errorType": "Sandbox.Timedout", "errorMessage": why}).to_string(),
        )
            .into_response(),
    }
}

async fn runtime_next(State(slot): State<Arc<Slot>>) -> Response {
    slot.first_poll
        .lock()
        .expect("first_poll")
        .get_or_insert_with(std::time::Instant::now);
    let pending = {
        let mut next = slot.next.lock().await;
        next.recv().await
    };
    let Some(p) = pending else {
        return StatusCode::GONE.into_response();
    };
    slot.in_flight
        .lock()
        .expect("in_flight")
        .insert(p.request_id.clone(), p.reply);
    let arn = format!(
        "arn:aws:lambda:us-east-1:123456789012:function:{}",
        slot.name
    );
    (
        StatusCode::OK,
        [
            ("lambda-runtime-aws-request-id", p.request_id.clone()),
            ("lambda-runtime-deadline-ms", p.deadline_ms.to_string()),
            ("lambda-runtime-invoked-function-arn", arn),
            (
                "lambda-runtime-trace-id",
                format!("Root=1-00000000-{}", p.request_id),
            ),
            ("content-type", "application/json".to_owned()),
        ],
        p.payload,
    )
        .into_response()
}

fn finish(slot: &Slot, id: &str, outcome: Outcome) -> StatusCode {
    match slot.in_flight.lock().expect("in_flight").remove(id) {
        Some(reply) => {
            let _ = reply.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn runtime_response(
    State(slot): State<Arc<Slot>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    finish(&slot, &id, Outcome::Ok(body))
}

async fn runtime_error(
    State(slot): State<Arc<Slot>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    finish(&slot, &id, Outcome::Error(body))
}

async fn runtime_init_error(State(slot): State<Arc<Slot>>, body: Bytes) -> StatusCode {
    *slot.init_error.lock().expect("init_error") = Some(String::from_utf8_lossy(&body).into());
    StatusCode::ACCEPTED
}

/// SSM's JSON 1.1 protocol, `GetParameter` only.
async fn ssm_api(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let json_error = |kind: &str, message: &str| {
        (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/x-amz-json-1.1")],
            json!({"__type": kind, "message": message}).to_string(),
        )
            .into_response()
    };
    if let Err(why) = sigv4_check::verify(&method, &uri, &headers, &body, "ssm") {
        shared.bad_signatures.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::FORBIDDEN,
            [("content-type", "application/x-amz-json-1.1")],
            json!({"__type": "InvalidSignatureException", "message": why}).to_string(),
        )
            .into_response();
    }
    if target != "AmazonSSM.GetParameter" {
        return json_error("UnknownOperationException", target);
    }
    {
        let mut throttles = shared.ssm_throttles.lock().expect("ssm_throttles");
        if *throttles > 0 {
            *throttles -= 1;
            return json_error("ThrottlingException", "Rate exceeded");
        }
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let name = request["Name"].as_str().unwrap_or_default();
    let Some(value) = shared
        .parameters
        .lock()
        .expect("parameters")
        .get(name)
        .cloned()
    else {
        return json_error("ParameterNotFound", "");
    };
    let body = json!({"Parameter": {
        "Name": name,
        "Type": "SecureString",
        "Value": value,
        "Version": 1,
        "ARN": format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}"),
        "DataType": "text",
    }});
    (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.1")],
        body.to_string(),
    )
        .into_response()
}

/// API Gateway HTTP API (payload format 2.0) in front of the functions of its routes.
async fn api_gateway(
    State(shared): State<Arc<Shared>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let function = shared
        .http_routes
        .lock()
        .expect("routes")
        .get(&(method.as_str().to_owned(), path.clone()))
        .cloned();
    let Some(slot) = function.and_then(|f| shared.slot(&f)) else {
        return (StatusCode::NOT_FOUND, r#"{"message":"Not Found"}"#).into_response();
    };
    let mut event_headers = serde_json::Map::new();
    for (name, value) in &headers {
        if let Ok(v) = value.to_str() {
            event_headers.insert(name.as_str().to_ascii_lowercase(), Value::from(v));
        }
    }
    let raw_query = uri.query().unwrap_or_default().to_owned();
    let mut query = serde_json::Map::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query.insert(percent_decode(k), Value::from(percent_decode(v)));
    }
    let (body_text, base64) = match std::str::from_utf8(&body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64_encode(&body), true),
    };
    let request_id = shared.next_id("apigw");
    let route_key = format!("{method} {path}");
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": event_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "local.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "local",
            "http": {
                "method": method.as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "149.154.167.220",
                "userAgent": ""
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": "22/Nov/2026:12:00:00 +0000",
            "timeEpoch": now_ms()
        },
        "body": body_text,
        "isBase64Encoded": base64
    });
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    let payload = Bytes::from(event.to_string());
    let out = match invoke(&shared, &slot, payload).await {
        Ok(Outcome::Ok(out)) => out,
        Ok(Outcome::Error(_)) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"message":"Internal Server Error"}"#,
            )
                .into_response()
        }
        Err(_) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"message":"Service Unavailable"}"#,
            )
                .into_response()
        }
    };
    let answer: Value = match serde_json::from_slice(&out) {
        Ok(v) => v,
        Err(_) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"message":"Internal Server Error"}"#,
            )
                .into_response()
        }
    };
    let status = answer["statusCode"]
        .as_u64()
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = Response::builder().status(status);
    if let Some(h) = answer["headers"].as_object() {
        for (k, v) in h {
            if let Some(v) = v.as_str() {
                response = response.header(k, v);
            }
        }
    }
    let body = answer["body"].as_str().unwrap_or_default().to_owned();
    response
        .body(axum::body::Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// `%XX` and `+` of a query string decoded (invalid escapes are kept as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| char::from(b).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_strings_are_percent_decoded() {
        assert_eq!(super::percent_decode("a%20b+c%2Fd"), "a b c/d");
        assert_eq!(super::percent_decode("100%"), "100%");
        assert_eq!(super::percent_decode("%zz%C3%A9"), "%zzé");
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64_encode(input.as_bytes()), expected);
        }
    }
}
