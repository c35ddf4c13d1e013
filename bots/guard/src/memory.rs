//! The in-memory adapter of the guard's store port, with the DynamoDB adapter's semantics
//! (expired entries read as absent).

use std::collections::{BTreeMap, HashMap};

use crate::config::GroupConfig;
use crate::store::{
    DeferredWarning, DeferredWarningStore, GroupDirectory, GroupState, GroupStore, MemberState,
    MemberStore, Restriction, RestrictionStore, SweepStore, Warning, WarningStore,
};
use lambdagram::memory::{MemoryStore, TablesGuard};
use lambdagram::ports::StoreError;
use lambdagram::time::Epoch;

#[derive(Default)]
pub struct GuardTables {
    groups: HashMap<i64, GroupConfig>,
    /// channel → groups.
    index: BTreeMap<i64, Vec<i64>>,
    admins: HashMap<i64, (Vec<i64>, Epoch)>,
    /// (channel, user) → (subscribed, expires_at).
    subscriptions: HashMap<(i64, i64), (bool, Epoch)>,
    restrictions: HashMap<(i64, i64), Restriction>,
    warnings: HashMap<(i64, i64), Warning>,
    /// Claims held for a deferred warning (group, user).
    deferred_claims: std::collections::HashSet<(i64, i64)>,
    /// (post_at, group, user) → the deferred warning.
    deferred: BTreeMap<(Epoch, i64, i64), DeferredWarning>,
    swept_until: Option<Epoch>,
}

fn live_warning(w: Option<&Warning>, now: Epoch) -> Option<Warning> {
    w.filter(|w| w.delete_at > now).cloned()
}

impl GroupDirectory for MemoryStore {
    async fn all_groups(&self) -> Result<Vec<GroupConfig>, StoreError> {
        let mut groups: Vec<GroupConfig> = self.tables().groups.values().cloned().collect();
        groups.sort_by_key(|g| g.group_id);
        Ok(groups)
    }
}

/// The guard's tables in a [`MemoryStore`].
trait GuardMemory {
    fn tables(&self) -> TablesGuard<'_, GuardTables>;
}

impl GuardMemory for MemoryStore {
    fn tables(&self) -> TablesGuard<'_, GuardTables> {
        self.lock_tables::<GuardTables>()
    }
}

impl GroupStore for MemoryStore {
    async fn group_state(&self, group_id: i64, now: Epoch) -> Result<GroupState, StoreError> {
        let g = self.tables();
        Ok(GroupState {
            config: g.groups.get(&group_id).cloned(),
            admins: g
                .admins
                .get(&group_id)
                .filter(|(_, exp)| *exp > now)
                .map(|(a, _)| a.clone()),
        })
    }

    async fn save_group(
        &self,
        config: &mut GroupConfig,
        unlinked: &[i64],
    ) -> Result<(), StoreError> {
        let mut g = self.tables();
        let stored = g.groups.get(&config.group_id).map_or(0, |c| c.version);
        if stored != config.version {
            return Err(StoreError::Conflict(format!(
                "group {}'s configuration",
                config.group_id
            )));
        }
        config.version += 1;
        for c in unlinked {
            if let Some(groups) = g.index.get_mut(c) {
                groups.retain(|id| *id != config.group_id);
            }
        }
        for c in &config.channels {
            let groups = g.index.entry(c.id).or_default();
            if !groups.contains(&config.group_id) {
                groups.push(config.group_id);
                groups.sort_unstable();
            }
        }
        g.groups.insert(config.group_id, config.clone());
        Ok(())
    }

    async fn groups_linked_to(&self, channel_id: i64) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .tables()
            .index
            .get(&channel_id)
            .cloned()
            .unwrap_or_default())
    }

    async fn cache_admins(
        &self,
        group_id: i64,
        admins: &[i64],
        expires_at: Epoch,
    ) -> Result<(), StoreError> {
        self.tables()
            .admins
            .insert(group_id, (admins.to_vec(), expires_at));
        Ok(())
    }
}

