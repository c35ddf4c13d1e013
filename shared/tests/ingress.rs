//! The webhook's decisions, specified with the in-memory ledger and a scripted dispatcher.

use std::collections::VecDeque;
use std::sync::Mutex;

use lambdagram::dispatch::{DispatchError, Dispatcher};
use lambdagram::i18n::{Text, EN};
use lambdagram::ingress::{Ingress, IngressConfig, IngressRequest, Outcome};
use lambdagram::memory::MemoryStore;
use lambdagram::route_api::RouteResponse;
use lambdagram::routes::{Audience, Route, RouteTable, Scope, Trigger};
use lambdagram::secret::{AcceptedSecrets, WebhookSecret};
use serde_json::json;

/// Records what it was asked to run and answers from a script (default: success).
#[derive(Default)]
struct Scripted {
    calls: Mutex<Vec<(String, serde_json::Value)>>,
    answers: Mutex<VecDeque<Result<RouteResponse, String>>>,
}

impl Scripted {
    fn then(&self, answer: Result<RouteResponse, String>) {
        self.answers.lock().unwrap().push_back(answer);
    }
    fn calls(&self) -> Vec<(String, serde_json::Value)> {
        self.calls.lock().unwrap().clone()
    }
}

impl Dispatcher for &Scripted {
    async fn dispatch(
        &self,
        route: &'static Route,
        payload: Vec<u8>,
    ) -> Result<RouteResponse, DispatchError> {
        let payload: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        self.calls
            .lock()
            .unwrap()
            .push((route.name.to_owned(), payload));
        match self.answers.lock().unwrap().pop_front() {
            // The invocation's answer was lost: the function may be running still.
            Some(Err(detail)) if detail == LOST => Err(DispatchError::Unknown {
                route: route.name,
                detail,
            }),
            Some(Err(detail)) => Err(DispatchError::Failed {
                route: route.name,
                detail,
            }),
            Some(Ok(r)) => Ok(r),
            None => Ok(RouteResponse::done()),
        }
    }
}

const SECRET: &str = "test-secret_123";

/// A scripted failure whose outcome is unknown (`DispatchError::Unknown`).
const LOST: &str = "lost";

/// A bot with one command that has effects (so it pays the ledger).
const ROUTES: RouteTable = RouteTable::new(&[Route {
    name: "start",
    trigger: Trigger::Command {
        name: "start",
        scope: Scope::Everywhere,
    },
    help: Some(Text::new(&[(EN, "say hello")])),
    audience: Audience::Everyone,
    side_effects: true,
    about: "a test route",
    grants: &[],
    middleware: &[],
}]);

fn ingress<'a>(store: &MemoryStore, d: &'a Scripted) -> Ingress<MemoryStore, &'a Scripted> {
    let config = IngressConfig::new(ROUTES, WebhookSecret::new(SECRET).unwrap(), "LambdagramBot");
    Ingress::new(config, store.clone(), d)
}

fn start_update(update_id: i64) -> String {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 1, "date": 1700000000,
            "chat": {"id": 111111, "type": "private", "first_name": "Alice"},
            "from": {"id": 111111, "is_bot": false, "first_name": "Alice", "language_code": "en"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]
        }
    })
    .to_string()
}

fn req<'a>(secret: Option<&'a str>, body: &'a str) -> IngressRequest<'a> {
    IngressRequest {
        secret_header: secret.map(str::as_bytes),
        body: body.as_bytes(),
    }
}

#[tokio::test]
async fn wrong_or_missing_secret_is_refused_before_any_io() {
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    let body = start_update(1);
    for secret in [None, Some("wrong"), Some(""), Some("test-secret_1234")] {
        let r = ing.handle(req(secret, &body), 1000).await;
        assert_eq!((r.status, r.outcome), (401, Outcome::Unauthorized));
    }
    assert!(d.calls().is_empty());
    assert_eq!(store.ledger_len(), 0);
}

