//! The DynamoDB adapters of the bot-wide sets (`botsets`) and the rate limit's counts
//! (`ratelimit`).
//!
//! A set is one item, `pk = BOTSET#<name>`, `sk = SET`, its ids a number set `ids` (DynamoDB
//! drops an emptied set's attribute, so an item without `ids` is an empty set; no item is a set
//! never written). A rate window is `pk = RATE#<route>#<user>`, `sk = <window start>`, its
//! count `n`, deleted by TTL a minute after the window.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::dynamo::{err, n, s, DynamoStore, Item};
use crate::botsets::{BotSet, BotSets, Removal};
use crate::flood::Limit;
use crate::ports::StoreError;
use crate::ratelimit::{window_of, Hit, RateCounter};
use crate::time::Epoch;

fn set_key(set: BotSet) -> Item {
    Item::from([("pk".into(), s(set.key())), ("sk".into(), s("SET"))])
}

fn ids_of(item: &Item) -> BTreeSet<i64> {
    match item.get("ids") {
        Some(AttributeValue::Ns(ids)) => ids.iter().filter_map(|v| v.parse().ok()).collect(),
        _ => BTreeSet::new(),
    }
}

fn number_set(ids: impl IntoIterator<Item = i64>) -> AttributeValue {
    AttributeValue::Ns(ids.into_iter().map(|id| id.to_string()).collect())
}

impl BotSets for DynamoStore {
    /// One GetItem.
    async fn members(
        &self,
        set: BotSet,
        consistent: bool,
    ) -> Result<Option<BTreeSet<i64>>, StoreError> {
        self.count_read();
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(set_key(set)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| err("members", e))?;
        Ok(out.item.as_ref().map(ids_of))
    }

    /// One UpdateItem (`ADD` to the set); with a seed, creating the set is a second request,
    /// once in the set's life.
    async fn add_member(&self, set: BotSet, id: i64, seed: &[i64]) -> Result<(), StoreError> {
        let add = |ids: AttributeValue, condition: &str| {
            self.count_write();
            self.client()
                .update_item()
                .table_name(self.table())
                .set_key(Some(set_key(set)))
                .update_expression("ADD ids :ids")
                .condition_expression(condition)
                .expression_attribute_values(":ids", ids)
                .send()
        };
        // Nothing to seed: one unconditional add, creating the set or not.
        if seed.is_empty() {
            return add(
                number_set([id]),
                "attribute_exists(pk) OR attribute_not_exists(pk)",
            )
            .await
            .map(|_| ())
            .map_err(|e| err("add_member", e));
        }
        let existing = add(number_set([id]), "attribute_exists(pk)").await;
        match existing {
            Ok(_) => return Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {}
            Err(e) => return Err(err("add_member", e)),
        }
        let created = add(
            number_set(seed.iter().copied().chain([id])),
            "attribute_not_exists(pk)",
        )
        .await;
        match created {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Err(StoreError::Conflict(format!("the set {}", set.key())))
            }
            Err(e) => Err(err("add_member", e)),
        }
    }

    /// One conditional UpdateItem (`DELETE` from the set); when the condition fails, the item
    /// it returns says why (no second request).
    async fn remove_member(
        &self,
        set: BotSet,
        id: i64,
        keep_one: bool,
    ) -> Result<Removal, StoreError> {
        let condition = if keep_one {
            "contains(ids, :id) AND size(ids) > :one"
        } else {
            "contains(ids, :id)"
        };
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(set_key(set)))
            .update_expression("DELETE ids :ids")
            .condition_expression(condition)
            .expression_attribute_values(":ids", number_set([id]))
            .expression_attribute_values(":id", n(id))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if keep_one {
            update = update.expression_attribute_values(":one", n(1));
        }
        self.count_write();
        match update.send().await {
            Ok(_) => Ok(Removal::Removed),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => {
                    let members = failed.item.as_ref().map(ids_of).unwrap_or_default();
                    Ok(if members.contains(&id) {
                        Removal::LastMember
                    } else {
                        Removal::NotMember
                    })
                }
                other => Err(err("remove_member", other)),
            },
            Err(e) => Err(err("remove_member", e)),
        }
    }
}

fn rate_key(route: &str, user_id: i64, window: Epoch) -> Item {
    Item::from([
        ("pk".into(), s(format!("RATE#{route}#{user_id}"))),
        ("sk".into(), s(window.to_string())),
    ])
}

impl RateCounter for DynamoStore {
    /// One conditional UpdateItem: `n` goes up while it is at most `max` (so the first refusal
    /// is counted as `max + 1`, and told), and the new count comes back with it.
    async fn hit(
        &self,
        route: &str,
        user_id: i64,
        limit: Limit,
        now: Epoch,
    ) -> Result<Hit, StoreError> {
        let window = window_of(limit, now);
        self.count_write();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(rate_key(route, user_id, window)))
            .update_expression("ADD #n :one SET expires_at = :exp")
            .condition_expression("attribute_not_exists(#n) OR #n <= :max")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(i64::from(limit.max)))
            .expression_attribute_values(":exp", n(window + limit.window_secs + 60))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(out) => {
                let count = out
                    .attributes
                    .as_ref()
                    .and_then(|a| super::get_n(a, "n"))
                    .and_then(|c| u32::try_from(c).ok())
                    .ok_or_else(|| StoreError::Failed("hit: no count returned".into()))?;
                Ok(Hit::Counted(count))
            }
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(Hit::Saturated)
            }
            Err(e) => Err(err("hit", e)),
        }
    }
}
