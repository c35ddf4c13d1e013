//! The channel guard's hot path end to end: group messages through the webhook to the
//! `guard-message` function, with DynamoDB Local and the fake Bot API. Each test asserts the
//! exact Bot API calls, the stored items and the DynamoDB requests.

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::prelude::*;
use fake_bot_api::{
    ChatPermissions, Fault, MemberStatus, User, ALICE_ID, BORIS_ID, LOUNGE_ID, NEWS_ID,
    NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::stack::Stack;
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;

/// The Lounge protected by @lambdagram_news; Carol is a member of both, Boris only of the Lounge.
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
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }]);
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
    stack
}

/// `user_id` writes in the Lounge; the update is delivered to the webhook.
async fn says(stack: &Stack, user_id: i64, text: &str) -> (u16, i64) {
    let update = stack
        .fake
        .user_says(LOUNGE_ID, user_id, text)
        .expect("a known user in a known chat");
    let message_id = update["message"]["message_id"].as_i64().expect("id");
    let d = stack.deliver(&update).await;
    (d.status, message_id)
}

fn methods(stack: &Stack) -> Vec<String> {
    stack.fake.calls().into_iter().map(|c| c.method).collect()
}

fn item<'a>(items: &'a [Value], pk: &str, sk: &str) -> Option<&'a Value> {
    items.iter().find(|i| i["pk"] == pk && i["sk"] == sk)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_subscriber_is_deleted_muted_and_warned_once() {
    let stack = protected_lounge().await;

    let (status, message_id) = says(&stack, BORIS_ID, "привет всем").await;

    assert_eq!(status, 200);
    assert_eq!(
        methods(&stack),
        [
            "getChatAdministrators",
            "getChatMember",
            "deleteMessage",
            "getChatMember",
            "restrictChatMember",
            "sendMessage"
        ]
    );
    let checks = stack.fake.calls_to("getChatMember");
    let asked = |i: usize| (checks[i].param("chat_id"), checks[i].param("user_id"));
    assert_eq!(
        asked(0),
        (Some(&json!(NEWS_ID)), Some(&json!(BORIS_ID))),
        "subscribed to the channel?"
    );
    assert_eq!(
        asked(1),
        (Some(&json!(LOUNGE_ID)), Some(&json!(BORIS_ID))),
        "already restricted by an admin in the group?"
    );
    let delete = &stack.fake.calls_to("deleteMessage")[0];
    assert_eq!(delete.param("message_id"), Some(&json!(message_id)));
    let restrict = &stack.fake.calls_to("restrictChatMember")[0];
    assert_eq!(restrict.param("user_id"), Some(&json!(BORIS_ID)));
    // Every permission withheld (Telegram reads an omitted permission as false).
    assert_eq!(
        restrict.param("permissions"),
        Some(&json!({"can_manage_topics": false}))
    );
    assert!(
        restrict.param("until_date").is_none(),
        "muted until verified"
    );
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted { is_member: true, permissions, .. })
            if !permissions.can_send_messages
    ));
    let warning = &stack.fake.calls_to("sendMessage")[0];
    let keyboard = &warning.param("reply_markup").expect("buttons")["inline_keyboard"];
    assert_eq!(keyboard[0][0]["url"], "https://t.me/lambdagram_news");
    assert_eq!(
        keyboard[1][0]["callback_data"],
        format!("joined:{BORIS_ID}")
    );
    let text = warning.param("text").and_then(Value::as_str).expect("text");
    assert!(
        text.contains("@lambdagram_news") && text.contains("Boris"),
        "{text}"
    );
    let warning_id = warning.result().expect("sent")["message_id"].clone();

    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    assert!(
        item(&items, &group, &format!("MUTE#{BORIS_ID}")).is_some(),
        "the bot's own restriction is recorded"
    );
    assert_eq!(
        item(&items, &group, &format!("WARN#{BORIS_ID}")).expect("warning")["message_id"],
        warning_id
    );
    assert_eq!(
        item(&items, &format!("SUBS#{BORIS_ID}"), "SUBS").expect("cache")[format!("ch{NEWS_ID}")]
            ["subscribed"],
        false
    );

    // A second message: deleted silently, no second warning, no second restriction.
    stack.fake.clear_calls();
    let (status, second) = says(&stack, BORIS_ID, "ещё").await;
    assert_eq!(status, 200);
    assert_eq!(methods(&stack), ["deleteMessage"]);
    assert_eq!(
        stack.fake.calls_to("deleteMessage")[0].param("message_id"),
        Some(&json!(second))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_subscriber_costs_one_read_in_a_cold_sandbox_and_none_in_a_warm_one() {
    let stack = protected_lounge().await;
    stack.emulator.take_dynamodb_ops();

    says(&stack, CAROL_ID, "first: fills the caches").await;

    assert_eq!(methods(&stack), ["getChatAdministrators", "getChatMember"]);
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        // The group and Carol in one request; the admin list and her membership cached.
        ["BatchGetItem", "PutItem", "UpdateItem"]
    );
    stack.fake.clear_calls();

    let (status, _) = says(&stack, CAROL_ID, "second: all cached").await;

    assert_eq!(status, 200);
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        Vec::<String>::new(),
        "the sandbox let her pass a moment ago"
    );
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restricted_member_of_the_channel_counts_as_subscribed() {
    let stack = protected_lounge().await;
    stack.fake.world().set_member(
        NEWS_ID,
        CAROL_ID,
        MemberStatus::restricted(ChatPermissions::none()),
    );

    let (status, _) = says(&stack, CAROL_ID, "I am restricted in the channel").await;

    assert_eq!(status, 200);
    assert_eq!(methods(&stack), ["getChatAdministrators", "getChatMember"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_anonymous_admins_and_channel_posts_are_never_touched() {
    let stack = protected_lounge().await;
    // Alice (the owner) left the channel: still never touched.
    stack
        .fake
        .world()
        .set_member(NEWS_ID, ALICE_ID, MemberStatus::Left);
    let (status, _) = says(&stack, ALICE_ID, "owner speaking").await;
    assert_eq!(status, 200);
    assert_eq!(methods(&stack), ["getChatAdministrators"]);
    stack.fake.clear_calls();

    let lounge = json!({"id": LOUNGE_ID, "type": "supergroup", "title": "Lambdagram Lounge"});
    let news = json!({"id": NEWS_ID, "type": "channel", "title": "Lambdagram News", "username": NEWS_USERNAME});
    let group_anonymous_bot = json!({"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"});
    let channel_bot = json!({"id": 136817688, "is_bot": true, "first_name": "Channel", "username": "Channel_Bot"});
    let anonymous_admin = json!({"update_id": 9001, "message": {
        "message_id": 9001, "date": 1790000000, "chat": lounge, "from": group_anonymous_bot,
        "sender_chat": lounge, "text": "anonymous admin here"}});
    let automatic_forward = json!({"update_id": 9002, "message": {
        "message_id": 9002, "date": 1790000000, "chat": lounge, "from": channel_bot,
        "sender_chat": news, "is_automatic_forward": true, "text": "a channel post"}});
    for update in [anonymous_admin, automatic_forward] {
        let d = stack.deliver(&update).await;
        assert_eq!(d.status, 200);
    }
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_restrict_is_retried_after_retry_after() {
    let stack = protected_lounge().await;
    stack
        .fake
        .inject(Fault::rate_limit("restrictChatMember", 1));
    let started = std::time::Instant::now();

    let (status, _) = says(&stack, BORIS_ID, "hello").await;

    assert_eq!(status, 200);
    let statuses: Vec<u16> = stack
        .fake
        .calls_to("restrictChatMember")
        .iter()
        .map(|c| c.http_status)
        .collect();
    assert_eq!(statuses, [429, 200]);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unprotected_group_costs_one_read() {
    let stack = Stack::start().await;
    stack.emulator.take_dynamodb_ops();

    let (status, _) = says(&stack, BORIS_ID, "nobody guards this group").await;

    assert_eq!(status, 200);
    assert_eq!(stack.emulator.take_dynamodb_ops(), ["BatchGetItem"]);
    assert!(stack.fake.calls().is_empty());
}

/// `user_id` sends the command `text` in the Lounge (with its `bot_command` entity).
async fn commands(stack: &Stack, user_id: i64, text: &str) -> lambdagram_e2e::stack::Delivery {
    let mut message = stack
        .fake
        .world()
        .add_message(LOUNGE_ID, user_id, text)
        .expect("a known user in the Lounge");
    let word = text.split_whitespace().next().unwrap_or("");
    message["entities"] =
        json!([{"type": "bot_command", "offset": 0, "length": word.encode_utf16().count()}]);
    let update = stack.fake.push_update(json!({ "message": message }));
    stack.deliver(&update).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_subscriber_cannot_make_the_bot_answer_in_a_protected_group() {
    let stack = protected_lounge().await;

    let d = commands(&stack, BORIS_ID, "/help@LambdagramBot spam spam").await;

    assert_eq!(d.status, 200);
    assert!(d.reply.is_none(), "no help for a non-subscriber: {d:?}");
    assert_eq!(
        methods(&stack),
        [
            "getChatAdministrators",
            "getChatMember",
            "deleteMessage",
            "getChatMember",
            "restrictChatMember",
            "sendMessage"
        ]
    );
    let warning = &stack.fake.calls_to("sendMessage")[0];
    assert!(
        warning
            .param("text")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains("join @lambdagram_news")),
        "the guard's warning, not the help"
    );

    // /start in the group: no welcome either (the warning is live, so the message just goes).
    stack.fake.clear_calls();
    let d = commands(&stack, BORIS_ID, "/start@LambdagramBot").await;
    assert_eq!(d.status, 200);
    assert_eq!(methods(&stack), ["deleteMessage"]);
    assert!(
        !stack
            .items()
            .await
            .iter()
            .any(|i| i["pk"] == format!("USER#{BORIS_ID}")),
        "not registered either"
    );

    // A subscriber gets the help.
    stack.fake.clear_calls();
    let d = commands(&stack, CAROL_ID, "/help@LambdagramBot").await;
    assert_eq!(d.status, 200);
    assert_eq!(
        d.reply.as_ref().map(|r| r["method"].clone()),
        Some(json!("sendMessage"))
    );
    assert_eq!(methods(&stack), ["getChatMember", "sendMessage"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_is_checked_like_a_new_message() {
    let stack = protected_lounge().await;
    let edit = |user_id: i64, text: &str| {
        let mut message = stack
            .fake
            .world()
            .add_message(LOUNGE_ID, user_id, "innocent")
            .expect("a known user");
        message["text"] = json!(text);
        message["edit_date"] = message["date"].clone();
        stack.fake.push_update(json!({ "edited_message": message }))
    };

    // A subscriber's edit: the caches fill, nothing is touched.
    let d = stack.deliver(&edit(CAROL_ID, "edited")).await;
    assert_eq!(d.status, 200);
    assert_eq!(methods(&stack), ["getChatAdministrators", "getChatMember"]);

    // A non-subscriber's edit: deleted, muted, warned.
    stack.fake.clear_calls();
    let update = edit(BORIS_ID, "now with a spam link");
    let message_id = update["edited_message"]["message_id"].clone();
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(
        methods(&stack),
        [
            "getChatMember",
            "deleteMessage",
            "getChatMember",
            "restrictChatMember",
            "sendMessage"
        ]
    );
    assert_eq!(
        stack.fake.calls_to("deleteMessage")[0].param("message_id"),
        Some(&message_id)
    );
}

/// The restriction applies but its answer is lost (every retry's too): the update fails and
/// Telegram redelivers it. The bot's intent was recorded before the call, so the mute is on
/// record as the bot's whatever failed after it; the redelivery imposes the same restriction
/// again (no admin check: what Telegram shows may be the bot's own), confirms the record and
/// warns once; and "I have joined" lifts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restriction_whose_answer_was_lost_is_the_bots_and_can_be_lifted() {
    let stack = protected_lounge().await;
    stack
        .fake
        .inject(Fault::answer_lost("restrictChatMember", 502).times(4));
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "hello")
        .expect("a known user in a known chat");

    let first = stack.deliver(&update).await;

    assert_eq!(
        first.status, 500,
        "a transient failure: Telegram redelivers"
    );
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted { permissions, .. }) if !permissions.can_send_messages
    ));
    assert!(
        stack.fake.calls_to("sendMessage").is_empty(),
        "no warning yet"
    );
    let group = format!("GROUP#{LOUNGE_ID}");
    let items = stack.items().await;
    let intent = item(&items, &group, &format!("MUTE#{BORIS_ID}")).expect("the intent");
    assert_eq!(intent["pending"], true, "{intent}");
    assert_eq!(intent["user_id"], BORIS_ID);

    // Telegram redelivers the update.
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    let again = stack.deliver(&update).await;

    assert_eq!(again.status, 200);
    assert_eq!(
        methods(&stack),
        ["deleteMessage", "restrictChatMember", "sendMessage"],
        "cached answers; the same restriction again, without taking it for an admin's; one warning"
    );
    let items = stack.items().await;
    let record = item(&items, &group, &format!("MUTE#{BORIS_ID}")).expect("confirmed");
    assert!(record.get("pending").is_none(), "{record}");
    let warning = stack.fake.calls_to("sendMessage")[0]
        .result()
        .expect("sent")["message_id"]
        .as_i64()
        .expect("id");

    // Boris joins the channel and presses "I have joined": the bot lifts its own restriction.
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BORIS_ID, MemberStatus::member());
    stack.fake.clear_calls();
    let press = stack
        .fake
        .press_button(LOUNGE_ID, warning, BORIS_ID, &format!("joined:{BORIS_ID}"))
        .expect("a known message and user");
    assert_eq!(stack.deliver(&press).await.status, 200);
    assert!(
        methods(&stack).contains(&"restrictChatMember".to_owned()),
        "lifted: {:?}",
        methods(&stack)
    );
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted { permissions, .. }) if permissions.can_send_messages
    ));
    let items = stack.items().await;
    assert!(item(&items, &group, &format!("MUTE#{BORIS_ID}")).is_none());
}

