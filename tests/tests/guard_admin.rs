//! The channel guard's admin commands end to end: `/protect`, `/unprotect` and `/status` sent in
//! the Lounge, through the webhook to their own functions, with DynamoDB Local and the fake Bot
//! API. Each test asserts the exact Bot API calls (with their key parameters), the stored
//! configuration and the DynamoDB requests.
//!
//! The fake's default world: Alice (creator) and Boris (member) in the Lounge, where the bot is
//! an administrator who can restrict members and delete messages; the bot is an administrator
//! of @lambdagram_news.

use channel_guard::config::{GroupConfig, LinkedChannel, Settings};
use channel_guard::store::{prelude::*, Restriction};
use fake_bot_api::{
    AdminRights, Chat, MemberStatus, User, ALICE_ID, BORIS_ID, BOT_ID, LOUNGE_ID, NEWS_ID,
    NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram::i18n::Lang;
use lambdagram_e2e::stack::{Delivery, Stack};
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;
const DEV_ID: i64 = -1_001_111_111_111;
const DEV_USERNAME: &str = "lambdagram_dev";

const CANNOT_PROTECT: &str = "I cannot protect this group yet:";
const PROTECTED: &str =
    "🛡 This group is protected. To write here, members must be subscribed to @lambdagram_news.";
const NOT_ALLOWED: &str =
    "Only the group's owner and administrators who can ban users may do this.";

/// A second channel, where the bot is an administrator.
fn add_dev_channel(stack: &Stack) {
    let world = stack.fake.world();
    world.add_chat(Chat::channel(DEV_ID, "Lambdagram Dev").with_username(DEV_USERNAME));
    world.set_member(DEV_ID, BOT_ID, MemberStatus::admin(AdminRights::basic()));
    // Alice runs it too (only a channel's administrators may link it).
    world.set_member(DEV_ID, ALICE_ID, MemberStatus::admin(AdminRights::basic()));
}

fn news() -> LinkedChannel {
    LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }
}

fn dev() -> LinkedChannel {
    LinkedChannel {
        id: DEV_ID,
        title: "Lambdagram Dev".into(),
        username: Some(DEV_USERNAME.into()),
        invite_link: None,
    }
}

/// The Lounge's configuration as `/protect` saves it.
fn protected_config(channels: Vec<LinkedChannel>, lang: Lang) -> GroupConfig {
    GroupConfig {
        group_id: LOUNGE_ID,
        enabled: true,
        channels,
        settings: Settings {
            lang,
            ..Settings::default()
        },
        degraded: Vec::new(),
        allow_list: Vec::new(),
        version: 1,
    }
}

fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
}

/// `from` sends the command `text` in the Lounge (with its `bot_command` entity), delivered
/// through the webhook; a webhook reply is executed by the fake as Telegram would.
async fn command(stack: &Stack, from: i64, text: &str) -> Delivery {
    let mut message = stack
        .fake
        .world()
        .add_message(LOUNGE_ID, from, text)
        .expect("a known user in the Lounge");
    let word = text.split_whitespace().next().unwrap_or("");
    message["entities"] =
        json!([{"type": "bot_command", "offset": 0, "length": word.encode_utf16().count()}]);
    let update = stack.fake.push_update(json!({ "message": message }));
    let deliver = stack.deliver(&update);
    tokio::pin!(deliver);
    tokio::select! {
        d = &mut deliver => { eprintln!("DEBUG {d:?} LOGS:\n{}", stack.logs().await); d },
        _ = tokio::time::sleep(std::time::Duration::from_secs(14)) => {
            eprintln!("DEBUG LOGS:\n{}", stack.logs().await);
            deliver.await
        }
    }
}

/// An anonymous administrator (writing as the Lounge) sends `text`.
async fn anonymous_command(stack: &Stack, text: &str) -> Delivery {
    let lounge = json!({"id": LOUNGE_ID, "type": "supergroup", "title": "Lambdagram Lounge"});
    let word = text.split_whitespace().next().unwrap_or("");
    let update = stack.fake.push_update(json!({"message": {
        "message_id": 9100, "date": 1_790_000_000, "chat": lounge, "sender_chat": lounge,
        "from": {"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"},
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": word.encode_utf16().count()}]
    }}));
    stack.deliver(&update).await
}