impl MemberStore for MemoryStore {
    async fn member_state(
        &self,
        group_id: i64,
        user_id: i64,
        channels: &[i64],
        now: Epoch,
    ) -> Result<MemberState, StoreError> {
        let g = self.tables();
        Ok(MemberState {
            subscriptions: channels
                .iter()
                .map(|c| {
                    let cached = g
                        .subscriptions
                        .get(&(*c, user_id))
                        .filter(|(_, exp)| *exp > now)
                        .map(|(s, _)| *s);
                    (*c, cached)
                })
                .collect(),
            warning: live_warning(g.warnings.get(&(group_id, user_id)), now),
            restricted_by_bot: g
                .restrictions
                .get(&(group_id, user_id))
                .is_some_and(|r| r.in_force(now)),
            restriction_pending: g
                .restrictions
                .get(&(group_id, user_id))
                .is_some_and(|r| r.in_force(now) && r.pending),
        })
    }

    async fn gate_state(
        &self,
        group_id: i64,
        user_id: i64,
        now: Epoch,
    ) -> Result<(GroupState, MemberState), StoreError> {
        let group = self.group_state(group_id, now).await?;
        let channels = group.channel_ids();
        let member = self.member_state(group_id, user_id, &channels, now).await?;
        Ok((group, member))
    }

    async fn cache_subscription(
        &self,
        channel_id: i64,
        user_id: i64,
        subscribed: bool,
        expires_at: Epoch,
    ) -> Result<(), StoreError> {
        self.tables()
            .subscriptions
            .insert((channel_id, user_id), (subscribed, expires_at));
        Ok(())
    }

    async fn forget_subscription(&self, channel_id: i64, user_id: i64) -> Result<(), StoreError> {
        self.tables().subscriptions.remove(&(channel_id, user_id));
        Ok(())
    }
}

impl RestrictionStore for MemoryStore {
    async fn record_restriction(
        &self,
        group_id: i64,
        restriction: &Restriction,
    ) -> Result<(), StoreError> {
        self.tables()
            .restrictions
            .insert((group_id, restriction.user_id), restriction.clone());
        Ok(())
    }

    async fn restrictions(&self, group_id: i64) -> Result<Vec<Restriction>, StoreError> {
        let mut out: Vec<Restriction> = self
            .tables()
            .restrictions
            .iter()
            .filter(|((g, _), _)| *g == group_id)
            .map(|(_, r)| r.clone())
            .collect();
        out.sort_by_key(|r| r.user_id);
        Ok(out)
    }

    async fn remove_restriction(&self, group_id: i64, user_id: i64) -> Result<bool, StoreError> {
        Ok(self
            .tables()
            .restrictions
            .remove(&(group_id, user_id))
            .is_some())
    }
}

impl WarningStore for MemoryStore {
    async fn claim_warning(
        &self,
        group_id: i64,
        user_id: i64,
        now: Epoch,
        delete_at: Epoch,
    ) -> Result<bool, StoreError> {
        let mut g = self.tables();
        let warnings = &mut g.warnings;
        if live_warning(warnings.get(&(group_id, user_id)), now).is_some() {
            return Ok(false);
        }
        g.deferred_claims.remove(&(group_id, user_id));
        let warnings = &mut g.warnings;
        warnings.insert(
            (group_id, user_id),
            Warning {
                user_id,
                message_id: None,
                delete_at,
            },
        );
        Ok(true)
    }

    async fn set_warning_message(
        &self,
        group_id: i64,
        user_id: i64,
        message_id: i32,
        delete_at: Epoch,
    ) -> Result<(), StoreError> {
        let mut g = self.tables();
        g.deferred_claims.remove(&(group_id, user_id));
        g.warnings.insert(
            (group_id, user_id),
            Warning {
                user_id,
                message_id: Some(message_id),
                delete_at,
            },
        );
        Ok(())
    }

