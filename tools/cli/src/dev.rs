//! `lambdagram dev`: the bot against real Telegram, run on this machine, without deploying.
//!
//! Updates come from `getUpdates` (long polling, offsets confirmed as they are handled) and go
//! through the webhook's own logic ([`Ingress`]) to the route handlers in this process, exactly
//! as `local` replays events; the handlers call the Bot API named by TELEGRAM_API_URL, and a
//! webhook reply (which Telegram would execute) is sent as an ordinary Bot API call. Telegram
//! refuses `getUpdates` while a webhook is set, so a set webhook is deleted first (after asking)
//! and restored at the end.
//!
//! Updates are handled one at a time in `update_id` order, so each chat's updates keep their
//! order, as the deployed webhook keeps it. The handlers reach the Bot API through a loopback
//! relay that keeps a copy of each call, so the transcript shows what the bot did.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context};
use channel_guard::store::prelude::*;
use fake_bot_api::RecordedCall;
use lambdagram::ingress::{Ingress, IngressConfig, IngressRequest, IngressResponse};
use lambdagram::journal::EffectJournal;
use lambdagram::memory::MemoryStore;
use lambdagram::ports::{DeadLetters, UpdateLedger, UserStore};
use lambdagram::route::RouteDeps;
use lambdagram::secret::WebhookSecret;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::{events, registry, transcript};

/// Exit code: a webhook is set and deleting it was not confirmed (no terminal and no `--yes`,
/// or the answer was no). Nothing was changed.
pub const EXIT_NOT_CONFIRMED: i32 = 3;
/// Exit code: stopped at once by a second Ctrl-C (the update in hand was not confirmed, so
/// Telegram delivers it again).
pub const EXIT_ABORTED: i32 = 130;

pub const ABOUT: &str = "Run the bot on this machine against real Telegram, without deploying";

pub const LONG_ABOUT: &str = "\
Run the bot on this machine against real Telegram, without deploying.

Updates are fetched with getUpdates (long polling, with the route table's allowed_updates) and \
handed to the same webhook logic and route handlers the Lambda functions run, one at a time in \
order. Each update prints a transcript line; a webhook reply is sent as a Bot API call.

Token from BOT_TOKEN, Bot API from TELEGRAM_API_URL (default https://api.telegram.org). State is \
kept in memory unless --table names a DynamoDB table (credentials, region and \
AWS_ENDPOINT_URL_DYNAMODB as the AWS SDK reads them).

Telegram refuses getUpdates while a webhook is set: dev asks before deleting it (--yes answers \
yes) and offers to restore it when it stops (--yes restores without asking, --no-restore keeps \
it deleted). Telegram never shows a webhook's secret, so pass the deployed one (WEBHOOK_SECRET or \
--secret) to have the webhook restored with it. Ctrl-C stops after the update in hand and \
confirms what was handled, so nothing is lost or delivered twice; a second Ctrl-C quits at once.";

pub const EXIT_CODES: &str = "\
Exit codes:
  0    stopped cleanly (Ctrl-C, --max-updates or --exit-when-idle)
  1    an error (token refused, Telegram or DynamoDB unreachable, another getUpdates client)
  2    invalid arguments
  3    a webhook is set and deleting it was not confirmed (no terminal and no --yes, or no); nothing changed
  130  quit by a second Ctrl-C";

/// The options; the help texts are [`ABOUT`], [`LONG_ABOUT`] and [`EXIT_CODES`].
#[derive(clap::Args)]
pub struct Args {
    /// Answer yes: delete a webhook that is set, and restore it at the end.
    #[arg(long, short = 'y')]
    yes: bool,
    /// Do not restore the webhook when stopping.
    #[arg(long)]
    no_restore: bool,
    /// Keep state in this DynamoDB table (the stack's StateTable) instead of in memory.
    #[arg(long, env = "TABLE_NAME", value_name = "NAME")]
    table: Option<String>,
    // With --stack (or --config-env): state in the stack's table (its TableName output).
    #[command(flatten)]
    stack: crate::stack::StackArgs,
    /// The deployed webhook's secret, to restore the webhook with it (default: WEBHOOK_SECRET).
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Stop after handling this many updates.
    #[arg(long, value_name = "N")]
    max_updates: Option<u64>,
    /// Stop as soon as a poll comes back with no update.
    #[arg(long)]
    exit_when_idle: bool,
    /// Seconds each getUpdates long poll may wait for an update.
    #[arg(long, default_value_t = 30, value_name = "SECS",
          value_parser = clap::value_parser!(u32).range(0..=50))]
    poll_timeout: u32,
}

