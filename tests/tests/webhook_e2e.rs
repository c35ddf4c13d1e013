//! The webhook pipeline end to end: HTTP request → API Gateway (emulated) → the `webhook`
//! binary under the Lambda Runtime API → Lambda Invoke → a route binary → DynamoDB Local and
//! the fake Bot API. Each test asserts the exact Bot API calls, stored items and statuses.

use aws_sdk_dynamodb::types::AttributeValue;
use std::time::Duration;

use channel_guard::texts as msg;
use channel_guard::ROUTES;
use fake_bot_api::{Fault, ALICE_ID, BORIS_ID, LOUNGE_ID};
use lambdagram_e2e::events;
use lambdagram_e2e::stack::{Stack, SECRET, SECRET_PARAMETER};
use serde_json::{json, Value};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

fn private_command(update_id: i64, user: (i64, &str, &str), text: &str) -> Value {
    let command_len = text.split_whitespace().next().map_or(0, str::len);
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 500 + update_id,
            "date": now(),
            "from": {"id": user.0, "is_bot": false, "first_name": user.1, "language_code": user.2},
            "chat": {"id": user.0, "type": "private", "first_name": user.1},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": command_len}]
        }
    })
}

const ALICE: (i64, &str, &str) = (ALICE_ID, "Alice", "en");

fn update_id(update: &Value) -> i64 {
    update["update_id"].as_i64().expect("update_id")
}

/// Successful `sendMessage` calls as (chat_id, text).
fn sent(stack: &Stack) -> Vec<(i64, String)> {
    stack
        .fake
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.is_ok())
        .map(|c| {
            (
                c.param("chat_id")
                    .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
                    .expect("chat_id"),
                c.param("text")
                    .and_then(Value::as_str)
                    .expect("text")
                    .to_owned(),
            )
        })
        .collect()
}

fn ledger_item(update_id: i64, items: &[Value]) -> Option<Value> {
    items
        .iter()
        .find(|i| i["pk"] == format!("UPDATE#{update_id}") && i["sk"] == "LEDGER")
        .cloned()
}

fn user_items(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("USER#")))
        .cloned()
        .collect()
}

fn route_invocations(stack: &Stack) -> u64 {
    ROUTES
        .iter()
        .map(|r| stack.emulator.invocations(r.name))
        .sum()
}

