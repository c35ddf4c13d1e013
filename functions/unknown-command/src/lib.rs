//! A command no route claims, in a private chat: name it and point at `/help` (webhook reply).

use lambdagram::i18n::{escape_html, fill, msg};
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;

pub struct UnknownCommand;

impl<S: Sync> RouteHandler<S> for UnknownCommand {
    type Input = Command;

    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let text = fill(
            msg::UNKNOWN_COMMAND.get(command.lang()),
            &[("command", &escape_html(&command.name))],
        );
        Ok(RouteResponse::reply(
            "sendMessage",
            serde_json::json!({ "chat_id": command.chat().id.0, "text": text, "parse_mode": "HTML" }),
        ))
    }
}
