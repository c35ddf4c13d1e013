//! `lambdagram`: manage the webhook and run the bot locally. Composition only.

mod bridge;
mod dead_letters;
mod dev;
mod doctor;
mod event_new;
mod events;
mod export;
mod gen_template;
mod local;
mod new_route;
mod parameters;
mod registry;
mod replay;
mod routes;
mod samconfig;
mod stack;
mod transcript;
mod webhook;

use clap::{CommandFactory, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "lambdagram",
    version,
    about = "Telegram bots as serverless Rust functions",
    after_help = CONVENTION
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// One convention for every command (a test walks the commands and checks it).
const CONVENTION: &str = "\
Options that name a deployed thing read the same environment variable in every command:
  --url     WEBHOOK_URL     the stack's WebhookUrl output
  --table   TABLE_NAME      the stack's TableName output (the functions' own variable)
  --secret  WEBHOOK_SECRET  the webhook secret
Or name the stack, and its outputs and parameters are read with CloudFormation DescribeStacks
(an option or variable given still wins):
  --stack NAME              the stack's name
  --config-env ENV          the stack (and region) of that samconfig.toml environment
The bridge's commands read --api-url from BRIDGE_API_URL (its stack's ApiUrl output) and --key
from BRIDGE_KEY. The bot token is read from BOT_TOKEN only, never from an option. (`events new --secret` is
the header written into a sample file and never reads the environment.)
Exit codes: 0 success, 1 error, 2 invalid arguments, 3 problems found (a command's --help says
which), 4 could not check (doctor), 130 interrupted (dev).";

#[derive(Subcommand)]
enum Command {
    /// Set, inspect, rotate or delete the bot's webhook (token from BOT_TOKEN, API from
    /// TELEGRAM_API_URL).
    Webhook {
        /// Whose route table gives allowed_updates and the command menus: guard or bridge.
        #[arg(long, global = true, default_value = "guard")]
        bot: String,
        #[command(subcommand)]
        action: webhook::Action,
    },
    /// Run the bot on this machine with no AWS account and no token: an in-process fake Bot API,
    /// the in-memory store, and the events you give (default: every file in events/), printing
    /// a transcript of each update and what the bot did.
    Local(local::Args),
    /// Send events (files or directories, in order) to a running webhook — `cargo lambda watch`
    /// or a deployed stack — with the secret header, printing each update and the answer; with
    /// --dead-letters, the dead letters of the state table.
    Replay(replay::Args),
    #[command(about = dead_letters::ABOUT, long_about = dead_letters::LONG_ABOUT)]
    DeadLetters(dead_letters::Args),
    /// Generate sample events (API Gateway HTTP API events wrapping Telegram updates).
    Events {
        #[command(subcommand)]
        action: event_new::Action,
    },
    /// Print the route table (routes, jobs, allowed_updates), or with --env the webhook's
    /// ROUTE_FUNCTION_* variables for running every function locally.
    Routes(routes::Args),
    /// Scaffold a new route: its table entry, function crate, registration, template
    /// resources, sample event and end-to-end test (then write the handler's body).
    New {
        #[command(subcommand)]
        what: New,
    },
    /// Generate what follows from the route table.
    Gen {
        #[command(subcommand)]
        what: Gen,
    },
    #[command(about = export::ABOUT, long_about = export::LONG_ABOUT)]
    Export(export::Args),
    #[command(about = dev::ABOUT, long_about = dev::LONG_ABOUT, after_help = dev::EXIT_CODES)]
    Dev(dev::Args),
    #[command(about = doctor::ABOUT, long_about = doctor::LONG_ABOUT, after_help = doctor::EXIT_CODES)]
    Doctor(doctor::Args),
    /// The bridge's HTTP API: send as the bot, tail what allowed users write (key from
    /// BRIDGE_KEY, API from BRIDGE_API_URL).
    Bridge {
        #[command(subcommand)]
        action: bridge::Action,
    },
    /// Print the bot's username (getMe), e.g. for `sam deploy --parameter-overrides
    /// BotUsername=$(lambdagram whoami)`.
    Whoami,
    /// Print a shell completion script: `lambdagram completions bash > /etc/bash_completion.d/lambdagram`,
    /// `… zsh > "${fpath[1]}/_lambdagram"`, `… fish > ~/.config/fish/completions/lambdagram.fish`.
    Completions { shell: Shell },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The completion script for `shell`.
fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    let mut cmd = Cli::command();
    match shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "lambdagram", &mut out)
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "lambdagram", &mut out)
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "lambdagram", &mut out)
        }
    }
    out
}

