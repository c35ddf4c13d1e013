//! `template.yaml` agrees with the route table (`channel_guard::ROUTES`) and the scheduled
//! jobs (`channel_guard::JOBS`): one function per route and per job, the webhook wired to
//! exactly the route functions, each job run by exactly its schedule, secrets only by SSM
//! parameter name, and the build and runtime settings every function shares. Every failure says
//! what to add.
//!
//! Expectations come from `ROUTES` and `JOBS`, never from a list written here, so adding a route
//! or a job makes these tests fail until the template has its function (and, for a route, its
//! variable and invoke permission; for a job, its schedule).

use std::collections::{BTreeMap, BTreeSet};

use channel_guard::JOBS;
use channel_guard::ROUTES;
use lambdagram::routes::Route;
use lambdagram_e2e::paths::workspace;
use serde_json::{json, Map, Value};

const WEBHOOK_BINARY: &str = "webhook";
const FUNCTION_TYPE: &str = "AWS::Serverless::Function";

// ---------------------------------------------------------------------------------------------
// Reading the template
// ---------------------------------------------------------------------------------------------

/// `template.yaml` as JSON, with CloudFormation short tags in their long form (`!Ref X` →
/// `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub s` → `{"Fn::Sub": s}`).
fn template() -> &'static Value {
    lambdagram_e2e::cfn_yaml::template()
}

/// The observability template's resources (infra/observability.yaml: alarms, topic, dashboard).
fn observability_resources() -> &'static Map<String, Value> {
    lambdagram_e2e::cfn_yaml::observability_template()["Resources"]
        .as_object()
        .expect("infra/observability.yaml needs a Resources mapping")
}

fn resources() -> &'static Map<String, Value> {
    template()["Resources"]
        .as_object()
        .expect("template.yaml needs a Resources mapping")
}

/// Every `AWS::Serverless::Function`, by logical id.
fn functions() -> Vec<(&'static str, &'static Value)> {
    resources()
        .iter()
        .filter(|(_, r)| r["Type"] == FUNCTION_TYPE)
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// The binary `sam build` (cargo lambda) builds for a function.
fn binary(function: &Value) -> Option<&str> {
    function["Metadata"]["BuildProperties"]["Binary"].as_str()
}

/// `UnknownCommandFunction` for `unknown-command`: the logical id suggested in messages.
fn suggested_id(binary: &str) -> String {
    let mut id: String = binary
        .split(['-', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    id.push_str("Function");
    id
}

/// The one function whose binary is `name`, or a failure saying what to add.
fn function_with_binary(name: &str) -> (&'static str, &'static Value) {
    let found: Vec<_> = functions()
        .into_iter()
        .filter(|(_, f)| binary(f) == Some(name))
        .collect();
    match found.as_slice() {
        [one] => *one,
        [] => panic!(
            "template.yaml has no function for binary `{name}`: add a resource `{}` of Type \
             {FUNCTION_TYPE} with Metadata: {{BuildMethod: makefile, BuildProperties: \
             {{Binary: {name}}}}} and CodeUri: .",
            suggested_id(name)
        ),
        many => panic!(
            "template.yaml has {} functions for binary `{name}` ({:?}): keep exactly one",
            many.len(),
            many.iter().map(|(id, _)| id).collect::<Vec<_>>()
        ),
    }
}

/// A function property, falling back to `Globals.Function` as SAM does.
fn property<'a>(function: &'a Value, key: &str) -> Option<&'a Value> {
    function["Properties"]
        .get(key)
        .or_else(|| template()["Globals"]["Function"].get(key))
}

/// The function's environment: `Globals.Function` variables overridden by its own, as SAM merges.
fn environment(function: &Value) -> BTreeMap<&str, &Value> {
    let vars = |v: &'static Value| -> Vec<(&'static str, &'static Value)> {
        v["Environment"]["Variables"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .unwrap_or_default()
    };
    let mut env: BTreeMap<&str, &Value> = vars(&template()["Globals"]["Function"])
        .into_iter()
        .collect();
    if let Some(own) = function["Properties"]["Environment"]["Variables"].as_object() {
        env.extend(own.iter().map(|(k, v)| (k.as_str(), v)));
    }
    env
}

/// A value that may be one item or a list of them (IAM `Statement`, `Action`, `Resource`).
fn one_or_many(value: &Value) -> Vec<&Value> {
    match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// The statements of the function's policies: its inline documents and the managed policies of
/// the template it attaches (`- !Ref SomePolicy`).
fn statements(function: &Value) -> Vec<&Value> {
    one_or_many(&function["Properties"]["Policies"])
        .into_iter()
        .flat_map(|policy| match policy["Ref"].as_str() {
            Some(id) => resources().get(id).map_or_else(Vec::new, |managed| {
                one_or_many(&managed["Properties"]["PolicyDocument"]["Statement"])
            }),
            None => one_or_many(&policy["Statement"]),
        })
        .collect()
}

/// Whether an IAM action pattern (`*` and `?` wildcards, case-insensitive) covers `action`.
fn action_matches(pattern: &str, action: &str) -> bool {
    fn glob(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
            (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => glob(&p[1..], &s[1..]),
            _ => false,
        }
    }
    glob(pattern.as_bytes(), action.as_bytes())
}

fn allows(statement: &Value, action: &str) -> bool {
    statement["Effect"] == "Allow"
        && one_or_many(&statement["Action"])
            .iter()
            .filter_map(|a| a.as_str())
            .any(|pattern| action_matches(pattern, action))
}

/// The `name` under `[package]` in a Cargo.toml.
fn package_name(manifest: &str) -> Option<&str> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            let value = line.strip_prefix("name").map(str::trim_start);
            if let Some(value) = value.and_then(|v| v.strip_prefix('=')) {
                return Some(value.trim().trim_matches('"'));
            }
        }
    }
    None
}

