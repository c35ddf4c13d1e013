//! The bridge's DynamoDB adapter on DynamoDB Local, where one function instance cannot reach:
//! appends racing for a chat's sequence (as concurrent inbound and API functions do).

use std::collections::BTreeSet;

use bridge::store::{append_entry, BridgeStore, Direction, Entry, Outcome};
use lambdagram::aws::DynamoStore;
use lambdagram::ports::StoreError;
use lambdagram_e2e::dynamodb;

const CHAT: i64 = -100_777;
const NOW: i64 = 1_790_000_000;

fn entry(message_id: i64) -> Entry {
    Entry {
        seq: 0,
        direction: Direction::In,
        message_id,
        from_id: 222_222,
        from_name: "Boris".to_owned(),
        text: format!("message {message_id}"),
        reply_to: None,
        at: NOW,
    }
}

/// `ids` appended at once, each from the chat as read before any of them; what each got.
async fn race(
    store: &DynamoStore,
    ids: impl Iterator<Item = i64>,
) -> Vec<(i64, Result<Outcome, StoreError>)> {
    let chat = store
        .chat(CHAT)
        .await
        .expect("read")
        .expect("a bridge chat");
    let tasks: Vec<_> = ids
        .map(|id| {
            let (store, chat) = (store.clone(), chat.clone());
            tokio::spawn(async move { (id, append_entry(&store, chat, entry(id), NOW).await) })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("the task"));
    }
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_appends_take_each_number_once_and_a_loser_past_its_retries_is_redelivered() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let store = DynamoStore::new(client.clone(), table.clone());
    store.open_chat(CHAT).await.expect("open");

    // Eight appends from the same stale read: every one races; each either wins a number or,
    // past its retries, fails as a conflict (transient: Telegram redelivers it).
    let first = race(&store, 1..=8).await;
    let mut stored = BTreeSet::new();
    let (mut won, mut lost) = (Vec::new(), Vec::new());
    for (id, outcome) in first {
        match outcome {
            Ok(Outcome::Stored(seq)) => {
                assert!(stored.insert(seq), "{seq} taken twice");
                won.push(id);
            }
            Err(StoreError::Conflict(_)) => lost.push(id),
            other => panic!("message {id}: {other:?}"),
        }
    }
    assert!(!won.is_empty());
    assert_eq!(
        stored,
        (1..=stored.len() as u64).collect(),
        "no number skipped"
    );
    // The redeliveries: the losers are stored; a winner delivered again is a duplicate. One
    // still racing its fellow redeliveries past its retries is delivered once more, alone.
    let redelivered = lost.iter().chain(won.iter().take(2)).copied();
    for (id, mut outcome) in race(&store, redelivered).await {
        if matches!(outcome, Err(StoreError::Conflict(_))) {
            outcome = race(&store, [id].into_iter()).await.remove(0).1;
        }
        match outcome {
            Ok(Outcome::Stored(seq)) if lost.contains(&id) => {
                assert!(stored.insert(seq), "{seq} taken twice")
            }
            Ok(Outcome::Duplicate) if won.contains(&id) => {}
            other => panic!("message {id} (won: {won:?}): {other:?}"),
        }
    }
    assert_eq!(
        stored,
        (1..=8).collect(),
        "each message once, numbers 1 to 8"
    );
    let chat = store.chat(CHAT).await.expect("read").expect("the chat");
    assert_eq!(chat.seq, 8);
    let entries = store.entries_after(CHAT, 0, 100).await.expect("entries");
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    let messages: BTreeSet<i64> = entries.iter().map(|e| e.message_id).collect();
    assert_eq!(messages, (1..=8).collect(), "every message, once");
    let items = dynamodb::scan_table(&client, &table).await;
    let markers = items
        .iter()
        .filter(|i| i["sk"].as_str().is_some_and(|sk| sk.starts_with("TG#")))
        .count();
    assert_eq!(
        markers, 8,
        "one marker per message, none for a lost attempt"
    );
}
