//! The sample events in `events/` are what API Gateway sends the webhook for `POST /webhook`,
//! wrap real-shaped Telegram updates from the fake Bot API's default world, and meet exactly the
//! fate in [`SAMPLES`] (which `events/README.md` describes).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambdagram::classify::{classify, Ignored};
use lambdagram::secret::WebhookSecret;
use lambdagram::teloxide_core::types::{Update, UpdateKind};
use lambdagram::update::UpdateView;
use serde_json::Value;

/// The secret the sample events carry (`lambdagram local` and the README's commands use it).
const SECRET: &str = "local-dev-secret";
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// What the webhook does with an event, as far as the core decides it before dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// 401: the secret header is not ours.
    WrongSecret,
    /// 200, dropped: the body is not a Telegram update.
    Malformed,
    /// 200, dropped: an update no route handles.
    Ignored(Ignored),
    /// Dispatched to this route.
    Route(&'static str),
}

/// What the event's body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    /// A Telegram update of this kind (its field name in `Update`).
    Update(&'static str),
    /// JSON that is not an update.
    NotAnUpdate,
    /// Not JSON at all.
    NotJson,
}

struct Sample {
    file: &'static str,
    body: Body,
    fate: Fate,
}

const fn sample(file: &'static str, body: Body, fate: Fate) -> Sample {
    Sample { file, body, fate }
}

use Body::{NotAnUpdate, NotJson, Update as U};
use Fate::{Malformed, Route, WrongSecret};

