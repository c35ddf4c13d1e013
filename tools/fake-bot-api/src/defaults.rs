//! The default world: a bot, two users, a supergroup and a channel.

use crate::model::{AdminRights, Chat, MemberStatus, User};
use crate::state::{ChatState, Inner};

/// The token the fake accepts unless configured otherwise.
pub const DEFAULT_TOKEN: &str = "123456:TEST-TOKEN";
/// The bot's user id (the part of the token before the colon).
pub const BOT_ID: i64 = 123_456;
pub const BOT_USERNAME: &str = "LambdagramBot";
/// Alice: English, creator of the lounge, administrator of the news channel.
pub const ALICE_ID: i64 = 111_111;
/// Boris: Russian, member of the lounge.
pub const BORIS_ID: i64 = 222_222;
/// The supergroup "Lambdagram Lounge".
pub const LOUNGE_ID: i64 = -1_001_234_567_890;
/// The channel "@lambdagram_news".
pub const NEWS_ID: i64 = -1_009_876_543_210;
pub const NEWS_USERNAME: &str = "lambdagram_news";

/// The bot user.
pub fn bot_user() -> User {
    User::bot(BOT_ID, "Lambdagram", BOT_USERNAME)
}

pub fn alice() -> User {
    User::new(ALICE_ID, "Alice")
        .with_username("alice")
        .with_language("en")
}

pub fn boris() -> User {
    User::new(BORIS_ID, "Boris")
        .with_username("boris")
        .with_language("ru")
}

/// The supergroup "Lambdagram Lounge".
pub fn lounge() -> Chat {
    Chat::supergroup(LOUNGE_ID, "Lambdagram Lounge")
}

/// The channel @lambdagram_news.
pub fn news() -> Chat {
    Chat::channel(NEWS_ID, "Lambdagram News").with_username(NEWS_USERNAME)
}

/// Fills `inner` with the default world.
pub(crate) fn populate(inner: &mut Inner) {
    let bot_id = inner.bot.id;
    for user in [alice(), boris()] {
        inner
            .chats
            .insert(user.id, ChatState::new(Chat::private(&user)));
        inner.users.insert(user.id, user);
    }

    let mut lounge = ChatState::new(lounge());
    lounge.members.insert(ALICE_ID, MemberStatus::creator());
    lounge.members.insert(BORIS_ID, MemberStatus::member());
    lounge
        .members
        .insert(bot_id, MemberStatus::admin(AdminRights::moderator()));
    inner.chats.insert(LOUNGE_ID, lounge);

    let mut news = ChatState::new(news());
    let channel_rights = AdminRights {
        can_post_messages: true,
        can_edit_messages: true,
        can_delete_messages: true,
        can_invite_users: true,
        ..AdminRights::basic()
    };
    news.members
        .insert(bot_id, MemberStatus::admin(channel_rights.clone()));
    // Alice runs the channel as well as the Lounge (only a channel's administrators may link
    // it to a group).
    news.members
        .insert(ALICE_ID, MemberStatus::admin(channel_rights));
    inner.chats.insert(NEWS_ID, news);
}
