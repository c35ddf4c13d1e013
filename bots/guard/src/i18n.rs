//! The guard's languages: English (the fallback) and Russian, and its Russian for the
//! framework's own texts (`/admin`, `/deny`, the rate limit's answer). Every guard text is
//! built with [`crate::t!`] or [`crate::plural!`] against [`LANGUAGES`], so a text without one
//! of them does not compile; the framework texts are checked by the test below. Adding a
//! language: a [`Locale`] here, then the compiler lists every text that lacks it.

use lambdagram::i18n::{plural_rules, Catalogue, Lang, Locale};

/// Russian.
pub const RU: Lang = Lang::new("ru");

/// The languages the guard speaks, English first.
pub const LANGUAGES: &[Locale] = &[
    Locale::ENGLISH,
    Locale::new("ru", "Русский", plural_rules::EAST_SLAVIC),
];

/// The guard's catalogue, given to the framework with its route table.
pub const CATALOGUE: Catalogue = Catalogue::new(
    LANGUAGES,
    &[
        // TOO_FAST
        t! {
            en: "You are sending commands too fast. Try again in {secs} s.",
            ru: "Слишком много команд подряд. Попробуйте через {secs} с.",
        },
        // ADMIN_USAGE
        t! {
            en: "Usage: /admin list, /admin add <user id>, /admin remove <user id> (or reply to the user's message).",
            ru: "Использование: /admin list, /admin add <id>, /admin remove <id> (или ответом на сообщение пользователя).",
        },
        // ADMIN_ADDED
        t! {
            en: "{id} is a bot admin now.",
            ru: "{id} теперь админ бота.",
        },
        // ADMIN_REMOVED
        t! {
            en: "{id} is no longer a bot admin.",
            ru: "{id} больше не админ бота.",
        },
        // ADMIN_NOT_ADMIN
        t! {
            en: "{id} is not a bot admin.",
            ru: "{id} не админ бота.",
        },
        // ADMIN_LAST
        t! {
            en: "{id} is the last bot admin and stays one: add another admin first.",
            ru: "{id} — последний админ бота и им останется: сначала добавьте другого.",
        },
        // ADMIN_LIST
        t! {
            en: "Bot admins: {ids}",
            ru: "Админы бота: {ids}",
        },
        // DENY_USAGE
        t! {
            en: "Usage: /deny list, /deny add <user or chat id>, /deny remove <id> (or reply to the user's message).",
            ru: "Использование: /deny list, /deny add <id пользователя или чата>, /deny remove <id> (или ответом на сообщение пользователя).",
        },
        // DENIED
        t! {
            en: "{id} is denied: the bot ignores it (within a minute everywhere).",
            ru: "{id} в списке запрета: бот его игнорирует (везде — в течение минуты).",
        },
        // UNDENIED
        t! {
            en: "{id} is no longer denied.",
            ru: "{id} больше не в списке запрета.",
        },
        // NOT_DENIED
        t! {
            en: "{id} is not denied.",
            ru: "{id} не в списке запрета.",
        },
        // DENY_LIST
        t! {
            en: "Denied: {ids}",
            ru: "В списке запрета: {ids}",
        },
        // DENY_LIST_EMPTY
        t! {
            en: "Nobody is denied.",
            ru: "Список запрета пуст.",
        },
        // ALLOW_USAGE
        t! {
            en: "Usage: /allowlist list, /allowlist add <user or chat id>, /allowlist remove <id> (or reply to the user's message). While the list is not empty, the bot serves only the users and chats on it, and its admins.",
            ru: "Использование: /allowlist list, /allowlist add <id пользователя или чата>, /allowlist remove <id> (или ответом на сообщение пользователя). Пока список не пуст, бот обслуживает только пользователей и чаты из него и своих админов.",
        },
        // ALLOWED
        t! {
            en: "{id} is on the allow-list (the bot serves only the list and its admins; within a minute everywhere).",
            ru: "{id} в списке допуска (бот обслуживает только этот список и своих админов; везде — в течение минуты).",
        },
        // UNALLOWED
        t! {
            en: "{id} is no longer on the allow-list.",
            ru: "{id} больше не в списке допуска.",
        },
        // NOT_ALLOWED
        t! {
            en: "{id} is not on the allow-list.",
            ru: "{id} не в списке допуска.",
        },
        // ALLOW_LIST
        t! {
            en: "Allow-list: {ids}",
            ru: "Список допуска: {ids}",
        },
        // ALLOW_LIST_EMPTY
        t! {
            en: "The allow-list is empty: the bot serves everyone who is not denied.",
            ru: "Список допуска пуст: бот обслуживает всех, кто не в списке запрета.",
        },
        // ALLOW_LIST_EMPTIED
        t! {
            en: "{id} is no longer on the allow-list, which is now empty: the bot serves everyone who is not denied again (within a minute everywhere).",
            ru: "{id} больше не в списке допуска, и он теперь пуст: бот снова обслуживает всех, кто не в списке запрета (везде — в течение минуты).",
        },
        // CANCELLED
        t! {
            en: "Cancelled.",
            ru: "Отменено.",
        },
        // NOTHING_TO_CANCEL
        t! {
            en: "There is nothing to cancel.",
            ru: "Отменять нечего.",
        },
        // FORGET_PREVIEW
        t! {
            en: "/forget erases what this bot keeps about you: {found}. Kept: {kept}. Send /forget confirm to erase it.",
            ru: "/forget стирает то, что бот хранит о вас: {found}. Остаётся: {kept}. Отправьте /forget confirm, чтобы стереть.",
        },
        // FORGET_DONE
        t! {
            en: "Erased: {erased}. Kept: {kept}.",
            ru: "Стёрто: {erased}. Остаётся: {kept}.",
        },
        // FORGET_USAGE
        t! {
            en: "Usage: /forget (what would be erased), then /forget confirm.",
            ru: "Использование: /forget (что будет стёрто), затем /forget confirm.",
        },
    ],
);

/// A language's name in itself, for the settings menu (English for one the guard does not
/// speak).
pub fn lang_name(lang: Lang) -> &'static str {
    CATALOGUE
        .locale(CATALOGUE.resolve(lang))
        .map_or("English", |l| l.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambdagram::i18n::EN;

    #[test]
    fn every_framework_text_is_translated_into_every_language_of_the_guard() {
        for text in lambdagram::control_texts::ALL {
            assert_eq!(
                CATALOGUE.untranslated(text),
                Vec::<Lang>::new(),
                "{}",
                text.english()
            );
        }
        assert_eq!(
            CATALOGUE.get(&lambdagram::control_texts::TOO_FAST, RU),
            "Слишком много команд подряд. Попробуйте через {secs} с."
        );
    }

    #[test]
    fn ukrainian_belarusian_and_kazakh_users_get_english() {
        for code in ["uk", "be", "kk", "uk-UA"] {
            let lang = Lang::from_code(Some(code));
            assert_eq!(CATALOGUE.resolve(lang), EN, "{code}");
            assert_eq!(
                crate::texts::VERIFIED.get(lang),
                crate::texts::VERIFIED.english()
            );
            assert_eq!(
                CATALOGUE.get(&lambdagram::control_texts::TOO_FAST, lang),
                lambdagram::control_texts::TOO_FAST.english()
            );
            assert_eq!(crate::menu_texts::DAYS.get(lang, 2), "{n} days");
        }
        assert_eq!(CATALOGUE.resolve(Lang::from_code(Some("ru-RU"))), RU);
        assert_eq!(lang_name(RU), "Русский");
        assert_eq!(lang_name(Lang::new("uk")), "English");
    }
}
