//! Memberships: the exact `ChatMember` shapes, how restrict/ban/unban change the world, the
//! errors Telegram answers them with, and the `chat_member` updates the changes produce.

mod common;

use fake_bot_api::{
    AdminRights, Chat, ChatPermissions, MemberStatus, User, ALICE_ID, BORIS_ID, BOT_ID, LOUNGE_ID,
    NEWS_ID,
};
use lambdagram::teloxide_core::prelude::*;
use lambdagram::teloxide_core::types::{ChatMemberKind, UpdateKind};
use lambdagram::teloxide_core::{ApiError, RequestError};
use serde_json::{json, Value};

use common::{bot, call, call_ok, error_body, fake, unix_now};

const CAROL_ID: i64 = 333_333;

fn member_params(user_id: i64) -> Value {
    json!({ "chat_id": LOUNGE_ID, "user_id": user_id })
}

async fn status_of(fake: &fake_bot_api::FakeBotApi, user_id: i64) -> Value {
    call_ok(fake, "getChatMember", member_params(user_id)).await
}

/// The ChatPermissions fields, all set to `value`.
fn all_permissions(value: bool) -> Value {
    let names = [
        "can_send_messages",
        "can_send_audios",
        "can_send_documents",
        "can_send_photos",
        "can_send_videos",
        "can_send_video_notes",
        "can_send_voice_notes",
        "can_send_polls",
        "can_send_other_messages",
        "can_add_web_page_previews",
        "can_change_info",
        "can_invite_users",
        "can_pin_messages",
        "can_manage_topics",
    ];
    Value::Object(
        names
            .iter()
            .map(|n| ((*n).to_owned(), Value::Bool(value)))
            .collect(),
    )
}

#[tokio::test]
async fn chat_member_shapes_match_telegram() {
    let fake = fake().await;
    let alice = json!({ "id": ALICE_ID, "is_bot": false, "first_name": "Alice", "username": "alice", "language_code": "en" });
    assert_eq!(
        status_of(&fake, ALICE_ID).await,
        json!({ "user": alice, "status": "creator", "is_anonymous": false })
    );

    let boris = json!({ "id": BORIS_ID, "is_bot": false, "first_name": "Boris", "username": "boris", "language_code": "ru" });
    assert_eq!(
        status_of(&fake, BORIS_ID).await,
        json!({ "user": boris, "status": "member" })
    );

    let bot = status_of(&fake, BOT_ID).await;
    assert_eq!(bot["status"], "administrator");
    assert_eq!(bot["can_restrict_members"], true);
    assert_eq!(bot["can_delete_messages"], true);
    assert_eq!(bot["can_promote_members"], false);
    // A supergroup admin has the group rights and no channel-only ones.
    assert_eq!(bot["can_pin_messages"], false);
    assert_eq!(bot["can_manage_topics"], false);
    assert!(bot.get("can_post_messages").is_none());

    fake.world().add_user(User::new(CAROL_ID, "Carol"));
    let carol = json!({ "id": CAROL_ID, "is_bot": false, "first_name": "Carol" });
    assert_eq!(
        status_of(&fake, CAROL_ID).await,
        json!({ "user": carol, "status": "left" })
    );

    let until = unix_now() + 600;
    fake.world().set_member(
        LOUNGE_ID,
        CAROL_ID,
        MemberStatus::Kicked { until_date: until },
    );
    assert_eq!(
        status_of(&fake, CAROL_ID).await,
        json!({ "user": carol, "status": "kicked", "until_date": until })
    );

    let mut restricted = all_permissions(false);
    let fields = restricted.as_object_mut().expect("an object");
    fields.insert("user".into(), carol.clone());
    fields.insert("status".into(), "restricted".into());
    fields.insert("is_member".into(), true.into());
    fields.insert("until_date".into(), 0.into());
    fake.world().set_member(
        LOUNGE_ID,
        CAROL_ID,
        MemberStatus::restricted(ChatPermissions::none()),
    );
    assert_eq!(status_of(&fake, CAROL_ID).await, restricted);
}

