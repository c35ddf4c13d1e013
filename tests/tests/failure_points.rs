//! Every failure point of the routes with effects, found rather than listed: each scenario runs
//! once without faults (the reference), which gives the exact DynamoDB writes and Bot API calls
//! the update makes, in order. Then, for every write and every call that is not a read, the
//! scenario runs again on a fresh stack with that one step failing for good (every retry) and,
//! separately, applying with its answer lost — and the update is delivered as Telegram does,
//! again after every non-200, until 200.
//!
//! Each faulted run must end like the reference: answered 200 within a few deliveries, no dead
//! letter, the same state in DynamoDB (timestamps, tokens and revisions aside), the same members'
//! statuses in the group, and no message posted more often than in the reference (a message
//! whose answer was lost is never sent again: at most once).
//!
//! Real binaries, DynamoDB Local through the fault proxy, the fake Bot API.

use std::collections::BTreeMap;

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::{prelude::*, Restriction};
use fake_bot_api::{
    Fault, FaultKind, ALICE_ID, BORIS_ID, BOT_ID, LOUNGE_ID, NEWS_ID, NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::dynamo_proxy::DynamoFault;
use lambdagram_e2e::stack::Stack;
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;
/// Deliveries Telegram gets to make before the run counts as stuck.
const MAX_DELIVERIES: usize = 6;

const WRITES: [&str; 5] = [
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "TransactWriteItems",
    "BatchWriteItem",
];

#[derive(Clone, Copy, Debug)]
enum Scenario {
    /// `/protect @lambdagram_news` by the Lounge's creator.
    Protect,
    /// `/unprotect` in the protected Lounge where the bot muted Boris and Carol.
    Unprotect,
    /// `/allow 222222` where the bot muted Boris.
    Allow,
    /// The "lift" button after `/unprotect`: every mute of the bot's lifted.
    Lift,
    /// `/start` in Alice's private chat.
    Start,
    /// Boris, a member of the protected Lounge, leaves its channel: restricted and warned there.
    ChannelLeave,
    /// Carol, who is not subscribed, joins the protected Lounge (`new_chat_members`):
    /// restricted and warned.
    Join,
    /// Carol, subscribed, asks to join the Lounge (join requests declined): approved.
    JoinRequestApproved,
    /// Carol, not subscribed, asks to join the Lounge, also linked to a private channel without
    /// a join link (join requests held): the link created and saved, Carol written to.
    JoinRequestHeld,
}

/// One step of the reference run that can fail.
#[derive(Clone, Debug)]
enum Point {
    /// The `n`-th (from 0) request of a DynamoDB write operation.
    Dynamo(&'static str, u32),
    /// The `n`-th call of a Bot API method that is not a read.
    BotApi(String, u32),
}

fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
}

fn news() -> LinkedChannel {
    LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }
}

async fn mute(stack: &Stack, users: &[i64]) {
    for user_id in users {
        store(stack)
            .record_restriction(
                LOUNGE_ID,
                &Restriction {
                    user_id: *user_id,
                    since: 1_790_000_000,
                    until: None,
                    pending: false,
                },
            )
            .await
            .expect("record a mute");
        stack.fake.world().set_member(
            LOUNGE_ID,
            *user_id,
            fake_bot_api::MemberStatus::restricted(fake_bot_api::ChatPermissions::none()),
        );
    }
}

async fn protect(stack: &Stack, enabled: bool) {
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = enabled;
    config.link([news()]);
    store(stack)
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
}

/// A private channel the bot may invite users to, linked to the Lounge with no join link.
const CLUB_ID: i64 = -1_002_222_222_222;

/// The Lounge protected, the bot allowed to decide join requests there; for the approval,
/// Carol is subscribed and requests are declined; for the hold, the private Club is linked too.
async fn join_requests(stack: &Stack, scenario: Scenario) {
    use channel_guard::config::JoinRequests;
    use fake_bot_api::{AdminRights, Chat, MemberStatus};
    let world = stack.fake.world();
    let inviter = AdminRights {
        can_invite_users: true,
        ..AdminRights::moderator()
    };
    world.set_member(LOUNGE_ID, BOT_ID, MemberStatus::admin(inviter.clone()));
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = true;
    config.link([news()]);
    if let Scenario::JoinRequestHeld = scenario {
        world.add_chat(Chat::channel(CLUB_ID, "Club"));
        world.set_member(CLUB_ID, BOT_ID, MemberStatus::admin(inviter));
        config.link([LinkedChannel {
            id: CLUB_ID,
            title: "Club".into(),
            username: None,
            invite_link: None,
        }]);
        config.settings.join_requests = JoinRequests::Hold;
    } else {
        world.set_member(NEWS_ID, CAROL_ID, MemberStatus::member());
        config.settings.join_requests = JoinRequests::Decline;
    }
    store(stack)
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
}

