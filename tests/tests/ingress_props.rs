//! Properties of the webhook's ingress (`lambdagram::ingress`) under the guard's route table,
//! driven in-process with the in-memory ledger and a counting dispatcher: whatever arrives
//! (arbitrary bytes, Telegram-shaped updates valid or broken, with any secret), it never
//! panics, answers only 200, 401, 413, 500 or 503, and a request without the right secret
//! writes nothing and invokes nothing; with the store's writes failing too.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use channel_guard::ROUTES;
use lambdagram::dispatch::{DispatchError, Dispatcher};
use lambdagram::ingress::{Ingress, IngressConfig, IngressRequest, Outcome};
use lambdagram::memory::MemoryStore;
use lambdagram::ports::{
    Claim, DeadLetter, DeadLetterArchive, DeadLetters, StoreError, UpdateLedger,
};
use lambdagram::route_api::{PermanentFailure, RouteResponse};
use lambdagram::routes::Route;
use lambdagram::secret::WebhookSecret;
use proptest::prelude::*;
use serde_json::{json, Value};

const SECRET: &str = "prop-secret_0123456789";
const BOT: &str = "LambdagramBot";
const NOW: i64 = 1_790_000_000;
const MAX_BODY: usize = 256 * 1024;

/// What the route function answers when it is invoked.
#[derive(Clone, Debug)]
enum RouteAnswer {
    Done,
    Reply,
    Rejected,
    DeadLetter,
    Failed,
    Unavailable,
    BadAnswer,
}

/// Counts invocations and answers as scripted.
struct CountingInvoker {
    invoked: AtomicUsize,
    answer: Mutex<RouteAnswer>,
}

impl Dispatcher for &CountingInvoker {
    async fn dispatch(
        &self,
        route: &'static Route,
        payload: Vec<u8>,
    ) -> Result<RouteResponse, DispatchError> {
        self.invoked.fetch_add(1, Ordering::SeqCst);
        let request: Value = serde_json::from_slice(&payload).expect("the payload is JSON");
        assert_eq!(request["route"], route.name, "the payload names its route");
        let answer = self.answer.lock().expect("answer").clone();
        let detail = "scripted".to_owned();
        let route = route.name;
        match answer {
            RouteAnswer::Done => Ok(RouteResponse::done()),
            RouteAnswer::Reply => Ok(RouteResponse::reply(
                "sendMessage",
                json!({"chat_id": 1, "text": "hi"}),
            )),
            RouteAnswer::Rejected => Ok(RouteResponse::rejected("scripted")),
            RouteAnswer::DeadLetter => Ok(RouteResponse::dead_letter(PermanentFailure {
                route: route.to_owned(),
                step: "sendMessage".into(),
                class: "refused".into(),
                reason: "Forbidden: bot was blocked by the user".into(),
            })),
            RouteAnswer::Failed => Err(DispatchError::Failed { route, detail }),
            RouteAnswer::Unavailable => Err(DispatchError::Unavailable { route, detail }),
            RouteAnswer::BadAnswer => Err(DispatchError::BadAnswer { route, detail }),
        }
    }
}

/// Which of the store's writes fail (DynamoDB down or throttled past the SDK's retries).
#[derive(Clone, Copy, Debug, Default)]
struct Down {
    claim: bool,
    complete: bool,
    release: bool,
    record: bool,
}

impl Down {
    fn any(self) -> bool {
        self.claim || self.complete || self.release || self.record
    }
}

/// The in-memory store with some of its writes failing.
#[derive(Clone)]
struct FlakyStore {
    inner: MemoryStore,
    down: Down,
}

fn unavailable() -> StoreError {
    StoreError::Failed("ThrottlingException (scripted)".into())
}

impl UpdateLedger for FlakyStore {
    async fn claim(&self, update_id: i64, now: i64, lease_secs: i64) -> Result<Claim, StoreError> {
        if self.down.claim {
            return Err(unavailable());
        }
        self.inner.claim(update_id, now, lease_secs).await
    }

