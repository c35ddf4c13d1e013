//! The session store (`lambdagram::state`) on DynamoDB Local and in memory: the same scenario
//! gives the same answers on both (versions, conflicts, expiry), two writers racing on one
//! version leave exactly one winner, and the DynamoDB item and requests are as documented.

use lambdagram::aws::DynamoStore;
use lambdagram::memory::MemoryStore;
use lambdagram::ports::StoreError;
use lambdagram::state::{get, put, StateKey, StateStore};
use lambdagram::time::Epoch;
use lambdagram_e2e::dynamodb;
use serde_json::json;

const T0: Epoch = 1_790_000_000;

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Draft {
    title: String,
    step: u32,
}

fn draft(step: u32) -> Draft {
    Draft {
        title: "Ада's {bot} draft".into(),
        step,
    }
}

fn outcome<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(StoreError::Conflict(_)) => "conflict".into(),
        Err(e) => format!("error {e}"),
    }
}

/// One scenario, every answer logged.
async fn scenario<S: StateStore>(store: &S) -> Vec<String> {
    let key = StateKey::session("draft", "42");
    let other = StateKey::session("draft", "43");
    let mut log = Vec::new();
    log.push(format!("{:?}", get::<Draft, _>(store, &key, T0).await));
    log.push(outcome(put(store, &key, &draft(1), None, 60, T0).await));
    log.push(format!("{:?}", get::<Draft, _>(store, &key, T0 + 1).await));
    // A second creator, and a writer with a version that never was.
    log.push(outcome(put(store, &key, &draft(9), None, 60, T0 + 1).await));
    log.push(outcome(
        put(store, &key, &draft(9), Some(7), 60, T0 + 1).await,
    ));
    log.push(outcome(
        put(store, &key, &draft(2), Some(1), 60, T0 + 2).await,
    ));
    // The writer still holding version 1 lost.
    log.push(outcome(
        put(store, &key, &draft(3), Some(1), 60, T0 + 3).await,
    ));
    log.push(outcome(store.discard(&key, 1, T0 + 3).await));
    log.push(outcome(store.discard(&key, 2, T0 + 3).await));
    log.push(format!("{:?}", get::<Draft, _>(store, &key, T0 + 3).await));
    log.push(outcome(store.discard(&key, 3, T0 + 3).await));
    // A new life of the key: its version carries on from the old one's.
    log.push(outcome(put(store, &key, &draft(1), None, 60, T0 + 4).await));
    log.push(outcome(
        put(store, &key, &draft(2), Some(2), 60, T0 + 4).await,
    ));
    // Expiry: readable until `expires_at`, absent from then on, and writable as absent.
    log.push(format!(
        "{:?}",
        get::<Draft, _>(store, &key, T0 + 63)
            .await
            .map(|r| r.version())
    ));
    log.push(format!("{:?}", get::<Draft, _>(store, &key, T0 + 64).await));
    log.push(outcome(
        put(store, &key, &draft(5), Some(4), 60, T0 + 64).await,
    ));
    log.push(outcome(store.discard(&key, 4, T0 + 64).await));
    log.push(outcome(
        put(store, &key, &draft(6), None, 60, T0 + 64).await,
    ));
    // A value of another type reads as unreadable, with the version to replace it at.
    log.push(outcome(put(store, &other, &"text", None, 60, T0).await));
    log.push(format!("{:?}", get::<Draft, _>(store, &other, T0).await));
    log
}