/// Every file in `events/`, and what happens to it.
const SAMPLES: &[Sample] = &[
    sample("01-private-start-en.json", U("message"), Route("start")),
    sample("02-private-start-ru.json", U("message"), Route("start")),
    sample("03-private-help-ru.json", U("message"), Route("help")),
    sample(
        "06-supergroup-help-at-bot.json",
        U("message"),
        Route("help"),
    ),
    sample(
        "09-supergroup-settings.json",
        U("message"),
        Route("settings"),
    ),
    sample(
        "12-supergroup-command-other-bot.json",
        U("message"),
        // Another bot's command is an ordinary group message to this bot (the guard sees it).
        Route("guard-message"),
    ),
    sample(
        "04-private-unknown-command.json",
        U("message"),
        Route("unknown-command"),
    ),
    sample(
        "11-supergroup-plain-message.json",
        U("message"),
        Route("guard-message"),
    ),
    sample(
        "05-private-edited-message.json",
        U("edited_message"),
        Fate::Ignored(Ignored::Unhandled),
    ),
    sample(
        "13-callback-query.json",
        U("callback_query"),
        Route("verify"),
    ),
    sample(
        "14-supergroup-chat-member-join.json",
        U("chat_member"),
        Route("member-change"),
    ),
    sample(
        "16-channel-chat-member-leave.json",
        U("chat_member"),
        Route("member-change"),
    ),
    sample(
        "07-my-chat-member-promoted.json",
        U("my_chat_member"),
        Route("bot-status"),
    ),
    sample(
        "15-supergroup-new-chat-members.json",
        U("message"),
        Route("new-members"),
    ),
    sample("08-supergroup-protect.json", U("message"), Route("protect")),
    sample(
        "10-supergroup-non-subscriber.json",
        U("message"),
        Route("guard-message"),
    ),
    sample("17-wrong-secret-start.json", U("message"), WrongSecret),
    sample("18-malformed-body.json", NotJson, Malformed),
    sample("19-not-an-update.json", NotAnUpdate, Malformed),
    sample(
        "20-supergroup-join-request.json",
        U("chat_join_request"),
        Route("join-request"),
    ),
];

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn read(file: &str) -> String {
    let path = events_dir().join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The core's decision for one request, in the webhook's order: authenticate, parse, route.
fn fate(secret_header: Option<&[u8]>, body: &[u8]) -> Fate {
    let secret = WebhookSecret::new(SECRET).expect("the sample secret is valid");
    if !secret.matches(secret_header) {
        return WrongSecret;
    }
    let Ok(update) = serde_json::from_slice::<UpdateView>(body) else {
        return Malformed;
    };
    match classify(channel_guard::ROUTES, &update, fake_bot_api::BOT_USERNAME) {
        Ok(route) => Route(route.name),
        Err(reason) => Fate::Ignored(reason),
    }
}

#[test]
fn every_event_file_has_exactly_one_entry_in_the_table() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(events_dir())
        .expect("events/ exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".json"))
        .collect();
    let in_table: BTreeSet<String> = SAMPLES.iter().map(|s| s.file.to_owned()).collect();
    assert_eq!(in_table.len(), SAMPLES.len(), "a file is listed twice");
    let untested: Vec<_> = on_disk.difference(&in_table).collect();
    let missing: Vec<_> = in_table.difference(&on_disk).collect();
    assert!(
        untested.is_empty() && missing.is_empty(),
        "events/ without a SAMPLES entry: {untested:?}; SAMPLES entries without a file: {missing:?}"
    );
}

#[test]
fn the_readme_describes_every_event_file() {
    let readme = read("README.md");
    for s in SAMPLES {
        assert!(
            readme.contains(&format!("`{}`", s.file)),
            "events/README.md does not mention `{}`",
            s.file
        );
    }
}

#[test]
fn events_are_api_gateway_http_api_requests_for_post_webhook() {
    for s in SAMPLES {
        let text = read(s.file);
        let event: ApiGatewayV2httpRequest =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", s.file));
        let ctx = &event.request_context;
        let at = |what: &str| format!("{}: {what}", s.file);

        assert_eq!(event.version.as_deref(), Some("2.0"), "{}", at("version"));
        assert_eq!(
            event.route_key.as_deref(),
            Some("POST /webhook"),
            "{}",
            at("routeKey")
        );
        assert_eq!(
            event.raw_path.as_deref(),
            Some("/webhook"),
            "{}",
            at("rawPath")
        );
        assert_eq!(
            event.raw_query_string.as_deref(),
            Some(""),
            "{}",
            at("rawQueryString")
        );
        assert!(!event.is_base64_encoded, "{}", at("isBase64Encoded"));
        assert_eq!(ctx.http.method, "POST", "{}", at("http.method"));
        assert_eq!(ctx.http.path.as_deref(), Some("/webhook"), "{}", at("path"));
        assert_eq!(
            ctx.route_key.as_deref(),
            Some("POST /webhook"),
            "{}",
            at("requestContext.routeKey")
        );
        assert_eq!(ctx.stage.as_deref(), Some("$default"), "{}", at("stage"));
        assert_eq!(
            ctx.account_id.as_deref(),
            Some("123456789012"),
            "{}",
            at("accountId")
        );
        assert!(ctx.time_epoch > 0, "{}", at("timeEpoch"));

        let header = |name: &str| {
            event
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{}", at(&format!("no {name} header"))))
        };
        assert_eq!(header("content-type"), "application/json", "{}", at("type"));
        let body = event
            .body
            .as_deref()
            .unwrap_or_else(|| panic!("{}", at("no body")));
        assert_eq!(
            header("content-length"),
            body.len().to_string(),
            "{}",
            at("content-length is the body's UTF-8 length")
        );
        // Telegram delivers webhooks from 149.154.160.0/20 (and 91.108.4.0/22).
        let telegram = |ip: &str| {
            ip.parse::<Ipv4Addr>().is_ok_and(|ip| {
                u32::from(ip) >> 12 == u32::from(Ipv4Addr::new(149, 154, 160, 0)) >> 12
            })
        };
        assert!(
            telegram(header("x-forwarded-for")),
            "{}",
            at("x-forwarded-for")
        );
        assert!(
            ctx.http.source_ip.as_deref().is_some_and(telegram),
            "{}",
            at("sourceIp")
        );
        assert!(
            event.headers.contains_key(SECRET_HEADER),
            "{}",
            at("secret header")
        );
    }
}

#[test]
fn lambda_http_hands_the_webhook_the_body_and_secret_header_verbatim() {
    for s in SAMPLES {
        let text = read(s.file);
        let raw: Value = serde_json::from_str(&text).expect("the event is JSON");
        let req = lambda_http::request::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: lambda_http cannot read it: {e}", s.file));
        assert_eq!(req.method(), "POST", "{}", s.file);
        assert_eq!(req.uri().path(), "/webhook", "{}", s.file);
        let body: &[u8] = req.body().as_ref();
        assert_eq!(
            Some(body),
            raw["body"].as_str().map(str::as_bytes),
            "{}",
            s.file
        );
        let secret = req.headers().get(SECRET_HEADER).map(|v| v.as_bytes());
        assert_eq!(
            secret,
            raw["headers"][SECRET_HEADER].as_str().map(str::as_bytes),
            "{}",
            s.file
        );
    }
}

#[test]
fn bodies_are_what_the_table_says() {
    let mut update_ids = BTreeSet::new();
    for s in SAMPLES {
        let event: Value = serde_json::from_str(&read(s.file)).expect("the event is JSON");
        let body = event["body"].as_str().expect("a string body");
        let json = serde_json::from_str::<Value>(body);
        match s.body {
            NotJson => assert!(json.is_err(), "{}: the body parses as JSON", s.file),
            NotAnUpdate => {
                let json = json.unwrap_or_else(|e| panic!("{}: {e}", s.file));
                assert!(json.get("update_id").is_none(), "{}", s.file);
            }
            U(kind) => {
                let json = json.unwrap_or_else(|e| panic!("{}: {e}", s.file));
                let id = json["update_id"].as_i64().expect("update_id");
                assert!(update_ids.insert(id), "{}: update_id {id} reused", s.file);
                let kinds: Vec<_> = json
                    .as_object()
                    .map(|o| o.keys().filter(|k| *k != "update_id").collect())
                    .unwrap_or_default();
                assert_eq!(kinds, [kind], "{}: one update of kind {kind}", s.file);
                // The route functions parse the full update with teloxide-core.
                let update: Update =
                    serde_json::from_str(body).unwrap_or_else(|e| panic!("{}: {e}", s.file));
                assert!(
                    !matches!(update.kind, UpdateKind::Error(_)),
                    "{}: teloxide-core does not understand it: {:?}",
                    s.file,
                    update.kind
                );
                let payload = &json[kind];
                check_world(s.file, payload);
                check_commands(s.file, payload);
                if let Some(date) = payload["date"].as_i64() {
                    let received = event["requestContext"]["timeEpoch"].as_i64().unwrap_or(0);
                    assert!(date * 1000 <= received, "{}: dated after delivery", s.file);
                }
            }
        }
    }
}

#[test]
fn each_event_meets_the_fate_in_the_table() {
    for s in SAMPLES {
        let event: Value = serde_json::from_str(&read(s.file)).expect("the event is JSON");
        let body = event["body"].as_str().expect("a string body");
        let secret = event["headers"][SECRET_HEADER].as_str().map(str::as_bytes);
        assert_eq!(fate(secret, body.as_bytes()), s.fate, "{}", s.file);
    }
}

/// Every user and chat in an update is one of the fake Bot API's default world, spelled alike.
fn check_world(file: &str, value: &Value) {
    match value {
        Value::Object(o) => {
            if o.contains_key("is_bot") {
                let known = [
                    fake_bot_api::alice(),
                    fake_bot_api::boris(),
                    fake_bot_api::bot_user(),
                ]
                .map(|u| serde_json::to_value(u).expect("users serialize"));
                assert!(known.contains(value), "{file}: unknown user {value}");
            } else if let (Some(id), Some(kind)) = (o.get("id"), o.get("type")) {
                let (id, kind) = (id.as_i64().unwrap_or(0), kind.as_str().unwrap_or(""));
                let expected = match id {
                    fake_bot_api::ALICE_ID | fake_bot_api::BORIS_ID => "private",
                    fake_bot_api::LOUNGE_ID => "supergroup",
                    fake_bot_api::NEWS_ID => "channel",
                    _ => panic!("{file}: chat {id} is not in the default world"),
                };
                assert_eq!(kind, expected, "{file}: chat {id}");
            }
            o.values().for_each(|v| check_world(file, v));
        }
        Value::Array(items) => items.iter().for_each(|v| check_world(file, v)),
        _ => {}
    }
}

/// A message starting with `/` carries a `bot_command` entity covering exactly the command word
/// (offsets in UTF-16 code units, as Telegram counts them).
fn check_commands(file: &str, message: &Value) {
    let Some(text) = message["text"].as_str() else {
        return;
    };
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let commands: Vec<(usize, usize)> = message["entities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == "bot_command")
        .map(|e| {
            let n = |k: &str| e[k].as_u64().and_then(|n| usize::try_from(n).ok());
            (n("offset").unwrap_or(usize::MAX), n("length").unwrap_or(0))
        })
        .collect();
    let word = text.split_whitespace().next().unwrap_or("");
    if text.starts_with('/') {
        assert_eq!(
            commands.first(),
            Some(&(0, word.encode_utf16().count())),
            "{file}: the command entity"
        );
    }
    for (offset, length) in commands {
        let covered = utf16.get(offset..offset + length).map(String::from_utf16);
        assert!(
            matches!(covered, Some(Ok(c)) if c.starts_with('/') && !c.contains(char::is_whitespace)),
            "{file}: bot_command entity at {offset}+{length}"
        );
    }
}

/// `events/routes/<route>.json` (written by `lambdagram new route`) are routed to `<route>`,
/// with the sample secret: the file name is the expectation, so a renamed or removed route
/// leaves a sample that fails here.
#[test]
fn each_route_sample_is_routed_to_the_route_it_is_named_after() {
    let dir = events_dir().join("routes");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return; // no scaffolded route yet
    };
    for entry in entries {
        let path = entry.expect("readable entry").path();
        let Some(route) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
        else {
            panic!("{}: only <route>.json files belong here", path.display());
        };
        let sample = lambdagram_e2e::events::load(&format!("routes/{route}"));
        assert_eq!(sample.secret(), Some(SECRET), "{}", path.display());
        let view: UpdateView = serde_json::from_str(&sample.body).expect("an update");
        let routed =
            classify(channel_guard::ROUTES, &view, fake_bot_api::BOT_USERNAME).map(|r| r.name);
        assert_eq!(routed, Ok(route), "{}", path.display());
    }
}

/// `lambdagram local` replays `events/` in file-name order: the numbers keep it a story in
/// which each step makes sense after the ones before it.
#[test]
fn the_samples_tell_a_story_in_file_name_order() {
    let mut files: Vec<String> = std::fs::read_dir(events_dir())
        .expect("events/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    for (i, file) in files.iter().enumerate() {
        assert!(
            file.starts_with(&format!("{:02}-", i + 1)),
            "{file}: number the samples 01, 02, … in story order"
        );
    }
    let at = |name: &str| {
        files
            .iter()
            .position(|f| f.ends_with(&format!("-{name}.json")))
            .unwrap_or_else(|| panic!("no sample {name}"))
    };
    // The bot is promoted, then the group protected, before anyone is guarded.
    assert!(at("my-chat-member-promoted") < at("supergroup-protect"));
    assert!(at("supergroup-protect") < at("supergroup-settings"));
    assert!(at("supergroup-protect") < at("supergroup-non-subscriber"));
    // "I have joined" is pressed under a warning the bot has posted.
    assert!(at("supergroup-non-subscriber") < at("callback-query"));
    // The refused requests close the story.
    assert!(at("callback-query") < at("wrong-secret-start"));
}