#[tokio::test]
async fn a_channel_admin_has_the_channel_rights() {
    let fake = fake().await;
    let bot = call_ok(
        &fake,
        "getChatMember",
        json!({ "chat_id": NEWS_ID, "user_id": BOT_ID }),
    )
    .await;
    assert_eq!(bot["status"], "administrator");
    assert_eq!(bot["can_post_messages"], true);
    assert_eq!(bot["can_edit_messages"], true);
    assert!(bot.get("can_pin_messages").is_none());
    assert!(bot.get("can_manage_topics").is_none());
}

#[tokio::test]
async fn restrict_then_get_chat_member_shows_the_given_permissions() {
    let fake = fake().await;
    let until = unix_now() + 3600;
    let permissions = json!({ "can_send_messages": true, "can_invite_users": true });
    let answer = call_ok(
        &fake,
        "restrictChatMember",
        json!({
            "chat_id": LOUNGE_ID,
            "user_id": BORIS_ID,
            "permissions": permissions,
            "use_independent_chat_permissions": true,
            "until_date": until,
        }),
    )
    .await;
    assert_eq!(answer, true);

    let member = status_of(&fake, BORIS_ID).await;
    assert_eq!(member["status"], "restricted");
    assert_eq!(
        member["is_member"], true,
        "a restricted member is still in the chat"
    );
    assert_eq!(member["until_date"], until);
    assert_eq!(member["can_send_messages"], true);
    assert_eq!(member["can_invite_users"], true);
    assert_eq!(member["can_send_photos"], false);
    assert_eq!(member["can_send_polls"], false);
    assert_eq!(member["can_add_web_page_previews"], false);
    assert_eq!(
        fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted {
            is_member: true,
            until_date: until,
            permissions: ChatPermissions {
                can_send_messages: true,
                can_invite_users: true,
                ..ChatPermissions::none()
            },
        })
    );
}

#[tokio::test]
async fn restrict_applies_telegrams_implications_and_until_date_rules() {
    let fake = fake().await;
    // Without use_independent_chat_permissions, sending polls implies sending messages.
    call_ok(
        &fake,
        "restrictChatMember",
        json!({
            "chat_id": LOUNGE_ID,
            "user_id": BORIS_ID,
            "permissions": { "can_send_polls": true },
            "until_date": unix_now() + 10,
        }),
    )
    .await;
    let member = status_of(&fake, BORIS_ID).await;
    assert_eq!(member["can_send_polls"], true);
    assert_eq!(member["can_send_messages"], true);
    // Less than 30 seconds away counts as forever.
    assert_eq!(member["until_date"], 0);

    // Granting everything lifts the restriction.
    call_ok(
        &fake,
        "restrictChatMember",
        json!({ "chat_id": LOUNGE_ID, "user_id": BORIS_ID, "permissions": all_permissions(true) }),
    )
    .await;
    assert_eq!(status_of(&fake, BORIS_ID).await["status"], "member");
}

#[tokio::test]
async fn an_expired_restriction_or_ban_has_lapsed() {
    let fake = fake().await;
    let world = fake.world();
    world.set_member(
        LOUNGE_ID,
        BORIS_ID,
        MemberStatus::Restricted {
            is_member: true,
            until_date: unix_now() - 1,
            permissions: ChatPermissions::none(),
        },
    );
    assert_eq!(status_of(&fake, BORIS_ID).await["status"], "member");
    world.set_member(
        LOUNGE_ID,
        BORIS_ID,
        MemberStatus::Kicked {
            until_date: unix_now() - 1,
        },
    );
    assert_eq!(status_of(&fake, BORIS_ID).await["status"], "left");
}

#[tokio::test]
async fn ban_makes_a_member_kicked_and_unban_makes_them_left() {
    let fake = fake().await;
    let until = unix_now() + 86_400;
    call_ok(
        &fake,
        "banChatMember",
        json!({ "chat_id": LOUNGE_ID, "user_id": BORIS_ID, "until_date": until }),
    )
    .await;
    let member = status_of(&fake, BORIS_ID).await;
    assert_eq!(member["status"], "kicked");
    assert_eq!(member["until_date"], until);
    // The creator and the bot remain.
    assert_eq!(
        call_ok(&fake, "getChatMemberCount", json!({ "chat_id": LOUNGE_ID })).await,
        2
    );

    call_ok(
        &fake,
        "unbanChatMember",
        json!({ "chat_id": LOUNGE_ID, "user_id": BORIS_ID, "only_if_banned": true }),
    )
    .await;
    assert_eq!(status_of(&fake, BORIS_ID).await["status"], "left");
}

