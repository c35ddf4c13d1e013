//! `lambdagram events new <kind>`: each kind, with the ids passed, lands where Telegram puts
//! them, reads as the webhook and the route functions read it, and is routed as expected. The
//! wrapped form passes the checks `tests/tests/events.rs` applies to `events/`.

use std::net::Ipv4Addr;
use std::process::Output;

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambdagram::classify::{classify, Ignored};
use lambdagram::teloxide_core::types::{MessageKind, Update, UpdateKind};
use lambdagram::update::UpdateView;
use serde_json::Value;

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

fn lambdagram(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"))
        .args(args)
        .env_remove("BOT_USERNAME")
        .output()
        .expect("run the lambdagram binary")
}

fn events_new(args: &[&str]) -> Output {
    let mut all = vec!["events", "new"];
    all.extend_from_slice(args);
    lambdagram(&all)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A generated event, read back the ways the project reads events.
struct Generated {
    /// The API Gateway event as JSON.
    event: Value,
    /// The Telegram update (the event's body) as JSON.
    update: Value,
    /// The update as the route functions parse it.
    parsed: Update,
    /// Where the webhook routes it.
    route: Result<&'static str, Ignored>,
}

/// Runs `events new` and checks the output as `tests/tests/events.rs` checks `events/`.
fn generate(args: &[&str]) -> Generated {
    let out = events_new(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    read_event(&stdout(&out), &format!("{args:?}"))
}

fn read_event(text: &str, what: &str) -> Generated {
    let event: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}"));

    // An API Gateway HTTP API request for POST /webhook, as aws_lambda_events reads it.
    let gw: ApiGatewayV2httpRequest =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}"));
    let ctx = &gw.request_context;
    assert_eq!(gw.version.as_deref(), Some("2.0"), "{what}");
    assert_eq!(gw.route_key.as_deref(), Some("POST /webhook"), "{what}");
    assert_eq!(gw.raw_path.as_deref(), Some("/webhook"), "{what}");
    assert_eq!(gw.raw_query_string.as_deref(), Some(""), "{what}");
    assert!(!gw.is_base64_encoded, "{what}");
    assert_eq!(ctx.http.method, "POST", "{what}");
    assert_eq!(ctx.http.path.as_deref(), Some("/webhook"), "{what}");
    assert_eq!(ctx.route_key.as_deref(), Some("POST /webhook"), "{what}");
    assert_eq!(ctx.stage.as_deref(), Some("$default"), "{what}");
    assert_eq!(ctx.account_id.as_deref(), Some("123456789012"), "{what}");
    let header = |name: &str| {
        gw.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name} header"))
    };
    let body = gw.body.as_deref().expect("a body");
    assert_eq!(header("content-type"), "application/json", "{what}");
    assert_eq!(
        header("content-length"),
        body.len().to_string(),
        "{what}: content-length is the body's UTF-8 length"
    );
    let telegram = |ip: &str| {
        ip.parse::<Ipv4Addr>()
            .is_ok_and(|ip| u32::from(ip) >> 12 == u32::from(Ipv4Addr::new(149, 154, 160, 0)) >> 12)
    };
    assert!(telegram(header("x-forwarded-for")), "{what}");
    assert!(
        ctx.http.source_ip.as_deref().is_some_and(telegram),
        "{what}"
    );

    // lambda_http hands the webhook this body and secret header verbatim.
    let req = lambda_http::request::from_str(text)
        .unwrap_or_else(|e| panic!("{what}: lambda_http cannot read it: {e}"));
    assert_eq!(req.method(), "POST");
    assert_eq!(req.uri().path(), "/webhook");
    let req_body: &[u8] = req.body().as_ref();
    assert_eq!(req_body, body.as_bytes(), "{what}");
    assert_eq!(
        req.headers().get(SECRET_HEADER).map(|v| v.as_bytes()),
        event["headers"][SECRET_HEADER].as_str().map(str::as_bytes),
        "{what}"
    );

    let mut generated = read_update(body, what);
    if let Some(date) = generated.payload()["date"].as_i64() {
        let received = event["requestContext"]["timeEpoch"].as_i64().unwrap_or(0);
        assert!(date * 1000 <= received, "{what}: dated after delivery");
    }
    generated.event = event;
    generated
}