    async fn complete(
        &self,
        update_id: i64,
        token: &str,
        now: i64,
        keep_secs: i64,
    ) -> Result<(), StoreError> {
        if self.down.complete {
            return Err(unavailable());
        }
        self.inner.complete(update_id, token, now, keep_secs).await
    }

    async fn release(&self, update_id: i64, token: &str) -> Result<(), StoreError> {
        if self.down.release {
            return Err(unavailable());
        }
        self.inner.release(update_id, token).await
    }
}

impl DeadLetters for FlakyStore {
    async fn record(&self, letter: &DeadLetter, keep_secs: i64) -> Result<(), StoreError> {
        if self.down.record {
            return Err(unavailable());
        }
        self.inner.record(letter, keep_secs).await
    }
}

/// The guard's log is written after dispatch; it never decides the answer.
impl lambdagram::interaction_log::InteractionLog for FlakyStore {
    async fn append(
        &self,
        entry: &lambdagram::interaction_log::LogEntry,
    ) -> Result<(), StoreError> {
        self.inner.append(entry).await
    }
}

fn down() -> BoxedStrategy<Down> {
    prop_oneof![
        3 => Just(Down::default()),
        1 => (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(claim, complete, release, record)| Down { claim, complete, release, record }
        ),
    ]
    .boxed()
}

/// The ledger's state for the update before the request arrives.
#[derive(Clone, Copy, Debug)]
enum Before {
    Nothing,
    InFlight,
    Done,
}

#[derive(Clone, Debug)]
enum Secret {
    Right,
    Missing,
    Wrong(Vec<u8>),
}

impl Secret {
    fn header(&self) -> Option<&[u8]> {
        match self {
            Secret::Right => Some(SECRET.as_bytes()),
            Secret::Missing => None,
            Secret::Wrong(bytes) => Some(bytes),
        }
    }
}

fn secret() -> BoxedStrategy<Secret> {
    prop_oneof![
        12 => Just(Secret::Right),
        1 => Just(Secret::Missing),
        1 => proptest::collection::vec(any::<u8>(), 0..40)
            .prop_filter("not the secret", |b| b != SECRET.as_bytes())
            .prop_map(Secret::Wrong),
        // One byte off, one byte short, one byte long.
        1 => (0..SECRET.len()).prop_map(|i| {
            let mut b = SECRET.as_bytes().to_vec();
            b[i] ^= 1;
            Secret::Wrong(b)
        }),
        1 => Just(Secret::Wrong(SECRET.as_bytes()[..SECRET.len() - 1].to_vec())),
        1 => Just(Secret::Wrong([SECRET.as_bytes(), b"x"].concat())),
    ]
    .boxed()
}

fn route_answer() -> BoxedStrategy<RouteAnswer> {
    prop_oneof![
        4 => Just(RouteAnswer::Done),
        1 => Just(RouteAnswer::Reply),
        1 => Just(RouteAnswer::Rejected),
        1 => Just(RouteAnswer::DeadLetter),
        1 => Just(RouteAnswer::Failed),
        1 => Just(RouteAnswer::Unavailable),
        1 => Just(RouteAnswer::BadAnswer),
    ]
    .boxed()
}

fn before() -> BoxedStrategy<Before> {
    prop_oneof![
        4 => Just(Before::Nothing),
        1 => Just(Before::InFlight),
        1 => Just(Before::Done),
    ]
    .boxed()
}

/// Any JSON value, small.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinities", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

fn chat() -> BoxedStrategy<Value> {
    (
        prop_oneof![
            Just(-1_001_234_567_890_i64),
            Just(111_111_i64),
            any::<i64>()
        ],
        prop_oneof![
            Just("private"),
            Just("group"),
            Just("supergroup"),
            Just("channel"),
            Just("sender"),
            Just(""),
        ],
    )
        .prop_map(
            |(id, kind)| json!({"id": id, "type": kind, "title": "Lounge", "first_name": "Alice"}),
        )
        .boxed()
}

