//! The DynamoDB adapter of the store ports. Key design: docs/state.md.
//!
//! One table, `pk` + `sk` strings, TTL attribute `expires_at` (epoch seconds). DynamoDB deletes
//! expired items only eventually, so every read and every condition treats
//! `expires_at <= now` as absent.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, ReturnValue, ReturnValuesOnConditionCheckFailure,
};
use aws_sdk_dynamodb::Client;

use crate::flood::{self, FloodControl, FloodFuture, Limit, Slot};
use crate::i18n::Lang;
use crate::journal::{EffectJournal, StepState, KEEP_STEPS_SECS};
use crate::ports::{Claim, StoreError, UpdateLedger, UserProfile, UserRecord, UserStore};
use crate::time::Epoch;

/// One DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// Counts of DynamoDB requests made, for the per-update cost figures.
#[derive(Debug, Default)]
pub struct StoreCalls {
    pub reads: AtomicU32,
    pub writes: AtomicU32,
}

impl StoreCalls {
    /// (reads, writes) so far, and resets both.
    pub fn take(&self) -> (u32, u32) {
        (
            self.reads.swap(0, Ordering::Relaxed),
            self.writes.swap(0, Ordering::Relaxed),
        )
    }
}

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: Arc<str>,
    calls: Arc<StoreCalls>,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<Arc<str>>) -> Self {
        Self {
            client,
            table: table.into(),
            calls: Arc::default(),
        }
    }

    /// Opens (and pools) the connection to DynamoDB with one `DescribeTimeToLive` of the table
    /// (the smallest answer about it; `DescribeTable`'s would add 150 KB of decoder to every
    /// binary), at cold start beside the other set-up, so the first update does not wait for a
    /// TCP and TLS handshake (the largest part of a first DynamoDB call at 128 MB). Not counted
    /// in [`StoreCalls`]: it is the sandbox's cost, not an update's. Never fails; a wrong table
    /// name, a missing permission or TTL left off is logged here, at once.
    pub async fn warm_up(&self) {
        let started = std::time::Instant::now();
        // It only opens a connection: the cold start does not wait long for it.
        let result = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            self.client
                .describe_time_to_live()
                .table_name(&*self.table)
                .send(),
        )
        .await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let Ok(result) = result else {
            tracing::warn!(ms, "DynamoDB warm-up timed out");
            return;
        };
        match result {
            Ok(out) => {
                let status = out
                    .time_to_live_description
                    .and_then(|d| d.time_to_live_status)
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default();
                tracing::debug!(ms, ttl = %status, "DynamoDB connection open");
            }
            Err(e) => {
                tracing::warn!(ms, error = %DisplayErrorContext(e), "DynamoDB warm-up failed")
            }
        }
    }

    pub fn calls(&self) -> &StoreCalls {
        &self.calls
    }

    /// The SDK client, for a bot's own adapter (which counts its requests with
    /// [`DynamoStore::count_read`] and [`DynamoStore::count_write`]).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Counts one read request in [`StoreCalls`].
    pub fn count_read(&self) {
        self.calls.reads.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one write request in [`StoreCalls`].
    pub fn count_write(&self) {
        self.calls.writes.fetch_add(1, Ordering::Relaxed);
    }

    /// One `BatchGetItem` (retrying unprocessed keys, which DynamoDB returns under load).
    pub async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .build()
            .map_err(|e| err("batch_get", e))?;
        let mut items = Vec::new();
        for _ in 0..5 {
            self.count_read();
            let out = self
                .client
                .batch_get_item()
                .request_items(&*self.table, pending)
                .send()
                .await
                .map_err(|e| err("batch_get", e))?;
            if let Some(mut responses) = out.responses {
                items.extend(responses.remove(&*self.table).unwrap_or_default());
            }
            match out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&*self.table))
            {
                Some(rest) if !rest.keys.is_empty() => pending = rest,
                _ => return Ok(items),
            }
        }
        Err(StoreError::Failed(
            "batch_get: keys left unprocessed".into(),
        ))
    }

    /// One `PutItem`, counted as a write.
    pub async fn put(&self, op: &str, item: Item) -> Result<(), StoreError> {
        self.count_write();
        self.client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| err(op, e))?;
        Ok(())
    }

    /// One `DeleteItem` returning the old item, counted as a write.
    pub async fn delete(&self, op: &str, key: Item) -> Result<Option<Item>, StoreError> {
        self.count_write();
        let out = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .set_key(Some(key))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| err(op, e))?;
        Ok(out.attributes)
    }

    /// Every item of a partition (optionally with a sort-key prefix), following pages.
    pub async fn query_all(
        &self,
        pk: String,
        sk_prefix: Option<&str>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            self.count_read();
            let mut q = self
                .client
                .query()
                .table_name(&*self.table)
                .expression_attribute_values(":pk", s(pk.clone()))
                .set_exclusive_start_key(start);
            q = match sk_prefix {
                Some(prefix) => q
                    .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                    .expression_attribute_values(":prefix", s(prefix)),
                None => q.key_condition_expression("pk = :pk"),
            };
            let out = q.send().await.map_err(|e| err("query", e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }
}

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn get_s(item: &Item, k: &str) -> Option<String> {
    item.get(k).and_then(|v| v.as_s().ok()).cloned()
}

pub fn get_n(item: &Item, k: &str) -> Option<i64> {
    item.get(k)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

pub fn err<E: std::error::Error + 'static>(op: &str, e: E) -> StoreError {
    StoreError::Failed(format!("{op}: {}", DisplayErrorContext(e)))
}

fn ledger_key(update_id: i64) -> [(String, AttributeValue); 2] {
    [
        ("pk".into(), s(format!("UPDATE#{update_id}"))),
        ("sk".into(), s("LEDGER")),
    ]
}

fn user_key(user_id: i64) -> [(String, AttributeValue); 2] {
    [
        ("pk".into(), s(format!("USER#{user_id}"))),
        ("sk".into(), s("PROFILE")),
    ]
}

fn flood_key(scope: &str, window: Epoch) -> Item {
    Item::from([
        ("pk".into(), s(format!("FLOOD#{scope}"))),
        ("sk".into(), s(window.to_string())),
    ])
}

/// A window's count is kept a minute past its end (TTL), then DynamoDB deletes it.
fn flood_expiry(limit: Limit, window: Epoch) -> AttributeValue {
    n(window + limit.window_secs + 60)
}

impl FloodControl for DynamoStore {
    /// One conditional update: the count goes up unless it has reached the limit.
    fn take_slot<'a>(&'a self, scope: &'a str, limit: Limit, now: Epoch) -> FloodFuture<'a, Slot> {
        Box::pin(async move {
            let window = flood::window_start(limit, now);
            self.count_write();
            let result = self
                .client
                .update_item()
                .table_name(&*self.table)
                .set_key(Some(flood_key(scope, window)))
                .update_expression("ADD #n :one SET expires_at = :exp")
                .condition_expression("attribute_not_exists(#n) OR #n < :max")
                .expression_attribute_names("#n", "n")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":max", n(i64::from(limit.max)))
                .expression_attribute_values(":exp", flood_expiry(limit, window))
                .send()
                .await;
            match result {
                Ok(_) => Ok(Slot::Taken),
                Err(SdkError::ServiceError(e))
                    if e.err().is_conditional_check_failed_exception() =>
                {
                    Ok(Slot::Full {
                        retry_after: flood::until_window_ends(limit, now),
                    })
                }
                Err(e) => Err(err("take_slot", e)),
            }
        })
    }

    /// One unconditional update per window (they are few: see [`flood::MAX_FILLED_WINDOWS`]).
    fn fill_until<'a>(
        &'a self,
        scope: &'a str,
        limit: Limit,
        now: Epoch,
        until: Epoch,
    ) -> FloodFuture<'a, ()> {
        Box::pin(async move {
            for window in flood::windows(limit, now, until) {
                self.count_write();
                self.client
                    .update_item()
                    .table_name(&*self.table)
                    .set_key(Some(flood_key(scope, window)))
                    .update_expression("SET #n = :max, expires_at = :exp")
                    .expression_attribute_names("#n", "n")
                    .expression_attribute_values(":max", n(i64::from(limit.max)))
                    .expression_attribute_values(":exp", flood_expiry(limit, window))
                    .send()
                    .await
                    .map_err(|e| err("fill_until", e))?;
            }
            Ok(())
        })
    }
}

