//! Messages: what sendMessage, editMessageText, deleteMessage and answerCallbackQuery store, and
//! the exact errors Telegram answers them with (which teloxide maps to its typed `ApiError`s).

mod common;

use fake_bot_api::{
    AdminRights, Chat, ChatPermissions, MemberStatus, User, ALICE_ID, BORIS_ID, BOT_ID, LOUNGE_ID,
    NEWS_ID,
};
use lambdagram::teloxide_core::prelude::*;
use lambdagram::teloxide_core::{ApiError, RequestError};
use serde_json::json;

use common::{bot, call, call_ok, error_body, fake};

const STRANGER_ID: i64 = 777_777;

/// Asserts a raw call fails with exactly this status and description.
async fn assert_error(
    fake: &fake_bot_api::FakeBotApi,
    method: &str,
    params: serde_json::Value,
    code: u16,
    description: &str,
) {
    let (status, body) = call(fake, method, params).await;
    assert_eq!(status, code, "{method}: {body}");
    assert_eq!(body, error_body(code, description), "{method}");
}

#[tokio::test]
async fn send_message_to_an_unknown_chat_is_chat_not_found() {
    let fake = fake().await;
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": -100_555, "text": "hi" }),
        400,
        "Bad Request: chat not found",
    )
    .await;
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": "@no_such_channel", "text": "hi" }),
        400,
        "Bad Request: chat not found",
    )
    .await;

    let error = bot(&fake)
        .send_message(ChatId(-100_555), "hi")
        .await
        .expect_err("unknown chat");
    assert!(
        matches!(error, RequestError::Api(ApiError::ChatNotFound)),
        "{error:?}"
    );
}

#[tokio::test]
async fn empty_or_too_long_text_is_refused() {
    let fake = fake().await;
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": ALICE_ID, "text": "" }),
        400,
        "Bad Request: message text is empty",
    )
    .await;
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": ALICE_ID }),
        400,
        "Bad Request: message text is empty",
    )
    .await;
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": ALICE_ID, "text": "x".repeat(4097) }),
        400,
        "Bad Request: message is too long",
    )
    .await;
    call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": ALICE_ID, "text": "x".repeat(4096) }),
    )
    .await;

    let error = bot(&fake)
        .send_message(ChatId(ALICE_ID), " ")
        .await
        .expect_err("blank text");
    assert!(
        matches!(error, RequestError::Api(ApiError::MessageTextIsEmpty)),
        "{error:?}"
    );
}

#[tokio::test]
async fn private_chats_need_a_start_and_no_block() {
    let fake = fake().await;
    fake.world().add_user(User::new(STRANGER_ID, "Stranger"));
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": STRANGER_ID, "text": "hi" }),
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    .await;
    assert!(fake.world().add_private_chat(STRANGER_ID));
    call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": STRANGER_ID, "text": "hi" }),
    )
    .await;

    fake.world().set_blocked(BORIS_ID, true);
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": BORIS_ID, "text": "hi" }),
        403,
        "Forbidden: bot was blocked by the user",
    )
    .await;
    let error = bot(&fake)
        .send_message(ChatId(BORIS_ID), "hi")
        .await
        .expect_err("blocked");
    assert!(
        matches!(error, RequestError::Api(ApiError::BotBlocked)),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_bots_membership_decides_whether_it_may_write() {
    let fake = fake().await;
    let world = fake.world();
    world.set_member(LOUNGE_ID, BOT_ID, MemberStatus::kicked());
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": LOUNGE_ID, "text": "hi" }),
        403,
        "Forbidden: bot was kicked from the supergroup chat",
    )
    .await;
    world.set_member(LOUNGE_ID, BOT_ID, MemberStatus::Left);
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": LOUNGE_ID, "text": "hi" }),
        403,
        "Forbidden: bot is not a member of the supergroup chat",
    )
    .await;
    world.set_member(
        LOUNGE_ID,
        BOT_ID,
        MemberStatus::restricted(ChatPermissions::none()),
    );
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": LOUNGE_ID, "text": "hi" }),
        400,
        "Bad Request: not enough rights to send text messages to the chat",
    )
    .await;

    // In a channel the bot needs can_post_messages.
    world.set_member(NEWS_ID, BOT_ID, MemberStatus::admin(AdminRights::basic()));
    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": NEWS_ID, "text": "news" }),
        400,
        "Bad Request: need administrator rights in the channel chat",
    )
    .await;
}

