//! `lambdagram doctor`, run as a real process against the fake Bot API (as Telegram) and
//! DynamoDB Local (the stack's table).

use std::process::Output;

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::prelude::*;
use fake_bot_api::{
    AdminRights, FakeBotApi, MemberStatus, BOT_ID, LOUNGE_ID, NEWS_ID, NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use serde_json::{json, Value};

const STACK_URL: &str = "https://abc.execute-api.eu-west-1.amazonaws.com/webhook";

struct Deployment {
    fake: FakeBotApi,
    table: String,
    endpoint: String,
}

/// The fake as Telegram and a fresh table holding one protected group (the lounge, linked to
/// the news channel, where the bot has every right it needs) and one with protection off.
async fn deployment() -> Deployment {
    let fake = FakeBotApi::start().await.expect("fake");
    let client = lambdagram_e2e::dynamodb::client().await;
    let table = lambdagram_e2e::dynamodb::fresh_table(&client).await;
    let store = DynamoStore::new(client, table.as_str());
    let mut lounge = GroupConfig::new(LOUNGE_ID);
    lounge.enabled = true;
    lounge.link([LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }]);
    store
        .save_group(&mut lounge, &[])
        .await
        .expect("save the lounge");
    let mut off = GroupConfig::new(-100_555);
    off.link([LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }]);
    store
        .save_group(&mut off, &[])
        .await
        .expect("save a group that is off");
    Deployment {
        fake,
        table,
        endpoint: lambdagram_e2e::dynamodb::endpoint().await,
    }
}

async fn set_webhook(fake: &FakeBotApi, params: Value) {
    let answer = lambdagram::telegram::http_client()
        .expect("client")
        .post(format!(
            "{}/bot{}/setWebhook",
            fake.base_url(),
            fake.token()
        ))
        .json(&params)
        .send()
        .await
        .expect("setWebhook");
    assert!(answer.status().is_success());
}

/// The webhook as `lambdagram webhook set` leaves it.
async fn healthy_webhook(fake: &FakeBotApi) {
    set_webhook(
        fake,
        json!({
            "url": STACK_URL,
            "secret_token": "s3cret",
            "allowed_updates": channel_guard::ROUTES.allowed_updates(),
        }),
    )
    .await;
}

async fn doctor(d: &Deployment, token: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"))
        .arg("doctor")
        .args(args)
        .env_remove("WEBHOOK_URL")
        .env("BOT_TOKEN", token)
        .env("TELEGRAM_API_URL", d.fake.base_url())
        .env("AWS_ENDPOINT_URL_DYNAMODB", &d.endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .output()
        .await
        .expect("run the lambdagram binary")
}

fn stdout(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_deployment_passes_every_check() {
    let d = deployment().await;
    healthy_webhook(&d.fake).await;

    let out = doctor(
        &d,
        &d.fake.token(),
        &["--url", STACK_URL, "--table", &d.table],
    )
    .await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let checks: Vec<&str> = text
        .lines()
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with("- "))
        .collect();
    assert!(
        checks.iter().all(|l| l.starts_with("✓ ")),
        "every check passes:\n{text}"
    );
    for expected in [
        "✓ token: the bot is @LambdagramBot (id 123456)",
        &format!("✓ webhook: Telegram delivers to {STACK_URL}, the stack's URL"),
        "✓ 0 updates wait for delivery",
        "✓ no delivery error",
        "✓ allowed_updates: every kind the routes need",
        &format!(
            "✓ group {LOUNGE_ID}: the bot has its rights there and in its 1 linked channel(s)"
        ),
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    assert!(
        text.contains("1 group(s) with protection off: not checked"),
        "{text}"
    );
    assert!(text.contains("all 6 checks passed"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn problems_are_named_with_their_fixes() {
    let d = deployment().await;
    // Set by hand long ago: another URL, without chat_member; deliveries failing a while ago.
    set_webhook(
        &d.fake,
        json!({
            "url": "https://old.example.org/hook",
            "allowed_updates": ["message", "callback_query", "my_chat_member"],
        }),
    )
    .await;
    let two_minutes_ago = lambdagram::time::now() - 150;
    d.fake.world().set_webhook_error(
        two_minutes_ago,
        "Wrong response from the webhook: 500 Internal Server Error",
    );
    // Someone took "Ban users" from the bot in the lounge.
    let lost = AdminRights {
        can_restrict_members: false,
        ..AdminRights::moderator()
    };
    assert!(d
        .fake
        .world()
        .set_member(LOUNGE_ID, BOT_ID, MemberStatus::admin(lost)));

    let out = doctor(
        &d,
        &d.fake.token(),
        &["--url", STACK_URL, "--table", &d.table],
    )
    .await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");

    let fix_of = |problem: &str| -> String {
        let mut lines = text.lines();
        lines
            .find(|l| l.starts_with("✗ ") && l.contains(problem))
            .unwrap_or_else(|| panic!("no problem {problem:?} in:\n{text}"));
        lines.next().unwrap_or_default().trim().to_owned()
    };
    let fix = fix_of(&format!(
        "webhook: Telegram delivers to https://old.example.org/hook, not to the stack's {STACK_URL}"
    ));
    assert!(
        fix.starts_with(&format!("fix: lambdagram webhook set --url {STACK_URL}")),
        "{fix}"
    );
    let fix = fix_of("last delivery error 2 min ago: Wrong response from the webhook: 500");
    assert!(fix.contains("sam logs"), "{fix}");
    let fix =
        fix_of("allowed_updates: message, callback_query, my_chat_member leaves out edited_message, chat_member");
    assert!(fix.contains("lambdagram webhook set"), "{fix}");
    let fix = fix_of(&format!(
        "group {LOUNGE_ID}: the bot cannot restrict members"
    ));
    assert_eq!(
        fix,
        "fix: give @LambdagramBot the administrator right “Ban users” in the group"
    );
    assert!(text.contains("4 problems found"), "{text}");
    // The channel is fine, and said nothing about.
    assert!(!text.contains("channel @lambdagram_news"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_means_nothing_could_be_checked() {
    let d = deployment().await;
    healthy_webhook(&d.fake).await;
    d.fake.clear_calls();

    let out = doctor(&d, "123456:WRONG-TOKEN", &["--url", STACK_URL]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(
        text.contains(
            "? token: could not check: the token is wrong: Telegram answered 401 Unauthorized"
        ),
        "{text}"
    );
    assert!(
        text.contains("fix: copy the token from @BotFather"),
        "{text}"
    );
    assert!(!text.contains("WRONG-TOKEN"), "the token is never printed");
    let methods: Vec<String> = d.fake.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(methods, ["getMe"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_table_or_url_those_checks_are_skipped_and_say_how_to_give_them() {
    let d = deployment().await;
    healthy_webhook(&d.fake).await;

    let out = doctor(&d, &d.fake.token(), &[]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "- webhook: Telegram delivers to {STACK_URL}; not compared"
        )),
        "{text}"
    );
    assert!(
        text.contains("or --stack NAME to read the stack's WebhookUrl output"),
        "{text}"
    );
    assert!(
        text.contains("- protected groups: not checked; give --table NAME"),
        "{text}"
    );
    assert!(d.fake.calls_to("getChatMember").is_empty());
}
