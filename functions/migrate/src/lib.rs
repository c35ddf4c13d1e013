//! A group upgraded to a supergroup gets a new chat id; its protection moves with it.
//!
//! Telegram posts two service messages: `migrate_to_chat_id` in the old group and
//! `migrate_from_chat_id` in the new supergroup. Either one carries the protection over; the
//! second finds nothing left to move. Moving means: the configuration saved under the new id (and
//! the channel index pointing at it), the old configuration emptied with its index entries
//! dropped (so a channel leave no longer reaches the dead group), and the bot's restriction
//! records moved (Telegram keeps the restrictions across the upgrade; the records are the bot's
//! licence to lift them). Live warnings stay behind: their messages are in the old chat.

use channel_guard::config::GroupConfig;
use channel_guard::store::prelude::*;
use lambdagram::input::Migration;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;

pub struct Migrate;

impl<S: GuardStore> RouteHandler<S> for Migrate {
    type Input = Migration;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        migration: Migration,
    ) -> Result<RouteResponse, HandlerError> {
        let (from, to) = (migration.from.0, migration.to.0);
        let moved = carry_over(ctx.store, from, to, ctx.now).await?;
        tracing::info!(from, to, moved, "group migrated to a supergroup");
        Ok(RouteResponse::done())
    }
}

/// Moves the protection of group `from` to supergroup `to`; returns whether there was one to
/// move. A protection already under `to` is kept: the move happened, or `to` was set up anew.
pub async fn carry_over<S: GuardStore>(
    store: &S,
    from: i64,
    to: i64,
    now: lambdagram::time::Epoch,
) -> Result<bool, HandlerError> {
    let Some(old) = store.group_state(from, now).await?.config else {
        return Ok(false);
    };
    if old.channels.is_empty() && !old.enabled {
        // Already moved (what a move leaves behind), or never set up.
        return Ok(false);
    }
    if store.group_state(to, now).await?.config.is_none() {
        let mut moved = old.clone();
        moved.group_id = to;
        moved.version = 0;
        store.save_group(&mut moved, &[]).await?;
    }
    for restriction in store.restrictions(from).await? {
        store.record_restriction(to, &restriction).await?;
        store.remove_restriction(from, restriction.user_id).await?;
    }
    let unlinked: Vec<i64> = old.channels.iter().map(|c| c.id).collect();
    let mut emptied = GroupConfig::new(from);
    emptied.settings = old.settings;
    emptied.version = old.version;
    store.save_group(&mut emptied, &unlinked).await?;
    Ok(true)
}