fn route_function_ids() -> BTreeMap<&'static str, &'static str> {
    ROUTES
        .iter()
        .map(|r| (r.name, function_with_binary(r.name).0))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Functions agree with the route table
// ---------------------------------------------------------------------------------------------

#[test]
fn every_route_has_one_function_and_one_crate() {
    for route in ROUTES {
        function_with_binary(route.name);
        let manifest_path = workspace()
            .join("functions")
            .join(route.name)
            .join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest_path).unwrap_or_else(|_| {
            panic!(
                "route `{0}` has no crate: add functions/{0}/Cargo.toml (package `{0}`) whose \
                 main.rs calls lambdagram::lambda::run_route",
                route.name
            )
        });
        assert_eq!(
            package_name(&manifest),
            Some(route.name),
            "{}: the package must be named `{}` (the route's name is its binary's name)",
            manifest_path.display(),
            route.name
        );
    }
}

#[test]
fn every_function_is_the_webhook_a_route_or_a_job() {
    for (id, function) in functions() {
        let name = binary(function).unwrap_or_else(|| {
            panic!("{id}: add Metadata.BuildProperties.Binary (the function crate's name)")
        });
        assert!(
            name == WEBHOOK_BINARY
                || ROUTES.iter().any(|r| r.name == name)
                || JOBS.iter().any(|j| j.name == name),
            "{id} builds binary `{name}`, which is neither `{WEBHOOK_BINARY}`, a route in ROUTES \
             nor a job in JOBS: add it to ROUTES or JOBS in bots/guard/src/routes.rs, or remove \
             the function"
        );
    }
}

#[test]
fn every_job_has_one_function_one_crate_and_exactly_its_schedule() {
    for job in JOBS {
        assert!(
            !ROUTES.iter().any(|r| r.name == job.name) && job.name != WEBHOOK_BINARY,
            "job `{}` shares its name with a route or the webhook: rename it",
            job.name
        );
        let (id, function) = function_with_binary(job.name);
        let manifest_path = workspace()
            .join("functions")
            .join(job.name)
            .join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest_path).unwrap_or_else(|_| {
            panic!(
                "job `{0}` has no crate: add functions/{0}/Cargo.toml (package `{0}`) whose \
                 main.rs calls lambdagram::lambda::run_job",
                job.name
            )
        });
        assert_eq!(
            package_name(&manifest),
            Some(job.name),
            "{}: the package must be named `{}`",
            manifest_path.display(),
            job.name
        );
        let events: Vec<&Value> = function["Properties"]["Events"]
            .as_object()
            .map(|m| m.values().collect())
            .unwrap_or_default();
        let [event] = events.as_slice() else {
            panic!(
                "{id}: needs exactly one event, `Type: Schedule` with Schedule: {} (found {})",
                job.schedule,
                events.len()
            );
        };
        assert_eq!(
            (&event["Type"], &event["Properties"]["Schedule"]),
            (&json!("Schedule"), &json!(job.schedule)),
            "{id}: its event must be `Type: Schedule` with Schedule: {} (from JOBS)",
            job.schedule
        );
        assert!(
            event["Properties"]
                .get("Enabled")
                .is_none_or(|e| *e == json!(true))
                && event["Properties"]
                    .get("State")
                    .is_none_or(|s| *s == json!("ENABLED")),
            "{id}: its schedule is disabled"
        );
        let (webhook_id, webhook) = function_with_binary(WEBHOOK_BINARY);
        let arn = json!({ "Fn::GetAtt": [id, "Arn"] });
        assert!(
            !statements(webhook)
                .into_iter()
                .filter(|s| allows(s, "lambda:InvokeFunction"))
                .flat_map(|s| one_or_many(&s["Resource"]))
                .any(|r| *r == arn),
            "{webhook_id}: must not be allowed to invoke {id} (job `{}` runs by its schedule only)",
            job.name
        );
        assert!(
            !environment(webhook)
                .values()
                .any(|v| **v == json!({ "Ref": id })),
            "{webhook_id}: must not name {id} in its environment (job `{}` is not a route)",
            job.name
        );
    }
}

