//! Delivery guarantees of the guard's hot path, failure point by failure point, against the
//! real binaries, DynamoDB Local (through the fault proxy) and the fake Bot API.
//!
//! A non-subscriber's first message in a protected group makes these effects, in order:
//! `getChatAdministrators` (cached), `getChatMember` in the channel (cached), `deleteMessage`,
//! `getChatMember` in the group, the restriction's intent (PutItem `MUTE#` pending),
//! `restrictChatMember`, its confirmation (PutItem `MUTE#`), the warning's claim (PutItem
//! `WARN#`), `sendMessage`, and the warning's record (TransactWriteItems `WARN#` + `DUE#`).
//! The route has no ledger (every step is idempotent or guarded by its own record).
//!
//! Each test makes one step fail for good (every retry the Bot API client or the SDK makes),
//! or apply with its answer lost, and delivers the update as Telegram does: again after any
//! non-200, until 200. Then every visible effect happened exactly once: the message deleted
//! once, one warning posted and recorded, the member restricted and the restriction on record
//! as the bot's, so "I have joined" can lift it.
//!
//! The same for a non-subscriber's join (`member-change`, with the ledger), for "I have joined"
//! (the `verify` route: lifted once, nothing of the bot's left), and for the group commands: a permanent refusal is one exact dead letter, a throttled ledger
//! claim answers 503, a failed ledger completion still answers 200.

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::prelude::*;
use fake_bot_api::{
    Fault, FaultKind, MemberStatus, User, ALICE_ID, BORIS_ID, LOUNGE_ID, NEWS_ID, NEWS_USERNAME,
};
use lambdagram::aws::DynamoStore;
use lambdagram_e2e::dynamo_proxy::DynamoFault;
use lambdagram_e2e::stack::Stack;
use serde_json::{json, Value};

const CAROL_ID: i64 = 333_333;
/// How many deliveries Telegram gets to make before the test gives up.
const MAX_DELIVERIES: usize = 6;

/// The Lounge protected by @lambdagram_news; Boris is a member of the Lounge only.
async fn protected_lounge() -> Stack {
    let stack = Stack::start().await;
    let world = stack.fake.world();
    world.add_user(User::new(CAROL_ID, "Carol").with_language("en"));
    world.set_member(LOUNGE_ID, CAROL_ID, MemberStatus::member());
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = true;
    config.link([LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }]);
    DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
    stack.emulator.take_dynamodb_ops();
    stack
}

/// Delivers `update` as Telegram does until it is answered 200; the statuses seen.
async fn deliver_until_ok(stack: &Stack, update: &Value) -> Vec<u16> {
    let mut statuses = Vec::new();
    while statuses.last() != Some(&200) {
        assert!(
            statuses.len() < MAX_DELIVERIES,
            "never answered 200: {statuses:?}\n{}",
            stack.logs().await
        );
        statuses.push(stack.deliver(update).await.status);
    }
    statuses
}

fn ok_calls(stack: &Stack, method: &str) -> Vec<fake_bot_api::RecordedCall> {
    stack
        .fake
        .calls_to(method)
        .into_iter()
        .filter(|c| c.is_ok())
        .collect()
}

fn item<'a>(items: &'a [Value], pk: &str, sk: &str) -> Option<&'a Value> {
    items.iter().find(|i| i["pk"] == pk && i["sk"] == sk)
}

/// Boris's first message, delivered until 200 with the faults the test injected; returns
/// the statuses and the message's id.
async fn boris_speaks(stack: &Stack) -> (Vec<u16>, i64) {
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, "hello, buy my course")
        .expect("a known user in a known chat");
    let message_id = update["message"]["message_id"].as_i64().expect("id");
    (deliver_until_ok(stack, &update).await, message_id)
}

