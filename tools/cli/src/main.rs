//! `lambdagram`: manage the webhook and run the bot locally. Composition only.

mod dead_letters;
mod dev;
mod doctor;
mod event_new;
mod events;
mod gen_template;
mod local;
mod new_route;
mod registry;
mod replay;
mod routes;
mod transcript;
mod webhook;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "lambdagram",
    version,
    about = "Telegram bots as serverless Rust functions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set, inspect or delete the bot's webhook (token from BOT_TOKEN, API from TELEGRAM_API_URL).
    Webhook {
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
    #[command(about = dev::ABOUT, long_about = dev::LONG_ABOUT, after_help = dev::EXIT_CODES)]
    Dev(dev::Args),
    #[command(about = doctor::ABOUT, long_about = doctor::LONG_ABOUT, after_help = doctor::EXIT_CODES)]
    Doctor(doctor::Args),
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
        Command::Webhook { action } => webhook::run(action).await,
        Command::Local(args) => local::run(args).await,
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
