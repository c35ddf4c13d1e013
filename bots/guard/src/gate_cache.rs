//! What a warm sandbox remembers between messages, so a busy group's known subscribers pass
//! without a read: each protected group's state (configuration and administrators) for
//! [`GROUP_TTL_SECS`], and each member who passed the gate, under the configuration revision
//! they passed, for [`PASS_TTL_SECS`]. Only passes are remembered: a non-subscriber is always
//! read afresh, so nothing is enforced from memory.
//!
//! An unprotected group is not kept: `/protect` applies to the next message everywhere. A
//! change written by another function (a setting, `/unprotect`, an administrator, a channel
//! left) reaches this sandbox when the copy expires: a group's configuration within
//! `GROUP_TTL_SECS` (a pass is valid only under the revision of the group copy, so a new
//! revision voids every pass with it), a member's subscription within the pass's lifetime.
//! A pass lives `PASS_TTL_SECS` only where a member who leaves a linked channel is restricted
//! or removed at once by `member-change` (the group mutes or kicks and its protection is not
//! degraded), so its longer life lets through nothing Telegram would accept; elsewhere (a group
//! that only deletes) it lives as long as the group's copy. The reads are eventually
//! consistent, so "within" is up to a second more.

use lambdagram::time::Epoch;
use lambdagram::ttl_map::TtlMap;

use crate::store::GroupState;

/// How long a sandbox trusts its copy of a group's configuration and administrators.
pub const GROUP_TTL_SECS: Epoch = 10;
/// How long a sandbox lets a member who passed pass again without a read.
pub const PASS_TTL_SECS: Epoch = 60;

const GROUPS: usize = 1_024;
const PASSES: usize = 16_384;

/// A sandbox's memory of the gate's reads (see the module's documentation).
pub struct GateCache {
    groups: TtlMap<i64, GroupState>,
    /// (group, user) → the configuration revision they passed under.
    passes: TtlMap<(i64, i64), u64>,
}

impl GateCache {
    pub const fn new() -> Self {
        Self {
            groups: TtlMap::new(GROUPS),
            passes: TtlMap::new(PASSES),
        }
    }

    /// A cache that keeps nothing: every message is read afresh.
    pub const fn off() -> Self {
        Self {
            groups: TtlMap::new(0),
            passes: TtlMap::new(0),
        }
    }

    /// The group's state as read within the last [`GROUP_TTL_SECS`].
    pub fn group(&self, group_id: i64, now: Epoch) -> Option<GroupState> {
        self.groups.get(&group_id, now)
    }

    /// Remembers the group's state as read (or completed) at `now`.
    pub fn keep_group(&self, group_id: i64, state: &GroupState, now: Epoch) {
        self.groups
            .insert(group_id, state.clone(), now, now + GROUP_TTL_SECS);
    }

    /// Whether `user_id` passed in `group_id` under the configuration revision `version`
    /// within the last [`PASS_TTL_SECS`].
    pub fn passed(&self, group_id: i64, user_id: i64, version: u64, now: Epoch) -> bool {
        self.passes.get(&(group_id, user_id), now) == Some(version)
    }

    /// Remembers that `user_id` passed under revision `version` at `now`, for `ttl` seconds
    /// ([`PASS_TTL_SECS`] at most).
    pub fn keep_pass(&self, group_id: i64, user_id: i64, version: u64, now: Epoch, ttl: Epoch) {
        self.passes.insert(
            (group_id, user_id),
            version,
            now,
            now + ttl.min(PASS_TTL_SECS),
        );
    }
}

impl Default for GateCache {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GroupConfig;

    const AT: Epoch = 1_790_000_000;

    #[test]
    fn a_group_copy_lives_ten_seconds_and_a_pass_a_minute_under_its_revision() {
        let cache = GateCache::new();
        let state = GroupState {
            config: Some(GroupConfig::new(-1)),
            admins: Some(vec![1]),
        };
        cache.keep_group(-1, &state, AT);
        assert_eq!(cache.group(-1, AT + 9), Some(state));
        assert_eq!(cache.group(-1, AT + 10), None);

        cache.keep_pass(-1, 7, 3, AT, PASS_TTL_SECS);
        assert!(cache.passed(-1, 7, 3, AT + 59));
        assert!(!cache.passed(-1, 7, 4, AT + 1), "another revision");
        assert!(!cache.passed(-1, 8, 3, AT + 1), "another member");
        assert!(!cache.passed(-1, 7, 3, AT + 60), "expired");
    }

    #[test]
    fn an_off_cache_keeps_nothing() {
        let cache = GateCache::off();
        cache.keep_group(-1, &GroupState::default(), AT);
        cache.keep_pass(-1, 7, 0, AT, PASS_TTL_SECS);
        assert_eq!(cache.group(-1, AT), None);
        assert!(!cache.passed(-1, 7, 0, AT));
    }
}
