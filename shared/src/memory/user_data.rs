//! The in-memory interaction log and key-map access: the log's items and the user registry,
//! by their DynamoDB keys (a bot's own in-memory tables are not reached: the key map's other
//! families are the DynamoDB adapter's, which the e2e tests check).

use serde_json::{json, Value};

use super::MemoryStore;
use crate::interaction_log::{chat_pk, user_pk, InteractionLog, LogEntry};
use crate::keymap::UserData;
use crate::ports::StoreError;

fn entry_json(entry: &LogEntry, pk: &str) -> Value {
    let mut item = json!({
        "pk": pk,
        "sk": entry.sk(),
        "chat_id": entry.chat_id,
        "update_id": entry.update_id,
        "kind": entry.kind,
        "route": entry.route,
        "outcome": entry.outcome,
        "at": entry.at,
        "expires_at": entry.expires_at,
    });
    if let Some(user) = entry.user_id {
        item["user_id"] = user.into();
    }
    item
}

impl InteractionLog for MemoryStore {
    async fn append(&self, entry: &LogEntry) -> Result<(), StoreError> {
        let mut s = self.lock();
        let mut pks = vec![chat_pk(entry.chat_id)];
        pks.extend(entry.user_id.map(user_pk));
        for pk in pks {
            let item = entry_json(entry, &pk);
            s.log.insert((pk, entry.sk()), item);
        }
        Ok(())
    }
}

impl UserData for MemoryStore {
    async fn items(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Value>, StoreError> {
        let s = self.lock();
        let mut items: Vec<Value> = s
            .log
            .iter()
            .filter(|((p, sk), _)| p == pk && sk.starts_with(sk_prefix))
            .map(|(_, item)| item.clone())
            .collect();
        let user = pk
            .strip_prefix("USER#")
            .and_then(|id| id.parse::<i64>().ok());
        if let Some(record) = user.and_then(|id| s.users.get(&id)) {
            if "PROFILE".starts_with(sk_prefix) {
                let mut item = serde_json::to_value(record)
                    .map_err(|e| StoreError::Failed(format!("user record: {e}")))?;
                item["pk"] = pk.into();
                item["sk"] = "PROFILE".into();
                items.push(item);
            }
        }
        Ok(items)
    }

    async fn erase_item(&self, pk: &str, sk: &str) -> Result<(), StoreError> {
        let mut s = self.lock();
        s.log.remove(&(pk.to_owned(), sk.to_owned()));
        if sk == "PROFILE" {
            if let Some(id) = pk
                .strip_prefix("USER#")
                .and_then(|id| id.parse::<i64>().ok())
            {
                s.users.remove(&id);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::{self, families, Erased, KeyMap};
    use crate::ports::{UserProfile, UserStore};
    use crate::routes::RouteTable;

    const MAP: KeyMap = KeyMap {
        table: RouteTable::new(&[]),
        families: &[families::PROFILE, families::LOG, families::ADMINS],
    };

    fn entry(chat_id: i64, user_id: i64, update_id: i64) -> LogEntry {
        LogEntry {
            chat_id,
            user_id: Some(user_id),
            update_id,
            kind: "message",
            route: "start".into(),
            outcome: "handled".into(),
            at: 1_790_000_000,
            expires_at: 1_790_086_400,
        }
    }

    #[tokio::test]
    async fn forget_erases_the_users_families_and_only_theirs_and_again_nothing() {
        let store = MemoryStore::new();
        for (user, name) in [(7, "Ann"), (8, "Bob")] {
            let profile = UserProfile {
                user_id: user,
                first_name: name.into(),
                last_name: None,
                username: None,
                lang: crate::i18n::EN,
            };
            store.record_visit(&profile, 1_790_000_000).await.unwrap();
        }
        store.append(&entry(-100, 7, 1)).await.unwrap();
        store.append(&entry(7, 7, 2)).await.unwrap();
        store.append(&entry(-100, 8, 3)).await.unwrap();

        let found = keymap::export(&store, &MAP, 7).await.unwrap();
        let sizes: Vec<(&str, usize)> = found.iter().map(|f| (f.family, f.items.len())).collect();
        assert_eq!(sizes, [("profile", 1), ("log", 2), ("admins", 0)]);
        assert_eq!(
            keymap::count(&store, &MAP, 7).await.unwrap(),
            [
                Erased {
                    family: "profile",
                    items: 1
                },
                Erased {
                    family: "log",
                    items: 2
                }
            ]
        );
        let erased = keymap::forget(&store, &MAP, 7).await.unwrap();
        assert_eq!(erased.iter().map(|e| e.items).sum::<usize>(), 3);
        assert!(store.items(&chat_pk(-100), "").await.unwrap().len() == 1);
        assert!(store.items(&chat_pk(7), "").await.unwrap().is_empty());
        assert_eq!(
            store.user(8).await.unwrap().map(|u| u.profile.user_id),
            Some(8)
        );
        assert_eq!(store.user(7).await.unwrap(), None);
        let again = keymap::forget(&store, &MAP, 7).await.unwrap();
        assert_eq!(again.iter().map(|e| e.items).sum::<usize>(), 0);
    }
}
