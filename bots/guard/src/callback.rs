//! The guard's callback data: short, versionless, validated both ways. Telegram allows 1–64
//! bytes; the route table routes by the part before the first `:`.

use super::config::{Action, Configurers, JoinRequests};
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
    JoinRequests(JoinRequests),
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
    /// "I have joined", in the private chat of a user whose request to join `group_id` is held:
    /// approves the request once they are subscribed.
    JoinRequest {
        user_id: i64,
        group_id: i64,
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
            GuardCallback::JoinRequest { user_id, group_id } => {
                format!("{JOINED_PREFIX}:{user_id}:{group_id}")
            }
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
                    S::JoinRequests(JoinRequests::Off) => "r:o".to_owned(),
                    S::JoinRequests(JoinRequests::Decline) => "r:d".to_owned(),
                    S::JoinRequests(JoinRequests::Hold) => "r:h".to_owned(),
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
            // Group ids are negative; a user's private chat id is theirs.
            (JOINED_PREFIX, Some(id), Some(group)) => GuardCallback::JoinRequest {
                user_id: id.parse().ok().filter(|id: &i64| *id > 0)?,
                group_id: group.parse().ok().filter(|id: &i64| *id < 0)?,
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
                    ("l", v) => S::Lang(crate::i18n::CATALOGUE.find(v)?),
                    ("c", "o") => S::Configurers(Configurers::OwnerOnly),
                    ("c", "a") => S::Configurers(Configurers::Admins),
                    ("r", "o") => S::JoinRequests(JoinRequests::Off),
                    ("r", "d") => S::JoinRequests(JoinRequests::Decline),
                    ("r", "h") => S::JoinRequests(JoinRequests::Hold),
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
            GuardCallback::JoinRequest {
                user_id: 222222,
                group_id: -1001234567890,
            },
            GuardCallback::JoinRequest {
                user_id: i64::MAX,
                group_id: i64::MIN,
            },
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
            S::JoinRequests(JoinRequests::Off),
            S::JoinRequests(JoinRequests::Decline),
            S::JoinRequests(JoinRequests::Hold),
            S::Done,
        ];
        changes.extend(WARNING_TTLS.map(S::WarningTtlSecs));
        changes.extend(MUTE_HOURS.map(S::MuteHours));
        changes.extend(crate::i18n::LANGUAGES.iter().map(|l| S::Lang(l.lang)));
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
            "joined:-1:-2",
            "joined:1:-2:3",
            "set:r:x",
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

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn setting_change() -> impl Strategy<Value = SettingChange> {
            use SettingChange as S;
            prop_oneof![
                prop_oneof![
                    Just(Action::Mute),
                    Just(Action::DeleteOnly),
                    Just(Action::Kick)
                ]
                .prop_map(S::Action),
                any::<bool>().prop_map(S::CheckOnJoin),
                proptest::sample::select(WARNING_TTLS.to_vec()).prop_map(S::WarningTtlSecs),
                proptest::sample::select(MUTE_HOURS.to_vec()).prop_map(S::MuteHours),
                proptest::sample::select(
                    crate::i18n::LANGUAGES
                        .iter()
                        .map(|l| l.lang)
                        .collect::<Vec<_>>()
                )
                .prop_map(S::Lang),
                prop_oneof![Just(Configurers::OwnerOnly), Just(Configurers::Admins)]
                    .prop_map(S::Configurers),
                prop_oneof![
                    Just(JoinRequests::Off),
                    Just(JoinRequests::Decline),
                    Just(JoinRequests::Hold)
                ]
                .prop_map(S::JoinRequests),
                Just(S::Done),
            ]
        }

        /// Every value a button can carry: any Telegram user id (positive), any menu change.
        fn callback() -> impl Strategy<Value = GuardCallback> {
            prop_oneof![
                (1..=i64::MAX).prop_map(|user_id| GuardCallback::Joined { user_id }),
                (1..=i64::MAX, i64::MIN..0).prop_map(|(user_id, group_id)| {
                    GuardCallback::JoinRequest { user_id, group_id }
                }),
                setting_change().prop_map(GuardCallback::Settings),
                Just(GuardCallback::LiftAll),
            ]
        }

        /// Strings up to Telegram's 64 bytes: noise, and colon-joined pieces of the codec's own
        /// vocabulary and numbers, so near-misses (`joined:-1`, `set:w:61`, `set:a:m:x`) are
        /// common.
        fn callback_data() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                proptest::sample::select(vec![
                    "joined", "set", "lift", "all", "a", "m", "d", "k", "j", "w", "h", "l", "c",
                    "o", "x", "en", "ru", "", "0", "1",
                ])
                .prop_map(str::to_owned),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<u32>().prop_map(|n| format!("+{n}")),
                "[0-9a-z+-]{0,6}",
            ];
            prop_oneof![
                proptest::collection::vec(any::<char>(), 0..=64)
                    .prop_map(|chars| chars.into_iter().collect::<String>()),
                proptest::collection::vec(piece, 1..=4).prop_map(|pieces| pieces.join(":")),
            ]
            .prop_map(|s| {
                let mut end = s.len().min(MAX_LEN);
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s[..end].to_owned()
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn decode_inverts_encode_within_64_bytes(cb in callback()) {
                let data = cb.encode();
                prop_assert!(!data.is_empty() && data.len() <= MAX_LEN, "{}", data);
                prop_assert_eq!(GuardCallback::decode(&data), Some(cb));
            }

            /// Whatever a client sends, decoding never panics, and what it accepts means one
            /// value: encoding that value gives data that decodes to it again.
            #[test]
            fn decode_never_panics_and_what_it_accepts_is_stable(data in callback_data()) {
                prop_assert!(data.len() <= MAX_LEN);
                if let Some(cb) = GuardCallback::decode(&data) {
                    prop_assert_eq!(GuardCallback::decode(&cb.encode()), Some(cb), "{}", data);
                }
            }
        }
    }
}
