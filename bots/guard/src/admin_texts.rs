//! The messages of the guard's admin commands (`/protect`, `/unprotect`, `/status`), in every
//! language. HTML parse mode: placeholders are filled with escaped text.

use super::config::Configurers;
use super::rights::Right;
use lambdagram::i18n::{Plural, Text};

pub const NOT_ALLOWED: Text = t! {
    en: "Only the group's owner and administrators who can ban users may do this.",
    ru: "Это могут только владелец группы и администраторы с правом блокировать пользователей.",
};
pub const NOT_ALLOWED_OWNER_ONLY: Text = t! {
    en: "Only the group's owner may do this.",
    ru: "Это может только владелец группы.",
};
pub const STATUS_NOT_ALLOWED: Text = t! {
    en: "Only the group's administrators can see the status.",
    ru: "Статус могут смотреть только администраторы группы.",
};

/// The refusal for someone who may not change the protection.
pub fn not_allowed(who: Configurers) -> Text {
    match who {
        Configurers::OwnerOnly => NOT_ALLOWED_OWNER_ONLY,
        Configurers::Admins => NOT_ALLOWED,
    }
}

pub const USAGE: Text = t! {
    en: "Name the channels members must join: <code>/protect @channel</code> (or the channel's numeric id, <code>-100…</code>), at most {max}.",
    ru: "Укажите каналы, на которые должны подписаться участники: <code>/protect @канал</code> (или числовой id канала, <code>-100…</code>), не больше {max}.",
};
pub const INVALID_ARG: Text = t! {
    en: "“{arg}” is not a channel.",
    ru: "«{arg}» — не канал.",
};
pub const TOO_MANY: Text = t! {
    en: "A group can link at most {max} channels.",
    ru: "К группе можно привязать не больше {max} каналов.",
};

pub const CANNOT_PROTECT: Text = t! {
    en: "I cannot protect this group yet:",
    ru: "Пока не могу защитить эту группу:",
};
pub const GROUP_NOT_ADMIN: Text = t! {
    en: "Make me an administrator of this group with the rights “Ban users” and “Delete messages”.",
    ru: "Сделайте меня администратором этой группы с правами «Блокировка пользователей» и «Удаление сообщений».",
};
pub const GROUP_NEEDS_RIGHT: Text = t! {
    en: "I need the right “{right}” in this group.",
    ru: "Мне нужно право «{right}» в этой группе.",
};
pub const CHANNEL_NOT_ADMIN: Text = t! {
    en: "Make me an administrator of {channel}: otherwise I cannot see who is subscribed.",
    ru: "Сделайте меня администратором {channel}: иначе я не вижу, кто подписан.",
};
pub const CHANNEL_NOT_FOUND: Text = t! {
    en: "I cannot find {channel}. For a private channel, make me its administrator first and give its numeric id.",
    ru: "Не могу найти {channel}. Если канал закрытый, сначала сделайте меня его администратором и укажите его числовой id.",
};
pub const NOT_YOUR_CHANNEL: Text = t! {
    en: "{channel}: only an administrator of the channel may link it to a group, and you are not one (an anonymous administrator cannot show it).",
    ru: "{channel}: привязать канал к группе может только его администратор, а вы им не являетесь (анонимный администратор не может это подтвердить).",
};
pub const NOT_A_CHANNEL: Text = t! {
    en: "{channel} is not a channel.",
    ru: "{channel} — не канал.",
};

