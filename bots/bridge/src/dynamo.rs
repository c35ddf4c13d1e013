//! The DynamoDB adapter of the bridge's store port.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | a bridge chat | `BRIDGE#<chat id>` | `CHAT` (`seq`, `users`, `last_seen`, `read_seq`, `last_error`) |
//! | an entry | `BRIDGE#<chat id>` | `E#<seq, 12 digits>` (expires with the retention) |
//! | a relayed Telegram message | `BRIDGE#<chat id>` | `TG#<message id>` (expires with its entry) |
//! | an API key | `BRIDGEKEYS` | `KEY#<id>` (the secret's hash, never the secret) |
//! | a chat that pushes | `BRIDGE#PUSH` | `<chat id>` (the push job's list) |

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};

use lambdagram::aws::{err, get_n, get_s, n, s, DynamoStore, Item};
use lambdagram::ports::StoreError;
use lambdagram::time::Epoch;

use crate::keys::KeyRecord;
use crate::store::{Appended, BridgeStore, ChatRecord, Direction, Entry, PushState, MAX_SEQ};

const CHAT_SK: &str = "CHAT";
const KEYS_PK: &str = "BRIDGEKEYS";

fn key(pk: String, sk: String) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

fn chat_pk(chat_id: i64) -> String {
    format!("BRIDGE#{chat_id}")
}

fn entry_sk(seq: u64) -> String {
    format!("E#{seq:012}")
}

fn key_key(id: i64) -> Item {
    key(KEYS_PK.to_owned(), format!("KEY#{id}"))
}

fn seq_of(item: &Item, name: &str) -> u64 {
    get_n(item, name)
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(0)
}

fn ids_of(item: &Item, name: &str) -> BTreeSet<i64> {
    item.get(name)
        .and_then(|v| v.as_ns().ok())
        .map(|ns| ns.iter().filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_default()
}

fn chat_from(chat_id: i64, item: &Item) -> ChatRecord {
    ChatRecord {
        chat_id,
        seq: seq_of(item, "seq"),
        users: ids_of(item, "users"),
        last_seen: get_n(item, "last_seen"),
        read_seq: seq_of(item, "read_seq"),
        last_error: get_n(item, "last_error_at").zip(get_s(item, "last_error")),
        push: get_s(item, "push_url").map(|url| PushState {
            url,
            secret: get_s(item, "push_secret").unwrap_or_default(),
            pushed_seq: seq_of(item, "pushed_seq"),
            attempts: get_n(item, "push_attempts")
                .and_then(|a| u32::try_from(a).ok())
                .unwrap_or(0),
            next_at: get_n(item, "push_next_at").unwrap_or(0),
            dead_at: get_n(item, "push_dead_at"),
        }),
    }
}

const PUSH_PK: &str = "BRIDGE#PUSH";

fn entry_from(item: &Item) -> Option<Entry> {
    Some(Entry {
        seq: seq_of(item, "seq"),
        direction: Direction::from_code(&get_s(item, "dir")?)?,
        message_id: get_n(item, "message_id")?,
        from_id: get_n(item, "from_id").unwrap_or_default(),
        from_name: get_s(item, "from_name").unwrap_or_default(),
        text: get_s(item, "text").unwrap_or_default(),
        reply_to: get_n(item, "reply_to"),
        at: get_n(item, "at").unwrap_or_default(),
    })
}

fn key_from(item: &Item) -> Option<KeyRecord> {
    Some(KeyRecord {
        id: get_n(item, "id")?,
        hash: get_s(item, "hash")?,
        chats: ids_of(item, "chats").into_iter().collect(),
        label: get_s(item, "label").unwrap_or_default(),
        created_by: get_n(item, "created_by").unwrap_or_default(),
        created_at: get_n(item, "created_at").unwrap_or_default(),
        revoked_at: get_n(item, "revoked_at"),
    })
}

fn number_set(ids: impl IntoIterator<Item = i64>) -> AttributeValue {
    AttributeValue::Ns(ids.into_iter().map(|i| i.to_string()).collect())
}

fn condition_failed<E>(e: &aws_sdk_dynamodb::error::SdkError<E>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

/// Whether a conditional UpdateItem applied (`false`: its condition failed, nothing written).
fn applied<O>(
    result: Result<O, aws_sdk_dynamodb::error::SdkError<UpdateItemError>>,
    op: &str,
) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if condition_failed::<UpdateItemError>(&e) => Ok(false),
        Err(e) => Err(err(op, e)),
    }
}