/// Every Bot API call since the last clear, with its key parameters: `getChatMember` (chat,
/// user), `getChat` (chat), `sendMessage` (chat, text).
fn calls(stack: &Stack) -> Vec<Value> {
    stack
        .fake
        .calls()
        .iter()
        .map(|c| {
            let p = |name| c.param(name).cloned().unwrap_or(Value::Null);
            match c.method.as_str() {
                "getChatMember" => json!(["getChatMember", p("chat_id"), p("user_id")]),
                "getChat" => json!(["getChat", p("chat_id")]),
                "sendMessage" => json!(["sendMessage", p("chat_id"), p("text")]),
                other => json!([other]),
            }
        })
        .collect()
}

/// The calls `/protect` makes once the sender is allowed: each channel resolved, then the bot's
/// rights in the group and in every channel the group will link.
fn rights_checks(channels: &[i64]) -> Vec<Value> {
    std::iter::once(json!(["getChatMember", LOUNGE_ID, BOT_ID]))
        .chain(channels.iter().map(|c| json!(["getChatMember", c, BOT_ID])))
        .collect()
}

fn said(text: &str) -> Value {
    json!(["sendMessage", LOUNGE_ID, text])
}

fn sender_check(user_id: i64) -> Value {
    json!(["getChatMember", LOUNGE_ID, user_id])
}

/// Does the sender administer the channel they link?
fn owner_check(channel_id: i64, user_id: i64) -> Value {
    json!(["getChatMember", channel_id, user_id])
}

/// The guard's items (everything but the webhook's ledger and interaction log; the log's
/// entries are asserted in tests/tests/forget.rs).
async fn guard_items(stack: &Stack) -> Vec<Value> {
    stack
        .items()
        .await
        .into_iter()
        .filter(|i| {
            !i["pk"].as_str().is_some_and(|pk| {
                pk.starts_with("UPDATE#") || pk.starts_with("LOG#") || pk.starts_with("LOGUSER#")
            })
        })
        .collect()
}

/// The stored configuration, read back from its item.
async fn stored_config(stack: &Stack) -> Option<GroupConfig> {
    let items = stack.items().await;
    let item = items
        .iter()
        .find(|i| i["pk"] == format!("GROUP#{LOUNGE_ID}") && i["sk"] == "CONFIG")?;
    let mut config: GroupConfig =
        serde_json::from_str(item["config"].as_str().expect("config JSON")).expect("a config");
    assert_eq!(item["enabled"], json!(config.enabled), "the enabled flag");
    config.version = item["version"].as_u64().expect("the config's revision");
    Some(config)
}

fn index_item(channel_id: i64) -> Value {
    json!({"pk": format!("CHANNEL#{channel_id}"), "sk": format!("GROUP#{LOUNGE_ID}"), "group_id": LOUNGE_ID})
}

/// The Lounge protected by @lambdagram_news through `/protect` (calls and ops cleared).
async fn protected_lounge() -> Stack {
    let stack = Stack::start().await;
    let d = command(&stack, ALICE_ID, "/protect @lambdagram_news").await;
    assert_eq!(d.status, 200);
    assert_eq!(calls(&stack).last(), Some(&said(PROTECTED)));
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    stack
}

async fn record_mutes(stack: &Stack, users: &[i64]) {
    for user_id in users {
        store(stack)
            .record_restriction(
                LOUNGE_ID,
                &Restriction {
                    user_id: *user_id,
                    since: 1_790_000_000,
                    until: None,
                    pending: false,
                },
            )
            .await
            .expect("record a mute");
    }
}

