//! `chat_member` updates, in a protected group or in a channel linked to one.
//!
//! - A member joins a protected group: checked at once (the reliable join signal; the
//!   `new_chat_members` service message is the other path, and both converge on the same
//!   idempotent records).
//! - A user leaves a linked channel: the cached answer turns negative and they are restricted
//!   and warned in every protected group linked to it where they are a member (a query on the
//!   channel → group index, not a scan).
//! - A user joins a linked channel: the cached answer turns positive, and in every protected
//!   group linked to it where the bot restricted or warned them, they are verified at once (as
//!   if they had pressed "I have joined", whose warning may have been swept away by then).
//! - An administrator is promoted or demoted: the group's admin cache is refreshed.
//!
//! Anything else costs at most one read, and nothing at all when the change itself shows there
//! is nothing to do.

use channel_guard::cache::ttl_secs;
use channel_guard::config::GroupConfig;
use channel_guard::enforce::{Guard, Member};
use channel_guard::rights::is_subscribed;
use channel_guard::store::{prelude::*, MemberState};
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::telegram::{with_retry, BotApiError};
use lambdagram::teloxide_core::payloads::GetChatMember;
use lambdagram::teloxide_core::types::{ChatId, ChatMemberKind, ChatMemberUpdated, User, UserId};
use lambdagram::teloxide_core::ApiError;

pub struct MemberChange;

/// How a member's presence in the chat changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// From left, kicked or restricted-and-out to in the chat.
    Joined,
    /// From in the chat to left, kicked or restricted-and-out.
    Left,
    /// In before and after, or out before and after.
    Unchanged,
}

/// Reads the change from the old and new statuses (`restricted` counts as in when
/// `is_member` is true).
pub fn presence(old: &ChatMemberKind, new: &ChatMemberKind) -> Presence {
    match (is_subscribed(old), is_subscribed(new)) {
        (false, true) => Presence::Joined,
        (true, false) => Presence::Left,
        _ => Presence::Unchanged,
    }
}

/// Whether the member became, or stopped being, an administrator (or the owner): the group's
/// admin list changed. A change of an administrator's rights leaves the list as it is.
pub fn admin_list_changed(old: &ChatMemberKind, new: &ChatMemberKind) -> bool {
    old.is_privileged() != new.is_privileged()
}

/// A Bot API answer that says the user is not in the chat at all.
fn user_gone(e: &BotApiError) -> bool {
    matches!(
        e,
        BotApiError::Api {
            error: ApiError::UserNotFound,
            ..
        }
    ) || matches!(e, BotApiError::Api { description, .. } if description.contains("PARTICIPANT_ID_INVALID"))
}

fn member(user: &User) -> Member {
    Member {
        user_id: user.id.0 as i64,
        name: user.first_name.clone(),
        status: None,
    }
}

impl<S: GuardStore> RouteHandler<S> for MemberChange {
    type Input = ChatMemberUpdated;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        change: ChatMemberUpdated,
    ) -> Result<RouteResponse, HandlerError> {
        let guard = Guard::of(&ctx);
        if change.chat.is_channel() {
            channel_change(&guard, &change).await?;
        } else if change.chat.is_group() || change.chat.is_supergroup() {
            group_change(&guard, &change).await?;
        }
        Ok(RouteResponse::done())
    }
}