#[tokio::test]
async fn unban_without_only_if_banned_removes_a_member() {
    let fake = fake().await;
    call_ok(
        &fake,
        "unbanChatMember",
        json!({ "chat_id": LOUNGE_ID, "user_id": BORIS_ID, "only_if_banned": true }),
    )
    .await;
    assert_eq!(status_of(&fake, BORIS_ID).await["status"], "member");

    call_ok(&fake, "unbanChatMember", member_params(BORIS_ID)).await;
    assert_eq!(status_of(&fake, BORIS_ID).await["status"], "left");
}

#[tokio::test]
async fn moderation_needs_can_restrict_members() {
    let fake = fake().await;
    fake.world()
        .set_member(LOUNGE_ID, BOT_ID, MemberStatus::admin(AdminRights::basic()));
    let rights = "Bad Request: not enough rights to restrict/unrestrict chat member";
    let restrict = json!({
        "chat_id": LOUNGE_ID,
        "user_id": BORIS_ID,
        "permissions": { "can_send_messages": false },
    });
    for (method, params) in [
        ("restrictChatMember", restrict),
        ("banChatMember", member_params(BORIS_ID)),
        ("unbanChatMember", member_params(BORIS_ID)),
    ] {
        let (status, body) = call(&fake, method, params).await;
        assert_eq!(status, 400, "{method}");
        assert_eq!(body, error_body(400, rights), "{method}");
    }
    assert_eq!(status_of(&fake, BORIS_ID).await["status"], "member");

    let error = bot(&fake)
        .restrict_chat_member(
            ChatId(LOUNGE_ID),
            UserId(BORIS_ID as u64),
            lambdagram::teloxide_core::types::ChatPermissions::empty(),
        )
        .await
        .expect_err("no rights");
    assert!(
        matches!(
            error,
            RequestError::Api(ApiError::NotEnoughRightsToRestrict)
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_owner_admins_and_the_bot_itself_cannot_be_restricted_or_banned() {
    let fake = fake().await;
    fake.world().add_user(User::new(CAROL_ID, "Carol"));
    fake.world().set_member(
        LOUNGE_ID,
        CAROL_ID,
        MemberStatus::admin(AdminRights::moderator()),
    );
    let restrict =
        |user_id: i64| json!({ "chat_id": LOUNGE_ID, "user_id": user_id, "permissions": {} });
    let cases = [
        (
            "restrictChatMember",
            restrict(ALICE_ID),
            "Bad Request: can't remove chat owner",
        ),
        (
            "banChatMember",
            member_params(ALICE_ID),
            "Bad Request: can't remove chat owner",
        ),
        (
            "restrictChatMember",
            restrict(CAROL_ID),
            "Bad Request: user is an administrator of the chat",
        ),
        (
            "banChatMember",
            member_params(CAROL_ID),
            "Bad Request: user is an administrator of the chat",
        ),
        (
            "restrictChatMember",
            restrict(BOT_ID),
            "Bad Request: can't restrict self",
        ),
    ];
    for (method, params, description) in cases {
        let (status, body) = call(&fake, method, params).await;
        assert_eq!(status, 400, "{method}: {body}");
        assert_eq!(body, error_body(400, description), "{method}");
    }
    assert_eq!(status_of(&fake, ALICE_ID).await["status"], "creator");
    assert_eq!(status_of(&fake, CAROL_ID).await["status"], "administrator");
}

#[tokio::test]
async fn restrict_is_for_supergroups_and_moderation_not_for_private_chats() {
    let fake = fake().await;
    let group_id = -4_000_002;
    fake.world().add_chat(Chat::group(group_id, "Old group"));
    fake.world().set_member(
        group_id,
        BOT_ID,
        MemberStatus::admin(AdminRights::moderator()),
    );
    fake.world()
        .set_member(group_id, BORIS_ID, MemberStatus::member());
    let (status, body) = call(
        &fake,
        "restrictChatMember",
        json!({ "chat_id": group_id, "user_id": BORIS_ID, "permissions": {} }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        error_body(400, "Bad Request: method is available only for supergroups")
    );
    // Banning works in basic groups.
    call_ok(
        &fake,
        "banChatMember",
        json!({ "chat_id": group_id, "user_id": BORIS_ID }),
    )
    .await;

    let (status, body) = call(
        &fake,
        "banChatMember",
        json!({ "chat_id": ALICE_ID, "user_id": ALICE_ID }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        error_body(
            400,
            "Bad Request: chat member status can't be changed in private chats"
        )
    );
}

#[tokio::test]
async fn unknown_chats_and_users_are_reported() {
    let fake = fake().await;
    let (_, body) = call(
        &fake,
        "getChatMember",
        json!({ "chat_id": -1_007, "user_id": BORIS_ID }),
    )
    .await;
    assert_eq!(body, error_body(400, "Bad Request: chat not found"));
    let (_, body) = call(&fake, "getChatMember", member_params(999_999)).await;
    assert_eq!(body, error_body(400, "Bad Request: user not found"));
    let (_, body) = call(&fake, "getChatMember", json!({ "chat_id": LOUNGE_ID })).await;
    assert_eq!(
        body,
        error_body(400, "Bad Request: invalid user_id specified")
    );
    let (_, body) = call(&fake, "getChat", json!({})).await;
    assert_eq!(body, error_body(400, "Bad Request: chat_id is empty"));
}

#[tokio::test]
async fn the_member_list_of_a_channel_needs_an_admin_bot() {
    let fake = fake().await;
    fake.world()
        .set_member(NEWS_ID, BOT_ID, MemberStatus::member());
    let (status, body) = call(
        &fake,
        "getChatMember",
        json!({ "chat_id": NEWS_ID, "user_id": ALICE_ID }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        error_body(400, "Bad Request: member list is inaccessible")
    );
    // The bot may always ask about itself.
    let me = call_ok(
        &fake,
        "getChatMember",
        json!({ "chat_id": NEWS_ID, "user_id": BOT_ID }),
    )
    .await;
    assert_eq!(me["status"], "member");
}

#[tokio::test]
async fn changes_the_bot_makes_are_reported_as_chat_member_updates() {
    let fake = fake().await;
    // Telegram sends chat_member updates only when they are asked for.
    call_ok(
        &fake,
        "restrictChatMember",
        json!({
            "chat_id": LOUNGE_ID, "user_id": BORIS_ID, "permissions": {},
        }),
    )
    .await;
    assert!(fake.world().pending_updates().is_empty());
    call_ok(
        &fake,
        "restrictChatMember",
        json!({
            "chat_id": LOUNGE_ID, "user_id": BORIS_ID, "permissions": all_permissions(true),
        }),
    )
    .await;

    let bot = bot(&fake);
    let none = bot
        .get_updates()
        .allowed_updates([lambdagram::teloxide_core::types::AllowedUpdate::ChatMember])
        .await
        .expect("getUpdates");
    assert!(none.is_empty());

    call_ok(
        &fake,
        "restrictChatMember",
        json!({
            "chat_id": LOUNGE_ID, "user_id": BORIS_ID, "permissions": {},
        }),
    )
    .await;
    call_ok(&fake, "banChatMember", member_params(BORIS_ID)).await;
    call_ok(&fake, "unbanChatMember", member_params(BORIS_ID)).await;
    // No change, no update.
    call_ok(&fake, "unbanChatMember", member_params(BORIS_ID)).await;

    let updates = bot.get_updates().await.expect("getUpdates");
    let changes: Vec<(&'static str, &'static str)> = updates
        .iter()
        .map(|update| {
            let UpdateKind::ChatMember(change) = &update.kind else {
                panic!("expected chat_member, got {:?}", update.kind);
            };
            assert_eq!(change.chat.id, ChatId(LOUNGE_ID));
            assert_eq!(change.from.id, UserId(BOT_ID as u64));
            assert_eq!(change.new_chat_member.user.id, UserId(BORIS_ID as u64));
            (
                kind(&change.old_chat_member.kind),
                kind(&change.new_chat_member.kind),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("member", "restricted"),
            ("restricted", "kicked"),
            ("kicked", "left"),
        ]
    );
}

fn kind(kind: &ChatMemberKind) -> &'static str {
    match kind {
        ChatMemberKind::Owner(_) => "creator",
        ChatMemberKind::Administrator(_) => "administrator",
        ChatMemberKind::Member(_) => "member",
        ChatMemberKind::Restricted(_) => "restricted",
        ChatMemberKind::Left => "left",
        ChatMemberKind::Banned(_) => "kicked",
    }
}
