//! `bots/bridge/template.yaml`, the bridge's own stack, agrees with its route table
//! (`bridge::ROUTES`) and endpoints (`bridge::ENDPOINTS`): one function per route and endpoint
//! plus its webhook and its job, the webhook wired to exactly the route functions, the API's function reached
//! at exactly its paths with exactly its grants, and `sam build` building the bridge's crates
//! only. Expectations come from the table, never from a list written here.

use std::collections::BTreeSet;

use bridge::{ENDPOINTS, JOBS, ROUTES};
use lambdagram_e2e::cfn_yaml::bridge_template;
use lambdagram_e2e::paths::workspace;
use serde_json::{json, Map, Value};

const WEBHOOK: &str = "bridge-webhook";

fn resources() -> &'static Map<String, Value> {
    bridge_template()["Resources"]
        .as_object()
        .expect("a Resources mapping")
}

/// Every function by its binary.
fn functions() -> Vec<(&'static str, &'static str, &'static Value)> {
    resources()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, r)| {
            let binary = r["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap_or_else(|| panic!("{id}: BuildProperties.Binary"));
            (id.as_str(), binary, r)
        })
        .collect()
}

fn function(binary: &str) -> (&'static str, &'static Value) {
    let found: Vec<_> = functions()
        .into_iter()
        .filter(|(_, b, _)| *b == binary)
        .collect();
    assert_eq!(found.len(), 1, "one function builds {binary}");
    (found[0].0, found[0].2)
}

#[test]
fn every_route_and_endpoint_has_one_function_and_nothing_else_has_one() {
    let mut expected: BTreeSet<&str> = ROUTES.iter().map(|r| r.name).collect();
    expected.extend(ENDPOINTS.iter().map(|e| e.name));
    expected.extend(JOBS.iter().map(|j| j.name));
    expected.insert(WEBHOOK);
    let built: BTreeSet<&str> = functions().iter().map(|(_, b, _)| *b).collect();
    assert_eq!(built, expected);
    for binary in &expected {
        assert!(
            workspace()
                .join("functions")
                .join(binary)
                .join("Cargo.toml")
                .exists(),
            "functions/{binary} is the crate of its function"
        );
    }
}

#[test]
fn each_job_runs_on_exactly_its_schedule() {
    for job in JOBS {
        let (id, function) = function(job.name);
        let events: Vec<&Value> = function["Properties"]["Events"]
            .as_object()
            .expect("events")
            .values()
            .collect();
        assert_eq!(events.len(), 1, "{id}");
        assert_eq!(events[0]["Type"], "Schedule");
        assert_eq!(events[0]["Properties"]["Schedule"], job.schedule);
    }
}

#[test]
fn the_webhook_names_and_may_invoke_exactly_the_route_functions() {
    let (_, webhook) = function(WEBHOOK);
    let env = webhook["Properties"]["Environment"]["Variables"]
        .as_object()
        .expect("variables");
    let routes: BTreeSet<String> = env
        .keys()
        .filter(|k| k.starts_with("ROUTE_FUNCTION_"))
        .cloned()
        .collect();
    let expected: BTreeSet<String> = ROUTES.iter().map(|r| r.function_env_var()).collect();
    assert_eq!(routes, expected);
    for route in ROUTES {
        let (id, _) = function(route.name);
        assert_eq!(env[&route.function_env_var()], json!({ "Ref": id }));
    }
    let statements = webhook["Properties"]["Policies"]
        .as_array()
        .expect("policies")
        .iter()
        .flat_map(|p| p["Statement"].as_array().cloned().unwrap_or_default())
        .collect::<Vec<_>>();
    let invoke = statements
        .iter()
        .find(|s| s["Sid"] == "InvokeRouteFunctions")
        .expect("the webhook invokes the routes");
    let arns: BTreeSet<String> = invoke["Resource"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["Fn::GetAtt"][0].as_str().expect("GetAtt").to_owned())
        .collect();
    let expected: BTreeSet<String> = ROUTES
        .iter()
        .map(|r| function(r.name).0.to_owned())
        .collect();
    assert_eq!(arns, expected, "and only the route functions, not the API");
}

