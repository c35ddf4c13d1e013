//! Join requests to a protected group, end to end (`join-request`, and `verify` for the held
//! requester's button): off by default; a subscriber approved; a non-subscriber declined, or
//! held with a message in their private chat that approves the request once they subscribe; a
//! private channel's join link created once and saved. Redeliveries and faults after an effect
//! repeat nothing visible; refusals are outcomes or dead letters, never a redelivery loop. Real
//! binaries, DynamoDB Local, the fake Bot API: exact calls, exact state, exact DynamoDB requests.

use channel_guard::config::{GroupConfig, JoinRequests, LinkedChannel};
use channel_guard::store::prelude::*;
use fake_bot_api::{
    AdminRights, Chat, Fault, FaultKind, MemberStatus, User, BOT_ID, LOUNGE_ID, NEWS_ID,
    NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::dynamo_proxy::DynamoFault;
use lambdagram_e2e::stack::{Delivery, Stack};
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;
const DAVE_ID: i64 = 444_444;
/// A private channel (no @username) linked beside @lambdagram_news.
const CLUB_ID: i64 = -1_002_222_222_222;

fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
}

fn news() -> LinkedChannel {
    LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }
}

fn club() -> LinkedChannel {
    LinkedChannel {
        id: CLUB_ID,
        title: "Club".into(),
        username: None,
        invite_link: None,
    }
}

/// The bot's rights in the Lounge: a moderator that may also invite users (and so decide join
/// requests).
fn inviter() -> MemberStatus {
    MemberStatus::admin(AdminRights {
        can_invite_users: true,
        ..AdminRights::moderator()
    })
}

/// The Lounge protected by `channels` with `join_requests`; Carol and Dave are strangers to it
/// and to the channels. The private Club exists with the bot an administrator who may invite.
async fn lounge(join_requests: JoinRequests, channels: &[LinkedChannel]) -> Stack {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.set_member(LOUNGE_ID, BOT_ID, inviter());
    world.add_user(User::new(CAROL_ID, "Carol").with_language("en"));
    world.add_user(User::new(DAVE_ID, "Dave").with_language("en"));
    world.add_chat(Chat::channel(CLUB_ID, "Club"));
    world.set_member(
        CLUB_ID,
        BOT_ID,
        MemberStatus::admin(AdminRights {
            can_invite_users: true,
            ..AdminRights::basic()
        }),
    );
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = true;
    config.settings.join_requests = join_requests;
    config.link(channels.iter().cloned());
    store(&stack)
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
    stack
}

/// `user_id` asks to join the Lounge; the update is delivered. Calls and DynamoDB requests are
/// cleared first.
async fn request(stack: &Stack, user_id: i64) -> (Value, Delivery) {
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    let update = stack
        .fake
        .chat_join_request(LOUNGE_ID, user_id)
        .expect("a known user and chat");
    let delivery = stack.deliver(&update).await;
    (update, delivery)
}

/// Every Bot API call since the last clear, with its key parameters and HTTP status.
fn calls(stack: &Stack) -> Vec<Value> {
    stack
        .fake
        .calls()
        .iter()
        .map(|c| {
            let p = |name| c.param(name).cloned().unwrap_or(Value::Null);
            let call = match c.method.as_str() {
                "getChatMember" => json!(["getChatMember", p("chat_id"), p("user_id")]),
                "approveChatJoinRequest" | "declineChatJoinRequest" => {
                    json!([c.method, p("chat_id"), p("user_id")])
                }
                "createChatInviteLink" => json!(["createChatInviteLink", p("chat_id"), p("name")]),
                "sendMessage" => json!(["sendMessage", p("chat_id")]),
                "answerCallbackQuery" => json!(["answerCallbackQuery", p("text"), p("show_alert")]),
                other => json!([other]),
            };
            json!([call, c.http_status])
        })
        .collect()
}

async fn config(stack: &Stack) -> GroupConfig {
    store(stack)
        .group_state(LOUNGE_ID, lambdagram::time::now())
        .await
        .expect("read")
        .config
        .expect("the Lounge's config")
}

fn dead_letters(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DEAD#")))
        .cloned()
        .collect()
}

