//! The bridge end to end, on the real binaries (its webhook, its route functions and its API
//! function under the Lambda emulator, DynamoDB Local, the fake Bot API): keys issued, used,
//! refused and revoked; an allowed user's messages stored once, in order, read after a cursor
//! (also by a held read); the tool's messages sent as the bot; Telegram refusing or failing;
//! the history, the context, the status. Exact answers, Bot API calls, DynamoDB operations and
//! items.

use std::time::Duration;

use fake_bot_api::{FakeBotApi, FaultKind, ALICE_ID, BORIS_ID, LOUNGE_ID};
use lambdagram_e2e::dynamo_proxy::DynamoFault;
use lambdagram_e2e::stack::{ApiAnswer, Delivery, Stack, BRIDGE, SECRET};
use serde_json::{json, Value};

/// `from` writes `text` in `chat`; the webhook's answer (its reply is read, not executed).
async fn says(stack: &Stack, chat: i64, from: i64, text: &str) -> (Delivery, Value) {
    let mut message = stack
        .fake
        .world()
        .add_message(chat, from, text)
        .expect("a known chat and user");
    if text.starts_with('/') {
        let word = text.split_whitespace().next().unwrap_or("");
        message["entities"] =
            json!([{"type": "bot_command", "offset": 0, "length": word.encode_utf16().count()}]);
    }
    let update = stack.fake.push_update(json!({ "message": message }));
    (stack.post(update.to_string(), Some(SECRET)).await, update)
}

/// The text of the webhook reply, if any.
fn said(d: &Delivery) -> Option<String> {
    d.reply
        .as_ref()
        .and_then(|r| r["text"].as_str().map(str::to_owned))
}

