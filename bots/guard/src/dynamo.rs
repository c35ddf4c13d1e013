//! The DynamoDB adapter of the guard's store port. Keys: docs/guard-design.md.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};

use crate::config::GroupConfig;
use crate::store::{
    DeferredWarning, DeferredWarningStore, GroupDirectory, GroupState, GroupStore, MemberState,
    MemberStore, Restriction, RestrictionStore, SweepStore, Warning, WarningStore,
};
use lambdagram::aws::{err, get_n, get_s, n, s, DynamoStore, Item};
use lambdagram::ports::StoreError;
use lambdagram::time::Epoch;

fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

fn group_pk(group_id: i64) -> String {
    format!("GROUP#{group_id}")
}

/// A user's cached channel memberships: one item per user, one attribute per channel
/// (`ch<channel id>`: `{subscribed, expires_at}`), so the gate reads every answer it may need
/// in the same request as the group's state, before it knows which channels the group links.
fn subs_key(user_id: i64) -> Item {
    key(format!("SUBS#{user_id}"), "SUBS")
}

fn channel_attr(channel_id: i64) -> String {
    format!("ch{channel_id}")
}

/// How long a user's membership item outlives the answer last written to it: longer than any
/// answer's lifetime (`cache::ttl_secs`), so no live answer is ever deleted with the item.
const SUBS_ITEM_MARGIN_SECS: Epoch = 900;
// The margin must exceed the longest answer's lifetime (a positive one, jittered up).
const _: () = assert!(
    SUBS_ITEM_MARGIN_SECS
        > crate::cache::POSITIVE_TTL_SECS + crate::cache::POSITIVE_TTL_SECS * 15 / 100 + 1
);

/// The sweeper's progress: one item.
fn sweep_key() -> Item {
    key("SWEEP".to_owned(), "WATERMARK")
}

/// The deferred-warning queue: one partition, sorted by when each may be posted, so the
/// sweeper reads everything due with one Query however long the backlog.
const DEFER_PK: &str = "DEFER";

fn defer_key(w: &DeferredWarning) -> Item {
    key(
        DEFER_PK.to_owned(),
        format!("{:012}#{}#{}", w.post_at.max(0), w.group_id, w.user_id),
    )
}

/// Deferred warnings older than this are dropped from the queue (their claim is long gone).
const DEFER_BACKLOG_SECS: Epoch = 86_400;

fn deferred_from(item: &Item) -> Option<DeferredWarning> {
    Some(DeferredWarning {
        group_id: get_n(item, "group_id")?,
        user_id: get_n(item, "user_id")?,
        name: get_s(item, "name").unwrap_or_default(),
        channels: item
            .get("channels")
            .and_then(|v| v.as_l().ok())
            .map(|l| {
                l.iter()
                    .filter_map(|v| v.as_n().ok()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default(),
        post_at: get_n(item, "post_at")?,
    })
}

fn due_pk(at: Epoch) -> String {
    format!("DUE#{}", at.div_euclid(60))
}

/// Whether a `MUTE#` record is only the intent (absent on confirmed records).
fn pending(item: &Item) -> bool {
    item.get("pending")
        .and_then(|v| v.as_bool().ok())
        .copied()
        .unwrap_or(false)
}

fn live(item: &Item, now: Epoch) -> bool {
    get_n(item, "expires_at").is_none_or(|exp| exp > now)
}

fn with(mut item: Item, attrs: impl IntoIterator<Item = (&'static str, AttributeValue)>) -> Item {
    item.extend(attrs.into_iter().map(|(k, v)| (k.to_owned(), v)));
    item
}

/// Whether a transaction was cancelled by its first item's condition (`save_group`: the
/// configuration's revision; `defer_warning`: the claim still unposted).
fn first_condition_failed(e: &TransactWriteItemsError) -> bool {
    match e {
        TransactWriteItemsError::TransactionCanceledException(t) => t
            .cancellation_reasons()
            .first()
            .and_then(|r| r.code())
            .is_some_and(|code| code == "ConditionalCheckFailed"),
        _ => false,
    }
}

fn warning_from(item: &Item) -> Option<Warning> {
    Some(Warning {
        user_id: get_n(item, "user_id")?,
        message_id: get_n(item, "message_id").and_then(|m| i32::try_from(m).ok()),
        delete_at: get_n(item, "delete_at")?,
    })
}

/// The guard's own operations on the table, beside the framework's generic ones.
trait GuardDynamo {
    /// Deletes the member's warning claim if it is `token`'s: best effort, after a claiming put
    /// whose outcome is unknown.
    fn withdraw_claim(
        &self,
        group_id: i64,
        user_id: i64,
        token: &str,
    ) -> impl std::future::Future<Output = ()> + Send;

    fn delete_warning_item(
        &self,
        op: &str,
        key: Item,
        message_id: i32,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;
}

impl GuardDynamo for DynamoStore {
    async fn withdraw_claim(&self, group_id: i64, user_id: i64, token: &str) {
        self.count_write();
        let result = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(group_pk(group_id), format!("WARN#{user_id}"))))
            .condition_expression("claim = :token")
            .expression_attribute_values(":token", s(token))
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)) => {}
            Err(e) => {
                tracing::warn!(group_id, error = %err("withdraw_claim", e), "warning claim not withdrawn")
            }
        }
    }

    /// Deletes a warning's item (its record or its queue entry) only if it is about the message
    /// `message_id`: a newer warning of the same user (or its entry in the same minute) stays.
    async fn delete_warning_item(
        &self,
        op: &str,
        key: Item,
        message_id: i32,
    ) -> Result<(), StoreError> {
        self.count_write();
        let result = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key))
            .condition_expression("message_id = :mid")
            .expression_attribute_values(":mid", n(i64::from(message_id)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(())
            }
            Err(e) => Err(err(op, e)),
        }
    }
}