/// The held message's buttons as (label, url or callback data).
fn buttons(message: &Value) -> Vec<(String, String)> {
    message["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| {
            let target = b["url"].as_str().or(b["callback_data"].as_str());
            (
                b["text"].as_str().unwrap_or_default().to_owned(),
                target.unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_by_default_requests_are_left_to_the_admins() {
    let stack = lounge(JoinRequests::Off, &[news()]).await;
    assert_eq!(
        GroupConfig::new(1).settings.join_requests,
        JoinRequests::Off
    );
    let (_, d) = request(&stack, CAROL_ID).await;
    assert_eq!((d.status, d.reply), (200, None));
    assert_eq!(calls(&stack), Vec::<Value>::new());
    // The ledger and one read of the group and the requester.
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "BatchGetItem", "UpdateItem"])
    );
    assert_eq!(stack.fake.world().join_requests(LOUNGE_ID), [CAROL_ID]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_is_approved_once() {
    let stack = lounge(JoinRequests::Decline, &[news()]).await;
    let world = stack.fake.world();
    world.set_member(NEWS_ID, CAROL_ID, MemberStatus::member());
    let (update, d) = request(&stack, CAROL_ID).await;
    assert_eq!((d.status, d.reply), (200, None));
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["approveChatJoinRequest", LOUNGE_ID, CAROL_ID], 200]),
        ]
    );
    // Ledger claim, one read, the fresh membership cached, ledger done.
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "BatchGetItem", "UpdateItem", "UpdateItem"])
    );
    assert_eq!(
        world.member(LOUNGE_ID, CAROL_ID),
        Some(MemberStatus::member())
    );
    assert!(world.join_requests(LOUNGE_ID).is_empty());

    // A redelivery is a duplicate: one conditional put, nothing called.
    stack.fake.clear_calls();
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(calls(&stack), Vec::<Value>::new());
    assert_eq!(stack.emulator.take_dynamodb_ops(), strings(&["PutItem"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_subscriber_is_declined_and_the_allow_list_approved() {
    let stack = lounge(JoinRequests::Decline, &[news()]).await;
    let world = stack.fake.world();
    let (_, d) = request(&stack, CAROL_ID).await;
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["declineChatJoinRequest", LOUNGE_ID, CAROL_ID], 200]),
        ]
    );
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&["PutItem", "BatchGetItem", "UpdateItem", "UpdateItem"])
    );
    assert_eq!(world.member(LOUNGE_ID, CAROL_ID), None);
    assert!(world.join_requests(LOUNGE_ID).is_empty());

    // Dave is on the allow-list: approved without a check.
    let mut allowed = config(&stack).await;
    allowed.allow_list.push(DAVE_ID);
    store(&stack)
        .save_group(&mut allowed, &[])
        .await
        .expect("allow Dave");
    let (_, d) = request(&stack, DAVE_ID).await;
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [json!([["approveChatJoinRequest", LOUNGE_ID, DAVE_ID], 200])]
    );
    assert_eq!(
        world.member(LOUNGE_ID, DAVE_ID),
        Some(MemberStatus::member())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_requester_is_asked_to_subscribe_and_approved_from_the_button() {
    let stack = lounge(JoinRequests::Hold, &[news()]).await;
    let world = stack.fake.world();
    let (update, d) = request(&stack, CAROL_ID).await;
    assert_eq!((d.status, d.reply), (200, None));
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["sendMessage", CAROL_ID], 200]),
        ]
    );
    // Ledger claim, one read, the membership cached, the message journalled (intent, the chat's
    // and the bot's flood windows, result), ledger done.
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&[
            "PutItem",
            "BatchGetItem",
            "UpdateItem",
            "PutItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
        ])
    );
    let held = world.messages(CAROL_ID);
    let [message] = held.as_slice() else {
        panic!("one message to Carol: {held:#?}");
    };
    assert_eq!(
        message["text"],
        "To join <b>Lambdagram Lounge</b>, subscribe to @lambdagram_news first, then press “I have joined”."
    );
    let data = format!("joined:{CAROL_ID}:{LOUNGE_ID}");
    assert_eq!(
        buttons(message),
        [
            (
                "Join Lambdagram News".to_owned(),
                "https://t.me/lambdagram_news".to_owned()
            ),
            ("✅ I have joined".to_owned(), data.clone()),
        ]
    );
    assert_eq!(world.join_requests(LOUNGE_ID), [CAROL_ID]);

    // Delivered again (say, the answer was lost): the ledger has it; no second message.
    stack.fake.clear_calls();
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(calls(&stack), Vec::<Value>::new());
    assert_eq!(world.messages(CAROL_ID).len(), 1);

    // She presses before subscribing: told what is missing, still pending.
    let id = message["message_id"].as_i64().expect("id");
    stack.fake.clear_calls();
    let press = stack
        .fake
        .press_button(CAROL_ID, id, CAROL_ID, &data)
        .expect("her message");
    assert_eq!(stack.deliver(&press).await.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([
                [
                    "answerCallbackQuery",
                    "You are not subscribed to @lambdagram_news yet.",
                    true
                ],
                200
            ]),
        ]
    );
    assert_eq!(world.join_requests(LOUNGE_ID), [CAROL_ID]);

    // Subscribed, she presses again: checked live, approved.
    world.set_member(NEWS_ID, CAROL_ID, MemberStatus::member());
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    let press = stack
        .fake
        .press_button(CAROL_ID, id, CAROL_ID, &data)
        .expect("her message");
    assert_eq!(stack.deliver(&press).await.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["approveChatJoinRequest", LOUNGE_ID, CAROL_ID], 200]),
            json!([
                [
                    "answerCallbackQuery",
                    "Thank you! Your request to join is approved.",
                    false
                ],
                200
            ]),
        ]
    );
    // The ledger's claim, the group, the requester, the fresh membership cached, done (the
    // deny- and allow-lists were read by the first press: kept 30 s), the interaction log.
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&[
            "PutItem",
            "BatchGetItem",
            "BatchGetItem",
            "UpdateItem",
            "UpdateItem",
            "BatchWriteItem",
        ])
    );
    assert_eq!(
        world.member(LOUNGE_ID, CAROL_ID),
        Some(MemberStatus::member())
    );

    // Once more: the request is gone, and she is told so.
    stack.fake.clear_calls();
    let press = stack
        .fake
        .press_button(CAROL_ID, id, CAROL_ID, &data)
        .expect("her message");
    assert_eq!(stack.deliver(&press).await.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["approveChatJoinRequest", LOUNGE_ID, CAROL_ID], 400]),
            json!([
                [
                    "answerCallbackQuery",
                    "This request to join is no longer pending.",
                    true
                ],
                200
            ]),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_channels_join_link_is_created_once_and_saved() {
    let stack = lounge(JoinRequests::Hold, &[news(), club()]).await;
    let world = stack.fake.world();
    let (_, d) = request(&stack, CAROL_ID).await;
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["getChatMember", CLUB_ID, CAROL_ID], 200]),
            json!([["createChatInviteLink", CLUB_ID, "channel guard"], 200]),
            json!([["sendMessage", CAROL_ID], 200]),
        ]
    );
    // Beyond a held request's: the link journalled (intent, result) and the config saved.
    assert_eq!(
        stack.emulator.take_dynamodb_ops(),
        strings(&[
            "PutItem",
            "BatchGetItem",
            "UpdateItem",
            "UpdateItem",
            "PutItem",
            "UpdateItem",
            "TransactWriteItems",
            "PutItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
        ])
    );
    let links = world.invite_links(CLUB_ID);
    let [link] = links.as_slice() else {
        panic!("one link: {links:#?}");
    };
    let link = link["invite_link"].as_str().expect("a link").to_owned();
    let saved = config(&stack).await;
    assert_eq!(
        saved.channels,
        [
            news(),
            LinkedChannel {
                invite_link: Some(link.clone()),
                ..club()
            }
        ]
    );
    let message = world.messages(CAROL_ID).pop().expect("the held message");
    assert_eq!(
        message["text"],
        "To join <b>Lambdagram Lounge</b>, subscribe to @lambdagram_news, <b>Club</b> first, then press “I have joined”."
    );
    assert_eq!(
        buttons(&message),
        [
            (
                "Join Lambdagram News".to_owned(),
                "https://t.me/lambdagram_news".to_owned()
            ),
            ("Join Club".to_owned(), link.clone()),
            (
                "✅ I have joined".to_owned(),
                format!("joined:{CAROL_ID}:{LOUNGE_ID}")
            ),
        ]
    );

    // Dave asks too: the saved link is used, none created.
    let (_, d) = request(&stack, DAVE_ID).await;
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, DAVE_ID], 200]),
            json!([["getChatMember", CLUB_ID, DAVE_ID], 200]),
            json!([["sendMessage", DAVE_ID], 200]),
        ]
    );
    assert_eq!(world.invite_links(CLUB_ID).len(), 1);
    let message = world.messages(DAVE_ID).pop().expect("the held message");
    assert!(buttons(&message).contains(&("Join Club".to_owned(), link)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_message_whose_answer_was_lost_is_never_sent_again() {
    let stack = lounge(JoinRequests::Hold, &[news()]).await;
    stack.fake.inject(Fault::once(
        "sendMessage",
        FaultKind::AnswerLost { status: 502 },
    ));
    let (update, d) = request(&stack, CAROL_ID).await;
    // The message may be there: never sent twice; the update completes.
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["sendMessage", CAROL_ID], 502]),
        ]
    );
    stack.fake.clear_calls();
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(calls(&stack), Vec::<Value>::new());
    assert_eq!(stack.fake.world().messages(CAROL_ID).len(), 1);
    assert_eq!(dead_letters(&stack.items().await), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_whose_answer_was_lost_is_carried_on_from() {
    let stack = lounge(JoinRequests::Decline, &[news()]).await;
    let world = stack.fake.world();
    world.set_member(NEWS_ID, CAROL_ID, MemberStatus::member());
    stack.fake.inject(Fault::once(
        "approveChatJoinRequest",
        FaultKind::AnswerLost { status: 502 },
    ));
    let (_, d) = request(&stack, CAROL_ID).await;
    // Approving is idempotent: retried, and "no longer pending" is the answer it was done.
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["approveChatJoinRequest", LOUNGE_ID, CAROL_ID], 502]),
            json!([["approveChatJoinRequest", LOUNGE_ID, CAROL_ID], 400]),
        ]
    );
    assert_eq!(
        world.member(LOUNGE_ID, CAROL_ID),
        Some(MemberStatus::member())
    );
    assert_eq!(dead_letters(&stack.items().await), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_outage_fails_the_update_and_the_redelivery_decides_it() {
    let stack = lounge(JoinRequests::Decline, &[news()]).await;
    let world = stack.fake.world();
    // A 5xx for every attempt the invocation makes.
    stack.fake.inject(Fault::new(
        "declineChatJoinRequest",
        FaultKind::ServerError { status: 502 },
        4,
    ));
    let (update, d) = request(&stack, CAROL_ID).await;
    assert_ne!(d.status, 200, "Telegram redelivers");
    assert_eq!(world.join_requests(LOUNGE_ID), [CAROL_ID]);
    stack.fake.clear_faults();
    stack.fake.clear_calls();
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(
        calls(&stack),
        [
            // The answer was cached by the first delivery.
            json!([["declineChatJoinRequest", LOUNGE_ID, CAROL_ID], 200]),
        ]
    );
    assert!(world.join_requests(LOUNGE_ID).is_empty());
    assert_eq!(dead_letters(&stack.items().await), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_no_longer_pending_is_an_outcome_and_missing_rights_a_dead_letter() {
    let stack = lounge(JoinRequests::Decline, &[news()]).await;
    let world = stack.fake.world();
    // An admin declined it before the guard's turn came.
    let update = stack
        .fake
        .chat_join_request(LOUNGE_ID, CAROL_ID)
        .expect("a request");
    stack
        .fake
        .execute_webhook_reply(&json!({
            "method": "declineChatJoinRequest", "chat_id": LOUNGE_ID, "user_id": CAROL_ID
        }))
        .await;
    assert!(world.join_requests(LOUNGE_ID).is_empty());
    stack.fake.clear_calls();
    let d = stack.deliver(&update).await;
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["declineChatJoinRequest", LOUNGE_ID, CAROL_ID], 400]),
        ]
    );
    assert_eq!(dead_letters(&stack.items().await), Vec::<Value>::new());

    // The bot may not invite users in the Lounge: refused for good, acknowledged, one dead
    // letter, and the request stays for the admins.
    stack.fake.world().set_member(
        LOUNGE_ID,
        BOT_ID,
        MemberStatus::admin(AdminRights::moderator()),
    );
    let (update, d) = request(&stack, DAVE_ID).await;
    assert_eq!((d.status, d.body.as_str()), (200, ""));
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, DAVE_ID], 200]),
            json!([["declineChatJoinRequest", LOUNGE_ID, DAVE_ID], 400]),
        ]
    );
    let update_id = update["update_id"].as_i64().expect("update_id");
    let letters = dead_letters(&stack.items().await);
    let [letter] = letters.as_slice() else {
        panic!("one dead letter: {letters:#?}");
    };
    assert_eq!(
        (
            &letter["update_id"],
            &letter["route"],
            &letter["step"],
            &letter["reason"]
        ),
        (
            &json!(update_id),
            &json!("join-request"),
            &json!("declineChatJoinRequest"),
            &json!("400 Bad Request: CHAT_ADMIN_REQUIRED")
        )
    );
    assert!(stack
        .fake
        .world()
        .join_requests(LOUNGE_ID)
        .contains(&DAVE_ID));
    // Redelivered: a duplicate, nothing called again.
    stack.fake.clear_calls();
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(calls(&stack), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_requester_who_blocked_the_bot_is_left_pending() {
    let stack = lounge(JoinRequests::Hold, &[news()]).await;
    stack.fake.world().set_blocked(CAROL_ID, true);
    let (_, d) = request(&stack, CAROL_ID).await;
    assert_eq!(d.status, 200);
    assert_eq!(
        calls(&stack),
        [
            json!([["getChatMember", NEWS_ID, CAROL_ID], 200]),
            json!([["sendMessage", CAROL_ID], 403]),
        ]
    );
    assert_eq!(stack.fake.world().join_requests(LOUNGE_ID), [CAROL_ID]);
    assert_eq!(dead_letters(&stack.items().await), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_made_before_an_outage_are_saved_and_the_redelivery_makes_only_the_rest() {
    const DEN_ID: i64 = -1_003_333_333_333;
    let den = LinkedChannel {
        id: DEN_ID,
        title: "Den".into(),
        username: None,
        invite_link: None,
    };
    let stack = lounge(JoinRequests::Hold, &[club(), den.clone()]).await;
    let world = stack.fake.world();
    world.add_chat(Chat::channel(DEN_ID, "Den"));
    world.set_member(
        DEN_ID,
        BOT_ID,
        MemberStatus::admin(AdminRights {
            can_invite_users: true,
            ..AdminRights::basic()
        }),
    );
    // The Club's link is made; then the journal cannot record the Den's intent (DynamoDB fails
    // on every SDK attempt): a transient failure, after one link was made.
    stack.dynamo_faults().inject(
        DynamoFault::fail("PutItem")
            .when_body_contains(&format!("invite-link:{DEN_ID}"))
            .calls(1),
    );
    let (update, d) = request(&stack, CAROL_ID).await;
    assert_ne!(d.status, 200, "Telegram redelivers");
    assert_eq!(stack.dynamo_faults().pending(), 0, "the fault struck");
    assert_eq!(world.invite_links(CLUB_ID).len(), 1);
    let club_link = world.invite_links(CLUB_ID)[0]["invite_link"]
        .as_str()
        .expect("a link")
        .to_owned();
    assert_eq!(
        config(&stack).await.channels[0].invite_link.as_deref(),
        Some(club_link.as_str()),
        "the link made before the outage is saved"
    );
    assert!(world.messages(CAROL_ID).is_empty(), "nothing sent yet");

    stack.fake.clear_faults();
    stack.fake.clear_calls();
    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(
        world.invite_links(CLUB_ID).len(),
        1,
        "never a second Club link"
    );
    assert_eq!(world.invite_links(DEN_ID).len(), 1);
    let message = world.messages(CAROL_ID).pop().expect("the held message");
    let names: Vec<String> = buttons(&message).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Join Club", "Join Den", "✅ I have joined"]);
    assert!(buttons(&message).contains(&("Join Club".to_owned(), club_link)));
}
