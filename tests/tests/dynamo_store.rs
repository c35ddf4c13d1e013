//! The store ports' two adapters behave alike: every scenario runs against `DynamoStore` on
//! DynamoDB Local and against `MemoryStore`, and both must answer exactly as specified. For
//! DynamoDB the tests also pin the stored items (docs/state.md) and the requests made.

use lambdagram::aws::DynamoStore;
use lambdagram::memory::MemoryStore;
use lambdagram::ports::{Claim, UpdateLedger, UserProfile, UserRecord, UserStore};
use lambdagram::time::Epoch;
use lambdagram_e2e::dynamodb;
use serde_json::{json, Value};

/// The ledger lease (the webhook's) and the done-record retention (26 h) used in the scenarios.
const LEASE: i64 = 60;
const KEEP: i64 = 26 * 3600;

/// A DynamoStore on a fresh table, and what is needed to look into that table.
struct Dynamo {
    store: DynamoStore,
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl Dynamo {
    async fn new() -> Dynamo {
        let client = dynamodb::client().await;
        let table = dynamodb::fresh_table(&client).await;
        Dynamo {
            store: DynamoStore::new(client.clone(), table.clone()),
            client,
            table,
        }
    }

    async fn items(&self) -> Vec<Value> {
        dynamodb::scan_table(&self.client, &self.table).await
    }

    /// (reads, writes) since the last call.
    fn calls(&self) -> (u32, u32) {
        self.store.calls().take()
    }
}

/// Drives one store through a scenario and records every answer, tokens left out (they are
/// random), so two stores' runs can be compared line by line.
struct Run<'a, S> {
    store: &'a S,
    log: Vec<String>,
}

impl<'a, S: UpdateLedger + UserStore> Run<'a, S> {
    fn new(store: &'a S) -> Self {
        Run {
            store,
            log: Vec::new(),
        }
    }

    /// Claims the update; returns the token when acquired, else an empty string.
    async fn claim(&mut self, update_id: i64, now: Epoch) -> String {
        let (line, token) = match self.store.claim(update_id, now, LEASE).await {
            Ok(Claim::Acquired { token }) => ("Acquired".to_owned(), token),
            Ok(other) => (format!("{other:?}"), String::new()),
            Err(e) => (format!("error: {e}"), String::new()),
        };
        self.log.push(format!("claim {update_id} @{now}: {line}"));
        token
    }

    async fn complete(&mut self, update_id: i64, token: &str, now: Epoch, keep: i64) {
        let result = self.store.complete(update_id, token, now, keep).await;
        self.log.push(format!(
            "complete {update_id} @{now}: {}",
            ok_or_err(&result)
        ));
    }

    async fn release(&mut self, update_id: i64, token: &str) {
        let result = self.store.release(update_id, token).await;
        self.log
            .push(format!("release {update_id}: {}", ok_or_err(&result)));
    }

    async fn visit(&mut self, profile: &UserProfile, now: Epoch) -> UserRecord {
        let record = self
            .store
            .record_visit(profile, now)
            .await
            .expect("record_visit");
        self.log.push(format!("visit @{now}: {record:?}"));
        record
    }

    async fn user(&mut self, user_id: i64) -> Option<UserRecord> {
        let record = self.store.user(user_id).await.expect("user");
        self.log.push(format!("user {user_id}: {record:?}"));
        record
    }
}

fn ok_or_err<T, E>(result: &Result<T, E>) -> &'static str {
    if result.is_ok() {
        "ok"
    } else {
        "error"
    }
}

