//! `events/bridge/`: the bridge's sample events read as API Gateway v2 requests (through
//! `lambda_http`, as its functions read them), reach the function `events/bridge/README.md`
//! names, and, replayed in order on the bridge's stack (real binaries, DynamoDB Local, the fake
//! Bot API), do what the README says.

use std::path::{Path, PathBuf};

use lambda_http::RequestExt;
use lambdagram::classify::classify;
use lambdagram::update::UpdateView;
use lambdagram_e2e::stack::{Stack, BRIDGE, SECRET};
use serde_json::{json, Value};

const PLACEHOLDER_KEY: &str =
    "lgb_1_0000000000000000000000000000000000000000000000000000000000000000";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/bridge")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Each webhook sample and the route it reaches.
const WEBHOOK: &[(&str, &str)] = &[
    ("01-private-bridge-key-new.json", "bridge-keys"),
    ("02-supergroup-bridge-allow.json", "bridge-keys"),
    ("03-supergroup-message.json", "bridge-inbound"),
    ("04-supergroup-status.json", "bridge-status"),
];

/// Each API sample: method and path.
const API: &[(&str, &str, &str)] = &[
    ("api-post-messages.json", "POST", "/bridge/messages"),
    ("api-get-messages.json", "GET", "/bridge/messages"),
    ("api-get-history.json", "GET", "/bridge/history"),
    ("api-get-context.json", "GET", "/bridge/context"),
];

#[test]
fn every_sample_is_listed_and_reaches_its_function() {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .expect("events/bridge")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = WEBHOOK
        .iter()
        .map(|(f, _)| (*f).to_owned())
        .chain(API.iter().map(|(f, _, _)| (*f).to_owned()))
        .collect();
    listed.sort();
    assert_eq!(on_disk, listed);
    let readme = read("README.md");
    for file in &listed {
        assert!(readme.contains(&format!("`{file}`")), "README lists {file}");
    }
    for (file, route) in WEBHOOK {
        let request = lambda_http::request::from_str(&read(file)).expect("an API Gateway v2 event");
        assert_eq!(
            (request.method().as_str(), request.uri().path()),
            ("POST", "/webhook")
        );
        let view: UpdateView = serde_json::from_slice(request.body().as_ref()).expect("an update");
        let found = classify(bridge::ROUTES, &view, fake_bot_api::BOT_USERNAME).expect("routed");
        assert_eq!(found.name, *route, "{file}");
    }
    for (file, method, path) in API {
        let request = lambda_http::request::from_str(&read(file)).expect("an API Gateway v2 event");
        assert_eq!(
            (request.method().as_str(), request.uri().path()),
            (*method, *path)
        );
        assert!(
            bridge::ENDPOINTS[0].routes.contains(&(*method, *path)),
            "{file}: a route of the API"
        );
        assert_eq!(
            request.headers()["authorization"],
            format!("Bearer {PLACEHOLDER_KEY}").as_str()
        );
        if *method == "GET" && file.contains("messages") {
            let query = request.query_string_parameters();
            assert_eq!(query.first("after"), Some("0"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_in_order_the_samples_tell_the_bridges_story() {
    let fake = fake_bot_api::FakeBotApi::start().await.expect("fake");
    let stack = Stack::start_bot(fake, BRIDGE).await;
    let body = |file: &str| -> String {
        let event: Value = serde_json::from_str(&read(file)).expect("JSON");
        event["body"].as_str().expect("a body").to_owned()
    };
    let reply = |d: &lambdagram_e2e::stack::Delivery| {
        d.reply
            .as_ref()
            .and_then(|r| r["text"].as_str().map(str::to_owned))
    };
    let key = stack.post(body(WEBHOOK[0].0), Some(SECRET)).await;
    let text = reply(&key).expect("the key");
    let token = text
        .lines()
        .find(|l| l.starts_with("lgb_"))
        .expect("a token")
        .to_owned();
    let allow = stack.post(body(WEBHOOK[1].0), Some(SECRET)).await;
    assert_eq!(
        reply(&allow).as_deref(),
        Some("222222's messages in chat -1001234567890 reach the tool now.")
    );
    let message = stack.post(body(WEBHOOK[2].0), Some(SECRET)).await;
    assert_eq!((message.status, reply(&message)), (200, None));
    let status = stack.post(body(WEBHOOK[3].0), Some(SECRET)).await;
    assert!(
        reply(&status).is_some_and(|s| s.contains("Tool last seen: never\nPending messages: 1\n")),
        "{:?}",
        reply(&status)
    );

    // The API samples, with the placeholder key: refused; with the issued one: answered.
    for (file, method, path) in API {
        let event: Value = serde_json::from_str(&read(file)).expect("JSON");
        let query = event["rawQueryString"].as_str().unwrap_or_default();
        let target = if query.is_empty() {
            (*path).to_owned()
        } else {
            format!("{path}?{query}")
        };
        let sent: Option<Value> = event["body"]
            .as_str()
            .map(|b| serde_json::from_str(b).expect("a JSON body"));
        let refused = stack
            .api(method, &target, Some(PLACEHOLDER_KEY), sent.as_ref())
            .await;
        assert_eq!(refused.status, 401, "{file}");
        let answer = stack
            .api(method, &target, Some(&token), sent.as_ref())
            .await;
        assert_eq!(answer.status, 200, "{file}: {:?}", answer.body);
        match *file {
            "api-get-messages.json" | "api-get-history.json" => {
                assert_eq!(
                    answer.body["messages"][0]["text"], "The build on main is red again",
                    "{file}"
                );
            }
            "api-get-context.json" => assert_eq!(
                answer.body,
                json!({"chat_id": -1001234567890_i64, "session": null, "workspace": null})
            ),
            _ => assert_eq!(answer.body["seq"], 2, "{file}"),
        }
    }
}
