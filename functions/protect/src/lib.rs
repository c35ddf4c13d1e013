//! `/protect @channel …`: links channels to the group and turns the guard on, once the sender
//! may configure the group and the bot has every right it needs, checked live: ban users and
//! delete messages in the group, administrator in every linked channel. Anything missing is
//! named, with where, and nothing is saved. Idempotent; naming more channels extends the
//! protection; `/protect` alone turns a group's kept protection back on.

use channel_guard::admin::{configuring, reply, AdminChecks, BotRights, Configuring};
use channel_guard::admin_texts as texts;
use channel_guard::channels::{self, ArgsError, ChannelArg, MAX_CHANNELS};
use channel_guard::config::channel_label;
use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::rights::Right;
use channel_guard::store::prelude::*;
use lambdagram::i18n::{escape_html, fill, Lang};
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::telegram::{with_retry, BotApi, BotApiError, RetryPolicy};
use lambdagram::teloxide_core::payloads::GetChat;
use lambdagram::teloxide_core::types::{ChatId, Recipient};

pub struct Protect;

/// Something that stops the group from being protected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The bot lacks these rights in the group.
    GroupRights(Vec<Right>),
    /// `getChat` does not know it: misspelt, or a private channel the bot is not in.
    NotFound(ChannelArg),
    /// A group or a user, not a channel.
    NotAChannel(ChannelArg),
    /// The bot is not an administrator of this channel.
    NotChannelAdmin(LinkedChannel),
    /// The sender is not an administrator of this channel (named as they wrote it: nothing
    /// of a channel that is not theirs is shown).
    NotYourChannel(ChannelArg),
}

impl<S: GroupStore> RouteHandler<S> for Protect {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        input: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let Configuring {
            command,
            config: existing,
            lang,
        } = match configuring(&ctx, &input).await? {
            Ok(c) => c,
            Err(answer) => return Ok(answer),
        };
        let checks = AdminChecks {
            bot: ctx.bot,
            retry: ctx.retry(),
        };
        let kept = existing.as_ref().is_some_and(|c| !c.channels.is_empty());
        let args = match channels::parse(&command.args) {
            Ok(args) => args,
            Err(ArgsError::Empty) if kept => Vec::new(),
            Err(e) => return Ok(reply(&command.answer(usage(&e, lang)))),
        };

        let mut unresolved = Vec::new();
        let mut found = Vec::new();
        // Only a channel's own administrators may link it; one linked already stays linkable.
        let linked: Vec<i64> = existing
            .iter()
            .flat_map(|c| c.channels.iter().map(|c| c.id))
            .collect();
        // Channels Telegram would not answer about: let through only to be refused below.
        let mut unverified = Vec::new();
        for arg in args {
            match resolve(ctx.bot, ctx.retry(), arg.clone()).await? {
                Ok(channel) if linked.contains(&channel.id) => found.push(channel),
                Ok(channel) => match checks.administers(&command, channel.id).await? {
                    Some(true) => found.push(channel),
                    Some(false) => unresolved.push(Problem::NotYourChannel(arg)),
                    None => {
                        unverified.push((arg, channel.id));
                        found.push(channel);
                    }
                },
                Err(problem) => unresolved.push(problem),
            }
        }
        let before = existing.clone();
        let mut config = existing.unwrap_or_else(|| {
            let mut config = GroupConfig::new(command.group_id);
            // A language the guard speaks (a Ukrainian admin's group is set to English).
            config.settings.lang = channel_guard::i18n::CATALOGUE.resolve(command.sender_lang);
            config
        });
        config.link(found);
        if config.channels.len() > MAX_CHANNELS {
            return Ok(reply(&command.answer(too_many(lang))));
        }
        let ids: Vec<i64> = config.channels.iter().map(|c| c.id).collect();
        let rights = checks.bot_rights(command.group_id, &ids).await?;
        unresolved.extend(unproven(&unverified, &rights));
        let problems = problems(&config, &rights, unresolved);
        if !problems.is_empty() {
            return Ok(reply(&command.answer(refusal(&problems, lang))));
        }

        config.enabled = true;
        // Every right was checked just now, in the group and in every channel.
        config.degraded.clear();
        // Protecting again with nothing new is answered alike, without a write.
        if before.as_ref() != Some(&config) {
            ctx.store.save_group(&mut config, &[]).await?;
        }
        tracing::info!(
            group_id = command.group_id,
            channels = config.channels.len(),
            "group protected"
        );
        Ok(reply(&command.answer(confirmation(&config, lang))))
    }
}

