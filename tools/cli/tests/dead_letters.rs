//! `lambdagram dead-letters` and `lambdagram replay --dead-letters`, run as real processes
//! against DynamoDB Local (the stack's table) and a webhook served in the test: the project's
//! webhook logic (`Ingress`) over the DynamoDB store, with the real `/start` handler talking to
//! the fake Bot API.

use std::net::SocketAddr;
use std::process::Output;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use channel_guard::middleware::GATED;
use fake_bot_api::{FakeBotApi, ALICE_ID, BORIS_ID};
use lambdagram::allowlist::ALLOW_LISTED;
use lambdagram::aws::DynamoStore;
use lambdagram::denylist::DENY_LISTED;
use lambdagram::ingress::{Ingress, IngressConfig, IngressRequest};
use lambdagram::inprocess::InProcessDispatcher;
use lambdagram::ports::{DeadLetter, DeadLetterArchive, DeadLetters};
use lambdagram::ratelimit::RATE_LIMITED;
use lambdagram::route::RouteDeps;
use lambdagram::secret::WebhookSecret;
use serde_json::{json, Value};

const SECRET: &str = "dead-letter-secret";
const NOT_FOUND: &str = "400 Bad Request: chat not found";

struct Served {
    url: String,
    fake: FakeBotApi,
    store: DynamoStore,
    dynamo: aws_sdk_dynamodb::Client,
    table: String,
    endpoint: String,
    http: reqwest::Client,
}

type Webhook = Ingress<DynamoStore, InProcessDispatcher>;

impl Served {
    async fn start() -> Served {
        let fake = FakeBotApi::start().await.expect("fake Bot API");
        let dynamo = lambdagram_e2e::dynamodb::client().await;
        let table = lambdagram_e2e::dynamodb::fresh_table(&dynamo).await;
        let store = DynamoStore::new(dynamo.clone(), table.as_str());
        let deps = Arc::new(RouteDeps {
            bot: lambdagram::telegram::BotApi::new(&fake.token(), &fake.base_url())
                .expect("bot client"),
            store: store.clone(),
            bot_username: fake_bot_api::BOT_USERNAME.to_owned(),
        });
        let mut routes = InProcessDispatcher::new(channel_guard::ROUTES);
        routes
            .register(
                "start",
                deps,
                &[&DENY_LISTED, &GATED, &ALLOW_LISTED, &RATE_LIMITED],
                start::Start,
            )
            .expect("as declared");
        let config = IngressConfig::new(
            channel_guard::ROUTES,
            WebhookSecret::new(SECRET).expect("valid secret"),
            fake_bot_api::BOT_USERNAME,
        );
        let webhook: Arc<Webhook> = Arc::new(Ingress::new(config, store.clone(), routes));
        let app = axum::Router::new().fallback(serve).with_state(webhook);
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Served {
            url: format!("http://{addr}/webhook"),
            fake,
            store,
            dynamo,
            table,
            endpoint: lambdagram_e2e::dynamodb::endpoint().await,
            http: lambdagram::telegram::http_client().expect("HTTP client"),
        }
    }

    /// Delivers `update` as Telegram does; returns the status.
    async fn deliver(&self, update: &Value) -> u16 {
        self.http
            .post(&self.url)
            .header("x-telegram-bot-api-secret-token", SECRET)
            .header("content-type", "application/json")
            .body(update.to_string())
            .send()
            .await
            .expect("the webhook answers")
            .status()
            .as_u16()
    }

    async fn cli(&self, args: &[&str]) -> Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"))
            .args(args)
            .env_remove("TABLE_NAME")
            .env_remove("WEBHOOK_URL")
            .env_remove("WEBHOOK_SECRET")
            .env("AWS_ENDPOINT_URL_DYNAMODB", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .await
            .expect("run the lambdagram binary")
    }

    /// The dead-letter items in the table, as JSON.
    async fn dead_letter_items(&self) -> Vec<Value> {
        lambdagram_e2e::dynamodb::scan_table(&self.dynamo, &self.table)
            .await
            .into_iter()
            .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DEAD#")))
            .collect()
    }
}

/// The webhook function's HTTP answer, as `lambda/webhook.rs` gives it.
async fn serve(State(webhook): State<Arc<Webhook>>, headers: HeaderMap, body: Bytes) -> Response {
    let secret = headers
        .get("x-telegram-bot-api-secret-token")
        .map(|v| v.as_bytes());
    let answer = webhook
        .handle(
            IngressRequest {
                secret_header: secret,
                body: &body,
            },
            lambdagram::time::now(),
        )
        .await;
    StatusCode::from_u16(answer.status)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}