/// Reads a bare update: one kind, teloxide-core understands it, command entities are right.
fn read_update(body: &str, what: &str) -> Generated {
    let update: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        update["update_id"].as_u64().is_some_and(|id| id > 0),
        "{what}"
    );
    let kinds: Vec<_> = update
        .as_object()
        .map(|o| o.keys().filter(|k| *k != "update_id").collect())
        .unwrap_or_default();
    assert_eq!(kinds.len(), 1, "{what}: one update kind, got {kinds:?}");
    let parsed: Update = serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        !matches!(parsed.kind, UpdateKind::Error(_)),
        "{what}: teloxide-core does not understand it: {:?}",
        parsed.kind
    );
    let view: UpdateView = serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e}"));
    let route = classify(channel_guard::ROUTES, &view, fake_bot_api::BOT_USERNAME).map(|r| r.name);
    let generated = Generated {
        event: Value::Null,
        update,
        parsed,
        route,
    };
    check_commands(what, generated.payload());
    generated
}

impl Generated {
    /// The update's one payload (`message`, `callback_query`, …).
    fn payload(&self) -> &Value {
        self.update
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| *k != "update_id"))
            .map(|(_, v)| v)
            .expect("a payload")
    }
}

/// As in `tests/tests/events.rs`: a message starting with `/` carries a `bot_command` entity
/// covering exactly the command word (in UTF-16 code units).
fn check_commands(what: &str, message: &Value) {
    let Some(text) = message["text"].as_str() else {
        return;
    };
    if !text.starts_with('/') {
        return;
    }
    let word = text.split_whitespace().next().unwrap_or("");
    let first = &message["entities"][0];
    assert_eq!(
        (
            first["type"].as_str(),
            first["offset"].as_u64(),
            first["length"].as_u64()
        ),
        (
            Some("bot_command"),
            Some(0),
            Some(word.encode_utf16().count() as u64)
        ),
        "{what}: the command entity"
    );
}

/// As in `tests/tests/events.rs`: every user in the update is the default world's, spelled alike.
fn check_world(what: &str, value: &Value) {
    match value {
        Value::Object(o) => {
            if o.contains_key("is_bot") {
                let known = [
                    fake_bot_api::alice(),
                    fake_bot_api::boris(),
                    fake_bot_api::bot_user(),
                ]
                .map(|u| fake_bot_api::wire::user(&u));
                assert!(known.contains(value), "{what}: unknown user {value}");
            } else if let (Some(id), Some(_)) = (o.get("id"), o.get("type")) {
                let known = [
                    fake_bot_api::wire::chat(&fake_bot_api::lounge()),
                    fake_bot_api::wire::chat(&fake_bot_api::news()),
                ];
                if id.as_i64().is_some_and(|id| id < 0) {
                    assert!(known.contains(value), "{what}: unknown chat {value}");
                }
            }
            o.values().for_each(|v| check_world(what, v));
        }
        Value::Array(items) => items.iter().for_each(|v| check_world(what, v)),
        _ => {}
    }
}

fn now() -> i64 {
    lambdagram::time::now()
}