pub async fn run(mut args: Args) -> anyhow::Result<()> {
    args.table = args
        .stack
        .output_unless(args.table.clone(), "TableName")
        .await?;
    let token = lambdagram::config::optional("BOT_TOKEN")
        .context("set BOT_TOKEN to the token BotFather gave you")?;
    let api_url = lambdagram::config::telegram_api_url();
    let api = RawApi::new(&token, &api_url)?;
    let me = api
        .call("getMe", &json!({}))
        .await
        .context("getMe failed (is BOT_TOKEN right?)")?;
    let username = me["username"].as_str().unwrap_or_default().to_owned();

    // The store first: a table that cannot be read should stop us before the webhook changes.
    let store = match &args.table {
        None => Store::Memory(MemoryStore::new()),
        Some(table) => {
            let config = lambdagram::aws::sdk_config().await?;
            let store = lambdagram::aws::DynamoStore::new(
                lambdagram::aws::dynamodb_client(&config),
                table.as_str(),
            );
            store
                .user(0)
                .await
                .with_context(|| format!("cannot read the DynamoDB table {table}"))?;
            Store::Dynamo(store)
        }
    };

    let previous = take_over_webhook(&api, &args).await?;
    let stop = StopSignal::install(previous.as_ref().map(|p| p.restore_command()));
    let session = Session {
        api: &api,
        token: &token,
        api_url: &api_url,
        username,
        args: &args,
        stop: &stop,
    };
    eprintln!(
        "lambdagram dev: @{} via {api_url}, state in {}",
        session.username,
        args.table
            .as_deref()
            .map_or("memory".to_owned(), |t| format!("DynamoDB table {t}"))
    );
    let served = match store {
        Store::Memory(s) => session.serve(s).await,
        Store::Dynamo(s) => session.serve(s).await,
    };
    if let Some(previous) = &previous {
        restore(&api, previous, &args, &stop).await;
    }
    let served = served?;
    eprintln!(
        "stopped: {} updates handled{}",
        served.handled,
        if served.failed > 0 {
            format!(", {} failed", served.failed)
        } else {
            String::new()
        }
    );
    Ok(())
}

enum Store {
    Memory(MemoryStore),
    Dynamo(lambdagram::aws::DynamoStore),
}

// ---------------------------------------------------------------------------------------------
// The webhook: taken over at the start, restored at the end.

/// What `getWebhookInfo` showed of the webhook that was set (the secret it never shows).
struct PreviousWebhook {
    url: String,
    max_connections: Option<i64>,
    /// `None`: Telegram's default list.
    allowed_updates: Option<Vec<String>>,
    ip_address: Option<String>,
    custom_certificate: bool,
    secret: Option<String>,
}

