//! Enforcement, shared by every route that meets a member (a message, a join, a channel leave,
//! the "I have joined" button): check subscriptions (through the cache), restrict what the
//! settings say, post at most one warning, and lift only what the bot imposed.
//!
//! Bot API errors that are answers rather than accidents are handled here on purpose: a message
//! already deleted or a user who is gone is carried on; everything else fails the invocation,
//! so Telegram redelivers the update.

use lambdagram::teloxide_core::payloads::{
    BanChatMember, BanChatSenderChat, DeleteMessage, GetChat, GetChatAdministrators, GetChatMember,
    RestrictChatMember, RestrictChatMemberSetters, SendMessage, SendMessageSetters,
    UnbanChatMember, UnbanChatMemberSetters,
};
use lambdagram::teloxide_core::types::{
    ChatId, ChatMemberKind, ChatPermissions, InlineKeyboardButton, InlineKeyboardMarkup, MessageId,
    ParseMode, UserId,
};
use lambdagram::teloxide_core::ApiError;

use super::cache::ttl_secs;
use super::callback::GuardCallback;
use super::config::{
    add_group_rights, channel_label, set_channel_admin, Action, GroupConfig, LinkedChannel,
};
use super::rights::{is_subscribed, Right};
use super::store::{prelude::*, DeferredWarning, MemberState, Restriction};
use super::texts;
use crate::metrics::names;
use lambdagram::i18n::{escape_html, fill, Lang};
use lambdagram::metrics;
use lambdagram::route::{HandlerError, RouteContext};
use lambdagram::telegram::{with_retry, BotApi, BotApiError, RetryPolicy, TelegramApi};
use lambdagram::time::Epoch;

/// How long the admin list is trusted before `getChatAdministrators` is asked again.
pub const ADMINS_TTL_SECS: i64 = 3600;

/// The Bot API client, the store, the clock and the deadline: what enforcement needs.
pub struct Guard<'a, S, T = BotApi> {
    /// The Bot API (the port: the real client, or a scripted one in unit tests).
    pub bot: &'a T,
    pub store: &'a S,
    pub now: Epoch,
    pub retry: RetryPolicy,
}

/// Who a check is about.
#[derive(Clone, Debug)]
pub struct Member {
    pub user_id: i64,
    /// First name, for the warning.
    pub name: String,
    /// Their status in the group when the caller knows it (a join's new status, a status just
    /// asked); `None`: asked before restricting.
    pub status: Option<ChatMemberKind>,
}

/// How long a claimed warning blocks another one before its message is posted: if the post
/// never happens (a crash, a timeout), a redelivery may warn again after this.
pub const WARNING_CLAIM_SECS: i64 = 60;

/// How long a deferred warning's claim is held past the time it may be posted; the sweeper
/// renews it each run the chat is still flooded, so it lasts as long as the queue entry.
pub const DEFERRED_CLAIM_SECS: i64 = 15 * 60;

/// The warning for a member missing `missing`: the mention, the channels, a join button per
/// channel with a link and the "I have joined" button. Posted by enforcement, or by the sweeper
/// when it was deferred.
pub fn warning_request(
    config: &GroupConfig,
    user_id: i64,
    name: &str,
    missing: &[&LinkedChannel],
) -> SendMessage {
    let lang = config.settings.lang;
    let names: Vec<String> = missing.iter().map(|c| channel_label(c)).collect();
    let text = fill(
        texts::WARNING.get(lang),
        &[
            (
                "name",
                &format!(
                    "<a href=\"tg://user?id={}\">{}</a>",
                    user_id,
                    escape_html(name)
                ),
            ),
            ("channels", &names.join(", ")),
        ],
    );
    SendMessage::new(ChatId(config.group_id), text)
        .parse_mode(ParseMode::Html)
        .reply_markup(join_keyboard(
            missing,
            lang,
            GuardCallback::Joined { user_id },
        ))
}