/// `user_id` writes in the Lounge on behalf of the chat `sender_chat` (their own channel, the
/// group itself, a linked channel), optionally as an automatic forward.
async fn says_as(stack: &Stack, user_id: i64, sender_chat: Value, automatic: bool) -> u16 {
    let mut update = stack
        .fake
        .user_says(LOUNGE_ID, user_id, "buy my course")
        .expect("a known user in a known chat");
    update["message"]["sender_chat"] = sender_chat;
    if automatic {
        update["message"]["is_automatic_forward"] = json!(true);
    }
    stack.deliver(&update).await.status
}

const BORIS_BLOG: i64 = -1_005_555_555_555;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_posting_as_their_own_channel_is_deleted_and_with_kick_the_channel_banned() {
    let stack = protected_lounge().await;
    stack.fake.clear_calls();
    let blog = json!({"id": BORIS_BLOG, "type": "channel", "title": "Boris's blog"});

    // Muting is for members: the channel's post is deleted, and nothing lasting is done.
    assert_eq!(says_as(&stack, BORIS_ID, blog.clone(), false).await, 200);
    assert_eq!(methods(&stack), ["deleteMessage"]);
    assert!(!stack.fake.world().sender_chat_banned(LOUNGE_ID, BORIS_BLOG));

    // With "kick", the channel is banned from posting in the group.
    let store = DynamoStore::new(stack.dynamo.clone(), stack.table.clone());
    let mut config = store
        .group_state(LOUNGE_ID, 0)
        .await
        .expect("read")
        .config
        .expect("protected");
    config.settings.action = channel_guard::config::Action::Kick;
    store.save_group(&mut config, &[]).await.expect("kick");
    stack.fake.clear_calls();
    assert_eq!(says_as(&stack, BORIS_ID, blog, false).await, 200);
    assert_eq!(methods(&stack), ["deleteMessage", "banChatSenderChat"]);
    let ban = &stack.fake.calls_to("banChatSenderChat")[0];
    assert_eq!(ban.param("chat_id"), Some(&json!(LOUNGE_ID)));
    assert_eq!(ban.param("sender_chat_id"), Some(&json!(BORIS_BLOG)));
    assert!(stack.fake.world().sender_chat_banned(LOUNGE_ID, BORIS_BLOG));
    assert_eq!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::member()),
        "Boris himself is untouched: the channel is what posted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_as_the_group_a_linked_channel_or_an_automatic_forward_pass() {
    let stack = protected_lounge().await;
    stack.fake.clear_calls();
    let lounge = json!({"id": LOUNGE_ID, "type": "supergroup", "title": "Lambdagram Lounge"});
    let news = json!({"id": NEWS_ID, "type": "channel", "title": "Lambdagram News"});
    let other = json!({"id": BORIS_BLOG, "type": "channel", "title": "Boris's blog"});

    assert_eq!(says_as(&stack, ALICE_ID, lounge, false).await, 200);
    assert_eq!(says_as(&stack, ALICE_ID, news, false).await, 200);
    assert_eq!(says_as(&stack, BORIS_ID, other, true).await, 200);

    assert!(methods(&stack).is_empty(), "{:?}", methods(&stack));
    assert!(!stack.fake.world().sender_chat_banned(LOUNGE_ID, BORIS_BLOG));
}