/// The cancellation code of each part of a cancelled transaction (`None`: that part was fine).
fn cancellation_codes(e: &TransactWriteItemsError) -> Vec<Option<String>> {
    match e {
        TransactWriteItemsError::TransactionCanceledException(t) => t
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().filter(|c| *c != "None").map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

async fn query_entries(
    store: &DynamoStore,
    chat_id: i64,
    from: u64,
    to: u64,
    forward: bool,
    limit: u32,
) -> Result<Vec<Entry>, StoreError> {
    if from > to || limit == 0 {
        return Ok(Vec::new());
    }
    store.count_read();
    let out = store
        .client()
        .query()
        .table_name(store.table())
        .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
        .expression_attribute_values(":pk", s(chat_pk(chat_id)))
        .expression_attribute_values(":from", s(entry_sk(from)))
        .expression_attribute_values(":to", s(entry_sk(to)))
        .scan_index_forward(forward)
        .limit(limit.min(1000) as i32)
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| err("bridge entries", e))?;
    Ok(out.items().iter().filter_map(entry_from).collect())
}

impl BridgeStore for DynamoStore {
    async fn chat(&self, chat_id: i64) -> Result<Option<ChatRecord>, StoreError> {
        self.count_read();
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key(chat_pk(chat_id), CHAT_SK.to_owned())))
            // The sequence must be the latest: an append is conditioned on it.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("bridge chat", e))?;
        Ok(out.item.map(|item| chat_from(chat_id, &item)))
    }

    async fn open_chat(&self, chat_id: i64) -> Result<(), StoreError> {
        self.count_write();
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(chat_pk(chat_id), CHAT_SK.to_owned())))
            .update_expression("SET seq = if_not_exists(seq, :zero), chat_id = :chat")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":chat", n(chat_id))
            .send()
            .await
            .map_err(|e| err("bridge open chat", e))?;
        Ok(())
    }

    async fn set_user(
        &self,
        chat_id: i64,
        user_id: i64,
        allowed: bool,
    ) -> Result<bool, StoreError> {
        self.count_write();
        let update = if allowed {
            "ADD #users :user"
        } else {
            "DELETE #users :user"
        };
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(chat_pk(chat_id), CHAT_SK.to_owned())))
            .update_expression(update)
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#users", "users")
            .expression_attribute_values(":user", number_set([user_id]))
            .send()
            .await;
        applied(result, "bridge set user")
    }

    async fn append(
        &self,
        chat_id: i64,
        after: u64,
        entry: &Entry,
        expires_at: Epoch,
    ) -> Result<Appended, StoreError> {
        let pk = chat_pk(chat_id);
        let seq = after + 1;
        let bump = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(pk.clone(), CHAT_SK.to_owned())))
            .update_expression("SET seq = :seq")
            .condition_expression("seq = :after")
            .expression_attribute_values(":seq", n(seq as i64))
            .expression_attribute_values(":after", n(after as i64))
            .build()
            .map_err(|e| err("bridge append", e))?;
        let mut item = key(pk.clone(), entry_sk(seq));
        item.extend([
            ("seq".to_owned(), n(seq as i64)),
            ("dir".to_owned(), s(entry.direction.code())),
            ("message_id".to_owned(), n(entry.message_id)),
            ("from_id".to_owned(), n(entry.from_id)),
            ("from_name".to_owned(), s(entry.from_name.clone())),
            ("text".to_owned(), s(entry.text.clone())),
            ("at".to_owned(), n(entry.at)),
            ("expires_at".to_owned(), n(expires_at)),
        ]);
        if let Some(reply_to) = entry.reply_to {
            item.insert("reply_to".to_owned(), n(reply_to));
        }
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| err("bridge append", e))?;
        let mut writes = vec![
            TransactWriteItem::builder().update(bump).build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        if entry.direction == Direction::In {
            let mut marker = key(pk, format!("TG#{}", entry.message_id));
            marker.insert("seq".to_owned(), n(seq as i64));
            marker.insert("expires_at".to_owned(), n(expires_at));
            writes.push(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(self.table())
                            .set_item(Some(marker))
                            .condition_expression("attribute_not_exists(pk)")
                            .build()
                            .map_err(|e| err("bridge append", e))?,
                    )
                    .build(),
            );
        }
        self.count_write();
        match self
            .client()
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(Appended::Stored(seq)),
            Err(e) => {
                let codes = e
                    .as_service_error()
                    .map(cancellation_codes)
                    .unwrap_or_default();
                let failed = |i: usize| codes.get(i).and_then(Option::as_deref);
                if failed(2) == Some("ConditionalCheckFailed") {
                    // The Telegram message's marker exists: stored already.
                    Ok(Appended::Duplicate)
                } else if codes.iter().flatten().any(|c| {
                    // The sequence moved, or another transaction held one of the items: read
                    // the chat again and retry.
                    c == "ConditionalCheckFailed" || c == "TransactionConflict"
                }) {
                    Ok(Appended::Raced)
                } else {
                    Err(err("bridge append", e))
                }
            }
        }
    }

    async fn entries_after(
        &self,
        chat_id: i64,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Entry>, StoreError> {
        query_entries(self, chat_id, after + 1, MAX_SEQ, true, limit).await
    }

    async fn entries_before(
        &self,
        chat_id: i64,
        before: u64,
        limit: u32,
    ) -> Result<Vec<Entry>, StoreError> {
        query_entries(
            self,
            chat_id,
            1,
            before.saturating_sub(1).min(MAX_SEQ),
            false,
            limit,
        )
        .await
    }

    async fn mark_read(
        &self,
        chat_id: i64,
        read: Option<u64>,
        now: Epoch,
    ) -> Result<(), StoreError> {
        let update = |advance: Option<u64>| {
            let mut u = self
                .client()
                .update_item()
                .table_name(self.table())
                .set_key(Some(key(chat_pk(chat_id), CHAT_SK.to_owned())))
                .expression_attribute_values(":now", n(now));
            u = match advance {
                Some(seq) => u
                    .update_expression("SET last_seen = :now, read_seq = :seq")
                    // Forward only: a reader with an older cursor does not move it back.
                    .condition_expression(
                        "attribute_exists(pk) AND (attribute_not_exists(read_seq) OR read_seq < :seq)",
                    )
                    .expression_attribute_values(":seq", n(seq.min(MAX_SEQ) as i64)),
                None => u
                    .update_expression("SET last_seen = :now")
                    .condition_expression("attribute_exists(pk)"),
            };
            u
        };
        self.count_write();
        if applied(update(read).send().await, "bridge mark read")? || read.is_none() {
            return Ok(());
        }
        // The cursor was ahead already: the visit is still recorded.
        self.count_write();
        applied(update(None).send().await, "bridge mark read").map(|_| ())
    }

    async fn record_error(&self, chat_id: i64, error: &str, now: Epoch) -> Result<(), StoreError> {
        self.count_write();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(chat_pk(chat_id), CHAT_SK.to_owned())))
            .update_expression("SET last_error = :error, last_error_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":error", s(error))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        applied(result, "bridge record error").map(|_| ())
    }

    /// One TransactWriteItems: the chat's push settings and its entry in the push job's list
    /// change together (set: the entry put; stopped: the entry deleted), so the list never
    /// names a chat without pushes, nor misses one that has them.
    async fn set_push(
        &self,
        chat_id: i64,
        target: Option<(&str, &str)>,
    ) -> Result<bool, StoreError> {
        let chat = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(chat_pk(chat_id), CHAT_SK.to_owned())))
            .condition_expression("attribute_exists(pk)");
        let chat = match target {
            Some((url, secret)) => chat
                .update_expression(
                    "SET push_url = :url, push_secret = :secret, pushed_seq = seq, \
                     push_attempts = :zero, push_next_at = :zero REMOVE push_dead_at",
                )
                .expression_attribute_values(":url", s(url))
                .expression_attribute_values(":secret", s(secret))
                .expression_attribute_values(":zero", n(0)),
            None => chat.update_expression(
                "REMOVE push_url, push_secret, pushed_seq, push_attempts, push_next_at, push_dead_at",
            ),
        }
        .build()
        .map_err(|e| err("bridge set push", e))?;
        let listed = key(PUSH_PK.to_owned(), chat_id.to_string());
        let list = match target {
            Some(_) => {
                let mut item = listed;
                item.insert("chat_id".to_owned(), n(chat_id));
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(self.table())
                            .set_item(Some(item))
                            .build()
                            .map_err(|e| err("bridge set push", e))?,
                    )
                    .build()
            }
            None => TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(self.table())
                        .set_key(Some(listed))
                        .build()
                        .map_err(|e| err("bridge set push", e))?,
                )
                .build(),
        };
        self.count_write();
        match self
            .client()
            .transact_write_items()
            .set_transact_items(Some(vec![
                TransactWriteItem::builder().update(chat).build(),
                list,
            ]))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => {
                let codes = e
                    .as_service_error()
                    .map(cancellation_codes)
                    .unwrap_or_default();
                if codes.first().and_then(Option::as_deref) == Some("ConditionalCheckFailed") {
                    // Not a bridge chat: nothing written.
                    Ok(false)
                } else {
                    Err(err("bridge set push", e))
                }
            }
        }
    }

    async fn push_chats(&self) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .query_all(PUSH_PK.to_owned(), None)
            .await?
            .iter()
            .filter_map(|i| get_n(i, "chat_id"))
            .collect())
    }

    async fn push_delivered(&self, chat_id: i64, seq: u64) -> Result<(), StoreError> {
        self.count_write();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(chat_pk(chat_id), CHAT_SK.to_owned())))
            .update_expression("SET pushed_seq = :seq, push_attempts = :zero, push_next_at = :zero")
            // Never back: a slower pusher of older entries does not undo a newer delivery.
            .condition_expression("attribute_exists(push_url) AND pushed_seq < :seq")
            .expression_attribute_values(":seq", n(seq as i64))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        applied(result, "bridge push delivered").map(|_| ())
    }

    async fn push_failed(
        &self,
        chat_id: i64,
        attempts: u32,
        next_at: Epoch,
        dead: Option<Epoch>,
    ) -> Result<(), StoreError> {
        self.count_write();
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(chat_pk(chat_id), CHAT_SK.to_owned())))
            .condition_expression("attribute_exists(push_url)")
            .expression_attribute_values(":attempts", n(i64::from(attempts)))
            .expression_attribute_values(":next", n(next_at));
        update = match dead {
            Some(at) => update
                .update_expression(
                    "SET push_attempts = :attempts, push_next_at = :next, push_dead_at = :dead",
                )
                .expression_attribute_values(":dead", n(at)),
            None => update.update_expression("SET push_attempts = :attempts, push_next_at = :next"),
        };
        applied(update.send().await, "bridge push failed").map(|_| ())
    }

    async fn put_key(&self, record: &KeyRecord) -> Result<(), StoreError> {
        let mut item = key_key(record.id);
        item.extend([
            ("id".to_owned(), n(record.id)),
            ("hash".to_owned(), s(record.hash.clone())),
            ("chats".to_owned(), number_set(record.chats.iter().copied())),
            ("label".to_owned(), s(record.label.clone())),
            ("created_by".to_owned(), n(record.created_by)),
            ("created_at".to_owned(), n(record.created_at)),
        ]);
        // A new id never replaces a key (a 48-bit collision fails instead; issue again).
        self.count_write();
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| err("bridge put key", e))?;
        Ok(())
    }

    async fn key(&self, id: i64) -> Result<Option<KeyRecord>, StoreError> {
        self.count_read();
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key_key(id)))
            // A revocation takes effect at once.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("bridge key", e))?;
        Ok(out.item.as_ref().and_then(key_from))
    }

    async fn keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        Ok(self
            .query_all(KEYS_PK.to_owned(), Some("KEY#"))
            .await?
            .iter()
            .filter_map(key_from)
            .collect())
    }

    async fn revoke_key(&self, id: i64, now: Epoch) -> Result<bool, StoreError> {
        self.count_write();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key_key(id)))
            .update_expression("SET revoked_at = :now")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        applied(result, "bridge revoke key")
    }
}