impl PreviousWebhook {
    fn from_info(info: &Value, secret: Option<String>) -> Option<Self> {
        let url = info["url"].as_str().filter(|u| !u.is_empty())?.to_owned();
        Some(Self {
            url,
            max_connections: info["max_connections"].as_i64(),
            allowed_updates: info["allowed_updates"].as_array().map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            }),
            ip_address: info["ip_address"].as_str().map(str::to_owned),
            custom_certificate: info["has_custom_certificate"].as_bool() == Some(true),
            secret,
        })
    }

    fn describe(&self) -> String {
        let mut parts = vec![self.url.clone()];
        if let Some(n) = self.max_connections {
            parts.push(format!("max_connections {n}"));
        }
        match &self.allowed_updates {
            Some(list) if !list.is_empty() => {
                parts.push(format!("allowed_updates {}", list.join(",")))
            }
            _ => parts.push("Telegram's default allowed_updates".into()),
        }
        if let Some(ip) = &self.ip_address {
            parts.push(format!("ip_address {ip}"));
        }
        parts.join(", ")
    }

    /// The `setWebhook` parameters that put it back as it was.
    fn set_params(&self, secret: &str) -> Value {
        let mut params = json!({
            "url": self.url,
            "secret_token": secret,
            // An empty list is Telegram's default; leaving it out would keep the list getUpdates set.
            "allowed_updates": self.allowed_updates.clone().unwrap_or_default(),
        });
        if let Some(n) = self.max_connections {
            params["max_connections"] = n.into();
        }
        if let Some(ip) = &self.ip_address {
            params["ip_address"] = ip.clone().into();
        }
        params
    }

    /// How to restore it by hand.
    fn restore_command(&self) -> String {
        let mut cmd = format!(
            "lambdagram webhook set --url {} --secret \"$WEBHOOK_SECRET\"",
            self.url
        );
        if let Some(n) = self.max_connections {
            cmd.push_str(&format!(" --max-connections {n}"));
        }
        cmd
    }
}

/// Deletes a webhook that is set, once confirmed; returns what it was. Exits with
/// [`EXIT_NOT_CONFIRMED`] when it is not confirmed.
async fn take_over_webhook(api: &RawApi, args: &Args) -> anyhow::Result<Option<PreviousWebhook>> {
    let info = api
        .call("getWebhookInfo", &json!({}))
        .await
        .context("getWebhookInfo failed")?;
    let Some(previous) = PreviousWebhook::from_info(&info, args.secret.clone()) else {
        return Ok(None);
    };
    eprintln!("A webhook is set: {}", previous.describe());
    eprintln!(
        "Telegram does not deliver updates to getUpdates while a webhook is set, so dev deletes \
         it for this session (pending updates are kept) and offers to restore it at the end."
    );
    if previous.secret.is_none() && !args.no_restore {
        eprintln!(
            "Note: Telegram never shows a webhook's secret; without WEBHOOK_SECRET (or --secret) \
             dev cannot restore the webhook and prints the command to do it instead."
        );
    }
    let confirmed = if args.yes {
        true
    } else if std::io::stdin().is_terminal() {
        ask("Delete the webhook?", false).await
    } else {
        eprintln!(
            "error: not deleting the webhook without confirmation: no terminal to ask on. \
             Run with --yes to delete it (and restore it at the end), or delete it yourself \
             with `lambdagram webhook delete`."
        );
        exit(EXIT_NOT_CONFIRMED);
    };
    if !confirmed {
        eprintln!("The webhook stays; nothing changed.");
        exit(EXIT_NOT_CONFIRMED);
    }
    api.call("deleteWebhook", &json!({}))
        .await
        .context("deleteWebhook failed")?;
    eprintln!("webhook deleted");
    Ok(Some(previous))
}

async fn restore(api: &RawApi, previous: &PreviousWebhook, args: &Args, stop: &StopSignal) {
    let by_hand = previous.restore_command();
    if args.no_restore {
        eprintln!("webhook left deleted (--no-restore); to restore it: {by_hand}");
        return;
    }
    let Some(secret) = &previous.secret else {
        eprintln!(
            "webhook not restored: its secret is unknown (set WEBHOOK_SECRET or --secret). \
             To restore it: {by_hand}"
        );
        return;
    };
    let confirmed = if args.yes {
        true
    } else if std::io::stdin().is_terminal() {
        // Ctrl-C at this question quits without restoring (the handler prints how to).
        stop.arm_abort();
        ask(&format!("Restore the webhook {}?", previous.url), true).await
    } else {
        false
    };
    if !confirmed {
        eprintln!("webhook left deleted; to restore it: {by_hand}");
        return;
    }
    match api.call("setWebhook", &previous.set_params(secret)).await {
        Ok(_) => {
            eprintln!("webhook restored: {}", previous.url);
            if previous.custom_certificate {
                eprintln!(
                    "note: it had a self-signed certificate, which cannot be read back; \
                     upload it again with setWebhook if Telegram needs it"
                );
            }
        }
        Err(e) => eprintln!("error: restoring the webhook failed: {e}; to restore it: {by_hand}"),
    }
}

