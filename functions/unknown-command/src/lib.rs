//! A command no route claims, in a private chat: name it and point at `/help` (webhook reply).

use lambdagram::i18n::{escape_html, fill, msg, Lang};
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::{Update, UpdateKind};

pub struct UnknownCommand;

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
        let text = fill(
            msg::UNKNOWN_COMMAND.get(lang),
            &[("command", &escape_html(command))],
        );
        Ok(RouteResponse::reply(
            "sendMessage",
            serde_json::json!({ "chat_id": message.chat.id.0, "text": text, "parse_mode": "HTML" }),
        ))
    }
}