/// A join button per channel of `missing` that has a link to open, then "I have joined"
/// (`joined`): under a warning in the group, and in a held join request's private message.
pub fn join_keyboard(
    missing: &[&LinkedChannel],
    lang: Lang,
    joined: GuardCallback,
) -> InlineKeyboardMarkup {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = missing
        .iter()
        .filter_map(|c| {
            let url = reqwest::Url::parse(&c.join_url()?).ok()?;
            let label = fill(texts::JOIN_BUTTON.get(lang), &[("channel", &c.title)]);
            Some(vec![InlineKeyboardButton::url(label, url)])
        })
        .collect();
    rows.push(vec![InlineKeyboardButton::callback(
        texts::JOINED_BUTTON.get(lang),
        joined.encode(),
    )]);
    InlineKeyboardMarkup::new(rows)
}

/// How long to wait before posting again after `e`, when it is the chat's flood limits (or an
/// accident that left nothing posted) and the wait did not fit the invocation: the warning is
/// deferred to the sweeper. `None` for every other error.
fn deferral(e: &BotApiError) -> Option<u32> {
    match e {
        BotApiError::RetryAfter { retry_after, .. } => Some(*retry_after),
        e if e.is_transient() && e.may_resend() => Some(60),
        _ => None,
    }
}

/// What enforcement did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enforcement {
    pub deleted_message: bool,
    pub restricted: bool,
    pub kicked: bool,
    pub warned: bool,
    /// The warning was kept back by the chat's flood limits and queued for the sweeper.
    pub warning_deferred: bool,
    /// The bot lacked a right it needed: the protection is marked degraded.
    pub degraded: bool,
}

/// What became of a warning.
enum Warned {
    Posted,
    /// Queued for the sweeper (the chat's flood limits).
    Deferred,
    /// Not posted: one is live or claimed, Telegram refused, or it may be in the group already.
    No,
}

/// The Telegram error behind a refusal (`None` for accidents: 5xx, network, flood control).
fn refusal(e: &BotApiError) -> Option<ApiError> {
    match e {
        BotApiError::Api { error, .. } => Some(error.clone()),
        _ => None,
    }
}

/// A refusal that means the bot may not restrict or ban members in the chat.
fn lacks_restrict(e: &BotApiError) -> bool {
    matches!(
        refusal(e),
        Some(
            ApiError::NotEnoughRightsToRestrict | ApiError::NotEnoughRightsToChangeChatPermissions
        )
    )
}

/// A Bot API error that means "already so": carry on.
fn already_so(e: &BotApiError) -> bool {
    matches!(
        e,
        BotApiError::Api {
            error: ApiError::MessageToDeleteNotFound
                | ApiError::MessageCantBeDeleted
                | ApiError::UserNotFound,
            ..
        }
    ) || matches!(e, BotApiError::Api { description, .. } if description.contains("PARTICIPANT_ID_INVALID"))
}