    async fn hold_warning_claim(
        &self,
        group_id: i64,
        user_id: i64,
        until: Epoch,
    ) -> Result<(), StoreError> {
        let mut g = self.tables();
        let key = (group_id, user_id);
        if let Some(claim) = g.warnings.get_mut(&key) {
            if claim.message_id.is_none() {
                claim.delete_at = until;
                g.deferred_claims.remove(&key);
            }
        }
        Ok(())
    }

    async fn set_claim_deferred(
        &self,
        group_id: i64,
        user_id: i64,
        deferred: bool,
        hold_until: Epoch,
    ) -> Result<bool, StoreError> {
        let mut g = self.tables();
        let key = (group_id, user_id);
        let is_deferred = g.deferred_claims.contains(&key);
        match g.warnings.get_mut(&key) {
            Some(claim) if claim.message_id.is_none() && (deferred || is_deferred) => {
                claim.delete_at = hold_until;
            }
            _ => return Ok(false),
        }
        if deferred {
            g.deferred_claims.insert(key);
        } else {
            g.deferred_claims.remove(&key);
        }
        Ok(true)
    }

    async fn defer_warning(
        &self,
        warning: &DeferredWarning,
        hold_until: Epoch,
    ) -> Result<bool, StoreError> {
        let mut g = self.tables();
        let key = (warning.group_id, warning.user_id);
        match g.warnings.get_mut(&key) {
            Some(claim) if claim.message_id.is_none() => claim.delete_at = hold_until,
            _ => return Ok(false),
        }
        g.deferred_claims.insert(key);
        g.deferred.insert(
            (warning.post_at, warning.group_id, warning.user_id),
            warning.clone(),
        );
        Ok(true)
    }

    async fn remove_warning(
        &self,
        group_id: i64,
        user_id: i64,
        now: Epoch,
    ) -> Result<Option<Warning>, StoreError> {
        let mut g = self.tables();
        g.deferred_claims.remove(&(group_id, user_id));
        let removed = g.warnings.remove(&(group_id, user_id));
        Ok(live_warning(removed.as_ref(), now))
    }
}

impl DeferredWarningStore for MemoryStore {
    async fn deferred_warnings(
        &self,
        until: Epoch,
        max: usize,
    ) -> Result<Vec<DeferredWarning>, StoreError> {
        Ok(self
            .tables()
            .deferred
            .range(..=(until, i64::MAX, i64::MAX))
            .take(max)
            .map(|(_, w)| w.clone())
            .collect())
    }

    async fn forget_deferred(&self, warning: &DeferredWarning) -> Result<(), StoreError> {
        self.tables()
            .deferred
            .remove(&(warning.post_at, warning.group_id, warning.user_id));
        Ok(())
    }
}

impl SweepStore for MemoryStore {
    async fn sweep_watermark(&self) -> Result<Option<Epoch>, StoreError> {
        Ok(self.tables().swept_until)
    }

    async fn set_sweep_watermark(&self, swept_until: Epoch) -> Result<(), StoreError> {
        self.tables().swept_until = Some(swept_until);
        Ok(())
    }

    async fn due_warnings(
        &self,
        after: Epoch,
        until: Epoch,
    ) -> Result<Vec<(i64, Warning)>, StoreError> {
        let mut out: Vec<(i64, Warning)> = self
            .tables()
            .warnings
            .iter()
            .filter(|(_, w)| w.message_id.is_some() && w.delete_at > after && w.delete_at <= until)
            .map(|((g, _), w)| (*g, w.clone()))
            .collect();
        out.sort_by_key(|(g, w)| (w.delete_at, *g, w.user_id));
        Ok(out)
    }

