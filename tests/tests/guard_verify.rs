//! The channel guard's buttons end to end: "I have joined" under a warning (`verify`) and "lift
//! the restrictions I imposed" under `/unprotect` (`lift`), pressed in the Lounge and delivered
//! through the webhook to their functions, with DynamoDB Local and the fake Bot API. Each test
//! asserts the exact Bot API calls (webhook replies included: the fake executes them as Telegram
//! does), the stored items and, where it matters, the DynamoDB requests.

use channel_guard::config::{Action, GroupConfig, LinkedChannel};
use channel_guard::store::{prelude::*, Restriction};
use fake_bot_api::{
    AdminRights, Chat, ChatPermissions, MemberStatus, User, ALICE_ID, BORIS_ID, BOT_ID, LOUNGE_ID,
    NEWS_ID, NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::stack::{Delivery, Stack};
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;
const DAVE_ID: i64 = 444_444;
const DEV_ID: i64 = -1_001_111_111_111;
const DEV_USERNAME: &str = "lambdagram_dev";

/// The Lounge's own defaults: no polls, no link previews, no invitations (not Telegram's
/// all-true, which a careless unmute would hand out).
fn lounge_permissions() -> ChatPermissions {
    ChatPermissions {
        can_send_polls: false,
        can_add_web_page_previews: false,
        can_invite_users: false,
        ..ChatPermissions::group_default()
    }
}

fn channel(id: i64, title: &str, username: &str) -> LinkedChannel {
    LinkedChannel {
        id,
        title: title.into(),
        username: Some(username.into()),
        invite_link: None,
    }
}

fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
}

/// The Lounge (with its own default permissions) protected by @lambdagram_news and, with
/// `with_dev`, @lambdagram_dev too. Carol and Dave are members of the Lounge and Carol of the
/// channels; Boris only of the Lounge.
async fn protected_lounge(with_dev: bool, action: Action) -> Stack {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.set_permissions(LOUNGE_ID, lounge_permissions());
    world.add_user(User::new(CAROL_ID, "Carol").with_language("en"));
    world.add_user(User::new(DAVE_ID, "Dave").with_language("en"));
    world.set_member(LOUNGE_ID, CAROL_ID, MemberStatus::member());
    world.set_member(LOUNGE_ID, DAVE_ID, MemberStatus::member());
    world.set_member(NEWS_ID, CAROL_ID, MemberStatus::member());
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = true;
    config.settings.action = action;
    config.link([channel(NEWS_ID, "Lambdagram News", NEWS_USERNAME)]);
    if with_dev {
        world.add_chat(Chat::channel(DEV_ID, "Lambdagram Dev").with_username(DEV_USERNAME));
        world.set_member(DEV_ID, BOT_ID, MemberStatus::admin(AdminRights::basic()));
        world.set_member(DEV_ID, CAROL_ID, MemberStatus::member());
        config.link([channel(DEV_ID, "Lambdagram Dev", DEV_USERNAME)]);
    }
    store(&stack)
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
    stack
}

/// Boris writes in the Lounge: `guard-message` warns him (and mutes him, if the action is to).
/// Returns the warning's message id; calls and DynamoDB requests are cleared.
async fn boris_is_warned(stack: &Stack) -> i64 {
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "привет")
        .expect("Boris is in the Lounge");
    assert_eq!(stack.deliver(&update).await.status, 200);
    let warning = last_warning(stack);
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    warning
}

/// The id of the last warning the guard posted.
fn last_warning(stack: &Stack) -> i64 {
    stack
        .fake
        .calls_to("sendMessage")
        .last()
        .and_then(|c| c.result()?["message_id"].as_i64())
        .expect("a warning was posted")
}

/// `user_id` presses a button with `data` under message `message_id` in the Lounge.
async fn press(stack: &Stack, message_id: i64, user_id: i64, data: &str) -> Delivery {
    let update = stack
        .fake
        .press_button(LOUNGE_ID, message_id, user_id, data)
        .expect("a known message and user");
    stack.deliver(&update).await
}

/// Every Bot API call since the last clear, with its key parameters.
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
                "restrictChatMember" => json!(["restrictChatMember", p("chat_id"), p("user_id")]),
                "deleteMessage" => json!(["deleteMessage", p("chat_id"), p("message_id")]),
                "editMessageText" => json!([
                    "editMessageText",
                    p("chat_id"),
                    p("message_id"),
                    p("text"),
                    p("reply_markup")
                ]),
                "answerCallbackQuery" => json!(["answerCallbackQuery", p("text"), p("show_alert")]),
                other => json!([other]),
            }
        })
        .collect()
}

