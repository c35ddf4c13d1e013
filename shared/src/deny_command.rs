//! `/deny list|add|remove`: the bot's deny-list (`denylist`), managed by the bot's admins (the
//! route declares [`crate::admins::ADMINS_ONLY`]). Answers by webhook reply; each change is one
//! atomic set update. Warm functions see a change when their copy expires
//! ([`crate::botsets::CACHE_TTL_SECS`]).

use crate::botsets::{BotSet, BotSets, Removal};
use crate::control::{answer, list, Action};
use crate::control_texts as texts;
use crate::input::Command;
use crate::route::{HandlerError, RouteContext, RouteHandler};
use crate::route_api::RouteResponse;

/// The `/deny` handler.
pub struct DenyCommand;

impl<S: BotSets> RouteHandler<S> for DenyCommand {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        Ok(match Action::read(&command) {
            Action::List => match ctx.store.members(BotSet::Denied, true).await? {
                Some(ids) if !ids.is_empty() => answer(
                    ctx.catalogue,
                    &command,
                    texts::DENY_LIST,
                    &[("ids", &list(&ids))],
                ),
                _ => answer(ctx.catalogue, &command, texts::DENY_LIST_EMPTY, &[]),
            },
            Action::Add(id) => {
                ctx.store.add_member(BotSet::Denied, id, &[]).await?;
                tracing::info!("denied");
                answer(
                    ctx.catalogue,
                    &command,
                    texts::DENIED,
                    &[("id", &id.to_string())],
                )
            }
            Action::Remove(id) => {
                let text = match ctx.store.remove_member(BotSet::Denied, id, false).await? {
                    Removal::Removed => texts::UNDENIED,
                    Removal::NotMember | Removal::LastMember => texts::NOT_DENIED,
                };
                answer(ctx.catalogue, &command, text, &[("id", &id.to_string())])
            }
            Action::Usage => answer(ctx.catalogue, &command, texts::DENY_USAGE, &[]),
        })
    }
}