#[test]
fn the_webhook_function_exists() {
    let (id, _) = function_with_binary(WEBHOOK_BINARY);
    assert!(
        !ROUTES.iter().any(|r| r.name == WEBHOOK_BINARY),
        "no route may be named `{WEBHOOK_BINARY}` ({id} is the webhook)"
    );
}

#[test]
fn the_webhook_names_exactly_the_route_functions() {
    let (webhook_id, webhook) = function_with_binary(WEBHOOK_BINARY);
    let env = environment(webhook);
    let expected: BTreeSet<String> = ROUTES.iter().map(Route::function_env_var).collect();
    for route in ROUTES {
        let var = route.function_env_var();
        let function_id = function_with_binary(route.name).0;
        assert_eq!(
            env.get(var.as_str()).copied(),
            Some(&json!({ "Ref": function_id })),
            "{webhook_id}: add `{var}: !Ref {function_id}` to Environment.Variables (the webhook \
             reads route `{}`'s function name from it)",
            route.name
        );
    }
    let extra: Vec<_> = env
        .keys()
        .filter(|k| k.starts_with("ROUTE_FUNCTION_") && !expected.contains(**k))
        .collect();
    assert!(
        extra.is_empty(),
        "{webhook_id}: remove {extra:?}: no route in ROUTES uses them"
    );
}