/// A change in a group: an admin list change refreshes the cache, a join is checked.
async fn group_change<S: GuardStore>(
    guard: &Guard<'_, S>,
    change: &ChatMemberUpdated,
) -> Result<(), HandlerError> {
    let (old, new) = (&change.old_chat_member.kind, &change.new_chat_member.kind);
    let user = &change.new_chat_member.user;
    let admins_changed = admin_list_changed(old, new);
    // Admins, bots and the allow-list are never checked; an administrator's status says so
    // itself, so a join needs no admin lookup.
    let check = presence(old, new) == Presence::Joined && !user.is_bot && !new.is_privileged();
    if !admins_changed && !check {
        return Ok(());
    }
    let group_id = change.chat.id.0;
    let state = guard.store.group_state(group_id, guard.now).await?;
    if admins_changed && state.admins.is_some() {
        refresh_admins(guard, group_id).await?;
    }
    let Some(config) = state
        .config
        .filter(|c| c.is_active() && c.settings.check_on_join)
    else {
        return Ok(());
    };
    // Their status is the update's: enforcing needs no call to learn it.
    let joiner = Member {
        status: Some(new.clone()),
        ..member(user)
    };
    if !check || config.allow_list.contains(&joiner.user_id) {
        return Ok(());
    }
    let done = guard.check_member(&config, &joiner).await?;
    tracing::info!(
        restricted = done.restricted,
        kicked = done.kicked,
        warned = done.warned,
        "joiner checked"
    );
    Ok(())
}

