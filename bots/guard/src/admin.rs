//! What the guard's admin commands (`/protect`, `/unprotect`, `/status`) share: reading the
//! command from its update, who may run it, the bot's own rights checked live, and the answer.

use lambdagram::teloxide_core::payloads::{
    AnswerCallbackQuery, AnswerCallbackQuerySetters, GetChatMember, GetMe, SendMessage,
    SendMessageSetters,
};
use lambdagram::teloxide_core::types::{
    CallbackQuery, ChatId, MessageId, ParseMode, ReplyParameters, UserId,
};

use super::config::may_configure;
use super::config::{Configurers, GroupConfig};
use super::rights::{missing_in_channel, missing_in_group, Right};
use super::store::prelude::*;
use lambdagram::i18n::Lang;
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext};
use lambdagram::route_api::RouteResponse;
use lambdagram::telegram::{with_retry, BotApi, BotApiError, RetryPolicy};

/// Who sent a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// Sent on behalf of the group itself: an anonymous administrator (Telegram does not say
    /// which one, nor with which rights).
    AnonymousAdmin,
    User(i64),
    /// Sent on behalf of another chat (a channel writing in the group): nobody who may configure.
    OtherChat,
}

/// A command sent in a group or supergroup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupCommand {
    pub group_id: i64,
    pub message_id: i32,
    pub sender: Sender,
    /// The text after the command word, trimmed.
    pub args: String,
    /// From the sender's `language_code`: the language while the group has no configuration.
    pub sender_lang: Lang,
}

impl GroupCommand {
    /// Reads the command; `Err` says why it cannot be a group's (the route rejects it).
    pub fn read(command: &Command) -> Result<GroupCommand, &'static str> {
        let message = &command.message;
        if !(message.chat.is_group() || message.chat.is_supergroup()) {
            return Err("a group command outside a group");
        }
        let sender = match (&message.sender_chat, &message.from) {
            (Some(chat), _) if chat.id == message.chat.id => Sender::AnonymousAdmin,
            (Some(_), _) => Sender::OtherChat,
            (None, Some(user)) => {
                Sender::User(i64::try_from(user.id.0).map_err(|_| "bad user id")?)
            }
            (None, None) => return Err("a group command without a sender"),
        };
        Ok(GroupCommand {
            group_id: message.chat.id.0,
            message_id: message.id.0,
            sender,
            args: command.args.clone(),
            sender_lang: command.lang(),
        })
    }

    /// The group's language once it has a configuration, the sender's before.
    pub fn lang(&self, config: Option<&GroupConfig>) -> Lang {
        config.map_or(self.sender_lang, |c| c.settings.lang)
    }

    /// An HTML answer in the group, replying to the command (sent even if it was deleted).
    pub fn answer(&self, html: impl Into<String>) -> SendMessage {
        SendMessage::new(ChatId(self.group_id), html)
            .parse_mode(ParseMode::Html)
            .reply_parameters(
                ReplyParameters::new(MessageId(self.message_id)).allow_sending_without_reply(),
            )
    }
}

/// A group command from someone who may change the group's protection.
pub struct Configuring {
    pub command: GroupCommand,
    /// The group's configuration, if it has one.
    pub config: Option<GroupConfig>,
    /// The group's language (the sender's while it has no configuration).
    pub lang: Lang,
}

/// What the admin commands (`/protect`, `/unprotect`, `/settings`, `/allow`) do first: read the
/// command and the group's configuration (one read), and check that the sender may change the
/// protection (the group's "who may change settings"). `Err` is the answer to give instead:
/// an update that is no group command is rejected, a sender who may not is told so.
pub async fn configuring<S: GroupStore>(
    ctx: &RouteContext<'_, S>,
    command: &Command,
) -> Result<Result<Configuring, RouteResponse>, HandlerError> {
    let command = match GroupCommand::read(command) {
        Ok(command) => command,
        Err(why) => return Ok(Err(RouteResponse::rejected(why))),
    };
    let config = ctx
        .store
        .group_state(command.group_id, ctx.now)
        .await?
        .config;
    let lang = command.lang(config.as_ref());
    let who = config
        .as_ref()
        .map(|c| c.settings.configurers)
        .unwrap_or_default();
    let checks = AdminChecks {
        bot: ctx.bot,
        retry: ctx.retry(),
    };
    if !checks.may_configure(&command, who).await? {
        let refusal = command.answer(super::admin_texts::not_allowed(who).get(lang));
        return Ok(Err(reply(&refusal)));
    }
    Ok(Ok(Configuring {
        command,
        config,
        lang,
    }))
}

/// The button that lifts every restriction the bot imposed in the group (`count` of them):
/// under `/unprotect`'s answer, and again under the lift's answer while some are left.
pub fn lift_button(
    count: usize,
    lang: Lang,
) -> lambdagram::teloxide_core::types::InlineKeyboardMarkup {
    use lambdagram::teloxide_core::types::{InlineKeyboardButton, InlineKeyboardMarkup};
    let label = lambdagram::i18n::fill(
        super::admin_texts::LIFT_BUTTON.get(lang, count as u64),
        &[("count", &count.to_string())],
    );
    InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
        label,
        super::callback::GuardCallback::LiftAll.encode(),
    )]])
}

