//! The framework's bot control end to end, on the real binaries: the bot's admins (`/admin`,
//! bootstrapped from `BOT_OWNER_ID`), the per-user rate limit shared by every instance, and the
//! deny-list. Exact answers, Bot API calls, DynamoDB operations and items.

use std::time::Duration;

use fake_bot_api::{FakeBotApi, ALICE_ID, BORIS_ID};
use lambdagram_e2e::stack::{Delivery, Stack, OWNER_ID, SECRET};
use serde_json::{json, Value};

/// `from` sends `text` in their private chat with the bot; the webhook's answer.
async fn private(stack: &Stack, from: i64, text: &str) -> Delivery {
    let mut message = stack
        .fake
        .world()
        .add_message(from, from, text)
        .expect("a known user");
    let word = text.split_whitespace().next().unwrap_or("");
    message["entities"] =
        json!([{"type": "bot_command", "offset": 0, "length": word.encode_utf16().count()}]);
    let update = stack.fake.push_update(json!({ "message": message }));
    // The webhook reply is read, not executed: the Bot API calls seen are the functions' own.
    stack.post(update.to_string(), Some(SECRET)).await
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

fn ops(v: &[&str]) -> (Vec<String>, Vec<String>) {
    (v.iter().map(|s| (*s).to_owned()).collect(), Vec::new())
}

async fn set_item(stack: &Stack, pk: &str) -> Option<Value> {
    stack.items().await.into_iter().find(|i| i["pk"] == pk)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_bootstraps_the_admins_who_manage_themselves_and_the_last_one_stays() {
    assert_eq!(OWNER_ID, ALICE_ID);
    let stack = Stack::start().await;
    cost(&stack);

    // A stranger is ignored: acknowledged, one read of the admins, no answer at all.
    let d = private(&stack, BORIS_ID, "/admin list").await;
    assert_eq!((d.status, said(&d)), (200, None));
    assert_eq!(cost(&stack), ops(&["GetItem"]));

    // The owner is the only admin until the set is written; nothing is stored yet.
    let d = private(&stack, ALICE_ID, "/admin list").await;
    assert_eq!(said(&d).as_deref(), Some("Bot admins: 111111"));
    assert_eq!(cost(&stack), ops(&["GetItem", "GetItem", "BatchWriteItem"]));
    let d = private(&stack, ALICE_ID, "/admin remove 111111").await;
    assert_eq!(
        said(&d).as_deref(),
        Some("111111 is the last bot admin and stays one: add another admin first.")
    );
    // The refused conditional delete, then the read that tells "never written".
    assert_eq!(
        cost(&stack),
        ops(&["GetItem", "UpdateItem", "GetItem", "BatchWriteItem"])
    );
    assert_eq!(set_item(&stack, "BOTSET#ADMINS").await, None);

    // The first add writes the owner in with the new admin (the add to an existing set is
    // refused, then the set is created).
    let d = private(&stack, ALICE_ID, "/admin add 222222").await;
    assert_eq!(said(&d).as_deref(), Some("222222 is a bot admin now."));
    assert_eq!(
        cost(&stack),
        ops(&["GetItem", "UpdateItem", "UpdateItem", "BatchWriteItem"])
    );
    assert_eq!(
        set_item(&stack, "BOTSET#ADMINS").await,
        Some(json!({"pk": "BOTSET#ADMINS", "sk": "SET", "ids": [111111, 222222]}))
    );

    // Boris is an admin now: he removes the owner (one conditional delete), then cannot
    // remove himself, the last one.
    let d = private(&stack, BORIS_ID, "/admin remove 111111").await;
    // Boris speaks Russian (his language_code).
    assert_eq!(said(&d).as_deref(), Some("111111 больше не админ бота."));
    assert_eq!(
        cost(&stack),
        ops(&["GetItem", "UpdateItem", "BatchWriteItem"])
    );
    let d = private(&stack, BORIS_ID, "/admin remove 222222").await;
    assert_eq!(
        said(&d).as_deref(),
        Some("222222 — последний админ бота и им останется: сначала добавьте другого.")
    );
    assert_eq!(
        cost(&stack),
        ops(&["GetItem", "UpdateItem", "BatchWriteItem"])
    );
    let d = private(&stack, BORIS_ID, "/admin list").await;
    assert_eq!(said(&d).as_deref(), Some("Админы бота: 222222"));

    // The owner, removed, is a stranger like any other.
    let d = private(&stack, ALICE_ID, "/admin add 111111").await;
    assert_eq!((d.status, said(&d)), (200, None));
    assert_eq!(
        set_item(&stack, "BOTSET#ADMINS").await,
        Some(json!({"pk": "BOTSET#ADMINS", "sk": "SET", "ids": [222222]}))
    );
    assert!(
        stack.fake.calls().is_empty(),
        "every answer is a webhook reply"
    );
}

/// Waits, if needed, until a 10-second window has at least `need` seconds left, so a burst
/// falls in one window.
async fn window_with(need: u64) {
    let into = lambdagram::time::now() as u64 % 10;
    if 10 - into < need {
        tokio::time::sleep(Duration::from_secs(10 - into)).await;
    }
}

/// The start of the "too fast" answer in Boris's language (Russian), before the seconds.
fn too_fast(text: &str) -> bool {
    let ru = channel_guard::i18n::CATALOGUE.get(
        &lambdagram::control_texts::TOO_FAST,
        channel_guard::i18n::RU,
    );
    text.starts_with(ru.split('{').next().unwrap_or(ru))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_helps_per_ten_seconds_then_one_polite_answer_then_silence_admins_exempt() {
    let stack = Stack::start().await;
    window_with(6).await;
    cost(&stack);
    for i in 0..5 {
        let d = private(&stack, BORIS_ID, "/help").await;
        assert_eq!(d.status, 200);
        assert!(
            said(&d).is_some_and(|t| t.contains("/start")),
            "help {i}: {:?}",
            said(&d)
        );
        // The allowed path: one conditional write (and, cold, one read of the deny-list and
        // one of the allow-list).
        let expected: &[&str] = if i == 0 {
            &["GetItem", "GetItem", "UpdateItem", "BatchWriteItem"]
        } else {
            &["UpdateItem", "BatchWriteItem"]
        };
        assert_eq!(cost(&stack), ops(expected), "help {i}");
    }
    let d = private(&stack, BORIS_ID, "/help").await;
    assert!(said(&d).is_some_and(|t| too_fast(&t)), "{:?}", said(&d));
    assert_eq!(
        d.reply.as_ref().map(|r| r["chat_id"].clone()),
        Some(json!(BORIS_ID))
    );
    // The counting write, then the (cold) read of the admins: Boris is none.
    assert_eq!(
        cost(&stack),
        ops(&["UpdateItem", "GetItem", "BatchWriteItem"])
    );
    let d = private(&stack, BORIS_ID, "/help").await;
    assert_eq!((d.status, said(&d)), (200, None), "silence");
    assert_eq!(
        cost(&stack),
        ops(&["UpdateItem"]),
        "the refused write, the admins cached"
    );
    let window = stack
        .items()
        .await
        .into_iter()
        .find(|i| i["pk"] == format!("RATE#help#{BORIS_ID}"))
        .expect("the window");
    assert_eq!(
        window["n"],
        json!(6),
        "counted to the first refusal, not past it"
    );
    let start = window["sk"]
        .as_str()
        .and_then(|s| s.parse::<i64>().ok())
        .expect("start");
    assert_eq!(start % 10, 0);
    assert_eq!(window["expires_at"], json!(start + 10 + 60));

    // Alice, the owner, is never limited.
    for i in 0..8 {
        let d = private(&stack, ALICE_ID, "/help").await;
        assert!(
            said(&d).is_some_and(|t| t.contains("/start")),
            "Alice's help {i}"
        );
    }
    assert!(stack.fake.calls().is_empty());

    // The next window lets Boris in again.
    let left = 10 - lambdagram::time::now() as u64 % 10;
    tokio::time::sleep(Duration::from_secs(left)).await;
    let d = private(&stack, BORIS_ID, "/help").await;
    assert!(said(&d).is_some_and(|t| t.contains("/start")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_window() {
    let fake = FakeBotApi::start().await.expect("start the fake Bot API");
    let stack = Stack::start_scaled(fake, 2, &[("help", 2)]).await;
    window_with(6).await;
    let help = || private(&stack, BORIS_ID, "/help");
    let (a, b, c, d, e, f, g) =
        tokio::join!(help(), help(), help(), help(), help(), help(), help());
    let answers: Vec<Option<String>> = [a, b, c, d, e, f, g].iter().map(said).collect();
    let helped = answers
        .iter()
        .filter(|t| t.as_ref().is_some_and(|t| t.contains("/start")))
        .count();
    let told = answers
        .iter()
        .filter(|t| t.as_ref().is_some_and(|t| too_fast(t)))
        .count();
    let silent = answers.iter().filter(|t| t.is_none()).count();
    assert_eq!((helped, told, silent), (5, 1, 1), "{answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_user_is_acknowledged_with_no_answer_until_undenied() {
    let stack = Stack::start().await;
    cost(&stack);
    let d = private(&stack, ALICE_ID, "/deny add 222222").await;
    assert_eq!(
        said(&d).as_deref(),
        Some("222222 is denied: the bot ignores it (within a minute everywhere).")
    );
    // Alice's admin check, then one set update.
    assert_eq!(
        cost(&stack),
        ops(&["GetItem", "UpdateItem", "BatchWriteItem"])
    );
    assert_eq!(
        set_item(&stack, "BOTSET#DENIED").await,
        Some(json!({"pk": "BOTSET#DENIED", "sk": "SET", "ids": [222222]}))
    );

    // /start (a journalled welcome otherwise): acknowledged before anything is written.
    let d = private(&stack, BORIS_ID, "/start").await;
    assert_eq!((d.status, said(&d)), (200, None));
    // The ledger's claim and completion are the webhook's; the function reads the list once.
    assert_eq!(cost(&stack), ops(&["PutItem", "GetItem", "UpdateItem"]));
    // Warm: the sandbox's copy answers, no read.
    let d = private(&stack, BORIS_ID, "/start").await;
    assert_eq!((d.status, said(&d)), (200, None));
    assert_eq!(cost(&stack), ops(&["PutItem", "UpdateItem"]));
    let d = private(&stack, ALICE_ID, "/deny list").await;
    assert_eq!(said(&d).as_deref(), Some("Denied: 222222"));
    cost(&stack);

    let d = private(&stack, ALICE_ID, "/deny remove 222222").await;
    assert_eq!(said(&d).as_deref(), Some("222222 is no longer denied."));
    assert_eq!(
        cost(&stack),
        ops(&["GetItem", "UpdateItem", "BatchWriteItem"])
    );
    let d = private(&stack, ALICE_ID, "/deny remove 222222").await;
    assert_eq!(said(&d).as_deref(), Some("222222 is not denied."));
    // A function that reads the list now lets Boris in (a warm one, within its copy's 30 s).
    let d = private(&stack, BORIS_ID, "/help").await;
    assert!(said(&d).is_some_and(|t| t.contains("/start")));
    assert!(stack.fake.calls().is_empty());

    // A stranger cannot deny anyone.
    let d = private(&stack, BORIS_ID, "/deny add 111111").await;
    assert_eq!((d.status, said(&d)), (200, None));
    assert_eq!(
        set_item(&stack, "BOTSET#DENIED").await,
        Some(json!({"pk": "BOTSET#DENIED", "sk": "SET"}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_allow_list_only_its_members_and_the_admins_are_served() {
    let stack = Stack::start().await;
    cost(&stack);
    let d = private(&stack, ALICE_ID, "/allowlist list").await;
    assert_eq!(
        said(&d).as_deref(),
        Some("The allow-list is empty: the bot serves everyone who is not denied.")
    );
    cost(&stack);
    let d = private(&stack, ALICE_ID, "/allowlist add 999999").await;
    assert_eq!(
        said(&d).as_deref(),
        Some("999999 is on the allow-list (the bot serves only the list and its admins; within a minute everywhere).")
    );
    // Alice's admin check, one set update, the interaction log.
    assert_eq!(
        cost(&stack),
        ops(&["GetItem", "UpdateItem", "BatchWriteItem"])
    );
    assert_eq!(
        set_item(&stack, "BOTSET#ALLOWED").await,
        Some(json!({"pk": "BOTSET#ALLOWED", "sk": "SET", "ids": [999999]}))
    );

    // Boris is on no list: /start is acknowledged with no answer and nothing but the ledger is
    // written. Cold: the deny-list, the allow-list, then (refused) the admins are read.
    let d = private(&stack, BORIS_ID, "/start").await;
    assert_eq!((d.status, said(&d)), (200, None));
    assert_eq!(
        cost(&stack),
        ops(&["PutItem", "GetItem", "GetItem", "GetItem", "UpdateItem"])
    );
    assert!(set_item(&stack, &format!("USER#{BORIS_ID}"))
        .await
        .is_none());
    // Warm: all from the sandbox's copies.
    let d = private(&stack, BORIS_ID, "/start").await;
    assert_eq!((d.status, said(&d)), (200, None));
    assert_eq!(cost(&stack), ops(&["PutItem", "UpdateItem"]));

    // Alice is on no list either, but she is an admin: she is served.
    let d = private(&stack, ALICE_ID, "/start").await;
    assert_eq!(d.status, 200);
    let (_, bot_api) = cost(&stack);
    assert_eq!(bot_api, ["sendMessage"]);

    let d = private(&stack, ALICE_ID, &format!("/allowlist add {BORIS_ID}")).await;
    assert!(said(&d).is_some_and(|t| t.starts_with(&format!("{BORIS_ID} is on the allow-list"))));
    let d = private(&stack, ALICE_ID, "/allowlist list").await;
    assert_eq!(said(&d), Some(format!("Allow-list: {BORIS_ID}, 999999")));
    cost(&stack);
    // A function that reads the list now serves Boris (a warm one, within its copy's 30 s).
    let d = private(&stack, BORIS_ID, "/help").await;
    assert!(
        said(&d).is_some_and(|t| t.contains("/start")),
        "{:?}",
        said(&d)
    );
    // The lists (cold), the rate limit's count, the interaction log.
    assert_eq!(
        cost(&stack),
        ops(&["GetItem", "GetItem", "UpdateItem", "BatchWriteItem"])
    );

    // On the list is not an admin: Boris cannot change it.
    let d = private(&stack, BORIS_ID, "/allowlist remove 999999").await;
    assert_eq!((d.status, said(&d)), (200, None));
    let d = private(&stack, ALICE_ID, "/allowlist remove 999999").await;
    assert_eq!(
        said(&d).as_deref(),
        Some("999999 is no longer on the allow-list.")
    );
    let d = private(&stack, ALICE_ID, "/allowlist remove 999999").await;
    assert_eq!(
        said(&d).as_deref(),
        Some("999999 is not on the allow-list.")
    );
    assert_eq!(
        set_item(&stack, "BOTSET#ALLOWED").await,
        Some(json!({"pk": "BOTSET#ALLOWED", "sk": "SET", "ids": [BORIS_ID]}))
    );

    // Removing the last entry turns the list off, and the answer says so.
    cost(&stack);
    let d = private(&stack, ALICE_ID, &format!("/allowlist remove {BORIS_ID}")).await;
    assert_eq!(
        said(&d),
        Some(format!("{BORIS_ID} is no longer on the allow-list, which is now empty: the bot serves everyone who is not denied again (within a minute everywhere)."))
    );
    // The admin check, the guarded removal refused as the last entry, the removal, the log.
    assert_eq!(
        cost(&stack),
        ops(&["GetItem", "UpdateItem", "UpdateItem", "BatchWriteItem"])
    );
    assert_eq!(
        set_item(&stack, "BOTSET#ALLOWED").await,
        Some(json!({"pk": "BOTSET#ALLOWED", "sk": "SET"}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_update_delivered_again_keeps_one_log_entry() {
    let stack = Stack::start().await;
    let mut message = stack
        .fake
        .world()
        .add_message(BORIS_ID, BORIS_ID, "/help")
        .expect("a known user");
    message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": 5}]);
    let update = stack.fake.push_update(json!({ "message": message }));
    // /help has no ledger: Telegram's redelivery (its first answer lost) runs it again, a second
    // later. The log keeps one entry for the update.
    for delivery in 0..2 {
        if delivery == 1 {
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        let d = stack.post(update.to_string(), Some(SECRET)).await;
        assert_eq!(d.status, 200);
    }
    let update_id = update["update_id"].as_i64().expect("an update id");
    for pk in [format!("LOG#{BORIS_ID}"), format!("LOGUSER#{BORIS_ID}")] {
        let entries: Vec<(Value, Value)> = stack
            .items()
            .await
            .into_iter()
            .filter(|i| i["pk"] == pk)
            .map(|i| (i["sk"].clone(), i["route"].clone()))
            .collect();
        assert_eq!(
            entries,
            [(json!(format!("{update_id:015}")), json!("help"))],
            "{pk}"
        );
    }
}
