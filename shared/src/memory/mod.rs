//! In-memory adapters of the store ports, for unit tests and the zero-setup local run.
//! They keep the DynamoDB adapter's semantics, including expiry: an expired item reads as absent.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::flood::{self, FloodControl, FloodFuture, Limit, Slot};
use crate::journal::{EffectJournal, StepState, KEEP_STEPS_SECS};
use crate::ports::{
    Claim, DeadLetter, DeadLetterArchive, DeadLetters, Reopened, Settled, StoreError, UpdateLedger,
    UserProfile, UserRecord, UserStore,
};
use crate::time::Epoch;

mod limits;
mod state;
mod user_data;

#[derive(Clone, Debug)]
enum LedgerEntry {
    Claimed { token: String, lease_until: Epoch },
    Done { expires_at: Epoch },
}

/// A dead letter as stored: keyed like the DynamoDB item, by (day, update id).
#[derive(Clone, Debug)]
struct StoredLetter {
    letter: DeadLetter,
    expires_at: Epoch,
    /// The token of the replay under way, if any.
    replay: Option<String>,
}

#[derive(Default)]
struct State {
    ledger: HashMap<i64, LedgerEntry>,
    users: HashMap<i64, UserRecord>,
    dead_letters: BTreeMap<(String, i64), StoredLetter>,
    /// Flood control: (scope, window start) → messages counted.
    flood: HashMap<(String, Epoch), u32>,
    /// The effect journal: (update, step) → (done, expires_at).
    steps: HashMap<(i64, String), (bool, Epoch)>,
    /// Session values (`state`): key → stored value, kept after they expire or are discarded
    /// (as DynamoDB keeps them until its TTL runs), so versions only grow.
    sessions: HashMap<String, crate::state::Stored>,
    /// The interaction log's items, by (pk, sk), as their DynamoDB adapter writes them.
    log: BTreeMap<(String, String), serde_json::Value>,
    /// Tables of the bots' own stores, one per type (see [`MemoryStore::lock_tables`]).
    extensions: HashMap<TypeId, Box<dyn Any + Send>>,
}

/// A store that lives in the process.
#[derive(Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a test panicked mid-update; the data is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This store's tables of type `T` (created empty on first use), locked until the guard is
    /// dropped: how a bot's in-memory adapter keeps its own state in the one store every port
    /// of a route shares, without the framework knowing its shape.
    pub fn lock_tables<T: Default + Send + 'static>(&self) -> TablesGuard<'_, T> {
        let mut state = self.lock();
        let slot = state
            .extensions
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        if !slot.is::<T>() {
            *slot = Box::new(T::default());
        }
        TablesGuard {
            state,
            tables: PhantomData,
        }
    }

    /// Number of ledger records, for tests.
    pub fn ledger_len(&self) -> usize {
        self.lock().ledger.len()
    }
}

/// A bot's tables inside a [`MemoryStore`], locked (see [`MemoryStore::lock_tables`]).
pub struct TablesGuard<'a, T> {
    state: MutexGuard<'a, State>,
    tables: PhantomData<T>,
}

impl<T: 'static> Deref for TablesGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        match self
            .state
            .extensions
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref::<T>())
        {
            Some(t) => t,
            None => unreachable!("lock_tables inserted a T under T's type id"),
        }
    }
}

impl<T: 'static> DerefMut for TablesGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match self
            .state
            .extensions
            .get_mut(&TypeId::of::<T>())
            .and_then(|b| b.downcast_mut::<T>())
        {
            Some(t) => t,
            None => unreachable!("lock_tables inserted a T under T's type id"),
        }
    }
}

impl FloodControl for MemoryStore {
    fn take_slot<'a>(&'a self, scope: &'a str, limit: Limit, now: Epoch) -> FloodFuture<'a, Slot> {
        Box::pin(async move {
            let mut s = self.lock();
            let count = s
                .flood
                .entry((scope.to_owned(), flood::window_start(limit, now)))
                .or_insert(0);
            if *count >= limit.max {
                return Ok(Slot::Full {
                    retry_after: flood::until_window_ends(limit, now),
                });
            }
            *count += 1;
            Ok(Slot::Taken)
        })
    }

