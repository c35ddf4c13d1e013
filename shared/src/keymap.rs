//! A bot's key map: every family of items it (and the framework parts it uses) writes that
//! holds a user's data, and how the user's id appears in their keys. `/forget`
//! (`forget_command`) and `lambdagram export --user` are both derived from it: what one finds,
//! the other erases, except the families the map keeps (and says why).

use std::future::Future;

use serde_json::{json, Value};

use crate::botsets::{BotSet, BotSets};
use crate::interaction_log;
use crate::ports::StoreError;
use crate::routes::RouteTable;

/// Where a family's items are, given the user's id. In patterns, `{user}` is the user's id;
/// any other `{name}` is something the user's id alone does not give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// The items of the partition `pk` whose sort key starts with `sk_prefix` (every item when
    /// empty).
    Items {
        pk: &'static str,
        sk_prefix: &'static str,
    },
    /// The rate limit's counters (`RATE#<route>#{user}`) of every rate-limited route of the
    /// table.
    RateCounters,
    /// The interaction log: the user's copies (`LOGUSER#{user}`) and the chat entries
    /// (`LOG#<chat>`) they point at.
    InteractionLog,
    /// A bot-wide set the user may be a member of.
    Set(BotSet),
    /// Items that hold the user's id beside a key the id alone does not give (like a record in
    /// a group's partition, `<prefix>{group}` / `<prefix>{user}`): neither found nor erased;
    /// the map says so.
    Elsewhere { pk: &'static str, sk: &'static str },
}

/// What `/forget` does to a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forget {
    Erase,
    /// Kept, for this reason (told to the user).
    Keep(&'static str),
}

/// One family of items holding a user's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Family {
    /// Short, unique in the map (`profile`, `log`): how `/forget` and `export` name it.
    pub name: &'static str,
    pub about: &'static str,
    pub keys: Keys,
    pub forget: Forget,
}

/// The framework's families a bot includes in its map when it uses their parts.
pub mod families {
    use super::*;

    /// The user registry (`/start`, `ports::UserStore`).
    pub const PROFILE: Family = Family {
        name: "profile",
        about: "the user's profile: name, username, language, first and last visit",
        keys: Keys::Items {
            pk: "USER#{user}",
            sk_prefix: "",
        },
        forget: Forget::Erase,
    };

    /// The interaction log (`interaction_log`).
    pub const LOG: Family = Family {
        name: "log",
        about: "the interaction log: update kind, route, outcome and time of each logged update",
        keys: Keys::InteractionLog,
        forget: Forget::Erase,
    };

    /// The rate limit's counters (`ratelimit`).
    pub const RATE: Family = Family {
        name: "rate",
        about: "the rate limit's counters of the user's commands",
        keys: Keys::RateCounters,
        forget: Forget::Erase,
    };

    /// The shared flood control's counts of messages sent to the user's private chat (`flood`).
    pub const FLOOD: Family = Family {
        name: "flood",
        about: "how many messages the bot sent to the user's private chat, per window",
        keys: Keys::Items {
            pk: "FLOOD#{user}",
            sk_prefix: "",
        },
        forget: Forget::Keep("counts for Telegram's flood limits, gone within two minutes"),
    };

    /// A conversation waiting for the user's answer in their private chat (`conversation`).
    pub const CONVERSATION: Family = Family {
        name: "conversation",
        about: "a conversation waiting for the user's answer in their private chat",
        keys: Keys::Items {
            pk: "CONV#{user}#{user}",
            sk_prefix: "",
        },
        forget: Forget::Erase,
    };

    /// Conversations in groups: keyed by the group too.
    pub const GROUP_CONVERSATIONS: Family = Family {
        name: "group-conversations",
        about: "conversations waiting for the user's answer in a group",
        keys: Keys::Elsewhere {
            pk: "CONV#{chat}#{user}",
            sk: "{any}",
        },
        forget: Forget::Keep("they expire within the hour, and are found only by the group"),
    };

    /// The bot's admins.
    pub const ADMINS: Family = Family {
        name: "admins",
        about: "membership of the bot's admins",
        keys: Keys::Set(BotSet::Admins),
        forget: Forget::Keep(
            "an admin's right is the bot's, not their data: another admin removes it (/admin remove)",
        ),
    };

    /// The deny-list.
    pub const DENIED: Family = Family {
        name: "denied",
        about: "membership of the deny-list",
        keys: Keys::Set(BotSet::Denied),
        forget: Forget::Keep("erasing it would lift the bot's decision to ignore the user"),
    };

    /// The allow-list.
    pub const ALLOWED: Family = Family {
        name: "allowed",
        about: "membership of the allow-list",
        keys: Keys::Set(BotSet::Allowed),
        forget: Forget::Keep(
            "it is the bot admins' decision to serve the user, not their data: an admin removes it (/allowlist remove)",
        ),
    };
}

/// A bot's key map.
#[derive(Clone, Copy, Debug)]
pub struct KeyMap {
    pub table: RouteTable,
    pub families: &'static [Family],
}

