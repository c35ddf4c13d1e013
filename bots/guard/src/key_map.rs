//! The guard's key map: every family of items holding a user's data, from which `/forget` and
//! `lambdagram export --user` follow.

use lambdagram::keymap::{families, KeyMap};

use crate::privacy::*;
use crate::routes::ROUTES;

/// Every family of the guard's items that holds a user's data.
pub const KEY_MAP: KeyMap = KeyMap {
    table: ROUTES,
    families: &[
        families::PROFILE,
        families::LOG,
        families::RATE,
        SUBSCRIPTIONS,
        WARNINGS,
        RESTRICTIONS,
        WARNING_QUEUE,
        families::FLOOD,
        families::ADMINS,
        families::DENIED,
        families::ALLOWED,
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use lambdagram::interaction_log::When;

    #[test]
    fn the_map_and_the_log_pass_the_framework_checks() {
        assert_eq!(KEY_MAP.check(), Ok(()));
        assert_eq!(lambdagram::routes::check_table(ROUTES), Ok(()));
        assert_eq!(ROUTES.log(), &LOG);
    }

    #[test]
    fn forget_may_erase_exactly_what_the_map_erases() {
        assert_eq!(FORGET_USER_DATA.leading_keys, KEY_MAP.erased_prefixes());
    }

    #[test]
    fn the_forget_route_is_never_logged_and_the_hot_path_only_when_it_enforces() {
        assert_eq!(LOG.rule("forget"), None);
        assert_eq!(LOG.rule("guard-message"), Some(When::Noted));
    }
}