/// Every visible effect of enforcing on Boris's message happened exactly once, and the state
/// says so: deleted once, restricted (every restriction call the same one), one warning
/// posted and recorded with its deletion due, the restriction on record as the bot's.
async fn assert_enforced_once(stack: &Stack, message_id: i64) {
    // Deleted (by a call answered or one whose answer was lost), and no other message but a
    // warning taken back because its record could not be written.
    assert!(stack.fake.world().message(LOUNGE_ID, message_id).is_none());
    let posted: Vec<Value> = ok_calls(stack, "sendMessage")
        .iter()
        .map(|c| c.result().expect("sent")["message_id"].clone())
        .collect();
    for call in stack.fake.calls_to("deleteMessage") {
        let deleted = call.param("message_id").expect("message_id");
        assert!(
            *deleted == json!(message_id) || posted.contains(deleted),
            "only the offending message or a retracted warning is deleted: {call:?}"
        );
    }
    let offending_deletions = ok_calls(stack, "deleteMessage")
        .iter()
        .filter(|c| c.param("message_id") == Some(&json!(message_id)))
        .count();
    assert!(offending_deletions <= 1, "deleted once");

    let restrictions = ok_calls(stack, "restrictChatMember");
    assert!(!restrictions.is_empty(), "restricted");
    for r in &restrictions {
        assert_eq!(
            (r.param("user_id"), r.param("permissions")),
            (
                Some(&json!(BORIS_ID)),
                Some(&json!({"can_manage_topics": false}))
            ),
            "every restriction call imposes the same restriction"
        );
    }
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted { permissions, .. }) if !permissions.can_send_messages
    ));

    let bot_messages: Vec<Value> = stack
        .fake
        .world()
        .messages(LOUNGE_ID)
        .into_iter()
        .filter(|m| m["from"]["is_bot"] == true)
        .collect();
    assert_eq!(
        bot_messages.len(),
        1,
        "one warning in the group: {posted:?}"
    );
    let warning_id = bot_messages[0]["message_id"].clone();

    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    let mute = item(&items, &group, &format!("MUTE#{BORIS_ID}")).expect("the bot's restriction");
    assert!(mute.get("pending").is_none(), "confirmed: {mute}");
    assert_eq!(mute["user_id"], BORIS_ID);
    let warn = item(&items, &group, &format!("WARN#{BORIS_ID}")).expect("the warning");
    assert_eq!(warn["message_id"], warning_id, "{warn}");
    let due: Vec<&Value> = items
        .iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DUE#")))
        .collect();
    assert_eq!(due.len(), 1, "the warning's deletion is due: {items:#?}");
    assert_eq!(due[0]["message_id"], warning_id);
    assert!(
        !items
            .iter()
            .any(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DEAD#"))),
        "no dead letter: {items:#?}"
    );
}

/// Boris joins the channel and presses "I have joined": the bot lifts its restriction.
async fn assert_liftable(stack: &Stack) {
    // The warning in the group (one taken back, if any, is gone).
    let warning = stack
        .fake
        .world()
        .messages(LOUNGE_ID)
        .into_iter()
        .find(|m| m["from"]["is_bot"] == true)
        .expect("a warning in the group")["message_id"]
        .as_i64()
        .expect("id");
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BORIS_ID, MemberStatus::member());
    let press = stack
        .fake
        .press_button(LOUNGE_ID, warning, BORIS_ID, &format!("joined:{BORIS_ID}"))
        .expect("a known message and user");
    assert_eq!(stack.deliver(&press).await.status, 200);
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted { permissions, .. }) if permissions.can_send_messages
    ));
    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    assert!(item(&items, &group, &format!("MUTE#{BORIS_ID}")).is_none());
}

/// A Bot API fault on `method` that outlasts the client's 4 attempts.
fn bot_api_down(method: &str, kind: FaultKind) -> Fault {
    Fault::new(method, kind, 4)
}

const GATEWAY: FaultKind = FaultKind::ServerError { status: 502 };
const LOST: FaultKind = FaultKind::AnswerLost { status: 502 };

/// Runs the scenario: the faults are injected, Boris speaks, Telegram redelivers until 200,
/// and every effect happened once.
async fn scenario(bot_api: Option<Fault>, dynamo: Option<DynamoFault>) -> (Stack, Vec<u16>) {
    let (stack, statuses, message_id) = delivered(bot_api, dynamo).await;
    assert_enforced_once(&stack, message_id).await;
    (stack, statuses)
}

