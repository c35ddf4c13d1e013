//! The benchmark behind the figures in the closing notes and the README: binary sizes, each
//! function's init duration (process start → first `invocation/next`, including reading its
//! secret and building its clients), warm end-to-end latency per update kind through the whole
//! local stack, and the DynamoDB / Bot API calls each kind costs.
//!
//! ```sh
//! cargo build --release $(ls functions | sed 's/^/-p /')
//! scripts/dynamodb-local   # prints DYNAMODB_ENDPOINT=…; export it
//! LAMBDAGRAM_E2E_PREBUILT=1 LAMBDAGRAM_E2E_PROFILE=release \
//!     cargo run -p lambdagram-e2e --example bench -- 200
//! ```
//!
//! Latency here is loopback with DynamoDB Local and the fake Bot API, on this machine: it
//! measures our code and the Lambda runtime loop, not AWS's network.

use std::time::{Duration, Instant};

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::prelude::*;
use channel_guard::ROUTES;
use fake_bot_api::MemberStatus;
use fake_bot_api::ALICE_ID;
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::stack::Stack;
use serde_json::{json, Value};

fn update(update_id: i64, chat: (i64, &str), text: &str) -> Value {
    let command_len = text.split_whitespace().next().map_or(0, str::len);
    let entities = if text.starts_with('/') {
        json!([{"type": "bot_command", "offset": 0, "length": command_len}])
    } else {
        json!([])
    };
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "from": {"id": ALICE_ID, "is_bot": false, "first_name": "Alice", "language_code": "en"},
            "chat": {"id": chat.0, "type": chat.1, "title": "Lounge"},
            "text": text,
            "entities": entities
        }
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let per_kind: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    // The functions' profile: LAMBDAGRAM_E2E_PROFILE when set (release functions under a debug
    // harness), else the harness's own.
    let profile = std::env::var("LAMBDAGRAM_E2E_PROFILE")
        .ok()
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            Some(
                exe.parent()?
                    .parent()?
                    .file_name()?
                    .to_string_lossy()
                    .into_owned(),
            )
        })
        .unwrap_or_default();

    println!("## Binary sizes ({profile})\n");
    println!("| function | bytes | MiB |\n|---|---:|---:|");
    for name in lambdagram_e2e::paths::function_packages() {
        let path = lambdagram_e2e::paths::function_binary(name);
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "| {name} | {bytes} | {:.2} |",
            bytes as f64 / (1024.0 * 1024.0)
        );
    }

    // Init durations over a few fresh stacks.
    let mut inits: Vec<(String, Vec<Duration>)> = lambdagram_e2e::paths::function_packages()
        .into_iter()
        .map(|n| (n.to_owned(), Vec::new()))
        .collect();
    for round in 0..5 {
        let stack = Stack::start().await;
        // Every function polls for work once it is initialised; give them a moment.
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let ready = inits
                .iter()
                .all(|(n, _)| stack.emulator.init_duration(n).is_some());
            if ready || Instant::now() > until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for (name, samples) in &mut inits {
            if let Some(d) = stack.emulator.init_duration(name) {
                samples.push(d);
            }
        }
        drop(stack);
        let _ = round;
    }
    println!("\n## Init duration (process start → ready for the first event; 5 cold starts)\n");
    println!("| function | median ms | max ms |\n|---|---:|---:|");
    for (name, mut samples) in inits {
        samples.sort();
        if samples.is_empty() {
            println!("| {name} | n/a | n/a |");
            continue;
        }
        println!(
            "| {name} | {:.1} | {:.1} |",
            percentile(&samples, 0.5),
            percentile(&samples, 1.0)
        );
    }

    // Warm latency and cost per update kind.
    let stack = Stack::start().await;
    let kinds: [(&str, (i64, &str), &str); 4] = [
        ("/start (private)", (ALICE_ID, "private"), "/start"),
        (
            "/help (private, webhook reply)",
            (ALICE_ID, "private"),
            "/help",
        ),
        (
            "group message, unprotected group",
            (fake_bot_api::LOUNGE_ID, "supergroup"),
            "hello",
        ),
        (
            "unknown command (webhook reply)",
            (ALICE_ID, "private"),
            "/frobnicate",
        ),
    ];
    println!(
        "\n## Warm end-to-end latency and cost per update ({per_kind} updates per kind, after 20 warm-up)\n"
    );
    println!("| update | p50 ms | p90 ms | p99 ms | DynamoDB ops | Bot API calls by functions |");
    println!("|---|---:|---:|---:|---|---:|");
    let mut next_id = 1_000_000;
    for (label, chat, text) in kinds {
        measure(&stack, label, chat, text, per_kind, &mut next_id).await;
    }
    // The guard's hot path: the Lounge protected by @lambdagram_news, Alice a plain member of
    // the Lounge and subscribed to the channel; after the warm-up her answers are cached.
    let mut config = GroupConfig::new(fake_bot_api::LOUNGE_ID);
    config.enabled = true;
    config.link([LinkedChannel {
        id: fake_bot_api::NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(fake_bot_api::NEWS_USERNAME.into()),
        invite_link: None,
    }]);
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
    let world = stack.fake.world();
    world.set_member(fake_bot_api::LOUNGE_ID, ALICE_ID, MemberStatus::member());
    world.set_member(fake_bot_api::NEWS_ID, ALICE_ID, MemberStatus::member());
    measure(
        &stack,
        "group message, protected, known subscriber (cache hit)",
        (fake_bot_api::LOUNGE_ID, "supergroup"),
        "hello",
        per_kind,
        &mut next_id,
    )
    .await;
    println!(
        "\nRoutes: {}",
        ROUTES.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
    );
}

/// Sends `per_kind` updates of one kind (after 20 to warm up) and prints their latency and cost.
async fn measure(
    stack: &Stack,
    label: &str,
    chat: (i64, &str),
    text: &str,
    per_kind: usize,
    next_id: &mut i64,
) {
    for _ in 0..20 {
        *next_id += 1;
        stack
            .post(
                update(*next_id, chat, text).to_string(),
                Some(lambdagram_e2e::stack::SECRET),
            )
            .await;
    }
    stack.emulator.take_dynamodb_ops();
    stack.fake.clear_calls();
    let mut samples = Vec::with_capacity(per_kind);
    for _ in 0..per_kind {
        *next_id += 1;
        let body = update(*next_id, chat, text).to_string();
        let started = Instant::now();
        let d = stack.post(body, Some(lambdagram_e2e::stack::SECRET)).await;
        samples.push(started.elapsed());
        assert_eq!(d.status, 200, "{label}: {d:?}");
    }
    samples.sort();
    let ops = stack.emulator.take_dynamodb_ops();
    let mut by_op: Vec<(String, usize)> = Vec::new();
    for op in ops {
        match by_op.iter_mut().find(|(o, _)| *o == op) {
            Some((_, n)) => *n += 1,
            None => by_op.push((op, 1)),
        }
    }
    let ops_text = if by_op.is_empty() {
        "none".to_owned()
    } else {
        by_op
            .iter()
            .map(|(o, n)| format!("{o} ×{:.0}", *n as f64 / per_kind as f64))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let calls = stack.fake.calls().len() as f64 / per_kind as f64;
    println!(
        "| {label} | {:.2} | {:.2} | {:.2} | {ops_text} | {calls:.0} |",
        percentile(&samples, 0.5),
        percentile(&samples, 0.9),
        percentile(&samples, 0.99)
    );
}
