//! The interaction log: what a bot keeps of each update it handled, per chat, for a retention
//! time. Each bot declares what it logs ([`LogPolicy`], in its route table): which routes, and
//! whether always or only when the handler says what it did ([`RouteResponse::note`]). An entry
//! holds the update's kind, the route, the outcome and the user's id — never message text.
//!
//! The webhook writes it after dispatch (one BatchWriteItem of two items: the chat's entry and
//! the user's copy, which `/forget` and `lambdagram export` find the entry by). An update no rule
//! covers costs nothing.
//!
//! [`RouteResponse::note`]: crate::route_api::RouteResponse::note

use std::future::Future;

use serde::Serialize;

use crate::ports::StoreError;
use crate::time::Epoch;

/// When a route's updates are logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Every update the route handled (or rejected, or gave up).
    Always,
    /// Only when its handler (or a middleware) noted what it did: a guard's enforcement is
    /// logged, a pass is not (and costs nothing).
    Noted,
}

/// One route's rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Logged {
    pub route: &'static str,
    pub when: When,
}

/// What a bot logs: its rules, and how long entries are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogPolicy {
    pub rules: &'static [Logged],
    /// Days an entry is kept (DynamoDB's TTL deletes it after); the webhook's
    /// [`RETENTION_ENV`] overrides it at deploy time.
    pub retention_days: i64,
}

/// The webhook's variable that sets the retention in days (the template sets it from the
/// bot's [`LogPolicy::retention_days`]).
pub const RETENTION_ENV: &str = "INTERACTION_LOG_DAYS";

impl LogPolicy {
    /// Logs nothing (the default of a route table).
    pub const NONE: LogPolicy = LogPolicy {
        rules: &[],
        retention_days: 0,
    };

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule of `route`, if it is logged.
    pub fn rule(&self, route: &str) -> Option<When> {
        self.rules.iter().find(|r| r.route == route).map(|r| r.when)
    }
}

/// The chat's partition of the log: its history.
pub fn chat_pk(chat_id: i64) -> String {
    format!("LOG#{chat_id}")
}

/// The user's partition of the log: a copy of each entry that names them.
pub fn user_pk(user_id: i64) -> String {
    format!("LOGUSER#{user_id}")
}

/// The prefix of the log's partitions (its grants).
pub const CHAT_PREFIX: &str = "LOG#";
/// The prefix of the users' copies.
pub const USER_PREFIX: &str = "LOGUSER#";

/// One entry: exactly these fields, never text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub chat_id: i64,
    pub user_id: Option<i64>,
    pub update_id: i64,
    /// `message`, `callback_query`, `chat_member`, …
    pub kind: &'static str,
    pub route: String,
    /// The handler's note, else the webhook's outcome (`handled`, `rejected`, `dead_lettered`).
    pub outcome: String,
    pub at: Epoch,
    pub expires_at: Epoch,
}

impl LogEntry {
    /// The entry's sort key in both partitions: the update's id, zero-padded. Telegram numbers
    /// a bot's updates in order, so entries sort in time; and an update delivered again (a
    /// route without the ledger, whose first answer was lost) overwrites its entry instead of
    /// adding a second one.
    pub fn sk(&self) -> String {
        format!("{:015}", self.update_id.max(0))
    }
}

/// What the webhook knows after dispatch, to decide on an entry.
#[derive(Clone, Copy, Debug)]
pub struct Handled<'a> {
    pub route: &'static str,
    pub kind: &'static str,
    pub chat_id: Option<i64>,
    pub user_id: Option<i64>,
    pub update_id: i64,
    /// The webhook's outcome label.
    pub outcome: &'static str,
    /// What the handler noted, if anything.
    pub note: Option<&'a str>,
}