#[derive(Subcommand)]
enum New {
    /// A route: `new route NAME --command /name` (or --callback PREFIX, --event KIND).
    Route(new_route::Args),
}

#[derive(Subcommand)]
enum Gen {
    /// Rewrite template.yaml's functions, log groups, policies and outputs from the route table
    /// (`--check`: exit 1 when it is stale).
    Template(gen_template::Args),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        // Its own exit code: a problem printed by `webhook info`.
        Command::Webhook { bot, action } => return webhook::main(action, &bot).await,
        // Its own exit code: an update answered 5xx.
        Command::Local(args) => return local::main(args).await,
        Command::Whoami => webhook::whoami().await,
        Command::Completions { shell } => {
            use std::io::Write as _;
            std::io::stdout()
                .write_all(&completions(shell))
                .map_err(Into::into)
        }
        // Its own exit codes: some answer not 2xx, an event file unreadable.
        Command::Replay(args) => return replay::main(args).await,
        Command::Events { action } => event_new::run(action),
        Command::Routes(args) => routes::run(args),
        Command::New {
            what: New::Route(args),
        } => new_route::run(args),
        Command::Gen {
            what: Gen::Template(args),
        } => {
            return gen_template::run(args).unwrap_or_else(|err| {
                eprintln!("error: {err:#}");
                std::process::ExitCode::FAILURE
            })
        }
        Command::DeadLetters(args) => dead_letters::run(args).await,
        Command::Export(args) => export::run(args).await,
        Command::Bridge { action } => bridge::run(action).await,
        Command::Dev(args) => dev::run(args).await,
        // Its own exit codes: problems found, could not check.
        Command::Doctor(args) => return doctor::main(args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every option named on the left reads the variable on the right ([`CONVENTION`]).
    const OPTION_ENV: &[(&str, &str)] = &[
        ("url", "WEBHOOK_URL"),
        ("table", "TABLE_NAME"),
        ("secret", "WEBHOOK_SECRET"),
    ];

    /// Every command, with its path (`lambdagram webhook set`).
    fn commands(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
        out.push((path.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            commands(sub, format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_option_naming_a_deployed_thing_reads_the_same_variable() {
        let mut all = Vec::new();
        commands(&Cli::command(), "lambdagram".into(), &mut all);
        let mut seen = 0;
        for (path, cmd) in &all {
            for arg in cmd.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                // The header written into a sample file: never the deployed secret from the
                // environment, so files made for sharing cannot carry it.
                if path.starts_with("lambdagram events") && long == "secret" {
                    continue;
                }
                if let Some((_, var)) = OPTION_ENV.iter().find(|(name, _)| *name == long) {
                    seen += 1;
                    assert_eq!(
                        arg.get_env().and_then(|e| e.to_str()),
                        Some(*var),
                        "{path} --{long} must read {var}"
                    );
                }
            }
        }
        // url: webhook set, webhook rotate, replay, doctor; table: dead-letters, replay, dev,
        // doctor; secret: webhook set, replay, dev.
        assert!(seen >= 10, "only {seen} options checked");
    }

    /// Every command that needs a deployed URL, table or parameter name can read it from the
    /// stack instead.
    #[test]
    fn every_command_naming_a_deployed_thing_takes_the_stack() {
        let mut all = Vec::new();
        commands(&Cli::command(), "lambdagram".into(), &mut all);
        let mut seen = Vec::new();
        for (path, cmd) in &all {
            let longs: Vec<&str> = cmd.get_arguments().filter_map(|a| a.get_long()).collect();
            if path.starts_with("lambdagram events")
                || !longs
                    .iter()
                    .any(|l| ["url", "table", "parameter"].contains(l))
            {
                continue;
            }
            for want in ["stack", "config-env"] {
                assert!(longs.contains(&want), "{path} needs --{want}");
            }
            seen.push(path.as_str());
        }
        assert_eq!(
            seen,
            [
                "lambdagram webhook set",
                "lambdagram webhook rotate",
                "lambdagram replay",
                "lambdagram dead-letters",
                "lambdagram export",
                "lambdagram dev",
                "lambdagram doctor"
            ]
        );
    }

    #[test]
    fn completions_cover_every_subcommand_in_each_shell() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = String::from_utf8(completions(shell)).expect("UTF-8");
            assert!(script.contains("lambdagram"));
            for sub in Cli::command().get_subcommands() {
                assert!(
                    script.contains(sub.get_name()),
                    "{} missing from the completions",
                    sub.get_name()
                );
            }
            for nested in [
                "set",
                "info",
                "rotate",
                "delete",
                "generate-secret",
                "write-ssm",
            ] {
                assert!(script.contains(nested), "{nested} missing");
            }
        }
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
