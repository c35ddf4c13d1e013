//! `lambdagram`: manage the webhook and run the bot locally. Composition only.

mod events;
mod local;
mod registry;
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
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Webhook { action } => webhook::run(action).await,
        Command::Local(args) => local::run(args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
