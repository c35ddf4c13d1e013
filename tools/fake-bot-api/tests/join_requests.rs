//! Join requests and invite links: a pending request is approved (the requester becomes a
//! member) or declined (they stay out), once; a request that is not pending, a requester already
//! in the chat and a bot without the right to invite users are refused as Telegram refuses them;
//! `createChatInviteLink` answers a `ChatInviteLink` the typed client reads.

mod common;

use fake_bot_api::{AdminRights, MemberStatus, User, BOT_ID, LOUNGE_ID, NEWS_ID};
use lambdagram::teloxide_core::prelude::*;
use lambdagram::teloxide_core::types::{Update, UpdateKind};
use serde_json::{json, Value};

use common::{bot, call, call_ok, error_body, fake};

const CAROL_ID: i64 = 333_333;

fn request(user_id: i64) -> Value {
    json!({ "chat_id": LOUNGE_ID, "user_id": user_id })
}

/// The default world with Carol (a stranger to the Lounge) and the bot allowed to invite users.
async fn world() -> fake_bot_api::FakeBotApi {
    let fake = fake().await;
    let world = fake.world();
    world.add_user(User::new(CAROL_ID, "Carol"));
    let rights = AdminRights {
        can_invite_users: true,
        ..AdminRights::moderator()
    };
    world.set_member(LOUNGE_ID, BOT_ID, MemberStatus::admin(rights));
    fake
}

#[tokio::test]
async fn a_pending_request_is_approved_once_and_the_requester_is_a_member() {
    let fake = world().await;
    let update = fake
        .chat_join_request(LOUNGE_ID, CAROL_ID)
        .expect("a known chat and user");
    let parsed: Update = serde_json::from_str(&update.to_string()).expect("teloxide reads it");
    let UpdateKind::ChatJoinRequest(r) = parsed.kind else {
        panic!("not a join request: {update}");
    };
    assert_eq!(
        (r.chat.id.0, r.from.id.0 as i64, r.user_chat_id.0),
        (LOUNGE_ID, CAROL_ID, CAROL_ID)
    );
    assert_eq!(fake.world().join_requests(LOUNGE_ID), [CAROL_ID]);
    // The requester's private chat may be written to meanwhile.
    call_ok(
        &fake,
        "sendMessage",
        json!({"chat_id": CAROL_ID, "text": "hi"}),
    )
    .await;

    assert_eq!(
        call_ok(&fake, "approveChatJoinRequest", request(CAROL_ID)).await,
        true
    );
    assert_eq!(
        fake.world().member(LOUNGE_ID, CAROL_ID),
        Some(MemberStatus::member())
    );
    assert!(fake.world().join_requests(LOUNGE_ID).is_empty());
    // Again: the request is gone.
    assert_eq!(
        call(&fake, "approveChatJoinRequest", request(CAROL_ID)).await,
        (400, error_body(400, "Bad Request: HIDE_REQUESTER_MISSING"))
    );
}

#[tokio::test]
async fn a_declined_request_leaves_the_requester_out() {
    let fake = world().await;
    fake.chat_join_request(LOUNGE_ID, CAROL_ID)
        .expect("a request");
    assert_eq!(
        call_ok(&fake, "declineChatJoinRequest", request(CAROL_ID)).await,
        true
    );
    assert_eq!(fake.world().member(LOUNGE_ID, CAROL_ID), None);
    assert!(fake.world().join_requests(LOUNGE_ID).is_empty());
    for method in ["declineChatJoinRequest", "approveChatJoinRequest"] {
        assert_eq!(
            call(&fake, method, request(CAROL_ID)).await,
            (400, error_body(400, "Bad Request: HIDE_REQUESTER_MISSING")),
            "{method}"
        );
    }
}

#[tokio::test]
async fn refusals_are_telegrams() {
    let fake = world().await;
    // Someone already in the chat: the request goes, the approval is refused.
    fake.chat_join_request(LOUNGE_ID, fake_bot_api::BORIS_ID)
        .expect("a request");
    assert_eq!(
        call(
            &fake,
            "approveChatJoinRequest",
            request(fake_bot_api::BORIS_ID)
        )
        .await,
        (
            400,
            error_body(400, "Bad Request: USER_ALREADY_PARTICIPANT")
        )
    );
    assert!(fake.world().join_requests(LOUNGE_ID).is_empty());
    // A bot that may not invite users decides nothing; the request stays pending.
    fake.world().set_member(
        LOUNGE_ID,
        BOT_ID,
        MemberStatus::admin(AdminRights::moderator()),
    );
    fake.chat_join_request(LOUNGE_ID, CAROL_ID)
        .expect("a request");
    for method in ["approveChatJoinRequest", "declineChatJoinRequest"] {
        assert_eq!(
            call(&fake, method, request(CAROL_ID)).await,
            (400, error_body(400, "Bad Request: CHAT_ADMIN_REQUIRED")),
            "{method}"
        );
    }
    assert_eq!(
        call(&fake, "createChatInviteLink", json!({"chat_id": LOUNGE_ID})).await,
        (400, error_body(400, "Bad Request: CHAT_ADMIN_REQUIRED"))
    );
    assert_eq!(fake.world().join_requests(LOUNGE_ID), [CAROL_ID]);
}

#[tokio::test]
async fn the_bot_creates_invite_links_the_typed_client_reads() {
    let fake = fake().await;
    let bot = bot(&fake);
    let first = bot
        .create_chat_invite_link(ChatId(NEWS_ID))
        .await
        .expect("the bot may invite users to @lambdagram_news");
    let second = bot
        .create_chat_invite_link(ChatId(NEWS_ID))
        .name("guard")
        .await
        .expect("another link");
    assert!(
        first.invite_link.starts_with("https://t.me/+"),
        "{}",
        first.invite_link
    );
    assert_ne!(first.invite_link, second.invite_link);
    assert_eq!(first.creator.id.0 as i64, BOT_ID);
    assert!(!first.is_primary && !first.is_revoked && !first.creates_join_request);
    assert_eq!(second.name.as_deref(), Some("guard"));
    let links: Vec<Value> = fake.world().invite_links(NEWS_ID);
    assert_eq!(
        links
            .iter()
            .map(|l| l["invite_link"].clone())
            .collect::<Vec<_>>(),
        [json!(first.invite_link), json!(second.invite_link)]
    );
}