fn transact_put(item: Item, table: &str) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .build()
        .map_err(|e| err("transact", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

impl GroupDirectory for DynamoStore {
    /// Every group with a configuration (protected or not), by group id: the operator's view
    /// (`lambdagram doctor`), not part of [`GuardStore`] since no route needs it.
    ///
    /// A paginated `Scan` with `FilterExpression sk = CONFIG`: it reads the whole table (every
    /// cached membership and ledger item too), which is acceptable for a tool an operator runs
    /// now and then, and never on the hot path. Only the attribute `config` is fetched.
    async fn all_groups(&self) -> Result<Vec<GroupConfig>, StoreError> {
        let mut groups = Vec::new();
        let mut start = None;
        loop {
            self.count_read();
            let out = self
                .client()
                .scan()
                .table_name(self.table())
                .filter_expression("sk = :config")
                .expression_attribute_values(":config", s("CONFIG"))
                .projection_expression("pk, sk, config")
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| err("all_groups", e))?;
            for item in out.items.unwrap_or_default() {
                let pk = get_s(&item, "pk").unwrap_or_default();
                if !pk.starts_with("GROUP#") {
                    continue;
                }
                let json = get_s(&item, "config").unwrap_or_default();
                let config: GroupConfig = serde_json::from_str(&json)
                    .map_err(|e| StoreError::Failed(format!("{pk}: unreadable config: {e}")))?;
                groups.push(config);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        groups.sort_by_key(|g| g.group_id);
        Ok(groups)
    }
}

impl GroupStore for DynamoStore {
    async fn group_state(&self, group_id: i64, now: Epoch) -> Result<GroupState, StoreError> {
        let items = self.batch_get(group_keys(group_id)).await?;
        group_from(group_id, &items, now)
    }

    async fn save_group(
        &self,
        config: &mut GroupConfig,
        unlinked: &[i64],
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(config).map_err(|e| StoreError::Failed(e.to_string()))?;
        let next = config.version + 1;
        let item = with(
            key(group_pk(config.group_id), "CONFIG"),
            [
                ("config", s(json)),
                ("enabled", AttributeValue::Bool(config.enabled)),
                ("version", n(i64::try_from(next).unwrap_or(i64::MAX))),
            ],
        );
        let put = Put::builder().table_name(self.table()).set_item(Some(item));
        let put = match config.version {
            // Read from no item, or from one written before revisions existed.
            0 => put.condition_expression("attribute_not_exists(version)"),
            read => put
                .condition_expression("version = :read")
                .expression_attribute_values(":read", n(i64::try_from(read).unwrap_or(i64::MAX))),
        };
        let put = put.build().map_err(|e| err("save_group", e))?;
        let mut writes = vec![TransactWriteItem::builder().put(put).build()];
        for c in &config.channels {
            writes.push(transact_put(
                with(
                    key(format!("CHANNEL#{}", c.id), group_pk(config.group_id)),
                    [("group_id", n(config.group_id))],
                ),
                self.table(),
            )?);
        }
        for c in unlinked {
            let delete = Delete::builder()
                .table_name(self.table())
                .set_key(Some(key(format!("CHANNEL#{c}"), group_pk(config.group_id))))
                .build()
                .map_err(|e| err("save_group", e))?;
            writes.push(TransactWriteItem::builder().delete(delete).build());
        }
        self.count_write();
        let result = self
            .client()
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        match result {
            Ok(_) => {
                config.version = next;
                Ok(())
            }
            Err(SdkError::ServiceError(e)) if first_condition_failed(e.err()) => Err(
                StoreError::Conflict(format!("group {}'s configuration", config.group_id)),
            ),
            Err(e) => Err(err("save_group", e)),
        }
    }

    async fn groups_linked_to(&self, channel_id: i64) -> Result<Vec<i64>, StoreError> {
        let items = self
            .query_all(format!("CHANNEL#{channel_id}"), Some("GROUP#"))
            .await?;
        Ok(items.iter().filter_map(|i| get_n(i, "group_id")).collect())
    }

    async fn cache_admins(
        &self,
        group_id: i64,
        admins: &[i64],
        expires_at: Epoch,
    ) -> Result<(), StoreError> {
        let list = AttributeValue::L(admins.iter().map(|a| n(*a)).collect());
        self.put(
            "cache_admins",
            with(
                key(group_pk(group_id), "ADMINS"),
                [("admins", list), ("expires_at", n(expires_at))],
            ),
        )
        .await
    }
}

impl MemberStore for DynamoStore {
    async fn member_state(
        &self,
        group_id: i64,
        user_id: i64,
        channels: &[i64],
        now: Epoch,
    ) -> Result<MemberState, StoreError> {
        let items = self
            .batch_get(member_keys(group_id, user_id, !channels.is_empty()))
            .await?;
        Ok(member_from(user_id, channels, &items, now))
    }

    /// One `BatchGetItem` of five keys: the group's config and admins, and the member's
    /// memberships, warning and restriction record.
    async fn gate_state(
        &self,
        group_id: i64,
        user_id: i64,
        now: Epoch,
    ) -> Result<(GroupState, MemberState), StoreError> {
        let mut keys = group_keys(group_id);
        keys.extend(member_keys(group_id, user_id, true));
        let items = self.batch_get(keys).await?;
        let group = group_from(group_id, &items, now)?;
        let channels = group.channel_ids();
        let member = member_from(user_id, &channels, &items, now);
        Ok((group, member))
    }

    async fn cache_subscription(
        &self,
        channel_id: i64,
        user_id: i64,
        subscribed: bool,
        expires_at: Epoch,
    ) -> Result<(), StoreError> {
        let answer = AttributeValue::M(HashMap::from([
            ("subscribed".to_owned(), AttributeValue::Bool(subscribed)),
            ("expires_at".to_owned(), n(expires_at)),
        ]));
        self.count_write();
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(subs_key(user_id)))
            .update_expression("SET #ch = :answer, expires_at = :item_expires")
            .expression_attribute_names("#ch", channel_attr(channel_id))
            .expression_attribute_values(":answer", answer)
            .expression_attribute_values(
                ":item_expires",
                n(expires_at.saturating_add(SUBS_ITEM_MARGIN_SECS)),
            )
            .send()
            .await
            .map_err(|e| err("cache_subscription", e))?;
        Ok(())
    }

    async fn forget_subscription(&self, channel_id: i64, user_id: i64) -> Result<(), StoreError> {
        self.count_write();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(subs_key(user_id)))
            .update_expression("REMOVE #ch")
            // Never creates the item (it would have no expiry).
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#ch", channel_attr(channel_id))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(())
            }
            Err(e) => Err(err("forget_subscription", e)),
        }
    }
}