async fn assert_done(stack: &Stack, update_id: i64) {
    let items = stack.items().await;
    let ledger = ledger_item(update_id, &items).expect("a ledger record for the update");
    assert_eq!(ledger["state"], "done", "{ledger}");
    assert!(
        ledger.get("token").is_none(),
        "a done record keeps no claim token: {ledger}"
    );
    let expires = ledger["expires_at"].as_i64().expect("expires_at");
    assert!(
        expires > now() + 24 * 3600,
        "done records outlive Telegram's retries (a day): {ledger}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_secret_is_refused_with_no_call_anywhere() {
    let stack = Stack::start().await;
    let sample = events::load("01-private-start-en");

    let wrong = stack.deliver_sample("17-wrong-secret-start").await;
    let missing = stack.post(sample.body.clone(), None).await;
    let empty = stack.post(sample.body.clone(), Some("")).await;
    let prefix = stack.post(sample.body.clone(), Some(&SECRET[..10])).await;

    for d in [&wrong, &missing, &empty, &prefix] {
        assert_eq!(d.status, 401, "{d:?}");
        assert!(d.reply.is_none());
    }
    assert!(stack.fake.calls().is_empty(), "{:?}", stack.fake.calls());
    assert_eq!(stack.items().await, Vec::<Value>::new());
    assert_eq!(route_invocations(&stack), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_a_secret_rolls_warm_sandboxes_accept_the_current_and_the_next() {
    const NEXT: &str = "e2e-next-secret_9876543210-zyxwvu";
    let stack = Stack::start().await;
    // Both webhook sandboxes are warm with only the current secret.
    for id in [7101, 7102] {
        let help = private_command(id, ALICE, "/help").to_string();
        assert_eq!(stack.post(help, Some(SECRET)).await.status, 200);
    }
    // `lambdagram webhook rotate` writes the next secret, then setWebhook makes Telegram send it.
    stack
        .emulator
        .put_parameter(&lambdagram::secret::next_parameter(SECRET_PARAMETER), NEXT);
    for id in [7103, 7104, 7105] {
        let help = private_command(id, ALICE, "/help").to_string();
        let d = stack.post(help, Some(NEXT)).await;
        assert_eq!(d.status, 200, "the next secret is accepted at once: {d:?}");
        assert_eq!(
            d.reply.as_ref().map(|r| r["method"].clone()),
            Some(json!("sendMessage"))
        );
    }
    // Updates Telegram sent before the switch still carry the current one.
    let help = private_command(7106, ALICE, "/help").to_string();
    assert_eq!(stack.post(help, Some(SECRET)).await.status, 200);
    // Anything else is still refused.
    let help = private_command(7107, ALICE, "/help").to_string();
    assert_eq!(stack.post(help, Some(&NEXT[..12])).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_registers_the_user_and_sends_one_welcome() {
    let stack = Stack::start().await;
    let update = events::load("01-private-start-en").update();
    let before = now();

    let d = stack.deliver_sample("01-private-start-en").await;

    assert_eq!((d.status, d.body.as_str()), (200, ""));
    assert_eq!(
        sent(&stack),
        vec![(
            ALICE_ID,
            "Hello, Alice! I am @LambdagramBot. Send /help to see what I can do.".to_owned()
        )]
    );
    let call = &stack.fake.calls_to("sendMessage")[0];
    assert_eq!(call.param("parse_mode"), Some(&json!("HTML")));
    assert_eq!(stack.fake.calls().len(), 1, "exactly one Bot API call");

    let items = stack.items().await;
    let users = user_items(&items);
    assert_eq!(users.len(), 1, "{items:?}");
    let user = &users[0];
    assert_eq!(user["pk"], format!("USER#{ALICE_ID}"));
    assert_eq!(user["sk"], "PROFILE");
    assert_eq!(user["user_id"], ALICE_ID);
    assert_eq!(user["first_name"], "Alice");
    assert_eq!(user["lang"], "en");
    let first_seen = user["first_seen"].as_i64().expect("first_seen");
    assert!(first_seen >= before && first_seen <= now(), "{user}");
    assert_eq!(user["last_seen"], user["first_seen"]);
    let items = without_counting_windows(&items);
    assert_eq!(
        items.len(),
        5,
        "one user record, one journal record, one ledger record and the interaction log's \
         entry and its copy for the user: {items:?}"
    );
    assert_eq!(
        step_items(&items),
        [json!({"pk": format!("STEP#{}", update_id(&update)), "sk": "welcome", "state": "done"})],
        "the welcome is journalled as made"
    );
    assert_done(&stack, update_id(&update)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_in_russian_answers_in_russian_and_stores_the_language() {
    let stack = Stack::start().await;

    let d = stack.deliver_sample("02-private-start-ru").await;

    assert_eq!(d.status, 200);
    assert_eq!(
        sent(&stack),
        vec![(
            BORIS_ID,
            "Привет, Boris! Я @LambdagramBot. Отправьте /help, чтобы узнать, что я умею."
                .to_owned()
        )]
    );
    let users = user_items(&stack.items().await);
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["lang"], "ru");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_update_delivered_twice_has_its_effects_once() {
    let stack = Stack::start().await;
    let update = events::load("01-private-start-en").update();

    let first = stack.deliver(&update).await;
    let second = stack.deliver(&update).await;

    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(sent(&stack).len(), 1, "one welcome: {:?}", sent(&stack));
    assert_eq!(
        stack.emulator.invocations("start"),
        1,
        "the duplicate never reaches the route"
    );
    assert_eq!(user_items(&stack.items().await).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_that_fails_makes_telegram_redeliver_and_the_redelivery_replies_once() {
    let stack = Stack::start().await;
    let update = private_command(7001, ALICE, "/start");
    // Flood control asks for a wait longer than the invocation has left: nothing was sent,
    // and the redelivery is the retry.
    stack.fake.inject(Fault::rate_limit("sendMessage", 60));

    let failed = stack.deliver(&update).await;

    assert_eq!(failed.status, 500, "{failed:?}");
    assert!(sent(&stack).is_empty());
    assert_eq!(
        ledger_item(7001, &stack.items().await),
        None,
        "the failed claim is released so the redelivery is handled"
    );
    // Telegram's wait is shared by every function; the redelivery comes after it.
    // Alice's chat takes one message a second: its one-second windows are full for the next
    // minute (60 filled, the most a cool-down fills, from the second the answer came; the
    // message's own slot may be the second before), and the bot's window counts the one
    // message tried.
    let windows = stack.flood_windows().await;
    let alice: Vec<_> = windows
        .iter()
        .filter(|(scope, _, _)| *scope == ALICE_ID.to_string())
        .collect();
    assert!((60..=61).contains(&alice.len()), "{windows:?}");
    assert!(alice.iter().all(|(_, _, n)| *n == 1), "{windows:?}");
    assert!(
        alice.windows(2).all(|w| w[1].1 == w[0].1 + 1),
        "consecutive seconds: {windows:?}"
    );
    let bot: Vec<_> = windows.iter().filter(|(s, _, _)| s == "bot").collect();
    assert_eq!(bot.len(), 1, "{windows:?}");
    assert_eq!(bot[0].2, 1);
    stack.forget_flood_windows().await;

    let retried = stack.deliver(&update).await;

    assert_eq!(retried.status, 200, "{retried:?}");
    let calls = stack.fake.calls_to("sendMessage");
    assert_eq!(calls.len(), 2, "the refused attempt, then one success");
    assert!(!calls[0].is_ok() && calls[1].is_ok());
    assert_eq!(sent(&stack).len(), 1);
    assert_done(&stack, 7001).await;

    // A third delivery (Telegram never saw the 200, say) changes nothing.
    let third = stack.deliver(&update).await;
    assert_eq!(third.status, 200);
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 2);
    assert_eq!(stack.emulator.invocations("start"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_bot_api_trouble_is_retried_inside_the_invocation() {
    let stack = Stack::start().await;
    stack
        .fake
        .inject(Fault::rate_limit("sendMessage", 1).times(2));
    let started = std::time::Instant::now();

    let d = stack.deliver(&private_command(7005, ALICE, "/start")).await;

    assert_eq!(d.status, 200, "{d:?}");
    let outcomes: Vec<u16> = stack
        .fake
        .calls_to("sendMessage")
        .iter()
        .map(|c| c.http_status)
        .collect();
    assert_eq!(outcomes, vec![429, 429, 200]);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "retry_after was honoured"
    );
    assert_eq!(sent(&stack).len(), 1);
    assert_done(&stack, 7005).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_route_function_is_retried_by_telegram_and_handled_once() {
    let stack = Stack::start().await;
    let update = private_command(7002, ALICE, "/start");
    stack.emulator.fail_next("start", 1);

    let crashed = stack.deliver(&update).await;
    let retried = stack.deliver(&update).await;

    assert_eq!((crashed.status, retried.status), (500, 200));
    assert_eq!(sent(&stack).len(), 1);
    assert_eq!(stack.emulator.invocations("start"), 2);
    assert_done(&stack, 7002).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivery_while_the_first_is_still_running_is_deferred_not_duplicated() {
    let stack = Stack::start().await;
    let update = private_command(7003, ALICE, "/start");
    stack
        .fake
        .inject(Fault::delay("sendMessage", Duration::from_millis(1500)));

    let (a, b) = tokio::join!(stack.deliver(&update), async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        stack.deliver(&update).await
    });

    assert_eq!((a.status, b.status), (200, 503), "{a:?} {b:?}");
    assert_eq!(sent(&stack).len(), 1);
    let later = stack.deliver(&update).await;
    assert_eq!(later.status, 200);
    assert_eq!(sent(&stack).len(), 1);
    assert_eq!(stack.emulator.invocations("start"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_are_acknowledged_and_nothing_else_happens() {
    let stack = Stack::start().await;

    let malformed = stack.deliver_sample("18-malformed-body").await;
    let not_update = stack.deliver_sample("19-not-an-update").await;
    let binary = stack.post(vec![0xff_u8, 0xfe, 0x00], Some(SECRET)).await;

    for d in [&malformed, &not_update, &binary] {
        assert_eq!((d.status, d.reply.is_none()), (200, true), "{d:?}");
    }
    assert!(stack.fake.calls().is_empty());
    assert_eq!(stack.items().await, Vec::<Value>::new());
    assert_eq!(route_invocations(&stack), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_with_413() {
    let stack = Stack::start().await;
    let mut update = private_command(7004, ALICE, "/start");
    update["message"]["text"] = Value::from(format!("/start {}", "x".repeat(300 * 1024)));

    let d = stack.deliver(&update).await;

    assert_eq!(d.status, 413);
    assert!(stack.fake.calls().is_empty());
    assert_eq!(stack.items().await, Vec::<Value>::new());
    assert_eq!(route_invocations(&stack), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_twice_keeps_one_record_with_first_seen_kept_and_last_seen_moved() {
    let stack = Stack::start().await;
    stack.deliver(&private_command(7010, ALICE, "/start")).await;
    // Pretend that visit was a day ago.
    let day_ago = now() - 86_400;
    stack
        .dynamo
        .update_item()
        .table_name(&stack.table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{ALICE_ID}")),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("PROFILE".into()),
        )
        .update_expression("SET first_seen = :t, last_seen = :t")
        .expression_attribute_values(
            ":t",
            aws_sdk_dynamodb::types::AttributeValue::N(day_ago.to_string()),
        )
        .send()
        .await
        .expect("age the record");

    let before = now();
    let d = stack
        .deliver(&private_command(7011, (ALICE_ID, "Alice", "ru"), "/start"))
        .await;

    assert_eq!(d.status, 200);
    let users = user_items(&stack.items().await);
    assert_eq!(users.len(), 1, "{users:?}");
    assert_eq!(users[0]["first_seen"], day_ago);
    let last_seen = users[0]["last_seen"].as_i64().expect("last_seen");
    assert!(last_seen >= before && last_seen <= now(), "{}", users[0]);
    assert_eq!(
        users[0]["lang"], "ru",
        "the profile follows the user's language"
    );
    assert_eq!(
        sent(&stack)[1].1,
        "С возвращением, Alice! Отправьте /help, чтобы узнать, что я умею."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_addressed_to_this_bot_in_a_group_is_answered_by_webhook_reply() {
    let stack = Stack::start().await;

    let d = stack.deliver_sample("06-supergroup-help-at-bot").await;

    assert_eq!(d.status, 200);
    let reply = d.reply.expect("a webhook reply");
    assert_eq!(reply["method"], "sendMessage");
    assert_eq!(reply["chat_id"], LOUNGE_ID);
    let mut expected = String::from(msg::HELP_HEADER.english());
    for (command, description) in ROUTES.visible_commands() {
        expected.push_str(&format!("\n/{command} — {}", description.english()));
    }
    assert_eq!(reply["text"], expected);
    // The route itself made no Bot API call: the only one is Telegram executing the reply.
    assert_eq!(sent(&stack), vec![(LOUNGE_ID, expected)]);
    assert_eq!(stack.fake.calls().len(), 1);
    assert_eq!(user_items(&stack.items().await), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_addressed_to_another_bot_is_only_a_group_message_to_this_one() {
    let stack = Stack::start().await;

    let d = stack
        .deliver_sample("12-supergroup-command-other-bot")
        .await;

    assert_eq!((d.status, d.reply.is_none()), (200, true));
    assert!(stack.fake.calls().is_empty());
    assert_eq!(stack.items().await, Vec::<Value>::new());
    assert_eq!(stack.emulator.invocations("help"), 0);
    assert_eq!(
        stack.emulator.invocations("guard-message"),
        1,
        "the guard sees every group message"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_private_command_is_named_and_pointed_at_help() {
    let stack = Stack::start().await;

    let d = stack.deliver_sample("04-private-unknown-command").await;

    assert_eq!(d.status, 200);
    assert_eq!(
        sent(&stack),
        vec![(
            ALICE_ID,
            "I don't know the command /frobnicate. Send /help for the list of commands.".to_owned()
        )]
    );
    assert_eq!(stack.emulator.invocations("unknown-command"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_never_carry_the_token_the_secret_or_message_text() {
    let stack = Stack::start().await;
    let marker = "my-private-words-4711";
    stack
        .deliver(&private_command(7020, ALICE, &format!("/start {marker}")))
        .await;
    stack
        .deliver(&private_command(7021, ALICE, &format!("/nosuch {marker}")))
        .await;
    stack.post("{\"update_id\": 1", Some(SECRET)).await;
    stack.post("{}", Some("wrong-secret-value")).await;
    // Valid JSON, not an update: serde's messages quote the value of a field of the wrong type.
    // The webhook's own reading fails on the chat id; teloxide's (in the route) on the
    // message id, which the webhook does not read.
    for body in [
        json!({"update_id": 7022, "message": {
            "message_id": 1, "date": now(), "text": "hello",
            "chat": {"id": marker, "type": "private"}}}),
        json!({"update_id": 7023, "message": {
            "message_id": marker, "date": now(),
            "from": {"id": ALICE_ID, "is_bot": false, "first_name": "Alice"},
            "chat": {"id": ALICE_ID, "type": "private", "first_name": "Alice"},
            "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}),
    ] {
        let delivery = stack.post(body.to_string(), Some(SECRET)).await;
        assert_eq!(delivery.status, 200, "acknowledged, not retried for a day");
    }
    // teloxide reads a message it cannot parse as an unknown update kind; a route's own
    // reading fails only on the envelope, which the webhook checks first. So invoke a route
    // directly, as something other than the webhook might.
    let answer = stack
        .invoke(
            "start",
            &json!({"route": "start", "update": {"update_id": marker}}).to_string(),
        )
        .await
        .unwrap_or_else(|e| panic!("the route answers: {e}"));
    let reason = answer["rejected"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("unparseable update") && !reason.contains(marker),
        "{answer}"
    );

    let logs = stack.logs().await;

    assert!(
        logs.contains("\"outcome\":\"handled\"") && logs.contains("\"route\":\"start\""),
        "the webhook logs each update as JSON:\n{logs}"
    );
    assert!(logs.contains("\"outcome\":\"unauthorized\""), "{logs}");
    for warning in ["body is not a Telegram update", "update does not parse"] {
        assert!(logs.contains(warning), "{warning:?} is logged:\n{logs}");
    }
    for secret in [stack.fake.token(), SECRET.to_owned(), marker.to_owned()] {
        assert!(!logs.contains(&secret), "logs leak {secret:?}:\n{logs}");
    }
    let token_secret_part = stack.fake.token().split(':').nth(1).map(str::to_owned);
    if let Some(part) = token_secret_part {
        assert!(!logs.contains(&part), "logs leak the token's secret part");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sandbox_opens_its_connections_once_at_cold_start() {
    // Every function but these reaches the table; the webhook runs two sandboxes here.
    const WITHOUT_TABLE: &[&str] = &["unknown-command"];
    let expected = (2 + ROUTES.len() + channel_guard::JOBS.len() - WITHOUT_TABLE.len()) as u64;
    let stack = Stack::start().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while stack.emulator.dynamodb_warm_ups() < expected && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stack.emulator.dynamodb_warm_ups(), expected);
    assert_eq!(
        stack.emulator.dry_runs(),
        2,
        "each webhook sandbox opens its Lambda connection with one dry run"
    );
    assert_eq!(route_invocations(&stack), 0, "a dry run runs nothing");
    assert!(
        stack.fake.calls().is_empty(),
        "opening the Bot API connection is no Bot API call: {:?}",
        stack.fake.calls()
    );

    stack.emulator.take_dynamodb_ops();
    let start = private_command(7001, ALICE, "/start");
    assert_eq!(stack.deliver(&start).await.status, 200);
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        [
            "PutItem",
            "GetItem",
            "GetItem",
            "UpdateItem",
            "UpdateItem",
            "PutItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
            "BatchWriteItem"
        ],
        "an update costs what it did: the warm-up is the sandbox's, once"
    );
    assert_eq!(stack.emulator.dynamodb_warm_ups(), expected);
}

fn dead_letter_items(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DEAD#")))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_is_acknowledged_kept_as_a_dead_letter_and_never_redelivered() {
    let stack = Stack::start().await;
    // Telegram refuses the welcome for good (the chat is gone).
    stack.fake.inject(Fault::refused(
        "sendMessage",
        400,
        "Bad Request: chat not found",
    ));
    let marker = "my-private-words-2403";
    let update = private_command(7101, ALICE, &format!("/start {marker}"));
    let before = now();

    let d = stack.deliver(&update).await;

    assert_eq!((d.status, d.body.as_str()), (200, ""), "{d:?}");
    let calls = stack.fake.calls();
    assert_eq!(
        calls
            .iter()
            .map(|c| (c.method.as_str(), c.http_status))
            .collect::<Vec<_>>(),
        vec![("sendMessage", 400)],
        "one attempt: a refusal is not retried"
    );
    let items = stack.items().await;
    let [letter] = dead_letter_items(&items)
        .try_into()
        .unwrap_or_else(|l: Vec<Value>| {
            panic!("exactly one dead letter, found {}: {items:?}", l.len())
        });
    let at = letter["at"].as_i64().expect("at");
    assert!(at >= before && at <= now(), "{letter}");
    assert_eq!(
        letter,
        json!({
            "pk": format!("DEAD#{}", lambdagram::time::utc_day(at)),
            "sk": "7101",
            "update_id": 7101,
            "route": "start",
            "step": "sendMessage",
            "class": "refused",
            "reason": "400 Bad Request: chat not found",
            "at": at,
            "expires_at": at + 14 * 86_400,
            "update": update.to_string(),
        })
    );
    assert_done(&stack, 7101).await;
    let items = without_counting_windows(&items);
    assert_eq!(
        items.len(),
        5,
        "the user's record, the ledger's, the dead letter and the interaction log's entry \
         (outcome dead_lettered) and its copy: {items:?}"
    );

    // Telegram never saw a 200, say, and delivers it again: a duplicate, nothing runs.
    let again = stack.deliver(&update).await;
    assert_eq!((again.status, again.body.as_str()), (200, ""));
    assert_eq!(stack.fake.calls().len(), 1, "no Bot API call");
    assert_eq!(stack.emulator.invocations("start"), 1);
    assert_eq!(dead_letter_items(&stack.items().await), vec![letter]);

    let logs = stack.logs().await;
    let webhook_metrics: Vec<Value> = logs
        .lines()
        .filter_map(|l| l.strip_prefix("[webhook] "))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("_aws").is_some() && v.get("DeadLetters").is_some())
        .collect();
    let [metric] = webhook_metrics.as_slice() else {
        panic!("one DeadLetters document from the webhook:\n{logs}");
    };
    assert_eq!(metric["Route"], "start");
    assert_eq!(metric["DeadLetters"], 1.0);
    assert_eq!(
        metric["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        json!([["Route"], []])
    );
    assert!(
        logs.contains("\"outcome\":\"dead_lettered\""),
        "the webhook logs the outcome:\n{logs}"
    );
    assert!(
        logs.contains("\"message\":\"update dead-lettered\""),
        "and why:\n{logs}"
    );
    assert!(
        !logs.contains(marker),
        "logs leak the message text:\n{logs}"
    );
}

/// A user who blocked the bot is a state of theirs, not a failure: the refusal is recorded on
/// their registry record (no dead letter, no redelivery), and cleared when they come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_who_blocked_the_bot_is_recorded_unreachable_not_dead_lettered() {
    let stack = Stack::start().await;
    // Alice blocked the bot: Telegram refuses every message to her with 403, for good.
    stack.fake.world().set_blocked(ALICE_ID, true);
    let before = now();

    let d = stack.deliver(&private_command(7111, ALICE, "/start")).await;

    assert_eq!((d.status, d.body.as_str()), (200, ""), "{d:?}");
    assert_eq!(
        stack
            .fake
            .calls()
            .iter()
            .map(|c| (c.method.as_str(), c.http_status))
            .collect::<Vec<_>>(),
        vec![("sendMessage", 403)]
    );
    let items = stack.items().await;
    assert_eq!(dead_letter_items(&items), Vec::<Value>::new());
    assert_done(&stack, 7111).await;
    let user = items
        .iter()
        .find(|i| i["pk"] == format!("USER#{ALICE_ID}"))
        .expect("Alice's record");
    let since = user["unreachable_since"]
        .as_i64()
        .expect("marked unreachable");
    assert!(since >= before && since <= now(), "{user}");
    let logs = stack.logs().await;
    assert!(
        logs.lines()
            .filter_map(|l| l.strip_prefix("[start] "))
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .any(|v| v.get("_aws").is_some() && v["UsersUnreachable"] == 1.0),
        "counted:\n{logs}"
    );

    // She unblocks the bot and sends /start again: reachable, welcomed.
    stack.fake.world().set_blocked(ALICE_ID, false);
    let d = stack.deliver(&private_command(7112, ALICE, "/start")).await;
    assert_eq!(d.status, 200);
    let items = stack.items().await;
    let user = items
        .iter()
        .find(|i| i["pk"] == format!("USER#{ALICE_ID}"))
        .expect("Alice's record");
    assert!(user.get("unreachable_since").is_none(), "{user}");
    assert_eq!(
        stack
            .fake
            .calls()
            .iter()
            .map(|c| (c.method.as_str(), c.http_status))
            .collect::<Vec<_>>(),
        vec![("sendMessage", 403), ("sendMessage", 200)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_bot_api_error_still_fails_and_leaves_no_dead_letter() {
    let stack = Stack::start().await;
    stack.fake.inject(Fault::rate_limit("sendMessage", 60));

    let d = stack.deliver(&private_command(7102, ALICE, "/start")).await;

    assert_eq!(d.status, 500, "{d:?}");
    assert_eq!(
        stack
            .fake
            .calls()
            .iter()
            .map(|c| c.http_status)
            .collect::<Vec<_>>(),
        vec![429]
    );
    let items = stack.items().await;
    assert_eq!(dead_letter_items(&items), Vec::<Value>::new());
    assert_eq!(ledger_item(7102, &items), None, "the claim is released");
    assert_eq!(
        step_items(&items),
        Vec::<Value>::new(),
        "nothing was sent: the welcome's intent is withdrawn for the redelivery"
    );
}

/// The items apart from the counting windows: flood control's (one per scope and second or
/// minute) and the rate limits' (one per route, user and window).
fn without_counting_windows(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .filter(|i| {
            !i["pk"]
                .as_str()
                .is_some_and(|pk| pk.starts_with("FLOOD#") || pk.starts_with("RATE#"))
        })
        .cloned()
        .collect()
}

/// The journal's items (`STEP#<update>`), without their expiry.
fn step_items(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("STEP#")))
        .map(|i| {
            let mut i = i.clone();
            i.as_object_mut().map(|o| {
                o.remove("expires_at");
                o.remove("token")
            });
            i
        })
        .collect()
}

/// Telegram sends the welcome and its answer is lost (a 502 after the back end acted). The
/// call may have arrived, so it is never sent again, in this invocation or by a redelivery:
/// one welcome, and the update is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_welcome_whose_answer_was_lost_is_never_sent_twice() {
    let stack = Stack::start().await;
    stack.fake.inject(Fault::answer_lost("sendMessage", 502));
    let update = private_command(7103, ALICE, "/start");

    let d = stack.deliver(&update).await;

    assert_eq!(d.status, 200, "{d:?}");
    let from_bot = |stack: &Stack| {
        stack
            .fake
            .world()
            .messages(ALICE.0)
            .into_iter()
            .filter(|m| m["from"]["is_bot"] == true)
            .count()
    };
    assert_eq!(from_bot(&stack), 1, "the welcome arrived once");
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 1, "one attempt");
    assert_eq!(
        step_items(&stack.items().await),
        [json!({"pk": "STEP#7103", "sk": "welcome", "state": "pending"})],
        "the outcome stays unknown: the intent stands"
    );
    assert_done(&stack, 7103).await;

    // Even a delivery that gets past the ledger (its record gone) sends nothing.
    stack
        .dynamo
        .delete_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S("UPDATE#7103".into()))
        .key("sk", AttributeValue::S("LEDGER".into()))
        .send()
        .await
        .expect("delete the ledger record");
    stack.fake.clear_calls();
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(
        stack.emulator.invocations("start"),
        2,
        "the route ran again"
    );
    assert!(stack.fake.calls_to("sendMessage").is_empty());
    assert_eq!(from_bot(&stack), 1);
}

/// The welcome's intent is written but the answer is lost; the SDK retries the put, whose
/// condition now fails on that very intent. The intent carries its attempt's token, so the
/// retry knows it as its own: the welcome is sent, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_intent_whose_answer_was_lost_is_still_ours() {
    let stack = Stack::start().await;
    stack.dynamo_faults().inject(
        lambdagram_e2e::dynamo_proxy::DynamoFault::answer_lost("PutItem")
            .when_body_contains("STEP#7104")
            .times(1),
    );

    let d = stack.deliver(&private_command(7104, ALICE, "/start")).await;

    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(stack.dynamo_faults().pending(), 0, "the fault struck");
    assert_eq!(sent(&stack).len(), 1, "one welcome");
    assert_eq!(
        step_items(&stack.items().await),
        [json!({"pk": "STEP#7104", "sk": "welcome", "state": "done"})]
    );
}

/// The ledger's claim is written but its answer is lost; the SDK retries the put, whose
/// condition fails on that very claim. The claim carries its token, so the retry knows it as
/// its own: the update is handled at once, not held off for the whole lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_claim_whose_answer_was_lost_is_still_ours() {
    let stack = Stack::start().await;
    stack.dynamo_faults().inject(
        lambdagram_e2e::dynamo_proxy::DynamoFault::answer_lost("PutItem")
            .when_body_contains("UPDATE#7105")
            .times(1),
    );

    let d = stack.deliver(&private_command(7105, ALICE, "/start")).await;

    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(stack.dynamo_faults().pending(), 0, "the fault struck");
    assert_eq!(sent(&stack).len(), 1, "one welcome");
    assert_done(&stack, 7105).await;
}
