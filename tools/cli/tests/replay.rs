//! `lambdagram replay`, run as a user runs it, against a webhook served in the test: the
//! project's real webhook logic (`Ingress`) and real route handlers over the in-memory store and
//! the fake Bot API, behind a small HTTP server that records every request it gets.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use channel_guard::middleware::GATED;
use fake_bot_api::{FakeBotApi, Fault};
use lambdagram::allowlist::ALLOW_LISTED;
use lambdagram::denylist::DENY_LISTED;
use lambdagram::ingress::{Ingress, IngressConfig, IngressRequest};
use lambdagram::inprocess::InProcessDispatcher;
use lambdagram::memory::MemoryStore;
use lambdagram::ratelimit::RATE_LIMITED;
use lambdagram::route::RouteDeps;
use lambdagram::secret::WebhookSecret;
use serde_json::{json, Value};

/// The secret the test webhook accepts (the sample events carry `local-dev-secret`).
const SECRET: &str = "replay-secret";
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// One request as the webhook received it.
#[derive(Clone, Debug)]
struct Received {
    secret: Option<String>,
    content_type: Option<String>,
    body: String,
    at: Instant,
}

struct Webhook {
    ingress: Ingress<MemoryStore, InProcessDispatcher>,
    received: Mutex<Vec<Received>>,
}

/// A running webhook: its URL, what it received, and the fake Telegram behind it.
struct Served {
    url: String,
    webhook: Arc<Webhook>,
    fake: FakeBotApi,
}

