//! `lambdagram routes`: the route table, as the webhook, the template and Telegram see it.

use channel_guard::JOBS;
use channel_guard::ROUTES;
use lambdagram::routes::Trigger;

#[derive(clap::Args)]
pub struct Args {
    /// Print only `ROUTE_FUNCTION_<ROUTE>=<route>` lines: the webhook's environment when every
    /// function runs under its own name (`cargo lambda watch`). Use with `env $(…)`.
    #[arg(long)]
    env: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    print!("{}", render(args.env));
    Ok(())
}

/// What the command prints.
pub fn render(env_only: bool) -> String {
    let mut out = String::new();
    if env_only {
        for route in ROUTES {
            out.push_str(&format!("{}={}\n", route.function_env_var(), route.name));
        }
        return out;
    }
    out.push_str("route            trigger\n");
    for route in ROUTES {
        out.push_str(&format!("{:16} {}\n", route.name, trigger(route.trigger)));
    }
    for job in JOBS {
        out.push_str(&format!("{:16} schedule {}\n", job.name, job.schedule));
    }
    out.push_str(&format!(
        "\nallowed_updates: {}\n",
        ROUTES.allowed_updates().join(", ")
    ));
    out
}

fn trigger(t: Trigger) -> String {
    match t {
        Trigger::Command { name, scope } => format!("/{name} ({scope:?})"),
        Trigger::Callback { prefix } => format!("button {prefix}:…"),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_every_route_function() {
        let env = render(true);
        assert_eq!(env.lines().count(), ROUTES.len());
        assert!(env.contains("ROUTE_FUNCTION_UNKNOWN_COMMAND=unknown-command\n"));
        assert!(env.contains("ROUTE_FUNCTION_START=start\n"));
    }

    #[test]
    fn the_table_lists_routes_jobs_and_allowed_updates() {
        let table = render(false);
        assert!(
            table.contains("start            /start (Everywhere)\n"),
            "{table}"
        );
        assert!(
            table.contains("verify           button joined:…\n"),
            "{table}"
        );
        assert!(
            table.contains("sweeper          schedule rate(1 minute)\n"),
            "{table}"
        );
        assert!(table.ends_with(
            "allowed_updates: message, edited_message, callback_query, chat_member, \
             my_chat_member, chat_join_request\n"
        ));
    }
}