    fn fill_until<'a>(
        &'a self,
        scope: &'a str,
        limit: Limit,
        now: Epoch,
        until: Epoch,
    ) -> FloodFuture<'a, ()> {
        Box::pin(async move {
            let mut s = self.lock();
            for window in flood::windows(limit, now, until) {
                s.flood.insert((scope.to_owned(), window), limit.max);
            }
            Ok(())
        })
    }
}

impl EffectJournal for MemoryStore {
    async fn begin_step(
        &self,
        update_id: i64,
        step: &str,
        now: Epoch,
    ) -> Result<StepState, StoreError> {
        let mut s = self.lock();
        let key = (update_id, step.to_owned());
        match s.steps.get(&key) {
            Some((done, expires_at)) if *expires_at > now => {
                return Ok(if *done {
                    StepState::Done
                } else {
                    StepState::Pending
                })
            }
            _ => {}
        }
        s.steps.insert(key, (false, now + KEEP_STEPS_SECS));
        Ok(StepState::New)
    }

    async fn finish_step(&self, update_id: i64, step: &str, now: Epoch) -> Result<(), StoreError> {
        self.lock()
            .steps
            .insert((update_id, step.to_owned()), (true, now + KEEP_STEPS_SECS));
        Ok(())
    }

    async fn abandon_step(&self, update_id: i64, step: &str) -> Result<(), StoreError> {
        let mut s = self.lock();
        let key = (update_id, step.to_owned());
        // A done step stays done.
        if matches!(s.steps.get(&key), Some((false, _))) {
            s.steps.remove(&key);
        }
        Ok(())
    }
}

impl UpdateLedger for MemoryStore {
    async fn claim(
        &self,
        update_id: i64,
        now: Epoch,
        lease_secs: i64,
    ) -> Result<Claim, StoreError> {
        let mut s = self.lock();
        match s.ledger.get(&update_id) {
            Some(LedgerEntry::Done { expires_at }) if *expires_at > now => {
                return Ok(Claim::AlreadyDone)
            }
            Some(LedgerEntry::Claimed { lease_until, .. }) if *lease_until > now => {
                return Ok(Claim::InFlight)
            }
            _ => {}
        }
        let token = new_token();
        s.ledger.insert(
            update_id,
            LedgerEntry::Claimed {
                token: token.clone(),
                lease_until: now + lease_secs,
            },
        );
        Ok(Claim::Acquired { token })
    }

    async fn complete(
        &self,
        update_id: i64,
        token: &str,
        now: Epoch,
        keep_secs: i64,
    ) -> Result<(), StoreError> {
        let mut s = self.lock();
        match s.ledger.get(&update_id) {
            Some(LedgerEntry::Claimed { token: t, .. }) if t == token => {
                s.ledger.insert(
                    update_id,
                    LedgerEntry::Done {
                        expires_at: now + keep_secs,
                    },
                );
                Ok(())
            }
            _ => Err(StoreError::Failed(format!(
                "claim on update {update_id} was lost"
            ))),
        }
    }

    async fn release(&self, update_id: i64, token: &str) -> Result<(), StoreError> {
        let mut s = self.lock();
        if matches!(s.ledger.get(&update_id), Some(LedgerEntry::Claimed { token: t, .. }) if t == token)
        {
            s.ledger.remove(&update_id);
        }
        Ok(())
    }
}

fn letter_key(letter: &DeadLetter) -> (String, i64) {
    (crate::time::utc_day(letter.at), letter.update_id)
}

impl DeadLetters for MemoryStore {
    async fn record(&self, letter: &DeadLetter, keep_secs: i64) -> Result<(), StoreError> {
        self.lock().dead_letters.insert(
            letter_key(letter),
            StoredLetter {
                letter: letter.clone(),
                expires_at: letter.at + keep_secs,
                replay: None,
            },
        );
        Ok(())
    }
}

impl DeadLetterArchive for MemoryStore {
    async fn list(&self, since: Epoch, now: Epoch) -> Result<Vec<DeadLetter>, StoreError> {
        let mut letters: Vec<DeadLetter> = self
            .lock()
            .dead_letters
            .values()
            .filter(|s| s.letter.at >= since && s.expires_at > now)
            .map(|s| s.letter.clone())
            .collect();
        letters.sort_by_key(|l| (l.at, l.update_id));
        Ok(letters)
    }