fn lines(expected: &[&str]) -> Vec<String> {
    expected.iter().map(|l| (*l).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// The ledger

/// Claim, a redelivery while the lease runs (up to its last second), then the redelivery once
/// the lease has run out.
async fn lease_then_expiry<S: UpdateLedger + UserStore>(store: &S) -> (Vec<String>, [String; 2]) {
    let mut run = Run::new(store);
    let first = run.claim(42, 1000).await;
    run.claim(42, 1030).await;
    run.claim(42, 1000 + LEASE - 1).await;
    let second = run.claim(42, 1000 + LEASE).await;
    assert_ne!(first, second, "a takeover gets a new token");
    (run.log, [first, second])
}

#[tokio::test]
async fn a_claim_is_in_flight_while_leased_and_acquirable_once_the_lease_ran_out() {
    let expected = lines(&[
        "claim 42 @1000: Acquired",
        "claim 42 @1030: InFlight",
        "claim 42 @1059: InFlight",
        "claim 42 @1060: Acquired",
    ]);
    let (memory, _) = lease_then_expiry(&MemoryStore::new()).await;
    assert_eq!(memory, expected);

    let db = Dynamo::new().await;
    let (dynamo, [_, token]) = lease_then_expiry(&db.store).await;
    assert_eq!(dynamo, expected);
    assert_eq!(
        db.items().await,
        [json!({
            "pk": "UPDATE#42", "sk": "LEDGER",
            "state": "claimed", "token": token, "expires_at": 1060 + LEASE,
        })]
    );
    assert_eq!(
        db.calls(),
        (0, 4),
        "each claim is one conditional put, no read"
    );
}

/// Claim, complete, then redeliveries within the retention (also after the lease would have
/// ended), at its last second, and once it is over.
async fn done_then_retention<S: UpdateLedger + UserStore>(store: &S) -> (Vec<String>, String) {
    let mut run = Run::new(store);
    let token = run.claim(7, 1000).await;
    run.complete(7, &token, 1010, KEEP).await;
    run.claim(7, 1011).await;
    run.claim(7, 1000 + LEASE + 1).await;
    run.claim(7, 1010 + KEEP - 1).await;
    let again = run.claim(7, 1010 + KEEP).await;
    (run.log, again)
}

#[tokio::test]
async fn a_completed_update_is_done_until_its_retention_ends_then_absent() {
    let expected = lines(&[
        "claim 7 @1000: Acquired",
        "complete 7 @1010: ok",
        "claim 7 @1011: AlreadyDone",
        "claim 7 @1061: AlreadyDone",
        "claim 7 @94609: AlreadyDone",
        "claim 7 @94610: Acquired",
    ]);
    let (memory, _) = done_then_retention(&MemoryStore::new()).await;
    assert_eq!(memory, expected);

    let db = Dynamo::new().await;
    let (dynamo, token) = done_then_retention(&db.store).await;
    assert_eq!(dynamo, expected);
    assert_eq!(
        db.items().await,
        [json!({
            "pk": "UPDATE#7", "sk": "LEDGER",
            "state": "claimed", "token": token, "expires_at": 1010 + KEEP + LEASE,
        })]
    );
    assert_eq!(
        db.calls(),
        (0, 6),
        "claims and the completion: one write each"
    );
}

#[tokio::test]
async fn complete_stores_a_done_record_without_token_kept_for_the_retention() {
    let db = Dynamo::new().await;
    let Ok(Claim::Acquired { token }) = db.store.claim(7, 1000, LEASE).await else {
        panic!("first claim must be acquired")
    };
    db.store
        .complete(7, &token, 1010, KEEP)
        .await
        .expect("complete");
    assert_eq!(
        db.items().await,
        [json!({
            "pk": "UPDATE#7", "sk": "LEDGER", "state": "done", "expires_at": 1010 + KEEP,
        })]
    );
    assert_eq!(db.calls(), (0, 2));
}

/// Claim, release (a failed route), then the redelivery.
async fn release_then_claim<S: UpdateLedger + UserStore>(store: &S) -> (Vec<String>, [String; 2]) {
    let mut run = Run::new(store);
    let first = run.claim(5, 1000).await;
    run.release(5, &first).await;
    let second = run.claim(5, 1001).await;
    assert_ne!(first, second, "a new claim gets a new token");
    run.claim(5, 1002).await;
    (run.log, [first, second])
}

#[tokio::test]
async fn a_released_claim_can_be_claimed_again_at_once() {
    let expected = lines(&[
        "claim 5 @1000: Acquired",
        "release 5: ok",
        "claim 5 @1001: Acquired",
        "claim 5 @1002: InFlight",
    ]);
    let (memory, _) = release_then_claim(&MemoryStore::new()).await;
    assert_eq!(memory, expected);

    let db = Dynamo::new().await;
    let (dynamo, [_, token]) = release_then_claim(&db.store).await;
    assert_eq!(dynamo, expected);
    assert_eq!(
        db.items().await,
        [json!({
            "pk": "UPDATE#5", "sk": "LEDGER",
            "state": "claimed", "token": token, "expires_at": 1001 + LEASE,
        })]
    );
    assert_eq!(db.calls(), (0, 4));
}

#[tokio::test]
async fn release_deletes_the_claim() {
    let db = Dynamo::new().await;
    let Ok(Claim::Acquired { token }) = db.store.claim(5, 1000, LEASE).await else {
        panic!("first claim must be acquired")
    };
    db.store.release(5, &token).await.expect("release");
    assert_eq!(db.items().await, Vec::<Value>::new());
    assert_eq!(db.calls(), (0, 2));
}

/// A stale token (the lease ran out and another delivery took the update over, or a token that
/// never was) can neither complete nor release; the owner's claim is untouched and completes.
async fn stale_tokens<S: UpdateLedger + UserStore>(store: &S) -> (Vec<String>, String) {
    let mut run = Run::new(store);
    let old = run.claim(9, 1000).await;
    let new = run.claim(9, 1000 + LEASE).await;
    run.complete(9, &old, 1070, KEEP).await;
    run.complete(9, "not-a-token", 1070, KEEP).await;
    run.release(9, &old).await;
    run.claim(9, 1071).await;
    run.complete(10, &new, 1072, KEEP).await;
    run.release(11, &new).await;
    run.claim(10, 1073).await;
    run.complete(9, &new, 1074, KEEP).await;
    run.release(9, &new).await;
    run.claim(9, 1075).await;
    (run.log, new)
}

#[tokio::test]
async fn a_stale_token_can_neither_complete_nor_release() {
    let expected = lines(&[
        "claim 9 @1000: Acquired",
        "claim 9 @1060: Acquired",
        "complete 9 @1070: error",
        "complete 9 @1070: error",
        "release 9: ok",
        "claim 9 @1071: InFlight",
        // A token of another update, on updates nobody claimed.
        "complete 10 @1072: error",
        "release 11: ok",
        "claim 10 @1073: Acquired",
        "complete 9 @1074: ok",
        // After completion the token is spent: releasing is a no-op, the update stays done.
        "release 9: ok",
        "claim 9 @1075: AlreadyDone",
    ]);
    let (memory, _) = stale_tokens(&MemoryStore::new()).await;
    assert_eq!(memory, expected);

    let db = Dynamo::new().await;
    let (dynamo, _) = stale_tokens(&db.store).await;
    assert_eq!(dynamo, expected);
    let items = db.items().await;
    assert_eq!(items.len(), 2, "{items:#?}");
    assert_eq!(
        items[0],
        json!({
            "pk": "UPDATE#10", "sk": "LEDGER",
            "state": "claimed", "token": items[0]["token"], "expires_at": 1073 + LEASE,
        })
    );
    assert_eq!(
        items[1],
        json!({ "pk": "UPDATE#9", "sk": "LEDGER", "state": "done", "expires_at": 1074 + KEEP })
    );
    assert_eq!(
        db.calls(),
        (0, 12),
        "every ledger call is one write, none reads"
    );
}

// ---------------------------------------------------------------------------------------------
// Users

fn ada() -> UserProfile {
    UserProfile {
        user_id: 42,
        first_name: "Ada".into(),
        last_name: Some("Lovelace".into()),
        username: Some("ada".into()),
        lang: lambdagram::i18n::EN,
    }
}

/// A first visit, then a second with a changed profile: new language, username, no last name.
async fn two_visits<S: UpdateLedger + UserStore>(store: &S) -> Vec<String> {
    let mut run = Run::new(store);
    let first = run.visit(&ada(), 1000).await;
    assert!(first.is_new());
    let changed = UserProfile {
        first_name: "Ада".into(),
        last_name: None,
        username: Some("ada_l".into()),
        lang: channel_guard::i18n::RU,
        ..ada()
    };
    let second = run.visit(&changed, 2000).await;
    assert!(!second.is_new());
    let read = run.user(42).await;
    assert_eq!(
        read.as_ref(),
        Some(&second),
        "user() reads what record_visit returned"
    );
    run.log
}

#[tokio::test]
async fn record_visit_keeps_first_seen_and_updates_last_seen_and_the_profile() {
    let expected = lines(&[
        r#"visit @1000: UserRecord { profile: UserProfile { user_id: 42, first_name: "Ada", last_name: Some("Lovelace"), username: Some("ada"), lang: Lang(en) }, first_seen: 1000, last_seen: 1000, unreachable_since: None }"#,
        r#"visit @2000: UserRecord { profile: UserProfile { user_id: 42, first_name: "Ада", last_name: None, username: Some("ada_l"), lang: Lang(ru) }, first_seen: 1000, last_seen: 2000, unreachable_since: None }"#,
        r#"user 42: Some(UserRecord { profile: UserProfile { user_id: 42, first_name: "Ада", last_name: None, username: Some("ada_l"), lang: Lang(ru) }, first_seen: 1000, last_seen: 2000, unreachable_since: None })"#,
    ]);
    assert_eq!(two_visits(&MemoryStore::new()).await, expected);

    let db = Dynamo::new().await;
    assert_eq!(two_visits(&db.store).await, expected);
    assert_eq!(
        db.items().await,
        [json!({
            "pk": "USER#42", "sk": "PROFILE", "user_id": 42,
            "first_name": "Ада", "username": "ada_l", "lang": "ru",
            "first_seen": 1000, "last_seen": 2000,
        })]
    );
    assert_eq!(
        db.calls(),
        (1, 2),
        "a visit is one write, a lookup one read"
    );
}

#[tokio::test]
async fn a_first_visit_stores_the_whole_profile() {
    let db = Dynamo::new().await;
    db.store.record_visit(&ada(), 1000).await.expect("visit");
    assert_eq!(
        db.items().await,
        [json!({
            "pk": "USER#42", "sk": "PROFILE", "user_id": 42,
            "first_name": "Ada", "last_name": "Lovelace", "username": "ada", "lang": "en",
            "first_seen": 1000, "last_seen": 1000,
        })]
    );
    assert_eq!(db.calls(), (0, 1));
}

async fn unknown_user<S: UpdateLedger + UserStore>(store: &S) -> Vec<String> {
    let mut run = Run::new(store);
    run.user(404).await;
    // An update with the same number is a different item.
    run.claim(404, 1000).await;
    run.user(404).await;
    run.log
}

#[tokio::test]
async fn an_unknown_user_is_none() {
    let expected = lines(&[
        "user 404: None",
        "claim 404 @1000: Acquired",
        "user 404: None",
    ]);
    assert_eq!(unknown_user(&MemoryStore::new()).await, expected);

    let db = Dynamo::new().await;
    assert_eq!(unknown_user(&db.store).await, expected);
    assert_eq!(db.calls(), (2, 1));
}

/// The two key spaces share one table without colliding.
#[tokio::test]
async fn an_update_and_a_user_with_the_same_number_are_separate_items() {
    let db = Dynamo::new().await;
    db.store.record_visit(&ada(), 1000).await.expect("visit");
    let Ok(Claim::Acquired { .. }) = db.store.claim(42, 1000, LEASE).await else {
        panic!("claim")
    };
    let keys: Vec<(Value, Value)> = db
        .items()
        .await
        .into_iter()
        .map(|i| (i["pk"].clone(), i["sk"].clone()))
        .collect();
    assert_eq!(
        keys,
        [
            (json!("UPDATE#42"), json!("LEDGER")),
            (json!("USER#42"), json!("PROFILE")),
        ]
    );
    assert!(db.store.user(42).await.expect("user").is_some());
}

// ---------------------------------------------------------------------------------------------
// The JSON view of items used above

#[test]
fn item_to_json_maps_every_attribute_type() {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let item = [
        ("s", A::S("x".into())),
        ("n", A::N("42".into())),
        ("f", A::N("1.5".into())),
        ("b", A::Bool(true)),
        ("null", A::Null(true)),
        ("l", A::L(vec![A::S("a".into()), A::N("1".into())])),
        ("m", A::M([("k".to_owned(), A::S("v".into()))].into())),
        ("ss", A::Ss(vec!["b".into(), "a".into()])),
        ("ns", A::Ns(vec!["10".into(), "9".into()])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(
        dynamodb::item_to_json(&item),
        json!({
            "s": "x", "n": 42, "f": 1.5, "b": true, "null": null,
            "l": ["a", 1], "m": { "k": "v" }, "ss": ["a", "b"], "ns": [9, 10],
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Dead letters

const DAY: i64 = 86_400;
const KEEP_LETTERS: i64 = 14 * DAY;
/// 1970-01-11 00:00 UTC.
const DAY0: i64 = 10 * DAY;

fn letter(update_id: i64, at: Epoch) -> lambdagram::ports::DeadLetter {
    lambdagram::ports::DeadLetter {
        update_id,
        route: "start".into(),
        step: "sendMessage".into(),
        class: "refused".into(),
        reason: "403 Forbidden: bot was blocked by the user".into(),
        at,
        update: format!(r#"{{"update_id":{update_id}}}"#),
    }
}

/// Letters on three days: listed by day and expiry; a replay reopens the ledger (not under a
/// live claim), settles a handled letter and keeps the fresh one of an update given up again.
async fn dead_letter_lifecycle<S>(store: &S) -> Vec<String>
where
    S: UpdateLedger + lambdagram::ports::DeadLetters + lambdagram::ports::DeadLetterArchive,
{
    let mut log = Vec::new();
    let ids = |letters: Vec<lambdagram::ports::DeadLetter>| -> Vec<(i64, Epoch)> {
        letters.into_iter().map(|l| (l.update_id, l.at)).collect()
    };
    let (a, b, c) = (
        letter(501, DAY0 + 100),
        letter(502, DAY0 + DAY + 200),
        letter(503, DAY0 + 3 * DAY),
    );
    for l in [&a, &b, &c] {
        store.record(l, KEEP_LETTERS).await.expect("record");
    }
    let end = DAY0 + 3 * DAY + 1;
    for (since, now) in [
        (DAY0, end),
        (DAY0 + DAY, end),
        (DAY0, DAY0 + 100 + KEEP_LETTERS),
    ] {
        let listed = ids(store.list(since, now).await.expect("list"));
        log.push(format!("list {since}..{now}: {listed:?}"));
    }

    // 501 was marked done by the webhook; a replay reopens it, but not under a live claim.
    let Ok(Claim::Acquired { token }) = store.claim(501, DAY0 + 100, LEASE).await else {
        panic!("claim")
    };
    store
        .complete(501, &token, DAY0 + 100, KEEP)
        .await
        .expect("complete");
    let t = DAY0 + 3 * DAY + 10;
    log.push(format!("reopen 501: {:?}", store.reopen(&a, "t1", t).await));
    log.push(format!(
        "claim 501: {:?}",
        store
            .claim(501, t + 1, LEASE)
            .await
            .map(|c| matches!(c, Claim::Acquired { .. }))
    ));
    log.push(format!(
        "reopen 501: {:?}",
        store.reopen(&a, "t2", t + 2).await
    ));
    log.push(format!(
        "settle 501: {:?}",
        store.settle(&a, "t2", t + 2, t + 3).await
    ));
    log.push(format!(
        "reopen 501: {:?}",
        store.reopen(&a, "t3", t + 4).await
    ));

    // 502, from two days ago, is given up again today: a fresh letter, and the old one goes.
    log.push(format!(
        "reopen 502: {:?}",
        store.reopen(&b, "t4", t + 5).await
    ));
    store
        .record(&letter(502, t + 6), KEEP_LETTERS)
        .await
        .expect("record again");
    log.push(format!(
        "settle 502: {:?}",
        store.settle(&b, "t4", t + 5, t + 7).await
    ));
    let listed = ids(store.list(DAY0, t + 8).await.expect("list"));
    log.push(format!("list: {listed:?}"));
    log
}

#[tokio::test]
async fn dead_letters_are_listed_by_day_and_replays_settle_them_alike_in_both_stores() {
    let t = DAY0 + 3 * DAY + 10;
    let expected = vec![
        format!(
            "list {DAY0}..{}: [(501, {}), (502, {}), (503, {})]",
            DAY0 + 3 * DAY + 1,
            DAY0 + 100,
            DAY0 + DAY + 200,
            DAY0 + 3 * DAY
        ),
        format!(
            "list {}..{}: [(502, {}), (503, {})]",
            DAY0 + DAY,
            DAY0 + 3 * DAY + 1,
            DAY0 + DAY + 200,
            DAY0 + 3 * DAY
        ),
        format!(
            "list {DAY0}..{}: [(502, {}), (503, {})]",
            DAY0 + 100 + KEEP_LETTERS,
            DAY0 + DAY + 200,
            DAY0 + 3 * DAY
        ),
        "reopen 501: Ok(Ready)".to_owned(),
        "claim 501: Ok(true)".to_owned(),
        "reopen 501: Ok(InFlight)".to_owned(),
        "settle 501: Ok(Handled)".to_owned(),
        "reopen 501: Ok(Gone)".to_owned(),
        "reopen 502: Ok(Ready)".to_owned(),
        "settle 502: Ok(GivenUpAgain)".to_owned(),
        format!("list: [(503, {}), (502, {})]", DAY0 + 3 * DAY, t + 6),
    ];
    assert_eq!(dead_letter_lifecycle(&MemoryStore::new()).await, expected);

    let db = Dynamo::new().await;
    assert_eq!(dead_letter_lifecycle(&db.store).await, expected);
    let letters: Vec<Value> = db
        .items()
        .await
        .into_iter()
        .filter(|i| i["pk"].as_str().is_some_and(|pk| pk.starts_with("DEAD#")))
        .collect();
    let item = |update_id: i64, at: Epoch| {
        json!({
            "pk": "DEAD#1970-01-14", "sk": update_id.to_string(), "update_id": update_id,
            "route": "start", "step": "sendMessage", "class": "refused",
            "reason": "403 Forbidden: bot was blocked by the user",
            "at": at, "expires_at": at + KEEP_LETTERS,
            "update": format!(r#"{{"update_id":{update_id}}}"#),
        })
    };
    assert_eq!(letters, [item(502, t + 6), item(503, DAY0 + 3 * DAY)]);
}

// ---------------------------------------------------------------------------------------------
// The effect journal
// ---------------------------------------------------------------------------------------------

use lambdagram::journal::{EffectJournal, KEEP_STEPS_SECS};

/// Begin, finish, abandon on a few steps, and expiry: the answers, as lines.
async fn journal_scenario<S: EffectJournal>(store: &S) -> Vec<String> {
    let mut log = Vec::new();
    let mut begin = async |update: i64, step: &str, now: Epoch| {
        let state = store.begin_step(update, step, now).await.expect("begin");
        log.push(format!("begin {update}/{step} @{now}: {state:?}"));
    };
    begin(7, "welcome", 1000).await;
    begin(7, "welcome", 1001).await;
    store.finish_step(7, "welcome", 1002).await.expect("finish");
    begin(7, "welcome", 1003).await;
    // Another step of the same update, and the same step of another update, are apart.
    begin(7, "notice", 1004).await;
    begin(8, "welcome", 1004).await;
    // A withdrawn intent can be begun again; a done step cannot be withdrawn.
    store.abandon_step(7, "notice").await.expect("abandon");
    begin(7, "notice", 1005).await;
    store.abandon_step(7, "welcome").await.expect("abandon");
    begin(7, "welcome", 1006).await;
    // Remembered as long as Telegram may redeliver, then forgotten.
    begin(7, "welcome", 1002 + KEEP_STEPS_SECS - 1).await;
    begin(7, "welcome", 1002 + KEEP_STEPS_SECS).await;
    log
}

#[tokio::test]
async fn the_journal_tells_new_pending_and_done_steps_apart_on_both_adapters() {
    let expected = lines(&[
        "begin 7/welcome @1000: New",
        "begin 7/welcome @1001: Pending",
        "begin 7/welcome @1003: Done",
        "begin 7/notice @1004: New",
        "begin 8/welcome @1004: New",
        "begin 7/notice @1005: New",
        "begin 7/welcome @1006: Done",
        "begin 7/welcome @94601: Done",
        "begin 7/welcome @94602: New",
    ]);
    assert_eq!(journal_scenario(&MemoryStore::new()).await, expected);

    let db = Dynamo::new().await;
    assert_eq!(journal_scenario(&db.store).await, expected);
    let mut items = db.items().await;
    items.sort_by_key(|i| (i["pk"].to_string(), i["sk"].to_string()));
    for item in &mut items {
        // Each intent carries its attempt's random token (a retried put knows its own).
        let token = item.as_object_mut().and_then(|o| o.remove("token"));
        assert_eq!(
            token.and_then(|t| t.as_str().map(str::len)),
            Some(32),
            "{item}"
        );
    }
    assert_eq!(
        items,
        [
            json!({"pk": "STEP#7", "sk": "notice", "state": "pending", "expires_at": 1005 + KEEP_STEPS_SECS}),
            json!({"pk": "STEP#7", "sk": "welcome", "state": "pending", "expires_at": 94602 + KEEP_STEPS_SECS}),
            json!({"pk": "STEP#8", "sk": "welcome", "state": "pending", "expires_at": 1004 + KEEP_STEPS_SECS}),
        ]
    );
    assert_eq!(
        db.calls(),
        (0, 12),
        "one write per begin, finish and abandon; no read"
    );
}
