//! Route name → handler behind its middleware, for running every route in this process. Must
//! cover the route table, with exactly the middleware each route declares.

use std::sync::Arc;

use channel_guard::middleware::GATED;
use channel_guard::store::prelude::*;
use channel_guard::ROUTES;
use lambdagram::admin_command::AdminCommand;
use lambdagram::admins::AdminsOnly;
use lambdagram::allowlist::ALLOW_LISTED;
use lambdagram::botsets::BotSets;
use lambdagram::deny_command::{ALLOW_COMMAND, DENY_COMMAND};
use lambdagram::denylist::DENY_LISTED;
use lambdagram::forget_command::ForgetCommand;
use lambdagram::inprocess::InProcessDispatcher;
use lambdagram::journal::EffectJournal;
use lambdagram::keymap::UserData;
use lambdagram::middleware::Middleware;
use lambdagram::ports::UserStore;
use lambdagram::ratelimit::{RateCounter, RATE_LIMITED};
use lambdagram::route::RouteDeps;

/// A dispatcher with every route of the table registered over `deps`, whatever the store
/// (in-memory for `local`, in-memory or DynamoDB for `dev`). `Err` names a route whose
/// middleware is not what the table declares.
pub fn in_process<S>(deps: Arc<RouteDeps<S>>) -> Result<InProcessDispatcher, String>
where
    S: UserStore + GuardStore + EffectJournal + BotSets + RateCounter + UserData + 'static,
{
    // `gate` is also what `lambdagram new route` registers a command answered in groups with.
    let gate: &[&'static dyn Middleware<S>] = &[&GATED];
    let gated: &[&'static dyn Middleware<S>] =
        &[&DENY_LISTED, &GATED, &ALLOW_LISTED, &RATE_LIMITED];
    let denied: &[&'static dyn Middleware<S>] = &[&DENY_LISTED, &ALLOW_LISTED];
    let mut d = InProcessDispatcher::new(ROUTES);
    d.register("start", deps.clone(), gated, start::Start)?;
    d.register("help", deps.clone(), gated, help::Help)?;
    d.register(
        "bot-admin",
        deps.clone(),
        &[&AdminsOnly],
        AdminCommand::from_env(),
    )?;
    d.register("deny", deps.clone(), &[&AdminsOnly], DENY_COMMAND)?;
    d.register("allowlist", deps.clone(), &[&AdminsOnly], ALLOW_COMMAND)?;
    d.register(
        "forget",
        deps.clone(),
        &[],
        ForgetCommand {
            map: &channel_guard::KEY_MAP,
        },
    )?;
    d.register("unknown-command", deps.clone(), &[], unknown_command::GUARD)?;
    d.register(
        "guard-message",
        deps.clone(),
        gate,
        guard_message::GuardMessage,
    )?;
    d.register("protect", deps.clone(), denied, protect::Protect)?;
    d.register("unprotect", deps.clone(), denied, unprotect::Unprotect)?;
    d.register(
        "status",
        deps.clone(),
        &[&DENY_LISTED, &ALLOW_LISTED, &RATE_LIMITED],
        status::Status,
    )?;
    d.register("settings", deps.clone(), denied, settings::Settings)?;
    d.register("allow", deps.clone(), denied, allow::Allow)?;
    d.register(
        "settings-menu",
        deps.clone(),
        denied,
        settings_menu::SettingsMenu,
    )?;
    d.register("verify", deps.clone(), &[&DENY_LISTED], verify::Verify)?;
    d.register("lift", deps.clone(), denied, lift::Lift)?;
    d.register(
        "member-change",
        deps.clone(),
        &[],
        member_change::MemberChange,
    )?;
    d.register("new-members", deps.clone(), &[], new_members::NewMembers)?;
    d.register("bot-status", deps.clone(), &[], bot_status::BotStatus)?;
    d.register("migrate", deps.clone(), &[], migrate::Migrate)?;
    d.register("join-request", deps, &[], join_request::JoinRequest)?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambdagram::memory::MemoryStore;

    fn deps() -> Arc<RouteDeps<MemoryStore>> {
        let bot = lambdagram::telegram::BotApi::new("1:x", "http://127.0.0.1:9").expect("bot");
        Arc::new(RouteDeps {
            bot,
            store: MemoryStore::new(),
            bot_username: "B".into(),
        })
    }

    #[test]
    fn every_route_in_the_table_has_a_handler_behind_its_declared_middleware() {
        let d = in_process(deps()).expect("every route as the table declares it");
        let mut registered: Vec<_> = d.registered().copied().collect();
        registered.sort();
        let mut table: Vec<_> = ROUTES.iter().map(|r| r.name).collect();
        table.sort();
        assert_eq!(registered, table);
    }

    #[test]
    fn a_route_registered_without_its_declared_middleware_is_refused() {
        let mut d = InProcessDispatcher::new(ROUTES);
        assert_eq!(
            d.register("help", deps(), &[], help::Help),
            Err(
                "route `help` declares middleware [\"deny-list\", \"gate\", \"allow-list\", \
                 \"rate-limit\"] but was given []"
                    .to_owned()
            )
        );
        assert_eq!(
            d.register("protect", deps(), &[&GATED], protect::Protect),
            Err(
                "route `protect` declares middleware [\"deny-list\", \"allow-list\"] but was \
                 given [\"gate\"]"
                    .to_owned()
            )
        );
    }
}
