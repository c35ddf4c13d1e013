//! The "lift the restrictions I imposed" button `/unprotect` offers (callback `lift:all`). Only
//! someone who may configure the group may press it. It lifts every restriction the bot has on
//! record in the group (restoring the group's own default permissions, read once), and only
//! those: a member restricted by an admin has no record and is never touched. The `/unprotect`
//! message is then edited to say how many were lifted, and the callback answered.

use channel_guard::admin::{answer_press, lift_button, AdminChecks, GroupCommand, Notice, Sender};
use channel_guard::admin_texts;
use channel_guard::callback::GuardCallback;
use channel_guard::config::channel_label;
use channel_guard::config::GroupConfig;
use channel_guard::enforce::Guard;
use channel_guard::store::prelude::*;
use channel_guard::texts;
use lambdagram::i18n::{fill, Lang};
use lambdagram::input::Callback;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::telegram::{with_retry, BotApiError};
use lambdagram::teloxide_core::payloads::{EditMessageText, EditMessageTextSetters};
use lambdagram::teloxide_core::types::{ChatId, ParseMode};

/// Time kept back for editing the message and answering: below it, lifting stops and the
/// button stays for the rest.
pub const RESERVE_MS: u64 = 5_000;

pub struct Lift;

impl<S: GuardStore> RouteHandler<S> for Lift {
    type Input = Callback;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        press: Callback,
    ) -> Result<RouteResponse, HandlerError> {
        let query = &press.query;
        let decoded = GuardCallback::decode_after(press.prefix(), &press.data);
        let (Ok(presser), Some(GuardCallback::LiftAll), Some(message)) =
            (i64::try_from(query.from.id.0), decoded, &query.message)
        else {
            return Ok(answer_press(query, None));
        };
        let group_id = message.chat().id.0;
        let Some(config) = ctx.store.group_state(group_id, ctx.now).await?.config else {
            // No configuration, so no restriction of the bot's either.
            return Ok(answer_press(query, None));
        };
        let lang = config.settings.lang;
        let who = config.settings.configurers;
        // A button press always names the real user (anonymous admins included), so the
        // presser is checked as themself.
        let presser = GroupCommand {
            group_id,
            message_id: message.id().0,
            sender: Sender::User(presser),
            args: String::new(),
            sender_lang: lang,
        };
        let checks = AdminChecks {
            bot: ctx.bot,
            retry: ctx.retry(),
        };
        if !checks.may_configure(&presser, who).await? {
            let refusal = admin_texts::not_allowed(who).get(lang);
            return Ok(answer_press(query, Some(Notice::alert(refusal))));
        }

        // Timed mutes that are over are no longer the bot's to lift: their records just go.
        let mut restrictions = Vec::new();
        for r in ctx.store.restrictions(group_id).await? {
            if r.in_force(ctx.now) {
                restrictions.push(r);
            } else {
                ctx.store.remove_restriction(group_id, r.user_id).await?;
            }
        }
        let guard = Guard::of(&ctx);
        let (mut lifted, mut left) = (0usize, 0usize);
        if !restrictions.is_empty() {
            let permissions = guard.group_permissions(group_id).await?;
            for (i, restriction) in restrictions.iter().enumerate() {
                let remaining = ctx.deadline_ms.saturating_sub(lambdagram::time::now_ms());
                if remaining < RESERVE_MS {
                    left = restrictions.len() - i;
                    break;
                }
                if guard
                    .lift_recorded(group_id, restriction.user_id, Some(&permissions))
                    .await?
                {
                    lifted += 1;
                }
            }
        }
        tracing::info!(group_id, lifted, left, "restrictions lifted");

        let text = outcome(&config, lifted, left, lang);
        let mut edit = EditMessageText::new(ChatId(group_id), message.id(), text.clone())
            .parse_mode(ParseMode::Html);
        if left > 0 {
            edit = edit.reply_markup(lift_button(left, lang));
        }
        match with_retry(ctx.retry(), || ctx.bot.call(&edit)).await {
            Ok(_) => {}
            // Too old to edit, deleted, or already saying this: the answer still tells.
            Err(e @ BotApiError::Api { .. }) => {
                tracing::warn!(group_id, error = %e, "the /unprotect message stays as it was");
            }
            Err(e) => return Err(e.into()),
        }
        let toast = fill(
            texts::LIFTED.get(lang, lifted as u64),
            &[("count", &lifted.to_string())],
        );
        Ok(answer_press(query, Some(Notice::toast(toast))))
    }
}

/// The `/unprotect` message once the button was pressed: protection is off (unless it was
/// turned on again meanwhile), how many were lifted, and how many are left.
pub fn outcome(config: &GroupConfig, lifted: usize, left: usize, lang: Lang) -> String {
    let mut lines = Vec::new();
    if !config.enabled {
        let channels: Vec<String> = config.channels.iter().map(channel_label).collect();
        lines.push(fill(
            admin_texts::UNPROTECTED.get(lang),
            &[("channels", &channels.join(", "))],
        ));
    }
    lines.push(fill(
        texts::LIFTED.get(lang, lifted as u64),
        &[("count", &lifted.to_string())],
    ));
    if left > 0 {
        lines.push(fill(
            texts::LIFT_MORE.get(lang),
            &[("count", &left.to_string())],
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use channel_guard::config::LinkedChannel;

    fn unprotected() -> GroupConfig {
        let mut config = GroupConfig::new(-100);
        config.link([LinkedChannel {
            id: -1001,
            title: "News".into(),
            username: Some("lambdagram_news".into()),
            invite_link: None,
        }]);
        config
    }

    #[test]
    fn says_how_many_were_lifted_in_each_language() {
        assert_eq!(
            outcome(&unprotected(), 2, 0, lambdagram::i18n::EN),
            "Protection is off. I keep the linked channels (@lambdagram_news) for a later \
             /protect.\nI lifted 2 restrictions I had imposed."
        );
        let mut on = unprotected();
        on.enabled = true;
        assert_eq!(
            outcome(&on, 1, 0, lambdagram::i18n::EN),
            "I lifted 1 restriction I had imposed."
        );
        assert_eq!(
            outcome(&on, 5, 3, channel_guard::i18n::RU),
            "Снято 5 ограничений, наложенных мной.\nОсталось: 3. Нажмите кнопку ещё раз."
        );
        assert_eq!(
            outcome(&on, 22, 0, channel_guard::i18n::RU),
            "Снято 22 ограничения, наложенных мной."
        );
    }

    #[test]
    fn the_button_stays_for_what_is_left() {
        let markup = lift_button(3, lambdagram::i18n::EN);
        let button = &markup.inline_keyboard[0][0];
        assert_eq!(button.text, "Lift 3 restrictions I imposed");
        assert!(format!("{:?}", button.kind).contains("lift:all"));
    }
}