#[tokio::test]
async fn dynamodb_and_memory_answer_alike() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let dynamo = DynamoStore::new(client.clone(), table.clone());
    let on_dynamo = scenario(&dynamo).await;
    let in_memory = scenario(&MemoryStore::new()).await;
    assert_eq!(on_dynamo, in_memory);
    let expected_found = |step: u32, version: u64| {
        format!(
            "Ok(Found(Versioned {{ value: Draft {{ title: \"Ада's {{bot}} draft\", step: {step} }}, version: {version} }}))"
        )
    };
    assert_eq!(
        on_dynamo,
        vec![
            "Ok(Absent)".to_owned(),
            "ok 1".into(),
            expected_found(1, 1),
            "conflict".into(),
            "conflict".into(),
            "ok 2".into(),
            "conflict".into(),
            "conflict".into(),
            "ok ()".into(),
            "Ok(Absent)".into(),
            "conflict".into(),
            "ok 4".into(),
            "conflict".into(),
            "Ok(Some(4))".into(),
            "Ok(Absent)".into(),
            "conflict".into(),
            "conflict".into(),
            "ok 5".into(),
            "ok 1".into(),
            "Ok(Unreadable { version: 1 })".into(),
        ]
    );
    // The item: one per key, the JSON verbatim, the TTL attribute set.
    let items = dynamodb::scan_table(&client, &table).await;
    let draft = items
        .iter()
        .find(|i| i["pk"] == "STATE#draft#42")
        .expect("the draft's item");
    assert_eq!(
        draft,
        &json!({
            "pk": "STATE#draft#42",
            "sk": "STATE",
            "ver": 5,
            "body": "{\"title\":\"Ада's {bot} draft\",\"step\":6}",
            "expires_at": T0 + 124,
        })
    );
}

#[tokio::test]
async fn each_operation_is_one_request() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let store = DynamoStore::new(client, table);
    let key = StateKey::conversation(-100, 7);
    get::<Draft, _>(&store, &key, T0).await.expect("read");
    assert_eq!(store.calls().take(), (1, 0), "a read: one GetItem");
    put(&store, &key, &draft(1), None, 60, T0)
        .await
        .expect("created");
    assert_eq!(store.calls().take(), (0, 1), "a write: one UpdateItem");
    let conflict = put(&store, &key, &draft(1), None, 60, T0).await;
    assert!(matches!(conflict, Err(StoreError::Conflict(_))));
    assert_eq!(
        store.calls().take(),
        (0, 1),
        "a conflict: the same one request"
    );
    store.discard(&key, 1, T0).await.expect("discarded");
    assert_eq!(store.calls().take(), (0, 1), "a discard: one UpdateItem");
}

/// Two instances read the same version and write at once: exactly one wins, the other gets a
/// conflict, and the value is the winner's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_writers_on_one_version_exactly_one_wins() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let a = DynamoStore::new(client.clone(), table.clone());
    let b = DynamoStore::new(client, table);
    let key = StateKey::conversation(5, 5);
    for round in 0..5u32 {
        let read = get::<Draft, _>(&a, &key, T0).await.expect("read");
        let version = read.version();
        let (da, db) = (draft(100 + round), draft(200 + round));
        let (ra, rb) = tokio::join!(
            put(&a, &key, &da, version, 60, T0),
            put(&b, &key, &db, version, 60, T0),
        );
        let winners = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
        let conflicts = [&ra, &rb]
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
            .count();
        assert_eq!((winners, conflicts), (1, 1), "round {round}: {ra:?} {rb:?}");
        let stored = get::<Draft, _>(&b, &key, T0)
            .await
            .expect("read")
            .found()
            .expect("a value");
        let winner_step = if ra.is_ok() { 100 + round } else { 200 + round };
        assert_eq!(stored.value.step, winner_step, "round {round}");
        assert_eq!(Some(stored.version), version.map(|v| v + 1).or(Some(1)));
    }
}

mod conversation {
    //! A conversation on DynamoDB Local, each update run by a pipeline built for it on its own
    //! client (another instance, or the same one after a cold start): what waits is in the table.

    use super::*;
    use lambdagram::conversation::{ask, ConversationRoute, Steps, Turn, Waiting};
    use lambdagram::grants::CONVERSE;
    use lambdagram::pipeline::{run_once, Pipeline};
    use lambdagram::route::{HandlerError, RouteContext, RouteDeps};
    use lambdagram::route_api::{RouteRequest, RouteResponse};
    use lambdagram::routes::{Audience, Route, RouteTable, Trigger};
    use lambdagram::telegram::BotApi;
    use lambdagram::teloxide_core::types::Message;

