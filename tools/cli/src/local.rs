//! `lambdagram local`: the whole bot in one process, no AWS account, no token.
//!
//! The webhook's real logic ([`Ingress`]) and the real route handlers run in-process over the
//! in-memory store; Telegram is the fake Bot API on loopback. Each event is delivered as
//! Telegram would (secret header included, webhook replies executed), and the transcript shows
//! the update, the webhook's answer and every Bot API call the bot made.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use fake_bot_api::FakeBotApi;
use lambdagram::ingress::{Ingress, IngressConfig, IngressRequest};
use lambdagram::memory::MemoryStore;
use lambdagram::route::RouteDeps;
use lambdagram::secret::WebhookSecret;

use crate::{events, registry, transcript};

/// The secret the sample events in `events/` carry.
pub const LOCAL_SECRET: &str = "local-dev-secret";

#[derive(clap::Args)]
pub struct Args {
    /// Event files or directories to replay, in order (default: events/).
    paths: Vec<PathBuf>,
}

/// Some update was answered 5xx: Telegram would redeliver it (as `replay`'s code 3).
pub const EXIT_SERVER_ERROR: u8 = 3;

pub async fn main(args: Args) -> std::process::ExitCode {
    match run(args).await {
        Ok(summary) => summary.exit_code(),
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<Summary> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("events")]
    } else {
        args.paths
    };
    let events = events::load_all(&paths)?;
    let mut out = std::io::stdout().lock();
    let fake = FakeBotApi::start()
        .await
        .context("starting the fake Bot API on 127.0.0.1")?;
    let summary = replay(&fake, &events, &mut out).await;
    fake.shutdown().await;
    let summary = summary?;
    println!("{summary}");
    Ok(summary)
}

/// What a replay came to.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub events: usize,
    pub answered_200: usize,
    /// Answered 5xx: not handled, Telegram would redeliver them.
    pub server_errors: usize,
    pub bot_api_calls: usize,
}

impl Summary {
    pub fn exit_code(&self) -> std::process::ExitCode {
        if self.server_errors > 0 {
            std::process::ExitCode::from(EXIT_SERVER_ERROR)
        } else {
            std::process::ExitCode::SUCCESS
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} events replayed, {} answered 200, {} Bot API calls",
            self.events, self.answered_200, self.bot_api_calls
        )?;
        if self.server_errors > 0 {
            write!(
                f,
                "\n✗ {} answered 5xx: Telegram would redeliver them",
                self.server_errors
            )?;
        }
        Ok(())
    }
}

/// Replays `events` through a fresh local bot on `fake`, writing the transcript to `out`.
pub async fn replay(
    fake: &FakeBotApi,
    events: &[events::Event],
    out: &mut impl std::io::Write,
) -> anyhow::Result<Summary> {
    let bot = lambdagram::telegram::BotApi::new(&fake.token(), &fake.base_url())?;
    let username = fake.bot_user().username.unwrap_or_default();
    let store = MemoryStore::new();
    let deps = Arc::new(RouteDeps {
        bot,
        store: store.clone(),
        bot_username: username.clone(),
    });
    let config = IngressConfig::new(
        channel_guard::ROUTES,
        WebhookSecret::new(LOCAL_SECRET)?,
        username.clone(),
    );
    let ingress = Ingress::new(
        config,
        store,
        registry::in_process(deps).map_err(anyhow::Error::msg)?,
    );

    writeln!(
        out,
        "lambdagram local: @{username}, fake Bot API at {}, in-memory store\n",
        fake.base_url()
    )?;
    let (mut handled, mut server_errors) = (0, 0);
    for ev in events {
        let before = fake.calls().len();
        // Telegram holds the message it delivers: the bot may delete it or reply to it.
        if let Ok(update) = serde_json::from_str::<serde_json::Value>(&ev.body) {
            fake.world().record_message(&update["message"]);
        }
        let secret = ev.secret.clone().unwrap_or_else(|| LOCAL_SECRET.to_owned());
        let answer = ingress
            .handle(
                IngressRequest {
                    secret_header: Some(secret.as_bytes()),
                    body: ev.body.as_bytes(),
                },
                lambdagram::time::now(),
            )
            .await;
        if let Some(reply) = &answer.reply {
            // Telegram executes a webhook reply as if the bot had called the method.
            let reply: serde_json::Value = serde_json::from_str(reply)?;
            fake.execute_webhook_reply(&reply).await;
        }
        if answer.status == 200 {
            handled += 1;
        }
        if answer.status >= 500 {
            server_errors += 1;
        }
        let calls = fake.calls();
        transcript::write(out, ev, &answer, &calls[before..])?;
    }
    Ok(Summary {
        events: events.len(),
        answered_200: handled,
        server_errors,
        bot_api_calls: fake.calls().len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use fake_bot_api::Fault;
    use serde_json::json;

    fn start(update_id: i64) -> events::Event {
        let update = json!({
            "update_id": update_id,
            "message": {
                "message_id": update_id, "date": 1_763_800_000,
                "from": {"id": 111111, "is_bot": false, "first_name": "Alice", "language_code": "en"},
                "chat": {"id": 111111, "type": "private", "first_name": "Alice"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}]
            }
        });
        events::parse(format!("{update_id}-start.json"), update).expect("an update")
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_update_answered_5xx_makes_the_run_fail_with_code_3() {
        let fake = FakeBotApi::start().await.expect("fake");
        // Telegram's flood control asks for a wait longer than the route may take: the route
        // cannot finish, the webhook answers 5xx.
        fake.inject(Fault::rate_limit("sendMessage", 60).times(100));
        let mut transcript = Vec::new();
        let summary = replay(&fake, &[start(1)], &mut transcript)
            .await
            .expect("replay");
        fake.shutdown().await;
        assert_eq!(summary.events, 1);
        assert_eq!(summary.answered_200, 0);
        assert_eq!(summary.server_errors, 1);
        assert_eq!(
            summary.exit_code(),
            std::process::ExitCode::from(EXIT_SERVER_ERROR)
        );
        assert!(summary.to_string().contains("1 answered 5xx"), "{summary}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_run_with_every_update_handled_succeeds() {
        let fake = FakeBotApi::start().await.expect("fake");
        let mut transcript = Vec::new();
        let summary = replay(&fake, &[start(1), start(2)], &mut transcript)
            .await
            .expect("replay");
        fake.shutdown().await;
        assert_eq!(
            summary,
            Summary {
                events: 2,
                answered_200: 2,
                server_errors: 0,
                bot_api_calls: 2,
            }
        );
        assert_eq!(summary.exit_code(), std::process::ExitCode::SUCCESS);
    }
}