/// A family's items for one user.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub family: &'static str,
    /// Each item as stored (keys included), or the set membership.
    pub items: Vec<Value>,
    /// Why `/forget` keeps it, when it does.
    pub kept: Option<&'static str>,
}

/// What `/forget` erased of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Erased {
    pub family: &'static str,
    pub items: usize,
}

/// Generic access to the single table, by key: what `/forget` and export need.
pub trait UserData: Send + Sync {
    /// The items of partition `pk` whose sort key starts with `sk_prefix`, as JSON objects
    /// with their `pk` and `sk` (strongly consistent, every page).
    fn items(
        &self,
        pk: &str,
        sk_prefix: &str,
    ) -> impl Future<Output = Result<Vec<Value>, StoreError>> + Send;

    /// Deletes one item (nothing when it is gone).
    fn erase_item(&self, pk: &str, sk: &str)
        -> impl Future<Output = Result<(), StoreError>> + Send;
}

fn fill(pattern: &str, user: i64) -> String {
    pattern.replace("{user}", &user.to_string())
}

impl KeyMap {
    /// The partitions a family's items are in, for `user`, with the sort-key prefix.
    fn places(&self, keys: Keys, user: i64) -> Vec<(String, String)> {
        match keys {
            Keys::Items { pk, sk_prefix } => vec![(fill(pk, user), sk_prefix.to_owned())],
            Keys::RateCounters => self
                .rate_limited()
                .map(|route| (format!("RATE#{route}#{user}"), String::new()))
                .collect(),
            Keys::InteractionLog => vec![(interaction_log::user_pk(user), String::new())],
            Keys::Set(_) | Keys::Elsewhere { .. } => Vec::new(),
        }
    }

    fn rate_limited(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.table
            .iter()
            .filter(|r| r.middleware.iter().any(|m| m.limit.is_some()))
            .map(|r| r.name)
    }

    /// The partition-key prefixes `/forget` reads and erases (its grant's `leading_keys`).
    pub fn erased_prefixes(&self) -> Vec<String> {
        let mut prefixes: Vec<String> = Vec::new();
        for family in self.families {
            if family.forget != Forget::Erase {
                continue;
            }
            let add: Vec<String> = match family.keys {
                Keys::Items { pk, .. } => {
                    vec![format!("{}*", &pk[..pk.find('{').unwrap_or(pk.len())])]
                }
                Keys::RateCounters => vec!["RATE#*".into()],
                Keys::InteractionLog => vec![
                    format!("{}*", interaction_log::CHAT_PREFIX),
                    format!("{}*", interaction_log::USER_PREFIX),
                ],
                Keys::Set(_) | Keys::Elsewhere { .. } => Vec::new(),
            };
            for prefix in add {
                if !prefixes.contains(&prefix) {
                    prefixes.push(prefix);
                }
            }
        }
        prefixes
    }