    async fn reopen(
        &self,
        letter: &DeadLetter,
        token: &str,
        now: Epoch,
    ) -> Result<Reopened, StoreError> {
        let mut s = self.lock();
        match s.dead_letters.get_mut(&letter_key(letter)) {
            Some(stored) => stored.replay = Some(token.to_owned()),
            None => return Ok(Reopened::Gone),
        }
        match s.ledger.get(&letter.update_id) {
            Some(LedgerEntry::Claimed { lease_until, .. }) if *lease_until > now => {
                Ok(Reopened::InFlight)
            }
            _ => {
                s.ledger.remove(&letter.update_id);
                Ok(Reopened::Ready)
            }
        }
    }

    async fn settle(
        &self,
        letter: &DeadLetter,
        token: &str,
        reopened_at: Epoch,
        now: Epoch,
    ) -> Result<Settled, StoreError> {
        let mut s = self.lock();
        let again = crate::time::utc_days(reopened_at, now)
            .into_iter()
            .any(|day| {
                s.dead_letters
                    .get(&(day, letter.update_id))
                    .is_some_and(|stored| stored.replay.as_deref() != Some(token))
            });
        let key = letter_key(letter);
        if s.dead_letters
            .get(&key)
            .is_some_and(|stored| stored.replay.as_deref() == Some(token))
        {
            s.dead_letters.remove(&key);
        }
        Ok(if again {
            Settled::GivenUpAgain
        } else {
            Settled::Handled
        })
    }
}

impl UserStore for MemoryStore {
    async fn record_visit(
        &self,
        profile: &UserProfile,
        now: Epoch,
    ) -> Result<UserRecord, StoreError> {
        let mut s = self.lock();
        let first_seen = s.users.get(&profile.user_id).map_or(now, |u| u.first_seen);
        let record = UserRecord {
            profile: profile.clone(),
            first_seen,
            last_seen: now,
            unreachable_since: None,
        };
        s.users.insert(profile.user_id, record.clone());
        Ok(record)
    }

    async fn user(&self, user_id: i64) -> Result<Option<UserRecord>, StoreError> {
        Ok(self.lock().users.get(&user_id).cloned())
    }

    async fn mark_unreachable(&self, user_id: i64, now: Epoch) -> Result<(), StoreError> {
        if let Some(user) = self.lock().users.get_mut(&user_id) {
            user.unreachable_since.get_or_insert(now);
        }
        Ok(())
    }
}

/// A random claim token: 128 bits, hex.
pub(crate) fn new_token() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ledger_claim_complete_release() {
        let s = MemoryStore::new();
        let Claim::Acquired { token } = s.claim(1, 100, 60).await.expect("claim") else {
            panic!("first claim must be acquired")
        };
        assert_eq!(s.claim(1, 110, 60).await.expect("claim"), Claim::InFlight);
        s.release(1, &token).await.expect("release");
        let Claim::Acquired { token } = s.claim(1, 111, 60).await.expect("claim") else {
            panic!("released claim must be acquirable")
        };
        s.complete(1, &token, 112, 1000).await.expect("complete");
        assert_eq!(
            s.claim(1, 113, 60).await.expect("claim"),
            Claim::AlreadyDone
        );
        // After the done record expires the update is new again.
        assert!(matches!(
            s.claim(1, 1113, 60).await,
            Ok(Claim::Acquired { .. })
        ));
    }

    #[tokio::test]
    async fn expired_lease_can_be_taken_over_and_old_token_cannot_complete() {
        let s = MemoryStore::new();
        let Ok(Claim::Acquired { token: old }) = s.claim(7, 100, 60).await else {
            panic!("claim")
        };
        let Ok(Claim::Acquired { token: new }) = s.claim(7, 161, 60).await else {
            panic!("expired lease must be taken over")
        };
        assert!(s.complete(7, &old, 162, 1000).await.is_err());
        s.complete(7, &new, 162, 1000).await.expect("complete");
    }
}