/// Finds a channel by `@username` or id.
async fn resolve(
    bot: &BotApi,
    retry: RetryPolicy,
    arg: ChannelArg,
) -> Result<Result<LinkedChannel, Problem>, HandlerError> {
    let chat_id = match &arg {
        ChannelArg::Username(name) => Recipient::ChannelUsername(format!("@{name}")),
        ChannelArg::Id(id) => Recipient::Id(ChatId(*id)),
    };
    let request = GetChat::new(chat_id);
    match with_retry(retry, || bot.call(&request)).await {
        Ok(chat) if chat.is_channel() => Ok(Ok(LinkedChannel {
            id: chat.id.0,
            title: chat.title().unwrap_or_default().to_owned(),
            username: chat.username().map(str::to_owned),
            invite_link: chat.invite_link().map(str::to_owned),
        })),
        Ok(_) => Ok(Err(Problem::NotAChannel(arg))),
        Err(BotApiError::Api { .. }) => Ok(Err(Problem::NotFound(arg))),
        Err(e) => Err(e.into()),
    }
}

/// The channels whose administrators Telegram would not show the sender to be among: fine only
/// where the bot is no administrator either (the rights check refuses those and says how to
/// fix it); where the bot is one, the refusal was about the sender ("user not found",
/// "PARTICIPANT_ID_INVALID"), so they never get to link it.
pub fn unproven(unverified: &[(ChannelArg, i64)], rights: &BotRights) -> Vec<Problem> {
    unverified
        .iter()
        .filter(|(_, id)| rights.missing_in(*id).is_empty())
        .map(|(arg, _)| Problem::NotYourChannel(arg.clone()))
        .collect()
}

/// Everything in the way, the group's rights first, then each channel in the order named.
pub fn problems(
    config: &GroupConfig,
    rights: &BotRights,
    unresolved: Vec<Problem>,
) -> Vec<Problem> {
    let mut all = Vec::new();
    if !rights.group.is_empty() {
        all.push(Problem::GroupRights(rights.group.clone()));
    }
    all.extend(unresolved);
    all.extend(
        config
            .channels
            .iter()
            .filter(|c| !rights.missing_in(c.id).is_empty())
            .map(|c| Problem::NotChannelAdmin(c.clone())),
    );
    all
}

/// The refusal: what is missing, and where.
pub fn refusal(problems: &[Problem], lang: Lang) -> String {
    let mut text = String::from(texts::CANNOT_PROTECT.get(lang));
    let mut line = |s: String| {
        text.push_str("\n• ");
        text.push_str(&s);
    };
    for problem in problems {
        match problem {
            Problem::GroupRights(missing) if missing.contains(&Right::Administrator) => {
                line(texts::GROUP_NOT_ADMIN.get(lang).to_owned());
            }
            Problem::GroupRights(missing) => {
                for right in missing {
                    let name = texts::right_name(*right).get(lang);
                    line(fill(texts::GROUP_NEEDS_RIGHT.get(lang), &[("right", name)]));
                }
            }
            Problem::NotFound(arg) => line(fill(
                texts::CHANNEL_NOT_FOUND.get(lang),
                &[("channel", &escape_html(&arg.to_string()))],
            )),
            Problem::NotAChannel(arg) => line(fill(
                texts::NOT_A_CHANNEL.get(lang),
                &[("channel", &escape_html(&arg.to_string()))],
            )),
            Problem::NotYourChannel(arg) => line(fill(
                texts::NOT_YOUR_CHANNEL.get(lang),
                &[("channel", &escape_html(&arg.to_string()))],
            )),
            Problem::NotChannelAdmin(channel) => line(fill(
                texts::CHANNEL_NOT_ADMIN.get(lang),
                &[("channel", &channel_label(channel))],
            )),
        }
    }
    text
}

/// How to call `/protect`, after what was wrong with the arguments.
pub fn usage(error: &ArgsError, lang: Lang) -> String {
    let usage = fill(
        texts::USAGE.get(lang),
        &[("max", &MAX_CHANNELS.to_string())],
    );
    match error {
        ArgsError::Empty => usage,
        ArgsError::Invalid(arg) => format!(
            "{}\n{usage}",
            fill(texts::INVALID_ARG.get(lang), &[("arg", &escape_html(arg))])
        ),
        ArgsError::TooMany => too_many(lang),
    }
}