#[tokio::test]
async fn a_channel_post_is_signed_by_the_channel() {
    let fake = fake().await;
    let post = call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": "@lambdagram_news", "text": "Release 1.0" }),
    )
    .await;
    assert_eq!(post["chat"]["id"], NEWS_ID);
    assert_eq!(post["sender_chat"]["id"], NEWS_ID);
    assert!(post.get("from").is_none(), "channel posts have no `from`");
}

#[tokio::test]
async fn message_ids_count_per_chat_and_replies_embed_the_original() {
    let fake = fake().await;
    let question = fake
        .user_says(LOUNGE_ID, BORIS_ID, "how do I join?")
        .expect("known chat and user");
    let question_id = question["message"]["message_id"].clone();
    assert_eq!(question_id, 1);
    let answer = call_ok(
        &fake,
        "sendMessage",
        json!({
            "chat_id": LOUNGE_ID,
            "text": "Press the button",
            "reply_parameters": { "message_id": question_id },
        }),
    )
    .await;
    assert_eq!(answer["message_id"], 2);
    assert_eq!(answer["reply_to_message"]["message_id"], 1);
    assert_eq!(answer["reply_to_message"]["text"], "how do I join?");
    let private = call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": ALICE_ID, "text": "hi" }),
    )
    .await;
    assert_eq!(private["message_id"], 1);

    assert_error(
        &fake,
        "sendMessage",
        json!({ "chat_id": LOUNGE_ID, "text": "?", "reply_parameters": { "message_id": 99 } }),
        400,
        "Bad Request: message to be replied not found",
    )
    .await;
    let lenient = call_ok(
        &fake,
        "sendMessage",
        json!({
            "chat_id": LOUNGE_ID,
            "text": "anyway",
            "reply_parameters": { "message_id": 99, "allow_sending_without_reply": true },
        }),
    )
    .await;
    assert!(lenient.get("reply_to_message").is_none());
}

#[tokio::test]
async fn editing_to_the_same_content_is_not_modified() {
    let fake = fake().await;
    let keyboard = json!({ "inline_keyboard": [[{ "text": "A", "callback_data": "a" }]] });
    let sent = call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": LOUNGE_ID, "text": "same", "reply_markup": keyboard }),
    )
    .await;
    let id = sent["message_id"].clone();
    assert_error(
        &fake,
        "editMessageText",
        json!({ "chat_id": LOUNGE_ID, "message_id": id, "text": "same", "reply_markup": keyboard }),
        400,
        "Bad Request: message is not modified: specified new message content and reply markup \
         are exactly the same as a current content and reply markup of the message",
    )
    .await;
    // Dropping the keyboard is a modification.
    let edited = call_ok(
        &fake,
        "editMessageText",
        json!({ "chat_id": LOUNGE_ID, "message_id": id, "text": "same" }),
    )
    .await;
    assert!(edited.get("reply_markup").is_none());
    assert!(edited["edit_date"].is_i64());
    assert_eq!(fake.world().message(LOUNGE_ID, 1), Some(edited));

    let error = bot(&fake)
        .edit_message_text(
            ChatId(LOUNGE_ID),
            lambdagram::teloxide_core::types::MessageId(1),
            "same",
        )
        .await
        .expect_err("not modified");
    assert!(
        matches!(error, RequestError::Api(ApiError::MessageNotModified)),
        "{error:?}"
    );
}

