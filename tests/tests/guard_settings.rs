//! The channel guard's settings end to end: `/settings` in the Lounge (the menu as the webhook
//! reply) and presses on its buttons (the `settings-menu` function), with DynamoDB Local and
//! the fake Bot API. Each test asserts the exact Bot API calls, the stored configuration and the
//! DynamoDB requests.
//!
//! The fake's default world: Alice (English) is the Lounge's creator, Boris (Russian) a member;
//! here Carol is an administrator who can restrict members, and the Lounge is protected by
//! @lambdagram_news.

use channel_guard::config::{Action, Configurers, GroupConfig, LinkedChannel};
use channel_guard::menu;
use channel_guard::store::prelude::*;
use fake_bot_api::{AdminRights, MemberStatus, User, ALICE_ID, BORIS_ID, LOUNGE_ID, NEWS_ID};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::stack::{Delivery, Stack};
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;

const NOT_ALLOWED: &str =
    "Only the group's owner and administrators who can ban users may do this.";
const NOT_ALLOWED_RU: &str =
    "Это могут только владелец группы и администраторы с правом блокировать пользователей.";
const OWNER_ONLY: &str = "Only the group's owner may do this.";

/// Every button's callback data, row by row, as `/settings` draws them.
fn menu_data() -> Value {
    json!([
        ["set:a:m", "set:a:d", "set:a:k"],
        ["set:j:1", "set:j:0"],
        ["set:r:o", "set:r:d", "set:r:h"],
        ["set:w:60", "set:w:300", "set:w:900", "set:w:3600"],
        ["set:h:0", "set:h:1"],
        ["set:h:24", "set:h:168"],
        ["set:l:en", "set:l:ru"],
        ["set:c:o", "set:c:a"],
        ["set:x"]
    ])
}

fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
}

/// The Lounge as `/protect @lambdagram_news` leaves it.
fn protected() -> GroupConfig {
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = true;
    config.link([LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some("lambdagram_news".into()),
        invite_link: None,
    }]);
    // As stored by `protected_lounge`: its first revision.
    config.version = 1;
    config
}

/// Carol in the Lounge as an administrator who can ban; nothing stored yet.
async fn lounge() -> Stack {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.add_user(User::new(CAROL_ID, "Carol").with_language("en"));
    world.set_member(
        LOUNGE_ID,
        CAROL_ID,
        MemberStatus::admin(AdminRights::moderator()),
    );
    stack
}

/// [`lounge`], protected (calls and ops cleared).
async fn protected_lounge() -> Stack {
    let stack = lounge().await;
    store(&stack)
        .save_group(
            &mut GroupConfig {
                version: 0,
                ..protected()
            },
            &[],
        )
        .await
        .expect("protect the Lounge");
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    stack
}

/// `from` sends `/settings` in the Lounge (with its `bot_command` entity).
async fn settings(stack: &Stack, from: i64) -> Delivery {
    let mut message = stack
        .fake
        .world()
        .add_message(LOUNGE_ID, from, "/settings")
        .expect("a known user in the Lounge");
    message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": 9}]);
    let update = stack.fake.push_update(json!({ "message": message }));
    stack.deliver(&update).await
}

/// Alice opens the menu; returns its message id (calls and ops cleared).
async fn open_menu(stack: &Stack) -> i64 {
    let d = settings(stack, ALICE_ID).await;
    assert_eq!(d.status, 200);
    let sent = stack.fake.calls_to("sendMessage");
    let id = sent
        .last()
        .and_then(|c| c.result())
        .and_then(|m| m["message_id"].as_i64())
        .expect("the menu was sent");
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    id
}

/// `user_id` presses the button with `data` under the menu.
async fn press(stack: &Stack, menu_id: i64, user_id: i64, data: &str) -> Delivery {
    let update = stack
        .fake
        .press_button(LOUNGE_ID, menu_id, user_id, data)
        .expect("a known message and user");
    stack.deliver(&update).await
}