/// Replaces the cached admin list with Telegram's. A refusal (the bot was just removed) is
/// carried on: the cache expires by itself, and redelivering would meet the same refusal.
async fn refresh_admins<S: GuardStore>(
    guard: &Guard<'_, S>,
    group_id: i64,
) -> Result<(), HandlerError> {
    match guard.admins(group_id, None).await {
        Ok(admins) => {
            tracing::info!(admins = admins.len(), "admin cache refreshed");
            Ok(())
        }
        Err(HandlerError::Telegram(BotApiError::Api { error, .. })) => {
            tracing::warn!(?error, "admin list refused; the cache will expire");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// A change in a channel: a join or a leave, if the channel is linked to a protected group.
async fn channel_change<S: GuardStore>(
    guard: &Guard<'_, S>,
    change: &ChatMemberUpdated,
) -> Result<(), HandlerError> {
    let user = &change.new_chat_member.user;
    let presence = presence(&change.old_chat_member.kind, &change.new_chat_member.kind);
    if user.is_bot || presence == Presence::Unchanged {
        return Ok(());
    }
    let channel_id = change.chat.id.0;
    let groups = guard.store.groups_linked_to(channel_id).await?;
    if groups.is_empty() {
        return Ok(());
    }
    let subscriber = member(user);
    // The fresh answer replaces whatever was cached: a joiner's next message costs no call,
    // and a leaver is not let through by a stale "subscribed".
    let subscribed = presence == Presence::Joined;
    let ttl = ttl_secs(subscribed, fastrand::f64());
    guard
        .store
        .cache_subscription(channel_id, subscriber.user_id, subscribed, guard.now + ttl)
        .await?;
    let known = KnownSubscription {
        channel_id,
        subscribed,
    };
    let mut acted = 0;
    for group_id in groups {
        let done = if subscribed {
            verify_joiner(guard, group_id, known, &subscriber).await?
        } else {
            restrict_leaver(guard, group_id, known, &subscriber).await?
        };
        if done {
            acted += 1;
        }
    }
    if subscribed {
        tracing::info!(verified = acted, "channel joiner handled");
    } else {
        tracing::info!(restricted = acted, "channel leaver handled");
    }
    Ok(())
}

/// What the update itself says about one channel. It is used instead of the cache entry just
/// written: DynamoDB's batch reads are eventually consistent, so reading it back could still
/// return the answer it replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownSubscription {
    pub channel_id: i64,
    pub subscribed: bool,
}

/// The linked channels whose cached answers are to be read: all but the known one.
pub fn channels_to_read(config: &GroupConfig, known: KnownSubscription) -> Vec<i64> {
    config
        .channels
        .iter()
        .map(|c| c.id)
        .filter(|id| *id != known.channel_id)
        .collect()
}

/// Puts the known answer into the member's state, in place of any cached one.
pub fn with_known(mut state: MemberState, known: KnownSubscription) -> MemberState {
    state
        .subscriptions
        .retain(|(id, _)| *id != known.channel_id);
    state
        .subscriptions
        .push((known.channel_id, Some(known.subscribed)));
    state
}

/// The group's configuration, if it is protected and still links the channel.
async fn linked_config<S: GuardStore>(
    guard: &Guard<'_, S>,
    group_id: i64,
    channel_id: i64,
) -> Result<Option<(GroupConfig, Option<Vec<i64>>)>, HandlerError> {
    let state = guard.store.group_state(group_id, guard.now).await?;
    Ok(state
        .config
        .filter(|c| c.is_active() && c.channels.iter().any(|ch| ch.id == channel_id))
        .map(|c| (c, state.admins)))
}

/// The member's state in the group, with the known answer for the channel of the update.
async fn member_state_knowing<S: GuardStore>(
    guard: &Guard<'_, S>,
    config: &GroupConfig,
    user_id: i64,
    known: KnownSubscription,
) -> Result<MemberState, HandlerError> {
    let channels = channels_to_read(config, known);
    let state = guard
        .store
        .member_state(config.group_id, user_id, &channels, guard.now)
        .await?;
    Ok(with_known(state, known))
}

/// Someone joined a linked channel: if the bot restricted or warned them in the group and
/// nothing else is missing, lift exactly as "I have joined" does (the group's own permissions,
/// only for a restriction the bot recorded; the warning deleted). Someone the bot never
/// restricted or warned costs one read and no call. Returns whether they were verified.
async fn verify_joiner<S: GuardStore>(
    guard: &Guard<'_, S>,
    group_id: i64,
    known: KnownSubscription,
    joiner: &Member,
) -> Result<bool, HandlerError> {
    let Some((config, _)) = linked_config(guard, group_id, known.channel_id).await? else {
        return Ok(false);
    };
    let state = member_state_knowing(guard, &config, joiner.user_id, known).await?;
    if !state.restricted_by_bot && state.warning.is_none() {
        return Ok(false);
    }
    let missing = guard
        .missing_channels(&config, joiner.user_id, &state, false)
        .await?;
    if !missing.is_empty() {
        tracing::info!(
            group_id,
            missing = missing.len(),
            "joiner still missing channels"
        );
        return Ok(false);
    }
    let permissions = if state.restricted_by_bot {
        Some(guard.group_permissions(group_id).await?)
    } else {
        None
    };
    let lifted = guard
        .lift_recorded(group_id, joiner.user_id, permissions.as_ref())
        .await?;
    tracing::info!(group_id, lifted, "channel joiner verified");
    Ok(true)
}

/// Applies the group's action to someone who left the channel, if the group is protected by
/// it and they are an ordinary member there. Returns whether anything was enforced.
async fn restrict_leaver<S: GuardStore>(
    guard: &Guard<'_, S>,
    group_id: i64,
    known: KnownSubscription,
    leaver: &Member,
) -> Result<bool, HandlerError> {
    let Some((config, admins)) = linked_config(guard, group_id, known.channel_id).await? else {
        return Ok(false);
    };
    if config.allow_list.contains(&leaver.user_id)
        || admins.as_ref().is_some_and(|a| a.contains(&leaver.user_id))
    {
        return Ok(false);
    }
    // Live: only someone in the group is restricted there, and an administrator (whatever
    // the cache says) never is.
    let request = GetChatMember::new(ChatId(group_id), UserId(leaver.user_id as u64));
    let status = match with_retry(guard.retry, || guard.bot.call(&request)).await {
        Ok(m) if is_subscribed(&m.kind) && !m.kind.is_privileged() => m.kind,
        Ok(_) => return Ok(false),
        Err(e) if user_gone(&e) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let leaver = Member {
        status: Some(status),
        ..leaver.clone()
    };
    // The check of `Guard::check_member`, with the channel just left known missing (other
    // channels from the cache or asked).
    let state = member_state_knowing(guard, &config, leaver.user_id, known).await?;
    let missing = guard
        .missing_channels(&config, leaver.user_id, &state, false)
        .await?;
    if missing.is_empty() {
        return Ok(false);
    }
    let done = guard
        .enforce(&config, &leaver, None, &missing, &state)
        .await?;
    Ok(done.restricted || done.kicked || done.warned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use channel_guard::config::LinkedChannel;
    use lambdagram::teloxide_core::types::ChatMember;
    use serde_json::json;

    fn kind(v: serde_json::Value) -> ChatMemberKind {
        let mut member = v;
        member["user"] = json!({"id": 1, "is_bot": false, "first_name": "U"});
        serde_json::from_value::<ChatMember>(member)
            .expect("chat member")
            .kind
    }

    fn restricted(is_member: bool) -> ChatMemberKind {
        kind(json!({
            "status": "restricted", "is_member": is_member, "until_date": 0,
            "can_send_messages": false, "can_send_audios": false, "can_send_documents": false,
            "can_send_photos": false, "can_send_videos": false, "can_send_video_notes": false,
            "can_send_voice_notes": false, "can_send_polls": false, "can_send_other_messages": false,
            "can_add_web_page_previews": false, "can_change_info": false, "can_invite_users": false,
            "can_pin_messages": false, "can_manage_topics": false
        }))
    }

    fn admin() -> ChatMemberKind {
        kind(json!({
            "status": "administrator", "can_be_edited": false, "is_anonymous": false,
            "can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": false,
            "can_restrict_members": true, "can_promote_members": false, "can_change_info": false,
            "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
            "can_delete_stories": false, "can_pin_messages": false
        }))
    }

    #[test]
    fn presence_follows_membership_not_status_names() {
        let left = kind(json!({"status": "left"}));
        let kicked = kind(json!({"status": "kicked", "until_date": 0}));
        let member = kind(json!({"status": "member"}));
        assert_eq!(presence(&left, &member), Presence::Joined);
        assert_eq!(presence(&kicked, &member), Presence::Joined);
        assert_eq!(presence(&left, &restricted(true)), Presence::Joined);
        assert_eq!(
            presence(&restricted(false), &restricted(true)),
            Presence::Joined
        );
        assert_eq!(presence(&member, &left), Presence::Left);
        assert_eq!(presence(&member, &kicked), Presence::Left);
        assert_eq!(presence(&member, &restricted(false)), Presence::Left);
        assert_eq!(presence(&member, &restricted(true)), Presence::Unchanged);
        assert_eq!(presence(&left, &kicked), Presence::Unchanged);
        assert_eq!(presence(&member, &admin()), Presence::Unchanged);
    }

    fn linked(ids: &[i64]) -> GroupConfig {
        let mut config = GroupConfig::new(-100);
        config.link(ids.iter().map(|id| LinkedChannel {
            id: *id,
            title: format!("c{id}"),
            username: None,
            invite_link: None,
        }));
        config
    }

    #[test]
    fn the_known_answer_is_not_read_back_and_replaces_any_cached_one() {
        let config = linked(&[-1, -2, -3]);
        let left = KnownSubscription {
            channel_id: -2,
            subscribed: false,
        };
        assert_eq!(channels_to_read(&config, left), [-1, -3]);
        let cached = MemberState {
            subscriptions: vec![(-1, Some(true)), (-2, Some(true)), (-3, None)],
            ..MemberState::default()
        };
        assert_eq!(
            with_known(cached, left).subscriptions,
            [(-1, Some(true)), (-3, None), (-2, Some(false))]
        );
        let joined = KnownSubscription {
            channel_id: -3,
            subscribed: true,
        };
        assert_eq!(
            with_known(MemberState::default(), joined).subscriptions,
            [(-3, Some(true))]
        );
    }

    #[test]
    fn the_admin_list_changes_on_promotion_demotion_and_admin_arrivals_and_departures() {
        let left = kind(json!({"status": "left"}));
        let member = kind(json!({"status": "member"}));
        let owner = kind(json!({"status": "creator", "is_anonymous": false}));
        assert!(admin_list_changed(&member, &admin()));
        assert!(admin_list_changed(&admin(), &member));
        assert!(admin_list_changed(&left, &admin()));
        assert!(admin_list_changed(&admin(), &left));
        assert!(!admin_list_changed(&admin(), &admin()), "rights only");
        assert!(
            !admin_list_changed(&owner, &admin()),
            "ownership handed over"
        );
        assert!(!admin_list_changed(&left, &member));
    }
}
