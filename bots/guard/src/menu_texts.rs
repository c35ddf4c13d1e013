//! The texts of the settings menu (`/settings` and its buttons), in every language. HTML parse
//! mode; nothing here holds user content.

use super::config::{Action, Configurers, JoinRequests};
use lambdagram::i18n::{Plural, Text};

pub const TITLE: Text = t! {
    en: "⚙️ <b>Settings</b>",
    ru: "⚙️ <b>Настройки</b>",
};
pub const PROTECTION_OFF: Text = t! {
    en: "Protection is off: these apply once /protect turns it on again.",
    ru: "Защита выключена: настройки заработают, когда /protect включит её снова.",
};
pub const HINT: Text = t! {
    en: "Press a button to change a setting; ✓ marks the current choice.",
    ru: "Нажмите кнопку, чтобы изменить настройку; ✓ отмечает текущий выбор.",
};
pub const CLOSED: Text = t! {
    en: "/settings changes them.",
    ru: "Изменить их: /settings.",
};

/// `/settings` in a group that was never protected.
pub const NOT_SET_UP: Text = t! {
    en: "This group is not protected yet, so there is nothing to set. Start with <code>/protect @channel</code>; then /settings.",
    ru: "Эта группа ещё не защищена, настраивать нечего. Начните с <code>/protect @канал</code>, затем /settings.",
};
/// A button pressed under a menu of a group with no configuration (not shown as HTML).
pub const NOT_SET_UP_ALERT: Text = t! {
    en: "This group is not protected. Start with /protect @channel.",
    ru: "Эта группа не защищена. Начните с /protect @канал.",
};
/// The toast after a change was saved.
pub const SAVED: Text = t! {
    en: "Saved",
    ru: "Сохранено",
};

pub const ACTION_LINE: Text = t! {
    en: "Non-subscribers who write: <b>{value}</b>",
    ru: "Неподписавшиеся, которые пишут: <b>{value}</b>",
};
pub const JOIN_LINE: Text = t! {
    en: "Check on join: <b>{value}</b>",
    ru: "Проверка при входе: <b>{value}</b>",
};
pub const JOIN_REQUESTS_LINE: Text = t! {
    en: "Join requests from non-subscribers: <b>{value}</b>",
    ru: "Заявки на вступление от неподписавшихся: <b>{value}</b>",
};
pub const WARNING_LINE: Text = t! {
    en: "Warnings delete themselves after: <b>{value}</b>",
    ru: "Предупреждения удаляются через: <b>{value}</b>",
};
pub const MUTE_LINE: Text = t! {
    en: "Mute lasts: <b>{value}</b>",
    ru: "Ограничение длится: <b>{value}</b>",
};
pub const LANG_LINE: Text = t! {
    en: "Language: <b>{value}</b>",
    ru: "Язык: <b>{value}</b>",
};
pub const CONFIGURERS_LINE: Text = t! {
    en: "Who may change settings: <b>{value}</b>",
    ru: "Кто может менять настройки: <b>{value}</b>",
};

/// The action as the menu's text states it.
pub fn action_value(action: Action) -> Text {
    match action {
        Action::Mute => t! {
            en: "muted, message deleted",
            ru: "ограничиваются, сообщение удаляется",
        },
        Action::DeleteOnly => t! {
            en: "message deleted only",
            ru: "только удаляется сообщение",
        },
        Action::Kick => t! {
            en: "removed from the group",
            ru: "исключаются из группы",
        },
    }
}

/// The action's button.
pub fn action_button(action: Action) -> Text {
    match action {
        Action::Mute => t! {
            en: "Mute",
            ru: "Ограничить",
        },
        Action::DeleteOnly => t! {
            en: "Delete only",
            ru: "Только удалять",
        },
        Action::Kick => t! {
            en: "Kick",
            ru: "Исключить",
        },
    }
}

pub fn on_off(on: bool) -> Text {
    if on {
        t! {
            en: "on",
            ru: "вкл",
        }
    } else {
        t! {
            en: "off",
            ru: "выкл",
        }
    }
}

/// The join check's buttons.
pub fn join_button(on: bool) -> Text {
    if on {
        t! {
            en: "Check on join",
            ru: "Проверять при входе",
        }
    } else {
        t! {
            en: "Don't check on join",
            ru: "Не проверять при входе",
        }
    }
}

/// What becomes of a non-subscriber's join request, as the menu's text states it.
pub fn join_requests_value(j: JoinRequests) -> Text {
    match j {
        JoinRequests::Off => t! {
            en: "left to admins",
            ru: "решают админы",
        },
        JoinRequests::Decline => t! {
            en: "declined",
            ru: "отклоняются",
        },
        JoinRequests::Hold => t! {
            en: "held until they subscribe",
            ru: "ждут подписки",
        },
    }
}

/// The join-request setting's buttons.
pub fn join_requests_button(j: JoinRequests) -> Text {
    match j {
        JoinRequests::Off => t! {
            en: "🚪 Admins decide",
            ru: "🚪 Решают админы",
        },
        JoinRequests::Decline => t! {
            en: "🚪 Decline",
            ru: "🚪 Отклонять",
        },
        JoinRequests::Hold => t! {
            en: "🚪 Hold",
            ru: "🚪 Ждать подписки",
        },
    }
}

pub const MINUTES: Text = t! {
    en: "{n} min",
    ru: "{n} мин",
};
pub const HOURS: Text = t! {
    en: "{n} h",
    ru: "{n} ч",
};
pub const DAYS: Plural = plural! {
    en: ["{n} day", "{n} days"],
    ru: ["{n} день", "{n} дня", "{n} дней"],
};
pub const UNTIL_VERIFIED: Text = t! {
    en: "until verified",
    ru: "до проверки",
};
/// Marks the warning-delay buttons apart from the mute-duration buttons (both are durations).
pub const WARNING_ICON: &str = "🗑";
pub const MUTE_ICON: &str = "🔇";

/// A language, named in itself (the same in every menu).
pub use crate::i18n::lang_name;

pub fn configurers_value(who: Configurers) -> Text {
    match who {
        Configurers::OwnerOnly => t! {
            en: "the owner only",
            ru: "только владелец",
        },
        Configurers::Admins => t! {
            en: "the owner and admins who can ban users",
            ru: "владелец и админы с правом блокировать",
        },
    }
}

pub fn configurers_button(who: Configurers) -> Text {
    match who {
        Configurers::OwnerOnly => t! {
            en: "Owner only",
            ru: "Только владелец",
        },
        Configurers::Admins => t! {
            en: "Owner and admins",
            ru: "Владелец и админы",
        },
    }
}

pub const DONE_BUTTON: Text = t! {
    en: "Done",
    ru: "Готово",
};
/// Put before the current choice's label.
pub const CURRENT_MARK: &str = "✓ ";
