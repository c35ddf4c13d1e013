//! A bounded map kept in a sandbox's memory, whose entries expire: what a warm function may
//! answer from without a read. The clock is the caller's (`RouteContext::now`), so tests drive
//! expiry; an entry is trusted only between the time it was stored and its expiry (a clock that
//! went back does not make an old copy fresh).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::time::Epoch;

/// At most `capacity` entries. When full, expired entries go first, then the one that would
/// expire soonest: a busy sandbox keeps what it uses, and memory stays bounded.
pub struct TtlMap<K, V> {
    capacity: usize,
    entries: Mutex<BTreeMap<K, Entry<V>>>,
}

struct Entry<V> {
    stored_at: Epoch,
    expires_at: Epoch,
    value: V,
}

impl<K: Ord + Clone, V: Clone> TtlMap<K, V> {
    pub const fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    /// The value stored for `key`, if it is still fresh at `now`.
    pub fn get(&self, key: &K, now: Epoch) -> Option<V> {
        let entries = self.lock();
        let entry = entries.get(key)?;
        (entry.stored_at..entry.expires_at)
            .contains(&now)
            .then(|| entry.value.clone())
    }

    /// Stores `value` for `key` from `now` until `expires_at` (exclusive).
    pub fn insert(&self, key: K, value: V, now: Epoch, expires_at: Epoch) {
        if self.capacity == 0 || expires_at <= now {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, e| (e.stored_at..e.expires_at).contains(&now));
            if entries.len() >= self.capacity {
                let soonest = entries
                    .iter()
                    .min_by_key(|(_, e)| e.expires_at)
                    .map(|(k, _)| k.clone());
                if let Some(k) = soonest {
                    entries.remove(&k);
                }
            }
        }
        entries.insert(
            key,
            Entry {
                stored_at: now,
                expires_at,
                value,
            },
        );
    }

    /// Drops `key`'s entry: the next [`TtlMap::get`] misses.
    pub fn remove(&self, key: &K) {
        self.lock().remove(key);
    }

    /// How many entries are held (fresh or not).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<K, Entry<V>>> {
        // A poisoned lock only means a panic mid-update elsewhere; a copy is still a copy.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Epoch = 1_790_000_000;

    #[test]
    fn an_entry_is_fresh_from_its_store_until_its_expiry() {
        let map = TtlMap::new(8);
        map.insert(1, "a", AT, AT + 10);
        assert_eq!(map.get(&1, AT), Some("a"));
        assert_eq!(map.get(&1, AT + 9), Some("a"));
        assert_eq!(map.get(&1, AT + 10), None, "expired");
        assert_eq!(map.get(&1, AT - 1), None, "a clock that went back");
        assert_eq!(map.get(&2, AT), None);
        map.remove(&1);
        assert_eq!(map.get(&1, AT), None);
    }

    #[test]
    fn a_full_map_drops_expired_entries_then_the_soonest_to_expire() {
        let map = TtlMap::new(3);
        map.insert(1, 1, AT, AT + 5);
        map.insert(2, 2, AT, AT + 50);
        map.insert(3, 3, AT, AT + 20);
        map.insert(4, 4, AT + 6, AT + 60);
        assert_eq!(map.len(), 3, "1 had expired");
        assert_eq!(map.get(&1, AT + 6), None);
        map.insert(5, 5, AT + 7, AT + 70);
        assert_eq!(map.len(), 3);
        assert_eq!(
            map.get(&3, AT + 7),
            None,
            "3 expired soonest of the live ones"
        );
        assert_eq!(
            [2, 4, 5].map(|k| map.get(&k, AT + 7)),
            [Some(2), Some(4), Some(5)]
        );
        map.insert(5, 50, AT + 8, AT + 80);
        assert_eq!(map.len(), 3, "replacing a key drops nothing");
        assert_eq!(map.get(&5, AT + 8), Some(50));
    }

    #[test]
    fn nothing_is_kept_without_room_or_lifetime() {
        let none = TtlMap::new(0);
        none.insert(1, 1, AT, AT + 5);
        assert!(none.is_empty());
        let map = TtlMap::new(4);
        map.insert(1, 1, AT, AT);
        assert!(map.is_empty());
    }
}
