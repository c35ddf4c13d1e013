//! A typed client (teloxide-core) calls every method the fake implements and decodes the answers:
//! proof that the fake's JSON has the shapes of Telegram's types.

mod common;

use fake_bot_api::{
    AdminRights, ChatPermissions as FakePermissions, MemberStatus, User, ALICE_ID, BORIS_ID,
    BOT_ID, BOT_USERNAME, LOUNGE_ID,
};
use lambdagram::teloxide_core::prelude::*;
use lambdagram::teloxide_core::types::{
    AllowedUpdate, BotCommand, BotCommandScope, ChatMemberKind, ChatPermissions,
    InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, MessageId, UntilDate,
    UpdateKind,
};
use serde_json::json;

use common::{bot, fake, unix_now};

const CAROL_ID: i64 = 333_333;
const DAN_ID: i64 = 444_444;
const EVE_ID: i64 = 555_555;
const FRANK_ID: i64 = 666_666;

fn lounge() -> ChatId {
    ChatId(LOUNGE_ID)
}

fn user_id(id: i64) -> UserId {
    UserId(u64::try_from(id).expect("user ids are positive"))
}

#[tokio::test]
async fn get_me_decodes_as_me() {
    let fake = fake().await;
    let me = bot(&fake).get_me().await.expect("getMe");
    assert_eq!(me.user.id, user_id(BOT_ID));
    assert!(me.user.is_bot);
    assert_eq!(me.username(), BOT_USERNAME);
    assert_eq!(me.user.first_name, "Lambdagram");
    assert!(me.can_join_groups);
    assert!(!me.can_read_all_group_messages);
    assert!(!me.supports_inline_queries);
}

#[tokio::test]
async fn send_edit_and_delete_a_message_with_an_inline_keyboard() {
    let fake = fake().await;
    let bot = bot(&fake);
    let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        "I joined", "joined",
    )]]);

    let sent = bot
        .send_message(lounge(), "Join @lambdagram_news first")
        .reply_markup(keyboard.clone())
        .await
        .expect("sendMessage");
    assert_eq!(sent.chat.id, lounge());
    assert!(sent.chat.is_supergroup());
    assert_eq!(sent.text(), Some("Join @lambdagram_news first"));
    assert_eq!(sent.reply_markup(), Some(&keyboard));
    let from = sent.from.as_ref().expect("a bot's message has `from`");
    assert_eq!(from.id, user_id(BOT_ID));
    assert!(sent.edit_date().is_none());

    let edited = bot
        .edit_message_text(lounge(), sent.id, "Thanks, you can write now")
        .await
        .expect("editMessageText");
    assert_eq!(edited.id, sent.id);
    assert_eq!(edited.text(), Some("Thanks, you can write now"));
    assert!(edited.edit_date().is_some());
    // Telegram drops the keyboard when an edit does not repeat it.
    assert_eq!(edited.reply_markup(), None);

    bot.delete_message(lounge(), sent.id)
        .await
        .expect("deleteMessage");
    let id = i64::from(sent.id.0);
    assert_eq!(fake.world().message(LOUNGE_ID, id), None);
}

#[tokio::test]
async fn a_pressed_button_arrives_as_a_callback_query_and_is_answered() {
    let fake = fake().await;
    let bot = bot(&fake);
    let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        "I joined", "joined",
    )]]);
    let sent = bot
        .send_message(lounge(), "Press when done")
        .reply_markup(keyboard)
        .await
        .expect("sendMessage");
    let pushed = fake
        .press_button(LOUNGE_ID, i64::from(sent.id.0), BORIS_ID, "joined")
        .expect("message and user exist");

    let updates = bot.get_updates().await.expect("getUpdates");
    assert_eq!(updates.len(), 1);
    assert_eq!(i64::from(updates[0].id.0), pushed["update_id"]);
    let UpdateKind::CallbackQuery(query) = &updates[0].kind else {
        panic!("expected a callback query, got {:?}", updates[0].kind);
    };
    assert_eq!(query.from.id, user_id(BORIS_ID));
    assert_eq!(query.data.as_deref(), Some("joined"));
    let Some(MaybeInaccessibleMessage::Regular(message)) = &query.message else {
        panic!("expected the pressed message, got {:?}", query.message);
    };
    assert_eq!(message.id, sent.id);

    bot.answer_callback_query(query.id.clone())
        .text("Welcome!")
        .await
        .expect("answerCallbackQuery");
    let answers = fake.calls_to("answerCallbackQuery");
    assert_eq!(answers.len(), 1);
    assert_eq!(
        answers[0].params["callback_query_id"],
        pushed["callback_query"]["id"]
    );
    assert_eq!(answers[0].params["text"], "Welcome!");
}