/// A command from `from` in the Lounge.
fn group_command(stack: &Stack, from: i64, text: &str) -> Value {
    let mut message = stack
        .fake
        .world()
        .add_message(LOUNGE_ID, from, text)
        .expect("a known user in the Lounge");
    let word = text.split_whitespace().next().unwrap_or("");
    message["entities"] =
        json!([{"type": "bot_command", "offset": 0, "length": word.encode_utf16().count()}]);
    stack.fake.push_update(json!({ "message": message }))
}

/// The stack in the scenario's state, and the update to deliver.
async fn prepare(scenario: Scenario) -> (Stack, Value) {
    let stack = Stack::start().await;
    stack
        .fake
        .world()
        .add_user(fake_bot_api::User::new(CAROL_ID, "Carol"));
    let update = match scenario {
        Scenario::Protect => group_command(&stack, ALICE_ID, "/protect @lambdagram_news"),
        Scenario::Unprotect => {
            protect(&stack, true).await;
            mute(&stack, &[BORIS_ID, CAROL_ID]).await;
            group_command(&stack, ALICE_ID, "/unprotect")
        }
        Scenario::Allow => {
            protect(&stack, true).await;
            mute(&stack, &[BORIS_ID]).await;
            group_command(&stack, ALICE_ID, &format!("/allow {BORIS_ID}"))
        }
        Scenario::Lift => {
            protect(&stack, false).await;
            mute(&stack, &[BORIS_ID, CAROL_ID]).await;
            let offer = stack
                .fake
                .world()
                .add_message(LOUNGE_ID, BOT_ID, "Protection is off.")
                .expect("the bot's message");
            let id = offer["message_id"].as_i64().expect("id");
            stack
                .fake
                .press_button(LOUNGE_ID, id, ALICE_ID, "lift:all")
                .expect("a known message")
        }
        Scenario::ChannelLeave => {
            protect(&stack, true).await;
            let world = stack.fake.world();
            world.set_member(NEWS_ID, BORIS_ID, fake_bot_api::MemberStatus::member());
            stack
                .fake
                .chat_member_update(NEWS_ID, BORIS_ID, fake_bot_api::MemberStatus::Left)
                .expect("a known user in a known chat")
        }
        Scenario::Join => {
            protect(&stack, true).await;
            stack.fake.world().set_member(
                LOUNGE_ID,
                CAROL_ID,
                fake_bot_api::MemberStatus::member(),
            );
            stack
                .fake
                .new_chat_members(LOUNGE_ID, &[CAROL_ID])
                .expect("a known user in a known chat")
        }
        Scenario::JoinRequestApproved | Scenario::JoinRequestHeld => {
            join_requests(&stack, scenario).await;
            stack
                .fake
                .chat_join_request(LOUNGE_ID, CAROL_ID)
                .expect("a known user in a known chat")
        }
        Scenario::Start => {
            let mut message = stack
                .fake
                .world()
                .add_message(ALICE_ID, ALICE_ID, "/start")
                .expect("Alice's private chat");
            message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": 6}]);
            stack.fake.push_update(json!({ "message": message }))
        }
    };
    stack.fake.clear_calls();
    stack.emulator.take_dynamodb_ops();
    (stack, update)
}

/// How a run ended.
#[derive(Debug)]
struct Outcome {
    statuses: Vec<u16>,
    /// The state, normalised (see [`normalise`]).
    items: Vec<Value>,
    /// Dead letters written.
    dead_letters: usize,
    /// Members' statuses in the Lounge.
    members: BTreeMap<i64, Value>,
    /// Messages posted (answered ok) per chat and text.
    posted: BTreeMap<String, usize>,
    /// Messages the bot has in the Lounge and in Alice's chat.
    bot_messages: usize,
    /// Whether a message's `sendMessage` met a 5xx or lost its answer: it may or may not have
    /// been posted, and is never sent again.
    uncertain_send: bool,
    /// Whether a join link is not on record: its `createChatInviteLink` met a 5xx or lost its
    /// answer (the link may exist unknown to the bot, and none is created again for the
    /// update), or it was made but saving it failed (the held message carried it; the next
    /// request that needs one creates another).
    uncertain_link: bool,
}