// ---------------------------------------------------------------------------------------------
// /protect
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_creator_protects_the_group_when_every_right_is_there() {
    let stack = Stack::start().await;
    stack.emulator.take_dynamodb_ops();

    let d = command(&stack, ALICE_ID, "/protect@LambdagramBot @lambdagram_news").await;

    assert_eq!(d.status, 200);
    let mut expected = vec![
        sender_check(ALICE_ID),
        json!(["getChat", "@lambdagram_news"]),
        owner_check(NEWS_ID, ALICE_ID),
    ];
    expected.extend(rights_checks(&[NEWS_ID]));
    expected.push(said(PROTECTED));
    assert_eq!(calls(&stack), expected);
    let reply = d.reply.expect("answered by webhook reply");
    assert_eq!(reply["parse_mode"], "HTML");
    assert_eq!(
        reply["reply_parameters"]["allow_sending_without_reply"],
        true
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        [
            "PutItem",
            "GetItem",
            "GetItem",
            "BatchGetItem",
            "TransactWriteItems",
            "UpdateItem",
            "BatchWriteItem"
        ],
        "ledger claim, config read, config + index write, ledger done"
    );
    assert_eq!(
        stored_config(&stack).await,
        Some(protected_config(vec![news()], lambdagram::i18n::EN))
    );
    let items = guard_items(&stack).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0], index_item(NEWS_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protecting_again_is_idempotent_and_more_channels_extend_it() {
    let stack = Stack::start().await;
    add_dev_channel(&stack);

    command(&stack, ALICE_ID, "/protect @lambdagram_news").await;
    let once = guard_items(&stack).await;
    stack.fake.clear_calls();
    let d = command(&stack, ALICE_ID, "/protect @LAMBDAGRAM_NEWS").await;

    assert_eq!(d.status, 200);
    assert_eq!(calls(&stack).last(), Some(&said(PROTECTED)));
    assert_eq!(
        guard_items(&stack).await,
        once,
        "the same config, no duplicate"
    );
    assert_eq!(
        stored_config(&stack).await,
        Some(protected_config(vec![news()], lambdagram::i18n::EN))
    );

    stack.fake.clear_calls();
    let d = command(
        &stack,
        ALICE_ID,
        &format!("/protect @{DEV_USERNAME} {NEWS_ID}"),
    )
    .await;

    assert_eq!(d.status, 200);
    let mut expected = vec![
        sender_check(ALICE_ID),
        json!(["getChat", "@lambdagram_dev"]),
        owner_check(DEV_ID, ALICE_ID),
        json!(["getChat", NEWS_ID]),
    ];
    expected.extend(rights_checks(&[NEWS_ID, DEV_ID]));
    expected.push(said(
        "🛡 This group is protected. To write here, members must be subscribed to \
         @lambdagram_news, @lambdagram_dev.",
    ));
    assert_eq!(calls(&stack), expected);
    let mut extended = protected_config(vec![news(), dev()], lambdagram::i18n::EN);
    extended.version = 2;
    assert_eq!(
        stored_config(&stack).await,
        Some(extended),
        "extended, in the order linked, without duplicates"
    );
    let items = guard_items(&stack).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(&items[..2], [index_item(DEV_ID), index_item(NEWS_ID)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_member_or_an_admin_who_cannot_ban_is_refused_and_nothing_is_saved() {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.add_user(User::new(CAROL_ID, "Carol").with_language("en"));
    let cannot_ban = AdminRights {
        can_delete_messages: true,
        ..AdminRights::basic()
    };
    world.set_member(LOUNGE_ID, CAROL_ID, MemberStatus::admin(cannot_ban));
    stack.emulator.take_dynamodb_ops();

    let d = command(&stack, BORIS_ID, "/protect @lambdagram_news").await;

    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            sender_check(BORIS_ID),
            said("Это могут только владелец группы и администраторы с правом блокировать пользователей.")
        ],
        "Boris speaks Russian and the group has no configuration yet"
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        [
            "PutItem",
            "GetItem",
            "GetItem",
            "BatchGetItem",
            "UpdateItem",
            "BatchWriteItem",
        ]
    );

    stack.fake.clear_calls();
    command(&stack, CAROL_ID, "/protect @lambdagram_news").await;
    assert_eq!(calls(&stack), [sender_check(CAROL_ID), said(NOT_ALLOWED)]);
    assert_eq!(guard_items(&stack).await, Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_right_to_ban_in_the_group_nothing_is_saved() {
    let stack = Stack::start().await;
    let delete_only = AdminRights {
        can_delete_messages: true,
        ..AdminRights::basic()
    };
    stack
        .fake
        .world()
        .set_member(LOUNGE_ID, BOT_ID, MemberStatus::admin(delete_only));

    let d = command(&stack, ALICE_ID, "/protect @lambdagram_news").await;

    assert_eq!(d.status, 200);
    let mut expected = vec![
        sender_check(ALICE_ID),
        json!(["getChat", "@lambdagram_news"]),
        owner_check(NEWS_ID, ALICE_ID),
    ];
    expected.extend(rights_checks(&[NEWS_ID]));
    expected.push(said(
        "I cannot protect this group yet:\n• I need the right “Ban users” in this group.",
    ));
    assert_eq!(calls(&stack), expected);
    assert_eq!(guard_items(&stack).await, Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_admin_rights_in_the_channel_nothing_is_saved() {
    let stack = Stack::start().await;
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BOT_ID, MemberStatus::member());

    let d = command(&stack, ALICE_ID, "/protect @lambdagram_news").await;

    assert_eq!(d.status, 200);
    let mut expected = vec![
        sender_check(ALICE_ID),
        json!(["getChat", "@lambdagram_news"]),
        // Refused: the bot cannot see the channel's members, which the rights check names.
        owner_check(NEWS_ID, ALICE_ID),
    ];
    expected.extend(rights_checks(&[NEWS_ID]));
    expected.push(said(
        "I cannot protect this group yet:\n• Make me an administrator of @lambdagram_news: \
         otherwise I cannot see who is subscribed.",
    ));
    assert_eq!(calls(&stack), expected);
    assert_eq!(guard_items(&stack).await, Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_channels_groups_and_bad_arguments_are_named() {
    let stack = Stack::start().await;

    command(
        &stack,
        ALICE_ID,
        "/protect @nope_chan @lambdagram_news -1001234567890",
    )
    .await;

    let mut expected = vec![
        sender_check(ALICE_ID),
        json!(["getChat", "@nope_chan"]),
        json!(["getChat", "@lambdagram_news"]),
        owner_check(NEWS_ID, ALICE_ID),
        json!(["getChat", LOUNGE_ID]),
    ];
    expected.extend(rights_checks(&[NEWS_ID]));
    expected.push(said(
        "I cannot protect this group yet:\n• I cannot find @nope_chan. For a private channel, \
         make me its administrator first and give its numeric id.\n• -1001234567890 is not a \
         channel.",
    ));
    assert_eq!(calls(&stack), expected);

    stack.fake.clear_calls();
    command(&stack, ALICE_ID, "/protect lambdagram_news").await;
    assert_eq!(
        calls(&stack),
        [
            sender_check(ALICE_ID),
            said(
                "“lambdagram_news” is not a channel.\nName the channels members must join: \
                 <code>/protect @channel</code> (or the channel's numeric id, \
                 <code>-100…</code>), at most 5."
            )
        ],
        "usage help, and no channel looked up"
    );
    assert_eq!(guard_items(&stack).await, Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_admin_may_protect_and_the_group_speaks_its_protectors_language() {
    let stack = Stack::start().await;

    // Writing as the group, nobody can show they administer the channel: it is not linked.
    let d = anonymous_command(&stack, "/protect @lambdagram_news").await;

    assert_eq!(d.status, 200);
    let mut expected = vec![json!(["getChat", "@lambdagram_news"])];
    expected.extend(rights_checks(&[]));
    expected.push(said(&format!(
        "{CANNOT_PROTECT}\n• @lambdagram_news: only an administrator of the channel may link it \
         to a group, and you are not one (an anonymous administrator cannot show it)."
    )));
    assert_eq!(
        calls(&stack),
        expected,
        "no sender check: writing as the group"
    );
    assert_eq!(stored_config(&stack).await, None, "nothing saved");

    // Once its creator linked it, an anonymous administrator may protect the group again.
    command(&stack, ALICE_ID, "/protect @lambdagram_news").await;
    anonymous_command(&stack, "/unprotect").await;
    stack.fake.clear_calls();
    let d = anonymous_command(&stack, "/protect @lambdagram_news").await;
    assert_eq!(d.status, 200);
    assert_eq!(calls(&stack).last(), Some(&said(PROTECTED)));
    assert!(stored_config(&stack).await.is_some_and(|c| c.enabled));

    // In a fresh world Boris, promoted in the Lounge and in the channel, protects the Lounge:
    // the config takes his language.
    drop(stack);
    let stack = Stack::start().await;
    stack.fake.world().set_member(
        LOUNGE_ID,
        BORIS_ID,
        MemberStatus::admin(AdminRights::moderator()),
    );
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BORIS_ID, MemberStatus::admin(AdminRights::basic()));
    command(&stack, BORIS_ID, "/protect @lambdagram_news").await;
    assert_eq!(
        calls(&stack).last(),
        Some(&said(
            "🛡 Группа под защитой. Чтобы писать здесь, участники должны быть подписаны на \
             @lambdagram_news."
        ))
    );
    assert_eq!(
        stored_config(&stack).await,
        Some(protected_config(vec![news()], channel_guard::i18n::RU))
    );
}

// ---------------------------------------------------------------------------------------------
// /unprotect
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unprotect_turns_the_guard_off_keeps_the_channels_and_offers_to_lift_mutes() {
    let stack = protected_lounge().await;
    record_mutes(&stack, &[BORIS_ID, CAROL_ID]).await;
    stack.emulator.take_dynamodb_ops();

    let d = command(&stack, ALICE_ID, "/unprotect").await;

    assert_eq!(d.status, 200);
    let text = "Protection is off. I keep the linked channels (@lambdagram_news) for a later \
                /protect.\nMembers I muted: 2.";
    assert_eq!(calls(&stack), [sender_check(ALICE_ID), said(text)]);
    let reply = d.reply.expect("a webhook reply");
    assert_eq!(
        reply["reply_markup"],
        json!({"inline_keyboard": [[
            {"text": "Lift 2 restrictions I imposed", "callback_data": "lift:all"}
        ]]})
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        [
            "PutItem",
            "GetItem",
            "GetItem",
            "BatchGetItem",
            "TransactWriteItems",
            "Query",
            "UpdateItem",
            "BatchWriteItem"
        ]
    );
    let mut off = protected_config(vec![news()], lambdagram::i18n::EN);
    off.enabled = false;
    off.version = 2;
    assert_eq!(stored_config(&stack).await, Some(off.clone()));
    assert!(guard_items(&stack).await.contains(&index_item(NEWS_ID)));

    // Again: already off, nothing to write; no mutes left, no button.
    for user_id in [BORIS_ID, CAROL_ID] {
        store(&stack)
            .remove_restriction(LOUNGE_ID, user_id)
            .await
            .expect("unmute");
    }
    stack.fake.clear_calls();
    let d = command(&stack, ALICE_ID, "/unprotect").await;
    assert_eq!(
        calls(&stack),
        [
            sender_check(ALICE_ID),
            said(
                "Protection is off. I keep the linked channels (@lambdagram_news) for a later \
                 /protect."
            )
        ]
    );
    assert!(d.reply.is_some_and(|r| r.get("reply_markup").is_none()));
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        [
            "PutItem",
            "BatchGetItem",
            "Query",
            "UpdateItem",
            "BatchWriteItem"
        ]
    );
    assert_eq!(stored_config(&stack).await, Some(off));

    // `/protect` alone turns the kept protection back on.
    stack.fake.clear_calls();
    command(&stack, ALICE_ID, "/protect").await;
    assert_eq!(calls(&stack).last(), Some(&said(PROTECTED)));
    let mut back_on = protected_config(vec![news()], lambdagram::i18n::EN);
    back_on.version = 3;
    assert_eq!(stored_config(&stack).await, Some(back_on));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unprotect_by_a_member_or_in_an_unprotected_group_changes_nothing() {
    let stack = protected_lounge().await;
    command(&stack, BORIS_ID, "/unprotect").await;
    assert_eq!(calls(&stack), [sender_check(BORIS_ID), said(NOT_ALLOWED)]);
    assert_eq!(
        stored_config(&stack).await,
        Some(protected_config(vec![news()], lambdagram::i18n::EN))
    );

    drop(stack);
    let stack = Stack::start().await;
    command(&stack, ALICE_ID, "/unprotect").await;
    assert_eq!(
        calls(&stack),
        [sender_check(ALICE_ID), said("This group is not protected.")]
    );
    assert_eq!(guard_items(&stack).await, Vec::<Value>::new());
}

// ---------------------------------------------------------------------------------------------
// /status
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_protection_channels_live_rights_and_mutes() {
    let stack = protected_lounge().await;
    record_mutes(&stack, &[BORIS_ID]).await;
    stack.emulator.take_dynamodb_ops();

    let d = command(&stack, ALICE_ID, "/status").await;

    assert_eq!(d.status, 200);
    let mut expected = vec![sender_check(ALICE_ID)];
    expected.extend(rights_checks(&[NEWS_ID]));
    expected.push(said(
        "🛡 Protection: <b>on</b>\n\nChannels:\n• @lambdagram_news: ✓ I am an administrator\n\n\
         My rights in this group:\n✓ can restrict members\n✓ can delete messages\n\n\
         Muted by me: 1",
    ));
    assert_eq!(calls(&stack), expected);
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        ["GetItem", "GetItem", "UpdateItem", "BatchGetItem", "Query", "BatchWriteItem"],
        "no ledger; the deny- and allow-lists (a cold sandbox's reads), the rate limit's count, then reads"
    );

    // The bot loses its right to ban in the group and its seat in the channel.
    let world = stack.fake.world();
    let delete_only = AdminRights {
        can_delete_messages: true,
        ..AdminRights::basic()
    };
    world.set_member(LOUNGE_ID, BOT_ID, MemberStatus::admin(delete_only));
    world.set_member(NEWS_ID, BOT_ID, MemberStatus::Left);
    // A cached admin list naming Alice spares the sender check.
    store(&stack)
        .cache_admins(LOUNGE_ID, &[ALICE_ID], i64::MAX / 2)
        .await
        .expect("cache admins");
    stack.fake.clear_calls();

    command(&stack, ALICE_ID, "/status").await;

    let mut expected = rights_checks(&[NEWS_ID]);
    expected.push(said(
        "🛡 Protection: <b>on</b>\n\
         ⚠️ I cannot fully protect the group until the rights marked ✗ are fixed.\n\n\
         Channels:\n\
         • @lambdagram_news: ✗ I am not an administrator: I cannot see who is subscribed\n\n\
         My rights in this group:\n✗ cannot restrict members\n✓ can delete messages\n\n\
         Muted by me: 1",
    ));
    assert_eq!(calls(&stack), expected);

    // Turned off, and the bot demoted to a member of the group.
    command(&stack, ALICE_ID, "/unprotect").await;
    world.set_member(LOUNGE_ID, BOT_ID, MemberStatus::member());
    stack.fake.clear_calls();

    command(&stack, ALICE_ID, "/status").await;

    assert_eq!(
        calls(&stack).last(),
        Some(&said(
            "Protection: <b>off</b> (/protect turns it on again)\n\nChannels:\n\
             • @lambdagram_news: ✗ I am not an administrator: I cannot see who is subscribed\n\n\
             My rights in this group:\n✗ I am not an administrator\n\nMuted by me: 1"
        ))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_is_for_admins_and_hints_at_protect_in_an_unprotected_group() {
    let stack = protected_lounge().await;

    command(&stack, BORIS_ID, "/status").await;

    assert_eq!(
        calls(&stack),
        [
            sender_check(BORIS_ID),
            said("Only the group's administrators can see the status.")
        ],
        "the group's language (English), not Boris's"
    );

    drop(stack);
    let stack = Stack::start().await;
    stack.emulator.take_dynamodb_ops();
    command(&stack, ALICE_ID, "/status").await;
    assert_eq!(
        calls(&stack),
        [
            sender_check(ALICE_ID),
            said(
                "This group is not protected. An administrator can turn protection on with \
                 <code>/protect @channel</code>."
            )
        ]
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        [
            "GetItem",
            "GetItem",
            "UpdateItem",
            "BatchGetItem",
            "BatchWriteItem"
        ]
    );
}

/// A group administrator who is not one of the channel's cannot link it: nothing is saved,
/// nothing of the channel (its title, its invite link, who follows it) is shown, and the bot
/// never reads its members for that group.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_the_sender_does_not_administer_is_never_linked() {
    let stack = Stack::start().await;
    // Lambdagram Dev: another owner's channel where the bot is an administrator and Alice
    // only a subscriber.
    add_dev_channel(&stack);
    stack
        .fake
        .world()
        .set_member(DEV_ID, ALICE_ID, MemberStatus::member());

    let d = command(
        &stack,
        ALICE_ID,
        "/protect @lambdagram_news @lambdagram_dev",
    )
    .await;

    assert_eq!(d.status, 200);
    let mut expected = vec![
        sender_check(ALICE_ID),
        json!(["getChat", "@lambdagram_news"]),
        owner_check(NEWS_ID, ALICE_ID),
        json!(["getChat", "@lambdagram_dev"]),
        owner_check(DEV_ID, ALICE_ID),
    ];
    expected.extend(rights_checks(&[NEWS_ID]));
    expected.push(said(&format!(
        "{CANNOT_PROTECT}\n• @lambdagram_dev: only an administrator of the channel may link it \
         to a group, and you are not one (an anonymous administrator cannot show it)."
    )));
    assert_eq!(calls(&stack), expected);
    assert_eq!(stored_config(&stack).await, None, "nothing saved");
    assert!(guard_items(&stack).await.is_empty());

    // Made an administrator of Dev, Alice links both.
    stack
        .fake
        .world()
        .set_member(DEV_ID, ALICE_ID, MemberStatus::admin(AdminRights::basic()));
    let d = command(
        &stack,
        ALICE_ID,
        "/protect @lambdagram_news @lambdagram_dev",
    )
    .await;
    assert_eq!(d.status, 200);
    assert_eq!(
        stored_config(&stack).await.map(|c| c.channels),
        Some(vec![news(), dev()])
    );
}

/// Alice sends `text` to the bot in private, in `lang`.
async fn private_command(stack: &Stack, text: &str, lang: &str) -> Delivery {
    let word = text.split_whitespace().next().unwrap_or("");
    let update = stack.fake.push_update(json!({"message": {
        "message_id": 9200, "date": 1_790_000_000,
        "chat": {"id": ALICE_ID, "type": "private", "first_name": "Alice"},
        "from": {"id": ALICE_ID, "is_bot": false, "first_name": "Alice", "language_code": lang},
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": word.encode_utf16().count()}]
    }}));
    stack.deliver(&update).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commands_sent_in_private_are_answered_with_where_they_work() {
    let stack = Stack::start().await;

    let protect = private_command(&stack, "/protect @lambdagram_news", "en").await;
    let status = private_command(&stack, "/status", "ru").await;
    let settings = private_command(&stack, "/settings@LambdagramBot", "en").await;

    for d in [&protect, &status, &settings] {
        assert_eq!(d.status, 200, "{d:?}");
        assert_eq!(
            d.reply.as_ref().map(|r| r["method"].clone()),
            Some(json!("sendMessage"))
        );
    }
    let to_alice = |text: &str| json!(["sendMessage", ALICE_ID, text]);
    assert_eq!(
        calls(&stack),
        vec![
            to_alice(
                "/protect works in a group, not here: add me to your group as an administrator, \
                 then send /protect there."
            ),
            to_alice(
                "Команда /status работает в группе, а не здесь: добавьте меня в свою группу \
                 администратором и отправьте /status там."
            ),
            to_alice(
                "/settings works in a group, not here: add me to your group as an administrator, \
                 then send /settings there."
            ),
        ]
    );
    assert_eq!(stack.emulator.invocations("unknown-command"), 3);
    for route in ["protect", "status", "settings"] {
        assert_eq!(stack.emulator.invocations(route), 0, "{route}");
    }
    assert_eq!(guard_items(&stack).await, Vec::<Value>::new());
}
