//! The settings menu: its text and inline keyboard, drawn from a group's configuration in the
//! group's language, and what one button does to the settings. `/settings` draws it;
//! `settings-menu` applies a press and redraws it in place, so both draw it here.

use lambdagram::teloxide_core::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::callback::{GuardCallback, SettingChange, MUTE_HOURS, WARNING_TTLS};
use super::config::{Action, Configurers, GroupConfig, JoinRequests, Settings};
use super::menu_texts as texts;
use lambdagram::i18n::{fill, Lang, Text};

/// The menu's text: the current value of every setting.
pub fn text(config: &GroupConfig) -> String {
    let lang = config.settings.lang;
    let mut text = String::from(texts::TITLE.get(lang));
    if !config.enabled {
        text.push('\n');
        text.push_str(texts::PROTECTION_OFF.get(lang));
    }
    text.push_str("\n\n");
    text.push_str(&values(&config.settings));
    text.push_str("\n\n");
    text.push_str(texts::HINT.get(lang));
    text
}

/// What the menu says once closed ("Done"): the values, and how to change them again.
pub fn summary(config: &GroupConfig) -> String {
    let lang = config.settings.lang;
    format!(
        "{}\n{}\n\n{}",
        texts::TITLE.get(lang),
        values(&config.settings),
        texts::CLOSED.get(lang)
    )
}

/// One line per setting, in the order of the keyboard's rows.
fn values(s: &Settings) -> String {
    let lang = s.lang;
    let line = |template: Text, value: &str| fill(template.get(lang), &[("value", value)]);
    [
        line(texts::ACTION_LINE, texts::action_value(s.action).get(lang)),
        line(texts::JOIN_LINE, texts::on_off(s.check_on_join).get(lang)),
        line(
            texts::JOIN_REQUESTS_LINE,
            texts::join_requests_value(s.join_requests).get(lang),
        ),
        line(
            texts::WARNING_LINE,
            &warning_ttl_label(s.warning_ttl_secs, lang),
        ),
        line(texts::MUTE_LINE, &mute_label(s.mute_hours, lang)),
        line(texts::LANG_LINE, texts::lang_name(s.lang)),
        line(
            texts::CONFIGURERS_LINE,
            texts::configurers_value(s.configurers).get(lang),
        ),
    ]
    .join("\n")
}

/// The menu's buttons, one row per setting (the mute durations in two), the current choice
/// marked, and "Done".
pub fn keyboard(s: &Settings) -> InlineKeyboardMarkup {
    use SettingChange as C;
    let lang = s.lang;
    let button = |label: String, current: bool, change: SettingChange| {
        let label = if current {
            format!("{}{label}", texts::CURRENT_MARK)
        } else {
            label
        };
        InlineKeyboardButton::callback(label, GuardCallback::Settings(change).encode())
    };
    let actions = [Action::Mute, Action::DeleteOnly, Action::Kick].map(|a| {
        button(
            texts::action_button(a).get(lang).to_owned(),
            s.action == a,
            C::Action(a),
        )
    });
    let join = [true, false].map(|on| {
        button(
            texts::join_button(on).get(lang).to_owned(),
            s.check_on_join == on,
            C::CheckOnJoin(on),
        )
    });
    let requests = [JoinRequests::Off, JoinRequests::Decline, JoinRequests::Hold].map(|j| {
        button(
            texts::join_requests_button(j).get(lang).to_owned(),
            s.join_requests == j,
            C::JoinRequests(j),
        )
    });
    let warnings = WARNING_TTLS.map(|secs| {
        button(
            format!("{} {}", texts::WARNING_ICON, warning_ttl_label(secs, lang)),
            s.warning_ttl_secs == secs,
            C::WarningTtlSecs(secs),
        )
    });
    let mutes = MUTE_HOURS.map(|h| {
        button(
            format!("{} {}", texts::MUTE_ICON, mute_label(hours(h), lang)),
            s.mute_hours.unwrap_or(0) == h,
            C::MuteHours(h),
        )
    });
    let langs: Vec<_> = crate::i18n::LANGUAGES
        .iter()
        .map(|l| button(l.name.to_owned(), s.lang == l.lang, C::Lang(l.lang)))
        .collect();
    let who = [Configurers::OwnerOnly, Configurers::Admins].map(|w| {
        button(
            texts::configurers_button(w).get(lang).to_owned(),
            s.configurers == w,
            C::Configurers(w),
        )
    });
    let done = InlineKeyboardButton::callback(
        texts::DONE_BUTTON.get(lang),
        GuardCallback::Settings(C::Done).encode(),
    );
    let (mutes_first, mutes_rest) = mutes.split_at(MUTE_HOURS.len() / 2);
    InlineKeyboardMarkup::new([
        actions.to_vec(),
        join.to_vec(),
        requests.to_vec(),
        warnings.to_vec(),
        mutes_first.to_vec(),
        mutes_rest.to_vec(),
        langs,
        who.to_vec(),
        vec![done],
    ])
}

