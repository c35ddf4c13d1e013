//! The guard's store port. The hot path reads once: the group's state and the member's in one
//! request ([`MemberStore::gate_state`]).
//! Key design: docs/guard-design.md.

use std::future::Future;

use super::config::GroupConfig;
use lambdagram::ports::StoreError;
use lambdagram::time::Epoch;

/// The group's configuration and its cached administrators.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupState {
    pub config: Option<GroupConfig>,
    /// `None`: not cached or expired; refresh with `getChatAdministrators`.
    pub admins: Option<Vec<i64>>,
}

impl GroupState {
    /// The ids of the channels the configuration links (none without one).
    pub fn channel_ids(&self) -> Vec<i64> {
        self.config
            .iter()
            .flat_map(|c| c.channels.iter().map(|ch| ch.id))
            .collect()
    }
}

/// A live warning the bot posted for a user in a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub user_id: i64,
    /// `None` between claiming the warning and posting it.
    pub message_id: Option<i32>,
    /// When it deletes itself.
    pub delete_at: Epoch,
}

/// A warning that could not be posted when it was due because the chat's flood limits were
/// reached (Telegram's 429 or the bot's shared windows): queued for the sweeper, which posts it
/// once the chat may be written to, so the update completes once the message is deleted and
/// the member restricted. The member's warning claim is held meanwhile (no second warning).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeferredWarning {
    pub group_id: i64,
    pub user_id: i64,
    /// The member's first name, for the mention (the queue entry expires with the backlog).
    pub name: String,
    /// The linked channels they were missing.
    pub channels: Vec<i64>,
    /// When the chat may be written to again.
    pub post_at: Epoch,
}

/// What the store knows about one member of a protected group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberState {
    /// Per linked channel, in the order asked: the cached answer, `None` on a miss.
    pub subscriptions: Vec<(i64, Option<bool>)>,
    pub warning: Option<Warning>,
    /// Whether the bot has a restriction of its own on record for this member, still in force
    /// (confirmed or only intended): the licence to lift it.
    pub restricted_by_bot: bool,
    /// Whether that record is only the intent, written before the `restrictChatMember` call:
    /// the call may have failed or its answer been lost, so the restriction is imposed again
    /// (the same restriction) and then confirmed.
    pub restriction_pending: bool,
}

/// A restriction the bot imposed (Telegram does not say who restricted a member, so this record
/// is the bot's only licence to lift it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restriction {
    pub user_id: i64,
    pub since: Epoch,
    /// `None`: until verified.
    pub until: Option<Epoch>,
    /// Recorded before the Bot API call (the intent), not yet confirmed by its answer.
    pub pending: bool,
}

impl Restriction {
    /// Whether Telegram still enforces it: a timed mute ends by itself at `until`, and what
    /// holds after that (say, an admin's restriction) is no longer the bot's to lift.
    pub fn in_force(&self, now: Epoch) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

/// The operator's view of every group with a configuration (protected or not), by group id
/// (`lambdagram doctor`): not part of [`GuardStore`], since no route needs it.
pub trait GroupDirectory {
    fn all_groups(
        &self,
    ) -> impl std::future::Future<Output = Result<Vec<crate::config::GroupConfig>, StoreError>> + Send;
}

// The guard's store port, split by capability: each route takes the ports it uses, and its
// grants in the route table (the IAM statements of its function) mirror them.

/// A group's configuration and its admin cache.
pub trait GroupStore: Send + Sync {
    /// One read: the group's configuration and cached admin list.
    fn group_state(
        &self,
        group_id: i64,
        now: Epoch,
    ) -> impl Future<Output = Result<GroupState, StoreError>> + Send;