pub const PROTECTED: Text = t! {
    en: "🛡 This group is protected. To write here, members must be subscribed to {channels}.",
    ru: "🛡 Группа под защитой. Чтобы писать здесь, участники должны быть подписаны на {channels}.",
};
pub const UNPROTECTED: Text = t! {
    en: "Protection is off. I keep the linked channels ({channels}) for a later /protect.",
    ru: "Защита выключена. Привязанные каналы ({channels}) сохранены для следующего /protect.",
};
pub const NOT_PROTECTED: Text = t! {
    en: "This group is not protected.",
    ru: "Эта группа не защищена.",
};
pub const STILL_MUTED: Text = t! {
    en: "Members I muted: {count}.",
    ru: "Участников, которых я ограничил: {count}.",
};
pub const LIFT_BUTTON: Plural = plural! {
    en: [
        "Lift {count} restriction I imposed",
        "Lift {count} restrictions I imposed",
    ],
    ru: [
        "Снять {count} ограничение, наложенное мной",
        "Снять {count} ограничения, наложенные мной",
        "Снять {count} ограничений, наложенных мной",
    ],
};

pub const STATUS_NOT_SET_UP: Text = t! {
    en: "This group is not protected. An administrator can turn protection on with <code>/protect @channel</code>.",
    ru: "Эта группа не защищена. Администратор может включить защиту: <code>/protect @канал</code>.",
};
pub const STATUS_ON: Text = t! {
    en: "🛡 Protection: <b>on</b>",
    ru: "🛡 Защита: <b>включена</b>",
};
pub const STATUS_OFF: Text = t! {
    en: "Protection: <b>off</b> (/protect turns it on again)",
    ru: "Защита: <b>выключена</b> (/protect включит её снова)",
};
pub const STATUS_DEGRADED: Text = t! {
    en: "⚠️ I cannot fully protect the group until the rights marked ✗ are fixed.",
    ru: "⚠️ Я не могу полностью защищать группу, пока не исправлены права, отмеченные ✗.",
};
pub const STATUS_CHANNELS: Text = t! {
    en: "Channels:",
    ru: "Каналы:",
};
pub const STATUS_CHANNEL_ADMIN: Text = t! {
    en: "✓ I am an administrator",
    ru: "✓ я администратор",
};
pub const STATUS_CHANNEL_NOT_ADMIN: Text = t! {
    en: "✗ I am not an administrator: I cannot see who is subscribed",
    ru: "✗ я не администратор: не вижу, кто подписан",
};
pub const STATUS_GROUP: Text = t! {
    en: "My rights in this group:",
    ru: "Мои права в этой группе:",
};
pub const STATUS_GROUP_NOT_ADMIN: Text = t! {
    en: "✗ I am not an administrator",
    ru: "✗ я не администратор",
};
pub const STATUS_MUTED: Text = t! {
    en: "Muted by me: {count}",
    ru: "Ограничено мной: {count}",
};

/// A right as Telegram's apps name it in the administrator rights screen.
pub fn right_name(right: Right) -> Text {
    match right {
        Right::Administrator => t! {
            en: "Administrator",
            ru: "Администратор",
        },
        Right::RestrictMembers => t! {
            en: "Ban users",
            ru: "Блокировка пользователей",
        },
        Right::DeleteMessages => t! {
            en: "Delete messages",
            ru: "Удаление сообщений",
        },
    }
}

/// One of the bot's group rights in `/status`: held (`✓ …`) or missing (`✗ …`).
pub fn group_right_line(right: Right, held: bool) -> Text {
    match (right, held) {
        (Right::RestrictMembers, true) => t! {
            en: "✓ can restrict members",
            ru: "✓ могу ограничивать участников",
        },
        (Right::RestrictMembers, false) => t! {
            en: "✗ cannot restrict members",
            ru: "✗ не могу ограничивать участников",
        },
        (Right::DeleteMessages, true) => t! {
            en: "✓ can delete messages",
            ru: "✓ могу удалять сообщения",
        },
        (Right::DeleteMessages, false) => t! {
            en: "✗ cannot delete messages",
            ru: "✗ не могу удалять сообщения",
        },
        (Right::Administrator, true) => t! {
            en: "✓ I am an administrator",
            ru: "✓ я администратор",
        },
        (Right::Administrator, false) => STATUS_GROUP_NOT_ADMIN,
    }
}
