//! `/help`: the command list from the route table, in the sender's language, sent as the
//! webhook reply (no Bot API round trip). In a group it runs behind the guard's gate (declared
//! in the route table): a non-subscriber of a protected group gets the guard's treatment, not an
//! answer.

use channel_guard::texts as msg;
use lambdagram::i18n::Lang;
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;

pub struct Help;

/// The help text for `lang`.
pub fn help_text(lang: Lang) -> String {
    let mut text = String::from(msg::HELP_HEADER.get(lang));
    for (command, description) in channel_guard::ROUTES.visible_commands() {
        text.push_str(&format!("\n/{command} — {}", description.get(lang)));
    }
    text
}

impl<S: Sync> RouteHandler<S> for Help {
    type Input = Command;

    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        Ok(RouteResponse::reply(
            "sendMessage",
            serde_json::json!({ "chat_id": command.chat().id.0, "text": help_text(command.lang()) }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_visible_command_in_each_language() {
        assert_eq!(
            help_text(lambdagram::i18n::EN),
            "Commands:\n/start — register and say hello\n/help — list the commands\n\
             /forget — erase what the bot keeps about you\n\
             /protect — members must join @channel to write here (admins)\n\
             /unprotect — turn the channel check off (admins)\n\
             /status — the protection and the bot's rights (admins)\n\
             /settings — what happens to non-subscribers (admins)\n\
             /allow — let someone write without subscribing (admins)"
        );
        assert!(help_text(channel_guard::i18n::RU).starts_with("Команды:\n/start — "));
    }
}