#[tokio::test]
async fn during_a_rotation_the_current_and_the_next_secret_are_both_accepted() {
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let handled = Outcome::Handled {
        route: "start",
        replied: false,
    };
    let mut config =
        IngressConfig::new(ROUTES, WebhookSecret::new(SECRET).unwrap(), "LambdagramBot");
    config.secret = AcceptedSecrets::new(
        WebhookSecret::new(SECRET).unwrap(),
        Some(WebhookSecret::new("next-secret_456").unwrap()),
    );
    let ing = Ingress::new(config, store.clone(), &d);
    let r = ing.handle(req(Some(SECRET), &start_update(1)), 1000).await;
    assert_eq!((r.status, &r.outcome), (200, &handled));
    let r = ing
        .handle(req(Some("next-secret_456"), &start_update(2)), 1000)
        .await;
    assert_eq!((r.status, &r.outcome), (200, &handled));
    for wrong in [None, Some("next-secret_45"), Some("wrong")] {
        let r = ing.handle(req(wrong, &start_update(3)), 1000).await;
        assert_eq!((r.status, r.outcome), (401, Outcome::Unauthorized));
    }
    assert_eq!(d.calls().len(), 2);
    // Promoted: the webhook function refreshes the shared secrets in place; the old one is out.
    ing.config()
        .secret
        .replace(WebhookSecret::new("next-secret_456").unwrap(), None);
    let r = ing.handle(req(Some(SECRET), &start_update(4)), 1000).await;
    assert_eq!((r.status, r.outcome), (401, Outcome::Unauthorized));
    let r = ing
        .handle(req(Some("next-secret_456"), &start_update(5)), 1000)
        .await;
    assert_eq!((r.status, &r.outcome), (200, &handled));
}

#[tokio::test]
async fn oversized_body_is_413_and_not_parsed() {
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    let body = " ".repeat(256 * 1024 + 1);
    let r = ing.handle(req(Some(SECRET), &body), 1000).await;
    assert_eq!((r.status, r.outcome), (413, Outcome::TooLarge));
    assert!(d.calls().is_empty());
}

#[tokio::test]
async fn malformed_and_unknown_updates_are_acknowledged_without_writes() {
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    for body in ["{not json", r#"{"hello":"world"}"#, "\u{0}"] {
        let r = ing.handle(req(Some(SECRET), body), 1000).await;
        assert_eq!((r.status, r.outcome), (200, Outcome::Malformed), "{body}");
    }
    let poll = r#"{"update_id": 5, "poll": {"id": "1"}}"#;
    let r = ing.handle(req(Some(SECRET), poll), 1000).await;
    assert_eq!(r.status, 200);
    assert!(matches!(r.outcome, Outcome::Ignored(_)));
    assert!(d.calls().is_empty());
    assert_eq!(store.ledger_len(), 0);
}

#[tokio::test]
async fn a_redelivered_update_is_handled_once() {
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    let body = start_update(42);
    let first = ing.handle(req(Some(SECRET), &body), 1000).await;
    assert_eq!(
        (first.status, first.outcome),
        (
            200,
            Outcome::Handled {
                route: "start",
                replied: false
            }
        )
    );
    let again = ing.handle(req(Some(SECRET), &body), 1001).await;
    assert_eq!(
        (again.status, again.outcome),
        (200, Outcome::Duplicate { route: "start" })
    );
    let calls = d.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "start");
    assert_eq!(calls[0].1["route"], "start");
    assert_eq!(calls[0].1["update"]["update_id"], 42);
}

#[tokio::test]
async fn a_failed_route_answers_5xx_and_its_redelivery_is_handled() {
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    d.then(Err("boom".into()));
    let body = start_update(7);
    let first = ing.handle(req(Some(SECRET), &body), 1000).await;
    assert_eq!(
        (first.status, first.outcome),
        (500, Outcome::Failed { route: "start" })
    );
    let retry = ing.handle(req(Some(SECRET), &body), 1005).await;
    assert_eq!(retry.status, 200);
    assert!(matches!(retry.outcome, Outcome::Handled { .. }));
    let dup = ing.handle(req(Some(SECRET), &body), 1006).await;
    assert_eq!(dup.outcome, Outcome::Duplicate { route: "start" });
    assert_eq!(d.calls().len(), 2);
}

#[tokio::test]
async fn an_invoke_whose_answer_was_lost_keeps_the_claim_until_the_lease_ends() {
    use lambdagram::ingress::LEASE_SECS;
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    d.then(Err(LOST.into()));
    let body = start_update(8);
    let first = ing.handle(req(Some(SECRET), &body), 1000).await;
    assert_eq!(
        (first.status, first.outcome),
        (500, Outcome::Failed { route: "start" })
    );
    // The route may still be running: its redelivery waits (never runs beside it) ...
    let early = ing
        .handle(req(Some(SECRET), &body), 1000 + LEASE_SECS - 1)
        .await;
    assert_eq!(
        (early.status, early.outcome),
        (503, Outcome::InFlight { route: "start" })
    );
    assert_eq!(d.calls().len(), 1);
    // ... and is handled once the lease is over.
    let late = ing
        .handle(req(Some(SECRET), &body), 1000 + LEASE_SECS)
        .await;
    assert_eq!(late.status, 200);
    assert_eq!(d.calls().len(), 2);
}