    /// Saves the configuration and keeps the channel → group index in step (`unlinked` are
    /// channels the group no longer links), if the stored revision is still `config.version`
    /// (else [`StoreError::Conflict`] and nothing is written). On success `config.version` is
    /// the new revision.
    fn save_group(
        &self,
        config: &mut GroupConfig,
        unlinked: &[i64],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The groups that link `channel_id` (a query on the index, not a scan).
    fn groups_linked_to(
        &self,
        channel_id: i64,
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;

    fn cache_admins(
        &self,
        group_id: i64,
        admins: &[i64],
        expires_at: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A member's state in a group and the membership cache.
pub trait MemberStore: Send + Sync {
    /// One read: the member's cached subscriptions to `channels`, live warning and restriction
    /// record.
    fn member_state(
        &self,
        group_id: i64,
        user_id: i64,
        channels: &[i64],
        now: Epoch,
    ) -> impl Future<Output = Result<MemberState, StoreError>> + Send;

    /// The gate's one read: the group's state and the member's, in one request, with the
    /// member's cached answer for every channel the configuration read links.
    fn gate_state(
        &self,
        group_id: i64,
        user_id: i64,
        now: Epoch,
    ) -> impl Future<Output = Result<(GroupState, MemberState), StoreError>> + Send;

    fn cache_subscription(
        &self,
        channel_id: i64,
        user_id: i64,
        subscribed: bool,
        expires_at: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn forget_subscription(
        &self,
        channel_id: i64,
        user_id: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The restrictions the bot imposed (its only licence to lift them).
pub trait RestrictionStore: Send + Sync {
    fn record_restriction(
        &self,
        group_id: i64,
        restriction: &Restriction,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The bot's restriction records in the group, in force or not (see
    /// [`Restriction::in_force`]).
    fn restrictions(
        &self,
        group_id: i64,
    ) -> impl Future<Output = Result<Vec<Restriction>, StoreError>> + Send;

    /// Removes the bot's record; returns whether there was one.
    fn remove_restriction(
        &self,
        group_id: i64,
        user_id: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// The warnings posted to non-subscribers.
pub trait WarningStore: Send + Sync {
    /// Claims the right to post the user's warning: `true` when no live warning existed (a
    /// conditional write, so two deliveries never both warn).
    fn claim_warning(
        &self,
        group_id: i64,
        user_id: i64,
        now: Epoch,
        delete_at: Epoch,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records the posted warning's message id (and queues it for deletion at `delete_at`).
    fn set_warning_message(
        &self,
        group_id: i64,
        user_id: i64,
        message_id: i32,
        delete_at: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Holds the member's unposted claim until `until` (a warning that may have been posted
    /// with its answer lost: no second one while the first may be in the group). Nothing when
    /// the claim is gone or posted.
    fn hold_warning_claim(
        &self,
        group_id: i64,
        user_id: i64,
        until: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The sweeper takes a deferred claim before posting its warning (`deferred: false`,
    /// conditional on the claim still being deferred and unposted), or hands it back to the
    /// queue when the chat is still flooded (`deferred: true`, conditional on it being unposted);
    /// either way held until `hold_until`. `false`: the claim is gone, posted, or (taking)
    /// another run or a fresh warning holds it — the entry is not this run's to post.
    fn set_claim_deferred(
        &self,
        group_id: i64,
        user_id: i64,
        deferred: bool,
        hold_until: Epoch,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Queues a warning that could not be posted yet and holds the member's claim until
    /// `hold_until` (the claim must still be there, unposted: `false` when a lift removed it
    /// meanwhile, and nothing is queued).
    fn defer_warning(
        &self,
        warning: &DeferredWarning,
        hold_until: Epoch,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Removes the user's warning record; returns it if it was live.
    fn remove_warning(
        &self,
        group_id: i64,
        user_id: i64,
        now: Epoch,
    ) -> impl Future<Output = Result<Option<Warning>, StoreError>> + Send;
}

/// The warning sweeper's queue and progress.
pub trait SweepStore: Send + Sync {
    /// How far the sweeper has swept: every warning due at or before it is gone (`None`
    /// before the first run).
    fn sweep_watermark(&self) -> impl Future<Output = Result<Option<Epoch>, StoreError>> + Send;

    /// Records how far the sweeper has swept.
    fn set_sweep_watermark(
        &self,
        swept_until: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Warnings whose deletion time is in `(after, until]`, as (group, warning).
    fn due_warnings(
        &self,
        after: Epoch,
        until: Epoch,
    ) -> impl Future<Output = Result<Vec<(i64, Warning)>, StoreError>> + Send;

    /// Forgets a warning the sweeper deleted: its deletion-queue entry, and the user's warning
    /// record if it is still this message (a newer warning for the same user stays).
    fn remove_swept_warning(
        &self,
        group_id: i64,
        warning: &Warning,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The queue of deferred warnings, drained by the sweeper.
pub trait DeferredWarningStore: Send + Sync {
    /// Up to `max` deferred warnings due to be posted by `until`, the earliest first.
    fn deferred_warnings(
        &self,
        until: Epoch,
        max: usize,
    ) -> impl Future<Output = Result<Vec<DeferredWarning>, StoreError>> + Send;

    /// Removes a deferred warning's queue entry (posted, or no longer needed).
    fn forget_deferred(
        &self,
        warning: &DeferredWarning,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Every capability of the guard's store: what an adapter implements, and what a handler that
/// runs the whole gate takes.
pub trait GuardStore:
    GroupStore + MemberStore + RestrictionStore + WarningStore + SweepStore + DeferredWarningStore
{
}

impl<
        T: GroupStore
            + MemberStore
            + RestrictionStore
            + WarningStore
            + SweepStore
            + DeferredWarningStore,
    > GuardStore for T
{
}

/// The store's traits, to call their methods on a concrete store.
pub mod prelude {
    pub use super::{
        DeferredWarningStore, GroupStore, GuardStore, MemberStore, RestrictionStore, SweepStore,
        WarningStore,
    };
}