impl Served {
    async fn start() -> Served {
        let fake = FakeBotApi::start().await.expect("fake Bot API");
        let store = MemoryStore::new();
        let deps = Arc::new(RouteDeps {
            bot: lambdagram::telegram::BotApi::new(&fake.token(), &fake.base_url())
                .expect("bot client"),
            store: store.clone(),
            bot_username: fake_bot_api::BOT_USERNAME.to_owned(),
        });
        let mut routes = InProcessDispatcher::new(channel_guard::ROUTES);
        let registered = [
            routes.register(
                "start",
                deps.clone(),
                &[&DENY_LISTED, &GATED, &ALLOW_LISTED, &RATE_LIMITED],
                start::Start,
            ),
            routes.register(
                "help",
                deps.clone(),
                &[&DENY_LISTED, &GATED, &ALLOW_LISTED, &RATE_LIMITED],
                help::Help,
            ),
            routes.register("unknown-command", deps, &[], unknown_command::GUARD),
        ];
        assert!(registered.iter().all(Result::is_ok), "{registered:?}");
        let config = IngressConfig::new(
            channel_guard::ROUTES,
            WebhookSecret::new(SECRET).expect("valid secret"),
            fake_bot_api::BOT_USERNAME,
        );
        let webhook = Arc::new(Webhook {
            ingress: Ingress::new(config, store, routes),
            received: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(webhook.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Served {
            // The path cargo lambda watch serves the webhook function at.
            url: format!("http://{addr}/lambda-url/webhook/"),
            webhook,
            fake,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.webhook.received.lock().expect("lock").clone()
    }

    fn bodies(&self) -> Vec<String> {
        self.received().into_iter().map(|r| r.body).collect()
    }
}

/// The webhook function's HTTP answer for one request, as `lambda/webhook.rs` gives it.
async fn serve(State(webhook): State<Arc<Webhook>>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    webhook.received.lock().expect("lock").push(Received {
        secret: header(SECRET_HEADER),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    });
    let secret = headers.get(SECRET_HEADER).map(|v| v.as_bytes());
    let answer = webhook
        .ingress
        .handle(
            IngressRequest {
                secret_header: secret,
                body: &body,
            },
            lambdagram::time::now(),
        )
        .await;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match answer.reply {
        Some(json) => (status, [("content-type", "application/json")], json).into_response(),
        None => status.into_response(),
    }
}

fn private_command(update_id: i64, text: &str) -> Value {
    let alice = fake_bot_api::wire::user(&fake_bot_api::alice());
    let command_len = text.split_whitespace().next().map_or(0, str::len);
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": alice,
            "chat": {"id": 111111, "first_name": "Alice", "username": "alice", "type": "private"},
            "date": 1_767_261_660 + update_id,
            "text": text,
            "entities": [{"offset": 0, "length": command_len, "type": "bot_command"}]
        }
    })
}

/// `update` wrapped as API Gateway hands it to the webhook, with the samples' secret.
fn wrapped(update: &Value, secret: &str) -> Value {
    let body = update.to_string();
    json!({
        "version": "2.0",
        "routeKey": "POST /webhook",
        "rawPath": "/webhook",
        "headers": {
            "content-length": body.len().to_string(),
            "content-type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": secret
        },
        "body": body,
        "isBase64Encoded": false
    })
}

fn write(dir: &Path, name: &str, value: &Value) {
    std::fs::write(dir.join(name), value.to_string()).expect("write event");
}

/// A recorded sequence: /start (which will fail once), Telegram's redelivery of it, /help and
/// an unknown command. The first is an API Gateway event, the others bare updates.
fn scenario(dir: &Path) -> Vec<String> {
    let start = private_command(10, "/start");
    write(dir, "1-start.json", &wrapped(&start, "local-dev-secret"));
    write(dir, "2-start-again.json", &start);
    let help = private_command(11, "/help");
    write(dir, "3-help.json", &help);
    let unknown = private_command(12, "/frobnicate now");
    write(dir, "4-unknown.json", &unknown);
    std::fs::write(dir.join("notes.txt"), "not an event").expect("write");
    vec![
        start.to_string(),
        start.to_string(),
        help.to_string(),
        unknown.to_string(),
    ]
}

async fn replay(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"));
    cmd.arg("replay")
        .args(args)
        .env_remove("WEBHOOK_URL")
        .env_remove("WEBHOOK_SECRET");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("run the lambdagram binary")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The transcript's two lines for event `n`: the update, then the answer.
fn lines_for(text: &str, progress: &str) -> (String, String) {
    let mut lines = text.lines();
    let head = lines
        .find(|l| l.starts_with(progress))
        .unwrap_or_else(|| panic!("no {progress} in:\n{text}"));
    let answer = lines.next().unwrap_or_default();
    (head.to_owned(), answer.to_owned())
}

/// Asserts the answer line, with its timing: `  → HTTP <status> in <n> ms<rest>`.
fn assert_answer(line: &str, status: u16, rest: &str) {
    let after = line
        .strip_prefix(&format!("  → HTTP {status} in "))
        .unwrap_or_else(|| panic!("not an HTTP {status} answer: {line}"));
    let (ms, tail) = after
        .split_once(" ms")
        .unwrap_or_else(|| panic!("no timing: {line}"));
    assert!(ms.parse::<u64>().is_ok(), "timing {ms:?} in {line}");
    assert!(tail.starts_with(rest), "{line}\nexpected …{rest}");
}

#[tokio::test(flavor = "multi_thread")]
async fn replays_a_directory_in_name_order_with_the_given_secret_and_prints_each_answer() {
    let served = Served::start().await;
    // Telegram's flood control asks /start to wait longer than it may: the webhook answers 500.
    served.fake.inject(Fault::rate_limit("sendMessage", 60));
    let dir = tempfile::tempdir().expect("tempdir");
    let bodies = scenario(dir.path());

    let out = replay(
        &[
            dir.path().to_str().expect("utf-8"),
            "--url",
            &served.url,
            "--secret",
            SECRET,
        ],
        &[],
    )
    .await;
    let text = stdout(&out);

    assert_eq!(out.status.code(), Some(3), "{text}\n{}", stderr(&out));
    // In file-name order, each body the Telegram update itself (unwrapped, byte for byte),
    // each with the given secret (replacing the sample's own) and as JSON.
    assert_eq!(served.bodies(), bodies);
    for r in served.received() {
        assert_eq!(r.secret.as_deref(), Some(SECRET));
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
    }

    let (head, answer) = lines_for(&text, "[1/4]");
    assert_eq!(
        head,
        r#"[1/4] 1-start.json · update 10 · message from Alice (111111) in private 111111: "/start""#
    );
    assert_answer(
        &answer,
        500,
        " ✗ not handled: Telegram would redeliver this update",
    );
    // The redelivery is handled: the claim was released, Telegram answers now.
    let (head, answer) = lines_for(&text, "[2/4]");
    assert!(
        head.starts_with("[2/4] 2-start-again.json · update 10 ·"),
        "{head}"
    );
    assert_answer(&answer, 200, "");
    assert!(!answer.contains('✗'), "{answer}");
    let greetings: Vec<_> = served
        .fake
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.is_ok())
        .collect();
    assert_eq!(greetings.len(), 1, "greeted once");

    let (head, answer) = lines_for(&text, "[3/4]");
    assert_eq!(
        head,
        r#"[3/4] 3-help.json · update 11 · message from Alice (111111) in private 111111: "/help""#
    );
    assert_answer(&answer, 200, r#" · webhook reply sendMessage to 111111: ""#);
    let (_, answer) = lines_for(&text, "[4/4]");
    assert_answer(&answer, 200, " · webhook reply sendMessage to 111111: ");
    assert!(answer.contains("/frobnicate"), "{answer}");

    assert!(!text.contains("notes.txt"), "only .json files are events");
    assert!(
        text.trim_end()
            .ends_with("4 sent, 3 answered 2xx, 1 failed"),
        "{text}"
    );
    assert!(
        !text.contains(SECRET),
        "the secret is never printed: {text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_on_error_stops_at_the_first_answer_that_is_not_2xx() {
    let served = Served::start().await;
    served.fake.inject(Fault::rate_limit("sendMessage", 60));
    let dir = tempfile::tempdir().expect("tempdir");
    let bodies = scenario(dir.path());

    let out = replay(
        &[
            dir.path().to_str().expect("utf-8"),
            "--stop-on-error",
            "--url",
            &served.url,
            "--secret",
            SECRET,
        ],
        &[],
    )
    .await;
    let text = stdout(&out);

    assert_eq!(out.status.code(), Some(3), "{text}\n{}", stderr(&out));
    assert_eq!(served.bodies(), bodies[..1]);
    assert!(
        text.contains("stopped at the first failure (--stop-on-error)"),
        "{text}"
    );
    assert!(!text.contains("[2/4]"), "{text}");
    assert!(
        text.trim_end()
            .ends_with("1 sent, 0 answered 2xx, 1 failed, 3 not sent (--stop-on-error)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn files_and_directories_replay_in_the_order_given_with_url_and_secret_from_the_env() {
    let served = Served::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let later = dir.path().join("later");
    std::fs::create_dir(&later).expect("mkdir");
    let (a, b, c) = (
        private_command(21, "/help"),
        private_command(22, "/start"),
        private_command(23, "/help more"),
    );
    write(&later, "a.json", &a);
    write(&later, "c.json", &c);
    write(dir.path(), "b.json", &b);

    let started = Instant::now();
    let out = replay(
        &[
            dir.path().join("b.json").to_str().expect("utf-8"),
            later.to_str().expect("utf-8"),
            "--delay-ms",
            "300",
        ],
        &[("WEBHOOK_URL", &served.url), ("WEBHOOK_SECRET", SECRET)],
    )
    .await;
    let text = stdout(&out);

    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));
    assert_eq!(
        served.bodies(),
        [b.to_string(), a.to_string(), c.to_string()]
    );
    let received = served.received();
    assert!(received.iter().all(|r| r.secret.as_deref() == Some(SECRET)));
    for pair in received.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(gap >= Duration::from_millis(300), "--delay-ms: {gap:?}");
    }
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert!(text.contains("[1/3] b.json"), "{text}");
    assert!(text.contains("[2/3] a.json"), "{text}");
    assert!(text.contains("[3/3] c.json"), "{text}");
    assert!(
        text.trim_end()
            .ends_with("3 sent, 3 answered 2xx, 0 failed"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_secret_sends_the_events_own_header_and_a_401_is_a_failure() {
    let served = Served::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "1-wrong-secret.json",
        &wrapped(&private_command(31, "/start"), "not-the-secret"),
    );
    write(dir.path(), "2-bare.json", &private_command(32, "/help"));
    let path = dir.path().to_str().expect("utf-8");

    let out = replay(
        &[
            path,
            "--keep-secret",
            "--url",
            &served.url,
            "--secret",
            SECRET,
        ],
        &[],
    )
    .await;
    let text = stdout(&out);

    assert_eq!(out.status.code(), Some(3), "{text}\n{}", stderr(&out));
    let secrets: Vec<_> = served.received().into_iter().map(|r| r.secret).collect();
    assert_eq!(
        secrets,
        [Some("not-the-secret".to_owned()), Some(SECRET.to_owned())],
        "the event's own secret, and the given one for the bare update"
    );
    let (_, answer) = lines_for(&text, "[1/2]");
    assert_answer(
        &answer,
        401,
        " ✗ unauthorized: the webhook refused the secret header",
    );
    assert!(
        served.fake.calls().is_empty(),
        "no Bot API call for a stranger"
    );
    assert!(text.contains("2 sent, 1 answered 2xx, 1 failed"), "{text}");

    // Without --keep-secret the given secret replaces it, and both are answered.
    let out = replay(&[path, "--url", &served.url, "--secret", SECRET], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_event_file_sends_nothing() {
    let served = Served::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    scenario(dir.path());
    let dir_arg = dir.path().to_str().expect("utf-8");

    let out = replay(
        &[dir_arg, "/nonexistent/event.json", "--url", &served.url],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("reading /nonexistent/event.json"),
        "{}",
        stderr(&out)
    );

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").expect("write");
    let out = replay(&[dir_arg, "--url", &served.url], &[]).await;
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("broken.json is not JSON"),
        "{}",
        stderr(&out)
    );

    let empty = tempfile::tempdir().expect("tempdir");
    let out = replay(
        &[empty.path().to_str().expect("utf-8"), "--url", &served.url],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("no .json event files"),
        "{}",
        stderr(&out)
    );

    assert!(served.received().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_that_does_not_answer_is_a_failure_not_a_crash() {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "start.json", &private_command(41, "/start"));
    let url = format!("http://{closed}/lambda-url/webhook/");

    let out = replay(
        &[dir.path().to_str().expect("utf-8"), "--url", &url],
        &[("WEBHOOK_SECRET", SECRET)],
    )
    .await;
    let text = stdout(&out);

    assert_eq!(out.status.code(), Some(3), "{text}\n{}", stderr(&out));
    let (_, answer) = lines_for(&text, "[1/1]");
    assert!(answer.starts_with("  → no answer after "), "{answer}");
    assert!(
        answer.ends_with("Telegram would redeliver this update"),
        "{answer}"
    );
    assert!(text.contains("1 sent, 0 answered 2xx, 1 failed"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_and_configuration_errors_have_their_own_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "start.json", &private_command(51, "/start"));
    let path = dir.path().to_str().expect("utf-8");

    let no_url = replay(&[path], &[]).await;
    assert_eq!(no_url.status.code(), Some(2), "--url is required");
    assert!(stderr(&no_url).contains("--url"), "{}", stderr(&no_url));
    let no_paths = replay(&["--url", "http://127.0.0.1:9/"], &[]).await;
    assert_eq!(no_paths.status.code(), Some(2));

    let bad_url = replay(&[path, "--url", "not a url"], &[]).await;
    assert_eq!(bad_url.status.code(), Some(1));
    assert!(stderr(&bad_url).contains("--url is not a URL"));
    let bad_secret = replay(
        &[
            path,
            "--url",
            "http://127.0.0.1:9/",
            "--secret",
            "has spaces",
        ],
        &[],
    )
    .await;
    assert_eq!(bad_secret.status.code(), Some(1));
    assert!(
        !stderr(&bad_secret).contains("has spaces"),
        "secrets are not echoed"
    );

    let help = replay(&["--help"], &[]).await;
    let help = stdout(&help);
    for line in [
        "Exit codes:",
        "0  every event was answered 2xx",
        "3  some event was answered with a status other than 2xx",
        "4  an event file or directory could not be read",
    ] {
        assert!(help.contains(line), "--help lacks {line:?}:\n{help}");
    }
}
