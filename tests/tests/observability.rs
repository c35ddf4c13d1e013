//! Observability agrees with the code: every custom metric the code emits (the constants in
//! `lambdagram::metrics::names`, each used somewhere in the code) is on the CloudWatch dashboard,
//! every custom metric on the dashboard or in an alarm is one the code emits, and the functions
//! really write them as EMF lines on stdout.

use std::collections::BTreeSet;
use std::path::Path;

use lambdagram::metrics::{names, NAMESPACE};
use lambdagram_e2e::cfn_yaml::{observability_template, template};
use lambdagram_e2e::paths::workspace;
use lambdagram_e2e::stack::Stack;
use serde_json::Value;

/// The observability template's resources of `kind`.
fn resources_of_type(kind: &str) -> Vec<(&'static str, &'static Value)> {
    observability_template()["Resources"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, r)| r["Type"] == kind)
                .map(|(id, r)| (id.as_str(), r))
                .collect()
        })
        .unwrap_or_default()
}

/// The dashboard's body as JSON, with `${…}` substitutions replaced by a placeholder.
fn dashboard() -> Value {
    let dashboards = resources_of_type("AWS::CloudWatch::Dashboard");
    let [(id, dashboard)] = dashboards.as_slice() else {
        panic!("template.yaml needs exactly one AWS::CloudWatch::Dashboard");
    };
    let body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
        .as_str()
        .unwrap_or_else(|| panic!("{id}: DashboardBody must be a !Sub string"));
    let mut plain = String::new();
    let mut rest = body;
    while let Some(start) = rest.find("${") {
        plain.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .unwrap_or_else(|| panic!("{id}: an unclosed ${{ in the body"));
        plain.push('X');
        rest = &rest[start + end + 1..];
    }
    plain.push_str(rest);
    serde_json::from_str(&plain).unwrap_or_else(|e| panic!("{id}: the body is not JSON: {e}"))
}