fn private_start(update_id: i64, user: &fake_bot_api::User) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": fake_bot_api::wire::user(user),
            "chat": {"id": user.id, "first_name": user.first_name, "type": "private"},
            "date": lambdagram::time::now(),
            "text": "/start",
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]
        }
    })
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn when(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .expect("a time")
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

fn line(letter: &DeadLetter, chat: i64) -> String {
    format!(
        "{}  update {} · chat {chat} · start · sendMessage refused: {NOT_FOUND}",
        when(letter.at),
        letter.update_id
    )
}

/// (chat id, HTTP status) of every sendMessage the fake answered.
fn sends(fake: &FakeBotApi) -> Vec<(i64, u16)> {
    fake.calls_to("sendMessage")
        .iter()
        .map(|c| {
            let chat = c.param("chat_id").and_then(Value::as_i64).expect("chat_id");
            (chat, c.http_status)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_letters_are_listed_by_day_and_a_replay_resends_them_and_settles_the_handled() {
    let served = Served::start().await;
    // Telegram knows neither user's chat any more (400 "chat not found", for good): their
    // /start is given up, with a dead letter each. (A user who blocked the bot is not a dead
    // letter but a state: recorded unreachable.)
    served.fake.world().remove_user(ALICE_ID);
    served.fake.world().remove_user(BORIS_ID);
    let alice = private_start(9001, &fake_bot_api::alice());
    let boris = private_start(9002, &fake_bot_api::boris());
    assert_eq!(served.deliver(&alice).await, 200);
    assert_eq!(served.deliver(&boris).await, 200);
    // And two older ones: Alice's from three days ago, Boris's from 25 hours ago (on an
    // earlier day).
    let now = lambdagram::time::now();
    let old_letter = |update_id, user: &fake_bot_api::User, at| DeadLetter {
        update_id,
        route: "start".into(),
        step: "sendMessage".into(),
        class: "refused".into(),
        reason: NOT_FOUND.into(),
        at,
        update: private_start(update_id, user).to_string(),
    };
    let old = old_letter(9000, &fake_bot_api::alice(), now - 3 * 86_400);
    let yesterday = old_letter(8999, &fake_bot_api::boris(), now - 25 * 3_600);
    for letter in [&old, &yesterday] {
        served
            .store
            .record(letter, 14 * 86_400)
            .await
            .expect("record");
    }
    let letters = served
        .store
        .list(now - 86_400, now + 1)
        .await
        .expect("list");
    let [first, second] = letters.as_slice() else {
        panic!("two recent dead letters: {letters:?}");
    };
    assert_eq!((first.update_id, second.update_id), (9001, 9002));
    assert_eq!(first.update, alice.to_string());

    let two_days = served
        .cli(&["dead-letters", "--table", &served.table, "--days", "2"])
        .await;
    assert_eq!(two_days.status.code(), Some(0), "{}", text(&two_days));
    assert_eq!(
        text(&two_days),
        format!(
            "lambdagram dead-letters: 3 dead letters in the last 2 days (table {table})\n\n\
             {}\n{}\n{}\n\n\
             Send them again with: lambdagram replay --dead-letters --table {table} \
             --url <webhook URL> --secret <secret>\n",
            line(&yesterday, BORIS_ID),
            line(first, ALICE_ID),
            line(second, BORIS_ID),
            table = served.table
        )
    );
    let four_days = served
        .cli(&["dead-letters", "--table", &served.table, "--days", "4"])
        .await;
    let four = text(&four_days);
    assert!(
        four.starts_with(&format!(
            "lambdagram dead-letters: 4 dead letters in the last 4 days (table {table})\n\n{}\n",
            line(&old, ALICE_ID),
            table = served.table
        )),
        "{four}"
    );

    // Alice's chat is back; Boris's is not.
    served
        .fake
        .world()
        .add_user_with_chat(fake_bot_api::alice());
    let replay = served
        .cli(&[
            "replay",
            "--dead-letters",
            "--table",
            &served.table,
            "--days",
            "2",
            "--url",
            &served.url,
            "--secret",
            SECRET,
        ])
        .await;
    let out = text(&replay);

    assert_eq!(replay.status.code(), Some(0), "{out}");
    let answers: Vec<&str> = out.lines().filter(|l| l.starts_with("  → ")).collect();
    let given_up_again = " ms · given up again: the webhook kept a fresh dead letter";
    let [yesterday_answer, alice_answer, boris_answer] = answers.as_slice() else {
        panic!("three answers:\n{out}");
    };
    for (answer, tail) in [
        (yesterday_answer, given_up_again),
        (alice_answer, " ms · handled, dead letter deleted"),
        (boris_answer, given_up_again),
    ] {
        assert!(
            answer.starts_with("  → HTTP 200 in ") && answer.ends_with(tail),
            "{answer:?} should end {tail:?}:\n{out}"
        );
    }
    assert!(
        out.ends_with("\n3 sent, 3 answered 2xx, 0 failed, 2 dead-lettered again\n"),
        "{out}"
    );
    assert_eq!(
        sends(&served.fake),
        vec![
            (ALICE_ID, 400),
            (BORIS_ID, 400),
            (BORIS_ID, 400),
            (ALICE_ID, 200),
            (BORIS_ID, 400)
        ],
        "each update sent once more, no more"
    );
    // Left: the old letter (outside --days), and Boris's two, fresh today with no replay mark
    // (the one from yesterday's partition is gone).
    let today = format!(
        "DEAD#{}",
        lambdagram::time::utc_day(lambdagram::time::now())
    );
    let items = served.dead_letter_items().await;
    let kept: Vec<(&str, &str, bool)> = items
        .iter()
        .map(|i| {
            (
                i["pk"].as_str().unwrap_or(""),
                i["sk"].as_str().unwrap_or(""),
                i.get("replay").is_some(),
            )
        })
        .collect();
    let old_day = format!("DEAD#{}", lambdagram::time::utc_day(old.at));
    assert_eq!(
        kept,
        vec![
            (old_day.as_str(), "9000", false),
            (today.as_str(), "8999", false),
            (today.as_str(), "9002", false)
        ],
        "{items:?}"
    );
    let ledger = lambdagram_e2e::dynamodb::scan_table(&served.dynamo, &served.table)
        .await
        .into_iter()
        .find(|i| i["pk"] == "UPDATE#9001")
        .expect("9001's ledger record");
    assert_eq!(ledger["state"], "done");

    // Nothing recent left to replay but Boris's two; a second replay sends only them.
    served.fake.clear_calls();
    served
        .fake
        .world()
        .add_user_with_chat(fake_bot_api::boris());
    let again = served
        .cli(&[
            "replay",
            "--dead-letters",
            "--table",
            &served.table,
            "--days",
            "1",
            "--url",
            &served.url,
            "--secret",
            SECRET,
        ])
        .await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(sends(&served.fake), vec![(BORIS_ID, 200), (BORIS_ID, 200)]);
    let items = served.dead_letter_items().await;
    assert_eq!(items.len(), 1, "only the old letter is left: {items:?}");
    assert_eq!(items[0]["sk"], "9000");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_commands_say_what_they_need() {
    let served = Served::start().await;

    let no_table = served.cli(&["dead-letters"]).await;
    assert_eq!(no_table.status.code(), Some(1));
    assert_eq!(
        text(&no_table),
        "error: give --table NAME (the stack's TableName output) or set TABLE_NAME, or --stack \
         NAME / --config-env ENV\n"
    );
    let too_many_days = served
        .cli(&["dead-letters", "--table", &served.table, "--days", "15"])
        .await;
    assert_eq!(
        too_many_days.status.code(),
        Some(2),
        "{}",
        text(&too_many_days)
    );
    let no_secret = served
        .cli(&[
            "replay",
            "--dead-letters",
            "--table",
            &served.table,
            "--url",
            &served.url,
        ])
        .await;
    assert_eq!(no_secret.status.code(), Some(2), "{}", text(&no_secret));
    assert!(
        text(&no_secret).contains("--secret"),
        "{}",
        text(&no_secret)
    );

    let none = served
        .cli(&["dead-letters", "--table", &served.table])
        .await;
    assert_eq!(
        (none.status.code(), text(&none)),
        (
            Some(0),
            format!(
                "lambdagram dead-letters: 0 dead letters in the last 14 days (table {})\n",
                served.table
            )
        )
    );
    assert!(served.fake.calls().is_empty());
}