#[test]
fn the_webhook_may_invoke_exactly_the_route_functions() {
    let (webhook_id, webhook) = function_with_binary(WEBHOOK_BINARY);
    for policy in one_or_many(&webhook["Properties"]["Policies"]) {
        assert!(
            policy.get("LambdaInvokePolicy").is_none(),
            "{webhook_id}: replace the LambdaInvokePolicy template (it grants `name*`) with an \
             inline statement allowing lambda:InvokeFunction on !GetAtt <Function>.Arn"
        );
    }
    let invocable: Vec<&Value> = statements(webhook)
        .into_iter()
        .filter(|s| allows(s, "lambda:InvokeFunction"))
        .flat_map(|s| one_or_many(&s["Resource"]))
        .collect();
    let expected = route_function_ids();
    for (route, function_id) in &expected {
        assert!(
            invocable.contains(&&json!({ "Fn::GetAtt": [function_id, "Arn"] })),
            "{webhook_id}: add `!GetAtt {function_id}.Arn` to the Resource of its \
             lambda:InvokeFunction statement (route `{route}`)"
        );
    }
    let allowed: Vec<Value> = expected
        .values()
        .map(|id| json!({ "Fn::GetAtt": [id, "Arn"] }))
        .collect();
    let extra: Vec<_> = invocable.iter().filter(|r| !allowed.contains(r)).collect();
    assert!(
        extra.is_empty(),
        "{webhook_id}: lambda:InvokeFunction must name only the route functions; remove {extra:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Secrets and shared settings
// ---------------------------------------------------------------------------------------------

#[test]
fn secrets_reach_functions_only_as_ssm_parameter_names() {
    for (id, function) in functions() {
        let env = environment(function);
        for plaintext in ["BOT_TOKEN", "WEBHOOK_SECRET"] {
            assert!(
                !env.contains_key(plaintext),
                "{id}: remove {plaintext} from the environment; set {plaintext}_PARAMETER to the \
                 SSM SecureString's name instead (read at cold start)"
            );
        }
        // The webhook needs the webhook secret; route functions need the bot token.
        let (variable, parameter) = if binary(function) == Some(WEBHOOK_BINARY) {
            ("WEBHOOK_SECRET_PARAMETER", "WebhookSecretParameter")
        } else {
            ("BOT_TOKEN_PARAMETER", "BotTokenParameter")
        };
        assert_eq!(
            env.get(variable).copied(),
            Some(&json!({ "Ref": parameter })),
            "{id}: add `{variable}: !Ref {parameter}` to Environment.Variables"
        );
    }
}

#[test]
fn the_webhook_may_read_exactly_its_secret_and_the_next_one_a_rotation_writes() {
    let (id, webhook) = function_with_binary(WEBHOOK_BINARY);
    let reads: Vec<_> = statements(webhook)
        .into_iter()
        .filter(|s| allows(s, "ssm:GetParameter"))
        .collect();
    let arn = |suffix: &str| {
        json!({ "Fn::Sub": format!(
            "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter${{WebhookSecretParameter}}{suffix}"
        ) })
    };
    assert_eq!(reads.len(), 1, "{id}: one ssm:GetParameter statement");
    assert_eq!(
        reads[0]["Resource"],
        json!([arn(""), arn("/next")]),
        "{id}: the secret and lambdagram::secret::next_parameter's, nothing else"
    );
}

#[test]
fn functions_with_table_access_and_only_they_may_describe_the_table_at_cold_start() {
    let policy = &resources()["TableConnectionPolicy"];
    assert_eq!(policy["Type"], "AWS::IAM::ManagedPolicy");
    assert_eq!(
        policy["Properties"]["PolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Action": "dynamodb:DescribeTimeToLive",
            "Resource": {"Fn::GetAtt": ["State", "Outputs.TableArn"]}
        }]),
        "DescribeTimeToLive on the state table, nothing else"
    );
    for (id, function) in functions() {
        let uses_table = statements(function).iter().any(|s| {
            allows(s, "dynamodb:BatchGetItem")
                || allows(s, "dynamodb:PutItem")
                || allows(s, "dynamodb:UpdateItem")
                || allows(s, "dynamodb:Query")
        });
        let attached = one_or_many(&function["Properties"]["Policies"])
            .contains(&&json!({"Ref": "TableConnectionPolicy"}));
        assert_eq!(
            attached, uses_table,
            "{id}: `- !Ref TableConnectionPolicy` belongs in Policies exactly when the function \
             uses the table (its cold start opens the connection with DescribeTimeToLive)"
        );
    }
}

#[test]
fn every_function_is_an_arm64_al2023_cargo_lambda_build() {
    for (id, function) in functions() {
        assert_eq!(
            property(function, "Runtime"),
            Some(&json!("provided.al2023")),
            "{id}: set Runtime: provided.al2023 (on the function or in Globals.Function)"
        );
        assert_eq!(
            property(function, "Architectures"),
            Some(&json!(["arm64"])),
            "{id}: set Architectures: [arm64] (on the function or in Globals.Function)"
        );
        assert_eq!(
            property(function, "Handler"),
            Some(&json!("bootstrap")),
            "{id}: set Handler: bootstrap (the name cargo lambda gives the binary)"
        );
        assert_eq!(
            function["Metadata"]["BuildMethod"], "makefile",
            "{id}: add Metadata.BuildMethod: makefile (the workspace's Makefile builds every function)"
        );
        assert_eq!(
            property(function, "CodeUri"),
            Some(&json!(".")),
            "{id}: set CodeUri: . (the workspace root, where the Makefile is)"
        );
    }
}