fn user() -> BoxedStrategy<Value> {
    (
        prop_oneof![Just(222_222_i64), any::<i64>()],
        any::<bool>(),
        proptest::option::of("[a-z]{2}(-[A-Z]{2})?"),
    )
        .prop_map(|(id, is_bot, lang)| {
            let mut u = json!({"id": id, "is_bot": is_bot, "first_name": "Boris"});
            if let Some(lang) = lang {
                u["language_code"] = json!(lang);
            }
            u
        })
        .boxed()
}

/// A message's text: commands for this bot, another bot, unknown ones, and plain text in any
/// script (entity offsets count UTF-16 units, so astral characters matter).
fn text() -> BoxedStrategy<String> {
    let command = prop_oneof![
        Just("start"),
        Just("help"),
        Just("protect"),
        Just("unprotect"),
        Just("status"),
        Just("settings"),
        Just("allow"),
        Just("nope"),
        Just(""),
    ];
    let target = prop_oneof![
        Just(String::new()),
        Just(format!("@{BOT}")),
        Just("@lambdagrambot".to_owned()),
        Just("@OtherBot".to_owned()),
        Just("@".to_owned()),
    ];
    prop_oneof![
        (command, target, ".{0,20}").prop_map(|(c, t, rest)| format!("/{c}{t} {rest}")),
        ".{0,40}",
        "[😀🦀ё ]{0,8}/[a-z@]{0,10}",
    ]
    .boxed()
}

fn entities(text_len: usize) -> BoxedStrategy<Value> {
    let kind = prop_oneof![
        Just("bot_command".to_owned()),
        Just("mention".to_owned()),
        Just("bold".to_owned()),
        ".{0,6}",
    ];
    let bound = text_len as i64 + 3;
    proptest::collection::vec(
        (
            kind,
            prop_oneof![-2..bound, any::<i64>()],
            prop_oneof![-2..bound, any::<i64>()],
        ),
        0..3,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(kind, offset, length)| json!({"type": kind, "offset": offset, "length": length}))
            .collect()
    })
    .boxed()
}

fn message() -> BoxedStrategy<Value> {
    (
        chat(),
        proptest::option::of(user()),
        proptest::option::of(chat()),
        text().prop_flat_map(|t| {
            let n = t.encode_utf16().count();
            (Just(t), entities(n))
        }),
        0..6u8,
        any::<i32>(),
    )
        .prop_map(
            |(chat, from, sender_chat, (text, entities), extra, message_id)| {
                let mut m = json!({"message_id": message_id, "date": NOW, "chat": chat});
                if let Some(from) = from {
                    m["from"] = from;
                }
                if let Some(sender_chat) = sender_chat {
                    m["sender_chat"] = sender_chat;
                }
                match extra {
                    0 => m["new_chat_members"] = json!([{"id": 5, "is_bot": false, "first_name": "N"}]),
                    1 => m["migrate_to_chat_id"] = json!(-1_009_999),
                    2 => m["migrate_from_chat_id"] = json!(-9_999),
                    3 => m["photo"] = json!([{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}]),
                    _ => {
                        m["text"] = json!(text);
                        m["entities"] = entities;
                    }
                }
                m
            },
        )
    .boxed()
}

fn member_change() -> BoxedStrategy<Value> {
    let status = prop_oneof![
        Just("member"),
        Just("left"),
        Just("kicked"),
        Just("restricted"),
        Just("administrator"),
        Just("creator"),
        Just("martian"),
    ];
    (chat(), user(), user(), status.clone(), status)
        .prop_map(|(chat, from, who, old, new)| {
            json!({"chat": chat, "from": from, "date": NOW,
               "old_chat_member": {"status": old, "user": who},
               "new_chat_member": {"status": new, "user": who, "is_member": true,
                                   "until_date": 0, "can_send_messages": false}})
        })
        .boxed()
}