#[test]
fn private_command_puts_the_command_and_user_where_telegram_does() {
    let g = generate(&["private-command", "--command", "/start", "--user", "111111"]);
    assert_eq!(g.route, Ok("start"));
    let m = g.payload();
    assert_eq!(m["text"], "/start");
    assert_eq!(m["from"]["id"], 111111);
    assert_eq!(m["chat"]["id"], 111111);
    assert_eq!(m["chat"]["type"], "private");
    assert_eq!(g.event["headers"][SECRET_HEADER], "local-dev-secret");
    assert!(
        (now() - m["date"].as_i64().unwrap_or(0)).abs() <= 5,
        "dated now"
    );
    check_world("private-command", &g.update);
    let UpdateKind::Message(msg) = &g.parsed.kind else {
        panic!("not a message: {:?}", g.parsed.kind)
    };
    assert_eq!(msg.text(), Some("/start"));
    assert_eq!(msg.from.as_ref().map(|u| u.id.0), Some(111111));

    // A user outside the default world, with arguments and a language.
    let g = generate(&[
        "private-command",
        "--command",
        "/frobnicate now",
        "--user",
        "333333",
        "--first-name",
        "Carol",
        "--lang",
        "ru",
    ]);
    assert_eq!(g.route, Ok("unknown-command"));
    let from = &g.payload()["from"];
    assert_eq!(
        (&from["id"], &from["first_name"], &from["language_code"]),
        (
            &Value::from(333333),
            &Value::from("Carol"),
            &Value::from("ru")
        )
    );
    assert_eq!(g.payload()["chat"]["id"], 333333);
}

#[test]
fn group_message_lands_in_the_chat_given_with_its_entities() {
    let g = generate(&[
        "group-message",
        "--chat",
        "-1005555555555",
        "--user",
        "333333",
        "--text",
        "/protect@LambdagramBot @my_channel",
    ]);
    assert_eq!(g.route, Ok("protect"));
    let m = g.payload();
    assert_eq!(m["chat"]["id"], -1005555555555_i64);
    assert_eq!(m["chat"]["type"], "supergroup");
    assert_eq!(m["from"]["id"], 333333);
    assert_eq!(m["text"], "/protect@LambdagramBot @my_channel");
    assert_eq!(
        m["entities"],
        serde_json::json!([
            {"offset": 0, "length": 22, "type": "bot_command"},
            {"offset": 23, "length": 11, "type": "mention"}
        ])
    );

    // The default: Boris writes in the Lounge, an ordinary message for the guard.
    let g = generate(&["group-message", "--text", "Привет всем"]);
    assert_eq!(g.route, Ok("guard-message"));
    assert_eq!(g.payload()["from"]["id"], fake_bot_api::BORIS_ID);
    assert_eq!(g.payload()["chat"]["id"], fake_bot_api::LOUNGE_ID);
    assert!(g.payload().get("entities").is_none());
    check_world("group-message", &g.update);
}