#[tokio::test]
async fn get_chat_returns_a_supergroup_with_its_default_permissions() {
    let fake = fake().await;
    let chat = bot(&fake).get_chat(lounge()).await.expect("getChat");
    assert_eq!(chat.id, lounge());
    assert!(chat.is_supergroup());
    assert_eq!(chat.title(), Some("Lambdagram Lounge"));
    let everything_but_admin_things = ChatPermissions::all()
        - ChatPermissions::CHANGE_INFO
        - ChatPermissions::PIN_MESSAGES
        - ChatPermissions::MANAGE_TOPICS;
    assert_eq!(chat.permissions(), Some(everything_but_admin_things));

    // A changed default shows up as it is.
    let read_only = FakePermissions {
        can_invite_users: true,
        ..FakePermissions::none()
    };
    assert!(fake.world().set_permissions(LOUNGE_ID, read_only));
    let chat = bot(&fake).get_chat(lounge()).await.expect("getChat");
    assert_eq!(chat.permissions(), Some(ChatPermissions::INVITE_USERS));
}

/// Adds users covering every membership status to the lounge.
fn populate_statuses(fake: &fake_bot_api::FakeBotApi, until: i64) {
    let world = fake.world();
    for (id, name) in [(CAROL_ID, "Carol"), (DAN_ID, "Dan"), (EVE_ID, "Eve")] {
        world.add_user(User::new(id, name));
    }
    world.add_user(User::new(FRANK_ID, "Frank"));
    let moderator = AdminRights {
        custom_title: Some("Moderator".into()),
        ..AdminRights::moderator()
    };
    world.set_member(LOUNGE_ID, CAROL_ID, MemberStatus::admin(moderator));
    let muted = FakePermissions {
        can_send_messages: true,
        ..FakePermissions::none()
    };
    world.set_member(
        LOUNGE_ID,
        DAN_ID,
        MemberStatus::Restricted {
            is_member: true,
            until_date: until,
            permissions: muted,
        },
    );
    world.set_member(
        LOUNGE_ID,
        EVE_ID,
        MemberStatus::Kicked { until_date: until },
    );
    // Frank is known but has no membership: he is `left`.
}

#[tokio::test]
async fn get_chat_member_decodes_every_status() {
    let fake = fake().await;
    let bot = bot(&fake);
    let until = unix_now() + 3600;
    populate_statuses(&fake, until);
    let member = |id: i64| bot.get_chat_member(lounge(), user_id(id));

    let alice = member(ALICE_ID).await.expect("creator");
    assert_eq!(alice.user.id, user_id(ALICE_ID));
    let ChatMemberKind::Owner(owner) = &alice.kind else {
        panic!("alice is the owner: {:?}", alice.kind);
    };
    assert!(!owner.is_anonymous);
    assert_eq!(owner.custom_title, None);

    let carol = member(CAROL_ID).await.expect("administrator");
    let ChatMemberKind::Administrator(admin) = &carol.kind else {
        panic!("carol is an administrator: {:?}", carol.kind);
    };
    assert!(admin.can_restrict_members);
    assert!(admin.can_delete_messages);
    assert!(admin.can_manage_chat);
    assert!(!admin.can_promote_members);
    assert!(!admin.can_pin_messages);
    assert_eq!(admin.custom_title.as_deref(), Some("Moderator"));

    let boris = member(BORIS_ID).await.expect("member");
    assert_eq!(
        boris.kind,
        ChatMemberKind::Member(member_kind_without_until())
    );

    let dan = member(DAN_ID).await.expect("restricted");
    let ChatMemberKind::Restricted(restricted) = &dan.kind else {
        panic!("dan is restricted: {:?}", dan.kind);
    };
    assert!(restricted.is_member);
    assert!(restricted.can_send_messages);
    assert!(!restricted.can_send_photos);
    assert!(!restricted.can_send_other_messages);
    assert!(!restricted.can_add_web_page_previews);
    assert!(!restricted.can_invite_users);
    assert_eq!(timestamp(&restricted.until_date), Some(until));
    assert!(dan.is_present(), "a restricted member is still in the chat");

    let frank = member(FRANK_ID).await.expect("left");
    assert_eq!(frank.kind, ChatMemberKind::Left);
    assert!(!frank.is_present());

    let eve = member(EVE_ID).await.expect("kicked");
    let ChatMemberKind::Banned(banned) = &eve.kind else {
        panic!("eve is banned: {:?}", eve.kind);
    };
    assert_eq!(timestamp(&banned.until_date), Some(until));
    assert!(!eve.is_present());
}

