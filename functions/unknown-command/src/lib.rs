//! A command no route takes in a private chat: a group command (`/protect` sent to the bot in
//! private) is answered with where it works; any other is named and pointed at `/help`. Both by
//! webhook reply.

use lambdagram::i18n::{escape_html, fill, msg, Lang, Text};
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::routes::{RouteTable, Scope, Trigger};
use lambdagram::teloxide_core::types::{Update, UpdateKind};

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
    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        update: Update,
    ) -> Result<RouteResponse, HandlerError> {
        let UpdateKind::Message(message) = update.kind else {
            return Ok(RouteResponse::rejected("unknown command without a message"));
        };
        let command = message
            .text()
            .and_then(|t| t.split_whitespace().next())
            .map(|t| t.trim_start_matches('/'))
            .map(|t| t.split('@').next().unwrap_or(t))
            .unwrap_or_default();
        let lang = Lang::from_code(
            message
                .from
                .as_ref()
                .and_then(|u| u.language_code.as_deref()),
        );
        let template = if self.works_in_groups_only(command) {
            self.use_in_group
        } else {
            msg::UNKNOWN_COMMAND
        };
        let text = fill(template.get(lang), &[("command", &escape_html(command))]);
        Ok(RouteResponse::reply(
            "sendMessage",
            serde_json::json!({ "chat_id": message.chat.id.0, "text": text, "parse_mode": "HTML" }),
        ))
    }
}