/// The callback data of an inline keyboard, row by row.
fn data_of(markup: &Value) -> Value {
    let rows = markup["inline_keyboard"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    rows.iter()
        .map(|row| {
            row.as_array()
                .map(|r| r.iter().map(|b| b["callback_data"].clone()).collect())
                .unwrap_or_else(Vec::new)
        })
        .collect::<Vec<Vec<Value>>>()
        .into()
}

/// The labels of the buttons marked current.
fn marked(markup: &Value) -> Vec<String> {
    markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["text"].as_str().map(str::to_owned))
        .filter(|t| t.starts_with("✓ "))
        .collect()
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
                "sendMessage" => json!(["sendMessage", p("chat_id"), p("text")]),
                "editMessageText" => json!([
                    "editMessageText",
                    p("chat_id"),
                    p("message_id"),
                    p("text"),
                    data_of(&p("reply_markup"))
                ]),
                "answerCallbackQuery" => {
                    json!(["answerCallbackQuery", p("text"), p("show_alert")])
                }
                other => json!([other]),
            }
        })
        .collect()
}

fn sender_check(user_id: i64) -> Value {
    json!(["getChatMember", LOUNGE_ID, user_id])
}

fn said(text: &str) -> Value {
    json!(["sendMessage", LOUNGE_ID, text])
}

fn redrawn(menu_id: i64, config: &GroupConfig) -> Value {
    json!([
        "editMessageText",
        LOUNGE_ID,
        menu_id,
        menu::text(config),
        menu_data()
    ])
}

fn answered(text: Option<&str>, alert: bool) -> Value {
    json!([
        "answerCallbackQuery",
        text,
        if alert { json!(true) } else { Value::Null }
    ])
}

async fn stored_config(stack: &Stack) -> Option<GroupConfig> {
    store(stack)
        .group_state(LOUNGE_ID, 0)
        .await
        .expect("read the Lounge")
        .config
}

/// The menu message as it now stands in the fake's Lounge.
fn menu_message(stack: &Stack, menu_id: i64) -> Value {
    stack
        .fake
        .world()
        .message(LOUNGE_ID, menu_id)
        .expect("the menu message")
}

/// The ledger, and the interaction log's entry (the guard logs its buttons).
const LEDGER_ONLY: [&str; 3] = ["PutItem", "UpdateItem", "BatchWriteItem"];

