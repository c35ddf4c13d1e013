//! The interaction log, `/forget` and the key map end to end, on the real binaries (webhook and
//! route functions) with DynamoDB Local and the fake Bot API: what a logged update writes (its
//! exact fields and TTL, never text), that the hot path's pass logs nothing, and that `/forget`
//! erases exactly one user's data across the key map, says so, and a redelivery repeats nothing.
//! For both bots.

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::prelude::*;
use fake_bot_api::{FakeBotApi, MemberStatus, User, ALICE_ID, BORIS_ID, LOUNGE_ID, NEWS_ID};
use lambdagram::aws::DynamoStore;
use lambdagram::keymap::{Forget, KeyMap};
use lambdagram_e2e::stack::{Delivery, Stack, BRIDGE, SECRET};
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;

/// `from` sends `text` in their private chat with the bot; the update and the webhook's answer.
async fn private(stack: &Stack, from: i64, text: &str) -> (Value, Delivery) {
    let mut message = stack
        .fake
        .world()
        .add_message(from, from, text)
        .expect("a known user");
    let word = text.split_whitespace().next().unwrap_or("");
    message["entities"] =
        json!([{"type": "bot_command", "offset": 0, "length": word.encode_utf16().count()}]);
    let update = stack.fake.push_update(json!({ "message": message }));
    let d = stack.post(update.to_string(), Some(SECRET)).await;
    (update, d)
}

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

