//! `lambdagram export --user ID`, run as a real process against DynamoDB Local: it prints, for
//! every family of the bot's key map, exactly the user's items in the table (and nobody
//! else's), and why `/forget` keeps the kept families.

use lambdagram::aws::DynamoStore;
use lambdagram::flood::Limit;
use lambdagram::interaction_log::{InteractionLog, LogEntry};
use lambdagram::ports::{UserProfile, UserStore};
use lambdagram::ratelimit::RateCounter;
use serde_json::{json, Value};

const ANN: i64 = 7_001;
const BOB: i64 = 7_002;
const GROUP: i64 = -100_555;

fn entry(chat_id: i64, user_id: i64, update_id: i64) -> LogEntry {
    LogEntry {
        chat_id,
        user_id: Some(user_id),
        update_id,
        kind: "message",
        route: "start".into(),
        outcome: "handled".into(),
        at: 1_790_000_000 + update_id,
        expires_at: 1_792_592_000,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_prints_every_family_of_the_map_with_exactly_the_users_items() {
    let dynamo = lambdagram_e2e::dynamodb::client().await;
    let table = lambdagram_e2e::dynamodb::fresh_table(&dynamo).await;
    let endpoint = lambdagram_e2e::dynamodb::endpoint().await;
    let store = DynamoStore::new(dynamo.clone(), table.as_str());
    for (user, name) in [(ANN, "Ann"), (BOB, "Bob")] {
        let profile = UserProfile {
            user_id: user,
            first_name: name.into(),
            last_name: None,
            username: None,
            lang: lambdagram::i18n::EN,
        };
        store
            .record_visit(&profile, 1_790_000_000)
            .await
            .expect("visit");
        store
            .hit(
                "start",
                user,
                Limit {
                    max: 5,
                    window_secs: 10,
                },
                1_790_000_000,
            )
            .await
            .expect("count");
    }
    store.append(&entry(ANN, ANN, 1)).await.expect("log");
    store.append(&entry(GROUP, ANN, 2)).await.expect("log");
    store.append(&entry(GROUP, BOB, 3)).await.expect("log");

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"))
        .args([
            "export",
            "--bot",
            "guard",
            "--user",
            &ANN.to_string(),
            "--table",
            &table,
        ])
        .env_remove("TABLE_NAME")
        .env("AWS_ENDPOINT_URL_DYNAMODB", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .await
        .expect("run the lambdagram binary");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let export: Value = serde_json::from_slice(&out.stdout).expect("JSON");

    let items = lambdagram_e2e::dynamodb::scan_table(&dynamo, &table).await;
    let under = |pk: String| -> Vec<Value> {
        items
            .iter()
            .filter(|i| i["pk"] == json!(pk))
            .cloned()
            .collect()
    };
    assert_eq!(export["user"], json!(ANN));
    let families = export["families"].as_array().expect("families");
    let names: Vec<&str> = families
        .iter()
        .map(|f| f["family"].as_str().unwrap_or_default())
        .collect();
    let map: Vec<&str> = channel_guard::KEY_MAP
        .families
        .iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, map, "every family, in the map's order");
    let family = |name: &str| {
        families
            .iter()
            .find(|f| f["family"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(
        family("profile")["items"],
        json!(under(format!("USER#{ANN}")))
    );
    assert_eq!(
        family("log")["items"],
        json!(under(format!("LOGUSER#{ANN}")))
    );
    assert_eq!(
        family("log")["items"].as_array().map(Vec::len),
        Some(2),
        "her private entry and her group entry, not Bob's"
    );
    assert_eq!(
        family("rate")["items"],
        json!(under(format!("RATE#start#{ANN}")))
    );
    assert_eq!(family("subscriptions")["items"], json!([]));
    assert!(family("profile").get("kept_by_forget").is_none());
    assert!(family("restrictions")["kept_by_forget"]
        .as_str()
        .is_some_and(|why| why.contains("lift")));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&BOB.to_string()));
}