/// The menu's mute-hours value as a setting: 0 means until verified.
fn hours(h: u16) -> Option<u16> {
    (h != 0).then_some(h)
}

/// Applies a button's change; `false` when the setting already had that value (and for
/// "Done", which changes nothing).
pub fn apply(s: &mut Settings, change: SettingChange) -> bool {
    fn set<T: PartialEq>(field: &mut T, value: T) -> bool {
        let changed = *field != value;
        *field = value;
        changed
    }
    match change {
        SettingChange::Action(a) => set(&mut s.action, a),
        SettingChange::CheckOnJoin(on) => set(&mut s.check_on_join, on),
        SettingChange::WarningTtlSecs(secs) => set(&mut s.warning_ttl_secs, secs),
        SettingChange::MuteHours(h) => set(&mut s.mute_hours, hours(h)),
        SettingChange::Lang(l) => set(&mut s.lang, l),
        SettingChange::Configurers(w) => set(&mut s.configurers, w),
        SettingChange::JoinRequests(j) => set(&mut s.join_requests, j),
        SettingChange::Done => false,
    }
}

/// A warning's lifetime, e.g. "5 min" or "1 h".
pub fn warning_ttl_label(secs: u32, lang: Lang) -> String {
    let (unit, n) = if secs >= 3600 && secs.is_multiple_of(3600) {
        (texts::HOURS, secs / 3600)
    } else {
        (texts::MINUTES, secs.div_ceil(60).max(1))
    };
    fill(unit.get(lang), &[("n", &n.to_string())])
}