/// The entry `policy` asks for, if any; an update without a chat is not logged (the log is
/// per chat).
pub fn entry_for(
    policy: &LogPolicy,
    handled: Handled<'_>,
    now: Epoch,
    retention_days: i64,
) -> Option<LogEntry> {
    let when = policy.rule(handled.route)?;
    // Ignoring (a denied user, a refusal already told) must stay free.
    if handled.note == Some(crate::route_api::IGNORED) {
        return None;
    }
    if when == When::Noted && handled.note.is_none() {
        return None;
    }
    Some(LogEntry {
        chat_id: handled.chat_id?,
        user_id: handled.user_id,
        update_id: handled.update_id,
        kind: handled.kind,
        route: handled.route.to_owned(),
        outcome: handled.note.unwrap_or(handled.outcome).to_owned(),
        at: now,
        expires_at: now + retention_days.max(1) * 86_400,
    })
}

/// Where entries are written.
pub trait InteractionLog: Send + Sync {
    /// Writes `entry` in its chat's history and, when it names a user, their copy.
    fn append(&self, entry: &LogEntry) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The checks a policy passes against its table: every rule names a route of it, once.
pub fn check_policy(policy: &LogPolicy, routes: &[&str]) -> Result<(), String> {
    for (i, rule) in policy.rules.iter().enumerate() {
        if !routes.contains(&rule.route) {
            return Err(format!("the log names no route `{}`", rule.route));
        }
        if policy.rules[..i].iter().any(|r| r.route == rule.route) {
            return Err(format!("the log names `{}` twice", rule.route));
        }
    }
    if !policy.is_empty() && policy.retention_days < 1 {
        return Err("the log keeps entries at least a day".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: LogPolicy = LogPolicy {
        rules: &[
            Logged {
                route: "start",
                when: When::Always,
            },
            Logged {
                route: "guard",
                when: When::Noted,
            },
        ],
        retention_days: 30,
    };

    fn handled(route: &'static str, note: Option<&'static str>) -> Handled<'static> {
        Handled {
            route,
            kind: "message",
            chat_id: Some(-100),
            user_id: Some(7),
            update_id: 42,
            outcome: "handled",
            note,
        }
    }

    #[test]
    fn only_the_declared_routes_are_logged_and_noted_ones_only_when_noted() {
        let at = 1_790_000_000;
        let entry = entry_for(&POLICY, handled("start", None), at, 30).expect("logged");
        assert_eq!(
            entry,
            LogEntry {
                chat_id: -100,
                user_id: Some(7),
                update_id: 42,
                kind: "message",
                route: "start".into(),
                outcome: "handled".into(),
                at,
                expires_at: at + 30 * 86_400,
            }
        );
        assert_eq!(entry.sk(), "000000000000042");
        assert_eq!(entry_for(&POLICY, handled("help", None), at, 30), None);
        assert_eq!(
            entry_for(&POLICY, handled("start", Some("ignored")), at, 30),
            None,
            "ignoring stays free"
        );
        assert_eq!(entry_for(&POLICY, handled("guard", None), at, 30), None);
        let enforced = entry_for(&POLICY, handled("guard", Some("enforced")), at, 7);
        assert_eq!(
            enforced.map(|e| (e.outcome, e.expires_at)),
            Some(("enforced".into(), at + 7 * 86_400))
        );
        let chatless = Handled {
            chat_id: None,
            ..handled("start", None)
        };
        assert_eq!(entry_for(&POLICY, chatless, at, 30), None);
    }

    #[test]
    fn a_policy_names_routes_of_its_table_once() {
        assert_eq!(check_policy(&POLICY, &["start", "guard"]), Ok(()));
        assert!(check_policy(&POLICY, &["start"]).is_err());
        const TWICE: &[Logged] = &[
            Logged {
                route: "start",
                when: When::Always,
            },
            Logged {
                route: "start",
                when: When::Noted,
            },
        ];
        let twice = LogPolicy {
            rules: TWICE,
            ..POLICY
        };
        assert!(check_policy(&twice, &["start"]).is_err());
        assert_eq!(check_policy(&LogPolicy::NONE, &[]), Ok(()));
    }
}
