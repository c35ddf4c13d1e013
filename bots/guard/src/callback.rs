//! The guard's callback data: short, versionless, validated both ways. Telegram allows 1–64
//! bytes; the route table routes by the part before the first `:`.

use super::config::{Action, Configurers};
use lambdagram::i18n::Lang;

/// Telegram's limit on `callback_data`.
pub const MAX_LEN: usize = 64;

pub const JOINED_PREFIX: &str = "joined";
pub const SETTINGS_PREFIX: &str = "set";
pub const LIFT_PREFIX: &str = "lift";

/// One settings change from the menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingChange {
    Action(Action),
    CheckOnJoin(bool),
    WarningTtlSecs(u32),
    /// 0 = until verified.
    MuteHours(u16),
    Lang(Lang),
    Configurers(Configurers),
    /// Close the menu.
    Done,
}

/// What a button means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardCallback {
    /// "I have joined", for the warned user.
    Joined {
        user_id: i64,
    },
    Settings(SettingChange),
    /// After `/unprotect`: lift every restriction the bot imposed in this group.
    LiftAll,
}

/// The warning delays and mute durations the menu offers (a closed set: nothing else decodes).
pub const WARNING_TTLS: [u32; 4] = [60, 300, 900, 3600];
pub const MUTE_HOURS: [u16; 4] = [0, 1, 24, 168];

impl GuardCallback {
    pub fn encode(&self) -> String {
        use SettingChange as S;
        let s = match self {
            GuardCallback::Joined { user_id } => format!("{JOINED_PREFIX}:{user_id}"),
            GuardCallback::LiftAll => format!("{LIFT_PREFIX}:all"),
            GuardCallback::Settings(change) => {
                let body = match change {
                    S::Action(Action::Mute) => "a:m".to_owned(),
                    S::Action(Action::DeleteOnly) => "a:d".to_owned(),
                    S::Action(Action::Kick) => "a:k".to_owned(),
                    S::CheckOnJoin(on) => format!("j:{}", u8::from(*on)),
                    S::WarningTtlSecs(secs) => format!("w:{secs}"),
                    S::MuteHours(h) => format!("h:{h}"),
                    S::Lang(lang) => format!("l:{}", lang.code()),
                    S::Configurers(Configurers::OwnerOnly) => "c:o".to_owned(),
                    S::Configurers(Configurers::Admins) => "c:a".to_owned(),
                    S::Done => "x".to_owned(),
                };
                format!("{SETTINGS_PREFIX}:{body}")
            }
        };
        debug_assert!(s.len() <= MAX_LEN);
        s
    }

    /// Reads callback data; anything not produced by [`GuardCallback::encode`] is `None`.
    pub fn decode(data: &str) -> Option<GuardCallback> {
        if data.is_empty() || data.len() > MAX_LEN {
            return None;
        }
        let (prefix, rest) = data.split_once(':')?;
        GuardCallback::decode_after(prefix, rest)
    }

    /// Reads the data `rest` after `prefix:` (what the framework hands a callback route), as
    /// [`GuardCallback::decode`] reads `prefix:rest`.
    pub fn decode_after(prefix: &str, rest: &str) -> Option<GuardCallback> {
        use SettingChange as S;
        if prefix.len() + 1 + rest.len() > MAX_LEN {
            return None;
        }
        let mut parts = rest.split(':');
        let a = parts.next();
        let b = parts.next();
        if parts.next().is_some() {
            return None;
        }
        let cb = match (prefix, a, b) {
            (JOINED_PREFIX, Some(id), None) => GuardCallback::Joined {
                user_id: id.parse().ok().filter(|id: &i64| *id > 0)?,
            },
            (LIFT_PREFIX, Some("all"), None) => GuardCallback::LiftAll,
            (SETTINGS_PREFIX, Some("x"), None) => GuardCallback::Settings(S::Done),
            (SETTINGS_PREFIX, Some(field), Some(value)) => {
                GuardCallback::Settings(match (field, value) {
                    ("a", "m") => S::Action(Action::Mute),
                    ("a", "d") => S::Action(Action::DeleteOnly),
                    ("a", "k") => S::Action(Action::Kick),
                    ("j", "0") => S::CheckOnJoin(false),
                    ("j", "1") => S::CheckOnJoin(true),
                    ("w", v) => {
                        S::WarningTtlSecs(v.parse().ok().filter(|s| WARNING_TTLS.contains(s))?)
                    }
                    ("h", v) => S::MuteHours(v.parse().ok().filter(|h| MUTE_HOURS.contains(h))?),
                    ("l", v) => S::Lang(*Lang::ALL.iter().find(|l| l.code() == v)?),
                    ("c", "o") => S::Configurers(Configurers::OwnerOnly),
                    ("c", "a") => S::Configurers(Configurers::Admins),
                    _ => return None,
                })
            }
            _ => return None,
        };
        Some(cb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<GuardCallback> {
        use SettingChange as S;
        let mut v = vec![
            GuardCallback::Joined { user_id: 111111 },
            GuardCallback::Joined { user_id: i64::MAX },
            GuardCallback::LiftAll,
        ];
        let mut changes = vec![
            S::Action(Action::Mute),
            S::Action(Action::DeleteOnly),
            S::Action(Action::Kick),
            S::CheckOnJoin(true),
            S::CheckOnJoin(false),
            S::Configurers(Configurers::OwnerOnly),
            S::Configurers(Configurers::Admins),
            S::Done,
        ];
        changes.extend(WARNING_TTLS.map(S::WarningTtlSecs));
        changes.extend(MUTE_HOURS.map(S::MuteHours));
        changes.extend(Lang::ALL.map(S::Lang));
        v.extend(changes.into_iter().map(GuardCallback::Settings));
        v
    }

    #[test]
    fn every_callback_round_trips_within_64_bytes() {
        for cb in all() {
            let data = cb.encode();
            assert!(!data.is_empty() && data.len() <= MAX_LEN, "{data}");
            assert_eq!(GuardCallback::decode(&data), Some(cb), "{data}");
            let (prefix, rest) = data.split_once(':').expect("prefix:rest");
            assert_eq!(
                GuardCallback::decode_after(prefix, rest),
                Some(cb),
                "{data}"
            );
        }
    }

    #[test]
    fn forged_or_stale_data_decodes_to_nothing() {
        for data in [
            "",
            "joined",
            "joined:",
            "joined:-5",
            "joined:abc",
            "joined:1:2",
            "set:w:301",
            "set:h:2",
            "set:l:de",
            "set:a:z",
            "lift:some",
            "other:1",
            &"x".repeat(65),
        ] {
            assert_eq!(GuardCallback::decode(data), None, "{data}");
            let (prefix, rest) = data.split_once(':').unwrap_or((data, ""));
            assert_eq!(GuardCallback::decode_after(prefix, rest), None, "{data}");
        }
    }
}
