//! The texts of the framework's bot-control routes (`/admin`, `/deny`) and of the rate limit:
//! short and neutral, since every bot that declares these routes speaks them.

use crate::i18n::Text;

pub const TOO_FAST: Text = Text {
    en: "You are sending commands too fast. Try again in {secs} s.",
    ru: "Слишком много команд подряд. Попробуйте через {secs} с.",
};

pub const ADMIN_USAGE: Text = Text {
    en: "Usage: /admin list, /admin add <user id>, /admin remove <user id> (or reply to the user's message).",
    ru: "Использование: /admin list, /admin add <id>, /admin remove <id> (или ответом на сообщение пользователя).",
};

pub const ADMIN_ADDED: Text = Text {
    en: "{id} is a bot admin now.",
    ru: "{id} теперь админ бота.",
};

pub const ADMIN_REMOVED: Text = Text {
    en: "{id} is no longer a bot admin.",
    ru: "{id} больше не админ бота.",
};

pub const ADMIN_NOT_ADMIN: Text = Text {
    en: "{id} is not a bot admin.",
    ru: "{id} не админ бота.",
};

pub const ADMIN_LAST: Text = Text {
    en: "{id} is the last bot admin and stays one: add another admin first.",
    ru: "{id} — последний админ бота и им останется: сначала добавьте другого.",
};

pub const ADMIN_LIST: Text = Text {
    en: "Bot admins: {ids}",
    ru: "Админы бота: {ids}",
};

pub const DENY_USAGE: Text = Text {
    en: "Usage: /deny list, /deny add <user or chat id>, /deny remove <id> (or reply to the user's message).",
    ru: "Использование: /deny list, /deny add <id пользователя или чата>, /deny remove <id> (или ответом на сообщение пользователя).",
};

pub const DENIED: Text = Text {
    en: "{id} is denied: the bot ignores it (within a minute everywhere).",
    ru: "{id} в списке запрета: бот его игнорирует (везде — в течение минуты).",
};

pub const UNDENIED: Text = Text {
    en: "{id} is no longer denied.",
    ru: "{id} больше не в списке запрета.",
};

pub const NOT_DENIED: Text = Text {
    en: "{id} is not denied.",
    ru: "{id} не в списке запрета.",
};

pub const DENY_LIST: Text = Text {
    en: "Denied: {ids}",
    ru: "В списке запрета: {ids}",
};

pub const DENY_LIST_EMPTY: Text = Text {
    en: "Nobody is denied.",
    ru: "Список запрета пуст.",
};
