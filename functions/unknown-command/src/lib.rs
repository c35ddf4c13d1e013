//! A command no route takes in a private chat: a group command (`/protect` sent to the bot in
//! private) is answered with where it works; any other is named and pointed at `/help`. Both by
//! webhook reply.

use channel_guard::texts as msg;
use lambdagram::i18n::{escape_html, fill, Text};
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::routes::{RouteTable, Scope, Trigger};

/// The handler, for the bot whose table is `routes`.
pub struct UnknownCommand {
    /// The bot's route table: which commands work in groups only.
    pub routes: RouteTable,
    /// The answer to a group command sent in private (`{command}` without the slash).
    pub use_in_group: Text,
}

/// The channel guard's.
pub const GUARD: UnknownCommand = UnknownCommand {
    routes: channel_guard::ROUTES,
    use_in_group: channel_guard::texts::USE_IN_GROUP,
};

impl UnknownCommand {
    fn works_in_groups_only(&self, command: &str) -> bool {
        self.routes.iter().any(|r| {
            matches!(r.trigger, Trigger::Command { name, scope: Scope::Groups }
                if name.eq_ignore_ascii_case(command))
        })
    }
}

impl<S: Sync> RouteHandler<S> for UnknownCommand {
    type Input = Command;

    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let template = if self.works_in_groups_only(&command.name) {
            self.use_in_group
        } else {
            msg::UNKNOWN_COMMAND
        };
        let text = fill(
            template.get(command.lang()),
            &[("command", &escape_html(&command.name))],
        );
        Ok(RouteResponse::reply(
            "sendMessage",
            serde_json::json!({ "chat_id": command.chat().id.0, "text": text, "parse_mode": "HTML" }),
        ))
    }
}
