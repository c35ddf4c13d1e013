//! The bridge's key map: every family of items holding a user's data, from which `/forget` and
//! `lambdagram export --user` follow.

use lambdagram::keymap::{families, KeyMap};

use crate::privacy::*;
use crate::routes::ROUTES;

/// Every family of the bridge's items that holds a user's data.
pub const KEY_MAP: KeyMap = KeyMap {
    table: ROUTES,
    families: &[
        families::LOG,
        families::RATE,
        PRIVATE_ENTRIES,
        PRIVATE_MARKERS,
        PRIVATE_CHAT,
        PRIVATE_PUSH,
        PRIVATE_CONTEXT,
        families::ADMINS,
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_and_the_log_pass_the_framework_checks() {
        assert_eq!(KEY_MAP.check(), Ok(()));
        assert_eq!(lambdagram::routes::check_table(ROUTES), Ok(()));
        assert_eq!(ROUTES.log(), &LOG);
        assert_eq!(LOG.rule("bridge-forget"), None);
    }

    #[test]
    fn forget_may_erase_exactly_what_the_map_erases() {
        assert_eq!(FORGET_USER_DATA.leading_keys, KEY_MAP.erased_prefixes());
    }
}
