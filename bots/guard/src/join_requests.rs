//! Requests to join a protected group (`join_requests` in its settings): a subscriber of every
//! linked channel is approved; anyone else is declined, or held with a message in their private
//! chat naming the channels to join and an "I have joined" button that approves the request
//! once they have. A private channel with no join link gets one the bot creates, saved in the
//! group's configuration so it is created once.
//!
//! Approving and declining are idempotent: a request already decided (by an admin, by an
//! earlier delivery, or withdrawn) is Telegram's `HIDE_REQUESTER_MISSING`, and a requester
//! already in the group `USER_ALREADY_PARTICIPANT`: outcomes, carried on from. Creating a link
//! and the held message are not, and are journalled by the route.

use lambdagram::teloxide_core::payloads::{
    ApproveChatJoinRequest, CreateChatInviteLink, CreateChatInviteLinkSetters,
    DeclineChatJoinRequest, SendMessage, SendMessageSetters,
};
use lambdagram::teloxide_core::types::{ChatId, ParseMode, UserId};

use super::callback::GuardCallback;
use super::config::{channel_label, GroupConfig, LinkedChannel};
use super::enforce::{join_keyboard, Guard};
use super::store::prelude::*;
use super::texts;
use lambdagram::i18n::{escape_html, fill};
use lambdagram::route::HandlerError;
use lambdagram::telegram::{with_retry, BotApiError, TelegramApi};

/// What became of a join request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Declined,
    /// The requester was written to and the request left pending.
    Held,
    /// Already decided (or withdrawn, or the requester is in the group already): nothing done.
    AlreadyDecided,
    /// Held, but the requester cannot be written to (they blocked the bot): left pending for
    /// the group's admins.
    Unreachable,
}

impl Decision {
    /// The outcome's name, for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Declined => "declined",
            Decision::Held => "held",
            Decision::AlreadyDecided => "already_decided",
            Decision::Unreachable => "unreachable",
        }
    }
}

/// Telegram's answer that the request is no longer there to decide: decided already, withdrawn,
/// or its requester in the chat already.
pub fn already_decided(e: &BotApiError) -> bool {
    matches!(e, BotApiError::Api { description, .. }
        if description.contains("HIDE_REQUESTER_MISSING")
            || description.contains("USER_ALREADY_PARTICIPANT"))
}

/// The message to a held requester (in their private chat `user_chat_id`): the group, the
/// channels they miss with a join button each (when there is a link to open), and "I have
/// joined", which approves the request once they are subscribed.
pub fn held_message(
    config: &GroupConfig,
    group_title: &str,
    user_chat_id: i64,
    user_id: i64,
    missing: &[&LinkedChannel],
) -> SendMessage {
    let lang = config.settings.lang;
    let names: Vec<String> = missing.iter().map(|c| channel_label(c)).collect();
    let text = fill(
        texts::JOIN_REQUEST_HELD.get(lang),
        &[
            ("group", &escape_html(group_title)),
            ("channels", &names.join(", ")),
        ],
    );
    SendMessage::new(ChatId(user_chat_id), text)
        .parse_mode(ParseMode::Html)
        .reply_markup(join_keyboard(
            missing,
            lang,
            GuardCallback::JoinRequest {
                user_id,
                group_id: config.group_id,
            },
        ))
}

/// The private channels among `missing` that have no join link yet: the bot creates one each.
pub fn without_link<'c>(missing: &[&'c LinkedChannel]) -> Vec<&'c LinkedChannel> {
    missing
        .iter()
        .copied()
        .filter(|c| c.join_url().is_none())
        .collect()
}

/// The request to create a join link of a private channel: an ordinary additional link (no
/// approval, no limit), named after its purpose so the channel's admins know whose it is.
pub fn invite_link_request(channel_id: i64) -> CreateChatInviteLink {
    CreateChatInviteLink::new(ChatId(channel_id)).name("channel guard")
}

/// Records `link` as the join link of `channel_id` where none is set; whether it changed.
pub fn set_invite_link(config: &mut GroupConfig, channel_id: i64, link: &str) -> bool {
    match config.channels.iter_mut().find(|c| c.id == channel_id) {
        Some(c) if c.join_url().is_none() => {
            c.invite_link = Some(link.to_owned());
            true
        }
        _ => false,
    }
}

