//! The channel guard's membership paths end to end: `chat_member` updates (route
//! `member-change`) and the `new_chat_members` service message (route `new-members`), through
//! the webhook to their functions, with DynamoDB Local and the fake Bot API. Each test asserts
//! the exact Bot API calls, the stored items and the DynamoDB requests.
//!
//! The fake's default world: Alice (creator) and Boris (member) in the Lounge, where the bot is
//! an administrator who can restrict members and delete messages; the bot administers
//! @lambdagram_news, of which Alice is a member.

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::prelude::*;
use fake_bot_api::{
    AdminRights, Chat, ChatPermissions, MemberStatus, User, ALICE_ID, BORIS_ID, BOT_ID, LOUNGE_ID,
    NEWS_ID, NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::stack::Stack;
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;
const DAVE_ID: i64 = 444_444;
/// A second supergroup, "Lambdagram Cafe", also protected by @lambdagram_news.
const CAFE_ID: i64 = -1_001_222_333_444;

fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
}

fn now() -> i64 {
    lambdagram::time::now()
}

fn news() -> LinkedChannel {
    LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }
}

fn protection(group_id: i64) -> GroupConfig {
    let mut config = GroupConfig::new(group_id);
    config.enabled = true;
    config.link([news()]);
    config
}

async fn protect(stack: &Stack, config: &GroupConfig) {
    store(stack)
        .save_group(&mut config.clone(), &[])
        .await
        .expect("protect the group");
}

/// The Lounge protected by @lambdagram_news; Carol and Dave are known to Telegram but in
/// neither chat.
async fn protected_lounge() -> Stack {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.add_user(User::new(CAROL_ID, "Carol").with_language("en"));
    world.add_user(User::new(DAVE_ID, "Dave").with_language("en"));
    protect(&stack, &protection(LOUNGE_ID)).await;
    stack.emulator.take_dynamodb_ops();
    stack
}

/// The Cafe, a second supergroup where the bot moderates, protected by @lambdagram_news too.
async fn protect_cafe(stack: &Stack) {
    let world = stack.fake.world();
    world.add_chat(Chat::supergroup(CAFE_ID, "Lambdagram Cafe"));
    world.set_member(CAFE_ID, ALICE_ID, MemberStatus::creator());
    world.set_member(
        CAFE_ID,
        BOT_ID,
        MemberStatus::admin(AdminRights::moderator()),
    );
    protect(stack, &protection(CAFE_ID)).await;
    stack.emulator.take_dynamodb_ops();
}

/// `user_id`'s status in `chat_id` becomes `new`; the `chat_member` update is delivered.
async fn change(stack: &Stack, chat_id: i64, user_id: i64, new: MemberStatus) -> u16 {
    let update = stack
        .fake
        .chat_member_update(chat_id, user_id, new)
        .expect("a known user in a known chat");
    stack.deliver(&update).await.status
}

fn methods(stack: &Stack) -> Vec<String> {
    stack.fake.calls().into_iter().map(|c| c.method).collect()
}

/// (method, chat_id) of every call, in order.
fn calls_by_chat(stack: &Stack) -> Vec<(String, i64)> {
    stack
        .fake
        .calls()
        .into_iter()
        .map(|c| {
            let chat = c.param("chat_id").and_then(Value::as_i64).unwrap_or(0);
            (c.method, chat)
        })
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn item<'a>(items: &'a [Value], pk: &str, sk: &str) -> Option<&'a Value> {
    items.iter().find(|i| i["pk"] == pk && i["sk"] == sk)
}

fn count(items: &[Value], pk: &str, sk_prefix: &str) -> usize {
    items
        .iter()
        .filter(|i| i["pk"] == pk && i["sk"].as_str().is_some_and(|s| s.starts_with(sk_prefix)))
        .count()
}

fn is_muted(stack: &Stack, chat_id: i64, user_id: i64) -> bool {
    matches!(
        stack.fake.world().member(chat_id, user_id),
        Some(MemberStatus::Restricted { is_member: true, permissions, .. })
            if !permissions.can_send_messages
    )
}

