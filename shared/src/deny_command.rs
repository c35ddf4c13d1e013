//! `/deny list|add|remove` and `/allowlist list|add|remove`: the bot's deny-list (`denylist`)
//! and allow-list (`allowlist`), managed by the bot's admins (the routes declare
//! [`crate::admins::ADMINS_ONLY`]). One handler for both lists, told apart by their set and
//! texts. Answers by webhook reply; each change is one atomic set update. Warm functions see a
//! change when their copy expires ([`crate::botsets::CACHE_TTL_SECS`]).

use crate::botsets::{BotSet, BotSets, Removal};
use crate::control::{answer, list, Action};
use crate::control_texts as texts;
use crate::i18n::Text;
use crate::input::Command;
use crate::route::{HandlerError, RouteContext, RouteHandler};
use crate::route_api::RouteResponse;

/// What a list command says.
pub struct ListTexts {
    pub usage: Text,
    pub added: Text,
    pub removed: Text,
    pub not_member: Text,
    pub list: Text,
    pub empty: Text,
    /// For a list whose emptiness changes what the bot does (the allow-list: empty is off),
    /// what removing its last entry says; `None`: nothing special.
    pub emptied: Option<Text>,
}

/// The handler of a bot-wide list's command.
pub struct ListCommand {
    set: BotSet,
    texts: &'static ListTexts,
}

/// The `/deny` handler.
pub const DENY_COMMAND: ListCommand = ListCommand {
    set: BotSet::Denied,
    texts: &ListTexts {
        usage: texts::DENY_USAGE,
        added: texts::DENIED,
        removed: texts::UNDENIED,
        not_member: texts::NOT_DENIED,
        list: texts::DENY_LIST,
        empty: texts::DENY_LIST_EMPTY,
        emptied: None,
    },
};

/// The `/allowlist` handler.
pub const ALLOW_COMMAND: ListCommand = ListCommand {
    set: BotSet::Allowed,
    texts: &ListTexts {
        usage: texts::ALLOW_USAGE,
        added: texts::ALLOWED,
        removed: texts::UNALLOWED,
        not_member: texts::NOT_ALLOWED,
        list: texts::ALLOW_LIST,
        empty: texts::ALLOW_LIST_EMPTY,
        emptied: Some(texts::ALLOW_LIST_EMPTIED),
    },
};

impl<S: BotSets> RouteHandler<S> for ListCommand {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let t = self.texts;
        Ok(match Action::read(&command) {
            Action::List => match ctx.store.members(self.set, true).await? {
                Some(ids) if !ids.is_empty() => {
                    answer(ctx.catalogue, &command, t.list, &[("ids", &list(&ids))])
                }
                _ => answer(ctx.catalogue, &command, t.empty, &[]),
            },
            Action::Add(id) => {
                ctx.store.add_member(self.set, id, &[]).await?;
                tracing::info!(set = self.set.key(), "listed");
                answer(ctx.catalogue, &command, t.added, &[("id", &id.to_string())])
            }
            Action::Remove(id) => {
                // Where emptying matters, the last entry is removed apart (one more request,
                // only then), so the answer can say the list is now empty.
                let guard_last = t.emptied.is_some();
                let text = match ctx.store.remove_member(self.set, id, guard_last).await? {
                    Removal::Removed => t.removed,
                    Removal::NotMember => t.not_member,
                    Removal::LastMember => {
                        match ctx.store.remove_member(self.set, id, false).await? {
                            Removal::Removed => t.emptied.unwrap_or(t.removed),
                            Removal::NotMember | Removal::LastMember => t.not_member,
                        }
                    }
                };
                answer(ctx.catalogue, &command, text, &[("id", &id.to_string())])
            }
            Action::Usage => answer(ctx.catalogue, &command, t.usage, &[]),
        })
    }
}