/// The custom metrics a widget shows: `["Lambdagram", "Name", …]` rows (and the `"."` rows that
/// repeat the namespace), and `SEARCH('{Lambdagram,…} MetricName="Name"', …)` expressions.
fn custom_metrics_on_dashboard() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for widget in dashboard()["widgets"].as_array().into_iter().flatten() {
        let mut namespace = String::new();
        for row in widget["properties"]["metrics"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let cells = row.as_array().map(Vec::as_slice).unwrap_or_default();
            match cells {
                [Value::String(ns), Value::String(name), ..] => {
                    if ns != "." && ns != "..." {
                        namespace = ns.clone();
                    }
                    if namespace == NAMESPACE {
                        found.insert(name.clone());
                    }
                }
                [Value::Object(o), ..] => {
                    let expr = o["expression"].as_str().unwrap_or_default();
                    let search = format!("{{{NAMESPACE},");
                    if expr.contains(&search) {
                        let name = expr
                            .split("MetricName=\"")
                            .nth(1)
                            .and_then(|r| r.split('"').next())
                            .unwrap_or_else(|| panic!("a SEARCH without MetricName: {expr}"));
                        found.insert(name.to_owned());
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// The `metrics.rs` files that declare metric names: the framework's and each bot's.
const METRICS_FILES: &[&str] = &["shared/src/metrics.rs", "bots/guard/src/metrics.rs"];

/// Every metric name the code may emit: the framework's and the bots'.
fn all_names() -> BTreeSet<&'static str> {
    names::ALL
        .iter()
        .chain(channel_guard::metrics::names::ALL)
        .copied()
        .collect()
}

/// `pub const NAME: &str = "Value";` in each `metrics::names`, by constant name.
fn named_constants() -> Vec<(String, String)> {
    let mut constants = Vec::new();
    for file in METRICS_FILES {
        let source = std::fs::read_to_string(workspace().join(file)).expect("read metrics.rs");
        let module = source
            .split("pub mod names {")
            .nth(1)
            .and_then(|m| m.split("\n}\n").next())
            .expect("the names module");
        constants.extend(module.lines().filter_map(|l| {
            let l = l.trim().strip_prefix("pub const ")?;
            let (name, rest) = l.split_once(": &str = \"")?;
            Some((name.to_owned(), rest.split('"').next()?.to_owned()))
        }));
    }
    constants
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of the framework, the bots and the functions, without the `metrics.rs` files.
fn function_code() -> Vec<(std::path::PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&workspace().join("shared/src"), &mut files);
    rust_files(&workspace().join("bots"), &mut files);
    rust_files(&workspace().join("functions"), &mut files);
    files
        .into_iter()
        .filter(|p| !p.ends_with("metrics.rs"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read source");
            (p, text)
        })
        .collect()
}

#[test]
fn the_dashboard_shows_exactly_the_metrics_the_code_emits() {
    let all: BTreeSet<String> = all_names().iter().map(|s| (*s).to_owned()).collect();
    let constants = named_constants();
    let declared: BTreeSet<String> = constants
        .iter()
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
        .collect();
    assert_eq!(
        declared, all,
        "every constant in a metrics::names is in its names::ALL"
    );

    // Emitted: each constant is used by the code that records metrics.
    let code = function_code();
    for (constant, value) in &constants {
        let used = code
            .iter()
            .any(|(_, text)| text.contains(&format!("names::{constant}")));
        assert!(
            used,
            "metrics::names::{constant} (\"{value}\") is never emitted: use it or remove it"
        );
    }
    // Nothing is emitted under a name that is not one of the constants.
    for (path, text) in &code {
        for pattern in [
            "metrics::count(\"",
            "metrics::millis(\"",
            ".count(\"",
            ".millis(\"",
        ] {
            assert!(
                !text.contains(pattern),
                "{}: metric names come from metrics::names, not string literals",
                path.display()
            );
        }
    }

    let on_dashboard = custom_metrics_on_dashboard();
    let missing: Vec<_> = all.difference(&on_dashboard).collect();
    let unknown: Vec<_> = on_dashboard.difference(&all).collect();
    assert!(missing.is_empty(), "add to the dashboard: {missing:?}");
    assert!(
        unknown.is_empty(),
        "the dashboard shows metrics no code emits: {unknown:?}"
    );
}

#[test]
fn alarms_watch_metrics_that_exist_and_notify_the_topic() {
    let all = all_names();
    let alarms = resources_of_type("AWS::CloudWatch::Alarm");
    assert!(alarms.len() >= 6, "the alarms the operators rely on");
    for (id, alarm) in alarms {
        let props = &alarm["Properties"];
        if props["Namespace"] == NAMESPACE {
            let name = props["MetricName"].as_str().unwrap_or_default();
            assert!(all.contains(name), "{id}: no code emits {name}");
            assert!(
                props.get("Dimensions").is_none(),
                "{id}: custom metrics are rolled up without dimensions; watch that series"
            );
        }
        assert_eq!(
            props["AlarmActions"],
            serde_json::json!([{"Ref": "AlarmTopic"}]),
            "{id}: AlarmActions: [!Ref AlarmTopic]"
        );
        assert_eq!(props["TreatMissingData"], "notBreaching", "{id}");
    }
}

/// The EMF documents a function wrote, as JSON.
fn emf_lines(logs: &str, function: &str) -> Vec<Value> {
    let prefix = format!("[{function}] ");
    logs.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("_aws").is_some())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_write_their_metrics_as_emf_on_stdout() {
    let stack = Stack::start().await;

    let d = stack.deliver_sample("01-private-start-en").await;
    assert_eq!(d.status, 200);
    let logs = stack.logs().await;

    let webhook = emf_lines(&logs, "webhook");
    let updates = webhook
        .iter()
        .find(|d| d["Route"] == "start")
        .unwrap_or_else(|| panic!("the webhook's metrics for the start route:\n{logs}"));
    assert_eq!(updates["Updates"], 1.0);
    assert!(updates["HandlerLatency"]
        .as_f64()
        .is_some_and(|ms| ms > 0.0));
    assert_eq!(
        updates["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        NAMESPACE
    );
    assert_eq!(
        updates["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        serde_json::json!([["Route"], []])
    );

    // Powertools' ColdStart, once per sandbox, by service and function.
    let cold: Vec<&Value> = webhook
        .iter()
        .filter(|d| d.get("ColdStart").is_some())
        .collect();
    assert_eq!(cold.len(), 1, "{webhook:?}");
    assert_eq!(cold[0]["ColdStart"], 1.0);
    assert_eq!(cold[0]["service"], "lambdagram");
    assert_eq!(cold[0]["function_name"], "webhook");
    assert_eq!(
        cold[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        serde_json::json!([["service", "function_name"]])
    );

    let start: Vec<Value> = emf_lines(&logs, "start")
        .into_iter()
        .filter(|d| d.get("ColdStart").is_none())
        .collect();
    assert_eq!(
        start.len(),
        1,
        "one document for the one call it made: {start:?}"
    );
    assert_eq!(start[0]["Method"], "sendMessage");
    assert_eq!(start[0]["Outcome"], "ok");
    assert_eq!(start[0]["BotApiCalls"], 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_logs_name_the_update_and_never_carry_the_text() {
    use channel_guard::config::{GroupConfig, LinkedChannel};
    use channel_guard::store::prelude::*;
    use fake_bot_api::{BORIS_ID, LOUNGE_ID, NEWS_ID, NEWS_USERNAME};

    let stack = Stack::start().await;
    let mut config = GroupConfig::new(LOUNGE_ID);
    config.enabled = true;
    config.link([LinkedChannel {
        id: NEWS_ID,
        title: "Lambdagram News".into(),
        username: Some(NEWS_USERNAME.into()),
        invite_link: None,
    }]);
    lambdagram::aws::DynamoStore::new(stack.dynamo.clone(), stack.table.clone())
        .save_group(&mut config, &[])
        .await
        .expect("protect the Lounge");
    let marker = "my-private-words-0815";
    let update = stack
        .fake
        .user_says(LOUNGE_ID, BORIS_ID, &format!("hello {marker}"))
        .expect("Boris writes");
    let update_id = update["update_id"].as_i64().expect("id");
    assert_eq!(stack.deliver(&update).await.status, 200);

    let logs = stack.logs().await;
    assert!(
        !logs.contains(marker),
        "logs leak the message text:\n{logs}"
    );
    assert!(!logs.contains(&stack.fake.token()), "logs leak the token");
    let done: Vec<Value> = logs
        .lines()
        .filter_map(|l| l.strip_prefix("[guard-message] "))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["message"] == "route done")
        .collect();
    let [line] = done.as_slice() else {
        panic!("one `route done` line from guard-message:\n{logs}");
    };
    let span = &line["span"];
    assert_eq!(span["route"], "guard-message", "{line}");
    assert_eq!(span["update_id"], update_id, "{line}");
    assert_eq!(span["chat_id"], LOUNGE_ID, "{line}");
    // Powertools for AWS Lambda's names.
    assert_eq!(span["service"], "lambdagram", "{line}");
    assert_eq!(span["function_name"], "guard-message", "{line}");
    assert_eq!(span["cold_start"], true, "{line}");
    let request_id = span["function_request_id"].as_str().unwrap_or_default();
    assert!(!request_id.is_empty(), "{line}");
    // The emulator's trace header (Lambda's X-Ray trace id, as the runtime hands it over).
    assert_eq!(
        span["xray_trace_id"],
        format!("Root=1-00000000-{request_id}"),
        "{line}"
    );
    assert_eq!(line["outcome"], "done", "{line}");
    assert!(line["duration_ms"].as_f64().is_some(), "{line}");
    assert_eq!(line["level"], "INFO", "{line}");
    println!(
        "a typical route log line: {} bytes",
        serde_json::to_string(line).map_or(0, |s| s.len())
    );

    let webhook: Vec<Value> = logs
        .lines()
        .filter_map(|l| l.strip_prefix("[webhook] "))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("span").is_some())
        .collect();
    assert!(!webhook.is_empty(), "the webhook logs in its span:\n{logs}");
    for line in &webhook {
        let span = &line["span"];
        assert_eq!(span["service"], "lambdagram", "{line}");
        assert_eq!(span["function_name"], "webhook", "{line}");
        assert!(
            span["function_request_id"]
                .as_str()
                .is_some_and(|r| !r.is_empty()),
            "{line}"
        );
        assert!(
            span["xray_trace_id"]
                .as_str()
                .is_some_and(|t| t.starts_with("Root=")),
            "{line}"
        );
        assert!(span["cold_start"].is_boolean(), "{line}");
    }

    let guard = emf_lines(&logs, "guard-message");
    let total = |name: &str| -> f64 { guard.iter().filter_map(|d| d[name].as_f64()).sum() };
    assert_eq!(total("MembershipCacheMisses"), 1.0);
    assert_eq!(total("RestrictionsImposed"), 1.0);
    assert_eq!(total("WarningsPosted"), 1.0);
    let methods: BTreeSet<String> = guard
        .iter()
        .filter(|d| d.get("BotApiCalls").is_some())
        .map(|d| {
            format!(
                "{}:{}",
                d["Method"].as_str().unwrap_or(""),
                d["Outcome"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        methods,
        [
            "deleteMessage:ok",
            "getChatAdministrators:ok",
            "getChatMember:ok",
            "restrictChatMember:ok",
            "sendMessage:ok"
        ]
        .map(String::from)
        .into_iter()
        .collect()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn even_rust_log_trace_prints_no_secret_and_no_token() {
    // Set by hand beyond what the template allows: the functions cap it at debug, the highest
    // level LogLevel offers.
    let allowed = &template()["Parameters"]["LogLevel"]["AllowedValues"];
    assert_eq!(
        allowed.as_array().and_then(|v| v.last()),
        Some(&"debug".into())
    );
    let stack = Stack::start_logging_at("trace").await;

    let start = stack.deliver_sample("01-private-start-en").await;
    let help = stack.deliver_sample("06-supergroup-help-at-bot").await;
    let wrong = stack.deliver_sample("17-wrong-secret-start").await;
    let malformed = stack.deliver_sample("18-malformed-body").await;
    assert_eq!(
        [start.status, help.status, wrong.status, malformed.status],
        [200, 200, 401, 200]
    );
    let logs = stack.logs().await;

    assert!(
        logs.contains("\"level\":\"DEBUG\""),
        "debug is on (the warm-ups log at debug):\n{logs}"
    );
    assert!(
        !logs.contains("\"level\":\"TRACE\""),
        "trace is capped:\n{logs}"
    );
    let wrong_secret = lambdagram_e2e::events::load("17-wrong-secret-start")
        .secret()
        .map(str::to_owned)
        .expect("the sample's wrong secret");
    for secret in [
        lambdagram_e2e::stack::SECRET.to_owned(),
        wrong_secret,
        stack.fake.token(),
    ] {
        assert!(!logs.contains(&secret), "logs leak {secret:?}:\n{logs}");
    }
}

/// Lambda's advanced logging controls set AWS_LAMBDA_LOG_LEVEL: it wins over RUST_LOG, and its
/// TRACE is capped at debug as RUST_LOG's is (no secret, no token, no message text).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_lambda_log_level_wins_over_rust_log_and_is_capped_too() {
    let quiet = Stack::start_with_lambda_log_level("debug", "WARN").await;
    assert_eq!(
        quiet.deliver_sample("01-private-start-en").await.status,
        200
    );
    let logs = quiet.logs().await;
    for level in ["DEBUG", "INFO"] {
        assert!(
            !logs.contains(&format!("\"level\":\"{level}\"")),
            "WARN from AWS_LAMBDA_LOG_LEVEL, not debug from RUST_LOG:\n{logs}"
        );
    }

    let loud = Stack::start_with_lambda_log_level("info", "TRACE").await;
    let marker = "my-private-words-4711";
    let update = loud
        .fake
        .user_says(
            fake_bot_api::ALICE_ID,
            fake_bot_api::ALICE_ID,
            &format!("/start {marker}"),
        )
        .expect("Alice writes");
    assert_eq!(loud.deliver(&update).await.status, 200);
    let logs = loud.logs().await;
    assert!(logs.contains("\"level\":\"DEBUG\""), "debug is on:\n{logs}");
    assert!(
        !logs.contains("\"level\":\"TRACE\""),
        "trace is capped:\n{logs}"
    );
    for secret in [
        lambdagram_e2e::stack::SECRET.to_owned(),
        loud.fake.token(),
        marker.to_owned(),
    ] {
        assert!(!logs.contains(&secret), "logs leak {secret:?}:\n{logs}");
    }
}