/// The group's config and admin cache.
fn group_keys(group_id: i64) -> Vec<Item> {
    vec![
        key(group_pk(group_id), "CONFIG"),
        key(group_pk(group_id), "ADMINS"),
    ]
}

/// The member's warning and restriction record, and (`memberships`) their cached answers.
fn member_keys(group_id: i64, user_id: i64, memberships: bool) -> Vec<Item> {
    let mut keys = vec![
        key(group_pk(group_id), format!("WARN#{user_id}")),
        key(group_pk(group_id), format!("MUTE#{user_id}")),
    ];
    if memberships {
        keys.push(subs_key(user_id));
    }
    keys
}

/// The group's state from a batch's items (others ignored).
fn group_from(group_id: i64, items: &[Item], now: Epoch) -> Result<GroupState, StoreError> {
    let group = group_pk(group_id);
    let mut state = GroupState::default();
    for item in items
        .iter()
        .filter(|i| get_s(i, "pk") == Some(group.clone()))
    {
        match get_s(item, "sk").as_deref() {
            Some("CONFIG") => {
                let json = get_s(item, "config").unwrap_or_default();
                let mut config: GroupConfig = serde_json::from_str(&json).map_err(|e| {
                    StoreError::Failed(format!("group {group_id}: unreadable config: {e}"))
                })?;
                config.version = get_n(item, "version")
                    .and_then(|v| u64::try_from(v).ok())
                    .unwrap_or(0);
                state.config = Some(config);
            }
            Some("ADMINS") if live(item, now) => {
                state.admins = item.get("admins").and_then(|v| v.as_l().ok()).map(|l| {
                    l.iter()
                        .filter_map(|v| v.as_n().ok()?.parse().ok())
                        .collect()
                });
            }
            _ => {}
        }
    }
    Ok(state)
}

