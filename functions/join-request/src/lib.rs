//! A `chat_join_request` to a protected group whose `join_requests` setting is on. One read (the
//! group and the requester, as the gate reads them); a subscriber of every linked channel (or
//! someone on the allow-list) is approved; anyone else is declined, or held: the bot writes to
//! them (`user_chat_id`) with the channels to join and an "I have joined" button (the `verify`
//! route approves the request once they have). A private channel without a join link gets one,
//! created by the bot and saved in the group's configuration.
//!
//! A redelivery repeats nothing visible: approving and declining are idempotent (a request no
//! longer pending is an outcome, not an error); the held message and each created link are
//! journalled (intent before, result after), so an uncertain one is never made twice. A refusal
//! (say, the bot may not invite users: `CHAT_ADMIN_REQUIRED`) is permanent and dead-lettered;
//! a requester who blocked the bot is left pending for the admins.

use channel_guard::config::{GroupConfig, JoinRequests, LinkedChannel};
use channel_guard::enforce::Guard;
use channel_guard::join_requests::{
    held_message, invite_link_request, set_invite_link, without_link, Decision,
};
use channel_guard::metrics::names;
use channel_guard::store::prelude::*;
use lambdagram::journal::{once, EffectJournal, Once};
use lambdagram::metrics;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::telegram::{with_retry, TelegramApi};
use lambdagram::teloxide_core::types::ChatJoinRequest;

pub struct JoinRequest;

impl<S: GuardStore + EffectJournal> RouteHandler<S> for JoinRequest {
    type Input = ChatJoinRequest;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        request: ChatJoinRequest,
    ) -> Result<RouteResponse, HandlerError> {
        let group_id = request.chat.id.0;
        let Ok(user_id) = i64::try_from(request.from.id.0) else {
            return Ok(RouteResponse::rejected("a requester id out of range"));
        };
        let (group, member) = ctx.store.gate_state(group_id, user_id, ctx.now).await?;
        let Some(config) = group
            .config
            .filter(|c| c.is_active() && c.settings.join_requests != JoinRequests::Off)
        else {
            // Not protected, or join requests left to the admins: nothing of the guard's.
            return Ok(RouteResponse::done());
        };
        let guard = Guard::of(&ctx);
        let decision = if config.allow_list.contains(&user_id) {
            guard.approve_join(group_id, user_id).await?
        } else {
            let missing = guard
                .missing_channels(&config, user_id, &member, false)
                .await?;
            match config.settings.join_requests {
                _ if missing.is_empty() => guard.approve_join(group_id, user_id).await?,
                JoinRequests::Hold => {
                    let missing: Vec<i64> = missing.iter().map(|c| c.id).collect();
                    hold(&ctx, &guard, &config, &request, user_id, &missing).await?
                }
                // `Off` never gets here (filtered above).
                JoinRequests::Decline | JoinRequests::Off => {
                    guard.decline_join(group_id, user_id).await?
                }
            }
        };
        tracing::info!(
            group_id,
            user_id,
            outcome = decision.as_str(),
            "join request"
        );
        metrics::count(names::JOIN_REQUESTS, &[("Outcome", decision.as_str())], 1);
        Ok(RouteResponse::done())
    }
}

/// Writes to the requester with the channels they miss (creating the join links private
/// channels lack), leaving the request pending.
async fn hold<S: GuardStore + EffectJournal, T: TelegramApi>(
    ctx: &RouteContext<'_, S, T>,
    guard: &Guard<'_, S, T>,
    config: &GroupConfig,
    request: &ChatJoinRequest,
    user_id: i64,
    missing: &[i64],
) -> Result<Decision, HandlerError> {
    let mut config = config.clone();
    let (created, stopped) = create_links(ctx, &config, missing).await;
    if !created.is_empty() {
        let record = |c: &mut GroupConfig| {
            created.iter().fold(false, |changed, (id, link)| {
                set_invite_link(c, *id, link) | changed
            })
        };
        // The message goes out with the links either way; a link whose save failed is created
        // again by the next request that needs it.
        if let Err(e) = guard.edit_group(&config, record).await {
            tracing::warn!(group_id = config.group_id, error = %e, "join links not saved");
        }
        record(&mut config);
    }
    // A transient failure stopped the links: those made before it are saved above (their
    // journal says made, so the redelivery would not make them again), then Telegram redelivers.
    if let Some(e) = stopped {
        return Err(e);
    }
    let channels: Vec<&LinkedChannel> = config
        .channels
        .iter()
        .filter(|c| missing.contains(&c.id))
        .collect();
    let title = request.chat.title().unwrap_or_default();
    let message = held_message(&config, title, request.user_chat_id.0, user_id, &channels);
    match once(ctx, "held-message", || {
        with_retry(ctx.retry(), || ctx.bot.call(&message))
    })
    .await
    {
        Ok(_) => Ok(Decision::Held),
        // They blocked the bot: the request stays pending for the group's admins.
        Err(HandlerError::Telegram(e)) if e.user_unreachable() => {
            tracing::info!(error = %e, "requester unreachable: left pending");
            Ok(Decision::Unreachable)
        }
        Err(e) => Err(e),
    }
}

/// Creates a join link for each of the `missing` private channels that has none, journalled
/// per channel (never two links for one update). Returns the links made now, and the transient
/// failure that stopped the rest, if one did. A channel whose link an earlier delivery made (its
/// save lost) or where the bot may not invite users gets none: the message names it without a
/// button.
async fn create_links<S: GuardStore + EffectJournal, T: TelegramApi>(
    ctx: &RouteContext<'_, S, T>,
    config: &GroupConfig,
    missing: &[i64],
) -> (Vec<(i64, String)>, Option<HandlerError>) {
    let lacking: Vec<&LinkedChannel> = config
        .channels
        .iter()
        .filter(|c| missing.contains(&c.id))
        .collect();
    let mut created = Vec::new();
    for channel in without_link(&lacking) {
        let create = invite_link_request(channel.id);
        let step = format!("invite-link:{}", channel.id);
        match once(ctx, &step, || {
            with_retry(ctx.retry(), || ctx.bot.call(&create))
        })
        .await
        {
            Ok(Once::Made(link)) => created.push((channel.id, link.invite_link)),
            Ok(Once::AlreadyMade | Once::Uncertain) => {}
            Err(HandlerError::Telegram(e)) if e.is_permanent() => {
                tracing::warn!(channel_id = channel.id, error = %e, "no join link");
            }
            Err(e) => return (created, Some(e)),
        }
    }
    (created, None)
}