#[test]
fn the_api_is_reached_at_exactly_its_paths_with_exactly_its_grants() {
    for endpoint in ENDPOINTS {
        let (id, api) = function(endpoint.name);
        let events: BTreeSet<(String, String)> = api["Properties"]["Events"]
            .as_object()
            .expect("events")
            .values()
            .map(|e| {
                assert_eq!(e["Type"], "HttpApi", "{id}");
                assert_eq!(e["Properties"]["ApiId"], json!({ "Ref": "HttpApi" }));
                (
                    e["Properties"]["Method"]
                        .as_str()
                        .expect("method")
                        .to_owned(),
                    e["Properties"]["Path"].as_str().expect("path").to_owned(),
                )
            })
            .collect();
        let expected: BTreeSet<(String, String)> = endpoint
            .routes
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        assert_eq!(events, expected, "{id}");
        // Held reads are capped by the stack's parameter, reserved only when it is set.
        assert_eq!(
            api["Properties"]["ReservedConcurrentExecutions"],
            json!({"Fn::If": ["ApiConcurrencyReserved", {"Ref": "ApiMaxConcurrency"}, {"Ref": "AWS::NoValue"}]}),
            "{id}"
        );
        assert_eq!(
            bridge_template()["Conditions"]["ApiConcurrencyReserved"],
            json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "ApiMaxConcurrency"}, "0"]}]})
        );
        assert_eq!(
            bridge_template()["Parameters"]["ApiMaxConcurrency"]["Default"],
            0
        );
        // Each grant is a managed policy the function attaches, or (taken by it alone) an
        // inline statement with the grant's name as its Sid.
        let policies: BTreeSet<String> = api["Properties"]["Policies"]
            .as_array()
            .expect("policies")
            .iter()
            .flat_map(|p| match p["Ref"].as_str() {
                Some(name) => vec![name.to_owned()],
                None => p["Statement"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["Sid"].as_str().map(|sid| format!("{sid}Policy")))
                    .collect(),
            })
            .collect();
        let mut expected: BTreeSet<String> = endpoint
            .grants
            .iter()
            .map(|g| format!("{}Policy", g.name))
            .collect();
        expected.extend(["ReadBotTokenPolicy".into(), "TableConnectionPolicy".into()]);
        assert_eq!(policies, expected, "{id}: its grants, attached or inline");
        assert!(
            !policies.contains("ManageBridgeKeysPolicy"),
            "a key can never issue or revoke keys"
        );
    }
}

#[test]
fn the_bridge_builds_its_own_crates_only() {
    for (id, binary, _) in functions() {
        let out = std::process::Command::new("make")
            .arg("-n")
            .arg(format!("build-{id}"))
            .current_dir(workspace().join("bots/bridge"))
            .env("ARTIFACTS_DIR", "/artifacts")
            .env("LAMBDA_TARGET_DIR", "/lambda-target")
            .output()
            .expect("run make (GNU make must be installed: apt-get install make)");
        assert!(out.status.success(), "make -n build-{id}");
        let commands = String::from_utf8_lossy(&out.stdout);
        let cargo: Vec<&str> = commands
            .lines()
            .filter(|l| l.contains("cargo lambda build"))
            .collect();
        assert_eq!(cargo.len(), 1, "{id}: one cargo run:\n{commands}");
        let crates: Vec<&str> = cargo[0]
            .split(" -p ")
            .skip(1)
            .map(|c| c.split_whitespace().next().unwrap_or_default())
            .collect();
        assert!(
            !crates.is_empty() && crates.iter().all(|c| c.starts_with("bridge-")),
            "{id}: {crates:?}"
        );
        assert!(crates.contains(&binary), "{id}: builds {binary}");
        assert!(
            commands.contains(&format!(
                "cp '/lambda-target/lambda/{binary}/bootstrap' '/artifacts/bootstrap'"
            )),
            "{id}: copies {binary}'s bootstrap:\n{commands}"
        );
    }
}
