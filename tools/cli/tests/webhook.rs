//! `lambdagram webhook set|info|delete`, run as a real process against the fake Bot API.

use std::process::Output;

use fake_bot_api::FakeBotApi;
use serde_json::json;

/// Runs the CLI binary with the fake's URL and token (and nothing inherited that could leak in).
async fn cli(fake: &FakeBotApi, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"));
    cmd.args(args)
        .env_remove("WEBHOOK_SECRET")
        .env_remove("WEBHOOK_URL")
        .env("BOT_TOKEN", fake.token())
        .env("TELEGRAM_API_URL", fake.base_url());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("run the lambdagram binary")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn set_sends_the_route_tables_allowed_updates_secret_and_menu() {
    let fake = FakeBotApi::start().await.expect("fake");
    let out = cli(
        &fake,
        &[
            "webhook",
            "set",
            "--url",
            "https://abc.execute-api.eu-west-1.amazonaws.com/webhook",
            "--max-connections",
            "10",
            "--drop-pending-updates",
        ],
        &[("WEBHOOK_SECRET", "s3cret_Value-1")],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let set = fake.calls_to("setWebhook");
    assert_eq!(set.len(), 1);
    // teloxide sends setWebhook as multipart/form-data, so every parameter arrives as text.
    let p = &set[0].params;
    assert_eq!(
        p["url"],
        "https://abc.execute-api.eu-west-1.amazonaws.com/webhook"
    );
    assert_eq!(p["secret_token"], "s3cret_Value-1");
    assert_eq!(p["max_connections"], "10");
    assert_eq!(p["drop_pending_updates"], "true");
    let want = json!(channel_guard::ROUTES.allowed_updates()).to_string();
    assert_eq!(p["allowed_updates"], json!(want));
    // A given secret is never echoed back.
    assert!(!stdout(&out).contains("s3cret_Value-1"));

    let info = fake.world().webhook_info();
    assert_eq!(info.secret_token.as_deref(), Some("s3cret_Value-1"));
    assert_eq!(info.max_connections, Some(10));

    // One menu per scope and language (English by default, and Russian), from the route
    // table: the administrators' commands only in the administrators' menu.
    let menus = fake.calls_to("setMyCommands");
    assert_eq!(menus.len(), 8);
    let scopes: Vec<_> = menus
        .iter()
        .map(|m| {
            (
                m.params["scope"]["type"].as_str().unwrap_or("").to_owned(),
                m.params.get("language_code").cloned(),
            )
        })
        .collect();
    assert_eq!(scopes[0], ("default".to_owned(), None));
    assert_eq!(scopes[1], ("default".to_owned(), Some(json!("ru"))));
    assert_eq!(scopes[6], ("all_chat_administrators".to_owned(), None));
    let menu = |scope: &str, lang: &str| -> Vec<(String, String)> {
        fake.world()
            .my_commands(&json!({ "type": scope }), lang)
            .iter()
            .map(|c| (c.command.clone(), c.description.clone()))
            .collect()
    };
    let everyone = vec![
        ("start".to_owned(), "register and say hello".to_owned()),
        ("help".to_owned(), "list the commands".to_owned()),
    ];
    // /forget works in a private chat only: in the private menus, not the groups'.
    let mut private = everyone.clone();
    private.push((
        "forget".to_owned(),
        "erase what the bot keeps about you".to_owned(),
    ));
    assert_eq!(menu("default", ""), private);
    assert_eq!(menu("all_private_chats", ""), private);
    assert_eq!(menu("all_group_chats", ""), everyone);
    let admins: Vec<_> = menu("all_chat_administrators", "")
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(
        admins,
        [
            "start",
            "help",
            "protect",
            "unprotect",
            "status",
            "settings",
            "allow"
        ]
    );
    assert_eq!(
        menu("all_chat_administrators", "")[2].1,
        "members must join @channel to write here (admins)"
    );
    let ru = menu("default", "ru");
    assert_eq!(ru[1].1, "список команд");

    // What was just set has no problem: `webhook info` exits 0.
    let out = cli(&fake, &["webhook", "info"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(!stdout(&out).contains("problem"));
}

#[tokio::test(flavor = "multi_thread")]
async fn set_without_a_secret_is_refused_and_generating_is_explicit() {
    let fake = FakeBotApi::start().await.expect("fake");
    let url = [
        "webhook",
        "set",
        "--url",
        "https://example.org/webhook",
        "--no-commands",
    ];
    let out = cli(&fake, &url, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--secret (or WEBHOOK_SECRET), --secret-from-ssm NAME, or --generate-secret"),
        "{err}"
    );
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());

    let out = cli(&fake, &[&url[..], &["--generate-secret"]].concat(), &[]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = fake
        .world()
        .webhook_info()
        .secret_token
        .expect("a secret was sent");
    assert_eq!(secret.len(), 48);
    let text = stdout(&out);
    assert!(text.contains(&secret), "the generated secret is shown once");
    assert!(text.contains("aws ssm put-parameter --name /lambdagram/webhook-secret"));
    assert!(fake.calls_to("setMyCommands").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn set_reads_the_url_from_webhook_url() {
    let fake = FakeBotApi::start().await.expect("fake");
    let out = cli(
        &fake,
        &["webhook", "set", "--no-commands"],
        &[
            ("WEBHOOK_URL", "https://example.org/from-env"),
            ("WEBHOOK_SECRET", "s3cret_Value-1"),
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fake.world().webhook_info().url,
        "https://example.org/from-env"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn set_refuses_plain_http_and_bad_secrets_before_calling_telegram() {
    let fake = FakeBotApi::start().await.expect("fake");
    let out = cli(
        &fake,
        &["webhook", "set", "--url", "http://example.org/webhook"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));
    let out = cli(
        &fake,
        &[
            "webhook",
            "set",
            "--url",
            "https://example.org/w",
            "--secret",
            "has spaces",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(fake.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn info_reports_url_pending_count_errors_and_missing_update_kinds() {
    let fake = FakeBotApi::start().await.expect("fake");
    fake.world().set_webhook_error(
        1_700_000_000,
        "Wrong response from the webhook: 500 Internal Server Error",
    );
    // A webhook set by someone else with allowed_updates that miss what the routes need.
    let raw = lambdagram::telegram::http_client()
        .expect("client")
        .post(format!(
            "{}/bot{}/setWebhook",
            fake.base_url(),
            fake.token()
        ))
        .json(&json!({"url": "https://example.org/hook", "allowed_updates": ["callback_query"]}))
        .send()
        .await
        .expect("setWebhook");
    assert!(raw.status().is_success());
    fake.world().set_webhook_error(
        1_700_000_000,
        "Wrong response from the webhook: 500 Internal Server Error",
    );
    fake.push_update(json!({"message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "x"}}));

    let out = cli(&fake, &["webhook", "info"], &[]).await;
    // A problem printed is a problem reported: exit code 3.
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.contains("url: https://example.org/hook"), "{text}");
    assert!(text.contains("pending updates: 1"), "{text}");
    assert!(text.contains("allowed updates: callback_query"), "{text}");
    assert!(text.contains("problem: the routes need message"), "{text}");
    assert!(
        text.contains("last error: Wrong response from the webhook: 500"),
        "{text}"
    );
    assert_eq!(fake.calls_to("getWebhookInfo").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_removes_the_webhook() {
    let fake = FakeBotApi::start().await.expect("fake");
    let out = cli(
        &fake,
        &[
            "webhook",
            "set",
            "--url",
            "https://example.org/w",
            "--no-commands",
            "--generate-secret",
        ],
        &[],
    )
    .await;
    assert!(out.status.success());
    let out = cli(&fake, &["webhook", "delete", "--drop-pending-updates"], &[]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fake.world().webhook_info().url, "");
    let del = fake.calls_to("deleteWebhook");
    assert_eq!(del.len(), 1);
    let drop = &del[0].params["drop_pending_updates"];
    assert!(drop == &json!(true) || drop == &json!("true"), "{drop}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_is_explained() {
    let fake = FakeBotApi::start().await.expect("fake");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"))
        .args(["webhook", "info"])
        .env_remove("BOT_TOKEN")
        .env("TELEGRAM_API_URL", fake.base_url())
        .output()
        .await
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("set BOT_TOKEN"));
    assert!(fake.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn whoami_prints_the_username_getme_returns() {
    let fake = FakeBotApi::start().await.expect("fake");
    let out = cli(&fake, &["whoami"], &[]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout(&out), format!("{}\n", fake_bot_api::BOT_USERNAME));
    assert_eq!(fake.calls_to("getMe").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn set_for_the_bridge_publishes_the_bridges_table() {
    let fake = FakeBotApi::start().await.expect("fake");
    let out = cli(
        &fake,
        &[
            "webhook",
            "set",
            "--bot",
            "bridge",
            "--url",
            "https://abc.execute-api.eu-west-1.amazonaws.com/webhook",
        ],
        &[("WEBHOOK_SECRET", "s3cret_Value-1")],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set = fake.calls_to("setWebhook");
    assert_eq!(set[0].params["allowed_updates"], json!(r#"["message"]"#));
    // English only: one menu per scope; the bridge's commands, not the guard's.
    let menus = fake.calls_to("setMyCommands");
    assert_eq!(menus.len(), 4);
    let default = menus
        .iter()
        .find(|m| m.params["scope"]["type"] == "default")
        .expect("the default menu");
    let commands: Vec<&str> = default.params["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["command"].as_str())
        .collect();
    assert_eq!(
        commands,
        [
            "start",
            "help",
            "forget",
            "bridge",
            "status",
            "history",
            "session",
            "workspace"
        ]
    );

    let wrong = cli(&fake, &["webhook", "--bot", "nobot", "info"], &[]).await;
    assert_eq!(wrong.status.code(), Some(2));
}
