//! The warning sweeper end to end: the `sweeper` job's binary under the Lambda emulator, run as
//! its schedule runs it (a `Scheduled Event` through the Invoke API), with DynamoDB Local and the
//! fake Bot API. Asserts the exact `deleteMessage` calls, the items left and the DynamoDB
//! requests.

use channel_guard::store::prelude::*;
use fake_bot_api::{User, ALICE_ID, BORIS_ID, BOT_ID, LOUNGE_ID};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::stack::Stack;
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;
const DAVE_ID: i64 = 444_444;

/// A warning the bot posted in the Lounge for `user_id`, due at `delete_at`; returns its id.
async fn warning(stack: &Stack, user_id: i64, delete_at: i64) -> i64 {
    let message = stack
        .fake
        .world()
        .add_message(LOUNGE_ID, BOT_ID, "join the channel first")
        .expect("the bot writes in the Lounge");
    let id = message["message_id"].as_i64().expect("an id");
    queue(stack, user_id, id, delete_at).await;
    id
}

/// Records a warning as `guard-message` does: claimed, then posted (which queues it).
async fn queue(stack: &Stack, user_id: i64, message_id: i64, delete_at: i64) {
    let store = DynamoStore::new(stack.dynamo.clone(), stack.table.clone());
    assert!(store
        .claim_warning(LOUNGE_ID, user_id, delete_at - 300, delete_at)
        .await
        .expect("claim"));
    store
        .set_warning_message(
            LOUNGE_ID,
            user_id,
            i32::try_from(message_id).expect("small"),
            delete_at,
        )
        .await
        .expect("post");
}

/// The warning records and queue entries, as (pk, sk).
async fn warning_items(stack: &Stack) -> Vec<(String, String)> {
    stack
        .items()
        .await
        .iter()
        .filter_map(|i| Some((i["pk"].as_str()?.to_owned(), i["sk"].as_str()?.to_owned())))
        .filter(|(pk, sk)| pk.starts_with("DUE#") || sk.starts_with("WARN#"))
        .collect()
}

fn deleted(stack: &Stack) -> Vec<Value> {
    stack
        .fake
        .calls()
        .iter()
        .map(|c| {
            json!([
                c.method,
                c.param("chat_id").cloned(),
                c.param("message_id").cloned()
            ])
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_deletes_exactly_the_due_warnings_once() {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.add_user(stack.fake.bot_user());
    world.add_user(User::new(CAROL_ID, "Carol"));
    world.add_user(User::new(DAVE_ID, "Dave"));
    let now = lambdagram::time::now();
    let boris = warning(&stack, BORIS_ID, now - 30).await;
    let carol = warning(&stack, CAROL_ID, now - 150).await;
    let dave = warning(&stack, DAVE_ID, now + 600).await;
    // A queue entry whose warning is gone and whose message was deleted by hand.
    let alice = 9_999;
    queue(&stack, ALICE_ID, alice, now - 60).await;
    stack.emulator.take_dynamodb_ops();

    let report = stack.run_job("sweeper").await;

    assert_eq!(
        report,
        Ok(json!({
            "due": 3, "deleted": 2, "not_deleted": 1, "left": 0, "failed_groups": 0,
            "posted": 0, "dropped": 0, "deferred_left": 0
        }))
    );
    // Oldest first; Alice's is already gone ("message to delete not found") and carried on.
    assert_eq!(
        deleted(&stack),
        [
            json!(["deleteMessage", LOUNGE_ID, carol]),
            json!(["deleteMessage", LOUNGE_ID, alice]),
            json!(["deleteMessage", LOUNGE_ID, boris]),
        ]
    );
    assert!(world.message(LOUNGE_ID, boris).is_none());
    assert!(world.message(LOUNGE_ID, carol).is_none());
    assert!(world.message(LOUNGE_ID, dave).is_some(), "not due yet");
    let group = format!("GROUP#{LOUNGE_ID}");
    assert_eq!(
        warning_items(&stack).await,
        [
            (
                format!("DUE#{}", (now + 600).div_euclid(60)),
                format!("{LOUNGE_ID}#{DAVE_ID}")
            ),
            (group, format!("WARN#{DAVE_ID}")),
        ]
    );
    // The watermark read; six minute buckets read (the last five minutes and this one); per
    // warning, its record and its queue entry forgotten; the watermark saved; the deferred
    // warnings' queue read (one Query, empty).
    let ops = stack.emulator.take_dynamodb_ops();
    assert_eq!(
        ops,
        [
            vec!["GetItem"],
            vec!["Query"; 6],
            vec!["DeleteItem"; 6],
            vec!["PutItem"],
            vec!["Query"]
        ]
        .concat(),
        "{ops:?}"
    );
    let items = stack.items().await;
    let watermark = items
        .iter()
        .find(|i| i["pk"] == "SWEEP" && i["sk"] == "WATERMARK")
        .expect("the sweeper's watermark");
    assert!(watermark["swept_until"].as_i64().is_some(), "{watermark}");

    // The next run: nothing twice.
    stack.fake.clear_calls();
    let report = stack.run_job("sweeper").await;
    assert_eq!(
        report,
        Ok(json!({
            "due": 0, "deleted": 0, "not_deleted": 0, "left": 0, "failed_groups": 0,
            "posted": 0, "dropped": 0, "deferred_left": 0
        }))
    );
    assert!(stack.fake.calls().is_empty(), "{:?}", deleted(&stack));
}