async fn cached_admins(stack: &Stack, group_id: i64) -> Option<Vec<i64>> {
    let items = stack.items().await;
    let admins = item(&items, &format!("GROUP#{group_id}"), "ADMINS")?;
    let mut ids: Vec<i64> = admins["admins"]
        .as_array()?
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    ids.sort_unstable();
    Some(ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_subscriber_joining_is_restricted_and_warned_at_once() {
    let stack = protected_lounge().await;

    let status = change(&stack, LOUNGE_ID, CAROL_ID, MemberStatus::member()).await;

    assert_eq!(status, 200);
    assert_eq!(
        methods(&stack),
        ["getChatMember", "restrictChatMember", "sendMessage"]
    );
    let check = &stack.fake.calls_to("getChatMember")[0];
    assert_eq!(
        (check.param("chat_id"), check.param("user_id")),
        (Some(&json!(NEWS_ID)), Some(&json!(CAROL_ID)))
    );
    let restrict = &stack.fake.calls_to("restrictChatMember")[0];
    assert_eq!(
        (restrict.param("chat_id"), restrict.param("user_id")),
        (Some(&json!(LOUNGE_ID)), Some(&json!(CAROL_ID)))
    );
    assert!(is_muted(&stack, LOUNGE_ID, CAROL_ID));
    let warning = &stack.fake.calls_to("sendMessage")[0];
    assert_eq!(warning.param("chat_id"), Some(&json!(LOUNGE_ID)));
    let text = warning.param("text").and_then(Value::as_str).expect("text");
    assert!(
        text.contains("Carol") && text.contains("@lambdagram_news"),
        "{text}"
    );
    let keyboard = &warning.param("reply_markup").expect("buttons")["inline_keyboard"];
    assert_eq!(keyboard[0][0]["url"], "https://t.me/lambdagram_news");
    assert_eq!(
        keyboard[1][0]["callback_data"],
        format!("joined:{CAROL_ID}")
    );
    let warning_id = warning.result().expect("sent")["message_id"].clone();

    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    assert!(item(&items, &group, &format!("MUTE#{CAROL_ID}")).is_some());
    assert_eq!(
        item(&items, &group, &format!("WARN#{CAROL_ID}")).expect("warning")["message_id"],
        warning_id
    );
    assert_eq!(
        item(&items, &format!("SUBS#{CAROL_ID}"), "SUBS").expect("cache")[format!("ch{NEWS_ID}")]
            ["subscribed"],
        false
    );
    // Ledger claim; the group; the member; the cache fill, the restriction record (its intent,
    // then its result), the warning's claim and its message id with its deletion queue entry;
    // ledger done.
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&[
            "PutItem",
            "BatchGetItem",
            "BatchGetItem",
            "UpdateItem",
            "PutItem",
            "PutItem",
            "PutItem",
            // The warning's slots in the Lounge's and the bot's flood windows.
            "UpdateItem",
            "UpdateItem",
            "TransactWriteItems",
            "UpdateItem"
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_joining_costs_the_cached_check_only() {
    let stack = protected_lounge().await;
    stack
        .fake
        .world()
        .set_member(NEWS_ID, CAROL_ID, MemberStatus::member());
    store(&stack)
        .cache_subscription(NEWS_ID, CAROL_ID, true, now() + 600)
        .await
        .expect("cache");
    stack.emulator.take_dynamodb_ops();

    let status = change(&stack, LOUNGE_ID, CAROL_ID, MemberStatus::member()).await;

    assert_eq!(status, 200);
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "BatchGetItem", "BatchGetItem", "UpdateItem"])
    );
    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    assert_eq!(count(&items, &group, "MUTE#"), 0);
    assert_eq!(count(&items, &group, "WARN#"), 0);

    // Not cached: one live check, cached for the next time; still no restriction.
    stack
        .fake
        .world()
        .set_member(NEWS_ID, DAVE_ID, MemberStatus::member());
    change(&stack, LOUNGE_ID, DAVE_ID, MemberStatus::member()).await;
    assert_eq!(methods(&stack), ["getChatMember"]);
    let items = stack.items().await;
    assert_eq!(
        item(&items, &format!("SUBS#{DAVE_ID}"), "SUBS").expect("cache")[format!("ch{NEWS_ID}")]
            ["subscribed"],
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joiner_seen_on_both_paths_is_warned_and_restricted_once() {
    let stack = protected_lounge().await;

    // Carol: chat_member first, then the service message.
    change(&stack, LOUNGE_ID, CAROL_ID, MemberStatus::member()).await;
    assert_eq!(
        methods(&stack),
        ["getChatMember", "restrictChatMember", "sendMessage"]
    );
    stack.fake.clear_calls();
    let service = stack
        .fake
        .new_chat_members(LOUNGE_ID, &[CAROL_ID])
        .expect("service message");
    assert_eq!(stack.deliver(&service).await.status, 200);
    // Only the admin list (the service message does not say who is an admin); the cached
    // answer, the restriction record and the live warning make the rest a no-op.
    assert_eq!(methods(&stack), ["getChatAdministrators"]);
    stack.fake.clear_calls();

    // Dave: the service message first, then chat_member (built before either is delivered).
    let joined = stack
        .fake
        .chat_member_update(LOUNGE_ID, DAVE_ID, MemberStatus::member())
        .expect("join");
    let service = stack
        .fake
        .new_chat_members(LOUNGE_ID, &[DAVE_ID])
        .expect("service message");
    assert_eq!(stack.deliver(&service).await.status, 200);
    // The service message does not say Dave's status in the Lounge (an admin's restriction
    // survives leaving and rejoining): it is asked before muting him.
    assert_eq!(
        calls_by_chat(&stack),
        [
            ("getChatMember".to_owned(), NEWS_ID),
            ("getChatMember".to_owned(), LOUNGE_ID),
            ("restrictChatMember".to_owned(), LOUNGE_ID),
            ("sendMessage".to_owned(), LOUNGE_ID),
        ]
    );
    assert_eq!(
        stack.fake.calls_to("restrictChatMember")[0].param("user_id"),
        Some(&json!(DAVE_ID))
    );
    stack.fake.clear_calls();
    assert_eq!(stack.deliver(&joined).await.status, 200);
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));

    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    assert_eq!(count(&items, &group, "MUTE#"), 2, "one record each");
    assert_eq!(count(&items, &group, "WARN#"), 2, "one warning each");
    assert!(is_muted(&stack, LOUNGE_ID, CAROL_ID) && is_muted(&stack, LOUNGE_ID, DAVE_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_check_on_join_off_a_join_does_nothing() {
    let stack = Stack::start().await;
    stack
        .fake
        .world()
        .add_user(User::new(CAROL_ID, "Carol").with_language("en"));
    let mut config = protection(LOUNGE_ID);
    config.settings.check_on_join = false;
    protect(&stack, &config).await;
    stack.emulator.take_dynamodb_ops();

    assert_eq!(
        change(&stack, LOUNGE_ID, CAROL_ID, MemberStatus::member()).await,
        200
    );
    let service = stack
        .fake
        .new_chat_members(LOUNGE_ID, &[CAROL_ID])
        .expect("service message");
    assert_eq!(stack.deliver(&service).await.status, 200);

    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    // chat_member: ledger claim, the group, ledger done; the service message: the group.
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "BatchGetItem", "UpdateItem", "BatchGetItem"])
    );
    assert_eq!(
        count(&stack.items().await, &format!("GROUP#{LOUNGE_ID}"), "MUTE#"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_and_the_allow_list_are_never_checked_on_join() {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.add_user(User::new(CAROL_ID, "Carol"));
    world.add_user(User::bot(DAVE_ID, "Helper", "HelperBot"));
    let mut config = protection(LOUNGE_ID);
    config.allow_list.push(CAROL_ID);
    protect(&stack, &config).await;

    change(&stack, LOUNGE_ID, CAROL_ID, MemberStatus::member()).await;
    change(&stack, LOUNGE_ID, DAVE_ID, MemberStatus::member()).await;
    let service = stack
        .fake
        .new_chat_members(LOUNGE_ID, &[CAROL_ID, DAVE_ID])
        .expect("service message");
    stack.deliver(&service).await;

    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert_eq!(
        count(&stack.items().await, &format!("GROUP#{LOUNGE_ID}"), "MUTE#"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_the_channel_restricts_in_every_linked_group() {
    let stack = protected_lounge().await;
    protect_cafe(&stack).await;
    let world = stack.fake.world();
    world.set_member(NEWS_ID, BORIS_ID, MemberStatus::member());
    world.set_member(CAFE_ID, BORIS_ID, MemberStatus::member());
    store(&stack)
        .cache_subscription(NEWS_ID, BORIS_ID, true, now() + 600)
        .await
        .expect("cache");
    stack.emulator.take_dynamodb_ops();

    let status = change(&stack, NEWS_ID, BORIS_ID, MemberStatus::Left).await;

    assert_eq!(status, 200);
    // Groups in the index's order (the Cafe's id sorts first).
    assert_eq!(
        calls_by_chat(&stack),
        [
            ("getChatMember".to_owned(), CAFE_ID),
            ("restrictChatMember".to_owned(), CAFE_ID),
            ("sendMessage".to_owned(), CAFE_ID),
            ("getChatMember".to_owned(), LOUNGE_ID),
            ("restrictChatMember".to_owned(), LOUNGE_ID),
            ("sendMessage".to_owned(), LOUNGE_ID),
        ]
    );
    for call in stack.fake.calls_to("getChatMember") {
        assert_eq!(call.param("user_id"), Some(&json!(BORIS_ID)));
    }
    for warning in stack.fake.calls_to("sendMessage") {
        let text = warning.param("text").and_then(Value::as_str).expect("text");
        assert!(
            text.contains("Boris") && text.contains("@lambdagram_news"),
            "{text}"
        );
    }
    assert!(is_muted(&stack, LOUNGE_ID, BORIS_ID) && is_muted(&stack, CAFE_ID, BORIS_ID));

    let items = stack.items().await;
    let sub =
        &item(&items, &format!("SUBS#{BORIS_ID}"), "SUBS").expect("cache")[format!("ch{NEWS_ID}")];
    assert_eq!(sub["subscribed"], false, "the positive answer is gone");
    assert!(sub["expires_at"].as_i64().expect("expiry") <= now() + 70);
    for group in [CAFE_ID, LOUNGE_ID] {
        let pk = format!("GROUP#{group}");
        assert!(
            item(&items, &pk, &format!("MUTE#{BORIS_ID}")).is_some(),
            "{pk}"
        );
        assert!(
            item(&items, &pk, &format!("WARN#{BORIS_ID}")).is_some(),
            "{pk}"
        );
    }
    let ops = stack.emulator.take_dynamodb_ops();
    assert_eq!(ops[..3], strings(&["PutItem", "Query", "UpdateItem"]));
    assert_eq!(ops.iter().filter(|o| *o == "Scan").count(), 0);

    // Banned after leaving (left → kicked): no change of presence, nothing to do.
    stack.fake.clear_calls();
    change(&stack, NEWS_ID, BORIS_ID, MemberStatus::kicked()).await;
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaver_is_restricted_only_where_they_are_an_ordinary_member() {
    let stack = protected_lounge().await;
    protect_cafe(&stack).await;
    // Boris is in the Lounge, not in the Cafe.
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BORIS_ID, MemberStatus::member());

    change(&stack, NEWS_ID, BORIS_ID, MemberStatus::Left).await;

    assert_eq!(
        calls_by_chat(&stack),
        [
            ("getChatMember".to_owned(), CAFE_ID),
            ("getChatMember".to_owned(), LOUNGE_ID),
            ("restrictChatMember".to_owned(), LOUNGE_ID),
            ("sendMessage".to_owned(), LOUNGE_ID),
        ]
    );
    let items = stack.items().await;
    assert!(item(
        &items,
        &format!("GROUP#{CAFE_ID}"),
        &format!("MUTE#{BORIS_ID}")
    )
    .is_none());
    assert!(item(
        &items,
        &format!("GROUP#{CAFE_ID}"),
        &format!("WARN#{BORIS_ID}")
    )
    .is_none());
    assert_eq!(
        stack.fake.world().member(CAFE_ID, BORIS_ID),
        None,
        "never touched in the Cafe"
    );
    stack.fake.clear_calls();

    // Alice, the owner of both groups, leaves the channel: the Lounge's admin cache answers
    // for the Lounge without a call; in the Cafe the live status says she is its owner.
    store(&stack)
        .cache_admins(LOUNGE_ID, &[ALICE_ID, BOT_ID], now() + 3600)
        .await
        .expect("admins");
    change(&stack, NEWS_ID, ALICE_ID, MemberStatus::Left).await;
    assert_eq!(
        calls_by_chat(&stack),
        [("getChatMember".to_owned(), CAFE_ID)]
    );
    let items = stack.items().await;
    for group in [CAFE_ID, LOUNGE_ID] {
        assert!(item(
            &items,
            &format!("GROUP#{group}"),
            &format!("MUTE#{ALICE_ID}")
        )
        .is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_a_linked_channel_caches_the_positive_answer() {
    let stack = protected_lounge().await;

    change(&stack, NEWS_ID, BORIS_ID, MemberStatus::member()).await;
    assert!(stack.fake.calls().is_empty());
    let items = stack.items().await;
    assert_eq!(
        item(&items, &format!("SUBS#{BORIS_ID}"), "SUBS").expect("cache")[format!("ch{NEWS_ID}")]
            ["subscribed"],
        true
    );

    // Boris's next message in the Lounge needs no membership check.
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "subscribed now")
        .expect("message");
    stack.deliver(&update).await;
    assert_eq!(methods(&stack), ["getChatAdministrators"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_changes_refresh_the_admin_cache() {
    let stack = protected_lounge().await;
    store(&stack)
        .cache_admins(LOUNGE_ID, &[ALICE_ID, BOT_ID], now() + 3600)
        .await
        .expect("admins");

    // Boris promoted.
    change(
        &stack,
        LOUNGE_ID,
        BORIS_ID,
        MemberStatus::admin(AdminRights::moderator()),
    )
    .await;
    assert_eq!(methods(&stack), ["getChatAdministrators"]);
    assert_eq!(
        cached_admins(&stack, LOUNGE_ID).await,
        Some(vec![ALICE_ID, BOT_ID, BORIS_ID])
    );
    stack.fake.clear_calls();

    // Boris demoted: no longer exempt, and not checked either (he did not join).
    change(&stack, LOUNGE_ID, BORIS_ID, MemberStatus::member()).await;
    assert_eq!(methods(&stack), ["getChatAdministrators"]);
    assert_eq!(
        cached_admins(&stack, LOUNGE_ID).await,
        Some(vec![ALICE_ID, BOT_ID])
    );
    stack.fake.clear_calls();

    // Carol joins as an administrator: the cache learns her, and she is not checked.
    change(
        &stack,
        LOUNGE_ID,
        CAROL_ID,
        MemberStatus::admin(AdminRights::moderator()),
    )
    .await;
    assert_eq!(methods(&stack), ["getChatAdministrators"]);
    assert_eq!(
        cached_admins(&stack, LOUNGE_ID).await,
        Some(vec![ALICE_ID, BOT_ID, CAROL_ID])
    );
    stack.fake.clear_calls();

    // Carol leaves: forgotten.
    change(&stack, LOUNGE_ID, CAROL_ID, MemberStatus::Left).await;
    assert_eq!(methods(&stack), ["getChatAdministrators"]);
    assert_eq!(
        cached_admins(&stack, LOUNGE_ID).await,
        Some(vec![ALICE_ID, BOT_ID])
    );
    let items = stack.items().await;
    let expires = item(&items, &format!("GROUP#{LOUNGE_ID}"), "ADMINS").expect("admins")
        ["expires_at"]
        .as_i64()
        .expect("expiry");
    assert!(expires > now() + 3500, "a fresh hour");
    stack.fake.clear_calls();

    // A change that is not an admin list change (nor a join) costs no read and no call.
    stack.emulator.take_dynamodb_ops();
    change(&stack, LOUNGE_ID, ALICE_ID, MemberStatus::creator()).await;
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "UpdateItem"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_admin_cache_a_promotion_costs_one_read() {
    let stack = protected_lounge().await;

    change(
        &stack,
        LOUNGE_ID,
        BORIS_ID,
        MemberStatus::admin(AdminRights::moderator()),
    )
    .await;

    // Nothing cached, nothing stale: the next message asks Telegram anyway.
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "BatchGetItem", "UpdateItem"])
    );
    assert_eq!(cached_admins(&stack, LOUNGE_ID).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_in_an_unrelated_chat_costs_at_most_one_read_and_no_call() {
    let stack = Stack::start().await;
    stack
        .fake
        .world()
        .add_user(User::new(CAROL_ID, "Carol").with_language("en"));
    stack.emulator.take_dynamodb_ops();

    // A join in the unprotected Lounge: the group's state, nothing else.
    assert_eq!(
        change(&stack, LOUNGE_ID, CAROL_ID, MemberStatus::member()).await,
        200
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "BatchGetItem", "UpdateItem"])
    );
    // A promotion there: the same one read.
    change(
        &stack,
        LOUNGE_ID,
        BORIS_ID,
        MemberStatus::admin(AdminRights::moderator()),
    )
    .await;
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "BatchGetItem", "UpdateItem"])
    );
    // A leave from a channel no group links: the index, nothing else.
    assert_eq!(
        change(&stack, NEWS_ID, ALICE_ID, MemberStatus::Left).await,
        200
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "Query", "UpdateItem"])
    );
    // The service message in the unprotected Lounge: one read, no ledger.
    let service = stack
        .fake
        .new_chat_members(LOUNGE_ID, &[CAROL_ID])
        .expect("service message");
    stack.deliver(&service).await;
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["BatchGetItem"])
    );
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert!(stack
        .items()
        .await
        .iter()
        .all(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("UPDATE#"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_while_restricting_a_leaver_is_retried_after_retry_after() {
    let stack = protected_lounge().await;
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BORIS_ID, MemberStatus::member());
    stack
        .fake
        .inject(fake_bot_api::Fault::rate_limit("restrictChatMember", 1));
    let started = std::time::Instant::now();

    let status = change(&stack, NEWS_ID, BORIS_ID, MemberStatus::Left).await;

    assert_eq!(status, 200);
    let statuses: Vec<u16> = stack
        .fake
        .calls_to("restrictChatMember")
        .iter()
        .map(|c| c.http_status)
        .collect();
    assert_eq!(statuses, [429, 200]);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert!(is_muted(&stack, LOUNGE_ID, BORIS_ID));
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Joining a linked channel verifies at once ("the bot verifies on join")
// ---------------------------------------------------------------------------------------------

/// A second linked channel, @lambdagram_dev, which the bot administers.
const DEV_ID: i64 = -1_001_111_111_111;
const DEV_USERNAME: &str = "lambdagram_dev";

/// The Lounge's own defaults: no polls, no link previews, no invitations.
fn lounge_permissions() -> ChatPermissions {
    ChatPermissions {
        can_send_polls: false,
        can_add_web_page_previews: false,
        can_invite_users: false,
        ..ChatPermissions::group_default()
    }
}

/// The Cafe's own defaults: text only.
fn cafe_permissions() -> ChatPermissions {
    ChatPermissions {
        can_send_messages: true,
        ..ChatPermissions::none()
    }
}

/// (chat_id, the permissions given, with none implied) of every `restrictChatMember`.
fn restrictions_given(stack: &Stack) -> Vec<(i64, ChatPermissions)> {
    stack
        .fake
        .calls_to("restrictChatMember")
        .iter()
        .map(|c| {
            assert_eq!(
                c.param("use_independent_chat_permissions"),
                Some(&json!(true)),
                "exactly these permissions, none implied"
            );
            let chat = c.param("chat_id").and_then(Value::as_i64).expect("chat_id");
            let permissions =
                serde_json::from_value(c.param("permissions").cloned().expect("permissions"))
                    .expect("a ChatPermissions object");
            (chat, permissions)
        })
        .collect()
}

/// (chat_id, message_id) of every `deleteMessage`.
fn deleted(stack: &Stack) -> Vec<(i64, i64)> {
    stack
        .fake
        .calls_to("deleteMessage")
        .iter()
        .map(|c| {
            let p = |name| c.param(name).and_then(Value::as_i64).expect(name);
            (p("chat_id"), p("message_id"))
        })
        .collect()
}

/// (chat_id, message_id) of every warning posted.
fn warnings_posted(stack: &Stack) -> Vec<(i64, i64)> {
    stack
        .fake
        .calls_to("sendMessage")
        .iter()
        .map(|c| {
            let chat = c.param("chat_id").and_then(Value::as_i64).expect("chat_id");
            let id = c.result().and_then(|r| r["message_id"].as_i64());
            (chat, id.expect("posted"))
        })
        .collect()
}

fn has_permissions(stack: &Stack, chat_id: i64, user_id: i64, expected: ChatPermissions) -> bool {
    matches!(
        stack.fake.world().member(chat_id, user_id),
        Some(MemberStatus::Restricted { is_member: true, permissions, .. }) if permissions == expected
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_the_channel_again_lifts_the_mute_in_every_linked_group() {
    let stack = protected_lounge().await;
    protect_cafe(&stack).await;
    let world = stack.fake.world();
    world.set_permissions(LOUNGE_ID, lounge_permissions());
    world.set_permissions(CAFE_ID, cafe_permissions());
    world.set_member(NEWS_ID, BORIS_ID, MemberStatus::member());
    world.set_member(CAFE_ID, BORIS_ID, MemberStatus::member());
    // Boris leaves the channel: muted and warned in both groups.
    change(&stack, NEWS_ID, BORIS_ID, MemberStatus::Left).await;
    assert!(is_muted(&stack, LOUNGE_ID, BORIS_ID) && is_muted(&stack, CAFE_ID, BORIS_ID));
    let warnings = warnings_posted(&stack);
    assert_eq!(
        warnings.iter().map(|(chat, _)| *chat).collect::<Vec<_>>(),
        [CAFE_ID, LOUNGE_ID]
    );
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();

    // He comes back: no button to press, the join itself verifies him.
    let status = change(&stack, NEWS_ID, BORIS_ID, MemberStatus::member()).await;

    assert_eq!(status, 200);
    assert_eq!(
        calls_by_chat(&stack),
        [
            ("getChat".to_owned(), CAFE_ID),
            ("restrictChatMember".to_owned(), CAFE_ID),
            ("deleteMessage".to_owned(), CAFE_ID),
            ("getChat".to_owned(), LOUNGE_ID),
            ("restrictChatMember".to_owned(), LOUNGE_ID),
            ("deleteMessage".to_owned(), LOUNGE_ID),
        ]
    );
    for call in stack.fake.calls_to("restrictChatMember") {
        assert_eq!(call.param("user_id"), Some(&json!(BORIS_ID)));
    }
    // Each group's own defaults, not all-true.
    assert_eq!(
        restrictions_given(&stack),
        [
            (CAFE_ID, cafe_permissions()),
            (LOUNGE_ID, lounge_permissions())
        ]
    );
    assert!(has_permissions(
        &stack,
        CAFE_ID,
        BORIS_ID,
        cafe_permissions()
    ));
    assert!(has_permissions(
        &stack,
        LOUNGE_ID,
        BORIS_ID,
        lounge_permissions()
    ));
    assert_eq!(deleted(&stack), warnings);
    for (chat, id) in &warnings {
        assert!(stack.fake.world().message(*chat, *id).is_none());
    }

    let items = stack.items().await;
    for group in [CAFE_ID, LOUNGE_ID] {
        let pk = format!("GROUP#{group}");
        assert!(
            item(&items, &pk, &format!("MUTE#{BORIS_ID}")).is_none(),
            "{pk}"
        );
        assert!(
            item(&items, &pk, &format!("WARN#{BORIS_ID}")).is_none(),
            "{pk}"
        );
    }
    assert!(
        !items
            .iter()
            .any(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DUE#"))),
        "the sweeper has nothing left to delete: {items:#?}"
    );
    assert_eq!(
        item(&items, &format!("SUBS#{BORIS_ID}"), "SUBS").expect("cache")[format!("ch{NEWS_ID}")]
            ["subscribed"],
        true
    );
    // Ledger claim; the index; the cache entry; per group: its config, the member (the channel
    // just joined is not read back), the restriction record, the warning and its queue entry;
    // ledger done.
    let per_group = [
        "BatchGetItem",
        "BatchGetItem",
        "DeleteItem",
        "DeleteItem",
        "DeleteItem",
    ];
    let mut expected = vec!["PutItem", "Query", "UpdateItem"];
    expected.extend(per_group);
    expected.extend(per_group);
    expected.push("UpdateItem");
    assert_eq!(stack.emulator.take_dynamodb_ops(), strings(&expected));

    // A second delivery of the same join (or another join) finds nothing left to lift.
    stack.fake.clear_calls();
    change(&stack, NEWS_ID, BORIS_ID, MemberStatus::member()).await;
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_one_channel_while_another_is_still_missing_lifts_nothing() {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.set_permissions(LOUNGE_ID, lounge_permissions());
    world.add_chat(Chat::channel(DEV_ID, "Lambdagram Dev").with_username(DEV_USERNAME));
    world.set_member(DEV_ID, BOT_ID, MemberStatus::admin(AdminRights::basic()));
    let mut config = protection(LOUNGE_ID);
    config.link([LinkedChannel {
        id: DEV_ID,
        title: "Lambdagram Dev".into(),
        username: Some(DEV_USERNAME.into()),
        invite_link: None,
    }]);
    protect(&stack, &config).await;
    // Boris, in neither channel, writes in the Lounge: muted and warned.
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "привет")
        .expect("Boris is in the Lounge");
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert!(is_muted(&stack, LOUNGE_ID, BORIS_ID));
    let warnings = warnings_posted(&stack);
    assert_eq!(warnings.len(), 1);
    let before = stack.items().await;
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();

    // He joins @lambdagram_dev only: @lambdagram_news is still missing (cached "no").
    change(&stack, DEV_ID, BORIS_ID, MemberStatus::member()).await;

    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert!(is_muted(&stack, LOUNGE_ID, BORIS_ID));
    assert!(stack
        .fake
        .world()
        .message(LOUNGE_ID, warnings[0].1)
        .is_some());
    let items = stack.items().await;
    let lounge = format!("GROUP#{LOUNGE_ID}");
    assert!(item(&items, &lounge, &format!("MUTE#{BORIS_ID}")).is_some());
    assert!(item(&items, &lounge, &format!("WARN#{BORIS_ID}")).is_some());
    assert_eq!(
        item(&items, &format!("SUBS#{BORIS_ID}"), "SUBS").expect("cache")[format!("ch{DEV_ID}")]
            ["subscribed"],
        true
    );
    // Only the new cache entry (and the ledger) changed.
    let guard_items = |items: &[Value]| -> Vec<Value> {
        items
            .iter()
            .filter(|i| {
                i["pk"]
                    .as_str()
                    .is_some_and(|pk| !pk.starts_with("UPDATE#") && !pk.starts_with("SUBS#"))
            })
            .cloned()
            .collect()
    };
    assert_eq!(guard_items(&items), guard_items(&before));
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&[
            "PutItem",
            "Query",
            "UpdateItem",
            "BatchGetItem",
            "BatchGetItem",
            "UpdateItem"
        ])
    );

    // Then @lambdagram_news too: both known now (one from the cache), the mute is lifted.
    change(&stack, NEWS_ID, BORIS_ID, MemberStatus::member()).await;
    assert_eq!(
        calls_by_chat(&stack),
        [
            ("getChat".to_owned(), LOUNGE_ID),
            ("restrictChatMember".to_owned(), LOUNGE_ID),
            ("deleteMessage".to_owned(), LOUNGE_ID),
        ]
    );
    assert_eq!(
        restrictions_given(&stack),
        [(LOUNGE_ID, lounge_permissions())]
    );
    assert_eq!(deleted(&stack), warnings);
    let items = stack.items().await;
    assert!(item(&items, &lounge, &format!("MUTE#{BORIS_ID}")).is_none());
    assert!(item(&items, &lounge, &format!("WARN#{BORIS_ID}")).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_a_channel_when_the_bot_never_restricted_you_makes_no_call() {
    let stack = protected_lounge().await;
    protect_cafe(&stack).await;
    let world = stack.fake.world();
    world.set_member(LOUNGE_ID, CAROL_ID, MemberStatus::member());
    world.set_member(CAFE_ID, CAROL_ID, MemberStatus::member());

    let status = change(&stack, NEWS_ID, CAROL_ID, MemberStatus::member()).await;

    assert_eq!(status, 200);
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    // Ledger claim; the index; the cache entry; per group its config and the member; done.
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&[
            "PutItem",
            "Query",
            "UpdateItem",
            "BatchGetItem",
            "BatchGetItem",
            "BatchGetItem",
            "BatchGetItem",
            "UpdateItem"
        ])
    );
    let items = stack.items().await;
    assert_eq!(
        item(&items, &format!("SUBS#{CAROL_ID}"), "SUBS").expect("cache")[format!("ch{NEWS_ID}")]
            ["subscribed"],
        true
    );
    for group in [CAFE_ID, LOUNGE_ID] {
        assert_eq!(count(&items, &format!("GROUP#{group}"), "MUTE#"), 0);
        assert_eq!(count(&items, &format!("GROUP#{group}"), "WARN#"), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restriction_an_admin_set_is_not_lifted_on_channel_join() {
    let stack = protected_lounge().await;
    let world = stack.fake.world();
    // An admin muted Boris; the bot has no record of it.
    world.set_member(
        LOUNGE_ID,
        BORIS_ID,
        MemberStatus::restricted(ChatPermissions::none()),
    );

    change(&stack, NEWS_ID, BORIS_ID, MemberStatus::member()).await;

    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert!(has_permissions(
        &stack,
        LOUNGE_ID,
        BORIS_ID,
        ChatPermissions::none()
    ));
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&[
            "PutItem",
            "Query",
            "UpdateItem",
            "BatchGetItem",
            "BatchGetItem",
            "UpdateItem"
        ])
    );

    // Carol had a live warning from the bot when an admin muted her: on joining the channel
    // the warning goes, the admin's restriction stays.
    world.set_member(
        LOUNGE_ID,
        CAROL_ID,
        MemberStatus::restricted(ChatPermissions::none()),
    );
    world.add_user(world.bot());
    let warning = world
        .add_message(LOUNGE_ID, BOT_ID, "Carol, subscribe to @lambdagram_news")
        .and_then(|m| m["message_id"].as_i64())
        .expect("the warning");
    let guard_store = store(&stack);
    let delete_at = now() + 300;
    assert!(guard_store
        .claim_warning(LOUNGE_ID, CAROL_ID, now(), delete_at)
        .await
        .expect("claim"));
    guard_store
        .set_warning_message(
            LOUNGE_ID,
            CAROL_ID,
            i32::try_from(warning).expect("id"),
            delete_at,
        )
        .await
        .expect("warning");

    change(&stack, NEWS_ID, CAROL_ID, MemberStatus::member()).await;

    assert_eq!(deleted(&stack), [(LOUNGE_ID, warning)]);
    assert_eq!(methods(&stack), ["deleteMessage"], "no getChat, no unmute");
    assert!(has_permissions(
        &stack,
        LOUNGE_ID,
        CAROL_ID,
        ChatPermissions::none()
    ));
    let items = stack.items().await;
    let lounge = format!("GROUP#{LOUNGE_ID}");
    assert!(item(&items, &lounge, &format!("WARN#{CAROL_ID}")).is_none());
    assert_eq!(count(&items, &lounge, "MUTE#"), 0);
}
