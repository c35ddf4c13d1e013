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

pub async fn run(args: Args) -> anyhow::Result<()> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("events")]
    } else {
        args.paths
    };
    let events = events::load_all(&paths)?;
    let mut out = std::io::stdout().lock();
    let summary = replay(&events, &mut out).await?;
    println!("{summary}");
    Ok(())
}

/// Replays `events` through a fresh local bot, writing the transcript to `out`.
pub async fn replay(
    events: &[events::Event],
    out: &mut impl std::io::Write,
) -> anyhow::Result<String> {
    let fake = FakeBotApi::start()
        .await
        .context("starting the fake Bot API on 127.0.0.1")?;
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
    let mut handled = 0;
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
        let calls = fake.calls();
        transcript::write(out, ev, &answer, &calls[before..])?;
    }
    let total = fake.calls().len();
    fake.shutdown().await;
    Ok(format!(
        "{} events replayed, {handled} answered 200, {total} Bot API calls",
        events.len()
    ))
}
