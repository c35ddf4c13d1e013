//! `/admin list|add|remove`: the bot's admins, managed by themselves (the route declares
//! [`crate::admins::ADMINS_ONLY`]). Answers by webhook reply; the changes are single atomic
//! set updates (`botsets`), the last admin is never removed.

use crate::admins::{owner, resolve};
use crate::botsets::{BotSet, BotSets, Removal};
use crate::control::{answer, list, Action};
use crate::control_texts as texts;
use crate::input::Command;
use crate::route::{HandlerError, RouteContext, RouteHandler};
use crate::route_api::RouteResponse;

/// The `/admin` handler, with the owner it bootstraps from (the deploy parameter).
pub struct AdminCommand {
    owner: Option<i64>,
}

impl AdminCommand {
    /// With the sandbox's owner ([`crate::admins::owner`]).
    pub fn from_env() -> Self {
        Self { owner: owner() }
    }

    /// With `owner`, for tests.
    pub fn with_owner(owner: Option<i64>) -> Self {
        Self { owner }
    }
}

impl<S: BotSets> RouteHandler<S> for AdminCommand {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let seed: Vec<i64> = self.owner.into_iter().collect();
        Ok(match Action::read(&command) {
            Action::List => {
                let stored = ctx.store.members(BotSet::Admins, true).await?;
                let ids = list(&resolve(stored, self.owner));
                answer(ctx.catalogue, &command, texts::ADMIN_LIST, &[("ids", &ids)])
            }
            // Admins are users: a chat (a negative id) cannot be one.
            Action::Add(id) if id > 0 => {
                ctx.store.add_member(BotSet::Admins, id, &seed).await?;
                tracing::info!("bot admin added");
                answer(
                    ctx.catalogue,
                    &command,
                    texts::ADMIN_ADDED,
                    &[("id", &id.to_string())],
                )
            }
            Action::Remove(id) => {
                let removal = match ctx.store.remove_member(BotSet::Admins, id, true).await? {
                    // Before the set is written the owner is the only admin, so the last one.
                    Removal::NotMember if Some(id) == self.owner => {
                        match ctx.store.members(BotSet::Admins, true).await? {
                            None => Removal::LastMember,
                            Some(_) => Removal::NotMember,
                        }
                    }
                    removal => removal,
                };
                let text = match removal {
                    Removal::Removed => {
                        tracing::info!("bot admin removed");
                        texts::ADMIN_REMOVED
                    }
                    Removal::NotMember => texts::ADMIN_NOT_ADMIN,
                    Removal::LastMember => texts::ADMIN_LAST,
                };
                answer(ctx.catalogue, &command, text, &[("id", &id.to_string())])
            }
            Action::Add(_) | Action::Usage => {
                answer(ctx.catalogue, &command, texts::ADMIN_USAGE, &[])
            }
        })
    }
}