// ---------------------------------------------------------------------------------------------
// /settings
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_gets_the_menu_as_the_webhook_reply() {
    let stack = protected_lounge().await;

    for (i, admin) in [ALICE_ID, CAROL_ID].into_iter().enumerate() {
        let d = settings(&stack, admin).await;

        assert_eq!(d.status, 200);
        let text = menu::text(&protected());
        assert_eq!(calls(&stack), [sender_check(admin), said(&text)]);
        let reply = d.reply.expect("answered by webhook reply");
        assert_eq!(reply["method"], "sendMessage");
        assert_eq!(reply["parse_mode"], "HTML");
        assert_eq!(data_of(&reply["reply_markup"]), menu_data());
        assert_eq!(
            marked(&reply["reply_markup"]),
            [
                "✓ Mute",
                "✓ Check on join",
                "✓ 🚪 Admins decide",
                "✓ 🗑 5 min",
                "✓ 🔇 until verified",
                "✓ English",
                "✓ Owner and admins"
            ]
        );
        assert_eq!(
            stack.emulator.take_dynamodb_ops(),
            // The first in a cold sandbox also reads the deny- and allow-lists (then kept 30 s).
            if i == 0 {
                &["GetItem", "GetItem", "BatchGetItem", "BatchWriteItem"][..]
            } else {
                &["BatchGetItem", "BatchWriteItem"][..]
            },
            "no ledger, one read, no write but the interaction log's"
        );
        stack.fake.clear_calls();
    }
    assert_eq!(stored_config(&stack).await, Some(protected()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_admin_gets_the_menu_without_a_member_check() {
    let stack = protected_lounge().await;
    let lounge = json!({"id": LOUNGE_ID, "type": "supergroup", "title": "Lambdagram Lounge"});
    let update = stack.fake.push_update(json!({"message": {
        "message_id": 9100, "date": 1_790_000_000, "chat": lounge, "sender_chat": lounge,
        "from": {"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"},
        "text": "/settings",
        "entities": [{"type": "bot_command", "offset": 0, "length": 9}]
    }}));

    let d = stack.deliver(&update).await;

    assert_eq!(d.status, 200);
    assert_eq!(calls(&stack), [said(&menu::text(&protected()))]);
    assert_eq!(
        data_of(&d.reply.expect("a webhook reply")["reply_markup"]),
        menu_data()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_member_is_refused_and_gets_no_menu() {
    let stack = protected_lounge().await;

    let d = settings(&stack, BORIS_ID).await;

    assert_eq!(d.status, 200);
    assert_eq!(calls(&stack), [sender_check(BORIS_ID), said(NOT_ALLOWED)]);
    let reply = d.reply.expect("answered by webhook reply");
    assert_eq!(reply.get("reply_markup"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_never_protected_is_pointed_at_protect() {
    let stack = lounge().await;
    stack.emulator.take_dynamodb_ops();

    let d = settings(&stack, ALICE_ID).await;

    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            sender_check(ALICE_ID),
            said(
                "This group is not protected yet, so there is nothing to set. Start with \
                 <code>/protect @channel</code>; then /settings."
            )
        ]
    );
    assert_eq!(d.reply.expect("a webhook reply").get("reply_markup"), None);
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        ["GetItem", "GetItem", "BatchGetItem", "BatchWriteItem"]
    );
    assert_eq!(stored_config(&stack).await, None, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_event_opens_the_menu() {
    let stack = protected_lounge().await;

    let d = stack.deliver_sample("09-supergroup-settings").await;

    assert_eq!(d.status, 200);
    let reply = d.reply.expect("answered by webhook reply");
    assert_eq!(data_of(&reply["reply_markup"]), menu_data());
    assert_eq!(
        calls(&stack),
        [sender_check(ALICE_ID), said(&menu::text(&protected()))]
    );
}

// ---------------------------------------------------------------------------------------------
// The menu's buttons
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_pressing_kick_saves_it_and_redraws_the_menu() {
    let stack = protected_lounge().await;
    let menu_id = open_menu(&stack).await;

    let d = press(&stack, menu_id, CAROL_ID, "set:a:k").await;

    assert_eq!(d.status, 200);
    let mut kick = protected();
    kick.settings.action = Action::Kick;
    kick.version = 2;
    assert_eq!(
        calls(&stack),
        [
            sender_check(CAROL_ID),
            redrawn(menu_id, &kick),
            answered(Some("Saved"), false)
        ]
    );
    assert_eq!(
        d.reply.expect("the answer is the webhook reply")["method"],
        "answerCallbackQuery"
    );
    assert_eq!(stored_config(&stack).await, Some(kick.clone()));
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
    let shown = menu_message(&stack, menu_id);
    assert_eq!(
        shown["text"]
            .as_str()
            .map(|t| t.contains("removed from the group")),
        Some(true)
    );
    assert_eq!(
        marked(&shown["reply_markup"]),
        [
            "✓ Kick",
            "✓ Check on join",
            "✓ 🚪 Admins decide",
            "✓ 🗑 5 min",
            "✓ 🔇 until verified",
            "✓ English",
            "✓ Owner and admins"
        ]
    );

    // Kick again: already so. Answered; no write, no edit.
    stack.fake.clear_calls();
    let d = press(&stack, menu_id, CAROL_ID, "set:a:k").await;
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [sender_check(CAROL_ID), answered(None, false)]
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        ["PutItem", "BatchGetItem", "UpdateItem", "BatchWriteItem"]
    );
    assert_eq!(stored_config(&stack).await, Some(kick));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_member_pressing_gets_an_alert_and_nothing_changes() {
    let stack = protected_lounge().await;
    let menu_id = open_menu(&stack).await;
    let before = menu_message(&stack, menu_id);

    let d = press(&stack, menu_id, BORIS_ID, "set:a:k").await;

    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [sender_check(BORIS_ID), answered(Some(NOT_ALLOWED_RU), true)],
        "the alert is for Boris, in his language"
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
    assert_eq!(stored_config(&stack).await, Some(protected()));
    assert_eq!(menu_message(&stack, menu_id), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_data_is_answered_and_nothing_is_read_or_written() {
    let stack = protected_lounge().await;
    let menu_id = open_menu(&stack).await;

    // The menu was opened by /settings; the first press is the button route's cold sandbox,
    // which reads the deny-list and the allow-list once.
    for (i, forged) in ["set:w:301", "set:h:2", "set:a:z", "set:x:1"]
        .into_iter()
        .enumerate()
    {
        let d = press(&stack, menu_id, ALICE_ID, forged).await;

        assert_eq!(d.status, 200, "{forged}");
        assert_eq!(calls(&stack), [answered(None, false)], "{forged}");
        let expected: &[&str] = if i == 0 {
            &[
                "PutItem",
                "GetItem",
                "GetItem",
                "UpdateItem",
                "BatchWriteItem",
            ]
        } else {
            &LEDGER_ONLY
        };
        assert_eq!(stack.emulator.take_dynamodb_ops(), expected, "{forged}");
        stack.fake.clear_calls();
    }
    assert_eq!(stored_config(&stack).await, Some(protected()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_makes_settings_owner_only() {
    let stack = protected_lounge().await;
    let menu_id = open_menu(&stack).await;

    // Carol, an administrator, may change settings, but not take them from the others.
    press(&stack, menu_id, CAROL_ID, "set:c:o").await;
    assert_eq!(
        calls(&stack),
        [sender_check(CAROL_ID), answered(Some(OWNER_ONLY), true)]
    );
    assert_eq!(stored_config(&stack).await, Some(protected()));

    stack.fake.clear_calls();
    press(&stack, menu_id, ALICE_ID, "set:c:o").await;
    let mut owner_only = protected();
    owner_only.settings.configurers = Configurers::OwnerOnly;
    owner_only.version = 2;
    assert_eq!(
        calls(&stack),
        [
            sender_check(ALICE_ID),
            redrawn(menu_id, &owner_only),
            answered(Some("Saved"), false)
        ]
    );
    assert_eq!(stored_config(&stack).await, Some(owner_only.clone()));

    // From now on Carol may change nothing, nor open the menu.
    stack.fake.clear_calls();
    press(&stack, menu_id, CAROL_ID, "set:a:k").await;
    assert_eq!(
        calls(&stack),
        [sender_check(CAROL_ID), answered(Some(OWNER_ONLY), true)]
    );
    stack.fake.clear_calls();
    settings(&stack, CAROL_ID).await;
    assert_eq!(calls(&stack), [sender_check(CAROL_ID), said(OWNER_ONLY)]);
    assert_eq!(stored_config(&stack).await, Some(owner_only));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_to_russian_redraws_the_menu_in_russian() {
    let stack = protected_lounge().await;
    let menu_id = open_menu(&stack).await;

    press(&stack, menu_id, ALICE_ID, "set:l:ru").await;

    let mut russian = protected();
    russian.settings.lang = channel_guard::i18n::RU;
    russian.version = 2;
    assert_eq!(
        calls(&stack),
        [
            sender_check(ALICE_ID),
            redrawn(menu_id, &russian),
            answered(Some("Сохранено"), false)
        ]
    );
    let shown = menu_message(&stack, menu_id);
    assert!(
        shown["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("⚙️ <b>Настройки</b>")),
        "{shown}"
    );
    assert_eq!(
        marked(&shown["reply_markup"]),
        [
            "✓ Ограничить",
            "✓ Проверять при входе",
            "✓ 🚪 Решают админы",
            "✓ 🗑 5 мин",
            "✓ 🔇 до проверки",
            "✓ Русский",
            "✓ Владелец и админы"
        ]
    );
    assert_eq!(stored_config(&stack).await, Some(russian));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn done_closes_the_menu_to_a_summary() {
    let stack = protected_lounge().await;
    let menu_id = open_menu(&stack).await;

    let d = press(&stack, menu_id, ALICE_ID, "set:x").await;

    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            sender_check(ALICE_ID),
            json!([
                "editMessageText",
                LOUNGE_ID,
                menu_id,
                menu::summary(&protected()),
                []
            ]),
            answered(None, false)
        ]
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
        ],
        "nothing written"
    );
    assert_eq!(menu_message(&stack, menu_id).get("reply_markup"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_menu_still_saves_the_change() {
    let stack = protected_lounge().await;
    let menu_id = open_menu(&stack).await;
    let press_update = stack
        .fake
        .press_button(LOUNGE_ID, menu_id, ALICE_ID, "set:j:0")
        .expect("a press");
    // Someone deletes the menu before the press arrives: the edit is refused, carried on.
    stack
        .fake
        .execute_webhook_reply(
            &json!({"method": "deleteMessage", "chat_id": LOUNGE_ID, "message_id": menu_id}),
        )
        .await;
    stack.fake.clear_calls();

    let d = stack.deliver(&press_update).await;

    assert_eq!(d.status, 200);
    let mut off = protected();
    off.settings.check_on_join = false;
    off.version = 2;
    assert_eq!(
        calls(&stack),
        [
            sender_check(ALICE_ID),
            redrawn(menu_id, &off),
            answered(Some("Saved"), false)
        ]
    );
    assert!(!stack.fake.calls_to("editMessageText")[0].is_ok());
    assert_eq!(stored_config(&stack).await, Some(off));
}