#[tokio::test]
async fn editing_fails_for_missing_foreign_or_empty_messages() {
    let fake = fake().await;
    assert_error(
        &fake,
        "editMessageText",
        json!({ "chat_id": LOUNGE_ID, "message_id": 5, "text": "new" }),
        400,
        "Bad Request: message to edit not found",
    )
    .await;
    fake.user_says(LOUNGE_ID, BORIS_ID, "mine").expect("known");
    assert_error(
        &fake,
        "editMessageText",
        json!({ "chat_id": LOUNGE_ID, "message_id": 1, "text": "yours" }),
        400,
        "Bad Request: message can't be edited",
    )
    .await;
    assert_error(
        &fake,
        "editMessageText",
        json!({ "chat_id": LOUNGE_ID, "message_id": 1, "text": "" }),
        400,
        "Bad Request: message text is empty",
    )
    .await;
}

#[tokio::test]
async fn deleting_a_missing_message_is_message_to_delete_not_found() {
    let fake = fake().await;
    let sent = call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": LOUNGE_ID, "text": "bye" }),
    )
    .await;
    let params = json!({ "chat_id": LOUNGE_ID, "message_id": sent["message_id"] });
    assert_eq!(call_ok(&fake, "deleteMessage", params.clone()).await, true);
    assert_error(
        &fake,
        "deleteMessage",
        params,
        400,
        "Bad Request: message to delete not found",
    )
    .await;

    let error = bot(&fake)
        .delete_message(
            ChatId(LOUNGE_ID),
            lambdagram::teloxide_core::types::MessageId(1),
        )
        .await
        .expect_err("already deleted");
    assert!(
        matches!(error, RequestError::Api(ApiError::MessageToDeleteNotFound)),
        "{error:?}"
    );
}

#[tokio::test]
async fn deleting_others_messages_needs_can_delete_messages() {
    let fake = fake().await;
    fake.user_says(LOUNGE_ID, BORIS_ID, "spam").expect("known");
    fake.user_says(LOUNGE_ID, BORIS_ID, "more spam")
        .expect("known");
    // The default bot is a moderator, so it may.
    call_ok(
        &fake,
        "deleteMessage",
        json!({ "chat_id": LOUNGE_ID, "message_id": 1 }),
    )
    .await;

    fake.world()
        .set_member(LOUNGE_ID, BOT_ID, MemberStatus::admin(AdminRights::basic()));
    assert_error(
        &fake,
        "deleteMessage",
        json!({ "chat_id": LOUNGE_ID, "message_id": 2 }),
        400,
        "Bad Request: message can't be deleted",
    )
    .await;
    assert_eq!(fake.world().messages(LOUNGE_ID).len(), 1);
}

#[tokio::test]
async fn answer_callback_query_needs_an_id_and_a_short_text() {
    let fake = fake().await;
    assert_eq!(
        call_ok(
            &fake,
            "answerCallbackQuery",
            json!({ "callback_query_id": "42" })
        )
        .await,
        true
    );
    assert_error(
        &fake,
        "answerCallbackQuery",
        json!({}),
        400,
        "Bad Request: query is too old and response timeout expired or query id is invalid",
    )
    .await;
    assert_error(
        &fake,
        "answerCallbackQuery",
        json!({ "callback_query_id": "42", "text": "x".repeat(201) }),
        400,
        "Bad Request: MESSAGE_TOO_LONG",
    )
    .await;
}

#[tokio::test]
async fn a_basic_group_chat_has_no_username_in_messages() {
    let fake = fake().await;
    let group_id = -4_000_001;
    fake.world().add_chat(Chat::group(group_id, "Old group"));
    fake.world()
        .set_member(group_id, BOT_ID, MemberStatus::member());
    fake.world()
        .set_member(group_id, ALICE_ID, MemberStatus::creator());
    let sent = call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": group_id, "text": "hi" }),
    )
    .await;
    assert_eq!(
        sent["chat"],
        json!({ "id": group_id, "title": "Old group", "type": "group" })
    );
}