/// Answers with `message` as the webhook reply: for answers whose result nobody needs.
pub fn reply(message: &SendMessage) -> RouteResponse {
    RouteResponse::webhook_reply(message)
}

/// Telegram's limit on a callback answer's text.
pub const MAX_ANSWER_CHARS: usize = 200;

/// What a callback answer shows the presser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    /// A dialog to dismiss, rather than a toast.
    pub alert: bool,
}

impl Notice {
    pub fn alert(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            alert: true,
        }
    }

    pub fn toast(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            alert: false,
        }
    }
}

/// Answers a button press (stopping its spinner) as the webhook reply, with `notice` clipped to
/// Telegram's limit.
pub fn answer_press(query: &CallbackQuery, notice: Option<Notice>) -> RouteResponse {
    let mut request = AnswerCallbackQuery::new(query.id.clone());
    if let Some(notice) = notice {
        request = request
            .text(clip(&notice.text, MAX_ANSWER_CHARS))
            .show_alert(notice.alert);
    }
    RouteResponse::webhook_reply(&request)
}

/// At most `max` characters, ending in `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What the bot lacks, checked live: in the group, and in each channel (in the order asked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BotRights {
    pub group: Vec<Right>,
    pub channels: Vec<(i64, Vec<Right>)>,
}

impl BotRights {
    /// Whether nothing is missing anywhere.
    pub fn complete(&self) -> bool {
        self.group.is_empty() && self.channels.iter().all(|(_, m)| m.is_empty())
    }

    /// What the bot lacks in `channel_id` (nothing if it was not checked).
    pub fn missing_in(&self, channel_id: i64) -> &[Right] {
        self.channels
            .iter()
            .find(|(c, _)| *c == channel_id)
            .map_or(&[], |(_, m)| m.as_slice())
    }
}

/// The live checks the admin commands make through the Bot API.
pub struct AdminChecks<'a> {
    pub bot: &'a BotApi,
    pub retry: RetryPolicy,
}

impl AdminChecks<'_> {
    /// Whether the sender may change the group's protection: the owner, or (unless only the
    /// owner may) an administrator who can restrict members. An anonymous administrator counts
    /// as such an administrator; Telegram does not say who it is, so not as the owner.
    pub async fn may_configure(
        &self,
        command: &GroupCommand,
        who: Configurers,
    ) -> Result<bool, HandlerError> {
        match command.sender {
            Sender::AnonymousAdmin => Ok(who == Configurers::Admins),
            Sender::OtherChat => Ok(false),
            Sender::User(user_id) => {
                let member = self.member(command.group_id, user_id).await?;
                Ok(may_configure(&member.kind, who))
            }
        }
    }

    /// Whether the sender is one of the group's administrators: from the cached admin list when
    /// it names them (no call), otherwise asked (a promotion may be newer than the cache).
    pub async fn is_admin(
        &self,
        command: &GroupCommand,
        cached_admins: Option<&[i64]>,
    ) -> Result<bool, HandlerError> {
        match command.sender {
            Sender::AnonymousAdmin => Ok(true),
            Sender::OtherChat => Ok(false),
            Sender::User(user_id) if cached_admins.is_some_and(|a| a.contains(&user_id)) => {
                Ok(true)
            }
            Sender::User(user_id) => Ok(self
                .member(command.group_id, user_id)
                .await?
                .kind
                .is_privileged()),
        }
    }

    /// Whether the sender administers the channel `channel_id` (its creator or an
    /// administrator), asked now: only a channel's own administrators may link it to a group,
    /// or a group admin could learn who follows someone else's private channel. An anonymous
    /// administrator cannot show who they are, so cannot show it. `None`: Telegram will not
    /// say, because the bot is no administrator there (which refuses the protection anyway).
    pub async fn administers(
        &self,
        command: &GroupCommand,
        channel_id: i64,
    ) -> Result<Option<bool>, HandlerError> {
        match command.sender {
            Sender::User(user_id) => Ok(refused_as_none(self.member(channel_id, user_id).await)?
                .map(|m| m.kind.is_privileged())),
            Sender::AnonymousAdmin | Sender::OtherChat => Ok(Some(false)),
        }
    }

    /// The bot's own user id: from its token, or (for a token of another shape) `getMe`.
    pub async fn bot_id(&self) -> Result<i64, HandlerError> {
        if let Some(id) = self.bot.bot_id() {
            return Ok(id);
        }
        let request = GetMe::new();
        let me = with_retry(self.retry, || self.bot.call(&request)).await?;
        Ok(i64::try_from(me.user.id.0).unwrap_or(i64::MAX))
    }

    /// The bot's rights in the group (`can_restrict_members`, `can_delete_messages`) and in each
    /// channel (administrator), asked now. A refusal to answer about a chat (the bot was
    /// removed from it, a private channel it cannot see) reads as lacking everything there.
    pub async fn bot_rights(
        &self,
        group_id: i64,
        channels: &[i64],
    ) -> Result<BotRights, HandlerError> {
        let bot_id = self.bot_id().await?;
        let group = match refused_as_none(self.member(group_id, bot_id).await)? {
            Some(member) => missing_in_group(&member.kind),
            None => vec![
                Right::Administrator,
                Right::RestrictMembers,
                Right::DeleteMessages,
            ],
        };
        let mut rights = BotRights {
            group,
            channels: Vec::with_capacity(channels.len()),
        };
        for channel in channels {
            let missing = match refused_as_none(self.member(*channel, bot_id).await)? {
                Some(member) => missing_in_channel(&member.kind),
                None => vec![Right::Administrator],
            };
            rights.channels.push((*channel, missing));
        }
        Ok(rights)
    }

    async fn member(
        &self,
        chat_id: i64,
        user_id: i64,
    ) -> Result<lambdagram::teloxide_core::types::ChatMember, BotApiError> {
        let user = UserId(u64::try_from(user_id).unwrap_or_default());
        let request = GetChatMember::new(ChatId(chat_id), user);
        with_retry(self.retry, || self.bot.call(&request)).await
    }
}