fn member_kind_without_until() -> lambdagram::teloxide_core::types::Member {
    lambdagram::teloxide_core::types::Member { until_date: None }
}

fn timestamp(until: &UntilDate) -> Option<i64> {
    match until {
        UntilDate::Date(date) => Some(date.timestamp()),
        UntilDate::Forever => None,
    }
}

#[tokio::test]
async fn get_chat_administrators_lists_the_owner_first_then_the_admins() {
    let fake = fake().await;
    populate_statuses(&fake, 0);
    let admins = bot(&fake)
        .get_chat_administrators(lounge())
        .await
        .expect("getChatAdministrators");
    let ids: Vec<UserId> = admins.iter().map(|m| m.user.id).collect();
    assert_eq!(
        ids,
        vec![user_id(ALICE_ID), user_id(BOT_ID), user_id(CAROL_ID)]
    );
    assert!(matches!(admins[0].kind, ChatMemberKind::Owner(_)));
    assert!(admins[1..]
        .iter()
        .all(|m| matches!(m.kind, ChatMemberKind::Administrator(_))));
}

#[tokio::test]
async fn restrict_ban_and_unban_through_the_typed_client() {
    let fake = fake().await;
    let bot = bot(&fake);
    let boris = user_id(BORIS_ID);
    let in_an_hour = chrono::DateTime::from_timestamp(unix_now() + 3600, 0).expect("a valid time");

    bot.restrict_chat_member(lounge(), boris, ChatPermissions::empty())
        .until_date(in_an_hour)
        .await
        .expect("restrictChatMember");
    let muted = bot
        .get_chat_member(lounge(), boris)
        .await
        .expect("getChatMember");
    let ChatMemberKind::Restricted(restricted) = &muted.kind else {
        panic!("boris is restricted: {:?}", muted.kind);
    };
    assert!(restricted.is_member);
    assert!(!restricted.can_send_messages);
    assert!(timestamp(&restricted.until_date).is_some());

    bot.ban_chat_member(lounge(), boris)
        .await
        .expect("banChatMember");
    let banned = bot
        .get_chat_member(lounge(), boris)
        .await
        .expect("getChatMember");
    assert!(matches!(
        banned.kind,
        ChatMemberKind::Banned(ref b) if b.until_date == UntilDate::Forever
    ));

    bot.unban_chat_member(lounge(), boris)
        .only_if_banned(true)
        .await
        .expect("unbanChatMember");
    let unbanned = bot
        .get_chat_member(lounge(), boris)
        .await
        .expect("getChatMember");
    assert_eq!(unbanned.kind, ChatMemberKind::Left);

    // What the typed client actually sent.
    let restrict = &fake.calls_to("restrictChatMember")[0];
    assert_eq!(restrict.params["user_id"], json!(BORIS_ID));
    assert_eq!(restrict.params["chat_id"], json!(LOUNGE_ID));
    let unban = &fake.calls_to("unbanChatMember")[0];
    assert_eq!(unban.params["only_if_banned"], json!(true));
}