/// What a claiming put ([`DynamoStore::put_claim`]) found.
enum Claimed {
    /// Nothing live: the item is written, with this token.
    Written(String),
    /// A live item: whether it is done, and our token if it is this attempt's own (the SDK
    /// retried a put whose answer was lost, and the condition failed on what it wrote).
    Met { done: bool, ours: Option<String> },
}

impl DynamoStore {
    /// One conditional put of `key` with `state`, a fresh token and `expires_at`, unless a live
    /// item (absent or expired is the whole condition) is there; on failure the old item,
    /// returned by the failed put itself (no extra read), says what it was.
    async fn put_claim(
        &self,
        op: &str,
        mut item: Item,
        state: &str,
        expires_at: Epoch,
        now: Epoch,
    ) -> Result<Claimed, StoreError> {
        self.count_write();
        let token = crate::memory::new_token();
        let key: Item = ["pk", "sk"]
            .iter()
            .filter_map(|k| Some((k.to_string(), item.get(*k)?.clone())))
            .collect();
        item.insert("state".into(), s(state));
        item.insert("token".into(), s(&token));
        item.insert("expires_at".into(), n(expires_at));
        let result = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
            .expression_attribute_values(":now", n(now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claimed::Written(token)),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(c) => {
                    let old = c.item.as_ref();
                    let done = old.and_then(|i| get_s(i, "state")).as_deref() == Some("done");
                    let ours = old.and_then(|i| get_s(i, "token")).as_deref() == Some(&token);
                    Ok(Claimed::Met {
                        done,
                        ours: ours.then_some(token),
                    })
                }
                other => {
                    self.delete_if_token(op, key, &token).await;
                    Err(err(op, other))
                }
            },
            // The put may have been applied with its answer lost: this attempt's claim is
            // withdrawn (only if it is this attempt's), so the redelivery is handled at once
            // instead of meeting a claim no one holds (an update "in flight" for the whole
            // lease, an effect taken for an earlier attempt's unknown outcome).
            Err(other) => {
                self.delete_if_token(op, key, &token).await;
                Err(err(op, other))
            }
        }
    }
}

