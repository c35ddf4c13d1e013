//! The channel guard's actions end to end, beyond the default mute: kick, delete-only, a timed
//! mute, service messages (never touched), and a flood-control wait too long for the
//! invocation. Group messages go through the webhook to the `guard-message` function, with
//! DynamoDB Local and the fake Bot API; each test asserts the exact Bot API calls and the
//! stored items.

use channel_guard::config::{Action, GroupConfig, LinkedChannel, Settings};
use channel_guard::store::prelude::*;
use fake_bot_api::{Fault, MemberStatus, BORIS_ID, BOT_ID, LOUNGE_ID, NEWS_ID, NEWS_USERNAME};
use lambdagram::aws::DynamoStore;
use lambdagram::teloxide_core::types::{MessageKind, Update, UpdateKind};
use lambdagram_e2e::stack::Stack;
use serde_json::{json, Value};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// The Lounge protected by @lambdagram_news with `settings`; Boris is in the Lounge only.
async fn protected_lounge(settings: Settings) -> Stack {
    let stack = Stack::start().await;
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = true;
    config.settings = settings;
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

fn with_action(action: Action) -> Settings {
    Settings {
        action,
        ..Settings::default()
    }
}

/// Boris writes `text` in the Lounge: (the update, the webhook's status, the message id).
async fn boris_says(stack: &Stack, text: &str) -> (Value, u16, i64) {
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, text)
        .expect("a known user in a known chat");
    let message_id = update["message"]["message_id"].as_i64().expect("id");
    let d = stack.deliver(&update).await;
    (update, d.status, message_id)
}

/// What muting a non-subscriber's message costs: the admin list, the channel check, the
/// deletion, the member's status in the group (a restriction an admin set is left alone), the
/// restriction and the warning.
const MUTE_CALLS: [&str; 6] = [
    "getChatAdministrators",
    "getChatMember",
    "deleteMessage",
    "getChatMember",
    "restrictChatMember",
    "sendMessage",
];

fn methods(stack: &Stack) -> Vec<String> {
    stack.fake.calls().into_iter().map(|c| c.method).collect()
}

/// The sort keys of the Lounge's own partition, in key order (`ADMINS`, `CONFIG`, `MUTE#…`,
/// `WARN#…`).
async fn lounge_keys(stack: &Stack) -> Vec<String> {
    let group = format!("GROUP#{LOUNGE_ID}");
    stack
        .items()
        .await
        .into_iter()
        .filter(|i| i["pk"] == group.as_str())
        .filter_map(|i| i["sk"].as_str().map(str::to_owned))
        .collect()
}

async fn item(stack: &Stack, pk: &str, sk: &str) -> Option<Value> {
    stack
        .items()
        .await
        .into_iter()
        .find(|i| i["pk"] == pk && i["sk"] == sk)
}