#[tokio::test]
async fn a_redelivery_while_the_first_is_running_is_told_to_come_back() {
    use lambdagram::ports::UpdateLedger;
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    // Another invocation holds the claim.
    store.claim(9, 1000, 60).await.unwrap();
    let r = ing.handle(req(Some(SECRET), &start_update(9)), 1010).await;
    assert_eq!(
        (r.status, r.outcome),
        (503, Outcome::InFlight { route: "start" })
    );
    assert!(d.calls().is_empty());
    // Once the lease has run out (the first invocation died), the update is handled.
    let r = ing.handle(req(Some(SECRET), &start_update(9)), 1061).await;
    assert_eq!(r.status, 200);
    assert_eq!(d.calls().len(), 1);
}

#[tokio::test]
async fn webhook_reply_is_passed_back_and_rejections_are_acknowledged() {
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    d.then(Ok(RouteResponse::reply(
        "sendMessage",
        json!({"chat_id": 1, "text": "hi"}),
    )));
    let r = ing.handle(req(Some(SECRET), &start_update(1)), 1000).await;
    assert_eq!(r.status, 200);
    let reply: serde_json::Value = serde_json::from_str(r.reply.as_deref().unwrap()).unwrap();
    assert_eq!(
        reply,
        json!({"method": "sendMessage", "chat_id": 1, "text": "hi"})
    );

    d.then(Ok(RouteResponse::rejected("unparseable")));
    let r = ing.handle(req(Some(SECRET), &start_update(2)), 1000).await;
    assert_eq!(
        (r.status, r.outcome),
        (200, Outcome::Rejected { route: "start" })
    );
    let dup = ing.handle(req(Some(SECRET), &start_update(2)), 1001).await;
    assert_eq!(dup.outcome, Outcome::Duplicate { route: "start" });
}

#[tokio::test]
async fn commands_for_other_bots_cost_nothing() {
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    let body = start_update(3).replace("\"/start\"", "\"/start@OtherBot\"");
    let body = body.replace("\"length\":6", "\"length\":15");
    let r = ing.handle(req(Some(SECRET), &body), 1000).await;
    assert_eq!(r.status, 200);
    assert!(matches!(r.outcome, Outcome::Ignored(_)));
    assert!(d.calls().is_empty());
    assert_eq!(store.ledger_len(), 0);
}

fn blocked() -> RouteResponse {
    RouteResponse::dead_letter(lambdagram::route_api::PermanentFailure {
        route: "start".into(),
        step: "sendMessage".into(),
        class: "refused".into(),
        reason: "403 Forbidden: bot was blocked by the user".into(),
    })
}

#[tokio::test]
async fn a_permanent_error_is_acknowledged_kept_as_a_dead_letter_and_not_redelivered() {
    use lambdagram::ports::{DeadLetter, DeadLetterArchive};
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    d.then(Ok(blocked()));
    let body = start_update(77);

    let first = ing.handle(req(Some(SECRET), &body), 1_000).await;

    assert_eq!(
        (first.status, first.reply, first.outcome),
        (200, None, Outcome::DeadLettered { route: "start" })
    );
    assert_eq!(
        Outcome::DeadLettered { route: "start" }.label(),
        "dead_lettered"
    );
    assert_eq!(
        store.list(0, 1_001).await.unwrap(),
        vec![DeadLetter {
            update_id: 77,
            route: "start".into(),
            step: "sendMessage".into(),
            class: "refused".into(),
            reason: "403 Forbidden: bot was blocked by the user".into(),
            at: 1_000,
            update: body.clone(),
        }]
    );
    // Kept 14 days, then gone.
    assert_eq!(
        store.list(0, 1_000 + 14 * 86_400 - 1).await.unwrap().len(),
        1
    );
    assert_eq!(store.list(0, 1_000 + 14 * 86_400).await.unwrap(), vec![]);

    let again = ing.handle(req(Some(SECRET), &body), 1_002).await;
    assert_eq!(
        (again.status, again.outcome),
        (200, Outcome::Duplicate { route: "start" })
    );
    assert_eq!(d.calls().len(), 1, "the redelivery never reaches the route");
}