/// The member's state from a batch's items, with the cached answer for each of `channels`.
fn member_from(user_id: i64, channels: &[i64], items: &[Item], now: Epoch) -> MemberState {
    let mut state = MemberState {
        subscriptions: channels.iter().map(|c| (*c, None)).collect(),
        ..MemberState::default()
    };
    let warn = format!("WARN#{user_id}");
    let mute = format!("MUTE#{user_id}");
    for item in items {
        let sk = get_s(item, "sk").unwrap_or_default();
        if sk == "SUBS" {
            for (channel, answer) in &mut state.subscriptions {
                *answer = item
                    .get(&channel_attr(*channel))
                    .and_then(|v| v.as_m().ok())
                    .filter(|m| get_n(m, "expires_at").is_some_and(|exp| exp > now))
                    .and_then(|m| m.get("subscribed")?.as_bool().ok().copied());
            }
        } else if sk == warn {
            state.warning = warning_from(item).filter(|w| w.delete_at > now);
        } else if sk == mute {
            // A timed mute that has ended is over: the next check restricts again.
            state.restricted_by_bot = get_n(item, "until").is_none_or(|until| until > now);
            state.restriction_pending = state.restricted_by_bot && pending(item);
        }
    }
    state
}

impl RestrictionStore for DynamoStore {
    async fn record_restriction(
        &self,
        group_id: i64,
        restriction: &Restriction,
    ) -> Result<(), StoreError> {
        let mut item = with(
            key(group_pk(group_id), format!("MUTE#{}", restriction.user_id)),
            [
                ("user_id", n(restriction.user_id)),
                ("since", n(restriction.since)),
            ],
        );
        if restriction.pending {
            item.insert("pending".into(), AttributeValue::Bool(true));
        }
        if let Some(until) = restriction.until {
            item.insert("until".into(), n(until));
            // Over by itself at `until`: DynamoDB may drop the record a day later.
            item.insert("expires_at".into(), n(until + 86_400));
        }
        self.put("record_restriction", item).await
    }

    async fn restrictions(&self, group_id: i64) -> Result<Vec<Restriction>, StoreError> {
        let items = self.query_all(group_pk(group_id), Some("MUTE#")).await?;
        Ok(items
            .iter()
            .filter_map(|i| {
                Some(Restriction {
                    user_id: get_n(i, "user_id")?,
                    since: get_n(i, "since")?,
                    until: get_n(i, "until"),
                    pending: pending(i),
                })
            })
            .collect())
    }

    async fn remove_restriction(&self, group_id: i64, user_id: i64) -> Result<bool, StoreError> {
        let old = self
            .delete(
                "remove_restriction",
                key(group_pk(group_id), format!("MUTE#{user_id}")),
            )
            .await?;
        Ok(old.is_some_and(|o| !o.is_empty()))
    }
}