/// The messages the bot has in the Lounge (the fake's world: deleted ones are gone).
fn bot_messages_in_lounge(stack: &Stack) -> Vec<Value> {
    stack
        .fake
        .world()
        .messages(LOUNGE_ID)
        .into_iter()
        .filter(|m| m["from"]["id"] == BOT_ID)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kick_removes_the_non_subscriber_without_a_warning_and_lets_them_rejoin() {
    let stack = protected_lounge(with_action(Action::Kick)).await;

    let (_, status, message_id) = boris_says(&stack, "hello").await;

    assert_eq!(status, 200);
    assert_eq!(
        methods(&stack),
        [
            "getChatAdministrators",
            "getChatMember",
            "deleteMessage",
            "banChatMember",
            "unbanChatMember"
        ]
    );
    let check = &stack.fake.calls_to("getChatMember")[0];
    assert_eq!(check.param("chat_id"), Some(&json!(NEWS_ID)));
    let delete = &stack.fake.calls_to("deleteMessage")[0];
    assert_eq!(delete.param("message_id"), Some(&json!(message_id)));
    let ban = &stack.fake.calls_to("banChatMember")[0];
    assert_eq!(
        (ban.param("chat_id"), ban.param("user_id")),
        (Some(&json!(LOUNGE_ID)), Some(&json!(BORIS_ID)))
    );
    assert!(ban.param("until_date").is_none(), "{:?}", ban.params);
    let unban = &stack.fake.calls_to("unbanChatMember")[0];
    assert_eq!(
        (
            unban.param("user_id"),
            unban.param("only_if_banned"),
            unban.is_ok()
        ),
        (Some(&json!(BORIS_ID)), Some(&json!(true)), true)
    );
    // Removed, not banned: Boris may come back once subscribed.
    assert_eq!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Left)
    );
    // Nothing to lift later and no one to warn: no MUTE#, no WARN#.
    assert_eq!(lounge_keys(&stack).await, ["ADMINS", "CONFIG"]);
    assert!(bot_messages_in_lounge(&stack).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_only_deletes_and_warns_but_never_restricts() {
    let stack = protected_lounge(with_action(Action::DeleteOnly)).await;

    let (_, status, message_id) = boris_says(&stack, "hello").await;

    assert_eq!(status, 200);
    assert_eq!(
        methods(&stack),
        [
            "getChatAdministrators",
            "getChatMember",
            "deleteMessage",
            "sendMessage"
        ]
    );
    assert_eq!(
        stack.fake.calls_to("deleteMessage")[0].param("message_id"),
        Some(&json!(message_id))
    );
    let warning = &stack.fake.calls_to("sendMessage")[0];
    assert_eq!(warning.param("chat_id"), Some(&json!(LOUNGE_ID)));
    let warning_id = warning.result().expect("sent")["message_id"].clone();
    assert_eq!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::member()),
        "still free to write"
    );
    assert_eq!(
        lounge_keys(&stack).await,
        [
            "ADMINS".to_owned(),
            "CONFIG".into(),
            format!("WARN#{BORIS_ID}")
        ]
    );
    let warn = item(
        &stack,
        &format!("GROUP#{LOUNGE_ID}"),
        &format!("WARN#{BORIS_ID}"),
    )
    .await
    .expect("warning");
    assert_eq!(warn["message_id"], warning_id);

    // The next message: deleted, not warned again, still not restricted.
    stack.fake.clear_calls();
    let (_, status, second) = boris_says(&stack, "again").await;
    assert_eq!(status, 200);
    assert_eq!(methods(&stack), ["deleteMessage"]);
    assert_eq!(
        stack.fake.calls_to("deleteMessage")[0].param("message_id"),
        Some(&json!(second))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_mute_ends_by_itself_after_the_mute_hours() {
    let stack = protected_lounge(Settings {
        mute_hours: Some(24),
        ..Settings::default()
    })
    .await;

    let (_, status, _) = boris_says(&stack, "hello").await;

    assert_eq!(status, 200);
    assert_eq!(methods(&stack), MUTE_CALLS);
    // Subscribed to the channel? Then: restricted in the group already (by an admin)?
    let checked: Vec<Value> = stack
        .fake
        .calls_to("getChatMember")
        .iter()
        .map(|c| json!([c.param("chat_id"), c.param("user_id")]))
        .collect();
    assert_eq!(
        checked,
        [json!([NEWS_ID, BORIS_ID]), json!([LOUNGE_ID, BORIS_ID])]
    );
    let restricts = stack.fake.calls_to("restrictChatMember");
    let [restrict] = restricts.as_slice() else {
        panic!("one restriction: {:?}", methods(&stack));
    };
    assert!(restrict.is_ok());
    let until = restrict
        .param("until_date")
        .and_then(Value::as_i64)
        .expect("until_date, epoch seconds");
    let expected = now() + 24 * 3600;
    assert!(
        (until - expected).abs() <= 60,
        "until_date {until} ≈ now + 24 h ({expected})"
    );
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted { until_date, .. }) if until_date == until
    ));
    let mute = item(
        &stack,
        &format!("GROUP#{LOUNGE_ID}"),
        &format!("MUTE#{BORIS_ID}"),
    )
    .await
    .expect("the bot's restriction is recorded");
    assert_eq!(mute["until"], json!(until));
    assert_eq!(
        stack.fake.calls_to("sendMessage").len(),
        1,
        "warned as well"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_messages_from_a_non_subscriber_are_never_touched() {
    let stack = protected_lounge(Settings::default()).await;
    let lounge = json!({"id": LOUNGE_ID, "type": "supergroup", "title": "Lambdagram Lounge"});
    let boris = json!({"id": BORIS_ID, "is_bot": false, "first_name": "Boris"});
    let date = now();
    let pinned = json!({"update_id": 9101, "message": {
        "message_id": 9101, "date": date, "chat": lounge, "from": boris,
        "pinned_message": {"message_id": 42, "date": date - 60, "chat": lounge, "from": boris,
            "text": "pinned words"}}});
    let left = json!({"update_id": 9102, "message": {
        "message_id": 9102, "date": date, "chat": lounge, "from": boris,
        "left_chat_member": boris}});
    let title = json!({"update_id": 9103, "message": {
        "message_id": 9103, "date": date, "chat": lounge, "from": boris,
        "new_chat_title": "Boris's Lounge"}});

    for update in [pinned, left, title] {
        // The route must read each as the service message it is (not as an update it cannot
        // read, which it would also leave alone).
        // From text, as the route reads it (teloxide's `Update` does not read from a `Value`).
        let read: Update = serde_json::from_str(&update.to_string()).expect("an update");
        let UpdateKind::Message(message) = read.kind else {
            panic!("a message: {update}");
        };
        assert!(
            !matches!(message.kind, MessageKind::Common(_)),
            "a service message: {update}"
        );
        let d = stack.deliver(&update).await;
        assert_eq!(d.status, 200, "{update}");
    }

    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert_eq!(lounge_keys(&stack).await, ["CONFIG"]);
}

/// The deferred-warning queue's items (`DEFER`), as (user, channels, post_at).
async fn deferred(stack: &Stack) -> Vec<(Value, Value, i64)> {
    stack
        .items()
        .await
        .into_iter()
        .filter(|i| i["pk"] == "DEFER")
        .map(|i| {
            (
                i["user_id"].clone(),
                i["channels"].clone(),
                i["post_at"].as_i64().expect("post_at"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_longer_than_the_invocation_defers_the_warning_to_the_sweeper() {
    let stack = protected_lounge(Settings::default()).await;
    // 30 s of flood control do not fit the route's 20 s timeout: the call is not retried, and
    // the warning (work that can wait) is queued instead of failing the update, whose delete
    // and restriction are done.
    stack.fake.inject(Fault::rate_limit("sendMessage", 30));
    let started = std::time::Instant::now();
    let before = now();

    let (update, status, _) = boris_says(&stack, "hello").await;

    assert_eq!(status, 200, "{}", stack.logs().await);
    assert_eq!(methods(&stack), MUTE_CALLS);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "no wait for a retry that cannot fit"
    );
    let sends: Vec<u16> = stack
        .fake
        .calls_to("sendMessage")
        .iter()
        .map(|c| c.http_status)
        .collect();
    assert_eq!(sends, [429]);
    assert!(bot_messages_in_lounge(&stack).is_empty());
    // Restricted and recorded; the warning's claim is held (no second warning meanwhile) and
    // the warning queued for when the Lounge may be written to.
    assert_eq!(
        lounge_keys(&stack).await,
        [
            "ADMINS".to_owned(),
            "CONFIG".into(),
            format!("MUTE#{BORIS_ID}"),
            format!("WARN#{BORIS_ID}")
        ]
    );
    let claim = item(
        &stack,
        &format!("GROUP#{LOUNGE_ID}"),
        &format!("WARN#{BORIS_ID}"),
    )
    .await
    .expect("claim");
    assert!(claim.get("message_id").is_none(), "{claim}");
    assert_eq!(claim["deferred"], true);
    let queued = deferred(&stack).await;
    let [(user, channels, post_at)] = queued.as_slice() else {
        panic!("one deferred warning: {queued:?}");
    };
    assert_eq!((user, channels), (&json!(BORIS_ID), &json!([NEWS_ID])));
    assert!(
        (before + 30..=now() + 30).contains(post_at),
        "posted after Telegram's wait: {post_at}"
    );

    // A redelivery (guard-message has no ledger) repeats nothing visible: the claim holds.
    let again = stack.deliver(&update).await;
    assert_eq!(again.status, 200);
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 1);
    assert_eq!(deferred(&stack).await.len(), 1);

    // Telegram's wait is shared: the Lounge's window is full for every function, the sweeper
    // included, so a run now leaves the warning queued.
    let lounge = LOUNGE_ID.to_string();
    let windows = stack.flood_windows().await;
    assert!(
        windows
            .iter()
            .any(|(scope, _, n)| *scope == lounge && *n == 20),
        "{windows:?}"
    );
    stack.fake.clear_faults();
    let report = stack.run_job("sweeper").await.expect("the run succeeds");
    assert_eq!(
        (&report["posted"], &report["deferred_left"]),
        (&json!(0), &json!(1)),
        "{report}"
    );
    assert_eq!(
        stack.fake.calls_to("sendMessage").len(),
        1,
        "paced, not sent"
    );

    // Once the wait is over, the sweeper posts the one warning and records it.
    stack.forget_flood_windows().await;
    let report = stack.run_job("sweeper").await.expect("the run succeeds");
    assert_eq!(
        (&report["posted"], &report["deferred_left"]),
        (&json!(1), &json!(0)),
        "{report}"
    );
    let warnings = bot_messages_in_lounge(&stack);
    let [warning] = warnings.as_slice() else {
        panic!("exactly one warning in the group: {warnings:?}");
    };
    assert!(warning["reply_markup"]["inline_keyboard"]
        .to_string()
        .contains(&format!("joined:{BORIS_ID}")));
    let warn = item(
        &stack,
        &format!("GROUP#{LOUNGE_ID}"),
        &format!("WARN#{BORIS_ID}"),
    )
    .await
    .expect("warning");
    assert_eq!(warn["message_id"], warning["message_id"]);
    assert!(deferred(&stack).await.is_empty());
    let due: Vec<Value> = stack
        .items()
        .await
        .into_iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DUE#")))
        .collect();
    assert_eq!(due.len(), 1, "its deletion is due: {due:?}");

    // Later runs post nothing more.
    let report = stack.run_job("sweeper").await.expect("the run succeeds");
    assert_eq!(report["posted"], 0, "{report}");
    assert_eq!(bot_messages_in_lounge(&stack).len(), 1);
    let restricted = stack
        .fake
        .calls_to("restrictChatMember")
        .iter()
        .filter(|c| c.is_ok())
        .count();
    assert_eq!(restricted, 1, "restricted once");
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted {
            is_member: true,
            ..
        })
    ));
}

/// A member verified while their warning waits in the queue gets none: the lift released the
/// claim, and the sweeper drops the entry without a Bot API call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_warning_for_a_member_verified_meanwhile_is_dropped() {
    let stack = protected_lounge(Settings::default()).await;
    stack.fake.inject(Fault::rate_limit("sendMessage", 30));
    let (_, status, _) = boris_says(&stack, "hello").await;
    assert_eq!(status, 200);
    assert_eq!(deferred(&stack).await.len(), 1);

    // Boris joins the channel: the channel-join path (member-change) lifts the bot's
    // restriction and releases the warning's claim.
    let joined = stack
        .fake
        .chat_member_update(NEWS_ID, BORIS_ID, MemberStatus::member())
        .expect("a known user in a known chat");
    assert_eq!(stack.deliver(&joined).await.status, 200);
    assert!(
        item(
            &stack,
            &format!("GROUP#{LOUNGE_ID}"),
            &format!("WARN#{BORIS_ID}")
        )
        .await
        .is_none(),
        "the claim is released"
    );
    assert!(item(
        &stack,
        &format!("GROUP#{LOUNGE_ID}"),
        &format!("MUTE#{BORIS_ID}")
    )
    .await
    .is_none());
    stack.forget_flood_windows().await;
    stack.fake.clear_faults();
    stack.fake.clear_calls();

    let report = stack.run_job("sweeper").await.expect("the run succeeds");

    assert_eq!(
        (&report["posted"], &report["dropped"]),
        (&json!(0), &json!(1)),
        "{report}"
    );
    assert!(stack.fake.calls().is_empty(), "{:?}", methods(&stack));
    assert!(deferred(&stack).await.is_empty());
    assert!(bot_messages_in_lounge(&stack).is_empty());
}
