//! Start-up benchmark: how long a function takes from `exec` to its first Runtime API
//! `invocation/next` (secret read from SSM, clients built, connections opened: the SSM read,
//! DynamoDB's `DescribeTimeToLive`, the Bot API's `HEAD /`, and for the webhook a `DryRun`
//! Invoke), and its peak RSS at that moment (`VmHWM` from /proc). Each start is a new process
//! under a new Runtime API; SSM and Lambda are the local emulator, DynamoDB is DynamoDB Local
//! and the Bot API the fake, all on loopback. Prints median and p90 of N starts per function.
//!
//! ```sh
//! cargo build --release -p webhook -p guard-message     # the functions measured
//! eval "$(scripts/dynamodb-local)" && export DYNAMODB_ENDPOINT
//! LAMBDAGRAM_E2E_PREBUILT=1 LAMBDAGRAM_E2E_PROFILE=release \
//!     cargo run --release -p lambdagram-e2e --example startup -- 30 webhook guard-message
//! ```
//!
//! A benchmark reports; nothing here asserts a timing.

use std::time::{Duration, Instant};

use channel_guard::ROUTES;
use fake_bot_api::FakeBotApi;
use lambdagram_e2e::emulator::{Emulator, FunctionSpec};
use lambdagram_e2e::{dynamodb, paths};

const SECRET_PARAMETER: &str = "/bench/webhook-secret";
const TOKEN_PARAMETER: &str = "/bench/bot-token";

struct Start {
    ready: Duration,
    peak_rss_kib: u64,
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

async fn start_once(
    function: &str,
    fake: &FakeBotApi,
    dynamodb_endpoint: &str,
    table: &str,
) -> anyhow::Result<Start> {
    let mut emulator = Emulator::start().await?;
    emulator.put_parameter(SECRET_PARAMETER, "bench-secret-0123456789");
    emulator.put_parameter(TOKEN_PARAMETER, &fake.token());
    let mut env: Vec<(String, String)> = [
        (
            "AWS_ACCESS_KEY_ID",
            lambdagram_e2e::sigv4_check::ACCESS_KEY_ID.to_owned(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            lambdagram_e2e::sigv4_check::SECRET_ACCESS_KEY.to_owned(),
        ),
        ("AWS_REGION", lambdagram_e2e::sigv4_check::REGION.to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_endpoint.to_owned()),
        ("AWS_ENDPOINT_URL_LAMBDA", emulator.endpoint()),
        ("AWS_ENDPOINT_URL_SSM", emulator.endpoint()),
        ("RUST_LOG", "info".to_owned()),
        ("BOT_USERNAME", fake_bot_api::BOT_USERNAME.to_owned()),
        ("BOT_OWNER_ID", "1".to_owned()),
        ("TABLE_NAME", table.to_owned()),
        ("BOT_TOKEN_PARAMETER", TOKEN_PARAMETER.to_owned()),
        ("TELEGRAM_API_URL", fake.base_url()),
        ("WEBHOOK_SECRET_PARAMETER", SECRET_PARAMETER.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    // Where the TLS roots are read from (shared/src/tls/source.rs: `SSL_CERT_FILE` alone when
    // set, else the distribution's bundle): passed through when set, to compare.
    for var in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
        if let Ok(value) = std::env::var(var) {
            env.push((var.to_owned(), value));
        }
    }
    if function == "webhook" {
        env.extend(
            ROUTES
                .iter()
                .map(|r| (r.function_env_var(), r.name.to_owned())),
        );
    }
    emulator
        .spawn(FunctionSpec {
            name: function.to_owned(),
            binary: paths::function_binary(function),
            env,
            timeout: Duration::from_secs(20),
            instances: 1,
        })
        .await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let ready = loop {
        if let Some(d) = emulator.init_duration(function) {
            break d;
        }
        anyhow::ensure!(Instant::now() < deadline, "{function} never polled");
        tokio::time::sleep(Duration::from_micros(200)).await;
    };
    let pid = *emulator.pids().first().expect("a process");
    let peak_rss_kib = peak_rss_kib(pid).unwrap_or(0);
    Ok(Start {
        ready,
        peak_rss_kib,
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(30);
    let mut functions: Vec<String> = args.collect();
    if functions.is_empty() {
        functions = vec!["webhook".into(), "guard-message".into()];
    }
    let fake = FakeBotApi::start().await?;
    let dynamodb_endpoint = dynamodb::endpoint().await;
    let table = dynamodb::fresh_table(&dynamodb::client().await).await;
    println!(
        "start-up: exec -> first invocation/next, {runs} starts each, profile {}",
        std::env::var("LAMBDAGRAM_E2E_PROFILE").unwrap_or_else(|_| "debug".into())
    );
    println!("| function | median | p90 | min | peak RSS (median) |");
    println!("|---|---:|---:|---:|---:|");
    for function in &functions {
        // One start not counted: the binary's pages into the page cache.
        start_once(function, &fake, &dynamodb_endpoint, &table).await?;
        let mut ready = Vec::with_capacity(runs);
        let mut rss = Vec::with_capacity(runs);
        for _ in 0..runs {
            let s = start_once(function, &fake, &dynamodb_endpoint, &table).await?;
            ready.push(s.ready.as_secs_f64() * 1e3);
            rss.push(s.peak_rss_kib as f64 / 1024.0);
        }
        ready.sort_by(f64::total_cmp);
        rss.sort_by(f64::total_cmp);
        println!(
            "| {function} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} MiB |",
            percentile(&ready, 0.5),
            percentile(&ready, 0.9),
            ready[0],
            percentile(&rss, 0.5),
        );
    }
    Ok(())
}