fn callback_query() -> BoxedStrategy<Value> {
    let data = prop_oneof![
        Just("joined:222222".to_owned()),
        Just("set:a:m".to_owned()),
        Just("lift:all".to_owned()),
        ".{0,64}",
    ];
    (
        user(),
        proptest::option::of(message()),
        proptest::option::of(data),
    )
        .prop_map(|(from, message, data)| {
            let mut q = json!({"id": "42", "from": from, "chat_instance": "1"});
            if let Some(m) = message {
                q["message"] = m;
            }
            if let Some(d) = data {
                q["data"] = json!(d);
            }
            q
        })
        .boxed()
}

/// A Telegram-shaped update of any kind the Bot API sends (and one it does not).
fn update() -> BoxedStrategy<Value> {
    let id = prop_oneof![1..1000i64, any::<i64>()];
    let kind = prop_oneof![
        message().prop_map(|m| ("message", m)),
        message().prop_map(|m| ("edited_message", m)),
        message().prop_map(|m| ("channel_post", m)),
        callback_query().prop_map(|q| ("callback_query", q)),
        member_change().prop_map(|c| ("chat_member", c)),
        member_change().prop_map(|c| ("my_chat_member", c)),
        any_json().prop_map(|v| ("poll", v)),
        any_json().prop_map(|v| ("business_message", v)),
    ];
    (id, kind)
        .prop_map(|(id, (kind, body))| {
            let mut u = json!({ "update_id": id });
            u[kind] = body;
            u
        })
        .boxed()
}

/// Breaks an update: replaces the value at a random path (any depth) with any JSON value, or
/// removes it.
fn broken(update: Value, path: Vec<prop::sample::Index>, with: Option<Value>) -> Value {
    fn go(v: &mut Value, path: &[prop::sample::Index], with: Option<Value>) {
        let Some(obj) = v.as_object_mut() else {
            *v = with.unwrap_or(Value::Null);
            return;
        };
        if obj.is_empty() {
            return;
        }
        let key = obj
            .keys()
            .nth(path[0].index(obj.len()))
            .cloned()
            .expect("index within len");
        let child = obj.get_mut(&key).expect("key exists");
        if path.len() == 1 || !child.is_object() {
            match with {
                Some(w) => *child = w,
                None => {
                    obj.remove(&key);
                }
            }
        } else {
            go(child, &path[1..], with);
        }
    }
    let mut update = update;
    go(&mut update, &path, with);
    update
}

