//! Sessions: a key → a typed value (serde JSON), with a time to live and an optimistic
//! version. A write is conditioned on the version it read: when another instance wrote (or
//! discarded) the value meanwhile, it fails with [`StoreError::Conflict`] — the handler fails,
//! Telegram redelivers the update, and it is handled again on the fresh value.
//!
//! The port ([`StateStore`]) holds opaque JSON; [`get`] and [`put`] type it. Adapters:
//! `memory::MemoryStore` and `aws::DynamoStore` (one item per key, `pk = <key>`, `sk = STATE`,
//! attributes `ver`, `body`, `expires_at`; versions only ever grow: discarding a value expires it
//! and bumps its version rather than deleting it, so a writer holding an old version never
//! matches a newer life of the same key). Expired values read as absent, whether or not
//! DynamoDB's TTL has removed them yet.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::ports::StoreError;
use crate::time::Epoch;

/// Where a value lives: a partition key of the state table.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateKey(String);

impl StateKey {
    /// A bot's session value `id` in `namespace` (`STATE#<namespace>#<id>`), within the
    /// [`crate::grants::KEEP_STATE`] grant.
    pub fn session(namespace: &str, id: &str) -> StateKey {
        StateKey(format!("STATE#{namespace}#{id}"))
    }

    /// The conversation of `user` in `chat` (`CONV#<chat>#<user>`), within the
    /// [`crate::grants::CONVERSE`] grant.
    pub fn conversation(chat: i64, user: i64) -> StateKey {
        StateKey(format!("CONV#{chat}#{user}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A value as stored: its JSON, version and expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub body: String,
    pub version: u64,
    pub expires_at: Epoch,
}

/// A typed value and the version it was read at (what a write is conditioned on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

/// The session store.
pub trait StateStore: Send + Sync {
    /// The value under `key`, unless absent or expired at `now` (a strongly consistent read:
    /// the next update may reach another instance right after a write).
    fn load(
        &self,
        key: &StateKey,
        now: Epoch,
    ) -> impl Future<Output = Result<Option<Stored>, StoreError>> + Send;

    /// Writes `body` under `key`, to expire at `expires_at`, if the value is still the one read:
    /// `expected` its version, or `None` when it was absent (or expired). Returns the new
    /// version; [`StoreError::Conflict`] when the value changed meanwhile.
    fn save(
        &self,
        key: &StateKey,
        body: &str,
        expected: Option<u64>,
        expires_at: Epoch,
        now: Epoch,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Ends the value read at version `expected` (it reads as absent from now on);
    /// [`StoreError::Conflict`] when it changed meanwhile (or is already gone).
    fn discard(
        &self,
        key: &StateKey,
        expected: u64,
        now: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The value under `key` as a `T`, with its version. A stored value that no longer reads as a
/// `T` (its type changed since) is treated as absent, so the next write replaces it; its
/// version is kept for that write's condition.
pub async fn get<T: DeserializeOwned, S: StateStore>(
    store: &S,
    key: &StateKey,
    now: Epoch,
) -> Result<Read<T>, StoreError> {
    Ok(match store.load(key, now).await? {
        None => Read::Absent,
        Some(stored) => match serde_json::from_str(&stored.body) {
            Ok(value) => Read::Found(Versioned {
                value,
                version: stored.version,
            }),
            Err(_) => {
                tracing::warn!(key = key.as_str(), "a stored state value is unreadable");
                Read::Unreadable {
                    version: stored.version,
                }
            }
        },
    })
}

/// What [`get`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read<T> {
    Absent,
    Found(Versioned<T>),
    /// A value of another shape: overwrite it (conditioned on `version`) or discard it.
    Unreadable {
        version: u64,
    },
}

impl<T> Read<T> {
    /// The value, if one was read.
    pub fn found(self) -> Option<Versioned<T>> {
        match self {
            Read::Found(v) => Some(v),
            _ => None,
        }
    }

    /// The version a write replacing what was read is conditioned on.
    pub fn version(&self) -> Option<u64> {
        match self {
            Read::Absent => None,
            Read::Found(v) => Some(v.version),
            Read::Unreadable { version } => Some(*version),
        }
    }
}

/// Writes `value` under `key` for `ttl_secs` from `now`, if the value is still at `expected`
/// (see [`StateStore::save`]). Returns the new version.
pub async fn put<T: Serialize, S: StateStore>(
    store: &S,
    key: &StateKey,
    value: &T,
    expected: Option<u64>,
    ttl_secs: i64,
    now: Epoch,
) -> Result<u64, StoreError> {
    let body =
        serde_json::to_string(value).map_err(|e| StoreError::Failed(format!("state: {e}")))?;
    store
        .save(key, &body, expected, now + ttl_secs.max(1), now)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Cart {
        items: Vec<String>,
    }

    const T0: Epoch = 1_790_000_000;

    #[test]
    fn keys_and_grants() {
        assert_eq!(StateKey::session("cart", "42").as_str(), "STATE#cart#42");
        assert_eq!(StateKey::conversation(-100, 7).as_str(), "CONV#-100#7");
        assert_eq!(
            crate::grants::check_grant(&crate::grants::KEEP_STATE),
            Ok(())
        );
        assert_eq!(crate::grants::check_grant(&crate::grants::CONVERSE), Ok(()));
    }

    #[tokio::test]
    async fn a_write_is_conditioned_on_the_version_it_read() {
        let store = MemoryStore::new();
        let key = StateKey::session("cart", "42");
        assert_eq!(
            get::<Cart, _>(&store, &key, T0).await.expect("read"),
            Read::Absent
        );
        let cart = Cart {
            items: vec!["tea".into()],
        };
        let v1 = put(&store, &key, &cart, None, 60, T0)
            .await
            .expect("created");
        // A second creator lost the race.
        let late = put(&store, &key, &cart, None, 60, T0).await;
        assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
        let read = get::<Cart, _>(&store, &key, T0 + 1).await.expect("read");
        assert_eq!(read.version(), Some(v1));
        assert_eq!(read.found().map(|v| v.value), Some(cart));
        let more = Cart {
            items: vec!["tea".into(), "milk".into()],
        };
        let v2 = put(&store, &key, &more, Some(v1), 60, T0 + 1)
            .await
            .expect("updated");
        assert!(v2 > v1);
        // A writer still holding v1 conflicts.
        let stale = put(&store, &key, &more, Some(v1), 60, T0 + 2).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
        assert!(matches!(
            store.discard(&key, v1, T0 + 2).await,
            Err(StoreError::Conflict(_))
        ));
        store.discard(&key, v2, T0 + 2).await.expect("discarded");
        assert_eq!(
            get::<Cart, _>(&store, &key, T0 + 2).await.expect("read"),
            Read::Absent
        );
        // A new life of the key never matches a version of the old one.
        let v3 = put(&store, &key, &more, None, 60, T0 + 3)
            .await
            .expect("created");
        assert!(v3 > v2);
        assert!(matches!(
            put(&store, &key, &more, Some(v2), 60, T0 + 3).await,
            Err(StoreError::Conflict(_))
        ));
    }

    #[tokio::test]
    async fn a_value_expires_after_its_ttl_and_an_unreadable_one_is_replaceable() {
        let store = MemoryStore::new();
        let key = StateKey::session("cart", "7");
        let v1 = put(&store, &key, &Cart { items: vec![] }, None, 60, T0)
            .await
            .expect("created");
        assert!(get::<Cart, _>(&store, &key, T0 + 59)
            .await
            .expect("read")
            .found()
            .is_some());
        assert_eq!(
            get::<Cart, _>(&store, &key, T0 + 60).await.expect("read"),
            Read::Absent
        );
        // Expired: a write expecting it fails, a write expecting nothing succeeds.
        assert!(matches!(
            put(&store, &key, &Cart { items: vec![] }, Some(v1), 60, T0 + 60).await,
            Err(StoreError::Conflict(_))
        ));
        let v2 = put(&store, &key, &"not a cart", None, 60, T0 + 60)
            .await
            .expect("created");
        let read = get::<Cart, _>(&store, &key, T0 + 61).await.expect("read");
        assert_eq!(read, Read::Unreadable { version: v2 });
        put(
            &store,
            &key,
            &Cart { items: vec![] },
            read.version(),
            60,
            T0 + 61,
        )
        .await
        .expect("replaced");
    }
}