#[test]
fn callback_carries_the_data_the_presser_and_the_bots_message() {
    let g = generate(&[
        "callback",
        "--data",
        "joined:111",
        "--user",
        "111",
        "--chat",
        "-1001234567890",
        "--message-id",
        "46",
    ]);
    assert_eq!(g.route, Ok("verify"));
    let q = g.payload();
    assert_eq!(q["data"], "joined:111");
    assert_eq!(q["from"]["id"], 111);
    assert_eq!(q["message"]["message_id"], 46);
    assert_eq!(q["message"]["chat"]["id"], fake_bot_api::LOUNGE_ID);
    assert_eq!(q["message"]["from"]["id"], fake_bot_api::BOT_ID);
    assert_eq!(
        q["message"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "joined:111"
    );
    let UpdateKind::CallbackQuery(cq) = &g.parsed.kind else {
        panic!("not a callback query: {:?}", g.parsed.kind)
    };
    assert_eq!(cq.data.as_deref(), Some("joined:111"));
    assert_eq!(cq.from.id.0, 111);

    assert_eq!(
        generate(&["callback", "--data", "set:a:m"]).route,
        Ok("settings-menu")
    );
    assert_eq!(
        generate(&["callback", "--data", "lift:all"]).route,
        Ok("lift")
    );
    let default = generate(&["callback"]);
    assert_eq!(default.payload()["data"], "joined:222222");
    check_world("callback", &default.update);
}

#[test]
fn chat_member_join_and_leave_in_a_group_or_a_channel() {
    let g = generate(&[
        "chat-member-join",
        "--chat",
        "-1001234567890",
        "--user",
        "222222",
    ]);
    assert_eq!(g.route, Ok("member-change"));
    let c = g.payload();
    assert_eq!(c["chat"]["id"], fake_bot_api::LOUNGE_ID);
    assert_eq!(c["chat"]["type"], "supergroup");
    assert_eq!(c["from"]["id"], 222222);
    assert_eq!(c["new_chat_member"]["user"]["id"], 222222);
    assert_eq!(c["old_chat_member"]["status"], "left");
    assert_eq!(c["new_chat_member"]["status"], "member");
    let UpdateKind::ChatMember(m) = &g.parsed.kind else {
        panic!("not chat_member: {:?}", g.parsed.kind)
    };
    assert!(m.old_chat_member.is_left() && m.new_chat_member.is_member());
    check_world("chat-member-join", &g.update);

    let g = generate(&[
        "chat-member-leave",
        "--chat",
        "-1009876543210",
        "--user",
        "111111",
    ]);
    assert_eq!(g.route, Ok("member-change"));
    let c = g.payload();
    assert_eq!(c["chat"]["type"], "channel");
    assert_eq!(c["chat"]["username"], fake_bot_api::NEWS_USERNAME);
    assert_eq!(
        (
            &c["old_chat_member"]["status"],
            &c["new_chat_member"]["status"]
        ),
        (&Value::from("member"), &Value::from("left"))
    );
    check_world("chat-member-leave", &g.update);

    // A channel outside the default world, and a leave from a group.
    let g = generate(&[
        "chat-member-join",
        "--chat",
        "-1007777777777",
        "--chat-type",
        "channel",
        "--title",
        "Rust News",
        "--user",
        "444444",
    ]);
    assert_eq!(g.route, Ok("member-change"));
    assert_eq!(g.payload()["chat"]["type"], "channel");
    assert_eq!(g.payload()["chat"]["title"], "Rust News");
    let g = generate(&["chat-member-leave", "--chat", "-1001234567890"]);
    assert_eq!(g.payload()["chat"]["type"], "supergroup");
    assert_eq!(g.payload()["new_chat_member"]["status"], "left");
}

#[test]
fn my_chat_member_reports_the_bots_promotion_and_demotion() {
    let g = generate(&[
        "my-chat-member",
        "--chat",
        "-1001234567890",
        "--user",
        "111111",
    ]);
    assert_eq!(g.route, Ok("bot-status"));
    let c = g.payload();
    assert_eq!(c["from"]["id"], 111111);
    assert_eq!(c["new_chat_member"]["user"]["id"], fake_bot_api::BOT_ID);
    assert_eq!(c["old_chat_member"]["status"], "member");
    assert_eq!(c["new_chat_member"]["status"], "administrator");
    assert_eq!(c["new_chat_member"]["can_restrict_members"], true);
    assert_eq!(c["new_chat_member"]["can_delete_messages"], true);
    let UpdateKind::MyChatMember(m) = &g.parsed.kind else {
        panic!("not my_chat_member: {:?}", g.parsed.kind)
    };
    assert!(m.new_chat_member.is_administrator());
    check_world("my-chat-member", &g.update);

    let g = generate(&["my-chat-member", "--change", "demoted"]);
    assert_eq!(g.route, Ok("bot-status"));
    assert_eq!(g.payload()["old_chat_member"]["status"], "administrator");
    assert_eq!(g.payload()["new_chat_member"]["status"], "member");
    let g = generate(&["my-chat-member", "--change", "removed"]);
    assert_eq!(g.payload()["new_chat_member"]["status"], "kicked");
}

#[test]
fn new_chat_members_is_the_service_message_for_the_user() {
    let g = generate(&[
        "new-chat-members",
        "--chat",
        "-1001234567890",
        "--user",
        "222222",
    ]);
    assert_eq!(g.route, Ok("new-members"));
    let m = g.payload();
    assert_eq!(m["chat"]["id"], fake_bot_api::LOUNGE_ID);
    assert_eq!(m["new_chat_members"][0]["id"], 222222);
    assert_eq!(m["from"]["id"], 222222);
    let UpdateKind::Message(msg) = &g.parsed.kind else {
        panic!("not a message: {:?}", g.parsed.kind)
    };
    let MessageKind::NewChatMembers(joined) = &msg.kind else {
        panic!("not new_chat_members: {:?}", msg.kind)
    };
    assert_eq!(joined.new_chat_members[0].id.0, 222222);
    check_world("new-chat-members", &g.update);
}

#[test]
fn bare_gives_just_the_update_with_the_ids_given() {
    let out = events_new(&[
        "private-command",
        "--bare",
        "--update-id",
        "42",
        "--message-id",
        "7",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let g = read_update(&text, "--bare");
    assert_eq!(g.update["update_id"], 42);
    assert_eq!(g.payload()["message_id"], 7);
    assert!(g.update.get("body").is_none() && g.update.get("headers").is_none());
    assert_eq!(g.route, Ok("start"));
    assert!(
        text.trim_start().starts_with("{\n  \"update_id\": 42,"),
        "{text}"
    );
}

#[test]
fn fresh_ids_differ_from_run_to_run_and_the_secret_can_be_chosen() {
    let a = generate(&["private-command", "--secret", "s3cret_Value-1"]);
    let b = generate(&["private-command"]);
    assert_ne!(a.update["update_id"], b.update["update_id"]);
    assert_eq!(a.event["headers"][SECRET_HEADER], "s3cret_Value-1");
}

#[test]
fn out_writes_the_file_and_says_where_it_goes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("join.json");
    let out = events_new(&[
        "chat-member-join",
        "--out",
        path.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("chat_member in supergroup -1001234567890: Boris (222222) left → member → route member-change"),
        "{}",
        stdout(&out)
    );
    let text = std::fs::read_to_string(&path).expect("written");
    assert_eq!(read_event(&text, "--out").route, Ok("member-change"));
}

#[test]
fn mistakes_are_refused() {
    let out = events_new(&["poll"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown kind is a usage error"
    );
    assert!(stderr(&out).contains("private-command"), "{}", stderr(&out));
    let out = events_new(&["private-command", "--command", "start"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    let long = "x".repeat(65);
    for (args, says) in [
        (
            &["private-command", "--text", "hi"][..],
            "--text does not apply to private-command",
        ),
        (
            &["new-chat-members", "--chat", "222222"][..],
            "new-chat-members needs a group or supergroup chat",
        ),
        (
            &["callback", "--chat", "111111", "--user", "222222"][..],
            "the private chat of user 222222 has id 222222",
        ),
        (&["callback", "--data", &long][..], "1-64 bytes"),
        (
            &["private-command", "--secret", "has spaces"][..],
            "--secret",
        ),
    ] {
        let out = events_new(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}: nothing is written");
    }
}

#[test]
fn generated_events_drive_the_local_bot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, args: &[&str]| {
        let path = dir.path().join(name);
        let mut all = args.to_vec();
        all.extend(["--out", path.to_str().expect("utf-8 path")]);
        let out = events_new(&all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    write("1-start.json", &["private-command", "--command", "/start"]);
    write("2-help.json", &["private-command", "--command", "/help"]);
    write("3-join.json", &["chat-member-join"]);
    let out = lambdagram(&["local", dir.path().to_str().expect("utf-8 path")]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(
        text.contains(r#"sendMessage to 111111: "Hello, Alice!"#),
        "{text}"
    );
    assert!(text.contains("3 events replayed, 3 answered 200"), "{text}");
}
