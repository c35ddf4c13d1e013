//! `lambdagram dev`, run as a real process against the fake Bot API (as Telegram) and, for its
//! DynamoDB state, DynamoDB Local.

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use fake_bot_api::{FakeBotApi, ALICE_ID};
use serde_json::{json, Value};

const DEPLOYED_URL: &str = "https://abc.execute-api.eu-west-1.amazonaws.com/webhook";
const DEPLOYED_SECRET: &str = "deployed_Secret-1";
const DEPLOYED_KINDS: [&str; 4] = ["message", "callback_query", "chat_member", "my_chat_member"];

/// The CLI with the fake as Telegram, no terminal on stdin, nothing inherited that could leak in.
fn cli(fake: &FakeBotApi, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"));
    cmd.arg("dev")
        .args(args)
        .env_remove("WEBHOOK_SECRET")
        .env("BOT_TOKEN", fake.token())
        .env("TELEGRAM_API_URL", fake.base_url())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

async fn run(mut cmd: tokio::process::Command) -> Output {
    let child = cmd.spawn().expect("run the lambdagram binary");
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("lambdagram dev did not stop")
        .expect("wait for lambdagram dev")
}

fn text(out: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The deployed stack's webhook, as `lambdagram webhook set` leaves it.
async fn set_deployed_webhook(fake: &FakeBotApi) {
    let answer = lambdagram::telegram::http_client()
        .expect("client")
        .post(format!(
            "{}/bot{}/setWebhook",
            fake.base_url(),
            fake.token()
        ))
        .json(&json!({
            "url": DEPLOYED_URL,
            "secret_token": DEPLOYED_SECRET,
            "max_connections": 7,
            "allowed_updates": DEPLOYED_KINDS,
        }))
        .send()
        .await
        .expect("setWebhook");
    assert!(answer.status().is_success());
    fake.clear_calls();
}

/// A user sends a command in their private chat with the bot (an update is queued).
fn command(fake: &FakeBotApi, user_id: i64, text: &str) -> i64 {
    let mut message = fake
        .world()
        .add_message(user_id, user_id, text)
        .expect("a known user");
    let length = text.split(' ').next().map_or(0, str::len);
    message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
    let update = fake.push_update(json!({ "message": message }));
    update["update_id"].as_i64().expect("update_id")
}

fn methods(fake: &FakeBotApi) -> Vec<String> {
    fake.calls().into_iter().map(|c| c.method).collect()
}

/// The calls the route handlers made (everything but what dev itself asks Telegram).
fn bot_calls(fake: &FakeBotApi) -> Vec<(String, Value, String)> {
    const DEV_OWN: [&str; 5] = [
        "getMe",
        "getWebhookInfo",
        "deleteWebhook",
        "getUpdates",
        "setWebhook",
    ];
    fake.calls()
        .into_iter()
        .filter(|c| !DEV_OWN.contains(&c.method.as_str()))
        .map(|c| {
            let text = c.params["text"].as_str().unwrap_or_default().to_owned();
            (c.method, c.params["chat_id"].clone(), text)
        })
        .collect()
}

fn assert_restored(fake: &FakeBotApi) {
    let info = fake.world().webhook_info();
    assert_eq!(info.url, DEPLOYED_URL);
    assert_eq!(info.secret_token.as_deref(), Some(DEPLOYED_SECRET));
    assert_eq!(info.max_connections, Some(7));
    assert_eq!(
        info.allowed_updates,
        Some(DEPLOYED_KINDS.map(str::to_owned).to_vec()),
        "getUpdates' allowed_updates must not outlive the session"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_yes_it_takes_the_webhook_over_handles_updates_in_order_and_restores_it() {
    let fake = FakeBotApi::start().await.expect("fake");
    set_deployed_webhook(&fake).await;
    // Pending while the webhook was set: dev gets them, in order.
    let first = command(&fake, ALICE_ID, "/start");
    command(&fake, ALICE_ID, "/help");
    let last = command(&fake, ALICE_ID, "/frobnicate now");

    let out = run(cli(
        &fake,
        &["--yes", "--max-updates", "3", "--poll-timeout", "1"],
        &[("WEBHOOK_SECRET", DEPLOYED_SECRET)],
    ))
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");

    // The handlers' calls, in update order: /start answers itself, /help by webhook reply
    // (which dev sends, as Telegram would), the unknown command by its own call.
    let calls = bot_calls(&fake);
    assert_eq!(calls.len(), 3, "{calls:?}\n{all}");
    assert_eq!(calls[0].0, "sendMessage");
    assert_eq!(calls[0].1, json!(ALICE_ID));
    assert!(calls[0].2.starts_with("Hello, Alice!"), "{calls:?}");
    assert_eq!(calls[1].0, "sendMessage");
    assert!(calls[1].2.contains("/start") && calls[1].2.contains("/help"));
    assert!(
        calls[2].2.contains("I don't know the command /frobnicate"),
        "{calls:?}"
    );

    // The session: look, take over, poll (with the route table's kinds), confirm, restore.
    let methods = methods(&fake);
    assert_eq!(
        &methods[..3],
        ["getMe", "getWebhookInfo", "deleteWebhook"],
        "{methods:?}"
    );
    assert_eq!(methods.last().map(String::as_str), Some("setWebhook"));
    let polls = fake.calls_to("getUpdates");
    let wanted = json!(channel_guard::ROUTES.allowed_updates());
    assert_eq!(polls[0].params["allowed_updates"], wanted);
    assert_eq!(polls[0].params["offset"], json!(0));
    let confirm = polls.last().expect("a confirming poll");
    assert_eq!(confirm.params["offset"], json!(last + 1));
    assert_eq!(confirm.params["timeout"], json!(0));
    assert!(fake.world().pending_updates().is_empty(), "all confirmed");
    assert!(last == first + 2);

    assert_restored(&fake);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(r#"message from Alice (111111) in private 111111: "/start""#),
        "{all}"
    );
    assert!(stdout.contains("→ HTTP 200 handled route start"), "{all}");
    assert!(
        stdout.contains(r#"← sendMessage to 111111: "Hello, Alice!"#),
        "the handlers' own calls are shown: {all}"
    );
    assert!(
        stdout.contains("sendMessage to 111111"),
        "the webhook reply is shown: {all}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("webhook restored"), "{all}");
    assert!(
        !all.contains(DEPLOYED_SECRET),
        "the secret is never printed"
    );
    assert!(!all.contains(&fake.token()), "the token is never printed");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_yes_and_no_terminal_it_refuses_and_changes_nothing() {
    let fake = FakeBotApi::start().await.expect("fake");
    set_deployed_webhook(&fake).await;
    command(&fake, ALICE_ID, "/start");

    let out = run(cli(&fake, &[], &[])).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(DEPLOYED_URL), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");

    assert_eq!(methods(&fake), ["getMe", "getWebhookInfo"]);
    assert_eq!(fake.world().webhook_info().url, DEPLOYED_URL);
    assert_eq!(fake.world().pending_updates().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_after_the_update_in_hand_confirms_it_and_restores_the_webhook() {
    let fake = FakeBotApi::start().await.expect("fake");
    set_deployed_webhook(&fake).await;
    let id = command(&fake, ALICE_ID, "/start");

    let child = cli(&fake, &["--yes"], &[("WEBHOOK_SECRET", DEPLOYED_SECRET)])
        .spawn()
        .expect("run the lambdagram binary");
    // Wait until /start was answered and dev is back in its (30 s) long poll, which confirmed
    // the update on arrival.
    let deadline = Instant::now() + Duration::from_secs(30);
    while fake.calls_to("sendMessage").is_empty() || !fake.world().pending_updates().is_empty() {
        assert!(
            Instant::now() < deadline,
            "dev handled nothing: {:?}",
            methods(&fake)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill -INT");
    assert!(killed.success());
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("dev stops on Ctrl-C without waiting for the long poll")
        .expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let sent = fake.calls_to("sendMessage");
    assert_eq!(sent.len(), 1, "/start answered once");
    let confirm = fake.calls_to("getUpdates");
    let confirm = confirm.last().expect("a confirming poll");
    assert_eq!(confirm.params["offset"], json!(id + 1));
    assert!(fake.world().pending_updates().is_empty());
    assert_restored(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_table_start_registers_the_user_in_dynamodb() {
    let fake = FakeBotApi::start().await.expect("fake");
    let client = lambdagram_e2e::dynamodb::client().await;
    let table = lambdagram_e2e::dynamodb::fresh_table(&client).await;
    let endpoint = lambdagram_e2e::dynamodb::endpoint().await;
    command(&fake, ALICE_ID, "/start");

    let out = run(cli(
        &fake,
        &["--table", &table, "--exit-when-idle", "--poll-timeout", "0"],
        &[
            ("AWS_ENDPOINT_URL_DYNAMODB", &endpoint),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("DynamoDB table {table}")));

    let items = lambdagram_e2e::dynamodb::scan_table(&client, &table).await;
    let user = items
        .iter()
        .find(|i| i["pk"] == format!("USER#{ALICE_ID}"))
        .unwrap_or_else(|| panic!("no USER# item in {items:?}"));
    assert_eq!(user["sk"], "PROFILE");
    let ledger: Vec<_> = items
        .iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("UPDATE#")))
        .collect();
    assert_eq!(
        ledger.len(),
        1,
        "the update went through the ledger: {items:?}"
    );
    assert_eq!(fake.calls_to("sendMessage").len(), 1);
    // No webhook was set: none is set afterwards either.
    assert!(fake.calls_to("setWebhook").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warning_sweeper_runs_in_the_loop_too() {
    use channel_guard::store::prelude::*;
    let fake = FakeBotApi::start().await.expect("fake");
    let client = lambdagram_e2e::dynamodb::client().await;
    let table = lambdagram_e2e::dynamodb::fresh_table(&client).await;
    let endpoint = lambdagram_e2e::dynamodb::endpoint().await;
    // A warning the bot posted in the Lounge a while ago, due for deletion 30 s ago.
    let world = fake.world();
    world.add_user(fake.bot_user());
    let warning = world
        .add_message(
            fake_bot_api::LOUNGE_ID,
            fake_bot_api::BOT_ID,
            "Boris, join first",
        )
        .expect("posted")["message_id"]
        .as_i64()
        .expect("id");
    let store = lambdagram::aws::DynamoStore::new(client.clone(), table.clone());
    let now = lambdagram::time::now();
    assert!(store
        .claim_warning(
            fake_bot_api::LOUNGE_ID,
            fake_bot_api::BORIS_ID,
            now - 400,
            now - 340
        )
        .await
        .expect("claim"));
    store
        .set_warning_message(
            fake_bot_api::LOUNGE_ID,
            fake_bot_api::BORIS_ID,
            i32::try_from(warning).expect("small id"),
            now - 30,
        )
        .await
        .expect("record");

    let out = run(cli(
        &fake,
        &["--table", &table, "--exit-when-idle", "--poll-timeout", "0"],
        &[
            ("AWS_ENDPOINT_URL_DYNAMODB", &endpoint),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
        ],
    ))
    .await;

    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sweeper: 1 warning(s) due, 1 deleted"),
        "{}",
        text(&out)
    );
    let deletes = fake.calls_to("deleteMessage");
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].param("message_id"), Some(&json!(warning)));
    assert!(world.message(fake_bot_api::LOUNGE_ID, warning).is_none());
}
