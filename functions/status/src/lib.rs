//! `/status`: whether the group is protected, its linked channels, the bot's rights checked live
//! in the group and in each channel (what is missing shown plainly), and how many members the
//! bot keeps muted. Answered by webhook reply; no writes.
//!
//! Administrators only, like every guard command (issue #3): each `/status` costs Bot API calls
//! and posts a message in the group, so members could otherwise flood the group with it. The
//! cached admin list answers "is an administrator" without a call when it names the sender.

use channel_guard::admin::{reply, AdminChecks, BotRights, GroupCommand};
use channel_guard::admin_texts as texts;
use channel_guard::config::channel_label;
use channel_guard::config::GroupConfig;
use channel_guard::rights::Right;
use channel_guard::store::prelude::*;
use lambdagram::i18n::{fill, Lang};
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;

pub struct Status;

impl<S: GroupStore + RestrictionStore> RouteHandler<S> for Status {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        input: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let command = match GroupCommand::read(&input) {
            Ok(command) => command,
            Err(why) => return Ok(RouteResponse::rejected(why)),
        };
        let state = ctx.store.group_state(command.group_id, ctx.now).await?;
        let lang = command.lang(state.config.as_ref());
        let checks = AdminChecks {
            bot: ctx.bot,
            retry: ctx.retry(),
        };
        if !checks.is_admin(&command, state.admins.as_deref()).await? {
            return Ok(reply(&command.answer(texts::STATUS_NOT_ALLOWED.get(lang))));
        }
        let Some(config) = state.config else {
            return Ok(reply(&command.answer(texts::STATUS_NOT_SET_UP.get(lang))));
        };
        let ids: Vec<i64> = config.channels.iter().map(|c| c.id).collect();
        let rights = checks.bot_rights(command.group_id, &ids).await?;
        let muted = ctx
            .store
            .restrictions(command.group_id)
            .await?
            .iter()
            .filter(|r| r.in_force(ctx.now))
            .count();
        Ok(reply(
            &command.answer(report(&config, &rights, muted, lang)),
        ))
    }
}

/// The status report.
pub fn report(config: &GroupConfig, rights: &BotRights, muted: usize, lang: Lang) -> String {
    let mut lines: Vec<String> = Vec::new();
    if config.enabled {
        lines.push(texts::STATUS_ON.get(lang).to_owned());
        if !rights.complete() {
            lines.push(texts::STATUS_DEGRADED.get(lang).to_owned());
        }
    } else {
        lines.push(texts::STATUS_OFF.get(lang).to_owned());
    }

    lines.push(String::new());
    lines.push(texts::STATUS_CHANNELS.get(lang).to_owned());
    for channel in &config.channels {
        let state = if rights.missing_in(channel.id).is_empty() {
            texts::STATUS_CHANNEL_ADMIN
        } else {
            texts::STATUS_CHANNEL_NOT_ADMIN
        };
        lines.push(format!("• {}: {}", channel_label(channel), state.get(lang)));
    }

    lines.push(String::new());
    lines.push(texts::STATUS_GROUP.get(lang).to_owned());
    if rights.group.contains(&Right::Administrator) {
        lines.push(texts::STATUS_GROUP_NOT_ADMIN.get(lang).to_owned());
    } else {
        for right in [Right::RestrictMembers, Right::DeleteMessages] {
            let held = !rights.group.contains(&right);
            lines.push(texts::group_right_line(right, held).get(lang).to_owned());
        }
    }

    lines.push(String::new());
    lines.push(fill(
        texts::STATUS_MUTED.get(lang),
        &[("count", &muted.to_string())],
    ));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use channel_guard::config::LinkedChannel;

    fn config(enabled: bool) -> GroupConfig {
        let mut config = GroupConfig::new(-100);
        config.enabled = enabled;
        config.link([
            LinkedChannel {
                id: -1001,
                title: "News".into(),
                username: Some("lambdagram_news".into()),
                invite_link: None,
            },
            LinkedChannel {
                id: -1002,
                title: "Club & co".into(),
                username: None,
                invite_link: None,
            },
        ]);
        config
    }

    #[test]
    fn a_healthy_protection() {
        let rights = BotRights {
            group: vec![],
            channels: vec![(-1001, vec![]), (-1002, vec![])],
        };
        assert_eq!(
            report(&config(true), &rights, 2, lambdagram::i18n::EN),
            "🛡 Protection: <b>on</b>\n\nChannels:\n\
             • @lambdagram_news: ✓ I am an administrator\n\
             • <b>Club &amp; co</b>: ✓ I am an administrator\n\n\
             My rights in this group:\n✓ can restrict members\n✓ can delete messages\n\n\
             Muted by me: 2"
        );
    }

    #[test]
    fn degraded_rights_are_shown_plainly() {
        let rights = BotRights {
            group: vec![Right::RestrictMembers],
            channels: vec![(-1001, vec![Right::Administrator]), (-1002, vec![])],
        };
        assert_eq!(
            report(&config(true), &rights, 0, lambdagram::i18n::EN),
            "🛡 Protection: <b>on</b>\n\
             ⚠️ I cannot fully protect the group until the rights marked ✗ are fixed.\n\n\
             Channels:\n\
             • @lambdagram_news: ✗ I am not an administrator: I cannot see who is subscribed\n\
             • <b>Club &amp; co</b>: ✓ I am an administrator\n\n\
             My rights in this group:\n✗ cannot restrict members\n✓ can delete messages\n\n\
             Muted by me: 0"
        );
        let demoted = BotRights {
            group: vec![
                Right::Administrator,
                Right::RestrictMembers,
                Right::DeleteMessages,
            ],
            channels: vec![],
        };
        let ru = report(&config(false), &demoted, 0, channel_guard::i18n::RU);
        assert!(ru.starts_with("Защита: <b>выключена</b>"), "{ru}");
        assert!(
            ru.contains("Мои права в этой группе:\n✗ я не администратор\n"),
            "{ru}"
        );
    }
}