/// The scenario up to the 200: the stack, the statuses and Boris's message id.
async fn delivered(bot_api: Option<Fault>, dynamo: Option<DynamoFault>) -> (Stack, Vec<u16>, i64) {
    let stack = protected_lounge().await;
    if let Some(fault) = bot_api {
        stack.fake.inject(fault);
    }
    if let Some(fault) = dynamo {
        stack.dynamo_faults().inject(fault);
    }
    let (statuses, message_id) = boris_speaks(&stack).await;
    assert_eq!(stack.dynamo_faults().pending(), 0, "every fault struck");
    (stack, statuses, message_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_fault_one_delivery() {
    let (stack, statuses) = scenario(None, None).await;
    assert_eq!(statuses, [200]);
    assert_liftable(&stack).await;
}

// --- getChatMember in the channel (the subscription check) --------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_check_fails() {
    let (_, statuses) = scenario(Some(bot_api_down("getChatMember", GATEWAY)), None).await;
    assert_eq!(statuses, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_cache_write_fails() {
    let fault = DynamoFault::fail("UpdateItem")
        .when_body_contains(&format!("SUBS#{BORIS_ID}"))
        .calls(1);
    let (_, statuses) = scenario(None, Some(fault)).await;
    assert_eq!(statuses, [500, 200]);
}

// --- deleteMessage -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deletion_fails() {
    let (_, statuses) = scenario(Some(bot_api_down("deleteMessage", GATEWAY)), None).await;
    assert_eq!(statuses, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deletion_applies_with_its_answer_lost() {
    let (stack, statuses) = scenario(Some(bot_api_down("deleteMessage", LOST)), None).await;
    assert_eq!(statuses, [500, 200]);
    // The first call deletes; its answer and the retries' are lost; the redelivery's deletion
    // finds the message gone and carries on.
    assert_eq!(
        stack
            .fake
            .calls_to("deleteMessage")
            .iter()
            .map(|c| c.http_status)
            .collect::<Vec<_>>(),
        [502, 502, 502, 502, 400]
    );
}

// --- getChatMember in the group (was he restricted by an admin?) ---------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_check_in_the_group_fails() {
    // The first getChatMember (the channel) passes; the group's fails past the retries.
    let stack = protected_lounge().await;
    stack.fake.inject(Fault::new(
        "getChatMember",
        FaultKind::Delay(std::time::Duration::ZERO),
        1,
    ));
    stack.fake.inject(bot_api_down("getChatMember", GATEWAY));
    let (statuses, message_id) = boris_speaks(&stack).await;
    assert_eq!(statuses, [500, 200]);
    assert_enforced_once(&stack, message_id).await;
    assert_eq!(
        stack
            .fake
            .calls_to("getChatMember")
            .iter()
            .map(|c| (c.param("chat_id").cloned(), c.http_status))
            .collect::<Vec<_>>(),
        [
            (Some(json!(NEWS_ID)), 200),
            (Some(json!(LOUNGE_ID)), 502),
            (Some(json!(LOUNGE_ID)), 502),
            (Some(json!(LOUNGE_ID)), 502),
            (Some(json!(LOUNGE_ID)), 502),
            (Some(json!(LOUNGE_ID)), 200),
        ],
        "the channel's answer was cached; the group's asked again"
    );
}

// --- the restriction's intent (PutItem MUTE#, pending) ------------------------------------

fn intent() -> DynamoFault {
    DynamoFault::fail("PutItem")
        .when_body_contains(&format!("MUTE#{BORIS_ID}"))
        .when_body_contains("pending")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restrictions_intent_write_fails() {
    let (stack, statuses) = scenario(None, Some(intent().calls(1))).await;
    assert_eq!(statuses, [500, 200]);
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    assert_liftable(&stack).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restrictions_intent_write_is_throttled() {
    let fault = DynamoFault::throttle("PutItem")
        .when_body_contains(&format!("MUTE#{BORIS_ID}"))
        .when_body_contains("pending")
        .calls(1);
    let (stack, statuses) = scenario(None, Some(fault)).await;
    assert_eq!(statuses, [500, 200]);
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restrictions_intent_applies_with_its_answer_lost() {
    let mut fault = intent().calls(1);
    fault.kind = lambdagram_e2e::dynamo_proxy::DynamoFaultKind::AppliedAnswerLost;
    let (stack, statuses) = scenario(None, Some(fault)).await;
    assert_eq!(statuses, [500, 200]);
    // The redelivery finds the intent: no admin check, the restriction, its confirmation.
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    assert_eq!(
        stack.fake.calls_to("getChatMember").len(),
        2,
        "one subscription check (then cached), one status check (then the intent stands)"
    );
    assert_liftable(&stack).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restrictions_intent_applies_and_the_connection_drops() {
    let mut fault = intent().calls(1);
    fault.kind = lambdagram_e2e::dynamo_proxy::DynamoFaultKind::AppliedConnectionDropped;
    let (stack, statuses) = scenario(None, Some(fault)).await;
    assert_eq!(statuses, [500, 200]);
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    assert_liftable(&stack).await;
}

// --- restrictChatMember --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restriction_fails() {
    let (stack, statuses) = scenario(Some(bot_api_down("restrictChatMember", GATEWAY)), None).await;
    assert_eq!(statuses, [500, 200]);
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    assert_liftable(&stack).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restriction_applies_with_its_answer_lost() {
    let (stack, statuses) = scenario(Some(bot_api_down("restrictChatMember", LOST)), None).await;
    assert_eq!(statuses, [500, 200]);
    assert_liftable(&stack).await;
}

// --- the restriction's confirmation (PutItem MUTE#, not pending) --------------------------

fn confirmation() -> DynamoFault {
    DynamoFault::fail("PutItem")
        .when_body_contains(&format!("MUTE#{BORIS_ID}"))
        .unless_body_contains("pending")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restrictions_confirmation_fails() {
    let (stack, statuses) = scenario(None, Some(confirmation().calls(1))).await;
    assert_eq!(statuses, [500, 200]);
    // The intent stood: the redelivery imposes the same restriction again, then confirms.
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 2);
    assert_liftable(&stack).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restrictions_confirmation_applies_with_its_answer_lost() {
    let mut fault = confirmation().calls(1);
    fault.kind = lambdagram_e2e::dynamo_proxy::DynamoFaultKind::AppliedAnswerLost;
    let (stack, statuses) = scenario(None, Some(fault)).await;
    assert_eq!(statuses, [500, 200]);
    // Confirmed after all: the redelivery leaves the restriction alone and warns.
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    assert_liftable(&stack).await;
}

// --- the warning's claim (PutItem WARN#) ----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warnings_claim_fails() {
    let fault = DynamoFault::fail("PutItem")
        .when_body_contains(&format!("WARN#{BORIS_ID}"))
        .calls(1);
    let (stack, statuses) = scenario(None, Some(fault)).await;
    assert_eq!(statuses, [500, 200]);
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    assert_liftable(&stack).await;
}

// --- sendMessage (the warning) -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warning_fails() {
    // A 5xx on sendMessage may come after Telegram posted it: never sent again (at most one
    // warning). Here it was not posted, so the member has none; the update completes with
    // the deletion and the restriction, and the warning's claim stays so no later one doubles.
    let (stack, statuses, message_id) =
        delivered(Some(bot_api_down("sendMessage", GATEWAY)), None).await;
    assert_eq!(statuses, [200]);
    assert_eq!(
        stack
            .fake
            .calls_to("sendMessage")
            .iter()
            .map(|c| c.http_status)
            .collect::<Vec<_>>(),
        [502]
    );
    assert!(stack.fake.world().message(LOUNGE_ID, message_id).is_none());
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    let mute = item(&items, &group, &format!("MUTE#{BORIS_ID}")).expect("the bot's restriction");
    assert!(mute.get("pending").is_none(), "confirmed: {mute}");
    let claim = item(&items, &group, &format!("WARN#{BORIS_ID}")).expect("the claim stands");
    assert!(claim.get("message_id").is_none(), "{claim}");
}

// --- the warning's record (TransactWriteItems WARN# + DUE#) ---------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warnings_record_fails_once_and_the_sdk_retries_it() {
    let fault = DynamoFault::fail("TransactWriteItems").times(1);
    let (_, statuses) = scenario(None, Some(fault)).await;
    assert_eq!(statuses, [200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warnings_record_applies_with_its_answer_lost() {
    let fault = DynamoFault::answer_lost("TransactWriteItems").calls(1);
    let (stack, statuses) = scenario(None, Some(fault)).await;
    assert_eq!(statuses, [500, 200]);
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    assert_liftable(&stack).await;
}

/// The warning is posted, then its record cannot be written (every SDK attempt fails): the
/// warning is taken back (deleted) and its claim released before the update fails, so no
/// warning is left unrecorded (one the sweeper would never delete); the redelivery posts the
/// one warning that stays, recorded with its deletion due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warnings_record_fails_and_no_second_warning_follows() {
    let fault = DynamoFault::fail("TransactWriteItems").calls(1);
    let (stack, statuses, message_id) = delivered(None, Some(fault)).await;
    assert_eq!(statuses, [500, 200]);
    assert!(stack.fake.world().message(LOUNGE_ID, message_id).is_none());
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    // The warning whose record failed was taken back (deleted) before the update failed; the
    // redelivery posted the one that stays, recorded with its deletion due.
    let sent = ok_calls(&stack, "sendMessage");
    assert_eq!(sent.len(), 2, "{sent:#?}");
    let first = sent[0].result().expect("sent")["message_id"].clone();
    assert!(stack
        .fake
        .calls_to("deleteMessage")
        .iter()
        .any(|c| c.param("message_id") == Some(&first)));
    let bot_messages: Vec<Value> = stack
        .fake
        .world()
        .messages(LOUNGE_ID)
        .into_iter()
        .filter(|m| m["from"]["is_bot"] == true)
        .collect();
    assert_eq!(bot_messages.len(), 1, "one warning in the group");
    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    let mute = item(&items, &group, &format!("MUTE#{BORIS_ID}")).expect("the bot's restriction");
    assert!(mute.get("pending").is_none(), "confirmed: {mute}");
    assert_liftable(&stack).await;
}

// --- the guard's commands: permanent errors and the ledger ----------------------------------

/// `from` sends the command `text` in the Lounge; the update.
fn command(stack: &Stack, from: i64, text: &str) -> Value {
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

fn dead_letters(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DEAD#")))
        .cloned()
        .collect()
}

const KICKED: &str = "Forbidden: bot was kicked from the supergroup chat";

/// Each of the guard's group commands, refused for good on its first Bot API call (the bot
/// was kicked): 200, one call (a refusal is not retried), one exact dead letter; for a route
/// with effects the update is done, and a redelivery is a duplicate that calls nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_of_each_group_command_is_a_dead_letter_once() {
    let stack = protected_lounge().await;
    let commands = [
        ("protect", "/protect @lambdagram_news"),
        ("unprotect", "/unprotect"),
        ("status", "/status"),
        ("settings", "/settings"),
        ("allow", "/allow"),
    ];
    for (route, text) in commands {
        let ledgered = channel_guard::ROUTES
            .get(route)
            .expect("a guard route")
            .side_effects;
        stack.fake.clear_calls();
        stack.fake.inject(Fault::refused("*", 403, KICKED));
        let update = command(&stack, ALICE_ID, text);
        let update_id = update["update_id"].as_i64().expect("update_id");

        let d = stack.deliver(&update).await;

        assert_eq!((d.status, d.body.as_str()), (200, ""), "{route}: {d:?}");
        let calls: Vec<(String, u16)> = stack
            .fake
            .calls()
            .into_iter()
            .map(|c| (c.method, c.http_status))
            .collect();
        assert_eq!(calls, [("getChatMember".to_owned(), 403)], "{route}");
        let items = stack.items().await;
        let letters: Vec<Value> = dead_letters(&items)
            .into_iter()
            .filter(|l| l["update_id"] == update_id)
            .collect();
        let [letter] = letters.as_slice() else {
            panic!("{route}: one dead letter: {letters:#?}");
        };
        let at = letter["at"].as_i64().expect("at");
        assert_eq!(
            letter,
            &json!({
                "pk": format!("DEAD#{}", lambdagram::time::utc_day(at)),
                "sk": update_id.to_string(),
                "update_id": update_id,
                "route": route,
                "step": "getChatMember",
                "class": "refused",
                "reason": format!("403 {KICKED}"),
                "at": at,
                "expires_at": at + 14 * 86_400,
                "update": update.to_string(),
            }),
            "{route}"
        );
        let ledger = item(&items, &format!("UPDATE#{update_id}"), "LEDGER");
        if !ledgered {
            assert_eq!(ledger, None, "{route}: read-only, no ledger");
            continue;
        }
        let ledger = ledger.expect("ledger");
        assert_eq!(ledger["state"], "done", "{route}: {ledger}");

        stack.fake.clear_calls();
        let again = stack.deliver(&update).await;
        assert_eq!(again.status, 200, "{route}");
        assert!(stack.fake.calls().is_empty(), "{route}: a duplicate");
        assert_eq!(stack.emulator.invocations(route), 1, "{route}");
    }
}

/// The ledger's claim is throttled past the SDK's retries: 503 before anything runs; the
/// redelivery runs the command once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_ledger_claim_answers_503_and_the_redelivery_runs_once() {
    let stack = protected_lounge().await;
    let update = command(&stack, ALICE_ID, "/unprotect");
    let update_id = update["update_id"].as_i64().expect("update_id");
    stack.dynamo_faults().inject(
        DynamoFault::throttle("PutItem")
            .when_body_contains(&format!("UPDATE#{update_id}"))
            .calls(1),
    );

    assert_eq!(deliver_until_ok(&stack, &update).await, [503, 200]);

    assert_eq!(stack.emulator.invocations("unprotect"), 1);
    let items = stack.items().await;
    let ledger = item(&items, &format!("UPDATE#{update_id}"), "LEDGER").expect("ledger");
    assert_eq!(ledger["state"], "done", "{ledger}");
}

/// The command ran and the ledger's completion fails: the effects happened, so 200 (Telegram
/// must not redeliver); a duplicate delivery meanwhile meets the claim's lease (503) and runs
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_ledger_completion_still_answers_200_and_a_duplicate_runs_nothing() {
    let stack = protected_lounge().await;
    let update = command(&stack, ALICE_ID, "/unprotect");
    let update_id = update["update_id"].as_i64().expect("update_id");
    stack.dynamo_faults().inject(
        DynamoFault::fail("UpdateItem")
            .when_body_contains(&format!("UPDATE#{update_id}"))
            .calls(1),
    );

    let first = stack.deliver(&update).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(stack.dynamo_faults().pending(), 0, "the completion failed");
    let calls = stack.fake.calls().len();

    let again = stack.deliver(&update).await;
    assert_eq!(again.status, 503, "{again:?}");
    assert_eq!(stack.fake.calls().len(), calls, "nothing ran again");
    assert_eq!(stack.emulator.invocations("unprotect"), 1);
}

// --- "I have joined" (the verify route): lifting the bot's restriction ----------------------
//
// Effects in order: `getChatMember` in the channel (live), `getChat` (the group's default
// permissions), `restrictChatMember` restoring them, the restriction's record deleted
// (DeleteItem `MUTE#`), the warning's records deleted, `deleteMessage` of the warning, and the
// button's answer (a webhook reply).

/// Boris was warned and muted, then joined the channel: the stack, and his press on the
/// warning's button.
async fn boris_verifies() -> (Stack, Value, i64) {
    let stack = protected_lounge().await;
    let (statuses, message_id) = boris_speaks(&stack).await;
    assert_eq!(statuses, [200]);
    assert_enforced_once(&stack, message_id).await;
    let warning = ok_calls(&stack, "sendMessage")[0].result().expect("sent")["message_id"]
        .as_i64()
        .expect("id");
    stack
        .fake
        .world()
        .set_member(NEWS_ID, BORIS_ID, MemberStatus::member());
    let press = stack
        .fake
        .press_button(LOUNGE_ID, warning, BORIS_ID, &format!("joined:{BORIS_ID}"))
        .expect("a known message and user");
    stack.fake.clear_calls();
    (stack, press, warning)
}

/// Boris may write again, nothing of the bot's restriction or warning is left, and the
/// warning message is gone.
async fn assert_lifted_once(stack: &Stack, warning: i64) {
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted { permissions, .. }) if permissions.can_send_messages
    ));
    let lifts = ok_calls(stack, "restrictChatMember");
    assert!(!lifts.is_empty(), "lifted");
    for l in &lifts {
        assert_eq!(
            l.params, lifts[0].params,
            "every lift restores the same permissions"
        );
    }
    assert!(
        stack.fake.world().message(LOUNGE_ID, warning).is_none(),
        "the warning is deleted"
    );
    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    assert_eq!(item(&items, &group, &format!("MUTE#{BORIS_ID}")), None);
    assert_eq!(item(&items, &group, &format!("WARN#{BORIS_ID}")), None);
    assert!(
        !items
            .iter()
            .any(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DUE#"))),
        "no deletion left due: {items:#?}"
    );
    assert_eq!(
        ok_calls(stack, "answerCallbackQuery").len(),
        1,
        "the press answered once"
    );
}

async fn verify_scenario(bot_api: Option<Fault>, dynamo: Option<DynamoFault>) -> Vec<u16> {
    let (stack, press, warning) = boris_verifies().await;
    if let Some(fault) = bot_api {
        stack.fake.inject(fault);
    }
    if let Some(fault) = dynamo {
        stack.dynamo_faults().inject(fault);
    }
    let statuses = deliver_until_ok(&stack, &press).await;
    assert_eq!(stack.dynamo_faults().pending(), 0, "every fault struck");
    assert_lifted_once(&stack, warning).await;
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_without_faults() {
    assert_eq!(verify_scenario(None, None).await, [200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_the_live_subscription_check_fails() {
    let statuses = verify_scenario(Some(bot_api_down("getChatMember", GATEWAY)), None).await;
    assert_eq!(statuses, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_the_groups_permissions_cannot_be_read() {
    let statuses = verify_scenario(Some(bot_api_down("getChat", GATEWAY)), None).await;
    assert_eq!(statuses, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_the_lift_fails() {
    let statuses = verify_scenario(Some(bot_api_down("restrictChatMember", GATEWAY)), None).await;
    assert_eq!(statuses, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_the_lift_applies_with_its_answer_lost() {
    let statuses = verify_scenario(Some(bot_api_down("restrictChatMember", LOST)), None).await;
    assert_eq!(statuses, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_the_restrictions_removal_fails() {
    let fault = DynamoFault::fail("DeleteItem")
        .when_body_contains(&format!("MUTE#{BORIS_ID}"))
        .calls(1);
    assert_eq!(verify_scenario(None, Some(fault)).await, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_the_restrictions_removal_applies_with_its_answer_lost() {
    let fault = DynamoFault::answer_lost("DeleteItem")
        .when_body_contains(&format!("MUTE#{BORIS_ID}"))
        .calls(1);
    assert_eq!(verify_scenario(None, Some(fault)).await, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_the_warnings_removal_fails() {
    let fault = DynamoFault::fail("DeleteItem")
        .when_body_contains(&format!("WARN#{BORIS_ID}"))
        .calls(1);
    assert_eq!(verify_scenario(None, Some(fault)).await, [500, 200]);
}

/// The warning's deletion fails past the client's retries: the update fails, and the
/// redelivery lifts nothing twice and answers the press once. What does not hold yet (issue 10,
/// reported): the warning's records were removed before the deletion was tried, so the
/// redelivery no longer knows the message and it stays in the group for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_the_warnings_deletion_fails_and_the_member_stays_lifted() {
    let (stack, press, _) = boris_verifies().await;
    stack.fake.inject(bot_api_down("deleteMessage", GATEWAY));

    assert_eq!(deliver_until_ok(&stack, &press).await, [500, 200]);

    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, BORIS_ID),
        Some(MemberStatus::Restricted { permissions, .. }) if permissions.can_send_messages
    ));
    assert_eq!(
        ok_calls(&stack, "restrictChatMember").len(),
        1,
        "lifted once"
    );
    assert_eq!(ok_calls(&stack, "answerCallbackQuery").len(), 1);
    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    assert_eq!(item(&items, &group, &format!("MUTE#{BORIS_ID}")), None);
    assert_eq!(item(&items, &group, &format!("WARN#{BORIS_ID}")), None);
}

// --- a non-subscriber joins (the member-change route, with the ledger) -----------------------
//
// Effects in order: the ledger's claim, `getChatMember` in the channel (cached), the
// restriction's intent, `restrictChatMember`, its confirmation, the warning's claim,
// `sendMessage`, the warning's record, the ledger's completion. No deletion (no message) and
// no status check (the update tells the new status).

const DORA_ID: i64 = 444_444;

/// Dora joins the protected Lounge (not subscribed) with the faults injected, delivered until
/// 200; then she is restricted once, warned once, on record as the bot's, the update done.
async fn join_scenario(bot_api: Option<Fault>, dynamo: Option<DynamoFault>) -> Vec<u16> {
    let stack = protected_lounge().await;
    stack
        .fake
        .world()
        .add_user(User::new(DORA_ID, "Dora").with_language("en"));
    stack
        .fake
        .world()
        .set_member(LOUNGE_ID, DORA_ID, MemberStatus::Left);
    if let Some(fault) = bot_api {
        stack.fake.inject(fault);
    }
    if let Some(fault) = dynamo {
        stack.dynamo_faults().inject(fault);
    }
    let update = stack
        .fake
        .chat_member_update(LOUNGE_ID, DORA_ID, MemberStatus::member())
        .expect("a known user in a known chat");
    let update_id = update["update_id"].as_i64().expect("update_id");

    let statuses = deliver_until_ok(&stack, &update).await;

    assert_eq!(stack.dynamo_faults().pending(), 0, "every fault struck");
    assert!(matches!(
        stack.fake.world().member(LOUNGE_ID, DORA_ID),
        Some(MemberStatus::Restricted { permissions, .. }) if !permissions.can_send_messages
    ));
    for r in ok_calls(&stack, "restrictChatMember") {
        assert_eq!(r.param("user_id"), Some(&json!(DORA_ID)));
        assert_eq!(
            r.param("permissions"),
            Some(&json!({"can_manage_topics": false}))
        );
    }
    let warnings = ok_calls(&stack, "sendMessage");
    assert_eq!(warnings.len(), 1, "one warning: {warnings:#?}");
    let warning_id = warnings[0].result().expect("sent")["message_id"].clone();
    let items = stack.items().await;
    let group = format!("GROUP#{LOUNGE_ID}");
    let mute = item(&items, &group, &format!("MUTE#{DORA_ID}")).expect("the bot's restriction");
    assert!(mute.get("pending").is_none(), "confirmed: {mute}");
    let warn = item(&items, &group, &format!("WARN#{DORA_ID}")).expect("the warning");
    assert_eq!(warn["message_id"], warning_id);
    let ledger = item(&items, &format!("UPDATE#{update_id}"), "LEDGER").expect("ledger");
    assert_eq!(ledger["state"], "done", "{ledger}");
    assert_eq!(dead_letters(&items), Vec::<Value>::new());
    statuses
}

fn dora_intent() -> DynamoFault {
    DynamoFault::fail("PutItem")
        .when_body_contains(&format!("MUTE#{DORA_ID}"))
        .when_body_contains("pending")
}

fn dora_confirmation() -> DynamoFault {
    DynamoFault::fail("PutItem")
        .when_body_contains(&format!("MUTE#{DORA_ID}"))
        .unless_body_contains("pending")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_without_faults() {
    assert_eq!(join_scenario(None, None).await, [200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_whose_subscription_check_fails() {
    let statuses = join_scenario(Some(bot_api_down("getChatMember", GATEWAY)), None).await;
    assert_eq!(statuses, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_whose_restrictions_intent_fails() {
    assert_eq!(
        join_scenario(None, Some(dora_intent().calls(1))).await,
        [500, 200]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_whose_restriction_applies_with_its_answer_lost() {
    let statuses = join_scenario(Some(bot_api_down("restrictChatMember", LOST)), None).await;
    assert_eq!(statuses, [500, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_whose_restrictions_confirmation_fails() {
    assert_eq!(
        join_scenario(None, Some(dora_confirmation().calls(1))).await,
        [500, 200]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_whose_warning_fails() {
    // As on the hot path: one attempt, never a second; the join is handled (ledger done).
    let stack = protected_lounge().await;
    let world = stack.fake.world();
    world.add_user(User::new(DORA_ID, "Dora").with_language("en"));
    world.set_member(LOUNGE_ID, DORA_ID, MemberStatus::Left);
    stack.fake.inject(bot_api_down("sendMessage", GATEWAY));
    let update = stack
        .fake
        .chat_member_update(LOUNGE_ID, DORA_ID, MemberStatus::member())
        .expect("a known user in a known chat");

    assert_eq!(deliver_until_ok(&stack, &update).await, [200]);
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 1);
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    assert_eq!(stack.deliver(&update).await.status, 200, "a duplicate");
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 1);
}

/// The completion's failure leaves the claim to its lease: 200 all the same (the effects
/// happened, once), and a duplicate meanwhile meets the lease (503) and runs nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_whose_ledger_completion_fails_is_still_acknowledged() {
    let stack = protected_lounge().await;
    let world = stack.fake.world();
    world.add_user(User::new(DORA_ID, "Dora").with_language("en"));
    world.set_member(LOUNGE_ID, DORA_ID, MemberStatus::Left);
    stack.dynamo_faults().inject(
        DynamoFault::fail("UpdateItem")
            .when_body_contains("UPDATE#")
            .calls(1),
    );
    let update = stack
        .fake
        .chat_member_update(LOUNGE_ID, DORA_ID, MemberStatus::member())
        .expect("a known user in a known chat");

    assert_eq!(stack.deliver(&update).await.status, 200);
    assert_eq!(stack.deliver(&update).await.status, 503);

    assert_eq!(stack.dynamo_faults().pending(), 0);
    assert_eq!(ok_calls(&stack, "sendMessage").len(), 1);
    assert_eq!(ok_calls(&stack, "restrictChatMember").len(), 1);
    assert_eq!(stack.emulator.invocations("member-change"), 1);
}

/// The warning's claim is written but its answer is lost; the SDK retries the put, whose
/// condition fails on that very claim. The claim carries its token, so the retry knows it as
/// its own and the warning is posted, once (before, no one warned: the member stayed
/// restricted without being told why).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warnings_claim_applies_with_its_answer_lost() {
    let fault = DynamoFault::answer_lost("PutItem")
        .when_body_contains(&format!("WARN#{BORIS_ID}"))
        .times(1);
    let (stack, statuses) = scenario(None, Some(fault)).await;
    assert_eq!(statuses, [200]);
    assert_eq!(stack.dynamo_faults().pending(), 0, "the fault struck");
    assert_liftable(&stack).await;
}