impl WarningStore for DynamoStore {
    async fn claim_warning(
        &self,
        group_id: i64,
        user_id: i64,
        now: Epoch,
        delete_at: Epoch,
    ) -> Result<bool, StoreError> {
        self.count_write();
        // The claim's token: when the SDK retries a put whose answer was lost, the condition
        // fails on our own claim, which must still read as ours (else no one warns).
        let token = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(with(
                key(group_pk(group_id), format!("WARN#{user_id}")),
                [
                    ("user_id", n(user_id)),
                    ("delete_at", n(delete_at)),
                    ("expires_at", n(delete_at)),
                    ("claim", s(&token)),
                ],
            )))
            .condition_expression("attribute_not_exists(pk) OR delete_at <= :now")
            .expression_attribute_values(":now", n(now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(c) => Ok(c
                    .item
                    .as_ref()
                    .and_then(|i| get_s(i, "claim"))
                    .is_some_and(|claim| claim == token)),
                other => {
                    self.withdraw_claim(group_id, user_id, &token).await;
                    Err(err("claim_warning", other))
                }
            },
            Err(e) => {
                // The claim may have been written with its answer lost: withdrawn (only if it
                // is this attempt's), so the redelivery warns instead of meeting a claim no one
                // will post.
                self.withdraw_claim(group_id, user_id, &token).await;
                Err(err("claim_warning", e))
            }
        }
    }

    async fn set_warning_message(
        &self,
        group_id: i64,
        user_id: i64,
        message_id: i32,
        delete_at: Epoch,
    ) -> Result<(), StoreError> {
        let warning = with(
            key(group_pk(group_id), format!("WARN#{user_id}")),
            [
                ("user_id", n(user_id)),
                ("message_id", n(i64::from(message_id))),
                ("delete_at", n(delete_at)),
                ("expires_at", n(delete_at)),
            ],
        );
        let due = with(
            key(due_pk(delete_at), format!("{group_id}#{user_id}")),
            [
                ("group_id", n(group_id)),
                ("user_id", n(user_id)),
                ("message_id", n(i64::from(message_id))),
                ("delete_at", n(delete_at)),
                // Kept a day past its time, so a late sweeper still finds it.
                ("expires_at", n(delete_at + 86_400)),
            ],
        );
        self.count_write();
        self.client()
            .transact_write_items()
            .transact_items(transact_put(warning, self.table())?)
            .transact_items(transact_put(due, self.table())?)
            .send()
            .await
            .map_err(|e| err("set_warning_message", e))?;
        Ok(())
    }

    async fn hold_warning_claim(
        &self,
        group_id: i64,
        user_id: i64,
        until: Epoch,
    ) -> Result<(), StoreError> {
        self.count_write();
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(with(
                key(group_pk(group_id), format!("WARN#{user_id}")),
                [
                    ("user_id", n(user_id)),
                    ("delete_at", n(until)),
                    ("expires_at", n(until)),
                    ("uncertain", AttributeValue::Bool(true)),
                ],
            )))
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(message_id)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(())
            }
            Err(e) => Err(err("hold_warning_claim", e)),
        }
    }

    async fn set_claim_deferred(
        &self,
        group_id: i64,
        user_id: i64,
        deferred: bool,
        hold_until: Epoch,
    ) -> Result<bool, StoreError> {
        let mut item = with(
            key(group_pk(group_id), format!("WARN#{user_id}")),
            [
                ("user_id", n(user_id)),
                ("delete_at", n(hold_until)),
                ("expires_at", n(hold_until)),
            ],
        );
        let condition = if deferred {
            item.insert("deferred".into(), AttributeValue::Bool(true));
            "attribute_exists(pk) AND attribute_not_exists(message_id)"
        } else {
            // Taken by one run only: the flag goes with this write.
            "#deferred = :yes AND attribute_not_exists(message_id)"
        };
        let mut put = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression(condition);
        if !deferred {
            // `deferred` is one of DynamoDB's reserved words.
            put = put
                .expression_attribute_names("#deferred", "deferred")
                .expression_attribute_values(":yes", AttributeValue::Bool(true));
        }
        self.count_write();
        match put.send().await {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(false)
            }
            Err(e) => Err(err("set_claim_deferred", e)),
        }
    }

    async fn defer_warning(
        &self,
        warning: &DeferredWarning,
        hold_until: Epoch,
    ) -> Result<bool, StoreError> {
        let (group_id, user_id) = (warning.group_id, warning.user_id);
        // The claim, held longer, and only if it is still an unposted claim: a lift since then
        // removed it, and the member needs no warning.
        let hold = Put::builder()
            .table_name(self.table())
            .set_item(Some(with(
                key(group_pk(group_id), format!("WARN#{user_id}")),
                [
                    ("user_id", n(user_id)),
                    ("delete_at", n(hold_until)),
                    ("expires_at", n(hold_until)),
                    ("deferred", AttributeValue::Bool(true)),
                ],
            )))
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(message_id)")
            .build()
            .map_err(|e| err("defer_warning", e))?;
        let queued = with(
            defer_key(warning),
            [
                ("group_id", n(group_id)),
                ("user_id", n(user_id)),
                ("name", s(&warning.name)),
                (
                    "channels",
                    AttributeValue::L(warning.channels.iter().map(|c| n(*c)).collect()),
                ),
                ("post_at", n(warning.post_at)),
                ("expires_at", n(warning.post_at + DEFER_BACKLOG_SECS)),
            ],
        );
        self.count_write();
        let result = self
            .client()
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(hold).build())
            .transact_items(transact_put(queued, self.table())?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if first_condition_failed(e.err()) => Ok(false),
            Err(e) => Err(err("defer_warning", e)),
        }
    }

    async fn remove_warning(
        &self,
        group_id: i64,
        user_id: i64,
        now: Epoch,
    ) -> Result<Option<Warning>, StoreError> {
        let old = self
            .delete(
                "remove_warning",
                key(group_pk(group_id), format!("WARN#{user_id}")),
            )
            .await?;
        let warning = old.as_ref().and_then(warning_from);
        // Its deletion-queue entry goes too, so the sweeper does not delete the message again
        // (only this warning's entry: a newer one in the same minute has another message id).
        if let Some(Warning {
            message_id: Some(message_id),
            delete_at,
            ..
        }) = &warning
        {
            let due = key(due_pk(*delete_at), format!("{group_id}#{user_id}"));
            self.delete_warning_item("remove_warning", due, *message_id)
                .await?;
        }
        Ok(warning.filter(|w| w.delete_at > now))
    }
}

