//! `/forget`: a user erases what the bot keeps about them, across every family of its key map
//! (`keymap`). In their private chat: `/forget` says what would be erased (counts) and what is
//! kept and why; `/forget confirm` erases it and says what it erased. Erasing again finds
//! nothing, so a redelivery changes nothing (the route declares side effects: the ledger drops
//! a redelivery after success). Answers by webhook reply.

use crate::control::answer;
use crate::control_texts as texts;
use crate::input::Command;
use crate::keymap::{self, Erased, Forget, KeyMap, UserData};
use crate::route::{HandlerError, RouteContext, RouteHandler};
use crate::route_api::RouteResponse;

/// The `/forget` handler over a bot's key map.
pub struct ForgetCommand {
    pub map: &'static KeyMap,
}

/// `family: n, …` in the map's order.
fn counts(erased: &[Erased]) -> String {
    erased
        .iter()
        .map(|e| format!("{}: {}", e.family, e.items))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The families kept, with why.
fn kept(map: &KeyMap) -> String {
    let kept: Vec<String> = map
        .families
        .iter()
        .filter_map(|f| match f.forget {
            Forget::Keep(why) => Some(format!("{} ({why})", f.name)),
            Forget::Erase => None,
        })
        .collect();
    if kept.is_empty() {
        "nothing".into()
    } else {
        kept.join("; ")
    }
}

impl<S: UserData> RouteHandler<S> for ForgetCommand {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        // The route's scope is private chats; the sender is the chat's user.
        let Some(user) = command.from().map(|u| u.id.0 as i64) else {
            return Ok(RouteResponse::rejected("/forget without a sender"));
        };
        let kept = kept(self.map);
        Ok(match command.args.to_ascii_lowercase().as_str() {
            "" => {
                let found = keymap::count(ctx.store, self.map, user).await?;
                answer(
                    ctx.catalogue,
                    &command,
                    texts::FORGET_PREVIEW,
                    &[("found", &counts(&found)), ("kept", &kept)],
                )
            }
            "confirm" => {
                let erased = keymap::forget(ctx.store, self.map, user).await?;
                let total: usize = erased.iter().map(|e| e.items).sum();
                tracing::info!(items = total, "a user's data erased");
                answer(
                    ctx.catalogue,
                    &command,
                    texts::FORGET_DONE,
                    &[("erased", &counts(&erased)), ("kept", &kept)],
                )
                .noting("erased")
            }
            _ => answer(ctx.catalogue, &command, texts::FORGET_USAGE, &[]),
        })
    }
}