    const TABLE: RouteTable = RouteTable::new(&[Route {
        name: "answer",
        trigger: Trigger::Conversation,
        help: None,
        audience: Audience::Everyone,
        side_effects: false,
        about: "a test route",
        grants: &[CONVERSE],
        middleware: &[],
    }]);

    /// Asks for a name, then for an age, then greets.
    struct Signup;
    impl<S: StateStore> Steps<S> for Signup {
        type Data = Vec<String>;

        fn ttl_secs(&self) -> i64 {
            60
        }

        async fn answer<'a>(
            &'a self,
            _ctx: &'a RouteContext<'a, S>,
            waiting: Waiting<Vec<String>>,
            message: &'a Message,
        ) -> Result<Turn<Vec<String>>, HandlerError> {
            let mut data = waiting.data;
            data.push(message.text().unwrap_or_default().to_owned());
            let text =
                |t: String| RouteResponse::reply("sendMessage", json!({"chat_id": 5, "text": t}));
            Ok(match waiting.step.as_str() {
                "name" => Turn::Ask {
                    step: "age".into(),
                    reply: text(format!("How old are you, {}?", data[0])),
                    data,
                },
                _ => Turn::Done(text(format!("Welcome, {} ({})", data[0], data[1]))),
            })
        }
    }

    async fn instance(table: &str) -> DynamoStore {
        DynamoStore::new(dynamodb::client().await, table.to_owned())
    }

    async fn answer(store: DynamoStore, id: i64, text: &str, now: Epoch) -> Option<String> {
        let update = json!({"update_id": id, "message": {
            "message_id": id, "date": 0, "text": text,
            "chat": {"id": 5, "type": "private", "first_name": "A"},
            "from": {"id": 5, "is_bot": false, "first_name": "A"}
        }})
        .to_string();
        let deps = RouteDeps {
            bot: BotApi::new("1:x", "http://127.0.0.1:9").expect("client"),
            store,
            bot_username: "TestBot".into(),
        };
        let pipeline =
            Pipeline::new(TABLE, "answer", &[], ConversationRoute(Signup)).expect("declared");
        let request = RouteRequest {
            route: "answer".into(),
            update: serde_json::value::RawValue::from_string(update).expect("json"),
        };
        let deadline = lambdagram::time::now_ms() + 20_000;
        let response = run_once(&deps, &pipeline, request, now, deadline)
            .await
            .expect("handled");
        response
            .reply
            .and_then(|r| r["text"].as_str().map(str::to_owned))
    }

    #[tokio::test]
    async fn a_conversation_goes_on_in_other_instances_and_expires() {
        let client = dynamodb::client().await;
        let table = dynamodb::fresh_table(&client).await;
        let first = instance(&table).await;
        let waiting = Waiting {
            conversation: "signup".to_owned(),
            step: "name".to_owned(),
            data: Vec::<String>::new(),
            answered: None,
            reply: None,
        };
        ask(&first, 5, 5, &waiting, 60, T0).await.expect("asked");
        assert_eq!(
            first.calls().take(),
            (1, 1),
            "asking: one GetItem, one UpdateItem"
        );
        let second = instance(&table).await;
        assert_eq!(
            answer(second.clone(), 1, "Ada", T0 + 1).await.as_deref(),
            Some("How old are you, Ada?")
        );
        assert_eq!(
            second.calls().take(),
            (1, 1),
            "an answer: one GetItem, one UpdateItem"
        );
        assert_eq!(
            answer(instance(&table).await, 2, "36", T0 + 2)
                .await
                .as_deref(),
            Some("Welcome, Ada (36)")
        );
        let after = instance(&table).await;
        assert_eq!(answer(after.clone(), 3, "again", T0 + 3).await, None);
        assert_eq!(
            after.calls().take(),
            (1, 0),
            "no conversation: the GetItem alone"
        );
        // A question left unanswered past its TTL is abandoned.
        ask(&first, 5, 5, &waiting, 60, T0 + 10)
            .await
            .expect("asked");
        assert_eq!(
            answer(instance(&table).await, 4, "Ada", T0 + 70).await,
            None
        );
    }
}