impl<S: GuardStore, T: TelegramApi> Guard<'_, S, T> {
    /// Approves `user_id`'s request to join `group_id`: [`Decision::Approved`], or
    /// [`Decision::AlreadyDecided`] when Telegram says it is no longer pending.
    pub async fn approve_join(
        &self,
        group_id: i64,
        user_id: i64,
    ) -> Result<Decision, HandlerError> {
        let request = ApproveChatJoinRequest::new(ChatId(group_id), UserId(user_id as u64));
        decided(
            with_retry(self.retry, || self.bot.call(&request)).await,
            Decision::Approved,
        )
    }

    /// Declines `user_id`'s request to join `group_id`, as [`Guard::approve_join`] approves.
    pub async fn decline_join(
        &self,
        group_id: i64,
        user_id: i64,
    ) -> Result<Decision, HandlerError> {
        let request = DeclineChatJoinRequest::new(ChatId(group_id), UserId(user_id as u64));
        decided(
            with_retry(self.retry, || self.bot.call(&request)).await,
            Decision::Declined,
        )
    }
}

fn decided<R>(result: Result<R, BotApiError>, done: Decision) -> Result<Decision, HandlerError> {
    match result {
        Ok(_) => Ok(done),
        Err(e) if already_decided(&e) => {
            tracing::info!(error = %e, "join request already decided");
            Ok(Decision::AlreadyDecided)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambdagram::teloxide_core::types::InlineKeyboardButtonKind;
    use lambdagram::teloxide_core::ApiError;

    fn channel(id: i64, username: Option<&str>, link: Option<&str>) -> LinkedChannel {
        LinkedChannel {
            id,
            title: format!("C{}", -id),
            username: username.map(str::to_owned),
            invite_link: link.map(str::to_owned),
        }
    }

    fn refused(description: &str) -> BotApiError {
        BotApiError::Api {
            method: "ApproveChatJoinRequest",
            code: 400,
            error: ApiError::Unknown(description.into()),
            description: description.into(),
        }
    }

    #[test]
    fn a_request_no_longer_pending_is_an_outcome_and_other_refusals_are_not() {
        assert!(already_decided(&refused(
            "Bad Request: HIDE_REQUESTER_MISSING"
        )));
        assert!(already_decided(&refused(
            "Bad Request: USER_ALREADY_PARTICIPANT"
        )));
        assert!(!already_decided(&refused(
            "Bad Request: CHAT_ADMIN_REQUIRED"
        )));
        assert!(matches!(
            decided::<()>(
                Err(refused("Bad Request: HIDE_REQUESTER_MISSING")),
                Decision::Approved
            ),
            Ok(Decision::AlreadyDecided)
        ));
        assert!(decided::<()>(
            Err(refused("Bad Request: CHAT_ADMIN_REQUIRED")),
            Decision::Declined
        )
        .is_err());
    }

    #[test]
    fn the_held_message_names_the_group_and_the_channels_with_their_buttons() {
        let mut config = GroupConfig::new(-100);
        let (public, private, linked) = (
            channel(-1, Some("news"), None),
            channel(-2, None, None),
            channel(-3, None, Some("https://t.me/+abc")),
        );
        config.link([public.clone(), private.clone(), linked.clone()]);
        let message = held_message(&config, "<Lounge>", 5, 5, &[&public, &private, &linked]);
        assert_eq!(message.chat_id, ChatId(5).into());
        assert_eq!(
            message.text,
            "To join <b>&lt;Lounge&gt;</b>, subscribe to @news, <b>C2</b>, <b>C3</b> first, then press “I have joined”."
        );
        let buttons: Vec<(String, String)> = message
            .reply_markup
            .map(|m| match m {
                lambdagram::teloxide_core::types::ReplyMarkup::InlineKeyboard(k) => k,
                other => panic!("{other:?}"),
            })
            .expect("buttons")
            .inline_keyboard
            .into_iter()
            .flatten()
            .map(|b| match b.kind {
                InlineKeyboardButtonKind::Url(url) => (b.text, url.to_string()),
                InlineKeyboardButtonKind::CallbackData(data) => (b.text, data),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            buttons,
            [
                ("Join C1".to_owned(), "https://t.me/news".to_owned()),
                ("Join C3".to_owned(), "https://t.me/+abc".to_owned()),
                ("✅ I have joined".to_owned(), "joined:5:-100".to_owned()),
            ]
        );
        assert_eq!(without_link(&[&public, &private, &linked]), [&private]);
    }

    #[test]
    fn a_created_link_is_set_once() {
        let mut config = GroupConfig::new(-100);
        config.link([channel(-2, None, None), channel(-1, Some("news"), None)]);
        assert!(set_invite_link(&mut config, -2, "https://t.me/+x"));
        assert!(!set_invite_link(&mut config, -2, "https://t.me/+y"));
        assert!(
            !set_invite_link(&mut config, -1, "https://t.me/+z"),
            "public: no link needed"
        );
        assert!(
            !set_invite_link(&mut config, -9, "https://t.me/+z"),
            "not linked"
        );
        assert_eq!(
            config.channels[0].invite_link.as_deref(),
            Some("https://t.me/+x")
        );
    }
}