fn too_many(lang: Lang) -> String {
    fill(
        texts::TOO_MANY.get(lang),
        &[("max", &MAX_CHANNELS.to_string())],
    )
}

/// The confirmation, naming every linked channel.
pub fn confirmation(config: &GroupConfig, lang: Lang) -> String {
    let channels: Vec<String> = config.channels.iter().map(channel_label).collect();
    fill(
        texts::PROTECTED.get(lang),
        &[("channels", &channels.join(", "))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Telegram would not say whether the sender administers two channels: where the bot is
    /// an administrator (it guards another owner's group there), the answer was about the
    /// sender, and the channel is refused as not theirs; where the bot is not, the rights
    /// check's own refusal stands.
    #[test]
    fn a_channel_the_sender_cannot_be_shown_to_administer_is_never_linked() {
        let theirs = ChannelArg::Id(-1001);
        let unseen = ChannelArg::Username("unseen".into());
        let rights = BotRights {
            group: Vec::new(),
            channels: vec![(-1001, Vec::new()), (-1002, vec![Right::Administrator])],
        };
        assert_eq!(
            unproven(&[(theirs.clone(), -1001), (unseen, -1002)], &rights),
            [Problem::NotYourChannel(theirs.clone())]
        );
        // A channel the rights check did not reach is refused too (fail closed).
        let none = BotRights {
            group: Vec::new(),
            channels: Vec::new(),
        };
        assert_eq!(
            unproven(&[(theirs.clone(), -1001)], &none),
            [Problem::NotYourChannel(theirs)]
        );
    }

    fn news() -> LinkedChannel {
        LinkedChannel {
            id: -1009876543210,
            title: "Lambdagram News".into(),
            username: Some("lambdagram_news".into()),
            invite_link: None,
        }
    }

    #[test]
    fn a_refusal_names_each_missing_right_and_where() {
        let mut config = GroupConfig::new(-100);
        config.link([news()]);
        let rights = BotRights {
            group: vec![Right::RestrictMembers],
            channels: vec![(news().id, vec![Right::Administrator])],
        };
        let problems = problems(
            &config,
            &rights,
            vec![Problem::NotFound(ChannelArg::Username("gone_chan".into()))],
        );
        assert_eq!(
            refusal(&problems, lambdagram::i18n::EN),
            "I cannot protect this group yet:\n\
             • I need the right “Ban users” in this group.\n\
             • I cannot find @gone_chan. For a private channel, make me its administrator first \
             and give its numeric id.\n\
             • Make me an administrator of @lambdagram_news: otherwise I cannot see who is \
             subscribed."
        );
        let not_admin = [Problem::GroupRights(vec![
            Right::Administrator,
            Right::RestrictMembers,
            Right::DeleteMessages,
        ])];
        assert_eq!(
            refusal(&not_admin, channel_guard::i18n::RU),
            "Пока не могу защитить эту группу:\n• Сделайте меня администратором этой группы с \
             правами «Блокировка пользователей» и «Удаление сообщений»."
        );
    }

    #[test]
    fn usage_explains_what_was_wrong() {
        assert_eq!(
            usage(&ArgsError::Invalid("<news>".into()), lambdagram::i18n::EN),
            "“&lt;news&gt;” is not a channel.\nName the channels members must join: \
             <code>/protect @channel</code> (or the channel's numeric id, <code>-100…</code>), \
             at most 5."
        );
        assert_eq!(
            usage(&ArgsError::TooMany, lambdagram::i18n::EN),
            "A group can link at most 5 channels."
        );
    }

    #[test]
    fn the_confirmation_lists_the_channels() {
        let mut config = GroupConfig::new(-100);
        config.link([
            news(),
            LinkedChannel {
                id: -1001,
                title: "Secret <club>".into(),
                username: None,
                invite_link: None,
            },
        ]);
        assert_eq!(
            confirmation(&config, lambdagram::i18n::EN),
            "🛡 This group is protected. To write here, members must be subscribed to \
             @lambdagram_news, <b>Secret &lt;club&gt;</b>."
        );
    }
}
