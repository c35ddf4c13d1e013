//! The `new_chat_members` service message: each new member of a protected group is checked as
//! on a `chat_member` join. Large groups do not deliver this message reliably, so it is the
//! second path to the same check; both converge on the same idempotent records (one
//! restriction record, at most one live warning), so a joiner seen twice is enforced once.

use channel_guard::enforce::{Guard, Member};
use channel_guard::store::prelude::*;
use lambdagram::input::NewChatMembers;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::User;

pub struct NewMembers;

/// The people among the new members (bots, including this one, are never checked), without
/// duplicates, in the order given.
pub fn people(new_members: &[User]) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::new();
    for user in new_members.iter().filter(|u| !u.is_bot) {
        let user_id = user.id.0 as i64;
        if !out.iter().any(|m| m.user_id == user_id) {
            out.push(Member {
                user_id,
                name: user.first_name.clone(),
                status: None,
            });
        }
    }
    out
}

impl<S: GuardStore> RouteHandler<S> for NewMembers {
    type Input = NewChatMembers;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        joined: NewChatMembers,
    ) -> Result<RouteResponse, HandlerError> {
        let mut joiners = people(&joined.members);
        if joiners.is_empty() {
            return Ok(RouteResponse::done());
        }
        let group_id = joined.message.chat.id.0;
        let group = ctx.store.group_state(group_id, ctx.now).await?;
        let Some(config) = group
            .config
            .filter(|c| c.is_active() && c.settings.check_on_join)
        else {
            return Ok(RouteResponse::done());
        };
        joiners.retain(|m| !config.allow_list.contains(&m.user_id));
        if joiners.is_empty() {
            return Ok(RouteResponse::done());
        }
        let guard = Guard::of(&ctx);
        // The message does not say who is an administrator (the owner may come back): ask
        // the admin cache.
        let admins = guard.admins(group_id, group.admins).await?;
        for joiner in joiners.iter().filter(|m| !admins.contains(&m.user_id)) {
            let done = guard.check_member(&config, joiner).await?;
            tracing::info!(
                restricted = done.restricted,
                kicked = done.kicked,
                warned = done.warned,
                "new member checked"
            );
        }
        Ok(RouteResponse::done())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambdagram::teloxide_core::types::UserId;

    fn user(id: u64, is_bot: bool, name: &str) -> User {
        User {
            id: UserId(id),
            is_bot,
            first_name: name.into(),
            last_name: None,
            username: None,
            language_code: None,
            is_premium: false,
            added_to_attachment_menu: false,
        }
    }

    #[test]
    fn bots_are_left_out_and_repeats_collapse() {
        let joined = [
            user(1, false, "Ann"),
            user(123456, true, "Lambdagram"),
            user(2, false, "Ben"),
            user(1, false, "Ann"),
        ];
        let people: Vec<(i64, String)> = people(&joined)
            .into_iter()
            .map(|m| (m.user_id, m.name))
            .collect();
        assert_eq!(people, [(1, "Ann".to_owned()), (2, "Ben".to_owned())]);
    }
}