/// What `make build-<id>` (SAM's makefile build) would run, without running it.
fn make_dry_run(id: &str) -> String {
    let out = std::process::Command::new("make")
        .arg("-n")
        .arg("-f")
        .arg(workspace().join("Makefile"))
        .arg(format!("build-{id}"))
        .env("ARTIFACTS_DIR", "/artifacts")
        .env("LAMBDA_TARGET_DIR", "/lambda-target")
        .output()
        .expect("run make (GNU make must be installed: apt-get install make)");
    assert!(
        out.status.success(),
        "make -n build-{id} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn the_makefile_builds_every_function_in_one_cargo_run_and_copies_its_binary() {
    // The guard's crates: every function crate but the bridge's (bridge-*, its own stack).
    let crates: Vec<String> = std::fs::read_dir(workspace().join("functions"))
        .expect("functions/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("bridge-"))
        .collect();
    for (id, function) in functions() {
        let name = binary(function).expect("Binary");
        let commands = make_dry_run(id);
        let cargo: Vec<&str> = commands
            .lines()
            .filter(|l| l.contains("cargo lambda build"))
            .collect();
        assert_eq!(cargo.len(), 1, "{id}: one cargo invocation:\n{commands}");
        assert!(
            cargo[0].contains("--release --arm64 --locked"),
            "{id}: {}",
            cargo[0]
        );
        for krate in &crates {
            assert!(
                cargo[0].contains(&format!(" -p {krate}")),
                "{id}: the one cargo run must build every function crate, {krate} too: {}",
                cargo[0]
            );
        }
        assert!(
            !cargo[0].contains(" -p bridge-"),
            "{id}: the guard's stack builds no bridge function: {}",
            cargo[0]
        );
        assert!(
            commands.contains("flock '/lambda-target/.build.lock'"),
            "{id}: parallel SAM builds must not run cargo side by side:\n{commands}"
        );
        assert!(
            commands.contains(&format!(
                "cp '/lambda-target/lambda/{name}/bootstrap' '/artifacts/bootstrap'"
            )),
            "{id} (binary {name}): the Makefile must copy {name}'s bootstrap:\n{commands}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// State table and API
// ---------------------------------------------------------------------------------------------

/// The state template's resources (infra/state.yaml: the table).
fn state_resources() -> &'static Map<String, Value> {
    lambdagram_e2e::cfn_yaml::state_template()["Resources"]
        .as_object()
        .expect("infra/state.yaml needs a Resources mapping")
}

/// `!GetAtt State.Outputs.<output>`: an output of the nested state stack.
fn state_output(output: &str) -> Value {
    json!({ "Fn::GetAtt": ["State", format!("Outputs.{output}")] })
}

#[test]
fn the_state_table_has_pk_sk_keys_and_ttl_on_expires_at() {
    let tables: Vec<_> = state_resources()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::DynamoDB::Table")
        .collect();
    let [(id, table)] = tables.as_slice() else {
        panic!(
            "infra/state.yaml needs exactly one AWS::DynamoDB::Table (docs/state.md), found {}",
            tables.len()
        );
    };
    let props = &table["Properties"];
    let keys = one_or_many(&props["KeySchema"]);
    let want_keys = [
        json!({ "AttributeName": "pk", "KeyType": "HASH" }),
        json!({ "AttributeName": "sk", "KeyType": "RANGE" }),
    ];
    assert!(
        keys.len() == want_keys.len() && want_keys.iter().all(|k| keys.contains(&k)),
        "{id}: set KeySchema to pk HASH + sk RANGE (found {keys:?})"
    );
    for key in ["pk", "sk"] {
        assert!(
            one_or_many(&props["AttributeDefinitions"])
                .contains(&&json!({ "AttributeName": key, "AttributeType": "S" })),
            "{id}: add `{{AttributeName: {key}, AttributeType: S}}` to AttributeDefinitions"
        );
    }
    assert_eq!(
        props["TimeToLiveSpecification"],
        json!({ "AttributeName": "expires_at", "Enabled": true }),
        "{id}: add TimeToLiveSpecification: {{AttributeName: expires_at, Enabled: true}}"
    );
    let (webhook_id, webhook) = function_with_binary(WEBHOOK_BINARY);
    assert_eq!(
        environment(webhook).get("TABLE_NAME").copied(),
        Some(&state_output("TableName")),
        "{webhook_id}: set TABLE_NAME: !GetAtt State.Outputs.TableName (in \
         Globals.Function.Environment.Variables)"
    );
}

#[test]
fn the_state_table_outlives_its_stack_and_an_existing_one_can_be_used_instead() {
    let state = lambdagram_e2e::cfn_yaml::state_template();
    let table = &state_resources()["StateTable"];
    assert_eq!(table["DeletionPolicy"], "Retain");
    assert_eq!(table["UpdateReplacePolicy"], "Retain");
    // Created only when no existing table is named.
    assert_eq!(table["Condition"], "CreateTable");
    assert_eq!(
        state["Conditions"]["CreateTable"],
        json!({ "Fn::Equals": [{ "Ref": "ExistingTableName" }, ""] })
    );
    assert_eq!(state["Parameters"]["ExistingTableName"]["Default"], "");
    assert_eq!(
        state["Outputs"]["TableName"]["Value"],
        json!({ "Fn::If": ["CreateTable", { "Ref": "StateTable" }, { "Ref": "ExistingTableName" }] })
    );
    assert_eq!(
        state["Outputs"]["TableArn"]["Value"],
        json!({ "Fn::If": [
            "CreateTable",
            { "Fn::GetAtt": ["StateTable", "Arn"] },
            { "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ExistingTableName}" }
        ] })
    );
}

#[test]
fn the_state_stack_is_a_nested_application_and_the_only_place_of_the_table() {
    let app = &resources()["State"];
    assert_eq!(app["Type"], "AWS::Serverless::Application");
    assert_eq!(app["Properties"]["Location"], "infra/state.yaml");
    assert_eq!(
        app["Properties"]["Parameters"],
        json!({ "ExistingTableName": { "Ref": "ExistingTableName" } }),
        "the operator's ExistingTableName is handed through"
    );
    assert_eq!(template()["Parameters"]["ExistingTableName"]["Default"], "");
    assert!(
        !resources()
            .values()
            .any(|r| r["Type"] == "AWS::DynamoDB::Table"),
        "the table lives in infra/state.yaml"
    );
    // Nothing names the table but through the state stack's outputs.
    let text = std::fs::read_to_string(lambdagram_e2e::paths::workspace().join("template.yaml"))
        .expect("read template.yaml");
    assert!(
        !text.contains("StateTable"),
        "template.yaml refers to StateTable"
    );
    assert_eq!(
        template()["Outputs"]["TableName"]["Value"],
        state_output("TableName")
    );
    assert_eq!(
        resources()["Observability"]["Properties"]["Parameters"]["TableName"],
        state_output("TableName")
    );
    for (id, function) in functions() {
        for statement in statements(function) {
            let on_table = one_or_many(&statement["Action"])
                .iter()
                .filter_map(|a| a.as_str())
                .any(|a| a.starts_with("dynamodb:"));
            if on_table {
                assert_eq!(
                    statement["Resource"],
                    state_output("TableArn"),
                    "{id}: its table statements name !GetAtt State.Outputs.TableArn"
                );
            }
        }
    }
}

#[test]
fn telegram_reaches_the_webhook_at_post_webhook_and_routes_have_no_trigger_of_their_own() {
    let (webhook_id, webhook) = function_with_binary(WEBHOOK_BINARY);
    let events: Vec<&Value> = webhook["Properties"]["Events"]
        .as_object()
        .map(|m| m.values().collect())
        .unwrap_or_default();
    let [event] = events.as_slice() else {
        panic!(
            "{webhook_id}: needs exactly one event, `Type: HttpApi` with Method: POST and Path: \
             /webhook (found {})",
            events.len()
        );
    };
    assert_eq!(
        event["Type"], "HttpApi",
        "{webhook_id}: its event must be Type: HttpApi"
    );
    assert!(
        event["Properties"]["Method"]
            .as_str()
            .is_some_and(|m| m.eq_ignore_ascii_case("POST"))
            && event["Properties"]["Path"] == "/webhook",
        "{webhook_id}: its HttpApi event needs Method: POST and Path: /webhook"
    );
    if let Some(api) = event["Properties"]["ApiId"]["Ref"].as_str() {
        assert_eq!(
            resources()
                .get(api)
                .map(|r| &r["Type"])
                .and_then(Value::as_str),
            Some("AWS::Serverless::HttpApi"),
            "{webhook_id}: ApiId must be a !Ref to an AWS::Serverless::HttpApi resource"
        );
    }
    let url = &template()["Outputs"]["WebhookUrl"]["Value"]["Fn::Sub"];
    assert!(
        url.as_str().is_some_and(|u| u.ends_with("/webhook")),
        "add an Output WebhookUrl: !Sub https://${{HttpApi}}.execute-api.${{AWS::Region}}.\
         ${{AWS::URLSuffix}}/webhook"
    );
    for (route, function_id) in route_function_ids() {
        assert!(
            resources()[function_id]["Properties"]
                .get("Events")
                .is_none(),
            "{function_id}: remove its Events: route `{route}` is invoked only by the webhook"
        );
    }
}

#[test]
fn every_function_name_is_an_output() {
    let outputs = template()["Outputs"]
        .as_object()
        .expect("template.yaml needs an Outputs mapping");
    for (id, _) in functions() {
        assert!(
            outputs.values().any(|o| o["Value"] == json!({ "Ref": id })),
            "add an Output `{id}Name` with Value: !Ref {id}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The webhook's table access
// ---------------------------------------------------------------------------------------------

/// Every (DynamoDB action, leading-key pattern) a function's statements allow.
fn dynamodb_grants(function: &Value) -> BTreeSet<(String, String)> {
    let mut grants = BTreeSet::new();
    for statement in statements(function) {
        if statement["Effect"] != "Allow" {
            continue;
        }
        let keys: Vec<String> =
            one_or_many(&statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
                .iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect();
        let keys = if keys.is_empty() {
            vec!["<any key>".to_owned()]
        } else {
            keys
        };
        for action in one_or_many(&statement["Action"])
            .iter()
            .filter_map(|a| a.as_str())
            .filter(|a| a.to_ascii_lowercase().starts_with("dynamodb:"))
        {
            for key in &keys {
                grants.insert((action.to_owned(), key.clone()));
            }
        }
    }
    grants
}

#[test]
fn the_webhook_may_write_exactly_the_ledger_dead_letters_and_the_interaction_log() {
    let (webhook_id, webhook) = function_with_binary(WEBHOOK_BINARY);
    let expected: BTreeSet<(String, String)> = [
        ("dynamodb:PutItem", "UPDATE#*"),
        ("dynamodb:UpdateItem", "UPDATE#*"),
        ("dynamodb:DeleteItem", "UPDATE#*"),
        ("dynamodb:PutItem", "DEAD#*"),
        // The interaction log (the route table's policy): one BatchWriteItem per logged
        // update, the chat's entry and the user's copy.
        ("dynamodb:BatchWriteItem", "LOG#*"),
        ("dynamodb:BatchWriteItem", "LOGUSER#*"),
        // The cold-start warm-up (TableConnectionPolicy): table metadata, no item.
        ("dynamodb:DescribeTimeToLive", "<any key>"),
    ]
    .into_iter()
    .map(|(a, k)| (a.to_owned(), k.to_owned()))
    .collect();
    assert_eq!(
        dynamodb_grants(webhook),
        expected,
        "{webhook_id}: the ledger's claim, done and release on UPDATE#*, and one PutItem per \
         dead letter on DEAD#* (docs/state.md); nothing else"
    );
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

#[test]
fn the_log_level_stops_at_debug() {
    let param = &template()["Parameters"]["LogLevel"];
    assert_eq!(
        param["AllowedValues"],
        json!(["error", "warn", "info", "debug"]),
        "LogLevel: no `trace` (the Lambda runtime logs raw events at trace: the secret header \
         and message text)"
    );
    assert_eq!(param["Default"], "info");
    assert_eq!(
        template()["Globals"]["Function"]["Environment"]["Variables"]["RUST_LOG"],
        json!({"Ref": "LogLevel"}),
        "every function's RUST_LOG is the LogLevel parameter"
    );
    for (id, function) in functions() {
        assert!(
            function["Properties"]["Environment"]["Variables"]
                .get("RUST_LOG")
                .is_none(),
            "{id}: do not set RUST_LOG of its own (Globals has !Ref LogLevel)"
        );
    }
}

#[test]
fn cloudwatch_may_use_the_key_of_the_topic_its_alarms_notify() {
    let mut topics = BTreeSet::new();
    for (id, alarm) in observability_resources()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
    {
        for action in one_or_many(&alarm["Properties"]["AlarmActions"])
            .into_iter()
            .chain(one_or_many(&alarm["Properties"]["OKActions"]))
        {
            let topic = action["Ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{id}: alarm actions are !Ref to a topic: {action}"));
            topics.insert(topic);
        }
    }
    assert!(!topics.is_empty(), "the alarms notify a topic");
    for topic in topics {
        let props = &observability_resources()[topic]["Properties"];
        let Some(key) = props.get("KmsMasterKeyId") else {
            continue; // Not encrypted: CloudWatch can publish.
        };
        let key_id = key["Ref"].as_str().unwrap_or_else(|| {
            panic!(
                "{topic}: KmsMasterKeyId {key} is not a key of this stack; AWS managed keys \
                 (alias/aws/sns) cannot let CloudWatch publish, so alarms would never arrive: \
                 use !Ref to an AWS::KMS::Key whose policy allows cloudwatch.amazonaws.com"
            )
        });
        let key = &observability_resources()[key_id];
        assert_eq!(key["Type"], "AWS::KMS::Key", "{topic}: {key_id}");
        let grants_cloudwatch = |action: &str| {
            one_or_many(&key["Properties"]["KeyPolicy"]["Statement"])
                .into_iter()
                .any(|s| {
                    allows(s, action)
                        && one_or_many(&s["Principal"]["Service"])
                            .contains(&&json!("cloudwatch.amazonaws.com"))
                        && s.get("Condition").is_none()
                })
        };
        for action in ["kms:Decrypt", "kms:GenerateDataKey"] {
            assert!(
                grants_cloudwatch(action),
                "{key_id}: its KeyPolicy must allow cloudwatch.amazonaws.com {action} (without \
                 conditions), or the alarms on {topic} are never delivered"
            );
        }
        assert_eq!(key["Properties"]["EnableKeyRotation"], true, "{key_id}");
    }
}

#[test]
fn the_observability_stack_is_a_nested_application_given_what_it_watches() {
    let app = &resources()["Observability"];
    assert_eq!(app["Type"], "AWS::Serverless::Application");
    assert_eq!(app["Properties"]["Location"], "infra/observability.yaml");
    let given: BTreeSet<&str> = app["Properties"]["Parameters"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let declared: BTreeSet<&str> = lambdagram_e2e::cfn_yaml::observability_template()["Parameters"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        given, declared,
        "every parameter of infra/observability.yaml is given"
    );
    assert!(
        !resources()
            .values()
            .any(|r| r["Type"] == "AWS::CloudWatch::Alarm"
                || r["Type"] == "AWS::CloudWatch::Dashboard"),
        "alarms and the dashboard live in infra/observability.yaml"
    );
}

/// A function's `Timeout` in seconds (its own or the Globals'), or a failure naming it.
fn timeout_secs(id: &str, function: &Value) -> i64 {
    property(function, "Timeout")
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{id} needs a numeric Timeout (or one in Globals.Function)"))
}

/// Lambda's init phase (a cold start) may take this long before the handler's timeout starts.
const LAMBDA_INIT_LIMIT_SECS: i64 = 10;

#[test]
fn the_ledger_lease_outlasts_everything_that_may_act_on_a_claimed_update() {
    // After the webhook claims an update, effects may come until the webhook's own timeout,
    // then a route function's cold start and its timeout (an Invoke sent at the last moment).
    // A lease ending earlier would let a redelivery run beside the first attempt.
    let (webhook_id, webhook) = function_with_binary(WEBHOOK_BINARY);
    let longest_route = route_function_ids()
        .values()
        .map(|id| timeout_secs(id, &resources()[*id]))
        .max()
        .expect("the route table has routes");
    let chain = timeout_secs(webhook_id, webhook) + LAMBDA_INIT_LIMIT_SECS + longest_route;
    assert!(
        lambdagram::ingress::LEASE_SECS > chain,
        "the ledger's lease ({} s) must be longer than the webhook's timeout, a cold start and \
         the longest route timeout ({chain} s): raise LEASE_SECS or lower the timeouts",
        lambdagram::ingress::LEASE_SECS
    );
}

#[test]
fn exactly_the_functions_granted_pace_messages_take_part_in_flood_control() {
    // A function with FLOOD_CONTROL=on but no grant would fail every message's slot (and send
    // unpaced); one with the grant but not the variable would never pace.
    for (id, function) in functions() {
        let on = environment(function)
            .get("FLOOD_CONTROL")
            .is_some_and(|v| *v == "on");
        let granted = statements(function)
            .iter()
            .any(|s| s["Sid"] == lambdagram::grants::PACE_MESSAGES.name);
        assert_eq!(
            on, granted,
            "{id}: FLOOD_CONTROL={on} but the PaceMessages grant is {granted}"
        );
    }
    let paced = functions()
        .into_iter()
        .filter(|(_, f)| environment(f).contains_key("FLOOD_CONTROL"))
        .count();
    assert!(paced > 0, "the guard's message routes are paced");
}

/// IAM checks every key of a `BatchGetItem` against one statement's `dynamodb:LeadingKeys`, so
/// the gate's one read (the group's `GROUP#` items and the member's `SUBS#` item together) needs
/// a statement holding both prefixes: split over two policies, every such batch is refused.
#[test]
fn the_gates_one_read_is_allowed_by_one_statement() {
    for route in [
        "guard-message",
        "start",
        "help",
        "member-change",
        "new-members",
        "verify",
    ] {
        let (id, function) = function_with_binary(route);
        let allowed = statements(function).into_iter().any(|statement| {
            let keys: Vec<&str> = one_or_many(
                &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"],
            )
            .iter()
            .filter_map(|k| k.as_str())
            .collect();
            statement["Effect"] == "Allow"
                && one_or_many(&statement["Action"])
                    .iter()
                    .any(|a| a.as_str() == Some("dynamodb:BatchGetItem"))
                && keys.contains(&"GROUP#*")
                && keys.contains(&"SUBS#*")
        });
        assert!(
            allowed,
            "{id}: no statement allows BatchGetItem on GROUP#* and SUBS#* together"
        );
    }
}
