//! In-memory adapters of the bot-wide sets and the rate limit's counts (`botsets`,
//! `ratelimit`), with the DynamoDB adapter's semantics.

use std::collections::{BTreeSet, HashMap};

use super::MemoryStore;
use crate::botsets::{BotSet, BotSets, Removal};
use crate::flood::Limit;
use crate::ports::StoreError;
use crate::ratelimit::{window_of, Hit, RateCounter};
use crate::time::Epoch;

#[derive(Default)]
struct LimitTables {
    sets: HashMap<BotSet, BTreeSet<i64>>,
    /// Reads of a set, for the tests of the caches in front of them.
    set_reads: u32,
    /// (route, user, window start) → hits counted.
    rates: HashMap<(String, i64, Epoch), u32>,
}

impl MemoryStore {
    /// How many times a bot-wide set was read, for tests.
    pub fn set_reads(&self) -> u32 {
        self.lock_tables::<LimitTables>().set_reads
    }
}

impl BotSets for MemoryStore {
    async fn members(
        &self,
        set: BotSet,
        _consistent: bool,
    ) -> Result<Option<BTreeSet<i64>>, StoreError> {
        let mut t = self.lock_tables::<LimitTables>();
        t.set_reads += 1;
        Ok(t.sets.get(&set).cloned())
    }

    async fn add_member(&self, set: BotSet, id: i64, seed: &[i64]) -> Result<(), StoreError> {
        let mut t = self.lock_tables::<LimitTables>();
        t.sets
            .entry(set)
            .or_insert_with(|| seed.iter().copied().collect())
            .insert(id);
        Ok(())
    }

    async fn remove_member(
        &self,
        set: BotSet,
        id: i64,
        keep_one: bool,
    ) -> Result<Removal, StoreError> {
        let mut t = self.lock_tables::<LimitTables>();
        let Some(members) = t.sets.get_mut(&set).filter(|m| m.contains(&id)) else {
            return Ok(Removal::NotMember);
        };
        if keep_one && members.len() <= 1 {
            return Ok(Removal::LastMember);
        }
        members.remove(&id);
        Ok(Removal::Removed)
    }
}

impl RateCounter for MemoryStore {
    async fn hit(
        &self,
        route: &str,
        user_id: i64,
        limit: Limit,
        now: Epoch,
    ) -> Result<Hit, StoreError> {
        let mut t = self.lock_tables::<LimitTables>();
        let count = t
            .rates
            .entry((route.to_owned(), user_id, window_of(limit, now)))
            .or_insert(0);
        if *count > limit.max {
            return Ok(Hit::Saturated);
        }
        *count += 1;
        Ok(Hit::Counted(*count))
    }
}
