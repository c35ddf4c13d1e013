//! `lambdagram local`: the zero-setup run, as a user runs it.

use std::path::Path;
use std::process::Output;

use serde_json::{json, Value};

fn run_local(args: &[&Path]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"))
        .arg("local")
        .args(args)
        .env_remove("BOT_TOKEN")
        .env_remove("TELEGRAM_API_URL")
        .output()
        .expect("run the lambdagram binary")
}

fn private_command(update_id: i64, user: (i64, &str, &str), text: &str) -> Value {
    let command_len = text.split_whitespace().next().map_or(0, str::len);
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_763_800_000 + update_id,
            "from": {"id": user.0, "is_bot": false, "first_name": user.1, "language_code": user.2},
            "chat": {"id": user.0, "type": "private", "first_name": user.1},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": command_len}]
        }
    })
}

fn write(dir: &Path, name: &str, value: &Value) {
    std::fs::write(dir.join(name), value.to_string()).expect("write event");
}

#[test]
fn replays_a_directory_in_order_and_prints_what_the_bot_did() {
    let dir = tempfile::tempdir().expect("tempdir");
    let alice = (111111, "Alice", "en");
    write(
        dir.path(),
        "1-start.json",
        &private_command(10, alice, "/start"),
    );
    // Telegram redelivers the same update: handled once.
    write(
        dir.path(),
        "2-start-again.json",
        &private_command(10, alice, "/start"),
    );
    write(
        dir.path(),
        "3-help.json",
        &private_command(11, alice, "/help"),
    );
    write(
        dir.path(),
        "4-unknown.json",
        &private_command(12, alice, "/frobnicate now"),
    );
    // An API Gateway event with the wrong secret is refused.
    let wrapped = json!({
        "version": "2.0",
        "headers": {"x-telegram-bot-api-secret-token": "wrong"},
        "body": private_command(13, alice, "/start").to_string(),
        "isBase64Encoded": false
    });
    write(dir.path(), "5-wrong-secret.json", &wrapped);
    std::fs::write(dir.path().join("notes.txt"), "not an event").expect("write");

    let out = run_local(&[dir.path()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let blocks: Vec<&str> = text.split("\n\n").collect();
    let block = |name: &str| -> &str {
        blocks
            .iter()
            .find(|b| b.starts_with(&format!("[{name}]")))
            .unwrap_or_else(|| panic!("no transcript for {name} in:\n{text}"))
    };
    let start = block("1-start.json");
    assert!(
        start.contains(r#"message from Alice (111111) in private 111111: "/start""#),
        "{start}"
    );
    assert!(start.contains("→ HTTP 200"), "{start}");
    assert!(
        start.contains(r#"sendMessage to 111111: "Hello, Alice!"#),
        "{start}"
    );

    let again = block("2-start-again.json");
    assert!(again.contains("→ HTTP 200"), "{again}");
    assert!(
        !again.contains("sendMessage"),
        "a redelivery must not reply twice: {again}"
    );

    let help = block("3-help.json");
    assert!(help.contains("(webhook reply)"), "{help}");
    assert!(help.contains("/start") && help.contains("/help"), "{help}");

    let unknown = block("4-unknown.json");
    assert!(
        unknown.contains("I don't know the command /frobnicate"),
        "{unknown}"
    );

    let refused = block("5-wrong-secret.json");
    assert!(refused.contains("→ HTTP 401"), "{refused}");
    assert!(
        !refused.contains('←'),
        "no Bot API call after a wrong secret: {refused}"
    );

    assert!(!text.contains("notes.txt"), "only .json files are events");
    assert!(
        text.contains("5 events replayed, 4 answered 200, 3 Bot API calls"),
        "{text}"
    );
}

#[test]
fn every_sample_event_in_the_repository_replays() {
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let count = std::fs::read_dir(&events)
        .expect("events/ exists")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .count();
    assert!(
        count >= 10,
        "events/ should hold the sample events, found {count}"
    );
    let out = run_local(&[&events]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(&format!("{count} events replayed")), "{text}");
    assert!(!text.contains("HTTP 5"), "no sample event may fail: {text}");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = run_local(&[Path::new("/nonexistent/event.json")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading /nonexistent/event.json"));
}
