//! `/allow` end to end: the allow-list a group's admins keep, whose members the guard never
//! touches. Exact Bot API calls and stored configuration.

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::{prelude::*, Restriction};
use fake_bot_api::{
    ChatPermissions, Fault, FaultKind, ALICE_ID, BORIS_ID, LOUNGE_ID, NEWS_ID, NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::stack::{Delivery, Stack};
use serde_json::{json, Value};

fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
}

/// The Lounge protected by @lambdagram_news, Boris muted by the bot (calls cleared).
async fn protected_lounge() -> Stack {
    let stack = Stack::start().await;
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = true;
    config.link([LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }]);
    store(&stack)
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
    store(&stack)
        .record_restriction(
            LOUNGE_ID,
            &Restriction {
                user_id: BORIS_ID,
                since: 1_790_000_000,
                until: None,
                pending: false,
            },
        )
        .await
        .expect("Boris muted by the bot");
    stack.fake.clear_calls();
    stack
}

async fn allow_list(stack: &Stack) -> Vec<i64> {
    store(stack)
        .group_state(LOUNGE_ID, lambdagram::time::now())
        .await
        .expect("read")
        .config
        .expect("config")
        .allow_list
}

/// `from` sends `text` in the Lounge, optionally in reply to `reply_to` (a stored message).
async fn command(stack: &Stack, from: i64, text: &str, reply_to: Option<&Value>) -> Delivery {
    let update = command_update(stack, from, text, reply_to);
    stack.deliver(&update).await
}

/// The update of `from` sending `text` in the Lounge.
fn command_update(stack: &Stack, from: i64, text: &str, reply_to: Option<&Value>) -> Value {
    let mut message = stack
        .fake
        .world()
        .add_message(LOUNGE_ID, from, text)
        .expect("a known user");
    let word = text.split_whitespace().next().unwrap_or("");
    message["entities"] =
        json!([{"type": "bot_command", "offset": 0, "length": word.encode_utf16().count()}]);
    if let Some(original) = reply_to {
        message["reply_to_message"] = original.clone();
    }
    stack.fake.push_update(json!({ "message": message }))
}

fn methods(stack: &Stack) -> Vec<String> {
    stack.fake.calls().into_iter().map(|c| c.method).collect()
}

fn answer(stack: &Stack) -> String {
    stack
        .fake
        .calls_to("sendMessage")
        .last()
        .and_then(|c| c.param("text").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowing_by_reply_lifts_the_bots_mute_and_the_guard_leaves_them_alone() {
    let stack = protected_lounge().await;
    let custom = ChatPermissions {
        can_send_messages: true,
        ..ChatPermissions::none()
    };
    stack.fake.world().set_permissions(LOUNGE_ID, custom);
    let boris_said = stack
        .fake
        .world()
        .add_message(LOUNGE_ID, BORIS_ID, "may I?")
        .expect("Boris wrote");

    let d = command(&stack, ALICE_ID, "/allow", Some(&boris_said)).await;

    assert_eq!(d.status, 200);
    assert_eq!(
        methods(&stack),
        [
            "getChatMember",
            "getChat",
            "restrictChatMember",
            "sendMessage"
        ]
    );
    let lift = &stack.fake.calls_to("restrictChatMember")[0];
    assert_eq!(lift.param("user_id"), Some(&json!(BORIS_ID)));
    assert_eq!(
        lift.param("permissions"),
        Some(&json!({"can_send_messages": true, "can_manage_topics": false})),
        "the group's own defaults"
    );
    assert_eq!(
        answer(&stack),
        "✓ <a href=\"tg://user?id=222222\">222222</a> may write here without subscribing. \
         I lifted the restriction I had imposed."
    );
    assert_eq!(allow_list(&stack).await, [BORIS_ID]);
    assert!(store(&stack)
        .restrictions(LOUNGE_ID)
        .await
        .expect("restrictions")
        .is_empty());

    // Boris writes: one read, nothing else.
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "thanks")
        .expect("Boris writes");
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert_eq!(stack.emulator.take_dynamodb_ops(), ["BatchGetItem"]);

    // Listing, and removing by id.
    stack.fake.clear_calls();
    command(&stack, ALICE_ID, "/allow", None).await;
    assert_eq!(
        answer(&stack),
        "May write without subscribing:\n• <a href=\"tg://user?id=222222\">222222</a>"
    );
    command(&stack, ALICE_ID, "/allow remove 222222", None).await;
    assert_eq!(
        answer(&stack),
        "<a href=\"tg://user?id=222222\">222222</a> is off the allow-list: the channel check \
         applies to them again."
    );
    assert!(allow_list(&stack).await.is_empty());
}

/// The allow-list is saved, then the lift fails for good (every retry): Telegram redelivers
/// the update, which finds Boris listed already and finishes the lift, so an allowed member is
/// never left muted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lift_that_fails_after_the_save_is_finished_by_the_redelivery() {
    let stack = protected_lounge().await;
    let update = command_update(&stack, ALICE_ID, "/allow 222222", None);
    stack.fake.inject(Fault::new(
        "restrictChatMember",
        FaultKind::ServerError { status: 502 },
        4,
    ));

    let first = stack.deliver(&update).await;

    assert_eq!(first.status, 500, "Telegram must redeliver");
    assert_eq!(
        allow_list(&stack).await,
        [BORIS_ID],
        "saved before the lift"
    );
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 0, "no answer yet");

    let again = stack.deliver(&update).await;

    assert_eq!(again.status, 200);
    let lifts: Vec<u16> = stack
        .fake
        .calls_to("restrictChatMember")
        .iter()
        .map(|c| c.http_status)
        .collect();
    assert_eq!(lifts, [502, 502, 502, 502, 200]);
    let lift = stack
        .fake
        .calls_to("restrictChatMember")
        .pop()
        .expect("lifted");
    assert_eq!(lift.param("user_id"), Some(&json!(BORIS_ID)));
    assert!(store(&stack)
        .restrictions(LOUNGE_ID)
        .await
        .expect("restrictions")
        .is_empty());
    assert_eq!(allow_list(&stack).await, [BORIS_ID]);
    assert_eq!(
        answer(&stack),
        "<a href=\"tg://user?id=222222\">222222</a> is already on the allow-list. \
         I lifted the restriction I had imposed."
    );
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 1, "one answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_member_cannot_allow_anyone() {
    let stack = protected_lounge().await;

    let d = command(&stack, BORIS_ID, "/allow 222222", None).await;

    assert_eq!(d.status, 200);
    assert_eq!(methods(&stack), ["getChatMember", "sendMessage"]);
    assert_eq!(
        answer(&stack),
        "Only the group's owner and administrators who can ban users may do this."
    );
    assert!(allow_list(&stack).await.is_empty());
    assert_eq!(
        store(&stack)
            .restrictions(LOUNGE_ID)
            .await
            .expect("restrictions")
            .len(),
        1,
        "the mute stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usernames_cannot_be_looked_up_so_the_usage_says_how() {
    let stack = protected_lounge().await;

    command(&stack, ALICE_ID, "/allow @boris", None).await;

    assert!(
        answer(&stack).starts_with("Reply to someone's message with <code>/allow</code>"),
        "{}",
        answer(&stack)
    );
    assert!(allow_list(&stack).await.is_empty());
}