/// The state as the bot means it: the webhook's ledger, the effect journal, the flood windows
/// and the rate-limit windows left out (bookkeeping: a redelivery may take a second slot), the
/// interaction log left out (best effort by design: a failed write loses an entry, never an
/// update; tests/tests/forget.rs asserts it), and every timestamp, token and revision dropped.
fn normalise(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = items
        .into_iter()
        .filter(|i| {
            let pk = i["pk"].as_str().unwrap_or("");
            ![
                "UPDATE#", "STEP#", "FLOOD#", "DEAD#", "RATE#", "LOG#", "LOGUSER#",
            ]
            .iter()
            .any(|p| pk.starts_with(p))
        })
        .map(|mut i| {
            // The deletion queue's partition is the minute a warning is due.
            if i["pk"].as_str().is_some_and(|pk| pk.starts_with("DUE#")) {
                i["pk"] = json!("DUE#");
            }
            if let Some(map) = i.as_object_mut() {
                map.retain(|k, v| {
                    // Message ids differ from run to run (a warning taken back and posted
                    // again has a new one).
                    !["version", "claim", "token", "message_id"].contains(&k.as_str())
                        && v.as_i64().is_none_or(|n| n <= 1_600_000_000)
                });
                // And in nested maps (a user's memberships: one map per channel).
                for v in map.values_mut() {
                    if let Some(inner) = v.as_object_mut() {
                        inner.retain(|_, v| v.as_i64().is_none_or(|n| n <= 1_600_000_000));
                    }
                }
            }
            i
        })
        .collect();
    out.sort_by_key(|i| i.to_string());
    out
}

