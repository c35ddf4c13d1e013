//! In-process per-update benchmark of the webhook's hot path: the secret checked, the body
//! parsed and classified, the route chosen and dispatched in-process (its payload serialised and
//! read back as a route function reads it), and the guard's gate answering from the sandbox's
//! memory (a known subscriber in a protected group, warm) — or, for an unprotected group, from
//! the in-memory store. No network: the Bot API client points at the fake and is not called.
//!
//! ```sh
//! cargo run --release -p lambdagram-e2e --example hot_path -- 200000
//! ```
//!
//! Prints mean, p50 and p99 per update. A benchmark reports; nothing here asserts a timing.

use std::sync::Arc;
use std::time::Instant;

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::middleware::GATED;
use channel_guard::store::prelude::*;
use fake_bot_api::FakeBotApi;
use lambdagram::ingress::{Ingress, IngressConfig, IngressRequest};
use lambdagram::inprocess::InProcessDispatcher;
use lambdagram::memory::MemoryStore;
use lambdagram::route::RouteDeps;
use lambdagram::secret::WebhookSecret;
use serde_json::json;

const SECRET: &str = "bench-secret-0123456789";
const PROTECTED: i64 = -100_111;
const UNPROTECTED: i64 = -100_222;
const CHANNEL: i64 = -100_333;
const USER: i64 = 7;
const FAR: i64 = 4_000_000_000;

fn body(update_id: i64, group: i64) -> Vec<u8> {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 1_790_000_000,
            "chat": {"id": group, "type": "supergroup", "title": "Lounge"},
            "from": {"id": USER, "is_bot": false, "first_name": "Carol", "language_code": "en"},
            "text": "hello everyone, a message of ordinary length for a group chat"
        }
    })
    .to_string()
    .into_bytes()
}

fn report(name: &str, mut micros: Vec<f64>) {
    let mean = micros.iter().sum::<f64>() / micros.len() as f64;
    micros.sort_by(f64::total_cmp);
    let at = |p: f64| micros[((micros.len() - 1) as f64 * p) as usize];
    println!(
        "| {name} | {mean:.2} µs | {:.2} µs | {:.2} µs |",
        at(0.5),
        at(0.99)
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let fake = FakeBotApi::start().await?;
    let store = MemoryStore::new();
    let mut config = GroupConfig::new(PROTECTED);
    config.enabled = true;
    config.link([LinkedChannel {
        id: CHANNEL,
        title: "News".into(),
        username: Some("news".into()),
        invite_link: None,
    }]);
    store.save_group(&mut config, &[]).await?;
    store.cache_admins(PROTECTED, &[1], FAR).await?;
    store.cache_subscription(CHANNEL, USER, true, FAR).await?;

    let deps = Arc::new(RouteDeps {
        bot: lambdagram::telegram::BotApi::new(&fake.token(), &fake.base_url())?,
        store: store.clone(),
        bot_username: fake_bot_api::BOT_USERNAME.to_owned(),
    });
    let mut routes = InProcessDispatcher::new(channel_guard::ROUTES);
    routes
        .register(
            "guard-message",
            deps,
            &[&GATED],
            guard_message::GuardMessage,
        )
        .map_err(anyhow::Error::msg)?;
    let config = IngressConfig::new(
        channel_guard::ROUTES,
        WebhookSecret::new(SECRET).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        fake_bot_api::BOT_USERNAME,
    );
    let ingress = Ingress::new(config, store, routes);

    println!(
        "in-process hot path, {n} updates per kind (after {} warm-up)",
        n / 10
    );
    println!("| update | mean | p50 | p99 |");
    println!("|---|---:|---:|---:|");
    for (name, group) in [
        ("known subscriber, protected group, warm sandbox", PROTECTED),
        (
            "message in an unprotected group (memory store read)",
            UNPROTECTED,
        ),
    ] {
        let bodies: Vec<Vec<u8>> = (0..n + n / 10).map(|i| body(i + 1, group)).collect();
        let mut micros = Vec::with_capacity(n as usize);
        for (i, body) in bodies.iter().enumerate() {
            let started = Instant::now();
            let answer = ingress
                .handle(
                    IngressRequest {
                        secret_header: Some(SECRET.as_bytes()),
                        body,
                    },
                    lambdagram::time::now(),
                )
                .await;
            let took = started.elapsed();
            anyhow::ensure!(answer.status == 200, "{name}: status {}", answer.status);
            if i as i64 >= n / 10 {
                micros.push(took.as_secs_f64() * 1e6);
            }
        }
        report(name, micros);
    }
    anyhow::ensure!(fake.calls().is_empty(), "the Bot API was called");
    Ok(())
}