/// A mute's duration: "until verified", hours below a day, whole days otherwise.
pub fn mute_label(hours: Option<u16>, lang: Lang) -> String {
    match hours {
        None | Some(0) => texts::UNTIL_VERIFIED.get(lang).to_owned(),
        Some(h) if h % 24 == 0 => {
            let days = u64::from(h / 24);
            fill(texts::DAYS.get(lang, days), &[("n", &days.to_string())])
        }
        Some(h) => fill(texts::HOURS.get(lang), &[("n", &h.to_string())]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::MAX_LEN;
    use lambdagram::teloxide_core::types::InlineKeyboardButtonKind;

    fn config(settings: Settings) -> GroupConfig {
        GroupConfig {
            enabled: true,
            settings,
            ..GroupConfig::new(-100)
        }
    }

    /// The keyboard as (label, callback data) rows.
    fn rows(s: &Settings) -> Vec<Vec<(String, String)>> {
        keyboard(s)
            .inline_keyboard
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|b| match b.kind {
                        InlineKeyboardButtonKind::CallbackData(data) => (b.text, data),
                        other => panic!("not a callback button: {other:?}"),
                    })
                    .collect()
            })
            .collect()
    }

    fn labels(s: &Settings) -> Vec<Vec<String>> {
        rows(s)
            .into_iter()
            .map(|r| r.into_iter().map(|(label, _)| label).collect())
            .collect()
    }

    #[test]
    fn the_english_menu_states_and_marks_the_defaults() {
        let c = config(Settings::default());
        assert_eq!(
            text(&c),
            "⚙️ <b>Settings</b>\n\n\
             Non-subscribers who write: <b>muted, message deleted</b>\n\
             Check on join: <b>on</b>\n\
             Join requests from non-subscribers: <b>left to admins</b>\n\
             Warnings delete themselves after: <b>5 min</b>\n\
             Mute lasts: <b>until verified</b>\n\
             Language: <b>English</b>\n\
             Who may change settings: <b>the owner and admins who can ban users</b>\n\n\
             Press a button to change a setting; ✓ marks the current choice."
        );
        assert_eq!(
            labels(&c.settings),
            [
                vec!["✓ Mute", "Delete only", "Kick"],
                vec!["✓ Check on join", "Don't check on join"],
                vec!["✓ 🚪 Admins decide", "🚪 Decline", "🚪 Hold"],
                vec!["🗑 1 min", "✓ 🗑 5 min", "🗑 15 min", "🗑 1 h"],
                vec!["✓ 🔇 until verified", "🔇 1 h"],
                vec!["🔇 1 day", "🔇 7 days"],
                vec!["✓ English", "Русский"],
                vec!["Owner only", "✓ Owner and admins"],
                vec!["Done"],
            ]
        );
    }

    #[test]
    fn the_russian_menu_marks_other_choices() {
        let c = GroupConfig {
            enabled: false,
            ..config(Settings {
                action: Action::Kick,
                check_on_join: false,
                warning_ttl_secs: 3600,
                mute_hours: Some(168),
                lang: crate::i18n::RU,
                configurers: Configurers::OwnerOnly,
                join_requests: JoinRequests::Hold,
            })
        };
        assert_eq!(
            text(&c),
            "⚙️ <b>Настройки</b>\n\
             Защита выключена: настройки заработают, когда /protect включит её снова.\n\n\
             Неподписавшиеся, которые пишут: <b>исключаются из группы</b>\n\
             Проверка при входе: <b>выкл</b>\n\
             Заявки на вступление от неподписавшихся: <b>ждут подписки</b>\n\
             Предупреждения удаляются через: <b>1 ч</b>\n\
             Ограничение длится: <b>7 дней</b>\n\
             Язык: <b>Русский</b>\n\
             Кто может менять настройки: <b>только владелец</b>\n\n\
             Нажмите кнопку, чтобы изменить настройку; ✓ отмечает текущий выбор."
        );
        assert_eq!(
            labels(&c.settings),
            [
                vec!["Ограничить", "Только удалять", "✓ Исключить"],
                vec!["Проверять при входе", "✓ Не проверять при входе"],
                vec!["🚪 Решают админы", "🚪 Отклонять", "✓ 🚪 Ждать подписки"],
                vec!["🗑 1 мин", "🗑 5 мин", "🗑 15 мин", "✓ 🗑 1 ч"],
                vec!["🔇 до проверки", "🔇 1 ч"],
                vec!["🔇 1 день", "✓ 🔇 7 дней"],
                vec!["English", "✓ Русский"],
                vec!["✓ Только владелец", "Владелец и админы"],
                vec!["Готово"],
            ]
        );
    }

    #[test]
    fn the_summary_has_the_values_and_no_hint() {
        let c = config(Settings {
            action: Action::DeleteOnly,
            mute_hours: Some(1),
            ..Settings::default()
        });
        assert_eq!(
            summary(&c),
            "⚙️ <b>Settings</b>\n\
             Non-subscribers who write: <b>message deleted only</b>\n\
             Check on join: <b>on</b>\n\
             Join requests from non-subscribers: <b>left to admins</b>\n\
             Warnings delete themselves after: <b>5 min</b>\n\
             Mute lasts: <b>1 h</b>\n\
             Language: <b>English</b>\n\
             Who may change settings: <b>the owner and admins who can ban users</b>\n\n\
             /settings changes them."
        );
    }

    #[test]
    fn every_button_decodes_to_its_change_within_64_bytes() {
        for lang in crate::i18n::LANGUAGES.iter().map(|l| l.lang) {
            let s = Settings {
                lang,
                ..Settings::default()
            };
            let all: Vec<(String, String)> = rows(&s).into_iter().flatten().collect();
            assert_eq!(all.len(), 3 + 2 + 3 + 4 + 4 + 2 + 2 + 1);
            for (label, data) in &all {
                assert!(data.len() <= MAX_LEN, "{label}: {data}");
                let Some(GuardCallback::Settings(change)) = GuardCallback::decode(data) else {
                    panic!("{label}: {data} does not decode to a settings change");
                };
                assert_eq!(GuardCallback::Settings(change).encode(), *data);
                // The marked button is exactly the one that would change nothing.
                let marked = label.starts_with(texts::CURRENT_MARK);
                let mut copy = s.clone();
                let changes = apply(&mut copy, change);
                if change != SettingChange::Done {
                    assert_eq!(marked, !changes, "{label}");
                }
            }
            let data: Vec<&str> = all.iter().map(|(_, d)| d.as_str()).collect();
            assert_eq!(
                data,
                [
                    "set:a:m",
                    "set:a:d",
                    "set:a:k",
                    "set:j:1",
                    "set:j:0",
                    "set:r:o",
                    "set:r:d",
                    "set:r:h",
                    "set:w:60",
                    "set:w:300",
                    "set:w:900",
                    "set:w:3600",
                    "set:h:0",
                    "set:h:1",
                    "set:h:24",
                    "set:h:168",
                    "set:l:en",
                    "set:l:ru",
                    "set:c:o",
                    "set:c:a",
                    "set:x"
                ]
            );
        }
    }

    #[test]
    fn applying_reports_whether_anything_changed() {
        let mut s = Settings::default();
        assert!(!apply(&mut s, SettingChange::Action(Action::Mute)));
        assert!(apply(&mut s, SettingChange::Action(Action::Kick)));
        assert_eq!(s.action, Action::Kick);
        assert!(apply(&mut s, SettingChange::MuteHours(24)));
        assert_eq!(s.mute_hours, Some(24));
        assert!(apply(&mut s, SettingChange::MuteHours(0)));
        assert_eq!(s.mute_hours, None, "0 hours is until verified");
        assert!(!apply(&mut s, SettingChange::MuteHours(0)));
        assert!(apply(&mut s, SettingChange::Lang(crate::i18n::RU)));
        assert!(apply(
            &mut s,
            SettingChange::Configurers(Configurers::OwnerOnly)
        ));
        assert!(apply(&mut s, SettingChange::CheckOnJoin(false)));
        assert!(apply(&mut s, SettingChange::WarningTtlSecs(60)));
        assert!(apply(
            &mut s,
            SettingChange::JoinRequests(JoinRequests::Decline)
        ));
        assert_eq!(s.join_requests, JoinRequests::Decline);
        let before = s.clone();
        assert!(!apply(&mut s, SettingChange::Done));
        assert_eq!(s, before);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(warning_ttl_label(60, lambdagram::i18n::EN), "1 min");
        assert_eq!(warning_ttl_label(90, lambdagram::i18n::EN), "2 min");
        assert_eq!(warning_ttl_label(7200, crate::i18n::RU), "2 ч");
        assert_eq!(mute_label(Some(48), crate::i18n::RU), "2 дня");
        assert_eq!(mute_label(Some(36), lambdagram::i18n::EN), "36 h");
        assert_eq!(mute_label(Some(0), lambdagram::i18n::EN), "until verified");
    }
}
