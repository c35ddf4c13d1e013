//! `fake-bot-api [--port N] [--token T] [--quiet]`: serve the default world on loopback until
//! Ctrl-C, printing the base URL and token to use as TELEGRAM_API_URL and the bot token.

use std::net::SocketAddr;
use std::process::ExitCode;

use fake_bot_api::FakeBotApi;

const USAGE: &str = "usage: fake-bot-api [--port N] [--token TOKEN] [--quiet]

Serves a fake Telegram Bot API on 127.0.0.1 with the default world until Ctrl-C.
Every call is printed to stderr unless --quiet is given.";

struct Options {
    port: u16,
    token: Option<String>,
    quiet: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        port: 8081,
        token: None,
        quiet: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" | "-p" => {
                let value = args.next().ok_or("--port needs a value")?;
                options.port = value
                    .parse()
                    .map_err(|_| format!("invalid port: {value}"))?;
            }
            "--token" => options.token = Some(args.next().ok_or("--token needs a value")?),
            "--quiet" | "-q" => options.quiet = true,
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(options)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let mut builder = FakeBotApi::builder()
        .addr(SocketAddr::from(([127, 0, 0, 1], options.port)))
        .echo_calls(!options.quiet);
    if let Some(token) = options.token {
        builder = builder.token(token);
    }
    let fake = match builder.start().await {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!(
                "fake-bot-api: cannot listen on port {}: {error}",
                options.port
            );
            return ExitCode::FAILURE;
        }
    };
    println!("TELEGRAM_API_URL={}", fake.base_url());
    println!("TELEGRAM_BOT_TOKEN={}", fake.token());
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("fake-bot-api: cannot wait for Ctrl-C: {error}");
    }
    fake.shutdown().await;
    ExitCode::SUCCESS
}
