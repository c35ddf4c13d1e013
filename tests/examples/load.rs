//! The load benchmark of issue 10: many updates at a fixed concurrency over many chats, each
//! chat's updates in order (one in flight per chat, as Telegram delivers), a share delivered
//! twice, a rain of Bot API faults (502, and 429 with `retry_after`) and optionally DynamoDB
//! throttles, and every non-200 delivered again with backoff, as Telegram does. At the end it
//! asserts 0 lost (every update answered 200), 0 stuck (none given up after the redelivery
//! limit) and 0 double or missing visible effects (no message deleted twice, no member warned
//! twice in a group, restricted twice differently or restricted and never warned, no `/start`
//! welcomed twice), and prints throughput, latency, faults, redeliveries and dead letters.
//! Warnings the groups' flood limits deferred are posted by running the sweeper at the end,
//! as its schedule would, before the effects are counted.
//!
//! ```sh
//! cargo build --workspace --bins
//! eval "$(scripts/dynamodb-local)" && export DYNAMODB_ENDPOINT
//! LAMBDAGRAM_E2E_PREBUILT=1 cargo run -p lambdagram-e2e --example load -- \
//!     --updates 10000 --concurrency 50 --groups 200
//! ```
//!
//! Flags (defaults in brackets): `--updates` [10000], `--concurrency` [50], `--groups` [200],
//! `--users` [2000], `--duplicates` share delivered twice [0.05], `--bot-502` / `--bot-429`
//! chance per delivery that the next Bot API call (any method) answers 502 / 429 with
//! `retry_after` 1 [0.05 / 0.01], `--bot-outage` chance per delivery that the next 4 calls
//! answer 502, outlasting the client's retries so the update fails and is redelivered [0.01],
//! `--dynamo-throttle-every` one DynamoDB throttle in N requests,
//! 0 for none [50], `--bot-lost` chance per delivery that the next Bot API call applies with
//! its answer lost (502) [0], `--dynamo-lost-every` one DynamoDB request in N, when a write, applied with its
//! answer lost (500), 0 for none [0], `--webhooks` / `--workers` execution environments of the webhook / the
//! hot-path route [4 / 4], `--seed` [1].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::prelude::*;
use fake_bot_api::{
    AdminRights, Chat, FakeBotApi, Fault, FaultKind, MemberStatus, User, BOT_ID, NEWS_ID,
    NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::dynamo_proxy::{DynamoFaultKind, Rain};
use lambdagram_e2e::stack::Stack;
use serde_json::{json, Value};

/// Telegram gives up on an update after a day; here, after this many deliveries it is stuck.
const MAX_DELIVERIES: u32 = 25;

struct Options {
    updates: usize,
    concurrency: usize,
    groups: usize,
    users: usize,
    duplicates: f64,
    bot_502: f64,
    bot_429: f64,
    bot_outage: f64,
    bot_lost: f64,
    dynamo_throttle_every: u64,
    dynamo_lost_every: u64,
    webhooks: u32,
    workers: u32,
    seed: u64,
}

impl Options {
    fn parse() -> Options {
        let mut o = Options {
            updates: 10_000,
            concurrency: 50,
            groups: 200,
            users: 2_000,
            duplicates: 0.05,
            bot_502: 0.05,
            bot_429: 0.01,
            bot_outage: 0.01,
            bot_lost: 0.0,
            dynamo_throttle_every: 50,
            dynamo_lost_every: 0,
            webhooks: 4,
            workers: 4,
            seed: 1,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        for pair in args.chunks(2) {
            let value = pair.get(1).map(String::as_str).unwrap_or_default();
            let share = || {
                value
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("{} needs a share, got {value:?}", pair[0]))
            };
            let n = || {
                value
                    .parse::<u64>()
                    .unwrap_or_else(|_| panic!("{} needs a number, got {value:?}", pair[0]))
            };
            match pair[0].as_str() {
                "--updates" => o.updates = n() as usize,
                "--concurrency" => o.concurrency = n() as usize,
                "--groups" => o.groups = n() as usize,
                "--users" => o.users = n() as usize,
                "--duplicates" => o.duplicates = share(),
                "--bot-502" => o.bot_502 = share(),
                "--bot-429" => o.bot_429 = share(),
                "--bot-outage" => o.bot_outage = share(),
                "--bot-lost" => o.bot_lost = share(),
                "--dynamo-lost-every" => o.dynamo_lost_every = n(),
                "--dynamo-throttle-every" => o.dynamo_throttle_every = n(),
                "--webhooks" => o.webhooks = n() as u32,
                "--workers" => o.workers = n() as u32,
                "--seed" => o.seed = n(),
                other => {
                    panic!("unknown flag {other}; see the comment atop tests/examples/load.rs")
                }
            }
        }
        o
    }
}

const FIRST_GROUP: i64 = -1_002_000_000_000;
const FIRST_USER: i64 = 5_000_000;

/// One chat's updates, in the order Telegram delivers them.
struct ChatQueue {
    updates: VecDeque<Value>,
}

/// What the run measured.
#[derive(Default)]
struct Tally {
    /// Per delivery (each HTTP request).
    delivery_latency: Vec<Duration>,
    /// Per update: first delivery to its 200.
    update_latency: Vec<Duration>,
    answered: usize,
    redeliveries: usize,
    statuses: BTreeMap<u16, usize>,
    stuck: Vec<i64>,
    duplicates_sent: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Builds the world: `groups` supergroups protected by @lambdagram_news with the bot as
/// moderator, `users` users each in a few groups, half of them subscribed to the channel.
async fn world(o: &Options, rng: &mut fastrand::Rng) -> (Stack, Vec<Vec<i64>>) {
    let fake = FakeBotApi::start().await.expect("start the fake Bot API");
    let world = fake.world();
    for u in 0..o.users as i64 {
        let id = FIRST_USER + u;
        world.add_user(User::new(id, format!("User{u}")).with_language("en"));
        world.add_private_chat(id);
        if rng.bool() {
            world.set_member(NEWS_ID, id, MemberStatus::member());
        }
    }
    let mut members = Vec::with_capacity(o.groups);
    for g in 0..o.groups as i64 {
        let id = FIRST_GROUP - g;
        world.add_chat(Chat::supergroup(id, format!("Group {g}")));
        world.set_member(id, BOT_ID, MemberStatus::admin(AdminRights::moderator()));
        let group_members: Vec<i64> = (0..10)
            .map(|_| FIRST_USER + rng.i64(0..o.users as i64))
            .collect();
        for m in &group_members {
            world.set_member(id, *m, MemberStatus::member());
        }
        members.push(group_members);
    }
    let stack = Stack::start_scaled(
        fake,
        o.webhooks,
        &[("guard-message", o.workers), ("start", 2)],
    )
    .await;
    let store = DynamoStore::new(stack.dynamo.clone(), stack.table.clone());
    for g in 0..o.groups as i64 {
        let mut config = GroupConfig::new(FIRST_GROUP - g);
        config.enabled = true;
        // Longer than the run: a second warning would be a double, not a new warning.
        config.settings.warning_ttl_secs = 3600;
        config.link([LinkedChannel {
            id: NEWS_ID,
            title: "Lambdagram News".into(),
            username: Some(NEWS_USERNAME.into()),
            invite_link: None,
        }]);
        store
            .save_group(&mut config, &[])
            .await
            .expect("protect a group");
    }
    (stack, members)
}

/// `/start` from `user` in their private chat.
fn start_command(stack: &Stack, user: i64) -> Value {
    let mut message = stack
        .fake
        .world()
        .add_message(user, user, "/start")
        .expect("a known user's private chat");
    message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": 6}]);
    stack.fake.push_update(json!({ "message": message }))
}

/// How the driver plays Telegram: its HTTP client, and the fault rain it brings along.
struct Telegram {
    http: reqwest::Client,
    url: String,
    bot_502: f64,
    bot_429: f64,
    bot_outage: f64,
    bot_lost: f64,
}

/// Delivers one update until 200 (or stuck), recording every delivery. Before each delivery a
/// fault may be queued for the next Bot API call, whichever update makes it.
async fn deliver(stack: &Stack, telegram: &Telegram, update: &Value, tally: &Mutex<Tally>) {
    let started = Instant::now();
    let mut backoff = Duration::from_millis(100);
    let body = update.to_string();
    for attempt in 1..=MAX_DELIVERIES {
        if fastrand::f64() < telegram.bot_502 {
            stack
                .fake
                .inject(Fault::any(FaultKind::ServerError { status: 502 }));
        }
        if fastrand::f64() < telegram.bot_outage {
            stack
                .fake
                .inject(Fault::new("*", FaultKind::ServerError { status: 502 }, 4));
        }
        if fastrand::f64() < telegram.bot_lost {
            stack
                .fake
                .inject(Fault::any(FaultKind::AnswerLost { status: 502 }));
        }
        if fastrand::f64() < telegram.bot_429 {
            stack
                .fake
                .inject(Fault::any(FaultKind::TooManyRequests { retry_after: 1 }));
        }
        let sent = Instant::now();
        let answer = telegram
            .http
            .post(&telegram.url)
            .header("content-type", "application/json")
            .header(
                "x-telegram-bot-api-secret-token",
                lambdagram_e2e::stack::SECRET,
            )
            .body(body.clone())
            .timeout(Duration::from_secs(60))
            .send()
            .await;
        // Telegram counts no answer within its timeout as a failure: status 0 here.
        let (status, reply) = match answer {
            Ok(answer) => {
                let status = answer.status().as_u16();
                let text = answer.text().await.unwrap_or_default();
                let reply = serde_json::from_str::<Value>(&text)
                    .ok()
                    .filter(|v| status == 200 && v.get("method").is_some());
                (status, reply)
            }
            Err(_) => (0, None),
        };
        if let Some(reply) = &reply {
            stack.fake.execute_webhook_reply(reply).await;
        }
        {
            let mut t = tally.lock().expect("tally");
            t.delivery_latency.push(sent.elapsed());
            *t.statuses.entry(status).or_default() += 1;
            if attempt > 1 {
                t.redeliveries += 1;
            }
            if status == 200 {
                t.answered += 1;
                t.update_latency.push(started.elapsed());
                return;
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
    let id = update["update_id"].as_i64().unwrap_or_default();
    tally.lock().expect("tally").stuck.push(id);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let o = Options::parse();
    let mut rng = fastrand::Rng::with_seed(o.seed);
    let (stack, members) = world(&o, &mut rng).await;
    let stack = Arc::new(stack);

    // The workload: 95 % messages in the groups from their members, 5 % `/start` in private;
    // each update queued in its chat, in order.
    let mut chats: HashMap<i64, ChatQueue> = HashMap::new();
    let mut starts = 0usize;
    let mut duplicates = 0usize;
    for _ in 0..o.updates {
        let (chat, update) = if rng.f64() < 0.05 {
            let user = FIRST_USER + rng.i64(0..o.users as i64);
            starts += 1;
            (user, start_command(&stack, user))
        } else {
            let g = rng.usize(0..o.groups);
            let group = FIRST_GROUP - g as i64;
            let user = members[g][rng.usize(0..members[g].len())];
            let update = stack
                .fake
                .user_says(group, user, "hello, buy my course")
                .expect("a known member");
            (group, update)
        };
        let queue = chats.entry(chat).or_insert_with(|| ChatQueue {
            updates: VecDeque::new(),
        });
        queue.updates.push_back(update.clone());
        if rng.f64() < o.duplicates {
            // Telegram delivers it again later (its 200 got lost on the way, say).
            queue.updates.push_back(update);
            duplicates += 1;
        }
    }
    let total_deliveries: usize = chats.values().map(|c| c.updates.len()).sum();
    println!(
        "load: {} updates ({} /start, {} duplicates) in {} chats, concurrency {}, {} webhook \
         and {} guard-message environments",
        o.updates,
        starts,
        duplicates,
        chats.len(),
        o.concurrency,
        o.webhooks,
        o.workers
    );

    // Fault rain: Bot API faults come with the deliveries (see `deliver`), DynamoDB throttles
    // from the proxy.
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    let telegram = Arc::new(Telegram {
        http: lambdagram::telegram::http_client().expect("an HTTP client"),
        url: stack.emulator.webhook_url(),
        bot_502: o.bot_502,
        bot_429: o.bot_429,
        bot_outage: o.bot_outage,
        bot_lost: o.bot_lost,
    });
    if o.dynamo_lost_every > 0 {
        stack.dynamo_faults().rain(Some(Rain {
            every: o.dynamo_lost_every,
            kind: DynamoFaultKind::AppliedAnswerLost,
            operations: ["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"]
                .map(String::from)
                .to_vec(),
        }));
    } else if o.dynamo_throttle_every > 0 {
        stack.dynamo_faults().rain(Some(Rain {
            every: o.dynamo_throttle_every,
            kind: DynamoFaultKind::Throttling,
            operations: Vec::new(),
        }));
    }

    // Workers take a chat, deliver its next update (until 200), and put the chat back: one
    // update in flight per chat, chats interleaved.
    let ready: Arc<Mutex<VecDeque<(i64, ChatQueue)>>> =
        Arc::new(Mutex::new(chats.into_iter().collect()));
    let tally = Arc::new(Mutex::new(Tally {
        duplicates_sent: duplicates,
        ..Tally::default()
    }));
    let started = Instant::now();
    let progress = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..o.concurrency {
        let (stack, ready, tally, progress, telegram) = (
            stack.clone(),
            ready.clone(),
            tally.clone(),
            progress.clone(),
            telegram.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let next = ready.lock().expect("ready").pop_front();
                let Some((chat, mut queue)) = next else {
                    // Chats still in flight may come back: look again until all are done.
                    if progress.load(std::sync::atomic::Ordering::Relaxed) >= total_deliveries {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let Some(update) = queue.updates.pop_front() else {
                    continue;
                };
                deliver(&stack, &telegram, &update, &tally).await;
                let done = progress.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if done % 1000 == 0 {
                    eprintln!(
                        "load: {done}/{total_deliveries} deliveries done, {:.0} s",
                        started.elapsed().as_secs_f64()
                    );
                }
                if !queue.updates.is_empty() {
                    ready.lock().expect("ready").push_back((chat, queue));
                }
            }
        }));
    }
    for w in workers {
        w.await.expect("a load worker");
    }
    let elapsed = started.elapsed();
    stack.fake.clear_faults();
    stack.dynamo_faults().rain(None);

    let tally = std::mem::take(&mut *tally.lock().expect("tally"));
    let sweeps = drain_deferred_warnings(&stack).await;
    report_and_check(&stack, &tally, elapsed, starts, &sweeps).await;
}

/// What the sweeper did with the warnings the flood limits kept back during the run.
#[derive(Default)]
struct Sweeps {
    deferred: usize,
    posted: u64,
    dropped: u64,
    runs: usize,
}

/// Warnings deferred to the sweeper (a group's flood window was full for longer than the
/// invocation) are part of the run's visible effects: the flood windows' time is let pass
/// (forgotten) and the sweeper runs, as its schedule would, until the queue is empty.
async fn drain_deferred_warnings(stack: &Stack) -> Sweeps {
    let queued = |items: &[Value]| items.iter().filter(|i| i["pk"] == "DEFER").count();
    let mut sweeps = Sweeps {
        deferred: queued(&stack.items().await),
        ..Sweeps::default()
    };
    while queued(&stack.items().await) > 0 {
        assert!(sweeps.runs < 20, "the deferred warnings never drained");
        stack.forget_flood_windows().await;
        let report = stack.run_job("sweeper").await.expect("a sweeper run");
        sweeps.posted += report["posted"].as_u64().unwrap_or_default();
        sweeps.dropped += report["dropped"].as_u64().unwrap_or_default();
        sweeps.runs += 1;
    }
    sweeps
}

async fn report_and_check(
    stack: &Stack,
    t: &Tally,
    elapsed: Duration,
    starts: usize,
    sweeps: &Sweeps,
) {
    let calls = stack.fake.calls();
    // (A lost answer is a 502 too: both are counted here.)
    let faults_502 = calls.iter().filter(|c| c.http_status == 502).count();
    let faults_429 = calls.iter().filter(|c| c.http_status == 429).count();
    let dynamo_faults = stack.dynamo_faults().injected().len();
    let items = stack.items().await;
    let dead_letters = items
        .iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DEAD#")))
        .count();

    // Doubles, from the fake's call log.
    let mut deletes: HashMap<(i64, i64), usize> = HashMap::new();
    let mut warnings: HashMap<(i64, i64), usize> = HashMap::new();
    // Each warning posted: (chat, user, message id), to leave out one taken back (deleted).
    let mut warning_ids: Vec<(i64, i64, i64)> = Vec::new();
    let mut restrictions: HashMap<(i64, i64), Vec<Value>> = HashMap::new();
    let mut welcomes = 0usize;
    for c in calls.iter().filter(|c| c.is_ok()) {
        let chat = c
            .param("chat_id")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        match c.method.as_str() {
            "deleteMessage" => {
                let id = c
                    .param("message_id")
                    .and_then(Value::as_i64)
                    .unwrap_or_default();
                *deletes.entry((chat, id)).or_default() += 1;
            }
            "sendMessage" if chat < 0 => {
                // The warning's "I have joined" button names the user.
                let user = c
                    .param("reply_markup")
                    .and_then(|m| {
                        m["inline_keyboard"].as_array()?.last()?[0]["callback_data"]
                            .as_str()
                            .map(str::to_owned)
                    })
                    .and_then(|d| d.strip_prefix("joined:")?.parse::<i64>().ok())
                    .unwrap_or_default();
                let id = c
                    .result()
                    .and_then(|r| r["message_id"].as_i64())
                    .unwrap_or_default();
                warning_ids.push((chat, user, id));
            }
            "sendMessage" => welcomes += 1,
            "restrictChatMember" => {
                let user = c
                    .param("user_id")
                    .and_then(Value::as_i64)
                    .unwrap_or_default();
                restrictions
                    .entry((chat, user))
                    .or_default()
                    .push(c.params.clone());
            }
            _ => {}
        }
    }
    let double_deletes = deletes.values().filter(|n| **n > 1).count();
    // A warning whose record could not be written is taken back (deleted) before the update
    // fails; what counts is the warnings left in the group.
    for (chat, user, id) in &warning_ids {
        if !deletes.contains_key(&(*chat, *id)) {
            *warnings.entry((*chat, *user)).or_default() += 1;
        }
    }
    // A warning whose sendMessage met a 5xx may have been posted with its answer lost: it is
    // never sent again (at most one warning), so a member may have none when the 5xx came
    // before Telegram acted. Counted apart, not as a failure.
    let uncertain: std::collections::HashSet<(i64, i64)> = calls
        .iter()
        .filter(|c| c.method == "sendMessage" && c.http_status >= 500)
        .filter_map(|c| {
            let chat = c.param("chat_id").and_then(Value::as_i64)?;
            let data = c.param("reply_markup")?["inline_keyboard"]
                .as_array()?
                .last()?[0]["callback_data"]
                .as_str()?
                .to_owned();
            Some((chat, data.strip_prefix("joined:")?.parse::<i64>().ok()?))
        })
        .collect();
    let double_warnings = warnings.values().filter(|n| **n > 1).count();
    // The same restriction imposed again after its confirmation failed is the design (the
    // intent makes it the bot's); a different one would be a double.
    let reimposed = restrictions.values().filter(|r| r.len() > 1).count();
    let double_restrictions = restrictions
        .values()
        .filter(|r| r.iter().any(|p| p != &r[0]))
        .count();
    let restricted_users = restrictions.len();
    // Every member the bot restricted was told why (one warning, not none).
    let unwarned = restrictions
        .keys()
        .filter(|k| !warnings.contains_key(k) && !uncertain.contains(k))
        .count();
    let given_up = restrictions
        .keys()
        .filter(|k| !warnings.contains_key(k) && uncertain.contains(k))
        .count();
    // Every restricted member is on record as the bot's (so "I have joined" lifts it).
    let unrecorded = restrictions
        .keys()
        .filter(|(chat, user)| {
            !items.iter().any(|i| {
                i["pk"] == format!("GROUP#{chat}")
                    && i["sk"] == format!("MUTE#{user}")
                    && i.get("pending").is_none()
            })
        })
        .count();

    let mut deliveries = t.delivery_latency.clone();
    deliveries.sort();
    let mut updates = t.update_latency.clone();
    updates.sort();
    println!("\n## Load ({:.1} s)\n", elapsed.as_secs_f64());
    println!("| measure | value |\n|---|---:|");
    println!(
        "| deliveries answered 200 (updates + duplicates) | {} |",
        t.answered
    );
    println!("| duplicates delivered | {} |", t.duplicates_sent);
    println!(
        "| throughput, updates/s | {:.1} |",
        t.answered as f64 / elapsed.as_secs_f64()
    );
    println!(
        "| per delivery p50 / p99, ms | {:.1} / {:.1} |",
        percentile(&deliveries, 0.5),
        percentile(&deliveries, 0.99)
    );
    println!(
        "| per update, first try to 200, p50 / p99, ms | {:.1} / {:.1} |",
        percentile(&updates, 0.5),
        percentile(&updates, 0.99)
    );
    println!("| statuses | {:?} |", t.statuses);
    println!("| redeliveries | {} |", t.redeliveries);
    println!("| Bot API faults injected: 502 / 429 | {faults_502} / {faults_429} |");
    println!("| DynamoDB faults injected | {dynamo_faults} |");
    println!("| dead letters | {dead_letters} |");
    println!("| members restricted / re-imposed identically | {restricted_users} / {reimposed} |");
    println!("| warnings posted | {} |", warnings.values().sum::<usize>());
    println!(
        "| warnings deferred by flood limits / posted by the sweeper / dropped (sweeper runs) | \
         {} / {} / {} ({}) |",
        sweeps.deferred, sweeps.posted, sweeps.dropped, sweeps.runs
    );
    println!("| messages deleted | {} |", deletes.len());
    // A welcome is a webhook reply: a fault on it is lost without a trace, as with Telegram.
    println!("| /start updates / welcomes delivered | {starts} / {welcomes} |");
    println!("| lost / stuck | {} / {} |", t.stuck.len(), t.stuck.len());
    println!(
        "| doubles: deletions / warnings / restrictions / welcomes | {double_deletes} / \
         {double_warnings} / {double_restrictions} / {} |",
        welcomes.saturating_sub(starts)
    );
    println!("| restrictions not on record as the bot's | {unrecorded} |");
    println!("| members restricted and never warned | {unwarned} |");
    println!("| warnings given up after a 5xx (never re-sent: at most one) | {given_up} |");

    let mut failed = Vec::new();
    if !t.stuck.is_empty() {
        failed.push(format!(
            "{} updates stuck (lost): {:?}",
            t.stuck.len(),
            t.stuck
        ));
    }
    if double_deletes + double_warnings + double_restrictions > 0 {
        failed.push(format!(
            "doubles: {double_deletes} deletions, {double_warnings} warnings, \
             {double_restrictions} restrictions"
        ));
    }
    if welcomes > starts {
        failed.push(format!("{starts} /start updates, {welcomes} welcomes"));
    }
    if unwarned > 0 {
        failed.push(format!("{unwarned} members restricted and never warned"));
    }
    if unrecorded > 0 {
        failed.push(format!(
            "{unrecorded} restrictions not on record as the bot's"
        ));
    }
    if !failed.is_empty() {
        eprintln!("\nload: FAILED\n- {}", failed.join("\n- "));
        std::process::exit(1);
    }
    println!("\nload: OK — 0 lost, 0 stuck, 0 double or missing visible effects");
}