/// Asks a yes/no question on the terminal; an empty answer (or end of input) is `default`.
async fn ask(question: &str, default: bool) -> bool {
    eprint!("{question} {} ", if default { "[Y/n]" } else { "[y/N]" });
    let _ = std::io::stderr().flush();
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await;
    match line {
        Ok(Ok(line)) => match line.trim().to_ascii_lowercase().as_str() {
            "" => default,
            "y" | "yes" => true,
            _ => false,
        },
        _ => false,
    }
}

/// Exits with `code` after flushing what was printed.
fn exit(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code)
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C.

/// The first Ctrl-C asks to stop after the update in hand; a second one quits at once.
struct StopSignal {
    requested: watch::Receiver<bool>,
    /// Whether a Ctrl-C now quits at once (while asking whether to restore).
    abort_now: Arc<std::sync::atomic::AtomicBool>,
}

impl StopSignal {
    fn install(restore_hint: Option<String>) -> Self {
        let (tx, rx) = watch::channel(false);
        let abort_now = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let abort = abort_now.clone();
        let hint = Mutex::new(restore_hint);
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                let first = !*tx.borrow();
                if first && !abort.load(std::sync::atomic::Ordering::Relaxed) {
                    eprintln!(
                        "\nstopping after the update in hand (Ctrl-C again to quit at once)…"
                    );
                    let _ = tx.send(true);
                    continue;
                }
                eprintln!("\nquit: the update in hand, if any, is delivered again next time");
                if let Some(hint) = hint.lock().ok().and_then(|h| h.clone()) {
                    eprintln!("the webhook is not restored; to restore it: {hint}");
                }
                exit(EXIT_ABORTED);
            }
        });
        Self {
            requested: rx,
            abort_now,
        }
    }

    fn requested(&self) -> bool {
        *self.requested.borrow()
    }

    /// Resolves once a stop was asked for.
    async fn wait(&self) {
        let mut rx = self.requested.clone();
        let _ = rx.wait_for(|stop| *stop).await;
    }

    fn arm_abort(&self) {
        self.abort_now
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------
/// One run of the warning sweeper over the session's store; a failure is reported, not fatal
/// (the next run catches up, as in AWS).
async fn sweep<S: GuardStore>(bot: &lambdagram::telegram::BotApi, store: &S) {
    use lambdagram::jobs::{JobContext, JobHandler};
    let ctx = JobContext {
        bot,
        store,
        now: lambdagram::time::now(),
        deadline_ms: lambdagram::time::now_ms() + 20_000,
    };
    match sweeper::Sweeper.run(ctx).await {
        Ok(report) if report.due > 0 => eprintln!(
            "sweeper: {} warning(s) due, {} deleted",
            report.due, report.deleted
        ),
        Ok(_) => {}
        Err(e) => eprintln!("sweeper failed: {e}"),
    }
}

// The poll loop.

struct Session<'a> {
    api: &'a RawApi,
    token: &'a str,
    api_url: &'a str,
    username: String,
    args: &'a Args,
    stop: &'a StopSignal,
}

#[derive(Default)]
struct Served {
    handled: u64,
    failed: u64,
}

/// How many times a failed update is tried (Telegram would keep redelivering it to a webhook).
const ATTEMPTS: u32 = 3;