fn ignore_already_so<T>(r: Result<T, BotApiError>) -> Result<Option<T>, BotApiError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if already_so(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

impl<'a, S, T> Guard<'a, S, T> {
    /// The guard over an invocation's ports, clock and deadline.
    pub fn of(ctx: &RouteContext<'a, S, T>) -> Self {
        Guard {
            bot: ctx.bot,
            store: ctx.store,
            now: ctx.now,
            retry: ctx.retry(),
        }
    }
}

impl<S: GuardStore, T: TelegramApi> Guard<'_, S, T> {
    /// The group's administrators: from the cache, or asked and cached.
    pub async fn admins(
        &self,
        group_id: i64,
        cached: Option<Vec<i64>>,
    ) -> Result<Vec<i64>, HandlerError> {
        if let Some(admins) = cached {
            return Ok(admins);
        }
        let request = GetChatAdministrators::new(ChatId(group_id));
        let members = with_retry(self.retry, || self.bot.call(&request)).await?;
        let admins: Vec<i64> = members.iter().map(|m| m.user.id.0 as i64).collect();
        self.store
            .cache_admins(group_id, &admins, self.now + ADMINS_TTL_SECS)
            .await?;
        Ok(admins)
    }

    /// The channels `user_id` is not subscribed to. Cached answers are used unless
    /// `bypass_cache` (the "I have joined" check); fresh answers are cached.
    pub async fn missing_channels<'c>(
        &self,
        config: &'c GroupConfig,
        user_id: i64,
        cached: &MemberState,
        bypass_cache: bool,
    ) -> Result<Vec<&'c LinkedChannel>, HandlerError> {
        let mut missing = Vec::new();
        // Channels whose members the bot may not see (no longer their administrator): it cannot
        // tell, so it does not punish; the protection degrades and the group is told.
        let mut unreadable = Vec::new();
        for channel in &config.channels {
            let hit = cached
                .subscriptions
                .iter()
                .find(|(c, _)| *c == channel.id)
                .and_then(|(_, s)| *s);
            let subscribed = match hit {
                Some(s) if !bypass_cache => {
                    metrics::count(names::MEMBERSHIP_CACHE_HITS, &[], 1);
                    s
                }
                _ => {
                    if !bypass_cache {
                        metrics::count(names::MEMBERSHIP_CACHE_MISSES, &[], 1);
                    }
                    let request = GetChatMember::new(ChatId(channel.id), UserId(user_id as u64));
                    let member = match with_retry(self.retry, || self.bot.call(&request)).await {
                        Ok(member) => member,
                        // Telegram knows no such user here: not subscribed.
                        Err(e) if refusal(&e) == Some(ApiError::UserNotFound) => {
                            missing.push(channel);
                            continue;
                        }
                        Err(e) if refusal(&e).is_some() => {
                            tracing::warn!(channel_id = channel.id, error = %e, "channel unreadable");
                            unreadable.push(channel.id);
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    };
                    let s = is_subscribed(&member.kind);
                    let ttl = ttl_secs(s, fastrand::f64());
                    self.store
                        .cache_subscription(channel.id, user_id, s, self.now + ttl)
                        .await?;
                    s
                }
            };
            if !subscribed {
                missing.push(channel);
            }
        }
        if !unreadable.is_empty() {
            self.change_health(config, true, |c| {
                let mut changed = false;
                for channel_id in &unreadable {
                    changed |= set_channel_admin(c, *channel_id, false);
                }
                changed
            })
            .await?;
        }
        Ok(missing)
    }

    /// A message posted as a chat that is neither the group nor one of its linked channels:
    /// deleted, and with the group's "kick" action the sender chat banned from the group.
    /// Refusals for lack of rights degrade the protection, as for members.
    pub async fn enforce_sender_chat(
        &self,
        config: &GroupConfig,
        sender_chat_id: i64,
        message_id: i32,
    ) -> Result<Enforcement, HandlerError> {
        let ban = (config.settings.action == Action::Kick).then_some(sender_chat_id);
        self.remove_message(config, message_id, ban).await
    }

    /// Deletes one message and nothing else (a refusal for lack of rights degrades the
    /// protection).
    pub async fn delete_only(
        &self,
        config: &GroupConfig,
        message_id: i32,
    ) -> Result<Enforcement, HandlerError> {
        self.remove_message(config, message_id, None).await
    }

    /// Deletes the offending message: `true` when deleted. A fresh message that "can't be
    /// deleted" means the bot may not delete messages (added to `lacking`); one already gone is
    /// carried on from.
    async fn delete(
        &self,
        group: ChatId,
        message_id: i32,
        lacking: &mut Vec<Right>,
    ) -> Result<bool, HandlerError> {
        let request = DeleteMessage::new(group, MessageId(message_id));
        match with_retry(self.retry, || self.bot.call(&request)).await {
            Ok(_) => Ok(true),
            Err(e) if refusal(&e) == Some(ApiError::MessageCantBeDeleted) => {
                lacking.push(Right::DeleteMessages);
                Ok(false)
            }
            Err(e) => {
                ignore_already_so::<()>(Err(e))?;
                Ok(false)
            }
        }
    }

    async fn remove_message(
        &self,
        config: &GroupConfig,
        message_id: i32,
        ban_sender_chat: Option<i64>,
    ) -> Result<Enforcement, HandlerError> {
        let group = ChatId(config.group_id);
        let mut done = Enforcement::default();
        let mut lacking = Vec::new();
        done.deleted_message = self.delete(group, message_id, &mut lacking).await?;
        // Only with the group's "kick": a sender-chat ban lasts until an admin lifts it, and
        // no record of the bot's would let `/unprotect` or `/allow` lift it.
        if let Some(sender_chat_id) = ban_sender_chat {
            let ban = BanChatSenderChat::new(group, ChatId(sender_chat_id));
            match with_retry(self.retry, || self.bot.call(&ban)).await {
                Ok(_) => done.kicked = true,
                Err(e) if lacks_restrict(&e) => lacking.push(Right::RestrictMembers),
                Err(e) => {
                    ignore_already_so::<()>(Err(e))?;
                }
            }
        }
        if !lacking.is_empty() {
            self.change_health(config, true, |c| add_group_rights(c, &lacking))
                .await?;
            done.degraded = true;
        }
        tracing::info!(
            group_id = config.group_id,
            banned_sender_chat = ban_sender_chat.filter(|_| done.kicked),
            "message removed"
        );
        Ok(done)
    }

    /// Deletes the offending message (if any), applies the group's action, and posts a warning
    /// unless one is live. `warned_already` comes from the member state read on the hot path.
    pub async fn enforce(
        &self,
        config: &GroupConfig,
        member: &Member,
        message_id: Option<i32>,
        missing: &[&LinkedChannel],
        state: &MemberState,
    ) -> Result<Enforcement, HandlerError> {
        let group = ChatId(config.group_id);
        let user = UserId(member.user_id as u64);
        let mut done = Enforcement::default();
        // Rights the bot turned out to lack: the protection degrades instead of failing the
        // update (which Telegram would redeliver for a day, to the same refusal).
        let mut lacking = Vec::new();
        if let Some(id) = message_id {
            done.deleted_message = self.delete(group, id, &mut lacking).await?;
        }
        match config.settings.action {
            // A member already restricted, with no record of the bot's, was restricted by an
            // admin: the bot neither restricts over it (it would later "lift" the admin's
            // restriction along with its own) nor records it.
            Action::Mute if !state.restricted_by_bot || state.restriction_pending => 'mute: {
                // A pending record is the bot's own intent: whatever restriction Telegram now
                // shows may be the bot's, so it is not taken for an admin's.
                if !state.restriction_pending && self.restricted_by_admin(group, member).await? {
                    tracing::info!(
                        group_id = config.group_id,
                        "restricted by an admin: left as is"
                    );
                    break 'mute;
                }
                let until = config
                    .settings
                    .mute_hours
                    .filter(|h| *h > 0)
                    .map(|h| self.now + i64::from(h) * 3600);
                let mut request = RestrictChatMember::new(group, user, ChatPermissions::empty())
                    .use_independent_chat_permissions(true);
                if let Some(until) = until.and_then(|u| chrono::DateTime::from_timestamp(u, 0)) {
                    request = request.until_date(until);
                }
                // Intent, effect, result. The pending record comes first, so whatever fails
                // after the call (the confirming write, the answer lost, the deadline) the
                // restriction is on record as the bot's and "I have joined", `/lift` and a
                // channel join can lift it. A redelivery finds the intent and imposes the same
                // restriction again before confirming; a confirmed record lets later messages
                // skip the call.
                let mut restriction = Restriction {
                    user_id: member.user_id,
                    since: self.now,
                    until,
                    pending: true,
                };
                if !state.restriction_pending {
                    self.store
                        .record_restriction(config.group_id, &restriction)
                        .await?;
                }
                // Telegram refused (an answer, not an accident): nothing was imposed by this
                // call. The intent is withdrawn only when this attempt wrote it; one found
                // pending may stand for an earlier attempt that landed with its answer lost,
                // and stays the licence to lift it.
                let withdraw = !state.restriction_pending;
                let imposed = match with_retry(self.retry, || self.bot.call(&request)).await {
                    Ok(_) => true,
                    Err(e) if lacks_restrict(&e) => {
                        lacking.push(Right::RestrictMembers);
                        false
                    }
                    Err(e) if already_so(&e) => false,
                    Err(e @ BotApiError::Api { .. }) => {
                        if withdraw {
                            self.store
                                .remove_restriction(config.group_id, member.user_id)
                                .await?;
                        }
                        return Err(e.into());
                    }
                    // An accident: the intent stays; the redelivery imposes it again.
                    Err(e) => return Err(e.into()),
                };
                if imposed {
                    restriction.pending = false;
                    self.store
                        .record_restriction(config.group_id, &restriction)
                        .await?;
                    done.restricted = true;
                    metrics::count(names::RESTRICTIONS_IMPOSED, &[], 1);
                } else if withdraw {
                    // Nothing was imposed, so nothing may be lifted later in its name.
                    self.store
                        .remove_restriction(config.group_id, member.user_id)
                        .await?;
                }
            }
            Action::Kick => {
                let ban = BanChatMember::new(group, user);
                match with_retry(self.retry, || self.bot.call(&ban)).await {
                    Ok(_) => {
                        let unban = UnbanChatMember::new(group, user).only_if_banned(true);
                        ignore_already_so(with_retry(self.retry, || self.bot.call(&unban)).await)?;
                        done.kicked = true;
                    }
                    Err(e) if lacks_restrict(&e) => lacking.push(Right::RestrictMembers),
                    Err(e) => {
                        ignore_already_so::<()>(Err(e))?;
                    }
                }
            }
            Action::Mute | Action::DeleteOnly => {}
        }
        if !lacking.is_empty() {
            self.change_health(config, true, |c| add_group_rights(c, &lacking))
                .await?;
            done.degraded = true;
        }
        if state.warning.is_none() && !done.kicked {
            match self.warn(config, member, missing).await? {
                Warned::Posted => done.warned = true,
                Warned::Deferred => done.warning_deferred = true,
                Warned::No => {}
            }
        }
        Ok(done)
    }

    /// Whether the member is restricted in the group already (by someone else, when the bot has
    /// no record): from what the caller knows, or asked.
    async fn restricted_by_admin(
        &self,
        group: ChatId,
        member: &Member,
    ) -> Result<bool, HandlerError> {
        if let Some(kind) = &member.status {
            return Ok(matches!(kind, ChatMemberKind::Restricted(_)));
        }
        let request = GetChatMember::new(group, UserId(member.user_id as u64));
        match with_retry(self.retry, || self.bot.call(&request)).await {
            Ok(m) => Ok(matches!(m.kind, ChatMemberKind::Restricted(_))),
            Err(e) => {
                ignore_already_so::<()>(Err(e))?;
                Ok(false)
            }
        }
    }

    /// Posts the warning if no live one exists (a conditional write decides).
    async fn warn(
        &self,
        config: &GroupConfig,
        member: &Member,
        missing: &[&LinkedChannel],
    ) -> Result<Warned, HandlerError> {
        let delete_at = self.now + i64::from(config.settings.warning_ttl_secs);
        // The claim is a short lease; posting the message makes it the warning, until
        // `delete_at`.
        if !self
            .store
            .claim_warning(
                config.group_id,
                member.user_id,
                self.now,
                self.now + WARNING_CLAIM_SECS,
            )
            .await?
        {
            return Ok(Warned::No);
        }
        let request = warning_request(config, member.user_id, &member.name, missing);
        let sent = match with_retry(self.retry, || self.bot.call(&request)).await {
            Ok(sent) => sent,
            // The request may have reached Telegram and the warning be in the group with its
            // answer lost: never a second one. The claim stays (no warning for the member
            // while it lives) and the update completes with what is done.
            Err(e) if !e.may_resend() => {
                tracing::warn!(
                    group_id = config.group_id,
                    error = %e,
                    "warning may have been posted: not posted again"
                );
                metrics::count(names::WARNINGS_UNCERTAIN, &[], 1);
                // Held for as long as the warning would have lived: no second one while the
                // first may be in the group.
                self.store
                    .hold_warning_claim(config.group_id, member.user_id, delete_at)
                    .await?;
                return Ok(Warned::No);
            }
            // The chat's flood limits (or an accident that posted nothing) outlast the
            // invocation: the sweeper posts it later, and the update completes with the delete
            // and the restriction done instead of being redelivered to repeat them.
            Err(e) if deferral(&e).is_some() => {
                let wait = deferral(&e).unwrap_or(60);
                let deferred = DeferredWarning {
                    group_id: config.group_id,
                    user_id: member.user_id,
                    name: member.name.clone(),
                    channels: missing.iter().map(|c| c.id).collect(),
                    post_at: self.now + i64::from(wait),
                };
                let hold_until = deferred.post_at + DEFERRED_CLAIM_SECS;
                return match self.store.defer_warning(&deferred, hold_until).await {
                    Ok(true) => {
                        tracing::info!(
                            group_id = config.group_id,
                            wait_secs = wait,
                            error = %e,
                            "warning deferred to the sweeper"
                        );
                        metrics::count(names::WARNINGS_DEFERRED, &[], 1);
                        Ok(Warned::Deferred)
                    }
                    // Lifted meanwhile: no warning is needed.
                    Ok(false) => Ok(Warned::No),
                    Err(store_error) => {
                        self.store
                            .remove_warning(config.group_id, member.user_id, self.now)
                            .await?;
                        Err(store_error.into())
                    }
                };
            }
            Err(e) => {
                // Not posted: release the claim, so the redelivery (or the next message) warns.
                self.store
                    .remove_warning(config.group_id, member.user_id, self.now)
                    .await?;
                if refusal(&e).is_some() {
                    // The bot may not post here (muted, removed): nothing a retry changes.
                    tracing::warn!(group_id = config.group_id, error = %e, "warning refused");
                    return Ok(Warned::No);
                }
                return Err(e.into());
            }
        };
        if let Err(err) = self
            .store
            .set_warning_message(config.group_id, member.user_id, sent.id.0, delete_at)
            .await
        {
            // A warning on no record would never be swept, and the next message would post
            // another: take it back, so the redelivery posts the one warning and records it.
            self.retract_warning(config.group_id, member.user_id, sent.id, delete_at)
                .await;
            return Err(err.into());
        }
        metrics::count(names::WARNINGS_POSTED, &[], 1);
        Ok(Warned::Posted)
    }

    /// Undoes a posted warning whose record could not be written: deletes the message and
    /// releases the claim. Best effort (the invocation is failing anyway); what fails is
    /// logged, and a claim left behind expires by itself. A warning that could not be deleted
    /// is still in the group: its claim stays, so the redelivery does not post a second one.
    async fn retract_warning(
        &self,
        group_id: i64,
        user_id: i64,
        message: MessageId,
        delete_at: Epoch,
    ) {
        let delete = DeleteMessage::new(ChatId(group_id), message);
        if let Err(e) = ignore_already_so(with_retry(self.retry, || self.bot.call(&delete)).await) {
            tracing::error!(group_id, error = %e, "unrecorded warning not deleted: claim kept");
            // Held for as long as the warning would have lived, not the claim's short lease.
            if let Err(e) = self
                .store
                .hold_warning_claim(group_id, user_id, delete_at)
                .await
            {
                tracing::error!(group_id, error = %e, "warning claim not held");
            }
            return;
        }
        if let Err(e) = self.store.remove_warning(group_id, user_id, self.now).await {
            tracing::error!(group_id, error = %e, "warning claim not released");
        }
    }

    /// Lifts the bot's own restriction (restoring the group's default permissions, not
    /// all-true) and deletes the live warning. Returns whether a restriction was lifted; a
    /// restriction the bot has no record of (an admin's) is never touched.
    pub async fn lift(&self, group_id: i64, user_id: i64) -> Result<bool, HandlerError> {
        let state = self
            .store
            .member_state(group_id, user_id, &[], self.now)
            .await?;
        let permissions = if state.restricted_by_bot {
            Some(self.group_permissions(group_id).await?)
        } else {
            None
        };
        self.lift_recorded(group_id, user_id, permissions.as_ref())
            .await
    }

    /// The group's own default member permissions (`getChat`): what lifting restores.
    pub async fn group_permissions(&self, group_id: i64) -> Result<ChatPermissions, HandlerError> {
        let chat = GetChat::new(ChatId(group_id));
        let info = with_retry(self.retry, || self.bot.call(&chat)).await?;
        Ok(info
            .permissions()
            .unwrap_or_else(default_member_permissions))
    }

    /// [`Guard::lift`] for a caller that already knows the bot has a restriction on record
    /// (`permissions`: the group's defaults, read once for any number of members) or that it
    /// has none (`None`: only the warning goes).
    pub async fn lift_recorded(
        &self,
        group_id: i64,
        user_id: i64,
        permissions: Option<&ChatPermissions>,
    ) -> Result<bool, HandlerError> {
        let mut lifted = false;
        if let Some(permissions) = permissions {
            let request = RestrictChatMember::new(
                ChatId(group_id),
                UserId(user_id as u64),
                permissions.clone(),
            )
            .use_independent_chat_permissions(true);
            ignore_already_so(with_retry(self.retry, || self.bot.call(&request)).await)?;
            lifted = self.store.remove_restriction(group_id, user_id).await?;
            if lifted {
                metrics::count(names::RESTRICTIONS_LIFTED, &[], 1);
            }
        }
        if let Some(warning) = self
            .store
            .remove_warning(group_id, user_id, self.now)
            .await?
        {
            if let Some(id) = warning.message_id {
                let request = DeleteMessage::new(ChatId(group_id), MessageId(id));
                ignore_already_so(with_retry(self.retry, || self.bot.call(&request)).await)?;
            }
        }
        Ok(lifted)
    }
}