impl DeferredWarningStore for DynamoStore {
    async fn deferred_warnings(
        &self,
        until: Epoch,
        max: usize,
    ) -> Result<Vec<DeferredWarning>, StoreError> {
        self.count_read();
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk AND sk <= :until")
            .expression_attribute_values(":pk", s(DEFER_PK))
            // Every key of a second sorts below its "~".
            .expression_attribute_values(":until", s(format!("{:012}~", until.max(0))))
            .limit(i32::try_from(max).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| err("deferred_warnings", e))?;
        Ok(out
            .items
            .unwrap_or_default()
            .iter()
            .filter(|i| live(i, until))
            .filter_map(deferred_from)
            .collect())
    }

    async fn forget_deferred(&self, warning: &DeferredWarning) -> Result<(), StoreError> {
        self.delete("forget_deferred", defer_key(warning))
            .await
            .map(drop)
    }
}

impl SweepStore for DynamoStore {
    async fn sweep_watermark(&self) -> Result<Option<Epoch>, StoreError> {
        self.count_read();
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(sweep_key()))
            .send()
            .await
            .map_err(|e| err("sweep_watermark", e))?;
        Ok(out.item.as_ref().and_then(|i| get_n(i, "swept_until")))
    }

    async fn set_sweep_watermark(&self, swept_until: Epoch) -> Result<(), StoreError> {
        let item = with(sweep_key(), [("swept_until", n(swept_until))]);
        self.put("set_sweep_watermark", item).await
    }

    async fn due_warnings(
        &self,
        after: Epoch,
        until: Epoch,
    ) -> Result<Vec<(i64, Warning)>, StoreError> {
        let mut out = Vec::new();
        let (first, last) = (after.div_euclid(60), until.div_euclid(60));
        for bucket in first..=last {
            for item in self.query_all(format!("DUE#{bucket}"), None).await? {
                let (Some(group), Some(w)) = (get_n(&item, "group_id"), warning_from(&item)) else {
                    continue;
                };
                if w.delete_at > after && w.delete_at <= until {
                    out.push((group, w));
                }
            }
        }
        out.sort_by_key(|(g, w)| (w.delete_at, *g, w.user_id));
        Ok(out)
    }

    async fn remove_swept_warning(
        &self,
        group_id: i64,
        warning: &Warning,
    ) -> Result<(), StoreError> {
        let Some(message_id) = warning.message_id else {
            return Ok(());
        };
        let user_id = warning.user_id;
        let keys = [
            key(group_pk(group_id), format!("WARN#{user_id}")),
            key(due_pk(warning.delete_at), format!("{group_id}#{user_id}")),
        ];
        for key in keys {
            self.delete_warning_item("remove_swept_warning", key, message_id)
                .await?;
        }
        Ok(())
    }
}
