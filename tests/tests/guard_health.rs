//! The protection's health end to end: the bot's own status changes (`my_chat_member`, route
//! `bot-status`), a refusal met while enforcing (route `guard-message`), and a group's upgrade
//! to a supergroup (route `migrate`). Each test asserts the exact Bot API calls and the stored
//! configuration.

use channel_guard::config::{Degradation, GroupConfig, LinkedChannel};
use channel_guard::rights::Right;
use channel_guard::store::{prelude::*, Restriction};
use fake_bot_api::{
    AdminRights, MemberStatus, ALICE_ID, BORIS_ID, BOT_ID, LOUNGE_ID, NEWS_ID, NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::stack::Stack;
use serde_json::{json, Value};

const DEGRADED_RESTRICT: &str = "⚠️ I cannot fully protect this group right now:\n\
     • I need the right “Ban users” in this group.";
const RESTORED: &str = "✅ The protection works again: I have every right I need.";

fn news() -> LinkedChannel {
    LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }
}

fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
}

async fn protect(stack: &Stack, group_id: i64) {
    let mut config = GroupConfig::new(group_id);
    config.enabled = true;
    config.link([news()]);
    store(stack)
        .save_group(&mut config, &[])
        .await
        .expect("protect the group");
}

/// The Lounge protected by @lambdagram_news (calls and ops cleared).
async fn protected_lounge() -> Stack {
    let stack = Stack::start().await;
    protect(&stack, LOUNGE_ID).await;
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    stack
}

async fn config_of(stack: &Stack, group_id: i64) -> Option<GroupConfig> {
    store(stack)
        .group_state(group_id, lambdagram::time::now())
        .await
        .expect("read the group")
        .config
}

/// Every Bot API call: `sendMessage` with its chat and text, others by name.
fn calls(stack: &Stack) -> Vec<Value> {
    stack
        .fake
        .calls()
        .iter()
        .map(|c| match c.method.as_str() {
            "sendMessage" => json!([
                "sendMessage",
                c.param("chat_id").cloned().unwrap_or(Value::Null),
                c.param("text").cloned().unwrap_or(Value::Null)
            ]),
            other => json!([other]),
        })
        .collect()
}

/// Alice changes the bot's status in `chat_id`; the update goes through the webhook.
async fn bot_becomes(stack: &Stack, chat_id: i64, status: MemberStatus) -> u16 {
    let update = stack
        .fake
        .my_chat_member_update(chat_id, ALICE_ID, status)
        .expect("a known chat");
    stack.deliver(&update).await.status
}