/// The in-memory store, except that dead letters cannot be written.
#[derive(Clone)]
struct LettersDown(MemoryStore);

impl lambdagram::ports::UpdateLedger for LettersDown {
    async fn claim(
        &self,
        update_id: i64,
        now: i64,
        lease_secs: i64,
    ) -> Result<lambdagram::ports::Claim, lambdagram::ports::StoreError> {
        self.0.claim(update_id, now, lease_secs).await
    }
    async fn complete(
        &self,
        update_id: i64,
        token: &str,
        now: i64,
        keep_secs: i64,
    ) -> Result<(), lambdagram::ports::StoreError> {
        self.0.complete(update_id, token, now, keep_secs).await
    }
    async fn release(
        &self,
        update_id: i64,
        token: &str,
    ) -> Result<(), lambdagram::ports::StoreError> {
        self.0.release(update_id, token).await
    }
}

impl lambdagram::interaction_log::InteractionLog for LettersDown {
    async fn append(
        &self,
        entry: &lambdagram::interaction_log::LogEntry,
    ) -> Result<(), lambdagram::ports::StoreError> {
        self.0.append(entry).await
    }
}

impl lambdagram::ports::DeadLetters for LettersDown {
    async fn record(
        &self,
        _: &lambdagram::ports::DeadLetter,
        _: i64,
    ) -> Result<(), lambdagram::ports::StoreError> {
        Err(lambdagram::ports::StoreError::Failed(
            "record dead letter: throttled".into(),
        ))
    }
}

#[tokio::test]
async fn a_dead_letter_that_cannot_be_written_fails_the_update_so_telegram_redelivers() {
    use lambdagram::ports::UpdateLedger;
    let (memory, d) = (MemoryStore::new(), Scripted::default());
    let config = IngressConfig::new(ROUTES, WebhookSecret::new(SECRET).unwrap(), "LambdagramBot");
    let ing = Ingress::new(config, LettersDown(memory.clone()), &d);
    d.then(Ok(blocked()));

    let r = ing
        .handle(req(Some(SECRET), &start_update(78)), 1_000)
        .await;

    assert_eq!(
        (r.status, r.outcome),
        (500, Outcome::Failed { route: "start" })
    );
    assert!(
        matches!(
            memory.claim(78, 1_001, 60).await,
            Ok(lambdagram::ports::Claim::Acquired { .. })
        ),
        "the claim was released, not completed"
    );
}

