//! `/settings`: the group's settings menu (text and inline keyboard, `channel_guard::menu`),
//! sent as the webhook reply to those who may configure the group; its buttons are the
//! `settings-menu` route. Reads only: nothing is written until a button is pressed.

use channel_guard::admin::{configuring, reply, Configuring, GroupCommand};
use channel_guard::config::GroupConfig;
use channel_guard::menu;
use channel_guard::menu_texts;
use channel_guard::store::prelude::*;
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::payloads::{SendMessage, SendMessageSetters};

pub struct Settings;

impl<S: GroupStore> RouteHandler<S> for Settings {
    type Input = Command;

    /// A group with no configuration gets no menu, only a pointer to `/protect`: every setting
    /// is about how the protection treats non-subscribers, so before a channel is linked there
    /// is nothing for it to act on, and `/protect` (which checks the bot's rights first) is the
    /// step the admin actually needs. It also keeps the rule "a menu always stands for a stored
    /// configuration", so a button press never has to invent defaults (whose language? the
    /// presser's?) or write state for a group that never opted in. Nothing is lost by the
    /// order: settings made after `/protect` survive later `/unprotect` and `/protect`.
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
        let Some(config) = config else {
            return Ok(reply(&command.answer(menu_texts::NOT_SET_UP.get(lang))));
        };
        Ok(reply(&menu_message(&command, &config)))
    }
}

/// The menu, replying to the command.
pub fn menu_message(command: &GroupCommand, config: &GroupConfig) -> SendMessage {
    command
        .answer(menu::text(config))
        .reply_markup(menu::keyboard(&config.settings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use channel_guard::admin::Sender;
    use channel_guard::config::Action;

    #[test]
    fn the_menu_replies_to_the_command_with_its_keyboard() {
        let command = GroupCommand {
            group_id: -100,
            message_id: 7,
            sender: Sender::User(5),
            args: String::new(),
            sender_lang: channel_guard::i18n::RU,
        };
        let mut config = GroupConfig::new(-100);
        config.enabled = true;
        config.settings.action = Action::Kick;
        let answer = reply(&menu_message(&command, &config))
            .reply
            .expect("a webhook reply");
        assert_eq!(answer["method"], "sendMessage");
        assert_eq!(answer["chat_id"], -100);
        assert_eq!(answer["parse_mode"], "HTML");
        assert_eq!(answer["reply_parameters"]["message_id"], 7);
        assert_eq!(answer["text"], menu::text(&config));
        assert!(
            answer["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("⚙️ <b>Settings</b>")),
            "the group's language, not the sender's"
        );
        let first_row = &answer["reply_markup"]["inline_keyboard"][0];
        assert_eq!(first_row[2]["text"], "✓ Kick");
        assert_eq!(first_row[2]["callback_data"], "set:a:k");
    }
}