impl DynamoStore {
    /// Deletes `key` if it holds `token`: best effort, after a claiming put whose outcome is
    /// unknown (a failure here leaves the claim to expire by itself).
    async fn delete_if_token(&self, op: &str, key: Item, token: &str) {
        self.count_write();
        let result = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .set_key(Some(key))
            .condition_expression("#token = :token")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":token", s(token))
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {}
            Err(e) => tracing::warn!(op, error = %err(op, e), "claim not withdrawn"),
        }
    }
}

fn step_key(update_id: i64, step: &str) -> Item {
    Item::from([
        ("pk".into(), s(format!("STEP#{update_id}"))),
        ("sk".into(), s(step)),
    ])
}

impl EffectJournal for DynamoStore {
    /// One conditional put ([`DynamoStore::put_claim`]): an earlier intent reads as pending,
    /// unless it is this attempt's own.
    async fn begin_step(
        &self,
        update_id: i64,
        step: &str,
        now: Epoch,
    ) -> Result<StepState, StoreError> {
        let expires_at = now + KEEP_STEPS_SECS;
        let key = step_key(update_id, step);
        let claimed = self
            .put_claim("begin_step", key, "pending", expires_at, now)
            .await?;
        Ok(match claimed {
            Claimed::Met { done: true, .. } => StepState::Done,
            Claimed::Written(_) | Claimed::Met { ours: Some(_), .. } => StepState::New,
            Claimed::Met { .. } => StepState::Pending,
        })
    }

    /// One update: the step is done (kept as long as a redelivery may come).
    async fn finish_step(&self, update_id: i64, step: &str, now: Epoch) -> Result<(), StoreError> {
        self.count_write();
        self.client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(step_key(update_id, step)))
            .update_expression("SET #state = :done, expires_at = :exp")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":done", s("done"))
            .expression_attribute_values(":exp", n(now + KEEP_STEPS_SECS))
            .send()
            .await
            .map_err(|e| err("finish_step", e))?;
        Ok(())
    }

    /// One delete, of a pending intent only (a done step stays done).
    async fn abandon_step(&self, update_id: i64, step: &str) -> Result<(), StoreError> {
        self.count_write();
        let result = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .set_key(Some(step_key(update_id, step)))
            .condition_expression("#state = :pending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(err("abandon_step", e)),
        }
    }
}