impl Session<'_> {
    async fn serve<S>(&self, store: S) -> anyhow::Result<Served>
    where
        S: UserStore
            + GuardStore
            + EffectJournal
            + UpdateLedger
            + DeadLetters
            + lambdagram::botsets::BotSets
            + lambdagram::ratelimit::RateCounter
            + lambdagram::interaction_log::InteractionLog
            + lambdagram::keymap::UserData
            + Clone
            + 'static,
    {
        // The handlers reach Telegram through the relay, so the transcript shows their calls.
        let relay = Relay::start(self.api_url).await?;
        let bot = lambdagram::telegram::BotApi::new(self.token, &relay.url)?;
        let deps = Arc::new(RouteDeps {
            bot,
            store: store.clone(),
            bot_username: self.username.clone(),
        });
        // In-process: the secret only has to agree with itself.
        let secret = WebhookSecret::generate()?;
        let config =
            IngressConfig::new(channel_guard::ROUTES, secret.clone(), self.username.clone());
        let ingress = Ingress::new(
            config,
            store.clone(),
            registry::in_process(deps.clone()).map_err(anyhow::Error::msg)?,
        );
        let allowed = channel_guard::ROUTES.allowed_updates();
        // The scheduled jobs run here too (the warning sweeper, every minute in AWS): at most
        // once a minute, between polls.
        let mut last_sweep: Option<std::time::Instant> = None;
        eprintln!("allowed_updates: {}", allowed.join(", "));

        let mut served = Served::default();
        // The next update wanted: everything below it is handled (confirmed on the next call).
        let mut offset: Option<i64> = None;
        let mut backoff = Duration::from_secs(1);
        'poll: loop {
            if self.stop.requested() {
                break;
            }
            if last_sweep.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                last_sweep = Some(std::time::Instant::now());
                sweep(&deps.bot, &store).await;
            }
            eprintln!("waiting for updates… (Ctrl-C to stop)");
            let params = json!({
                "offset": offset.unwrap_or(0),
                "timeout": self.args.poll_timeout,
                "allowed_updates": allowed,
            });
            let timeout = Duration::from_secs(u64::from(self.args.poll_timeout) + 15);
            let batch = tokio::select! {
                answer = self.api.call_with_timeout("getUpdates", &params, timeout) => answer,
                () = self.stop.wait() => break,
            };
            let batch: Vec<Box<RawValue>> = match batch {
                Ok(result) => {
                    backoff = Duration::from_secs(1);
                    serde_json::from_value::<Vec<Value>>(result)
                        .context("getUpdates answered something that is not a list")?
                        .into_iter()
                        .filter_map(|u| RawValue::from_string(u.to_string()).ok())
                        .collect()
                }
                Err(ApiFailure::Refused {
                    retry_after: Some(secs),
                    ..
                }) => {
                    eprintln!("Telegram asks to wait {secs} s");
                    self.pause(Duration::from_secs(u64::from(secs))).await;
                    continue;
                }
                Err(ApiFailure::Refused {
                    code: 409,
                    description,
                    ..
                }) => bail!(
                    "getUpdates: {description} — another process is polling this bot, or a \
                     webhook was set meanwhile"
                ),
                Err(e @ ApiFailure::Refused { .. }) => bail!("getUpdates refused: {e}"),
                Err(e) => {
                    eprintln!("{e}; retrying in {} s", backoff.as_secs());
                    self.pause(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
            };
            if batch.is_empty() {
                if self.args.exit_when_idle {
                    break;
                }
                continue;
            }
            for update in batch {
                let update_id = update_id(&update);
                let ok = self.handle(&ingress, &secret, &update, &relay).await?;
                if ok {
                    served.handled += 1;
                } else {
                    served.failed += 1;
                }
                if let Some(id) = update_id {
                    offset = Some(id + 1);
                }
                let enough = self
                    .args
                    .max_updates
                    .is_some_and(|max| served.handled + served.failed >= max);
                if enough || self.stop.requested() {
                    break 'poll;
                }
            }
        }
        if let Some(offset) = offset {
            // Confirms what was handled; an update this call returns stays unconfirmed.
            let params = json!({"offset": offset, "timeout": 0, "limit": 1});
            self.api
                .call("getUpdates", &params)
                .await
                .context("confirming the handled updates (getUpdates with the next offset)")?;
        }
        Ok(served)
    }

    /// Handles one update as the deployed webhook would, retrying a failure as Telegram would
    /// redeliver it; prints its transcript. `Ok(false)`: it failed every attempt.
    async fn handle<L, D>(
        &self,
        ingress: &Ingress<L, D>,
        secret: &WebhookSecret,
        update: &RawValue,
        relay: &Relay,
    ) -> anyhow::Result<bool>
    where
        L: UpdateLedger + DeadLetters + lambdagram::interaction_log::InteractionLog,
        D: lambdagram::dispatch::Dispatcher,
    {
        let event = events::Event {
            name: clock(lambdagram::time::now()),
            body: update.get().to_owned(),
            secret: None,
        };
        let mut out = std::io::stdout();
        for attempt in 1..=ATTEMPTS {
            let answer = ingress
                .handle(
                    IngressRequest {
                        secret_header: Some(secret.expose().as_bytes()),
                        body: event.body.as_bytes(),
                    },
                    lambdagram::time::now(),
                )
                .await;
            let mut calls = relay.take();
            calls.extend(self.execute_reply(&answer).await);
            transcript::write(&mut out, &event, &answer, &calls)?;
            if answer.status < 500 {
                return Ok(true);
            }
            if attempt < ATTEMPTS {
                writeln!(
                    out,
                    "  (failed: trying again, as Telegram would redeliver it)"
                )?;
                tokio::time::sleep(Duration::from_secs(u64::from(attempt))).await;
            }
        }
        writeln!(
            out,
            "  (failed {ATTEMPTS} times: skipped; the deployed webhook would let Telegram retry)"
        )?;
        Ok(false)
    }

    /// Sends a webhook reply as the Bot API call Telegram would make of it; returns the call as
    /// the transcript shows calls.
    async fn execute_reply(&self, answer: &IngressResponse) -> Option<RecordedCall> {
        let Ok(Value::Object(mut params)) = serde_json::from_str::<Value>(answer.reply.as_ref()?)
        else {
            return None;
        };
        let method = params.remove("method")?.as_str()?.to_owned();
        let params = Value::Object(params);
        let (http_status, response) = match self.api.call(&method, &params).await {
            Ok(result) => (200, json!({"ok": true, "result": result})),
            Err(ApiFailure::Refused {
                code, description, ..
            }) => (code, json!({"ok": false, "description": description})),
            Err(e) => (0, json!({"ok": false, "description": e.to_string()})),
        };
        Some(RecordedCall {
            method,
            params,
            response,
            http_status,
        })
    }

    /// Sleeps, unless a stop is asked for first.
    async fn pause(&self, how_long: Duration) {
        tokio::select! {
            () = tokio::time::sleep(how_long) => {}
            () = self.stop.wait() => {}
        }
    }
}

