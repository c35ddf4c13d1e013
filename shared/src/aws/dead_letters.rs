//! Dead letters in DynamoDB: one item per update given up, in a partition per UTC day, so the
//! CLI lists the last N days with N Queries (never a Scan). Key design: docs/state.md.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::dynamo::{err, get_n, get_s, n, s, DynamoStore, Item};
use crate::ports::{DeadLetter, DeadLetterArchive, DeadLetters, Reopened, Settled, StoreError};
use crate::time::{utc_day, utc_days, Epoch};

fn letter_key(update_id: i64, at: Epoch) -> [(String, AttributeValue); 2] {
    day_key(update_id, &utc_day(at))
}

fn day_key(update_id: i64, day: &str) -> [(String, AttributeValue); 2] {
    [
        ("pk".into(), s(format!("DEAD#{day}"))),
        ("sk".into(), s(update_id.to_string())),
    ]
}

fn ledger_key(update_id: i64) -> [(String, AttributeValue); 2] {
    [
        ("pk".into(), s(format!("UPDATE#{update_id}"))),
        ("sk".into(), s("LEDGER")),
    ]
}

fn letter_from_item(item: &Item) -> Option<DeadLetter> {
    Some(DeadLetter {
        update_id: get_n(item, "update_id")?,
        route: get_s(item, "route")?,
        step: get_s(item, "step")?,
        class: get_s(item, "class")?,
        reason: get_s(item, "reason")?,
        at: get_n(item, "at")?,
        update: get_s(item, "update")?,
    })
}

impl DeadLetters for DynamoStore {
    /// One PutItem; the same update recorded again the same day replaces its letter.
    async fn record(&self, letter: &DeadLetter, keep_secs: i64) -> Result<(), StoreError> {
        self.count_write();
        let item: Item = letter_key(letter.update_id, letter.at)
            .into_iter()
            .chain([
                ("update_id".into(), n(letter.update_id)),
                ("route".into(), s(&letter.route)),
                ("step".into(), s(&letter.step)),
                ("class".into(), s(&letter.class)),
                ("reason".into(), s(&letter.reason)),
                ("at".into(), n(letter.at)),
                ("expires_at".into(), n(letter.at + keep_secs)),
                ("update".into(), s(&letter.update)),
            ])
            .collect();
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| err("record dead letter", e))?;
        Ok(())
    }
}

impl DeadLetterArchive for DynamoStore {
    /// One Query per day from `since` to `now` (paged), expired letters left out.
    async fn list(&self, since: Epoch, now: Epoch) -> Result<Vec<DeadLetter>, StoreError> {
        let mut letters = Vec::new();
        for day in utc_days(since, now) {
            let pk = format!("DEAD#{day}");
            let mut start = None;
            loop {
                self.count_read();
                let page = self
                    .client()
                    .query()
                    .table_name(self.table())
                    .consistent_read(true)
                    .key_condition_expression("pk = :pk")
                    .filter_expression("#at >= :since AND expires_at > :now")
                    .expression_attribute_names("#at", "at")
                    .expression_attribute_values(":pk", s(&pk))
                    .expression_attribute_values(":since", n(since))
                    .expression_attribute_values(":now", n(now))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| err("list dead letters", e))?;
                for item in page.items() {
                    letters.push(letter_from_item(item).ok_or_else(|| {
                        StoreError::Failed(format!("list dead letters: incomplete item in {pk}"))
                    })?);
                }
                start = page.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
        }
        letters.sort_by_key(|l| (l.at, l.update_id));
        Ok(letters)
    }

    /// An UpdateItem that marks the letter (if it is still there), then a DeleteItem of the
    /// ledger record unless a live claim holds it.
    async fn reopen(
        &self,
        letter: &DeadLetter,
        token: &str,
        now: Epoch,
    ) -> Result<Reopened, StoreError> {
        self.count_write();
        let marked = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(
                letter_key(letter.update_id, letter.at)
                    .into_iter()
                    .collect(),
            ))
            .update_expression("SET #replay = :token")
            .condition_expression("attribute_exists(pk) AND expires_at > :now")
            .expression_attribute_names("#replay", "replay")
            .expression_attribute_values(":token", s(token))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match marked {
            Ok(_) => {}
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                return Ok(Reopened::Gone)
            }
            Err(e) => return Err(err("reopen dead letter", e)),
        }
        self.count_write();
        let forgotten = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(ledger_key(letter.update_id).into_iter().collect()))
            .condition_expression(
                "attribute_not_exists(pk) OR #state = :done OR expires_at <= :now",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":done", s("done"))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match forgotten {
            Ok(_) => Ok(Reopened::Ready),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(Reopened::InFlight)
            }
            Err(e) => Err(err("reopen ledger", e)),
        }
    }

    /// A consistent GetItem per day from the reopening to now (one, two across midnight),
    /// then a DeleteItem of the old letter on condition that it still carries the token.
    async fn settle(
        &self,
        letter: &DeadLetter,
        token: &str,
        reopened_at: Epoch,
        now: Epoch,
    ) -> Result<Settled, StoreError> {
        let mut again = false;
        for day in utc_days(reopened_at, now) {
            self.count_read();
            let found = self
                .client()
                .get_item()
                .table_name(self.table())
                .consistent_read(true)
                .set_key(Some(day_key(letter.update_id, &day).into_iter().collect()))
                .send()
                .await
                .map_err(|e| err("settle dead letter", e))?;
            again |= found
                .item
                .is_some_and(|item| get_s(&item, "replay").as_deref() != Some(token));
        }
        self.count_write();
        let deleted = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(
                letter_key(letter.update_id, letter.at)
                    .into_iter()
                    .collect(),
            ))
            .condition_expression("#replay = :token")
            .expression_attribute_names("#replay", "replay")
            .expression_attribute_values(":token", s(token))
            .send()
            .await;
        match deleted {
            Ok(_) => {}
            // A fresh letter replaced it (same day): it stays.
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {}
            Err(e) => return Err(err("settle dead letter", e)),
        }
        Ok(if again {
            Settled::GivenUpAgain
        } else {
            Settled::Handled
        })
    }
}