#[tokio::test]
async fn a_replay_reopens_the_update_and_settles_the_letter_it_handled_or_gave_up_again() {
    use lambdagram::ports::{DeadLetterArchive, Reopened, Settled, UpdateLedger};
    let (store, d) = (MemoryStore::new(), Scripted::default());
    let ing = ingress(&store, &d);
    d.then(Ok(blocked()));
    d.then(Ok(blocked()));
    d.then(Ok(blocked()));
    let body = start_update(79);
    ing.handle(req(Some(SECRET), &body), 1_000).await;
    let [letter] = store.list(0, 1_001).await.unwrap().try_into().unwrap();

    // Still refused, the same day: the replay records the letter again, in its place.
    assert_eq!(
        store.reopen(&letter, "t1", 1_010).await.unwrap(),
        Reopened::Ready
    );
    let replayed = ing.handle(req(Some(SECRET), &body), 1_010).await;
    assert_eq!(replayed.outcome, Outcome::DeadLettered { route: "start" });
    assert_eq!(
        store.settle(&letter, "t1", 1_010, 1_011).await.unwrap(),
        Settled::GivenUpAgain
    );
    let [again] = store.list(0, 1_011).await.unwrap().try_into().unwrap();
    assert_eq!(again.at, 1_010);

    // Still refused two days later: a fresh letter that day, and the old one goes.
    let later = 2 * 86_400 + 100;
    assert_eq!(
        store.reopen(&again, "t2", later).await.unwrap(),
        Reopened::Ready
    );
    let replayed = ing.handle(req(Some(SECRET), &body), later).await;
    assert_eq!(replayed.outcome, Outcome::DeadLettered { route: "start" });
    assert_eq!(
        store.settle(&again, "t2", later, later + 1).await.unwrap(),
        Settled::GivenUpAgain
    );
    let [fresh] = store.list(0, later + 1).await.unwrap().try_into().unwrap();
    assert_eq!(fresh.at, later);

    // Handled this time: the letter goes.
    assert_eq!(
        store.reopen(&fresh, "t3", later + 20).await.unwrap(),
        Reopened::Ready
    );
    let handled = ing.handle(req(Some(SECRET), &body), later + 20).await;
    assert!(matches!(handled.outcome, Outcome::Handled { .. }));
    assert_eq!(
        store
            .settle(&fresh, "t3", later + 20, later + 21)
            .await
            .unwrap(),
        Settled::Handled
    );
    assert_eq!(store.list(0, later + 21).await.unwrap(), vec![]);
    assert_eq!(
        store.reopen(&fresh, "t4", later + 30).await.unwrap(),
        Reopened::Gone
    );
    assert_eq!(d.calls().len(), 4);

    // A live claim on the update is left alone.
    let t0 = later + 1_000;
    d.then(Ok(blocked()));
    ing.handle(req(Some(SECRET), &start_update(80)), t0).await;
    let [letter] = store.list(t0, t0 + 1).await.unwrap().try_into().unwrap();
    assert_eq!(
        store.claim(80, t0 + 2, 60).await.unwrap(),
        lambdagram::ports::Claim::AlreadyDone
    );
    assert_eq!(
        store.reopen(&letter, "t5", t0 + 3).await.unwrap(),
        Reopened::Ready
    );
    assert!(matches!(
        store.claim(80, t0 + 4, 60).await,
        Ok(lambdagram::ports::Claim::Acquired { .. })
    ));
    assert_eq!(
        store.reopen(&letter, "t6", t0 + 5).await.unwrap(),
        Reopened::InFlight
    );
}

/// The table above, logging `/start` always.
const LOGGED: RouteTable = ROUTES.logging(&lambdagram::interaction_log::LogPolicy {
    rules: &[lambdagram::interaction_log::Logged {
        route: "start",
        when: lambdagram::interaction_log::When::Always,
    }],
    retention_days: 7,
});

#[tokio::test]
async fn the_log_keeps_final_outcomes_once_and_never_what_was_ignored_on_purpose() {
    use lambdagram::keymap::UserData;
    let store = MemoryStore::new();
    let d = Scripted::default();
    let config = IngressConfig::new(LOGGED, WebhookSecret::new(SECRET).unwrap(), "LambdagramBot");
    let ing = Ingress::new(config, store.clone(), &d);
    let entries = || async { store.items("LOG#111111", "").await.unwrap() };

    // Handled: one entry (and the user's copy), with the retention of the policy.
    let r = ing.handle(req(Some(SECRET), &start_update(1)), 1_000).await;
    assert_eq!(r.status, 200);
    let logged = entries().await;
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0],
        json!({"pk": "LOG#111111", "sk": "000000000000001", "chat_id": 111_111, "user_id": 111_111,
               "update_id": 1, "kind": "message", "route": "start", "outcome": "handled",
               "at": 1_000, "expires_at": 1_000 + 7 * 86_400})
    );
    assert_eq!(store.items("LOGUSER#111111", "").await.unwrap().len(), 1);

    // Its redelivery is a duplicate: not logged again.
    ing.handle(req(Some(SECRET), &start_update(1)), 1_001).await;
    assert_eq!(entries().await.len(), 1);

    // A failure Telegram will redeliver is not an outcome yet; the redelivery handled is.
    d.then(Err("boom".into()));
    assert_eq!(
        ing.handle(req(Some(SECRET), &start_update(2)), 1_002)
            .await
            .status,
        500
    );
    assert_eq!(entries().await.len(), 1);
    ing.handle(req(Some(SECRET), &start_update(2)), 1_003).await;
    assert_eq!(entries().await.len(), 2);

    // Ignored on purpose (a denied user): never logged. The handler's note is the outcome.
    d.then(Ok(RouteResponse::ignored()));
    ing.handle(req(Some(SECRET), &start_update(3)), 1_004).await;
    d.then(Ok(RouteResponse::done().noting("welcomed")));
    ing.handle(req(Some(SECRET), &start_update(4)), 1_005).await;
    let outcomes: Vec<String> = entries()
        .await
        .iter()
        .map(|e| e["outcome"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(outcomes, ["handled", "handled", "welcomed"]);
}
