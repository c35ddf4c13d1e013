//! Bot-wide sets of Telegram ids: the bot's admins, its deny-list and its allow-list. Each set is one item in
//! the store, read whole (they are small: a bot has a handful of admins and a short deny-list)
//! and changed one id at a time by an atomic set operation, so two admins changing a set at once
//! never lose each other's change.

use std::collections::BTreeSet;
use std::future::Future;

use crate::ports::StoreError;
use crate::time::Epoch;
use crate::ttl_map::TtlMap;

/// Which bot-wide set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BotSet {
    /// Who may run the bot's admin-only routes (`admins`).
    Admins,
    /// Users and chats the bot ignores (`denylist`).
    Denied,
    /// When not empty, the only users and chats the bot serves, besides its admins
    /// (`allowlist`).
    Allowed,
}

impl BotSet {
    /// The set's partition key (its grants are limited to it).
    pub fn key(self) -> &'static str {
        match self {
            BotSet::Admins => "BOTSET#ADMINS",
            BotSet::Denied => "BOTSET#DENIED",
            BotSet::Allowed => "BOTSET#ALLOWED",
        }
    }
}

/// What removing an id from a set found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// The id was not in the set (nothing written).
    NotMember,
    /// The id is the set's last member, which must stay (nothing written).
    LastMember,
}

/// Where the sets live.
pub trait BotSets: Send + Sync {
    /// The set's members; `None` when the set was never written (the admins are then
    /// bootstrapped from the deploy parameter). `consistent` asks for a strongly consistent
    /// read (a permission check right after a change).
    fn members(
        &self,
        set: BotSet,
        consistent: bool,
    ) -> impl Future<Output = Result<Option<BTreeSet<i64>>, StoreError>> + Send;

    /// Adds `id`. When the set was never written, it is created with `id` and `seed` (the
    /// bootstrapped members, so they are kept); a concurrent creation is a
    /// [`StoreError::Conflict`] (Telegram redelivers, and the retry finds the set).
    fn add_member(
        &self,
        set: BotSet,
        id: i64,
        seed: &[i64],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes `id`, unless it is not a member or (with `keep_one`) the last member.
    fn remove_member(
        &self,
        set: BotSet,
        id: i64,
        keep_one: bool,
    ) -> impl Future<Output = Result<Removal, StoreError>> + Send;
}

/// A set kept in the sandbox's memory for `ttl` seconds, so a warm function answers from
/// memory: one read per sandbox per `ttl`, not one per update. A change made in another
/// sandbox is seen here when the copy expires (at most `ttl` later); this sandbox's own changes
/// drop its copy at once ([`SandboxCache::forget`]).
pub struct SandboxCache {
    ttl: Epoch,
    copy: TtlMap<(), Option<BTreeSet<i64>>>,
}

impl SandboxCache {
    pub const fn new(ttl: Epoch) -> Self {
        Self {
            ttl,
            copy: TtlMap::new(1),
        }
    }

    /// The copy read before `now - ttl` or later, or a fresh read of `set` (kept as the copy).
    /// The clock is the caller's (`RouteContext::now`), so tests drive expiry; a clock that
    /// went back counts as expired.
    pub async fn get<S: BotSets>(
        &self,
        store: &S,
        set: BotSet,
        now: Epoch,
    ) -> Result<Option<BTreeSet<i64>>, StoreError> {
        if let Some(members) = self.copy.get(&(), now) {
            return Ok(members);
        }
        let members = store.members(set, false).await?;
        self.copy.insert((), members.clone(), now, now + self.ttl);
        Ok(members)
    }

    /// Drops the copy: the next [`SandboxCache::get`] reads.
    pub fn forget(&self) {
        self.copy.remove(&());
    }
}

/// How long a sandbox trusts its copy of a set: a change reaches every warm function within
/// this, and a busy function reads each set once per this.
pub const CACHE_TTL_SECS: Epoch = 30;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;

    #[tokio::test]
    async fn a_cached_set_is_read_once_per_ttl() {
        let store = MemoryStore::new();
        store.add_member(BotSet::Denied, 7, &[]).await.unwrap();
        let cache = SandboxCache::new(30);
        let at = 1_790_000_000;
        let read = |now| cache.get(&store, BotSet::Denied, now);
        assert_eq!(read(at).await.unwrap(), Some(BTreeSet::from([7])));
        store.add_member(BotSet::Denied, 8, &[]).await.unwrap();
        assert_eq!(
            read(at + 29).await.unwrap(),
            Some(BTreeSet::from([7])),
            "the copy, within its ttl"
        );
        assert_eq!(store.set_reads(), 1);
        assert_eq!(read(at + 30).await.unwrap(), Some(BTreeSet::from([7, 8])));
        assert_eq!(store.set_reads(), 2);
        assert_eq!(read(at - 1).await.unwrap(), Some(BTreeSet::from([7, 8])));
        assert_eq!(store.set_reads(), 3, "a clock gone back reads again");
        cache.forget();
        read(at - 1).await.unwrap();
        assert_eq!(store.set_reads(), 4);
    }

    #[tokio::test]
    async fn sets_are_created_with_their_seed_and_keep_their_last_member_when_asked() {
        let store = MemoryStore::new();
        assert_eq!(store.members(BotSet::Admins, true).await.unwrap(), None);
        store.add_member(BotSet::Admins, 2, &[1]).await.unwrap();
        store.add_member(BotSet::Admins, 3, &[1]).await.unwrap();
        let members = store.members(BotSet::Admins, true).await.unwrap();
        assert_eq!(members, Some(BTreeSet::from([1, 2, 3])));
        let remove = |id| store.remove_member(BotSet::Admins, id, true);
        assert_eq!(remove(9).await.unwrap(), Removal::NotMember);
        assert_eq!(remove(1).await.unwrap(), Removal::Removed);
        assert_eq!(remove(2).await.unwrap(), Removal::Removed);
        assert_eq!(remove(3).await.unwrap(), Removal::LastMember);
        let denied = |id| store.remove_member(BotSet::Denied, id, false);
        store.add_member(BotSet::Denied, 5, &[]).await.unwrap();
        assert_eq!(denied(5).await.unwrap(), Removal::Removed);
        assert_eq!(
            store.members(BotSet::Denied, false).await.unwrap(),
            Some(BTreeSet::new())
        );
    }
}