    async fn remove_swept_warning(
        &self,
        group_id: i64,
        warning: &Warning,
    ) -> Result<(), StoreError> {
        // No separate queue here: the record is the queue entry.
        let mut g = self.tables();
        let warnings = &mut g.warnings;
        let key = (group_id, warning.user_id);
        if warnings.get(&key).map(|w| w.message_id) == Some(warning.message_id) {
            warnings.remove(&key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LinkedChannel;

    fn channel(id: i64) -> LinkedChannel {
        LinkedChannel {
            id,
            title: "c".into(),
            username: None,
            invite_link: None,
        }
    }

    #[tokio::test]
    async fn the_index_follows_linked_channels() {
        let store = MemoryStore::new();
        let mut a = GroupConfig::new(-1);
        a.link([channel(-10), channel(-20)]);
        let mut b = GroupConfig::new(-2);
        b.link([channel(-10)]);
        store.save_group(&mut a, &[]).await.expect("save");
        store.save_group(&mut b, &[]).await.expect("save");
        assert_eq!(store.groups_linked_to(-10).await.expect("q"), vec![-2, -1]);
        let all: Vec<i64> = store
            .all_groups()
            .await
            .expect("all")
            .iter()
            .map(|g| g.group_id)
            .collect();
        assert_eq!(all, vec![-2, -1]);
        a.channels.retain(|c| c.id != -10);
        store.save_group(&mut a, &[-10]).await.expect("save");
        assert_eq!(store.groups_linked_to(-10).await.expect("q"), vec![-2]);
        assert_eq!(store.groups_linked_to(-20).await.expect("q"), vec![-1]);
    }

    #[tokio::test]
    async fn a_save_based_on_a_stale_read_is_refused() {
        let store = MemoryStore::new();
        let mut g = GroupConfig::new(-1);
        store.save_group(&mut g, &[]).await.expect("first save");
        assert_eq!(g.version, 1);
        let mut first = store
            .group_state(-1, 0)
            .await
            .expect("r")
            .config
            .expect("c");
        let mut second = first.clone();
        first.enabled = true;
        store.save_group(&mut first, &[]).await.expect("save");
        second.allow_list.push(7);
        let refused = store.save_group(&mut second, &[]).await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
        assert_eq!(second.version, 1, "a refused save leaves the version");
        let stored = store
            .group_state(-1, 0)
            .await
            .expect("r")
            .config
            .expect("c");
        assert!(stored.enabled && stored.allow_list.is_empty());
        assert_eq!(stored.version, 2);
    }

    #[tokio::test]
    async fn caches_expire_and_one_warning_at_a_time() {
        let store = MemoryStore::new();
        store
            .cache_subscription(-10, 7, true, 100)
            .await
            .expect("w");
        store.cache_admins(-1, &[1, 2], 100).await.expect("w");
        let m = store.member_state(-1, 7, &[-10, -20], 99).await.expect("r");
        assert_eq!(m.subscriptions, vec![(-10, Some(true)), (-20, None)]);
        let m = store.member_state(-1, 7, &[-10], 100).await.expect("r");
        assert_eq!(
            m.subscriptions,
            vec![(-10, None)],
            "expired reads as a miss"
        );
        assert_eq!(
            store.group_state(-1, 50).await.expect("r").admins,
            Some(vec![1, 2])
        );
        assert_eq!(store.group_state(-1, 100).await.expect("r").admins, None);

        assert!(store.claim_warning(-1, 7, 0, 300).await.expect("w"));
        assert!(!store.claim_warning(-1, 7, 10, 310).await.expect("w"));
        store.set_warning_message(-1, 7, 55, 300).await.expect("w");
        assert_eq!(
            store.due_warnings(0, 300).await.expect("r"),
            vec![(
                -1,
                Warning {
                    user_id: 7,
                    message_id: Some(55),
                    delete_at: 300
                }
            )]
        );
        assert!(
            store.claim_warning(-1, 7, 300, 600).await.expect("w"),
            "an expired warning is gone"
        );
    }
}
