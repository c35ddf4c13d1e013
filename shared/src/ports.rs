//! Ports: what the domain needs from the outside world, one small trait per capability so each
//! function depends on (and is granted) only what it uses.

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::time::Epoch;

/// A storage failure. The message is for logs; it never contains user content.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Failed(String),
    /// A conditional write lost a race: what it was based on changed meanwhile. The handler
    /// fails, so Telegram redelivers the update and it is handled again on fresh state.
    #[error("store: {0} changed meanwhile")]
    Conflict(String),
}

/// The outcome of claiming an update in the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This invocation owns the update until the lease ends; `token` proves it.
    Acquired { token: String },
    /// The update's effects already happened.
    AlreadyDone,
    /// Another invocation holds a live lease (Telegram re-sent while the first was still working).
    InFlight,
}

/// The update de-duplication ledger: a claim with a lease, marked done on success and released on
/// failure, so a redelivery after a failure is handled and a redelivery after success is not.
pub trait UpdateLedger: Send + Sync {
    fn claim(
        &self,
        update_id: i64,
        now: Epoch,
        lease_secs: i64,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;
    /// Marks the update done; the record is kept `keep_secs` (longer than Telegram retries).
    /// With a token that no longer holds the claim (the lease ran out and another invocation
    /// took it) it changes nothing and returns an error.
    fn complete(
        &self,
        update_id: i64,
        token: &str,
        now: Epoch,
        keep_secs: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Gives the claim up so a redelivery can be handled at once.
    fn release(
        &self,
        update_id: i64,
        token: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What the bot knows about a user who has talked to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    pub user_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub lang: Lang,
}

/// A stored user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub profile: UserProfile,
    pub first_seen: Epoch,
    pub last_seen: Epoch,
    /// Since when Telegram has said the user cannot be written to (they blocked the bot or
    /// deleted their account); cleared when they talk to the bot again.
    pub unreachable_since: Option<Epoch>,
}

impl UserRecord {
    /// True when this visit created the record.
    pub fn is_new(&self) -> bool {
        self.first_seen == self.last_seen
    }
}

/// The user registry.
pub trait UserStore: Send + Sync {
    /// Creates or updates the user in one write, keeping `first_seen`; returns the stored record.
    fn record_visit(
        &self,
        profile: &UserProfile,
        now: Epoch,
    ) -> impl Future<Output = Result<UserRecord, StoreError>> + Send;
    fn user(
        &self,
        user_id: i64,
    ) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send;

    /// Records that Telegram refused to write to the user (one write; a user with no record
    /// gets none). The next visit clears it.
    fn mark_unreachable(
        &self,
        user_id: i64,
        now: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The store of a route that keeps no state.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoStore;

/// An update the bot acknowledged without handling it, because its route met a permanent error
/// (Telegram refused a call for good: the user blocked the bot, the chat is gone, a right is
/// missing). Kept for the operators to read and to replay. Holds no message text except inside
/// `update`, which is never logged (docs/state.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    pub update_id: i64,
    /// The route that failed.
    pub route: String,
    /// What failed: the Bot API method (`sendMessage`).
    pub step: String,
    /// The kind of permanent error (`refused`, `migrated`, `bad_answer`).
    pub class: String,
    /// Why, as Telegram described it (`403 Forbidden: bot was blocked by the user`).
    pub reason: String,
    /// When it was recorded (epoch seconds).
    pub at: Epoch,
    /// Telegram's update, verbatim, for `lambdagram replay --dead-letters`.
    pub update: String,
}

/// The webhook's side of dead letters: record one.
pub trait DeadLetters: Send + Sync {
    /// Stores `letter`, kept `keep_secs`. Recording the same update again replaces its letter.
    fn record(
        &self,
        letter: &DeadLetter,
        keep_secs: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What a replay did to a dead letter's update in the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reopened {
    /// The update may be delivered again: the webhook will handle it, not drop it as a duplicate.
    Ready,
    /// An invocation holds the update right now; replaying it would be answered 503.
    InFlight,
    /// The letter is no longer there (expired, or settled by another replay): nothing to do.
    Gone,
}

/// The operators' side of dead letters (the CLI): list them, and replay them.
pub trait DeadLetterArchive: Send + Sync {
    /// The letters recorded at `since` or later and not expired at `now`, oldest first.
    fn list(
        &self,
        since: Epoch,
        now: Epoch,
    ) -> impl Future<Output = Result<Vec<DeadLetter>, StoreError>> + Send;
    /// Before a replay: marks the letter with `token`, then forgets the update's done record
    /// in the ledger, so the webhook handles the replay instead of dropping it as a duplicate.
    fn reopen(
        &self,
        letter: &DeadLetter,
        token: &str,
        now: Epoch,
    ) -> impl Future<Output = Result<Reopened, StoreError>> + Send;
    /// After a replay (reopened at `reopened_at`) the webhook acknowledged: tells whether it was
    /// handled or given up again (a fresh letter for the update, without `token`, was recorded
    /// on a day from `reopened_at`'s to `now`'s), and deletes the old letter if it still
    /// carries `token`. A fresh letter is kept, whether it replaced the old one (same day) or
    /// not.
    fn settle(
        &self,
        letter: &DeadLetter,
        token: &str,
        reopened_at: Epoch,
        now: Epoch,
    ) -> impl Future<Output = Result<Settled, StoreError>> + Send;
}

/// What a replay of a dead letter came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// The update was handled; its letter is deleted.
    Handled,
    /// The update met a permanent error again; a fresh letter is kept.
    GivenUpAgain,
}