/// The permissions each `restrictChatMember` gave, as Telegram reads them.
fn restored_permissions(stack: &Stack) -> Vec<ChatPermissions> {
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
            serde_json::from_value(c.param("permissions").cloned().expect("permissions"))
                .expect("a ChatPermissions object")
        })
        .collect()
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

fn has(items: &[Value], pk: &str, sk: &str) -> bool {
    items.iter().any(|i| i["pk"] == pk && i["sk"] == sk)
}

fn lounge() -> String {
    format!("GROUP#{LOUNGE_ID}")
}

fn muted(stack: &Stack, user_id: i64) -> bool {
    matches!(
        stack.fake.world().member(LOUNGE_ID, user_id),
        Some(MemberStatus::Restricted { permissions, .. }) if !permissions.can_send_messages
    )
}

// ---------------------------------------------------------------------------------------------
// "I have joined"
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_else_pressing_i_have_joined_changes_nothing() {
    let stack = protected_lounge(false, Action::Mute).await;
    let warning = boris_is_warned(&stack).await;
    // Carol, subscribed, sees the button too.
    let before = guard_items(&stack).await;

    let d = press(&stack, warning, CAROL_ID, &format!("joined:{BORIS_ID}")).await;

    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [json!([
            "answerCallbackQuery",
            "This button is not for you.",
            true
        ])]
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        ["PutItem", "GetItem", "UpdateItem", "BatchWriteItem"],
        "the ledger and the deny-list (cold) only: nothing else read, nothing changed"
    );
    assert_eq!(guard_items(&stack).await, before);
    assert!(muted(&stack, BORIS_ID));
    assert!(stack.fake.world().message(LOUNGE_ID, warning).is_some());

    // Forged data on the same button: answered, nothing else.
    stack.fake.clear_calls();
    let d = press(&stack, warning, BORIS_ID, "joined:12x").await;
    assert_eq!(d.status, 200);
    assert_eq!(calls(&stack), [json!(["answerCallbackQuery", null, null])]);
    assert_eq!(guard_items(&stack).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warned_user_who_joined_is_checked_live_and_gets_the_groups_own_permissions() {
    let stack = protected_lounge(false, Action::Mute).await;
    let warning = boris_is_warned(&stack).await;
    let subs = format!("SUBS#{BORIS_ID}");
    let cached = guard_items(&stack).await;
    assert!(
        cached
            .iter()
            .any(|i| i["pk"] == subs && i[format!("ch{NEWS_ID}")]["subscribed"] == false),
        "the cache says Boris is not subscribed: {cached:#?}"
    );
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BORIS_ID, MemberStatus::member());

    let d = press(&stack, warning, BORIS_ID, &format!("joined:{BORIS_ID}")).await;

    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!(["getChatMember", NEWS_ID, BORIS_ID]),
            json!(["getChat", LOUNGE_ID]),
            json!(["restrictChatMember", LOUNGE_ID, BORIS_ID]),
            json!(["deleteMessage", LOUNGE_ID, warning]),
            json!([
                "answerCallbackQuery",
                "Thank you! You can write in the group now.",
                false
            ]),
        ]
    );
    assert_eq!(restored_permissions(&stack), [lounge_permissions()]);
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted { is_member: true, permissions, .. })
            if permissions == lounge_permissions()
    ));
    assert!(stack.fake.world().message(LOUNGE_ID, warning).is_none());
    let items = guard_items(&stack).await;
    assert!(
        !has(&items, &lounge(), &format!("MUTE#{BORIS_ID}")),
        "{items:#?}"
    );
    assert!(
        !has(&items, &lounge(), &format!("WARN#{BORIS_ID}")),
        "{items:#?}"
    );
    assert!(
        items
            .iter()
            .any(|i| i["pk"] == subs && i[format!("ch{NEWS_ID}")]["subscribed"] == true),
        "the live answer is cached: {items:#?}"
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        [
            "PutItem",
            "GetItem",
            "BatchGetItem",
            "BatchGetItem",
            "UpdateItem",
            // The restriction record, the warning, and the warning's queue entry.
            "DeleteItem",
            "DeleteItem",
            "DeleteItem",
            "UpdateItem",
            "BatchWriteItem"
        ]
    );

    // Boris now writes freely: the cache knows.
    stack.fake.clear_calls();
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "спасибо")
        .expect("Boris");
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(calls(&stack), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_still_missing_a_channel_is_told_which_and_stays_restricted() {
    let stack = protected_lounge(true, Action::Mute).await;
    let warning = boris_is_warned(&stack).await;
    // Boris joins only @lambdagram_dev.
    stack
        .fake
        .world()
        .set_member(DEV_ID, BORIS_ID, MemberStatus::member());
    let before = guard_items(&stack).await;

    let d = press(&stack, warning, BORIS_ID, &format!("joined:{BORIS_ID}")).await;

    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!(["getChatMember", NEWS_ID, BORIS_ID]),
            json!(["getChatMember", DEV_ID, BORIS_ID]),
            json!([
                "answerCallbackQuery",
                "You are not subscribed to @lambdagram_news yet.",
                true
            ]),
        ]
    );
    assert!(muted(&stack, BORIS_ID));
    assert!(stack.fake.world().message(LOUNGE_ID, warning).is_some());
    let items = guard_items(&stack).await;
    assert!(has(&items, &lounge(), &format!("MUTE#{BORIS_ID}")));
    assert!(has(&items, &lounge(), &format!("WARN#{BORIS_ID}")));
    // Only the membership cache moved (the live answers).
    let without_cache = |items: &[Value]| -> Vec<Value> {
        items
            .iter()
            .filter(|i| i["sk"] != "SUBS")
            .cloned()
            .collect()
    };
    assert_eq!(without_cache(&items), without_cache(&before));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restriction_an_admin_set_is_never_lifted() {
    // The group only deletes and warns; an admin restricted Boris by hand.
    let stack = protected_lounge(false, Action::DeleteOnly).await;
    stack.fake.world().set_member(
        LOUNGE_ID,
        BORIS_ID,
        MemberStatus::restricted(ChatPermissions::none()),
    );
    let warning = boris_is_warned(&stack).await;
    assert!(!has(
        &guard_items(&stack).await,
        &lounge(),
        &format!("MUTE#{BORIS_ID}")
    ));
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BORIS_ID, MemberStatus::member());

    let d = press(&stack, warning, BORIS_ID, &format!("joined:{BORIS_ID}")).await;

    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!(["getChatMember", NEWS_ID, BORIS_ID]),
            json!(["deleteMessage", LOUNGE_ID, warning]),
            json!([
                "answerCallbackQuery",
                "Thank you! You are subscribed.",
                false
            ]),
        ]
    );
    assert!(muted(&stack, BORIS_ID), "the admin's restriction stays");
    assert!(!has(
        &guard_items(&stack).await,
        &lounge(),
        &format!("WARN#{BORIS_ID}")
    ));
}

