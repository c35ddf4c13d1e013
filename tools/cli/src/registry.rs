//! Route name → handler, for running every route in this process. Must cover the route table.

use std::sync::Arc;

use channel_guard::store::prelude::*;
use lambdagram::inprocess::InProcessDispatcher;
use lambdagram::ports::UserStore;
use lambdagram::route::RouteDeps;

/// A dispatcher with every route of the table registered over `deps`, whatever the store
/// (in-memory for `local`, in-memory or DynamoDB for `dev`).
pub fn in_process<S>(deps: Arc<RouteDeps<S>>) -> InProcessDispatcher
where
    S: UserStore + GuardStore + 'static,
{
    let mut d = InProcessDispatcher::new();
    d.register("start", deps.clone(), start::Start);
    d.register("help", deps.clone(), help::Help);
    d.register("unknown-command", deps.clone(), unknown_command::GUARD);
    d.register("guard-message", deps.clone(), guard_message::GuardMessage);
    d.register("protect", deps.clone(), protect::Protect);
    d.register("unprotect", deps.clone(), unprotect::Unprotect);
    d.register("status", deps.clone(), status::Status);
    d.register("settings", deps.clone(), settings::Settings);
    d.register("allow", deps.clone(), allow::Allow);
    d.register("settings-menu", deps.clone(), settings_menu::SettingsMenu);
    d.register("verify", deps.clone(), verify::Verify);
    d.register("lift", deps.clone(), lift::Lift);
    d.register("member-change", deps.clone(), member_change::MemberChange);
    d.register("new-members", deps.clone(), new_members::NewMembers);
    d.register("bot-status", deps.clone(), bot_status::BotStatus);
    d.register("migrate", deps, migrate::Migrate);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use channel_guard::ROUTES;
    use lambdagram::memory::MemoryStore;

    #[test]
    fn every_route_in_the_table_has_a_handler() {
        let bot = lambdagram::telegram::BotApi::new("1:x", "http://127.0.0.1:9").expect("bot");
        let deps = Arc::new(RouteDeps {
            bot,
            store: MemoryStore::new(),
            bot_username: "B".into(),
        });
        let d = in_process(deps);
        let mut registered: Vec<_> = d.registered().copied().collect();
        registered.sort();
        let mut table: Vec<_> = ROUTES.iter().map(|r| r.name).collect();
        table.sort();
        assert_eq!(registered, table);
    }
}