/// What an ordinary member may do when the group's own defaults are unknown.
fn default_member_permissions() -> ChatPermissions {
    ChatPermissions::SEND_MESSAGES
        | ChatPermissions::SEND_MEDIA_MESSAGES
        | ChatPermissions::SEND_OTHER_MESSAGES
        | ChatPermissions::SEND_POLLS
        | ChatPermissions::ADD_WEB_PAGE_PREVIEWS
        | ChatPermissions::INVITE_USERS
}

impl<S: GuardStore, T: TelegramApi> Guard<'_, S, T> {
    /// The check for a member met without a message (a join, by either path, or a channel
    /// leave): cached subscriptions, then the group's action and at most one warning. Callers
    /// have already left out bots, admins and the allow-list. Idempotent: the restriction
    /// record and the conditional warning make a second delivery a no-op.
    pub async fn check_member(
        &self,
        config: &GroupConfig,
        member: &Member,
    ) -> Result<Enforcement, HandlerError> {
        let channels: Vec<i64> = config.channels.iter().map(|c| c.id).collect();
        let state = self
            .store
            .member_state(config.group_id, member.user_id, &channels, self.now)
            .await?;
        let missing = self
            .missing_channels(config, member.user_id, &state, false)
            .await?;
        if missing.is_empty() {
            return Ok(Enforcement::default());
        }
        self.enforce(config, member, None, &missing, &state).await
    }
}
