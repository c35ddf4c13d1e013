//! The in-memory adapter of the session store, with the DynamoDB adapter's semantics.

use super::MemoryStore;
use crate::ports::StoreError;
use crate::state::{StateKey, StateStore, Stored};
use crate::time::Epoch;

impl StateStore for MemoryStore {
    async fn load(&self, key: &StateKey, now: Epoch) -> Result<Option<Stored>, StoreError> {
        let s = self.lock();
        Ok(s.sessions
            .get(key.as_str())
            .filter(|v| v.expires_at > now)
            .cloned())
    }

    async fn save(
        &self,
        key: &StateKey,
        body: &str,
        expected: Option<u64>,
        expires_at: Epoch,
        now: Epoch,
    ) -> Result<u64, StoreError> {
        let mut s = self.lock();
        let current = s.sessions.get(key.as_str());
        let live = current.filter(|v| v.expires_at > now).map(|v| v.version);
        if live != expected {
            return Err(StoreError::Conflict(format!("state {}", key.as_str())));
        }
        let version = current.map_or(0, |v| v.version) + 1;
        s.sessions.insert(
            key.as_str().to_owned(),
            Stored {
                body: body.to_owned(),
                version,
                expires_at,
            },
        );
        Ok(version)
    }

    async fn discard(&self, key: &StateKey, expected: u64, now: Epoch) -> Result<(), StoreError> {
        let mut s = self.lock();
        match s.sessions.get_mut(key.as_str()) {
            Some(v) if v.expires_at > now && v.version == expected => {
                v.version += 1;
                v.expires_at = now;
                Ok(())
            }
            _ => Err(StoreError::Conflict(format!("state {}", key.as_str()))),
        }
    }
}