/// A request body: arbitrary bytes, a valid update, a broken one, or one past the size limit.
fn body() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..512),
        6 => update().prop_map(|u| u.to_string().into_bytes()),
        3 => (
            update(),
            proptest::collection::vec(any::<prop::sample::Index>(), 1..5),
            proptest::option::of(any_json()),
        )
            .prop_map(|(u, path, with)| broken(u, path, with).to_string().into_bytes()),
        1 => update().prop_map(|u| {
            // Telegram-shaped but too large (whitespace keeps it valid JSON).
            let mut body = u.to_string().into_bytes();
            body.resize(MAX_BODY + 1, b' ');
            body
        }),
        // Truncated JSON.
        1 => (update(), any::<prop::sample::Index>()).prop_map(|(u, cut)| {
            let mut body = u.to_string().into_bytes();
            body.truncate(cut.index(body.len()));
            body
        }),
    ]
    .boxed()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn ingress_answers_a_known_status_and_a_stranger_writes_nothing(
        body in body(),
        secret in secret(),
        answer in route_answer(),
        before in before(),
        down in down(),
    ) {
        let store = MemoryStore::new();
        let invoker = CountingInvoker {
            invoked: AtomicUsize::new(0),
            answer: Mutex::new(answer.clone()),
        };
        let config = IngressConfig::new(
            ROUTES,
            WebhookSecret::new(SECRET).expect("a valid secret"),
            BOT,
        );
        let flaky = FlakyStore { inner: store.clone(), down };
        let ingress = Ingress::new(config, flaky, &invoker);
        let rt = runtime();
        let update_id = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["update_id"].as_i64());
        rt.block_on(async {
            if let Some(id) = update_id {
                match before {
                    Before::Nothing => {}
                    Before::InFlight => {
                        store.claim(id, NOW - 1, 60).await.expect("claim");
                    }
                    Before::Done => {
                        let Claim::Acquired { token } =
                            store.claim(id, NOW - 10, 60).await.expect("claim")
                        else {
                            unreachable!("a fresh ledger grants the claim")
                        };
                        store.complete(id, &token, NOW - 5, 3600).await.expect("complete");
                    }
                }
            }
        });
        let ledger_before = store.ledger_len();

        let response = rt.block_on(ingress.handle(
            IngressRequest { secret_header: secret.header(), body: &body },
            NOW,
        ));

        let invoked = invoker.invoked.load(Ordering::SeqCst);
        let letters = rt
            .block_on(store.list(0, NOW))
            .expect("the memory store lists");
        prop_assert!(
            [200, 401, 413, 500, 503].contains(&response.status),
            "status {} for {:?}",
            response.status,
            response.outcome
        );
        prop_assert_eq!(response.status, response.outcome.status());
        if !matches!(secret, Secret::Right) {
            prop_assert_eq!(response.status, 401);
            prop_assert_eq!(response.outcome, Outcome::Unauthorized);
            prop_assert_eq!(store.ledger_len(), ledger_before, "a stranger wrote to the ledger");
            prop_assert!(letters.is_empty(), "a stranger wrote a dead letter");
            prop_assert_eq!(invoked, 0, "a stranger invoked a route");
            return Ok(());
        }
        if body.len() > MAX_BODY {
            prop_assert_eq!(response.outcome.clone(), Outcome::TooLarge);
        }
        // Invoked exactly when the outcome says a route ran, and only then.
        let ran = matches!(
            response.outcome,
            Outcome::Handled { .. }
                | Outcome::Rejected { .. }
                | Outcome::DeadLettered { .. }
                | Outcome::Failed { .. }
        );
        prop_assert_eq!(invoked, usize::from(ran), "{:?}", response.outcome);
        let side_effects = ROUTES
            .routes()
            .iter()
            .any(|r| Some(r.name) == response.outcome.route() && r.side_effects);
        if down.claim && side_effects {
            // No claim, no run: Telegram is told to come back.
            prop_assert!(
                matches!(response.outcome, Outcome::LedgerUnavailable { .. }),
                "{:?}",
                response.outcome
            );
        }
        if down.record && matches!(answer, RouteAnswer::DeadLetter) && ran {
            // A dead letter that cannot be kept is not given up silently: redelivered.
            prop_assert!(
                matches!(response.outcome, Outcome::Failed { .. }),
                "{:?}",
                response.outcome
            );
        }
        // A dead letter exactly for a dead-lettered update; a reply only when handled.
        prop_assert_eq!(
            letters.len(),
            usize::from(matches!(response.outcome, Outcome::DeadLettered { .. }))
        );
        prop_assert_eq!(
            response.reply.is_some(),
            matches!(response.outcome, Outcome::Handled { replied: true, .. })
        );
        if !ran {
            prop_assert_eq!(store.ledger_len(), ledger_before, "{:?}", response.outcome);
        }
        let settles = ran && !down.any() && !matches!(before, Before::InFlight);
        if let (Some(id), true) = (update_id, settles) {
            // The update is settled: done (redelivery is a duplicate) unless it failed (the
            // claim is released, so the redelivery runs at once).
            let again = rt.block_on(store.claim(id, NOW + 1, 60)).expect("claim");
            let failed = matches!(response.outcome, Outcome::Failed { .. });
            prop_assert_eq!(
                matches!(again, Claim::AlreadyDone),
                side_effects && !failed || matches!(before, Before::Done),
                "{:?} then {:?}",
                response.outcome,
                again
            );
        }
    }
}