/// Telegram refuses the restriction for good (the member became an administrator since the
/// admin list was cached): the update is acknowledged as a dead letter, and the intent this
/// attempt wrote is withdrawn, so no record would later let the bot "lift" an admin's state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_restriction_leaves_no_record_of_the_bots() {
    let stack = protected_lounge().await;
    stack.fake.inject(Fault::refused(
        "restrictChatMember",
        400,
        "Bad Request: user is an administrator of the chat",
    ));

    let (status, _) = says(&stack, BORIS_ID, "hello").await;

    assert_eq!(status, 200, "a permanent refusal is acknowledged");
    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    assert!(
        item(&items, &group, &format!("MUTE#{BORIS_ID}")).is_none(),
        "{items:#?}"
    );
    assert!(
        items
            .iter()
            .any(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DEAD#"))),
        "kept as a dead letter"
    );
    assert!(stack.fake.calls_to("sendMessage").is_empty(), "no warning");
}

/// The warning reaches the group and its answer is lost (a 502 after Telegram's back end
/// acted). `sendMessage` is not idempotent, so it is never sent again: the update completes
/// with the delete and the restriction done, one warning in the group, and the warning's claim
/// standing so the member's next message adds none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warning_whose_answer_was_lost_is_never_posted_twice() {
    let stack = protected_lounge().await;
    stack.fake.inject(Fault::answer_lost("sendMessage", 502));
    let bot_messages = |stack: &Stack| {
        stack
            .fake
            .world()
            .messages(LOUNGE_ID)
            .into_iter()
            .filter(|m| m["from"]["is_bot"] == true)
            .count()
    };

    let (status, message_id) = says(&stack, BORIS_ID, "hello").await;

    assert_eq!(status, 200, "done with what could be done: no redelivery");
    assert_eq!(
        methods(&stack),
        [
            "getChatAdministrators",
            "getChatMember",
            "deleteMessage",
            "getChatMember",
            "restrictChatMember",
            "sendMessage"
        ],
        "one attempt at the warning"
    );
    assert_eq!(bot_messages(&stack), 1, "the warning is in the group once");
    assert!(stack.fake.world().message(LOUNGE_ID, message_id).is_none());

    // Boris writes again (say he was unmuted by hand meanwhile): deleted, no second warning.
    stack
        .fake
        .world()
        .set_member(LOUNGE_ID, BORIS_ID, MemberStatus::member());
    stack.fake.clear_calls();
    let (status, _) = says(&stack, BORIS_ID, "hello?").await;
    assert_eq!(status, 200);
    assert!(
        stack.fake.calls_to("sendMessage").is_empty(),
        "{:?}",
        methods(&stack)
    );
    assert_eq!(bot_messages(&stack), 1);
}