/// `HH:MM:SS` (UTC) of an epoch second: the transcript's label for an update.
fn clock(now: i64) -> String {
    let day = now.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", day / 3600, day % 3600 / 60, day % 60)
}

/// A loopback HTTP relay to the Bot API that keeps a copy of each call (method, JSON
/// parameters, answer) for the transcript. It holds no token: the handlers' requests carry it
/// in their path, as to Telegram itself.
struct Relay {
    /// `http://127.0.0.1:<port>`: the Bot API URL the handlers are given.
    url: String,
    calls: Arc<Mutex<Vec<RecordedCall>>>,
}

struct RelayState {
    upstream: String,
    client: reqwest::Client,
    calls: Arc<Mutex<Vec<RecordedCall>>>,
}

impl Relay {
    async fn start(upstream: &str) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("starting the Bot API relay on 127.0.0.1")?;
        let url = format!("http://{}", listener.local_addr()?);
        let calls = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(RelayState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: lambdagram::telegram::http_client()?,
            calls: calls.clone(),
        });
        let app = axum::Router::new().fallback(relay_call).with_state(state);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("the Bot API relay stopped: {e}");
            }
        });
        Ok(Self { url, calls })
    }

    /// The calls relayed since the last take.
    fn take(&self) -> Vec<RecordedCall> {
        self.calls
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }
}