/// A Bot API refusal (an answer about the chat, not an accident) as `None`.
fn refused_as_none<T>(result: Result<T, BotApiError>) -> Result<Option<T>, HandlerError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(BotApiError::Api { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn update(message: serde_json::Value) -> Command {
        use lambdagram::input::FromUpdate;
        use lambdagram::routes::{Scope, Trigger};
        // As the route reads it: from text (teloxide's `Update` does not read from a `Value`).
        let text = json!({"update_id": 1, "message": message}).to_string();
        let update = serde_json::from_str(&text).expect("an update");
        let trigger = Trigger::Command {
            name: "protect",
            scope: Scope::Groups,
        };
        Command::from_update(&update, trigger).expect("a command")
    }

    fn group_message(extra: serde_json::Value) -> serde_json::Value {
        let mut m = json!({
            "message_id": 7, "date": 0,
            "chat": {"id": -100123, "type": "supergroup", "title": "G"},
            "text": "/protect@LambdagramBot  @news_chan, @other_chan ",
            "entities": [{"type": "bot_command", "offset": 0, "length": 22}]
        });
        if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
            m.extend(extra.clone());
        }
        m
    }

    #[test]
    fn reads_sender_args_and_language() {
        let u = update(group_message(json!({
            "from": {"id": 5, "is_bot": false, "first_name": "A", "language_code": "ru"}
        })));
        assert_eq!(
            GroupCommand::read(&u),
            Ok(GroupCommand {
                group_id: -100123,
                message_id: 7,
                sender: Sender::User(5),
                args: "@news_chan, @other_chan".into(),
                sender_lang: crate::i18n::RU,
            })
        );
    }

    #[test]
    fn tells_anonymous_admins_from_other_chats() {
        let anonymous_bot = json!({"id": 1087968824, "is_bot": true, "first_name": "Group"});
        let u = update(group_message(json!({
            "from": anonymous_bot,
            "sender_chat": {"id": -100123, "type": "supergroup", "title": "G"}
        })));
        assert_eq!(
            GroupCommand::read(&u).map(|c| c.sender),
            Ok(Sender::AnonymousAdmin)
        );
        let u = update(group_message(json!({
            "from": {"id": 136817688, "is_bot": true, "first_name": "Channel"},
            "sender_chat": {"id": -100999, "type": "channel", "title": "C"}
        })));
        assert_eq!(
            GroupCommand::read(&u).map(|c| c.sender),
            Ok(Sender::OtherChat)
        );
    }

    #[test]
    fn button_presses_are_answered_by_webhook_reply_within_the_limit() {
        let query: CallbackQuery = serde_json::from_value(json!({
            "id": "4382", "chat_instance": "-1",
            "from": {"id": 222222, "is_bot": false, "first_name": "Boris"},
            "data": "joined:222222"
        }))
        .expect("a callback query");
        assert_eq!(
            answer_press(&query, None).reply,
            Some(json!({"method": "answerCallbackQuery", "callback_query_id": "4382"}))
        );
        assert_eq!(
            answer_press(&query, Some(Notice::alert("not yours"))).reply,
            Some(json!({
                "method": "answerCallbackQuery", "callback_query_id": "4382",
                "text": "not yours", "show_alert": true
            }))
        );
        assert_eq!(clip("short", 200), "short");
        let clipped = clip(&"я".repeat(250), MAX_ANSWER_CHARS);
        assert_eq!(clipped.chars().count(), MAX_ANSWER_CHARS);
        assert!(clipped.ends_with('…'));
    }

    #[test]
    fn answers_reply_to_the_command_in_html() {
        let u = update(group_message(json!({
            "from": {"id": 5, "is_bot": false, "first_name": "A"}
        })));
        let command = GroupCommand::read(&u).expect("a command");
        let answer = reply(&command.answer("<b>hi</b>"));
        assert_eq!(
            answer.reply,
            Some(json!({
                "method": "sendMessage", "chat_id": -100123, "text": "<b>hi</b>",
                "parse_mode": "HTML",
                "reply_parameters": {"message_id": 7, "allow_sending_without_reply": true}
            }))
        );
    }
}
