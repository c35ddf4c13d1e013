//! The DynamoDB adapter of the session store (`state`): one item per key, `pk = <key>`,
//! `sk = STATE`, `ver` (a version that only grows), `body` (the JSON), `expires_at` (TTL).
//! Every write is one conditional `UpdateItem` that adds 1 to `ver`, so a value discarded (or
//! expired) and written again never reuses a version a stale writer may hold.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::ReturnValue;

use super::dynamo::{err, get_n, get_s, n, s, DynamoStore, Item};
use crate::ports::StoreError;
use crate::state::{StateKey, StateStore, Stored};
use crate::time::Epoch;

fn key_of(key: &StateKey) -> Item {
    Item::from([("pk".into(), s(key.as_str())), ("sk".into(), s("STATE"))])
}

fn conflict(key: &StateKey) -> StoreError {
    StoreError::Conflict(format!("state {}", key.as_str()))
}

impl StateStore for DynamoStore {
    /// One strongly consistent GetItem.
    async fn load(&self, key: &StateKey, now: Epoch) -> Result<Option<Stored>, StoreError> {
        self.count_read();
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key_of(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("state load", e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let stored = (|| {
            Some(Stored {
                body: get_s(&item, "body")?,
                version: u64::try_from(get_n(&item, "ver")?).ok()?,
                expires_at: get_n(&item, "expires_at")?,
            })
        })();
        match stored {
            Some(v) if v.expires_at > now => Ok(Some(v)),
            Some(_) => Ok(None),
            None => Err(StoreError::Failed("state load: incomplete item".into())),
        }
    }

    /// One conditional UpdateItem.
    async fn save(
        &self,
        key: &StateKey,
        body: &str,
        expected: Option<u64>,
        expires_at: Epoch,
        now: Epoch,
    ) -> Result<u64, StoreError> {
        self.count_write();
        let update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key_of(key)))
            .update_expression("SET body = :body, expires_at = :expires ADD ver :one")
            .expression_attribute_values(":body", s(body))
            .expression_attribute_values(":expires", n(expires_at))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::UpdatedNew);
        let update = match expected {
            None => update.condition_expression("attribute_not_exists(pk) OR expires_at <= :now"),
            Some(version) => update
                .condition_expression("ver = :ver AND expires_at > :now")
                .expression_attribute_values(":ver", n(version as i64)),
        };
        match update.send().await {
            Ok(out) => out
                .attributes
                .as_ref()
                .and_then(|a| get_n(a, "ver"))
                .and_then(|v| u64::try_from(v).ok())
                .ok_or_else(|| StoreError::Failed("state save: no version returned".into())),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Err(conflict(key))
            }
            Err(e) => Err(err("state save", e)),
        }
    }

    /// One conditional UpdateItem: the value expires now and its version moves on.
    async fn discard(&self, key: &StateKey, expected: u64, now: Epoch) -> Result<(), StoreError> {
        self.count_write();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key_of(key)))
            .update_expression("SET expires_at = :now ADD ver :one")
            .condition_expression("ver = :ver AND expires_at > :now")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ver", n(expected as i64))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Err(conflict(key))
            }
            Err(e) => Err(err("state discard", e)),
        }
    }
}
