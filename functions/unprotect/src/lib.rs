//! `/unprotect`: turns the guard off for the group, keeping its channels and settings for a
//! later `/protect`, and, when the bot has restrictions of its own on record, offers a button to
//! lift them (handled by the `lift` route).

use channel_guard::admin::{configuring, lift_button, reply, Configuring};
use channel_guard::admin_texts as texts;
use channel_guard::config::channel_label;
use channel_guard::config::GroupConfig;
use channel_guard::store::prelude::*;
use lambdagram::i18n::{fill, Lang};
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::payloads::SendMessageSetters;

pub struct Unprotect;

impl<S: GroupStore + RestrictionStore> RouteHandler<S> for Unprotect {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        input: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let Configuring {
            command,
            config,
            lang,
        } = match configuring(&ctx, &input).await? {
            Ok(c) => c,
            Err(answer) => return Ok(answer),
        };
        let Some(mut config) = config else {
            return Ok(reply(&command.answer(texts::NOT_PROTECTED.get(lang))));
        };
        if config.enabled {
            config.enabled = false;
            ctx.store.save_group(&mut config, &[]).await?;
            tracing::info!(group_id = command.group_id, "group unprotected");
        }
        let muted = ctx
            .store
            .restrictions(command.group_id)
            .await?
            .iter()
            .filter(|r| r.in_force(ctx.now))
            .count();
        let mut answer = command.answer(confirmation(&config, muted, lang));
        if muted > 0 {
            answer = answer.reply_markup(lift_button(muted, lang));
        }
        Ok(reply(&answer))
    }
}

/// What `/unprotect` says: protection is off, the channels are kept, and who is still muted.
pub fn confirmation(config: &GroupConfig, muted: usize, lang: Lang) -> String {
    let channels: Vec<String> = config.channels.iter().map(channel_label).collect();
    let mut text = fill(
        texts::UNPROTECTED.get(lang),
        &[("channels", &channels.join(", "))],
    );
    if muted > 0 {
        text.push('\n');
        text.push_str(&fill(
            texts::STILL_MUTED.get(lang),
            &[("count", &muted.to_string())],
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use channel_guard::config::LinkedChannel;

    #[test]
    fn says_what_is_kept_and_who_is_still_muted() {
        let mut config = GroupConfig::new(-100);
        config.link([LinkedChannel {
            id: -1001,
            title: "News".into(),
            username: Some("lambdagram_news".into()),
            invite_link: None,
        }]);
        assert_eq!(
            confirmation(&config, 0, lambdagram::i18n::EN),
            "Protection is off. I keep the linked channels (@lambdagram_news) for a later /protect."
        );
        assert_eq!(
            confirmation(&config, 3, channel_guard::i18n::RU),
            "Защита выключена. Привязанные каналы (@lambdagram_news) сохранены для следующего \
             /protect.\nУчастников, которых я ограничил: 3."
        );
    }

    #[test]
    fn the_lift_button_counts_in_each_language() {
        let label = |n, lang| {
            let markup = lift_button(n, lang);
            let button = &markup.inline_keyboard[0][0];
            (button.text.clone(), format!("{:?}", button.kind))
        };
        let (text, kind) = label(1, lambdagram::i18n::EN);
        assert_eq!(text, "Lift 1 restriction I imposed");
        assert!(kind.contains("lift:all"), "{kind}");
        assert_eq!(
            label(2, lambdagram::i18n::EN).0,
            "Lift 2 restrictions I imposed"
        );
        assert_eq!(
            label(3, channel_guard::i18n::RU).0,
            "Снять 3 ограничения, наложенные мной"
        );
        assert_eq!(
            label(5, channel_guard::i18n::RU).0,
            "Снять 5 ограничений, наложенных мной"
        );
    }
}