#[tokio::test]
async fn set_inspect_and_delete_a_webhook() {
    let fake = fake().await;
    let bot = bot(&fake);
    let url = reqwest::Url::parse("https://hooks.example.com/telegram").expect("url");

    bot.set_webhook(url.clone())
        .secret_token("s3cret_Token-1")
        .max_connections(10)
        .allowed_updates([AllowedUpdate::Message, AllowedUpdate::ChatMember])
        .await
        .expect("setWebhook");

    let info = bot.get_webhook_info().await.expect("getWebhookInfo");
    assert_eq!(info.url, Some(url));
    assert!(!info.has_custom_certificate);
    assert_eq!(info.pending_update_count, 0);
    assert_eq!(info.max_connections, Some(10));
    assert_eq!(
        info.allowed_updates,
        Some(vec![AllowedUpdate::Message, AllowedUpdate::ChatMember])
    );
    assert_eq!(
        fake.world().webhook_info().secret_token.as_deref(),
        Some("s3cret_Token-1")
    );

    bot.delete_webhook().await.expect("deleteWebhook");
    let info = bot.get_webhook_info().await.expect("getWebhookInfo");
    assert_eq!(info.url, None);
    assert_eq!(info.max_connections, None);
}

#[tokio::test]
async fn set_and_get_commands_per_scope_and_language() {
    let fake = fake().await;
    let bot = bot(&fake);
    let english = vec![
        BotCommand::new("protect", "Require a channel subscription"),
        BotCommand::new("status", "Show the protection"),
    ];
    let russian = vec![BotCommand::new("protect", "Требовать подписку на канал")];

    bot.set_my_commands(english.clone())
        .await
        .expect("setMyCommands");
    bot.set_my_commands(russian.clone())
        .language_code("ru")
        .await
        .expect("setMyCommands ru");
    bot.set_my_commands(vec![BotCommand::new("settings", "Settings")])
        .scope(BotCommandScope::AllChatAdministrators)
        .await
        .expect("setMyCommands for admins");

    assert_eq!(bot.get_my_commands().await.expect("default"), english);
    let ru = bot.get_my_commands().language_code("ru").await.expect("ru");
    assert_eq!(ru, russian);
    let admins = bot
        .get_my_commands()
        .scope(BotCommandScope::AllChatAdministrators)
        .await
        .expect("admins");
    assert_eq!(admins, vec![BotCommand::new("settings", "Settings")]);
    let groups = bot
        .get_my_commands()
        .scope(BotCommandScope::AllGroupChats)
        .await
        .expect("unset scope");
    assert!(groups.is_empty());
}

#[tokio::test]
async fn get_updates_decodes_messages_and_confirms_with_offset() {
    let fake = fake().await;
    let bot = bot(&fake);
    fake.user_says(LOUNGE_ID, BORIS_ID, "hello").expect("known");
    fake.user_says(ALICE_ID, ALICE_ID, "/start").expect("known");

    let updates = bot.get_updates().await.expect("getUpdates");
    assert_eq!(updates.len(), 2);
    let UpdateKind::Message(first) = &updates[0].kind else {
        panic!("expected a message: {:?}", updates[0].kind);
    };
    assert_eq!(first.chat.id, lounge());
    assert_eq!(first.text(), Some("hello"));
    assert_eq!(first.from.as_ref().map(|u| u.id), Some(user_id(BORIS_ID)));
    let UpdateKind::Message(second) = &updates[1].kind else {
        panic!("expected a message: {:?}", updates[1].kind);
    };
    assert!(second.chat.is_private());
    assert_eq!(second.text(), Some("/start"));
    assert_eq!(second.id, MessageId(1));

    let next = i32::try_from(updates[1].id.0 + 1).expect("small id");
    let rest = bot.get_updates().offset(next).await.expect("getUpdates");
    assert!(rest.is_empty());
    assert!(fake.world().pending_updates().is_empty());
}
