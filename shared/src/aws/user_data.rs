//! The DynamoDB adapter of the key map's port (`keymap::UserData`) and of the interaction log.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use base64::Engine as _;
use serde_json::{Map, Value};

use super::dynamo::{err, n, s, DynamoStore, Item};
use crate::interaction_log::{chat_pk, user_pk, InteractionLog, LogEntry};
use crate::keymap::UserData;
use crate::ports::StoreError;

/// An attribute as plain JSON: strings, numbers (as JSON numbers when they fit), sets and
/// lists as arrays, maps as objects, binary as base64.
fn to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(v) => Value::String(v.clone()),
        AttributeValue::N(v) => v
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| v.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(v.clone())),
        AttributeValue::Bool(v) => Value::Bool(*v),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::B(v) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(v.as_ref()))
        }
        AttributeValue::Ss(v) => v.iter().cloned().map(Value::String).collect(),
        AttributeValue::Ns(v) => v
            .iter()
            .map(|n| to_json(&AttributeValue::N(n.clone())))
            .collect(),
        AttributeValue::Bs(v) => v
            .iter()
            .map(|b| to_json(&AttributeValue::B(b.clone())))
            .collect(),
        AttributeValue::L(v) => v.iter().map(to_json).collect(),
        AttributeValue::M(v) => item_json(v),
        _ => Value::Null,
    }
}

/// An item as a JSON object, its attributes sorted by name.
fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    let map: Map<String, Value> = names
        .into_iter()
        .map(|k| (k.clone(), to_json(&item[k])))
        .collect();
    Value::Object(map)
}

impl UserData for DynamoStore {
    async fn items(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Value>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            self.count_read();
            let mut q = self
                .client()
                .query()
                .table_name(self.table())
                .consistent_read(true)
                .expression_attribute_values(":pk", s(pk))
                .set_exclusive_start_key(start);
            q = if sk_prefix.is_empty() {
                q.key_condition_expression("pk = :pk")
            } else {
                q.key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                    .expression_attribute_values(":prefix", s(sk_prefix))
            };
            let out = q.send().await.map_err(|e| err("user data query", e))?;
            items.extend(out.items.unwrap_or_default().iter().map(item_json));
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    async fn erase_item(&self, pk: &str, sk: &str) -> Result<(), StoreError> {
        self.count_write();
        self.client()
            .delete_item()
            .table_name(self.table())
            .key("pk", s(pk))
            .key("sk", s(sk))
            .send()
            .await
            .map_err(|e| err("user data delete", e))?;
        Ok(())
    }
}

/// The entry's attributes (under `pk`): exactly the entry's fields and its TTL.
fn entry_item(entry: &LogEntry, pk: String) -> Item {
    let mut item = Item::from([
        ("pk".into(), s(pk)),
        ("sk".into(), s(entry.sk())),
        ("chat_id".into(), n(entry.chat_id)),
        ("update_id".into(), n(entry.update_id)),
        ("kind".into(), s(entry.kind)),
        ("route".into(), s(entry.route.clone())),
        ("outcome".into(), s(entry.outcome.clone())),
        ("at".into(), n(entry.at)),
        ("expires_at".into(), n(entry.expires_at)),
    ]);
    if let Some(user) = entry.user_id {
        item.insert("user_id".into(), n(user));
    }
    item
}

fn put(item: Item) -> Result<WriteRequest, StoreError> {
    let put = PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map_err(|e| err("log entry", e))?;
    Ok(WriteRequest::builder().put_request(put).build())
}

impl InteractionLog for DynamoStore {
    /// One BatchWriteItem: the chat's entry and the user's copy (one retry of what DynamoDB
    /// left unprocessed).
    async fn append(&self, entry: &LogEntry) -> Result<(), StoreError> {
        let mut writes = vec![put(entry_item(entry, chat_pk(entry.chat_id)))?];
        if let Some(user) = entry.user_id {
            writes.push(put(entry_item(entry, user_pk(user)))?);
        }
        for _ in 0..2 {
            self.count_write();
            let out = self
                .client()
                .batch_write_item()
                .request_items(self.table(), writes)
                .send()
                .await
                .map_err(|e| err("log append", e))?;
            writes = out
                .unprocessed_items
                .and_then(|mut left| left.remove(self.table()))
                .unwrap_or_default();
            if writes.is_empty() {
                return Ok(());
            }
        }
        Err(StoreError::Failed(
            "log append: items left unprocessed".into(),
        ))
    }
}