fn ops(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Whether an item's keys hold `user`'s id.
fn keyed_by(item: &Value, user: i64) -> bool {
    let id = user.to_string();
    ["pk", "sk"]
        .iter()
        .any(|k| item[k].as_str().is_some_and(|v| v.contains(&id)))
}

/// The items that hold `user`'s data: keyed by them, or a log entry naming them.
fn data_of(items: &[Value], user: i64) -> Vec<Value> {
    items
        .iter()
        .filter(|i| keyed_by(i, user) || i["user_id"] == json!(user))
        .cloned()
        .collect()
}

/// Every item keyed by `user` is in the map: a family it erases (none may be left) or keeps.
fn only_kept_families_left(map: &KeyMap, items: &[Value], user: i64) {
    for item in data_of(items, user) {
        let (pk, sk) = (
            item["pk"].as_str().unwrap_or_default(),
            item["sk"].as_str().unwrap_or_default(),
        );
        let family = map
            .accounts_for(pk, sk, user)
            .unwrap_or_else(|| panic!("an item the key map does not declare: {item}"));
        assert!(
            matches!(family.forget, Forget::Keep(_)),
            "left after /forget, though `{}` is erased: {item}",
            family.name
        );
    }
}

/// The Lounge protected by @lambdagram_news; Carol is subscribed, Boris is not.
async fn protected_lounge() -> Stack {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.add_user(User::new(CAROL_ID, "Carol").with_language("en"));
    world.set_member(LOUNGE_ID, CAROL_ID, MemberStatus::member());
    world.set_member(NEWS_ID, CAROL_ID, MemberStatus::member());
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = true;
    config.link([LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(fake_bot_api::NEWS_USERNAME.into()),
        invite_link: None,
    }]);
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
    stack
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_logs_commands_and_enforcements_never_a_pass_and_forget_erases_one_user() {
    let stack = protected_lounge().await;
    cost(&stack);

    // A logged command: the route's own work, then one BatchWriteItem (entry and copy).
    let (start, d) = private(&stack, BORIS_ID, "/start my secret words").await;
    assert_eq!(d.status, 200);
    let (dynamo, _) = cost(&stack);
    assert_eq!(dynamo.last().map(String::as_str), Some("BatchWriteItem"));
    assert_eq!(dynamo.iter().filter(|o| *o == "BatchWriteItem").count(), 1);
    let items = stack.items().await;
    let entries: Vec<&Value> = items
        .iter()
        .filter(|i| {
            i["pk"] == format!("LOG#{BORIS_ID}") || i["pk"] == format!("LOGUSER#{BORIS_ID}")
        })
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    for entry in &entries {
        let at = entry["at"].as_i64().expect("at");
        let mut fields: Vec<&str> = entry
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "at",
                "chat_id",
                "expires_at",
                "kind",
                "outcome",
                "pk",
                "route",
                "sk",
                "update_id",
                "user_id"
            ]
        );
        assert_eq!(entry["expires_at"], json!(at + 30 * 86_400), "the TTL");
        assert_eq!(
            (&entry["kind"], &entry["route"], &entry["outcome"]),
            (&json!("message"), &json!("start"), &json!("handled"))
        );
        assert_eq!(entry["update_id"], start["update_id"]);
        assert_eq!(
            (&entry["chat_id"], &entry["user_id"]),
            (&json!(BORIS_ID), &json!(BORIS_ID))
        );
        assert!(!entry.to_string().contains("secret words"), "never text");
    }

    // Alice (another user) has data too.
    private(&stack, ALICE_ID, "/start").await;

    // The hot path: Carol, a subscriber, passes; nothing is logged. Her first message checks
    // her subscription live (and caches it); the next one, the known subscriber's, costs
    // nothing at all in the warm function.
    for round in 0..2 {
        let update = stack
            .fake
            .user_says(LOUNGE_ID, CAROL_ID, "hello")
            .expect("Carol");
        cost(&stack);
        assert_eq!(stack.deliver(&update).await.status, 200);
        let (dynamo, bot_api) = cost(&stack);
        assert!(!dynamo.contains(&"BatchWriteItem".to_owned()), "{dynamo:?}");
        if round == 1 {
            assert_eq!((dynamo, bot_api), (ops(&[]), ops(&[])));
        }
    }
    assert!(!stack
        .items()
        .await
        .iter()
        .any(|i| i["user_id"] == json!(CAROL_ID)));

    // Boris, not subscribed, is enforced: logged with the gate's note, in the group's history.
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "buy my course")
        .expect("Boris");
    assert_eq!(stack.deliver(&update).await.status, 200);
    let items = stack.items().await;
    let enforced: Vec<&Value> = items
        .iter()
        .filter(|i| i["pk"] == format!("LOG#{LOUNGE_ID}"))
        .collect();
    assert_eq!(enforced.len(), 1, "{enforced:?}");
    assert_eq!(
        (
            &enforced[0]["route"],
            &enforced[0]["outcome"],
            &enforced[0]["user_id"]
        ),
        (
            &json!("guard-message"),
            &json!("enforced"),
            &json!(BORIS_ID)
        )
    );
    let boris_before = data_of(&items, BORIS_ID);
    let alice_before = data_of(&items, ALICE_ID);
    cost(&stack);

    // /forget asks first, with what it would erase; nothing is erased.
    let (_, d) = private(&stack, BORIS_ID, "/forget").await;
    let preview = said(&d).expect("an answer");
    assert!(
        preview.contains("profile: 1, log: 2, rate: 1")
            && preview.contains("/forget confirm")
            && preview.contains("restrictions ("),
        "{preview}"
    );
    assert_eq!(
        data_of(&stack.items().await, BORIS_ID),
        boris_before,
        "asking erases nothing"
    );
    cost(&stack);

    // /forget confirm erases exactly Boris's erasable data, and says how much.
    let (confirm, d) = private(&stack, BORIS_ID, "/forget confirm").await;
    let done = said(&d).expect("an answer");
    assert!(
        done.starts_with("Стёрто: profile: 1, log: 2, rate: 1, subscriptions: "),
        "{done}"
    );
    let (dynamo, bot_api) = cost(&stack);
    assert!(bot_api.is_empty(), "a webhook reply: {bot_api:?}");
    assert_eq!(
        dynamo.first().map(String::as_str),
        Some("PutItem"),
        "the ledger's claim"
    );
    assert_eq!(
        dynamo.last().map(String::as_str),
        Some("UpdateItem"),
        "done; not logged"
    );
    let queries = dynamo.iter().filter(|o| *o == "Query").count();
    let deletes = dynamo.iter().filter(|o| *o == "DeleteItem").count();
    // The key map's partitions: profile, log copies, rate (start, help, status), subscriptions.
    assert_eq!(queries, 6, "{dynamo:?}");
    let erased_items = boris_before.len() - data_of(&stack.items().await, BORIS_ID).len();
    assert_eq!(deletes, erased_items, "one DeleteItem per item erased");
    let items = stack.items().await;
    only_kept_families_left(&channel_guard::KEY_MAP, &items, BORIS_ID);
    assert!(
        !items
            .iter()
            .any(|i| i["pk"].as_str().is_some_and(|p| p.starts_with("LOG"))
                && i["user_id"] == json!(BORIS_ID)),
        "no log entry names Boris"
    );
    assert_eq!(
        data_of(&items, ALICE_ID),
        alice_before,
        "Alice's data untouched"
    );

    // The same update again (Telegram did not get the answer): the ledger drops it.
    let d = stack.post(confirm.to_string(), Some(SECRET)).await;
    assert_eq!((d.status, said(&d)), (200, None));
    let (dynamo, bot_api) = cost(&stack);
    assert_eq!((dynamo, bot_api), (ops(&["PutItem"]), ops(&[])));
    assert_eq!(stack.items().await, items, "nothing changed");

    // Asked again, there is nothing left to erase.
    let (_, d) = private(&stack, BORIS_ID, "/forget confirm").await;
    assert!(
        said(&d).is_some_and(
            |t| t.starts_with("Стёрто: profile: 0, log: 0, rate: 0, subscriptions: 0.")
        ),
        "{:?}",
        said(&d)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bridge_forgets_a_users_private_chat_and_log_and_keeps_the_admins_settings() {
    let fake = FakeBotApi::start().await.expect("start the fake Bot API");
    let stack = Stack::start_bot(fake, BRIDGE).await;
    cost(&stack);

    // Alice (the owner, an admin) and Boris use the bridge's open commands.
    private(&stack, BORIS_ID, "/start").await;
    private(&stack, BORIS_ID, "/help").await;
    private(&stack, ALICE_ID, "/start").await;
    // Alice makes Boris's private chat a bridge chat; what he writes there is kept for the tool.
    private(
        &stack,
        ALICE_ID,
        &format!("/bridge key new {BORIS_ID} boris"),
    )
    .await;
    let (_, d) = private(
        &stack,
        ALICE_ID,
        &format!("/bridge allow {BORIS_ID} {BORIS_ID}"),
    )
    .await;
    assert!(
        said(&d).is_some_and(|t| t.contains("reach the tool")),
        "{:?}",
        said(&d)
    );
    let mut words = stack
        .fake
        .world()
        .add_message(BORIS_ID, BORIS_ID, "my private words")
        .expect("Boris");
    words["entities"] = json!([]);
    let update = stack.fake.push_update(json!({ "message": words }));
    assert_eq!(
        stack.post(update.to_string(), Some(SECRET)).await.status,
        200
    );
    let items = stack.items().await;
    assert!(items
        .iter()
        .any(|i| i.to_string().contains("my private words")));
    let copies = |user: i64| {
        items
            .iter()
            .filter(|i| i["pk"] == format!("LOGUSER#{user}"))
            .count()
    };
    assert_eq!((copies(BORIS_ID), copies(ALICE_ID)), (2, 3));
    let alice_before = data_of(&items, ALICE_ID);

    let (_, d) = private(&stack, BORIS_ID, "/forget").await;
    assert!(
        said(&d).is_some_and(
            |t| t.contains("log: 2, rate: 2, private-messages: 1, private-markers: 1.")
        ),
        "{:?}",
        said(&d)
    );
    cost(&stack);
    let (_, d) = private(&stack, BORIS_ID, "/forget confirm").await;
    assert!(
        said(&d).is_some_and(|t| {
            t.starts_with(
            "Erased: log: 2, rate: 2, private-messages: 1, private-markers: 1. Kept: private-chat ("
        )
        }),
        "{:?}",
        said(&d)
    );
    // The ledger, a Query per partition of the map (log copies, 2 rate-limited routes, the
    // entries, the markers), a DeleteItem per item (2 per log entry), the ledger: not logged.
    let (dynamo, bot_api) = cost(&stack);
    assert!(bot_api.is_empty(), "{bot_api:?}");
    let count = |op: &str| dynamo.iter().filter(|o| *o == op).count();
    assert_eq!(
        (
            count("PutItem"),
            count("Query"),
            count("DeleteItem"),
            count("UpdateItem")
        ),
        (1, 5, 2 * 2 + 2 + 1 + 1, 1),
        "{dynamo:?}"
    );
    assert_eq!(count("BatchWriteItem"), 0, "/forget is never logged");
    let items = stack.items().await;
    only_kept_families_left(&bridge::KEY_MAP, &items, BORIS_ID);
    assert_eq!(
        data_of(&items, ALICE_ID),
        alice_before,
        "Alice's data untouched"
    );
}