/// The DynamoDB operations and Bot API calls since the last look.
fn cost(stack: &Stack) -> (Vec<String>, Vec<String>) {
    let bot_api = stack.fake.calls().into_iter().map(|c| c.method).collect();
    stack.fake.clear_calls();
    (stack.emulator.take_dynamodb_ops(), bot_api)
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The bridge's items of `pk`, by sort key.
async fn items_of(stack: &Stack, pk: &str) -> Vec<Value> {
    let mut items: Vec<Value> = stack
        .items()
        .await
        .into_iter()
        .filter(|i| i["pk"] == pk)
        .collect();
    items.sort_by(|a, b| a["sk"].as_str().cmp(&b["sk"].as_str()));
    items
}

/// Alice, the owner, issues a key for the lounge in her private chat; its token and id.
async fn issue_key(stack: &Stack, label: &str) -> (String, i64) {
    let (d, _) = says(
        stack,
        ALICE_ID,
        ALICE_ID,
        &format!("/bridge key new {LOUNGE_ID} {label}"),
    )
    .await;
    let text = said(&d).expect("the key, in the reply");
    let token = text
        .lines()
        .find(|l| l.starts_with("lgb_"))
        .expect("a token line")
        .to_owned();
    let id = token
        .split('_')
        .nth(1)
        .and_then(|id| id.parse().ok())
        .expect("the key's id");
    assert!(
        text.starts_with(&format!(
            "API key {id} ({label}) for chat {LOUNGE_ID}:\n{token}\n"
        )),
        "{text}"
    );
    (token, id)
}

async fn read(stack: &Stack, token: &str, query: &str) -> ApiAnswer {
    stack
        .api(
            "GET",
            &format!("/bridge/messages{query}"),
            Some(token),
            None,
        )
        .await
}

async fn send(stack: &Stack, token: &str, body: Value) -> ApiAnswer {
    stack
        .api("POST", "/bridge/messages", Some(token), Some(&body))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_issued_by_admins_stored_hashed_scoped_and_revoked_at_once() {
    let stack = Stack::start_bot(FakeBotApi::start().await.expect("fake"), BRIDGE).await;
    cost(&stack);

    // Not a bot admin: ignored in silence, one read of the admins.
    let (d, _) = says(&stack, BORIS_ID, BORIS_ID, "/bridge key new").await;
    assert_eq!((d.status, said(&d)), (200, None));
    assert_eq!(cost(&stack).1, Vec::<String>::new());

    // In a group, the key would be read by everyone: refused, nothing written.
    let (d, _) = says(&stack, LOUNGE_ID, ALICE_ID, "/bridge key new").await;
    assert_eq!(
        said(&d).as_deref(),
        Some(
            format!(
                "Issue keys in a private chat with me, so the group does not see them: \
                 /bridge key new {LOUNGE_ID}"
            )
            .as_str()
        )
    );
    assert!(items_of(&stack, "BRIDGEKEYS").await.is_empty());

    let (token, id) = issue_key(&stack, "ci").await;
    let keys = items_of(&stack, "BRIDGEKEYS").await;
    assert_eq!(keys.len(), 1);
    let secret = token.rsplit('_').next().expect("secret");
    assert_eq!(keys[0]["sk"], format!("KEY#{id}"));
    assert_eq!(keys[0]["chats"], json!([LOUNGE_ID]));
    assert_eq!(
        keys[0]["hash"],
        lambdagram::crypto::sha256_hex(secret.as_bytes()),
        "the secret's hash, never the secret"
    );
    assert!(!keys[0].to_string().contains(secret));
    // The lounge is a bridge chat now, with no entry yet.
    let chat = items_of(&stack, &format!("BRIDGE#{LOUNGE_ID}")).await;
    assert_eq!(chat.len(), 1);
    assert_eq!(
        (chat[0]["sk"].as_str(), chat[0]["seq"].as_i64()),
        (Some("CHAT"), Some(0))
    );
    cost(&stack);

    // The key reads its chat: one key read, one count, one query, the visit.
    let answer = read(&stack, &token, "").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        answer.body,
        json!({"chat_id": LOUNGE_ID, "cursor": 0, "messages": []})
    );
    assert_eq!(
        cost(&stack),
        (v(&["GetItem", "UpdateItem", "Query", "UpdateItem"]), v(&[]))
    );

    // Wrong, malformed, missing: the same 401, before anything but the key's read.
    let mut wrong = token.clone();
    let last = wrong.pop().expect("a character");
    wrong.push(if last == '0' { '1' } else { '0' });
    for (bad, reads) in [
        (Some(wrong.as_str()), v(&["GetItem"])),
        (Some("lgb_1_abc"), v(&[])),
        (None, v(&[])),
    ] {
        let answer = stack.api("GET", "/bridge/messages", bad, None).await;
        assert_eq!(answer.status, 401, "{bad:?}");
        assert_eq!(answer.body["error"], "unauthorized");
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
        assert_eq!(cost(&stack), (reads, v(&[])), "{bad:?}");
    }

    // Another chat than the key's: 403, nothing sent.
    let answer = send(&stack, &token, json!({"chat_id": ALICE_ID, "text": "hi"})).await;
    assert_eq!(answer.status, 403);
    assert_eq!(cost(&stack).1, Vec::<String>::new());

    // Listed, then revoked: refused from the next request on.
    let (d, _) = says(&stack, ALICE_ID, ALICE_ID, "/bridge key list").await;
    assert_eq!(
        said(&d),
        Some(format!("API keys:\n{id} ci chats {LOUNGE_ID}"))
    );
    let (d, _) = says(
        &stack,
        ALICE_ID,
        ALICE_ID,
        &format!("/bridge key revoke {id}"),
    )
    .await;
    assert_eq!(said(&d), Some(format!("API key {id} is revoked.")));
    let (d, _) = says(
        &stack,
        ALICE_ID,
        ALICE_ID,
        &format!("/bridge key revoke {id}"),
    )
    .await;
    assert_eq!(said(&d), Some(format!("There is no live API key {id}.")));
    assert_eq!(read(&stack, &token, "").await.status, 401);
    let (d, _) = says(&stack, ALICE_ID, ALICE_ID, "/bridge key list").await;
    assert_eq!(
        said(&d),
        Some(format!("API keys:\n{id} ci chats {LOUNGE_ID} (revoked)"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_users_messages_are_stored_once_in_order_and_read_after_a_cursor() {
    let stack = Stack::start_bot(FakeBotApi::start().await.expect("fake"), BRIDGE).await;
    let (token, _) = issue_key(&stack, "ide").await;
    cost(&stack);

    // Boris is not allowed yet: his message is ignored (the chat, then the admins, read).
    let (d, _) = says(&stack, LOUNGE_ID, BORIS_ID, "not for the tool").await;
    assert_eq!((d.status, said(&d)), (200, None));
    let (ops, calls) = cost(&stack);
    assert!(ops.ends_with(&v(&["GetItem", "GetItem"])), "{ops:?}");
    assert_eq!(calls, Vec::<String>::new());

    let (d, _) = says(
        &stack,
        LOUNGE_ID,
        ALICE_ID,
        &format!("/bridge allow {BORIS_ID}"),
    )
    .await;
    assert_eq!(
        said(&d),
        Some(format!(
            "{BORIS_ID}'s messages in chat {LOUNGE_ID} reach the tool now."
        ))
    );
    cost(&stack);

    // An allowed user's message: the chat read, one transaction; nothing said in Telegram.
    let (d, first) = says(&stack, LOUNGE_ID, BORIS_ID, "build failed on main").await;
    assert_eq!((d.status, said(&d)), (200, None));
    let (ops, calls) = cost(&stack);
    assert!(
        ops.ends_with(&v(&["GetItem", "TransactWriteItems"])),
        "{ops:?}"
    );
    assert_eq!(calls, Vec::<String>::new());
    // Alice, a bot admin, is allowed in every bridge chat.
    says(&stack, LOUNGE_ID, ALICE_ID, "and the tests?").await;

    let answer = read(&stack, &token, "?after=0").await;
    assert_eq!(answer.status, 200);
    let messages = answer.body["messages"]
        .as_array()
        .expect("messages")
        .clone();
    let texts: Vec<(&str, i64, &str)> = messages
        .iter()
        .map(|m| {
            (
                m["direction"].as_str().unwrap_or_default(),
                m["from_id"].as_i64().unwrap_or_default(),
                m["text"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        texts,
        vec![
            ("in", BORIS_ID, "build failed on main"),
            ("in", ALICE_ID, "and the tests?")
        ]
    );
    assert_eq!(
        messages
            .iter()
            .map(|m| m["seq"].as_i64())
            .collect::<Vec<_>>(),
        vec![Some(1), Some(2)]
    );
    assert_eq!(answer.body["cursor"], 2);
    // After the cursor: nothing new.
    let answer = read(&stack, &token, "?after=2").await;
    assert_eq!(answer.body["messages"], json!([]));
    assert_eq!(answer.body["cursor"], 2);

    // The same update delivered twice (a redelivery): one entry, one marker.
    let delivered = stack.post(first.to_string(), Some(SECRET)).await;
    assert_eq!(delivered.status, 200);
    let entries: Vec<Value> = items_of(&stack, &format!("BRIDGE#{LOUNGE_ID}"))
        .await
        .into_iter()
        .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("E#")))
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["sk"], "E#000000000001");
    assert!(
        entries[0]["expires_at"].as_i64().unwrap_or(0)
            > entries[0]["at"].as_i64().unwrap_or(0) + 29 * 86_400
    );

    // A held read returns as soon as a message arrives.
    let reader = {
        let token = token.clone();
        let url = stack.emulator.api_url();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let body: Value = lambdagram::telegram::http_client()
                .expect("client")
                .get(format!("{url}/bridge/messages?after=2&wait=10"))
                .bearer_auth(token)
                .send()
                .await
                .expect("answer")
                .json()
                .await
                .expect("json");
            (body, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    says(&stack, LOUNGE_ID, BORIS_ID, "fixed").await;
    let (body, _) = reader.await.expect("reader");
    assert_eq!(body["messages"][0]["text"], "fixed");
    assert_eq!(body["cursor"], 3);

    // The status counts what the tool has not read yet: nothing.
    let (d, _) = says(&stack, LOUNGE_ID, ALICE_ID, "/status").await;
    let status = said(&d).expect("status");
    assert!(status.contains("Pending messages: 0"), "{status}");
    assert!(
        status.contains("Tool last seen: 0 s ago") || status.contains("Tool last seen: 1 s ago"),
        "{status}"
    );
    assert!(status.ends_with("Last error: none"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tool_sends_as_the_bot_and_telegrams_refusals_and_failures_are_told_apart() {
    let stack = Stack::start_bot(FakeBotApi::start().await.expect("fake"), BRIDGE).await;
    let (token, _) = issue_key(&stack, "ci").await;
    cost(&stack);

    let answer = send(
        &stack,
        &token,
        json!({"text": "deploy done", "reply_to": 7}),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["chat_id"], LOUNGE_ID);
    assert_eq!(answer.body["seq"], 1);
    let (ops, calls) = cost(&stack);
    assert_eq!(calls, v(&["sendMessage"]));
    assert_eq!(
        ops,
        v(&["GetItem", "UpdateItem", "GetItem", "TransactWriteItems"]),
        "the key, its count, the chat, the entry"
    );
    let sent = stack.fake.world().messages(LOUNGE_ID);
    let last = sent.last().expect("a message");
    assert_eq!(last["text"], "deploy done");
    assert_eq!(last["from"]["id"], fake_bot_api::BOT_ID);
    assert_eq!(answer.body["message_id"], last["message_id"]);

    // Not a message: 400, nothing sent.
    for bad in [
        json!({"text": ""}),
        json!({"words": "x"}),
        json!({"text": "x".repeat(4097)}),
    ] {
        let answer = send(&stack, &token, bad.clone()).await;
        assert_eq!(answer.status, 400, "{bad}");
    }
    assert_eq!(cost(&stack).1, Vec::<String>::new());

    // Telegram refuses for good: 422 with its reason, recorded for /status; no retry.
    stack.fake.inject(fake_bot_api::Fault::new(
        "sendMessage",
        FaultKind::Refused {
            status: 403,
            description: "Forbidden: bot was kicked from the supergroup chat".into(),
        },
        1,
    ));
    let answer = send(&stack, &token, json!({"text": "anyone?"})).await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.body["error"], "refused");
    assert_eq!(cost(&stack).1, v(&["sendMessage"]));
    let (d, _) = says(&stack, LOUNGE_ID, ALICE_ID, "/status").await;
    let status = said(&d).expect("status");
    assert!(
        status.contains("Last error: 403 Forbidden: bot was kicked from the supergroup chat"),
        "{status}"
    );

    // Telegram down past the retries: 502, the tool may retry; nothing recorded as sent.
    stack.fake.inject(fake_bot_api::Fault::new(
        "sendMessage",
        FaultKind::ServerError { status: 502 },
        20,
    ));
    let answer = send(&stack, &token, json!({"text": "still there?"})).await;
    assert_eq!(answer.status, 502);
    assert_eq!(answer.body["error"], "telegram_unavailable");
    stack.fake.clear_faults();

    // The history has both directions, newest first, searchable; /history in Telegram too.
    says(&stack, LOUNGE_ID, ALICE_ID, "deploy again please").await;
    let answer = stack
        .api("GET", "/bridge/history?q=deploy", Some(&token), None)
        .await;
    let found: Vec<(&str, &str)> = answer.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["direction"].as_str().unwrap_or_default(),
                m["text"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![("in", "deploy again please"), ("out", "deploy done")]
    );
    let (d, _) = says(&stack, LOUNGE_ID, ALICE_ID, "/history deploy").await;
    assert_eq!(
        said(&d),
        Some("#1 ← tool ci: deploy done\n#2 → tool Alice: deploy again please".to_owned())
    );

    // The context the admins set reaches the tool.
    let (d, _) = says(&stack, LOUNGE_ID, ALICE_ID, "/workspace ~/src/lambdagram").await;
    assert_eq!(
        said(&d).as_deref(),
        Some("workspace is now: ~/src/lambdagram")
    );
    let answer = stack
        .api("GET", "/bridge/context", Some(&token), None)
        .await;
    assert_eq!(
        answer.body,
        json!({"chat_id": LOUNGE_ID, "session": null, "workspace": "~/src/lambdagram"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_is_limited_per_minute_across_instances() {
    let stack = Stack::start_bot(FakeBotApi::start().await.expect("fake"), BRIDGE).await;
    let (token, _) = issue_key(&stack, "busy").await;
    let (other, _) = issue_key(&stack, "calm").await;
    let limit = bridge::routes::API_RATE;
    // Requests until the first refusal: one window allows `max`; if the run crosses into the
    // next window, that one allows `max` again, so the refusal comes by 2 × max + 1.
    let mut allowed = 0;
    let refusal = loop {
        let answer = stack
            .api("GET", "/bridge/context", Some(&token), None)
            .await;
        match answer.status {
            200 => allowed += 1,
            429 => break answer,
            other => panic!("status {other}: {:?}", answer.body),
        }
        assert!(
            allowed <= 2 * limit.max,
            "no refusal after {allowed} requests"
        );
    };
    assert!(
        allowed >= limit.max,
        "refused after {allowed}, below the limit"
    );
    assert_eq!(refusal.body["error"], "rate_limited");
    let retry: u32 = refusal.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // Refused again, not counted further; another key has its own budget.
    assert_eq!(
        stack
            .api("GET", "/bridge/context", Some(&token), None)
            .await
            .status,
        429
    );
    let calm = stack
        .api("GET", "/bridge/context", Some(&other), None)
        .await;
    assert_eq!(calm.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_sends_and_tails_for_scripts() {
    let stack = Stack::start_bot(FakeBotApi::start().await.expect("fake"), BRIDGE).await;
    let (token, _) = issue_key(&stack, "script").await;
    says(
        &stack,
        LOUNGE_ID,
        ALICE_ID,
        &format!("/bridge allow {BORIS_ID}"),
    )
    .await;
    let cli = |key: &str, args: &[&str]| {
        let out = std::process::Command::new(lambdagram_e2e::paths::cli_binary())
            .arg("bridge")
            .args(args)
            .env("BRIDGE_API_URL", stack.emulator.api_url())
            .env("BRIDGE_KEY", key)
            .output()
            .expect("run lambdagram");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let lounge = LOUNGE_ID.to_string();
    let (code, stdout, _) = tokio::task::block_in_place(|| {
        cli(
            &token,
            &["send", "--chat", &lounge, "tests", "are", "green"],
        )
    });
    assert_eq!(code, Some(0));
    let sent = stack.fake.world().messages(LOUNGE_ID);
    let last = sent.last().expect("sent");
    assert_eq!(last["text"], "tests are green");
    assert_eq!(
        stdout,
        format!(
            "sent: message {} in chat {LOUNGE_ID} (cursor 1)\n",
            last["message_id"]
        )
    );
    says(&stack, LOUNGE_ID, BORIS_ID, "thanks").await;
    let (code, stdout, stderr) =
        tokio::task::block_in_place(|| cli(&token, &["tail", "--once", "--after", "0"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout, "#2 Boris: thanks\n",
        "the tool's own message is not echoed"
    );
    assert_eq!(stderr, "cursor 2\n");
    // Change the key's last character to one it is not (a fixed "0" was the
    // same key once in every alphabet-size runs).
    let last = if token.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &token[..token.len() - 1]);
    assert_ne!(wrong, token);
    let (code, _, stderr) = tokio::task::block_in_place(|| cli(&wrong, &["tail", "--once"]));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("401 unauthorized"), "{stderr}");
    assert!(!stderr.contains(&token[10..]), "the key is never printed");
}

/// The tool's push receiver: records each request; answers 503 while `down`.
#[derive(Clone, Default)]
struct Tool {
    received: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Tool {
    async fn start(&self) -> String {
        let tool = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let tool = tool.clone();
                async move {
                    tool.received.lock().expect("lock").push((headers, body));
                    if tool.down.load(std::sync::atomic::Ordering::SeqCst) {
                        axum::http::StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        axum::http::StatusCode::NO_CONTENT
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        format!("http://{addr}/hook")
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, std::sync::atomic::Ordering::SeqCst);
    }

    fn requests(&self) -> usize {
        self.received.lock().expect("lock").len()
    }

    /// The last request's body, after checking its signature under `secret`.
    fn last_verified(&self, secret: &str) -> Value {
        let received = self.received.lock().expect("lock");
        let (headers, body) = received.last().expect("a push");
        let timestamp: i64 = headers["x-lambdagram-timestamp"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("a timestamp");
        let signature = headers["x-lambdagram-signature"].to_str().expect("ascii");
        assert!(
            lambdagram::push::verify(secret, timestamp, body, signature),
            "signed with the chat's secret"
        );
        assert!(!lambdagram::push::verify(
            "another", timestamp, body, signature
        ));
        serde_json::from_str(body).expect("JSON")
    }
}

async fn chat_item(stack: &Stack) -> Value {
    items_of(stack, &format!("BRIDGE#{LOUNGE_ID}"))
        .await
        .into_iter()
        .find(|i| i["sk"] == "CHAT")
        .expect("the chat")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_are_signed_retried_with_backoff_and_dead_lettered_when_the_tool_stays_down() {
    let stack = Stack::start_bot(FakeBotApi::start().await.expect("fake"), BRIDGE).await;
    let (token, _) = issue_key(&stack, "pushed").await;
    says(
        &stack,
        LOUNGE_ID,
        ALICE_ID,
        &format!("/bridge allow {BORIS_ID}"),
    )
    .await;
    let tool = Tool::default();
    let url = tool.start().await;

    // Only in private (the secret is shown), and only to a URL pushes may go to.
    let (d, _) = says(&stack, LOUNGE_ID, ALICE_ID, &format!("/bridge push {url}")).await;
    assert!(said(&d).is_some_and(|t| t.starts_with("Set pushes in a private chat")));
    let (d, _) = says(
        &stack,
        ALICE_ID,
        ALICE_ID,
        &format!("/bridge push ftp://x/ {LOUNGE_ID}"),
    )
    .await;
    assert_eq!(
        said(&d).as_deref(),
        Some("Pushes go to an https:// URL only.")
    );
    let (d, _) = says(
        &stack,
        ALICE_ID,
        ALICE_ID,
        &format!("/bridge push {url} {LOUNGE_ID}"),
    )
    .await;
    let text = said(&d).expect("the secret");
    let secret = text
        .lines()
        .find_map(|l| l.strip_prefix("Signing secret (shown once): "))
        .expect("the secret line")
        .to_owned();
    assert_eq!(secret.len(), 64);
    // The chat's settings and the push job's list entry, in one transaction.
    assert_eq!(
        items_of(&stack, "BRIDGE#PUSH").await,
        [json!({"pk": "BRIDGE#PUSH", "sk": LOUNGE_ID.to_string(), "chat_id": LOUNGE_ID})]
    );

    // Pushed at once, signed, in the inbound invocation.
    says(&stack, LOUNGE_ID, BORIS_ID, "one").await;
    assert_eq!(tool.requests(), 1);
    let pushed = tool.last_verified(&secret);
    assert_eq!(pushed["cursor"], 1);
    assert_eq!(pushed["messages"][0]["text"], "one");
    assert_eq!(chat_item(&stack).await["pushed_seq"], 1);

    // The tool is down: the attempt fails, the message is kept and scheduled.
    tool.set_down(true);
    says(&stack, LOUNGE_ID, BORIS_ID, "two").await;
    assert_eq!(tool.requests(), 2);
    let chat = chat_item(&stack).await;
    assert_eq!(
        (chat["pushed_seq"].as_i64(), chat["push_attempts"].as_i64()),
        (Some(1), Some(1))
    );

    // Back up: the job delivers it (only what was not delivered) and the attempts start again.
    tool.set_down(false);
    let report = stack.run_job("bridge-push").await.expect("the job runs");
    assert_eq!(report, json!({"delivered": 1, "failed": 0, "dead": 0}));
    let pushed = tool.last_verified(&secret);
    assert_eq!(pushed["cursor"], 2);
    assert_eq!(pushed["messages"].as_array().map(Vec::len), Some(1));
    assert_eq!(pushed["messages"][0]["text"], "two");
    let chat = chat_item(&stack).await;
    assert_eq!(
        (chat["pushed_seq"].as_i64(), chat["push_attempts"].as_i64()),
        (Some(2), Some(0))
    );
    // Nothing due: the job pushes nothing.
    let report = stack.run_job("bridge-push").await.expect("the job runs");
    assert_eq!(report, json!({"delivered": 0, "failed": 0, "dead": 0}));
    assert_eq!(tool.requests(), 3);

    // Down for good: the inbound attempt and the job's retries fail, then the push is given up.
    tool.set_down(true);
    says(&stack, LOUNGE_ID, BORIS_ID, "three").await;
    let max = bridge::push::MAX_ATTEMPTS;
    for attempt in 2..=max {
        let report = stack.run_job("bridge-push").await.expect("the job runs");
        let dead = u32::from(attempt == max);
        assert_eq!(
            report,
            json!({"delivered": 0, "failed": 1, "dead": dead}),
            "attempt {attempt}"
        );
    }
    assert_eq!(tool.requests(), 3 + max as usize);
    let report = stack.run_job("bridge-push").await.expect("the job runs");
    assert_eq!(report, json!({"delivered": 0, "failed": 0, "dead": 0}));
    assert_eq!(
        tool.requests(),
        3 + max as usize,
        "a dead push is not tried again"
    );
    let (d, _) = says(&stack, LOUNGE_ID, ALICE_ID, "/status").await;
    let status = said(&d).expect("status");
    assert!(
        status.contains(&format!(
            "Last error: push given up after {max} attempts (HTTP 503)"
        )),
        "{status}"
    );
    // Nothing is lost: the tool reads it after its cursor.
    let answer = read(&stack, &token, "?after=2").await;
    assert_eq!(answer.body["messages"][0]["text"], "three");

    // Pushes off: the settings and the list entry go together, in one transaction.
    stack.emulator.take_dynamodb_ops();
    let (d, _) = says(
        &stack,
        ALICE_ID,
        ALICE_ID,
        &format!("/bridge push off {LOUNGE_ID}"),
    )
    .await;
    assert_eq!(
        said(&d),
        Some(format!("Chat {LOUNGE_ID} no longer pushes to the tool."))
    );
    assert!(stack
        .emulator
        .take_dynamodb_ops()
        .contains(&"TransactWriteItems".to_owned()));
    assert_eq!(items_of(&stack, "BRIDGE#PUSH").await, Vec::<Value>::new());
    let chat = chat_item(&stack).await;
    assert_eq!(chat.get("push_url"), None, "{chat}");
    assert_eq!(chat.get("push_secret"), None, "{chat}");
    let report = stack.run_job("bridge-push").await.expect("the job runs");
    assert_eq!(report, json!({"delivered": 0, "failed": 0, "dead": 0}));
    // Off for a chat that is no bridge chat: nothing written, said so.
    let (d, _) = says(&stack, ALICE_ID, ALICE_ID, "/bridge push off -100999").await;
    assert_eq!(
        said(&d).as_deref(),
        Some("Chat -100999 is not a bridge chat yet: issue a key for it first (/bridge key new -100999).")
    );
    assert_eq!(items_of(&stack, "BRIDGE#PUSH").await, Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tool_sends_files_by_multipart_upload() {
    let stack = Stack::start_bot(FakeBotApi::start().await.expect("fake"), BRIDGE).await;
    let (token, _) = issue_key(&stack, "ci").await;
    cost(&stack);
    // "a,b\n1,2\n" in base64.
    let answer = send(
        &stack,
        &token,
        json!({"text": "nightly report", "file": {"name": "report.csv", "data": "YSxiCjEsMgo="}}),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let calls = stack.fake.calls_to("sendDocument");
    assert_eq!(calls.len(), 1);
    let params = &calls[0].params;
    assert_eq!(params["chat_id"], LOUNGE_ID.to_string());
    assert_eq!(params["caption"], "nightly report");
    assert_eq!(
        params["document"],
        json!({"file_name": "report.csv", "size": 8})
    );
    let sent = stack.fake.world().messages(LOUNGE_ID);
    let last = sent.last().expect("the document");
    assert_eq!(last["document"]["file_name"], "report.csv");
    assert_eq!(last["document"]["file_size"], 8);
    assert_eq!(last["caption"], "nightly report");
    assert_eq!(answer.body["message_id"], last["message_id"]);
    assert_eq!(cost(&stack).1, v(&["sendDocument"]));

    // A photo without a caption; the history notes the file.
    let answer = send(
        &stack,
        &token,
        json!({"file": {"name": "chart.png", "data": "iVBORw0KGgo=", "kind": "photo"}}),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let photo = stack.fake.calls_to("sendPhoto");
    assert_eq!(
        photo[0].params["photo"],
        json!({"file_name": "chart.png", "size": 8})
    );
    let history = stack
        .api("GET", "/bridge/history", Some(&token), None)
        .await;
    let texts: Vec<&str> = history.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["[file: chart.png]", "nightly report\n[file: report.csv]"]
    );

    // Not base64, empty, or of an unknown kind: 400 before anything is sent.
    for file in [
        json!({"name": "x", "data": "!!"}),
        json!({"name": "x", "data": ""}),
        json!({"name": "x", "data": "YQ==", "kind": "video"}),
    ] {
        let answer = send(&stack, &token, json!({ "file": file.clone() })).await;
        assert_eq!(answer.status, 400, "{file}");
    }
    assert_eq!(cost(&stack).1, v(&["sendPhoto"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_history_write_fails_is_still_answered_as_sent_without_a_cursor() {
    let stack = Stack::start_bot(FakeBotApi::start().await.expect("fake"), BRIDGE).await;
    let (token, _) = issue_key(&stack, "ci").await;
    cost(&stack);

    // Telegram accepted the message, then the entry's transaction fails on every SDK attempt:
    // the answer is still 200 (it was sent; a "failed" would make the tool send it twice),
    // with no cursor, and nothing half-written.
    stack
        .dynamo_faults()
        .inject(DynamoFault::fail("TransactWriteItems").calls(1));
    let answer = send(&stack, &token, json!({"text": "sent, not recorded"})).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["seq"], Value::Null);
    let sent = stack.fake.world().messages(LOUNGE_ID);
    let last = sent.last().expect("sent");
    assert_eq!(last["text"], "sent, not recorded");
    assert_eq!(answer.body["message_id"], last["message_id"]);
    assert_eq!(cost(&stack).1, v(&["sendMessage"]), "sent once");
    assert_eq!(stack.dynamo_faults().pending(), 0, "the fault struck");
    let entries: Vec<Value> = items_of(&stack, &format!("BRIDGE#{LOUNGE_ID}"))
        .await
        .into_iter()
        .filter(|i| i["sk"] != "CHAT")
        .collect();
    assert_eq!(entries, Vec::<Value>::new());

    // The next send takes the first number: no gap in the cursor.
    let answer = send(&stack, &token, json!({"text": "recorded"})).await;
    assert_eq!((answer.status, &answer.body["seq"]), (200, &json!(1)));
    let entries: Vec<(Value, Value)> = items_of(&stack, &format!("BRIDGE#{LOUNGE_ID}"))
        .await
        .into_iter()
        .filter(|i| i["sk"] != "CHAT")
        .map(|i| (i["sk"].clone(), i["text"].clone()))
        .collect();
    assert_eq!(entries, [(json!("E#000000000001"), json!("recorded"))]);
}