impl UpdateLedger for DynamoStore {
    /// One conditional put. A claim's `expires_at` is its lease end and a done record's is its
    /// retention end, so "absent or expired" is the whole condition; on failure the old item
    /// (returned by the failed put itself, no extra read) tells done from in-flight.
    async fn claim(
        &self,
        update_id: i64,
        now: Epoch,
        lease_secs: i64,
    ) -> Result<Claim, StoreError> {
        let key: Item = ledger_key(update_id).into_iter().collect();
        let claimed = self
            .put_claim("claim", key, "claimed", now + lease_secs, now)
            .await?;
        Ok(match claimed {
            Claimed::Met { done: true, .. } => Claim::AlreadyDone,
            Claimed::Written(token)
            | Claimed::Met {
                ours: Some(token), ..
            } => Claim::Acquired { token },
            Claimed::Met { .. } => Claim::InFlight,
        })
    }

    async fn complete(
        &self,
        update_id: i64,
        token: &str,
        now: Epoch,
        keep_secs: i64,
    ) -> Result<(), StoreError> {
        self.count_write();
        self.client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(ledger_key(update_id).into_iter().collect()))
            .update_expression("SET #state = :done, expires_at = :exp REMOVE #token")
            .condition_expression("#token = :token")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":done", s("done"))
            .expression_attribute_values(":exp", n(now + keep_secs))
            .expression_attribute_values(":token", s(token))
            .send()
            .await
            .map_err(|e| err("complete", e))?;
        Ok(())
    }

    async fn release(&self, update_id: i64, token: &str) -> Result<(), StoreError> {
        self.count_write();
        let result = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .set_key(Some(ledger_key(update_id).into_iter().collect()))
            .condition_expression("#token = :token")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":token", s(token))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Someone else's claim now (our lease ran out): nothing of ours to release.
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(err("release", e)),
        }
    }
}

impl UserStore for DynamoStore {
    /// One UpdateItem: sets the profile and `last_seen`, keeps `first_seen`, returns the result.
    async fn record_visit(
        &self,
        profile: &UserProfile,
        now: Epoch,
    ) -> Result<UserRecord, StoreError> {
        let mut set = vec![
            "first_name = :first",
            "lang = :lang",
            "last_seen = :now",
            "first_seen = if_not_exists(first_seen, :now)",
            "user_id = :id",
        ];
        // Talking to the bot again makes them reachable.
        let mut remove = vec!["unreachable_since"];
        let mut req = self
            .client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(user_key(profile.user_id).into_iter().collect()))
            .expression_attribute_values(":first", s(&profile.first_name))
            .expression_attribute_values(":lang", s(profile.lang.code()))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":id", n(profile.user_id));
        match &profile.last_name {
            Some(v) => {
                set.push("last_name = :last");
                req = req.expression_attribute_values(":last", s(v));
            }
            None => remove.push("last_name"),
        }
        match &profile.username {
            Some(v) => {
                set.push("username = :username");
                req = req.expression_attribute_values(":username", s(v));
            }
            None => remove.push("username"),
        }
        let mut expr = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expr.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        self.count_write();
        let out = req
            .update_expression(expr)
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| err("record_visit", e))?;
        let item = out.attributes.unwrap_or_default();
        user_from_item(&item)
            .ok_or_else(|| StoreError::Failed("record_visit: incomplete item".into()))
    }

    async fn mark_unreachable(&self, user_id: i64, now: Epoch) -> Result<(), StoreError> {
        self.count_write();
        let result = self
            .client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(user_key(user_id).into_iter().collect()))
            .update_expression("SET unreachable_since = if_not_exists(unreachable_since, :now)")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // No record: nothing to mark (the registry only holds users who talked to the bot).
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(err("mark_unreachable", e)),
        }
    }

    async fn user(&self, user_id: i64) -> Result<Option<UserRecord>, StoreError> {
        self.count_read();
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .set_key(Some(user_key(user_id).into_iter().collect()))
            .send()
            .await
            .map_err(|e| err("user", e))?;
        Ok(out.item.as_ref().and_then(user_from_item))
    }
}

fn user_from_item(item: &Item) -> Option<UserRecord> {
    // Stored as `Lang::code`, so reading it back through the same mapping round-trips.
    let lang = Lang::from_code(get_s(item, "lang").as_deref());
    Some(UserRecord {
        profile: UserProfile {
            user_id: get_n(item, "user_id")?,
            first_name: get_s(item, "first_name")?,
            last_name: get_s(item, "last_name"),
            username: get_s(item, "username"),
            lang,
        },
        first_seen: get_n(item, "first_seen")?,
        last_seen: get_n(item, "last_seen")?,
        unreachable_since: get_n(item, "unreachable_since"),
    })
}