    /// The family that accounts for an item with these keys holding `user`'s id, if any: how a
    /// test tells a user-keyed item the map does not declare.
    pub fn accounts_for(&self, pk: &str, sk: &str, user: i64) -> Option<&'static Family> {
        let user_s = user.to_string();
        self.families.iter().find(|family| match family.keys {
            Keys::Items { pk: p, sk_prefix } => {
                matches(p, pk, &user_s) && sk.starts_with(sk_prefix)
            }
            Keys::RateCounters => self
                .rate_limited()
                .any(|route| pk == format!("RATE#{route}#{user}")),
            // A chat's entries hold the user's id in a key only in their private chat.
            Keys::InteractionLog => {
                pk == interaction_log::user_pk(user) || pk == interaction_log::chat_pk(user)
            }
            Keys::Set(set) => pk == set.key(),
            Keys::Elsewhere { pk: p, sk: s } => matches(p, pk, &user_s) && matches(s, sk, &user_s),
        })
    }

    /// The checks a map passes: unique names, sets and unreachable families kept, patterns
    /// that hold the user.
    pub fn check(&self) -> Result<(), String> {
        for (i, family) in self.families.iter().enumerate() {
            if self.families[..i].iter().any(|f| f.name == family.name) {
                return Err(format!("family `{}` is declared twice", family.name));
            }
            match (family.keys, family.forget) {
                (Keys::Set(_) | Keys::Elsewhere { .. }, Forget::Erase) => {
                    return Err(format!(
                        "family `{}` cannot be erased by the user's id: keep it and say why",
                        family.name
                    ))
                }
                (Keys::Items { pk, .. }, _) if !pk.contains("{user}") || has_other(pk) => {
                    return Err(format!(
                        "family `{}`: its partition must follow from the user's id alone",
                        family.name
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn has_other(pattern: &str) -> bool {
    pattern.replace("{user}", "").contains('{')
}

/// Whether `text` matches `pattern`, `{user}` being `user` and any other `{name}` any
/// non-empty run of characters.
fn matches(pattern: &str, text: &str, user: &str) -> bool {
    let Some(open) = pattern.find('{') else {
        return pattern == text;
    };
    let Some(rest) = text.strip_prefix(&pattern[..open]) else {
        return false;
    };
    let close = pattern[open..]
        .find('}')
        .map_or(pattern.len(), |c| open + c + 1);
    let after = &pattern[close..];
    if &pattern[open..close] == "{user}" {
        return rest
            .strip_prefix(user)
            .is_some_and(|tail| matches(after, tail, user));
    }
    (1..=rest.len())
        .filter(|&i| rest.is_char_boundary(i))
        .any(|i| matches(after, &rest[i..], user))
}

/// Everything `map` finds for `user` (what `lambdagram export` prints), family by family in
/// the map's order.
pub async fn export<S: UserData + BotSets>(
    store: &S,
    map: &KeyMap,
    user: i64,
) -> Result<Vec<Found>, StoreError> {
    let mut found = Vec::new();
    for family in map.families {
        let mut items = Vec::new();
        match family.keys {
            Keys::Set(set) => {
                let members = store.members(set, true).await?.unwrap_or_default();
                if members.contains(&user) {
                    items.push(json!({ "set": set.key(), "member": user }));
                }
            }
            Keys::InteractionLog => {
                for copy in store.items(&interaction_log::user_pk(user), "").await? {
                    items.push(copy);
                }
            }
            keys => {
                for (pk, sk_prefix) in map.places(keys, user) {
                    items.extend(store.items(&pk, &sk_prefix).await?);
                }
            }
        }
        found.push(Found {
            family: family.name,
            items,
            kept: match family.forget {
                Forget::Keep(why) => Some(why),
                Forget::Erase => None,
            },
        });
    }
    Ok(found)
}

/// How many items `/forget` would erase, per erasable family (what it asks to confirm).
pub async fn count<S: UserData>(
    store: &S,
    map: &KeyMap,
    user: i64,
) -> Result<Vec<Erased>, StoreError> {
    let mut counts = Vec::new();
    for family in map.families.iter().filter(|f| f.forget == Forget::Erase) {
        let mut n = 0;
        for (pk, sk_prefix) in map.places(family.keys, user) {
            n += store.items(&pk, &sk_prefix).await?.len();
        }
        counts.push(Erased {
            family: family.name,
            items: n,
        });
    }
    Ok(counts)
}

/// Erases `user`'s items of every family the map erases; returns how many per family.
/// Idempotent: erasing again finds nothing. A log entry goes before the user's copy that
/// points at it, so an erasure cut short is finished by the next one.
pub async fn forget<S: UserData>(
    store: &S,
    map: &KeyMap,
    user: i64,
) -> Result<Vec<Erased>, StoreError> {
    let mut erased = Vec::new();
    for family in map.families.iter().filter(|f| f.forget == Forget::Erase) {
        let mut n = 0;
        for (pk, sk_prefix) in map.places(family.keys, user) {
            for item in store.items(&pk, &sk_prefix).await? {
                let sk = item["sk"].as_str().unwrap_or_default().to_owned();
                if family.keys == Keys::InteractionLog {
                    if let Some(chat) = item["chat_id"].as_i64() {
                        store
                            .erase_item(&interaction_log::chat_pk(chat), &sk)
                            .await?;
                    }
                }
                store.erase_item(&pk, &sk).await?;
                n += 1;
            }
        }
        erased.push(Erased {
            family: family.name,
            items: n,
        });
    }
    Ok(erased)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_the_user_and_anything_for_other_names() {
        assert!(matches("USER#{user}", "USER#7", "7"));
        assert!(!matches("USER#{user}", "USER#77", "7"));
        assert!(matches("CONV#{chat}#{user}", "CONV#-100#7", "7"));
        assert!(!matches("CONV#{chat}#{user}", "CONV#-100#8", "7"));
        assert!(matches("MARK#{user}", "MARK#7", "7"));
        assert!(matches("{any}", "x", "7"));
        assert!(!matches("{any}", "", "7"));
    }

    const TABLE: RouteTable = RouteTable::new(&[]);

    #[test]
    fn a_map_keeps_what_the_users_id_alone_cannot_find() {
        let good = KeyMap {
            table: TABLE,
            families: &[
                families::PROFILE,
                families::LOG,
                families::ADMINS,
                families::GROUP_CONVERSATIONS,
            ],
        };
        assert_eq!(good.check(), Ok(()));
        assert_eq!(good.erased_prefixes(), vec!["USER#*", "LOG#*", "LOGUSER#*"]);
        let erase_set = KeyMap {
            table: TABLE,
            families: &[Family {
                forget: Forget::Erase,
                ..families::DENIED
            }],
        };
        assert!(erase_set.check().is_err());
        let by_group = KeyMap {
            table: TABLE,
            families: &[Family {
                keys: Keys::Items {
                    pk: "TEAM#{team}",
                    sk_prefix: "",
                },
                ..families::PROFILE
            }],
        };
        assert!(by_group.check().is_err());
        assert_eq!(
            good.accounts_for("CONV#-5#7", "C", 7).map(|f| f.name),
            Some("group-conversations")
        );
        assert_eq!(good.accounts_for("OTHER#7", "X", 7), None);
    }
}