async fn outcome(stack: &Stack, statuses: Vec<u16>) -> Outcome {
    let items = stack.items().await;
    let dead_letters = items
        .iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DEAD#")))
        .count();
    let world = stack.fake.world();
    let members = [ALICE_ID, BORIS_ID, CAROL_ID]
        .into_iter()
        .filter_map(|u| Some((u, serde_json::to_value(world.member(LOUNGE_ID, u)?).ok()?)))
        .collect();
    // A message the bot took back (deleted: a warning whose record could not be written) is
    // not a message the chat still has.
    let calls = stack.fake.calls();
    let taken_back: Vec<(Value, Value)> = calls
        .iter()
        .filter(|c| c.is_ok() && c.method == "deleteMessage")
        .map(|c| {
            (
                c.param("chat_id").cloned().unwrap_or(Value::Null),
                c.param("message_id").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    let mut posted = BTreeMap::new();
    for call in calls.iter().filter(|c| c.is_ok()) {
        let id = call
            .result()
            .map(|r| r["message_id"].clone())
            .unwrap_or(Value::Null);
        let chat = call.param("chat_id").cloned().unwrap_or(Value::Null);
        if call.method == "sendMessage" && !taken_back.contains(&(chat, id)) {
            let key = format!(
                "{} {}",
                call.param("chat_id").cloned().unwrap_or(Value::Null),
                call.param("text").cloned().unwrap_or(Value::Null)
            );
            *posted.entry(key).or_default() += 1;
        }
    }
    let bot_messages = [LOUNGE_ID, ALICE_ID]
        .iter()
        .map(|chat| {
            world
                .messages(*chat)
                .into_iter()
                .filter(|m| m["from"]["id"] == BOT_ID)
                .count()
        })
        .sum();
    let uncertain_send = calls
        .iter()
        .any(|c| c.method == "sendMessage" && c.http_status >= 500);
    let created = calls.iter().any(|c| c.method == "createChatInviteLink");
    let saved = store(stack)
        .group_state(LOUNGE_ID, lambdagram::time::now())
        .await
        .expect("read the Lounge")
        .config
        .is_some_and(|c| c.channels.iter().any(|ch| ch.invite_link.is_some()));
    let uncertain_link = created && !saved;
    Outcome {
        uncertain_send,
        uncertain_link,
        statuses,
        items: normalise(items),
        dead_letters,
        members,
        posted,
        bot_messages,
    }
}

async fn deliver_until_ok(stack: &Stack, update: &Value) -> Vec<u16> {
    let mut statuses = Vec::new();
    while statuses.last() != Some(&200) && statuses.len() < MAX_DELIVERIES {
        statuses.push(stack.deliver(update).await.status);
    }
    statuses
}

/// The reference run: its outcome and every step that can fail.
async fn reference(scenario: Scenario) -> (Outcome, Vec<Point>) {
    let (stack, update) = prepare(scenario).await;
    let statuses = deliver_until_ok(&stack, &update).await;
    assert_eq!(statuses, [200], "{scenario:?} without faults");
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut points = Vec::new();
    for op in stack.emulator.take_dynamodb_ops() {
        if let Some(write) = WRITES.iter().find(|w| **w == op) {
            let n = seen.entry(op.clone()).or_default();
            points.push(Point::Dynamo(write, *n));
            *n += 1;
        }
    }
    let mut calls: BTreeMap<String, u32> = BTreeMap::new();
    for call in stack.fake.calls() {
        if call.method.starts_with("get") {
            continue;
        }
        let n = calls.entry(call.method.clone()).or_default();
        points.push(Point::BotApi(call.method.clone(), *n));
        *n += 1;
    }
    (outcome(&stack, statuses).await, points)
}

/// The scenario with `point` failing for good (`lost`: applying with its answer lost).
async fn faulted(scenario: Scenario, point: &Point, lost: bool) -> Outcome {
    let (stack, update) = prepare(scenario).await;
    match point {
        Point::Dynamo(op, n) => {
            let fault = if lost {
                DynamoFault::answer_lost(op)
            } else {
                DynamoFault::fail(op)
            };
            stack.dynamo_faults().inject(fault.after(*n).calls(1));
        }
        Point::BotApi(method, n) => {
            let fault = if lost {
                Fault::new(method.as_str(), FaultKind::AnswerLost { status: 502 }, 1)
            } else {
                Fault::new(method.as_str(), FaultKind::ServerError { status: 502 }, 4)
            };
            stack.fake.inject(fault.after(*n));
        }
    }
    let statuses = deliver_until_ok(&stack, &update).await;
    outcome(&stack, statuses).await
}

/// Messages posted per chat.
fn per_chat(posted: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (key, n) in posted {
        let chat = key.split(' ').next().unwrap_or("").to_owned();
        *out.entry(chat).or_default() += n;
    }
    out
}

/// Runs every failure point of `scenario` and checks each against the reference.
async fn every_failure_point(scenario: Scenario) {
    let (reference, points) = reference(scenario).await;
    assert!(!points.is_empty(), "{scenario:?} has effects");
    let mut failures = Vec::new();
    for point in &points {
        for lost in [false, true] {
            let run = faulted(scenario, point, lost).await;
            let what = format!(
                "{scenario:?}, {point:?} {}",
                if lost { "lost" } else { "fails" }
            );
            let mut wrong = Vec::new();
            if run.statuses.last() != Some(&200) {
                wrong.push(format!("never answered 200: {:?}", run.statuses));
            }
            if run.dead_letters != reference.dead_letters {
                wrong.push(format!("{} dead letters", run.dead_letters));
            }
            // A warning whose sendMessage may have reached Telegram with its answer lost is not
            // sent again (at most once): then the member has no recorded warning (posted or
            // not, its id is unknown), and nothing else may differ.
            let unsent = run.uncertain_send;
            // Likewise a join link whose creation may have happened with its answer lost: the
            // group's config goes without it (and the held message without its button).
            let unlinked = run.uncertain_link;
            let comparable = |items: &[Value]| -> Vec<Value> {
                items
                    .iter()
                    .filter(|i| {
                        !unsent
                            || !(i["pk"] == "DUE#"
                                || i["sk"].as_str().is_some_and(|s| s.starts_with("WARN#")))
                    })
                    .filter(|i| !unlinked || i["sk"] != "CONFIG")
                    .cloned()
                    .collect()
            };
            if comparable(&run.items) != comparable(&reference.items) {
                wrong.push(format!(
                    "state differs:\n  reference {:#?}\n  run {:#?}",
                    reference.items, run.items
                ));
            }
            if run.members != reference.members {
                wrong.push(format!(
                    "members differ: {:?} vs {:?}",
                    run.members, reference.members
                ));
            }
            // Per chat, never more messages than the reference posted (a redelivery may word
            // its answer differently, say "already on the allow-list", but never answers twice).
            for (chat, n) in per_chat(&run.posted) {
                let allowed = per_chat(&reference.posted).get(&chat).copied().unwrap_or(0);
                if n > allowed {
                    wrong.push(format!(
                        "{n} messages to {chat}, reference {allowed}: {:?}",
                        run.posted
                    ));
                }
            }
            if run.bot_messages > reference.bot_messages {
                wrong.push(format!(
                    "{} bot messages, reference {}",
                    run.bot_messages, reference.bot_messages
                ));
            }
            if !wrong.is_empty() {
                failures.push(format!("{what}: {}", wrong.join("; ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failure points end wrong:\n{}",
        failures.len(),
        points.len() * 2,
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protect_at_every_failure_point() {
    every_failure_point(Scenario::Protect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unprotect_at_every_failure_point() {
    every_failure_point(Scenario::Unprotect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_at_every_failure_point() {
    every_failure_point(Scenario::Allow).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lift_at_every_failure_point() {
    every_failure_point(Scenario::Lift).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_at_every_failure_point() {
    every_failure_point(Scenario::Start).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_leave_at_every_failure_point() {
    every_failure_point(Scenario::ChannelLeave).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_at_every_failure_point() {
    every_failure_point(Scenario::Join).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_request_approved_at_every_failure_point() {
    every_failure_point(Scenario::JoinRequestApproved).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_request_held_at_every_failure_point() {
    every_failure_point(Scenario::JoinRequestHeld).await;
}