async fn relay_call(
    axum::extract::State(state): axum::extract::State<Arc<RelayState>>,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = uri.path();
    // As Telegram documents it (`sendMessage`; the handlers' client says `SendMessage`).
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut chars = name.chars();
    let method: String = chars
        .next()
        .map(|c| c.to_ascii_lowercase())
        .into_iter()
        .chain(chars)
        .collect();
    let answer = state
        .client
        .post(format!("{}{path}", state.upstream))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.clone())
        .send()
        .await;
    let (status, answer) = match answer {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(bytes) => (status, bytes.to_vec()),
                Err(_) => (502, Vec::new()),
            }
        }
        // The handler sees a 5xx: a server error it retries, as with Telegram.
        Err(_) => (502, Vec::new()),
    };
    if let Ok(mut calls) = state.calls.lock() {
        calls.push(RecordedCall {
            method,
            params: serde_json::from_slice(&body).unwrap_or(Value::Null),
            response: serde_json::from_slice(&answer).unwrap_or(Value::Null),
            http_status: status,
        });
    }
    let status =
        axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_GATEWAY);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        answer,
    )
        .into_response()
}

fn update_id(update: &RawValue) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Id {
        update_id: i64,
    }
    serde_json::from_str::<Id>(update.get())
        .ok()
        .map(|u| u.update_id)
}

// ---------------------------------------------------------------------------------------------
// The Bot API as JSON, for the calls the CLI makes itself (shared with `doctor`).

/// A Bot API call that did not succeed. Never shows the URL (it holds the token).
#[derive(Debug)]
pub enum ApiFailure {
    /// Telegram answered `ok: false`.
    Refused {
        method: String,
        code: u16,
        description: String,
        retry_after: Option<u32>,
    },
    /// No answer, or a 5xx.
    Unreachable { method: String, detail: String },
    /// An answer that is not the Bot API's.
    BadAnswer { method: String, detail: String },
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiFailure::Refused {
                method,
                code,
                description,
                ..
            } => write!(f, "{method}: {code} {description}"),
            ApiFailure::Unreachable { method, detail } => {
                write!(f, "{method}: Telegram unreachable: {detail}")
            }
            ApiFailure::BadAnswer { method, detail } => {
                write!(f, "{method}: unexpected answer: {detail}")
            }
        }
    }
}

impl std::error::Error for ApiFailure {}

/// `POST {api}/bot{token}/{method}` with a JSON body; the `result` or an [`ApiFailure`].
pub struct RawApi {
    client: reqwest::Client,
    /// Holds the token: never printed.
    base: String,
}

impl RawApi {
    pub fn new(token: &str, api_url: &str) -> anyhow::Result<Self> {
        let url: reqwest::Url = api_url
            .parse()
            .with_context(|| format!("TELEGRAM_API_URL is not a URL: {api_url}"))?;
        Ok(Self {
            client: lambdagram::telegram::http_client()?,
            base: format!("{}/bot{token}/", url.as_str().trim_end_matches('/')),
        })
    }

    pub async fn call(&self, method: &str, params: &Value) -> Result<Value, ApiFailure> {
        self.call_with_timeout(method, params, Duration::from_secs(15))
            .await
    }

    pub async fn call_with_timeout(
        &self,
        method: &str,
        params: &Value,
        timeout: Duration,
    ) -> Result<Value, ApiFailure> {
        let unreachable = |detail: String| ApiFailure::Unreachable {
            method: method.to_owned(),
            detail,
        };
        let response = self
            .client
            .post(format!("{}{method}", self.base))
            .timeout(timeout)
            .json(params)
            .send()
            .await
            .map_err(|e| unreachable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        if status >= 500 {
            return Err(unreachable(format!("server error {status}")));
        }
        let body: Value = response.json().await.map_err(|e| ApiFailure::BadAnswer {
            method: method.to_owned(),
            detail: format!("{status}: {}", e.without_url()),
        })?;
        if body["ok"].as_bool() == Some(true) {
            return Ok(body["result"].clone());
        }
        Err(ApiFailure::Refused {
            method: method.to_owned(),
            code: body["error_code"]
                .as_u64()
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(status),
            description: body["description"].as_str().unwrap_or_default().to_owned(),
            retry_after: body["parameters"]["retry_after"]
                .as_u64()
                .and_then(|s| u32::try_from(s).ok()),
        })
    }
}