// ---------------------------------------------------------------------------------------------
// "Lift the restrictions I imposed"
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lift_all_is_for_admins_and_lifts_exactly_the_restrictions_the_bot_recorded() {
    let stack = protected_lounge(false, Action::Mute).await;
    let world = stack.fake.world();
    // Boris muted and warned by the guard; Carol muted by it earlier; Dave muted by an admin.
    let warning = boris_is_warned(&stack).await;
    store(&stack)
        .record_restriction(
            LOUNGE_ID,
            &Restriction {
                user_id: CAROL_ID,
                since: 1_790_000_000,
                until: None,
                pending: false,
            },
        )
        .await
        .expect("record Carol's mute");
    for user_id in [CAROL_ID, DAVE_ID] {
        world.set_member(
            LOUNGE_ID,
            user_id,
            MemberStatus::restricted(ChatPermissions::none()),
        );
    }
    // Alice turns the guard off; the answer carries the button.
    let mut message = world
        .add_message(LOUNGE_ID, ALICE_ID, "/unprotect")
        .expect("Alice");
    message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": 10}]);
    let update = stack.fake.push_update(json!({ "message": message }));
    let d = stack.deliver(&update).await;
    assert_eq!(
        d.reply.as_ref().map(|r| r["reply_markup"].clone()),
        Some(json!({"inline_keyboard": [[
            {"text": "Lift 2 restrictions I imposed", "callback_data": "lift:all"}
        ]]}))
    );
    let answer = stack
        .fake
        .calls_to("sendMessage")
        .last()
        .and_then(|c| c.result()?["message_id"].as_i64())
        .expect("the /unprotect answer");
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    let before = guard_items(&stack).await;

    // A plain member presses it: refused, nothing changes.
    let d = press(&stack, answer, BORIS_ID, "lift:all").await;
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!(["getChatMember", LOUNGE_ID, BORIS_ID]),
            json!([
                "answerCallbackQuery",
                "Only the group's owner and administrators who can ban users may do this.",
                true
            ]),
        ]
    );
    assert_eq!(guard_items(&stack).await, before);
    assert!(muted(&stack, BORIS_ID) && muted(&stack, CAROL_ID) && muted(&stack, DAVE_ID));

    // The owner presses it: exactly the bot's two, the group's own permissions, read once.
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    let d = press(&stack, answer, ALICE_ID, "lift:all").await;

    assert_eq!(d.status, 200);
    let text = "Protection is off. I keep the linked channels (@lambdagram_news) for a later \
                /protect.\nI lifted 2 restrictions I had imposed.";
    assert_eq!(
        calls(&stack),
        [
            json!(["getChatMember", LOUNGE_ID, ALICE_ID]),
            json!(["getChat", LOUNGE_ID]),
            json!(["restrictChatMember", LOUNGE_ID, BORIS_ID]),
            json!(["deleteMessage", LOUNGE_ID, warning]),
            json!(["restrictChatMember", LOUNGE_ID, CAROL_ID]),
            json!(["editMessageText", LOUNGE_ID, answer, text, null]),
            json!([
                "answerCallbackQuery",
                "I lifted 2 restrictions I had imposed.",
                false
            ]),
        ]
    );
    assert_eq!(
        restored_permissions(&stack),
        [lounge_permissions(), lounge_permissions()]
    );
    assert!(!muted(&stack, BORIS_ID) && !muted(&stack, CAROL_ID));
    assert!(muted(&stack, DAVE_ID), "no record, never lifted");
    let edited = world.message(LOUNGE_ID, answer).expect("the answer");
    assert_eq!(edited["text"], text);
    assert!(edited.get("reply_markup").is_none(), "the button is gone");
    let items = guard_items(&stack).await;
    for sk in [
        format!("MUTE#{BORIS_ID}"),
        format!("MUTE#{CAROL_ID}"),
        format!("WARN#{BORIS_ID}"),
    ] {
        assert!(!has(&items, &lounge(), &sk), "{sk}: {items:#?}");
    }
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        [
            "PutItem",
            "BatchGetItem",
            "Query",
            // Per member lifted: the restriction record and the warning (Carol has none);
            // Boris's warning also has its queue entry.
            "DeleteItem",
            "DeleteItem",
            "DeleteItem",
            "DeleteItem",
            "DeleteItem",
            "UpdateItem",
            "BatchWriteItem"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_bot_allow_list_on_an_unlisted_group_is_still_enforced_and_its_restricted_get_out()
{
    let stack = protected_lounge(false, Action::Mute).await;
    // The bot's admins turned the allow-list on for someone else: the Lounge is not on it.
    lambdagram::botsets::BotSets::add_member(
        &store(&stack),
        lambdagram::botsets::BotSet::Allowed,
        999_999,
        &[],
    )
    .await
    .expect("the list on");

    // Boris, no subscriber, sends a command in the Lounge: the gate enforces it before the
    // allow-list would ignore it.
    let mut update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "/help buy my course")
        .expect("Boris is in the Lounge");
    update["message"]["entities"] = json!([{"type": "bot_command", "offset": 0, "length": 5}]);
    assert_eq!(stack.deliver(&update).await.status, 200);
    let methods: Vec<String> = stack.fake.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        [
            "getChatAdministrators",
            "getChatMember",
            "deleteMessage",
            "getChatMember",
            "restrictChatMember",
            "sendMessage"
        ],
        "enforced: deleted, muted, warned"
    );
    assert!(muted(&stack, BORIS_ID));
    let warning = last_warning(&stack);
    stack.fake.clear_calls();

    // He subscribes and presses "I have joined": the allow-list never keeps him muted.
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BORIS_ID, MemberStatus::member());
    let d = press(&stack, warning, BORIS_ID, &format!("joined:{BORIS_ID}")).await;
    assert_eq!(d.status, 200);
    assert!(!muted(&stack, BORIS_ID));
    assert!(
        calls(&stack).contains(&json!([
            "answerCallbackQuery",
            "Thank you! You can write in the group now.",
            false
        ])),
        "{:?}",
        calls(&stack)
    );
}