fn can_delete_only() -> MemberStatus {
    MemberStatus::admin(AdminRights {
        can_delete_messages: true,
        ..AdminRights::basic()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demotion_degrades_the_protection_once_and_a_promotion_restores_it() {
    let stack = protected_lounge().await;

    assert_eq!(bot_becomes(&stack, LOUNGE_ID, can_delete_only()).await, 200);

    assert_eq!(
        calls(&stack),
        [json!(["sendMessage", LOUNGE_ID, DEGRADED_RESTRICT])]
    );
    let config = config_of(&stack, LOUNGE_ID).await.expect("config");
    assert_eq!(
        config.degraded,
        [Degradation::GroupRights {
            missing: vec![Right::RestrictMembers]
        }]
    );
    assert!(config.enabled, "degraded, not turned off");

    // The same rights again (say, another right changed): nothing new to say.
    stack.fake.clear_calls();
    assert_eq!(bot_becomes(&stack, LOUNGE_ID, can_delete_only()).await, 200);
    assert!(stack.fake.calls().is_empty(), "{:?}", calls(&stack));

    stack.fake.clear_calls();
    let moderator = MemberStatus::admin(AdminRights::moderator());
    assert_eq!(bot_becomes(&stack, LOUNGE_ID, moderator).await, 200);
    assert_eq!(calls(&stack), [json!(["sendMessage", LOUNGE_ID, RESTORED])]);
    let config = config_of(&stack, LOUNGE_ID).await.expect("config");
    assert!(config.degraded.is_empty(), "{:?}", config.degraded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_channel_degrades_every_group_linked_to_it() {
    let stack = protected_lounge().await;

    assert_eq!(bot_becomes(&stack, NEWS_ID, MemberStatus::Left).await, 200);

    assert_eq!(
        calls(&stack),
        [json!([
            "sendMessage",
            LOUNGE_ID,
            "⚠️ I cannot fully protect this group right now:\n\
             • I am no longer an administrator of @lambdagram_news, so I cannot see who is \
             subscribed."
        ])]
    );
    let config = config_of(&stack, LOUNGE_ID).await.expect("config");
    assert_eq!(
        config.degraded,
        [Degradation::ChannelRights {
            channel_id: NEWS_ID
        }]
    );

    stack.fake.clear_calls();
    let admin = MemberStatus::admin(AdminRights::basic());
    assert_eq!(bot_becomes(&stack, NEWS_ID, admin).await, 200);
    assert_eq!(calls(&stack), [json!(["sendMessage", LOUNGE_ID, RESTORED])]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_from_the_group_the_bot_records_it_and_says_nothing() {
    let stack = protected_lounge().await;

    let kicked = MemberStatus::Kicked { until_date: 0 };
    assert_eq!(bot_becomes(&stack, LOUNGE_ID, kicked).await, 200);

    assert!(stack.fake.calls().is_empty(), "{:?}", calls(&stack));
    let config = config_of(&stack, LOUNGE_ID).await.expect("config");
    assert_eq!(
        config.degraded,
        [Degradation::GroupRights {
            missing: vec![
                Right::Administrator,
                Right::RestrictMembers,
                Right::DeleteMessages
            ]
        }]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_group_not_set_up_the_bot_says_how_to_set_it_up() {
    let stack = Stack::start().await;
    stack
        .fake
        .world()
        .set_member(LOUNGE_ID, BOT_ID, MemberStatus::Left);
    stack.fake.clear_calls();

    // Added as a plain member: what it needs, and /protect.
    assert_eq!(
        bot_becomes(&stack, LOUNGE_ID, MemberStatus::member()).await,
        200
    );
    let said = stack.fake.calls_to("sendMessage");
    assert_eq!(said.len(), 1);
    let text = said[0].param("text").and_then(Value::as_str).unwrap_or("");
    assert!(
        text.starts_with("Hello! I keep this group for subscribers")
            && text.contains("<code>/protect @channel</code>"),
        "{text}"
    );

    // Promoted with the rights it needs: ready.
    stack.fake.clear_calls();
    let moderator = MemberStatus::admin(AdminRights::moderator());
    assert_eq!(bot_becomes(&stack, LOUNGE_ID, moderator).await, 200);
    let said = stack.fake.calls_to("sendMessage");
    assert_eq!(said.len(), 1);
    let text = said[0].param("text").and_then(Value::as_str).unwrap_or("");
    assert!(text.starts_with("Thank you, I have the rights"), "{text}");
    assert!(
        config_of(&stack, LOUNGE_ID).await.is_none(),
        "nothing is saved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_to_restrict_degrades_instead_of_failing_the_update() {
    let stack = protected_lounge().await;
    // Demoted without a my_chat_member update reaching the bot (it was lost, or not allowed).
    stack
        .fake
        .world()
        .set_member(LOUNGE_ID, BOT_ID, can_delete_only());

    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "hi")
        .expect("Boris writes");
    let d = stack.deliver(&update).await;

    assert_eq!(
        d.status, 200,
        "acknowledged: a redelivery meets the same refusal"
    );
    let methods: Vec<String> = stack.fake.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        [
            "getChatAdministrators",
            "getChatMember",
            "deleteMessage",
            "getChatMember",
            "restrictChatMember",
            "sendMessage",
            "sendMessage"
        ]
    );
    let said = calls(&stack);
    assert_eq!(
        said[5],
        json!(["sendMessage", LOUNGE_ID, DEGRADED_RESTRICT])
    );
    assert!(
        said[6][2]
            .as_str()
            .is_some_and(|t| t.contains("join @lambdagram_news")),
        "the warning still goes out: {}",
        said[6]
    );
    let items = stack.items().await;
    assert!(
        !items
            .iter()
            .any(|i| i["pk"] == format!("GROUP#{LOUNGE_ID}")
                && i["sk"] == format!("MUTE#{BORIS_ID}")),
        "no restriction was imposed, so none is on record"
    );
    let config = config_of(&stack, LOUNGE_ID).await.expect("config");
    assert_eq!(
        config.degraded,
        [Degradation::GroupRights {
            missing: vec![Right::RestrictMembers]
        }]
    );

    // The next message: deleted, the refusal met again, but no second notice.
    stack.fake.clear_calls();
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "hello?")
        .expect("Boris writes");
    assert_eq!(stack.deliver(&update).await.status, 200);
    let methods: Vec<String> = stack.fake.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        ["deleteMessage", "getChatMember", "restrictChatMember"]
    );
}

const OLD_GROUP_ID: i64 = -4_000_000_001;

fn migration_message(chat_id: i64, chat_type: &str, field: &str, other: i64) -> Value {
    let mut message = json!({
        "message_id": 77, "date": 1_790_000_000,
        "chat": {"id": chat_id, "type": chat_type, "title": "Lambdagram Lounge"},
        "from": {"id": ALICE_ID, "is_bot": false, "first_name": "Alice", "username": "alice"},
    });
    message[field] = json!(other);
    json!({ "message": message })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_to_a_supergroup_carries_the_protection_over() {
    let stack = Stack::start().await;
    protect(&stack, OLD_GROUP_ID).await;
    store(&stack)
        .record_restriction(
            OLD_GROUP_ID,
            &Restriction {
                user_id: BORIS_ID,
                since: 1_790_000_000,
                until: None,
                pending: false,
            },
        )
        .await
        .expect("a mute of the bot's");
    stack.fake.clear_calls();

    let update = stack.fake.push_update(migration_message(
        OLD_GROUP_ID,
        "group",
        "migrate_to_chat_id",
        LOUNGE_ID,
    ));
    assert_eq!(stack.deliver(&update).await.status, 200);

    assert!(stack.fake.calls().is_empty());
    let moved = config_of(&stack, LOUNGE_ID).await.expect("moved");
    assert_eq!(moved.group_id, LOUNGE_ID);
    assert!(moved.is_active());
    assert_eq!(moved.channels, [news()]);
    let old = config_of(&stack, OLD_GROUP_ID)
        .await
        .expect("kept, emptied");
    assert!(!old.enabled && old.channels.is_empty(), "{old:?}");
    assert_eq!(
        store(&stack)
            .groups_linked_to(NEWS_ID)
            .await
            .expect("index"),
        [LOUNGE_ID]
    );
    let mutes = |group| {
        let store = store(&stack);
        async move {
            store
                .restrictions(group)
                .await
                .expect("restrictions")
                .into_iter()
                .map(|r| r.user_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(mutes(LOUNGE_ID).await, [BORIS_ID]);
    assert!(mutes(OLD_GROUP_ID).await.is_empty());

    // The supergroup's own service message: nothing left to move, nothing written.
    stack.emulator.take_dynamodb_ops();
    let update = stack.fake.push_update(migration_message(
        LOUNGE_ID,
        "supergroup",
        "migrate_from_chat_id",
        OLD_GROUP_ID,
    ));
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        ["PutItem", "BatchGetItem", "UpdateItem"],
        "the ledger's claim, one read, the ledger's done"
    );
    assert_eq!(
        config_of(&stack, LOUNGE_ID).await.expect("still there"),
        moved
    );
}
