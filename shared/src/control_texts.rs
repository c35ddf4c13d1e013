//! The texts of the framework's bot-control routes (`/admin`, `/deny`, `/allowlist`, `/cancel`, `/forget`) and of the rate limit:
//! short and neutral, since every bot that declares these routes speaks them. English only: a
//! bot translates them in its catalogue (`i18n::Catalogue`), keyed by their English, and tests
//! that every one of [`ALL`] is translated into each language it speaks.

use crate::i18n::{Text, EN};

pub const TOO_FAST: Text = Text::new(&[(
    EN,
    "You are sending commands too fast. Try again in {secs} s.",
)]);

pub const ADMIN_USAGE: Text = Text::new(&[(EN, "Usage: /admin list, /admin add <user id>, /admin remove <user id> (or reply to the user's message).")]);

pub const ADMIN_ADDED: Text = Text::new(&[(EN, "{id} is a bot admin now.")]);

pub const ADMIN_REMOVED: Text = Text::new(&[(EN, "{id} is no longer a bot admin.")]);

pub const ADMIN_NOT_ADMIN: Text = Text::new(&[(EN, "{id} is not a bot admin.")]);

pub const ADMIN_LAST: Text = Text::new(&[(
    EN,
    "{id} is the last bot admin and stays one: add another admin first.",
)]);

pub const ADMIN_LIST: Text = Text::new(&[(EN, "Bot admins: {ids}")]);

pub const DENY_USAGE: Text = Text::new(&[(EN, "Usage: /deny list, /deny add <user or chat id>, /deny remove <id> (or reply to the user's message).")]);

pub const DENIED: Text = Text::new(&[(
    EN,
    "{id} is denied: the bot ignores it (within a minute everywhere).",
)]);

pub const UNDENIED: Text = Text::new(&[(EN, "{id} is no longer denied.")]);

pub const NOT_DENIED: Text = Text::new(&[(EN, "{id} is not denied.")]);

pub const DENY_LIST: Text = Text::new(&[(EN, "Denied: {ids}")]);

pub const DENY_LIST_EMPTY: Text = Text::new(&[(EN, "Nobody is denied.")]);

pub const ALLOW_USAGE: Text = Text::new(&[(EN, "Usage: /allowlist list, /allowlist add <user or chat id>, /allowlist remove <id> (or reply to the user's message). While the list is not empty, the bot serves only the users and chats on it, and its admins.")]);

pub const ALLOWED: Text = Text::new(&[(
    EN,
    "{id} is on the allow-list (the bot serves only the list and its admins; within a minute everywhere).",
)]);

pub const UNALLOWED: Text = Text::new(&[(EN, "{id} is no longer on the allow-list.")]);

pub const NOT_ALLOWED: Text = Text::new(&[(EN, "{id} is not on the allow-list.")]);

pub const ALLOW_LIST: Text = Text::new(&[(EN, "Allow-list: {ids}")]);

/// Removing the allow-list's last entry turns it off: said plainly, since it opens the bot.
pub const ALLOW_LIST_EMPTIED: Text = Text::new(&[(
    EN,
    "{id} is no longer on the allow-list, which is now empty: the bot serves everyone who is not denied again (within a minute everywhere).",
)]);

pub const ALLOW_LIST_EMPTY: Text = Text::new(&[(
    EN,
    "The allow-list is empty: the bot serves everyone who is not denied.",
)]);

pub const CANCELLED: Text = Text::new(&[(EN, "Cancelled.")]);

pub const NOTHING_TO_CANCEL: Text = Text::new(&[(EN, "There is nothing to cancel.")]);

pub const FORGET_PREVIEW: Text = Text::new(&[(
    EN,
    "/forget erases what this bot keeps about you: {found}. Kept: {kept}. Send /forget confirm to erase it.",
)]);

pub const FORGET_DONE: Text = Text::new(&[(EN, "Erased: {erased}. Kept: {kept}.")]);

pub const FORGET_USAGE: Text = Text::new(&[(
    EN,
    "Usage: /forget (what would be erased), then /forget confirm.",
)]);

/// Every text above, for a bot's test that it translates them all.
pub const ALL: &[Text] = &[
    TOO_FAST,
    ADMIN_USAGE,
    ADMIN_ADDED,
    ADMIN_REMOVED,
    ADMIN_NOT_ADMIN,
    ADMIN_LAST,
    ADMIN_LIST,
    DENY_USAGE,
    DENIED,
    UNDENIED,
    NOT_DENIED,
    DENY_LIST,
    DENY_LIST_EMPTY,
    ALLOW_USAGE,
    ALLOWED,
    UNALLOWED,
    NOT_ALLOWED,
    ALLOW_LIST,
    ALLOW_LIST_EMPTY,
    ALLOW_LIST_EMPTIED,
    CANCELLED,
    NOTHING_TO_CANCEL,
    FORGET_PREVIEW,
    FORGET_DONE,
    FORGET_USAGE,
];

#[cfg(test)]
mod tests {
    /// [`super::ALL`] lists every text of the module, so a bot's completeness test sees them all.
    #[test]
    fn all_lists_every_text() {
        let source = include_str!("control_texts.rs");
        let declared = source
            .lines()
            .filter(|l| l.starts_with("pub const ") && l.contains(": Text = "))
            .count();
        assert_eq!(super::ALL.len(), declared);
    }
}
