//! The "I have joined" button under a warning (callback `joined:<user_id>`). Only the warned
//! user may press it. Their channels are checked live (a cached "not subscribed" is exactly what
//! they are disputing); once subscribed, the bot's own restriction is lifted by restoring the
//! group's default permissions (never one an admin set: only a `MUTE#` record licenses a lift),
//! and the warning is deleted. The callback is always answered, as the webhook reply.
//!
//! The same button in the private chat of someone whose request to join a group is held
//! (`joined:<user_id>:<group_id>`, the `join-request` route's message) checks them live the same
//! way and, once they are subscribed, approves the request.

use channel_guard::admin::{answer_press, Notice};
use channel_guard::callback::GuardCallback;
use channel_guard::config::{GroupConfig, JoinRequests, LinkedChannel};
use channel_guard::enforce::Guard;
use channel_guard::join_requests::Decision;
use channel_guard::metrics::names;
use channel_guard::store::prelude::*;
use channel_guard::texts;
use lambdagram::i18n::{fill, Lang};
use lambdagram::input::Callback;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::types::CallbackQuery;

pub struct Verify;

impl<S: GuardStore> RouteHandler<S> for Verify {
    type Input = Callback;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        press: Callback,
    ) -> Result<RouteResponse, HandlerError> {
        let query = &press.query;
        let Ok(presser) = i64::try_from(query.from.id.0) else {
            return Ok(answer_press(query, None));
        };
        let decoded = GuardCallback::decode_after(press.prefix(), &press.data);
        if let Some(GuardCallback::JoinRequest { user_id, group_id }) = decoded {
            return approve_held(&ctx, query, presser, user_id, group_id).await;
        }
        let (Some(GuardCallback::Joined { user_id }), Some(message)) = (decoded, &query.message)
        else {
            // Forged or stale data, or a button outside a chat: nothing to do.
            return Ok(answer_press(query, None));
        };
        if presser != user_id {
            // Only the presser sees the alert: their own language.
            let lang = Lang::from_code(query.from.language_code.as_deref());
            return Ok(answer_press(
                query,
                Some(Notice::alert(texts::NOT_YOUR_BUTTON.get(lang))),
            ));
        }
        let group_id = message.chat().id.0;
        let Some(config) = ctx
            .store
            .group_state(group_id, ctx.now)
            .await?
            .config
            .filter(GroupConfig::is_active)
        else {
            return Ok(answer_press(query, None));
        };
        let lang = config.settings.lang;
        let channels: Vec<i64> = config.channels.iter().map(|c| c.id).collect();
        let state = ctx
            .store
            .member_state(group_id, user_id, &channels, ctx.now)
            .await?;
        let guard = Guard::of(&ctx);
        let missing = guard
            .missing_channels(&config, user_id, &state, true)
            .await?;
        if !missing.is_empty() {
            tracing::info!(group_id, user_id, missing = missing.len(), "still missing");
            return Ok(answer_press(
                query,
                Some(Notice::alert(still_missing(&missing, lang))),
            ));
        }
        let permissions = if state.restricted_by_bot {
            Some(guard.group_permissions(group_id).await?)
        } else {
            None
        };
        let lifted = guard
            .lift_recorded(group_id, user_id, permissions.as_ref())
            .await?;
        tracing::info!(group_id, user_id, lifted, "member verified");
        let thanks = if lifted {
            texts::VERIFIED
        } else {
            // Nothing of the bot's to lift (an admin's restriction stays): promise nothing.
            texts::SUBSCRIBED
        };
        Ok(answer_press(query, Some(Notice::toast(thanks.get(lang)))))
    }
}

/// "I have joined" under a held join request: a live check of the group's channels, then the
/// request approved.
async fn approve_held<S: GuardStore>(
    ctx: &RouteContext<'_, S>,
    query: &CallbackQuery,
    presser: i64,
    user_id: i64,
    group_id: i64,
) -> Result<RouteResponse, HandlerError> {
    if presser != user_id {
        let lang = Lang::from_code(query.from.language_code.as_deref());
        return Ok(answer_press(
            query,
            Some(Notice::alert(texts::NOT_YOUR_BUTTON.get(lang))),
        ));
    }
    let Some(config) = ctx
        .store
        .group_state(group_id, ctx.now)
        .await?
        .config
        .filter(|c| c.is_active() && c.settings.join_requests != JoinRequests::Off)
    else {
        // The guard no longer decides this group's requests: its admins do.
        return Ok(answer_press(query, None));
    };
    let lang = config.settings.lang;
    let channels: Vec<i64> = config.channels.iter().map(|c| c.id).collect();
    let state = ctx
        .store
        .member_state(group_id, user_id, &channels, ctx.now)
        .await?;
    let guard = Guard::of(ctx);
    let missing = guard
        .missing_channels(&config, user_id, &state, true)
        .await?;
    if !missing.is_empty() {
        return Ok(answer_press(
            query,
            Some(Notice::alert(still_missing(&missing, lang))),
        ));
    }
    let decision = guard.approve_join(group_id, user_id).await?;
    tracing::info!(
        group_id,
        user_id,
        outcome = decision.as_str(),
        "held join request"
    );
    lambdagram::metrics::count(names::JOIN_REQUESTS, &[("Outcome", decision.as_str())], 1);
    let notice = match decision {
        Decision::Approved => Notice::toast(texts::JOIN_REQUEST_APPROVED.get(lang)),
        _ => Notice::alert(texts::JOIN_REQUEST_GONE.get(lang)),
    };
    Ok(answer_press(query, Some(notice)))
}

/// "You are not subscribed to @a, B yet.", in plain text (callback answers have no markup).
pub fn still_missing(missing: &[&LinkedChannel], lang: Lang) -> String {
    let names: Vec<String> = missing.iter().map(|c| plain_label(c)).collect();
    fill(
        texts::STILL_MISSING.get(lang),
        &[("channels", &names.join(", "))],
    )
}

/// `@username`, or the title of a private channel.
pub fn plain_label(channel: &LinkedChannel) -> String {
    match &channel.username {
        Some(u) => format!("@{u}"),
        None => channel.title.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(title: &str, username: Option<&str>) -> LinkedChannel {
        LinkedChannel {
            id: -100,
            title: title.into(),
            username: username.map(str::to_owned),
            invite_link: None,
        }
    }

    #[test]
    fn names_the_missing_channels_in_plain_text() {
        let (news, club) = (
            channel("News", Some("lambdagram_news")),
            channel("<Club> & co", None),
        );
        assert_eq!(
            still_missing(&[&news, &club], lambdagram::i18n::EN),
            "You are not subscribed to @lambdagram_news, <Club> & co yet."
        );
        assert_eq!(
            still_missing(&[&news], channel_guard::i18n::RU),
            "Вы ещё не подписаны на @lambdagram_news."
        );
    }
}
