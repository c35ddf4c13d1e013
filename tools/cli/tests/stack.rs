//! `--stack NAME` / `--config-env ENV`: the CLI, run as a real process, reads the deployed
//! stack's outputs and parameters from CloudFormation's query API (a local stub answering
//! DescribeStacks in XML, reached through AWS_ENDPOINT_URL_CLOUDFORMATION), SSM and DynamoDB
//! from the same stub, and Telegram from the fake Bot API.

use std::collections::BTreeMap;
use std::process::Output;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use fake_bot_api::FakeBotApi;
use serde_json::{json, Value};

const URL: &str = "https://abc123.execute-api.eu-central-1.amazonaws.com/webhook";
const PROD_URL: &str = "https://prod456.execute-api.ap-south-1.amazonaws.com/webhook";
const TABLE: &str = "lambdagram-State-1A2B3C-StateTable-XYZ";
const SECRET_PARAMETER: &str = "/lambdagram/webhook-secret";
const SECRET: &str = "from-ssm_Secret-42";

/// One request the stub answered: the service (by its API), what was asked, and the SigV4
/// credential scope (region/service) it was signed for.
#[derive(Debug, Clone)]
struct Seen {
    call: String,
    subject: String,
    scope: String,
}

/// A stack as DescribeStacks returns it.
#[derive(Clone, Default)]
struct StubStack {
    outputs: Vec<(&'static str, &'static str)>,
    parameters: Vec<(&'static str, &'static str)>,
}

struct Stub {
    stacks: BTreeMap<&'static str, StubStack>,
    seen: Mutex<Vec<Seen>>,
}

fn lambdagram_stack(url: &'static str, username: &'static str) -> StubStack {
    StubStack {
        outputs: vec![("WebhookUrl", url), ("TableName", TABLE)],
        parameters: vec![
            ("BotUsername", username),
            ("WebhookSecretParameter", SECRET_PARAMETER),
            ("BotTokenParameter", "/lambdagram/bot-token"),
        ],
    }
}

fn members(tag: &str, pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!("<member><{tag}Key>{k}</{tag}Key><{tag}Value>{v}</{tag}Value></member>")
        })
        .collect()
}

fn describe_stacks(name: &str, stack: &StubStack) -> String {
    format!(
        r#"<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult><Stacks><member>
    <StackName>{name}</StackName>
    <StackId>arn:aws:cloudformation:eu-central-1:123456789012:stack/{name}/1</StackId>
    <CreationTime>2026-12-01T10:00:00Z</CreationTime>
    <StackStatus>UPDATE_COMPLETE</StackStatus>
    <Parameters>{}</Parameters>
    <Outputs>{}</Outputs>
  </member></Stacks></DescribeStacksResult>
  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
</DescribeStacksResponse>"#,
        members("Parameter", &stack.parameters),
        members("Output", &stack.outputs),
    )
}

fn no_such_stack(name: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id {name} does not exist</Message></Error>
  <RequestId>req-2</RequestId>
</ErrorResponse>"#
    )
}

/// `a=1&b=x%2Fy` → the decoded value of `key`.
fn form_value(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| {
            let mut out = Vec::new();
            let bytes = v.replace('+', " ").into_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' && i + 2 < bytes.len() {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                    out.push(u8::from_str_radix(hex, 16).expect("hex"));
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).expect("UTF-8")
        })
    })
}

async fn answer(stub: Arc<Stub>, headers: HeaderMap, body: Bytes) -> axum::response::Response {
    let body = String::from_utf8_lossy(&body).into_owned();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    // Credential=test/20261203/eu-central-1/cloudformation/aws4_request → eu-central-1/cloudformation
    let scope = header("authorization")
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split(',').next())
        .map(|c| c.split('/').skip(2).take(2).collect::<Vec<_>>().join("/"))
        .unwrap_or_default();
    let target = header("x-amz-target");
    let json_body = || serde_json::from_str::<Value>(&body).unwrap_or_default();
    let (seen, response) = if target == "AmazonSSM.GetParameter" {
        let name = json_body()["Name"].as_str().unwrap_or_default().to_owned();
        let response = (
            [("content-type", "application/x-amz-json-1.1")],
            json!({"Parameter": {"Name": name, "Type": "SecureString", "Value": SECRET, "Version": 1}})
                .to_string(),
        )
            .into_response();
        (("ssm GetParameter", name), response)
    } else if target.starts_with("DynamoDB_20120810.") {
        let table = json_body()["TableName"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let response = (
            [("content-type", "application/x-amz-json-1.0")],
            json!({"Items": [], "Count": 0, "ScannedCount": 0}).to_string(),
        )
            .into_response();
        (("dynamodb", table), response)
    } else {
        assert_eq!(
            form_value(&body, "Action").as_deref(),
            Some("DescribeStacks")
        );
        let name = form_value(&body, "StackName").unwrap_or_default();
        let response = match stub.stacks.get(name.as_str()) {
            Some(stack) => (
                [("content-type", "text/xml")],
                describe_stacks(&name, stack),
            )
                .into_response(),
            None => (
                StatusCode::BAD_REQUEST,
                [("content-type", "text/xml")],
                no_such_stack(&name),
            )
                .into_response(),
        };
        (("cloudformation DescribeStacks", name), response)
    };
    stub.seen.lock().expect("lock").push(Seen {
        call: seen.0.to_owned(),
        subject: seen.1,
        scope,
    });
    response
}

/// Starts the stub; its base URL.
async fn start(stub: Arc<Stub>) -> String {
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let stub = stub.clone();
        async move { answer(stub, headers, body).await }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{addr}")
}

fn stub(stacks: &[(&'static str, StubStack)]) -> Arc<Stub> {
    Arc::new(Stub {
        stacks: stacks.iter().cloned().collect(),
        seen: Mutex::new(Vec::new()),
    })
}

/// Runs the CLI against the stub and the fake, with nothing inherited that could leak in.
async fn cli(
    aws: &str,
    fake: &FakeBotApi,
    args: &[&str],
    env: &[(&str, &str)],
    cwd: &std::path::Path,
) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"));
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("BOT_TOKEN", fake.token())
        .env("TELEGRAM_API_URL", fake.base_url())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_CLOUDFORMATION", aws)
        .env("AWS_ENDPOINT_URL_SSM", aws)
        .env("AWS_ENDPOINT_URL_DYNAMODB", aws);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("run the lambdagram binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn seen(stub: &Stub) -> Vec<(String, String)> {
    stub.seen
        .lock()
        .expect("lock")
        .iter()
        .map(|s| (s.call.clone(), s.subject.clone()))
        .collect()
}

const REGION: (&str, &str) = ("AWS_REGION", "eu-central-1");

#[tokio::test(flavor = "multi_thread")]
async fn webhook_set_takes_the_url_the_secret_parameter_and_the_username_from_the_stack() {
    let fake = FakeBotApi::start().await.expect("fake");
    let stub = stub(&[(
        "lambdagram",
        lambdagram_stack(URL, fake_bot_api::BOT_USERNAME),
    )]);
    let aws = start(stub.clone()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let args = [
        "webhook",
        "set",
        "--stack",
        "lambdagram",
        "--secret-from-ssm",
        "--no-commands",
    ];
    let out = cli(&aws, &fake, &args, &[REGION], dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "bot: @{0} (getMe; stack lambdagram has BotUsername={0})\nwebhook set: {URL}\n\
             allowed_updates: {1}\n",
            fake_bot_api::BOT_USERNAME,
            channel_guard::ROUTES.allowed_updates().join(", ")
        )
    );
    assert_eq!(
        seen(&stub),
        [
            ("cloudformation DescribeStacks".into(), "lambdagram".into()),
            ("ssm GetParameter".into(), SECRET_PARAMETER.into()),
        ],
        "one DescribeStacks, then the stack's WebhookSecretParameter"
    );
    let set = fake.calls_to("setWebhook");
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].params["url"], URL);
    assert_eq!(set[0].params["secret_token"], SECRET);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_explicit_url_wins_over_the_stacks_output() {
    let fake = FakeBotApi::start().await.expect("fake");
    let stub = stub(&[(
        "lambdagram",
        lambdagram_stack(URL, fake_bot_api::BOT_USERNAME),
    )]);
    let aws = start(stub.clone()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["webhook", "set", "--stack", "lambdagram", "--no-commands"];
    let env = [
        REGION,
        ("WEBHOOK_URL", "https://example.org/explicit"),
        ("WEBHOOK_SECRET", "s3cret_Value-1"),
    ];
    let out = cli(&aws, &fake, &args, &env, dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        fake.calls_to("setWebhook")[0].params["url"],
        "https://example.org/explicit"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn config_env_picks_the_stack_and_region_of_that_samconfig_environment() {
    let fake = FakeBotApi::start().await.expect("fake");
    let stub = stub(&[
        (
            "lambdagram",
            lambdagram_stack(URL, fake_bot_api::BOT_USERNAME),
        ),
        (
            "lambdagram-prod",
            lambdagram_stack(PROD_URL, fake_bot_api::BOT_USERNAME),
        ),
    ]);
    let aws = start(stub.clone()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("samconfig.toml"),
        "version = 0.1\n[default.global.parameters]\nstack_name = \"lambdagram\"\n\
         region = \"eu-central-1\"\n[prod.global.parameters]\nstack_name = \"lambdagram-prod\"\n\
         region = \"ap-south-1\"\n",
    )
    .expect("samconfig");
    let args = ["webhook", "set", "--config-env", "prod", "--no-commands"];
    // No AWS_REGION: the environment's region is used, for every AWS call.
    let out = cli(
        &aws,
        &fake,
        &args,
        &[("WEBHOOK_SECRET", "s3cret_Value-1")],
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(fake.calls_to("setWebhook")[0].params["url"], PROD_URL);
    let calls = stub.seen.lock().expect("lock").clone();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].subject, "lambdagram-prod");
    assert_eq!(calls[0].scope, "ap-south-1/cloudformation");
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_letters_and_doctor_read_the_stacks_table_and_url() {
    let fake = FakeBotApi::start().await.expect("fake");
    let stub = stub(&[(
        "lambdagram",
        lambdagram_stack(URL, fake_bot_api::BOT_USERNAME),
    )]);
    let aws = start(stub.clone()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cli(
        &aws,
        &fake,
        &["dead-letters", "--stack", "lambdagram", "--days", "2"],
        &[REGION],
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("lambdagram dead-letters: 0 dead letters in the last 2 days (table {TABLE})\n")
    );
    let calls = seen(&stub);
    assert_eq!(
        calls[0],
        ("cloudformation DescribeStacks".into(), "lambdagram".into())
    );
    assert!(calls.len() > 1, "{calls:?}");
    for call in &calls[1..] {
        assert_eq!(call, &("dynamodb".to_owned(), TABLE.to_owned()));
    }

    // doctor compares Telegram's URL with the stack's: the fake has none set yet.
    let out = cli(
        &aws,
        &fake,
        &["doctor", "--stack", "lambdagram"],
        &[REGION],
        dir.path(),
    )
    .await;
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(URL),
        "doctor names the stack's URL:\n{stdout}"
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "no webhook set is a problem:\n{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_deployed_with_another_bots_username_stops_webhook_set() {
    let fake = FakeBotApi::start().await.expect("fake");
    let stub = stub(&[("lambdagram", lambdagram_stack(URL, "SomeOtherBot"))]);
    let aws = start(stub).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["webhook", "set", "--stack", "lambdagram", "--no-commands"];
    let env = [REGION, ("WEBHOOK_SECRET", "s3cret_Value-1")];
    let out = cli(&aws, &fake, &args, &env, dir.path()).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: stack lambdagram was deployed with BotUsername=SomeOtherBot, but BOT_TOKEN \
             is @{0}'s token: redeploy with `sam deploy --parameter-overrides BotUsername={0}` \
             (or use that bot's token); the webhook was not changed\n",
            fake_bot_api::BOT_USERNAME
        )
    );
    assert!(fake.calls_to("setWebhook").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_stack_webhook_set_still_names_the_bot_from_getme() {
    let fake = FakeBotApi::start().await.expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let args = [
        "webhook",
        "set",
        "--url",
        URL,
        "--secret",
        "s3cret_Value-1",
        "--no-commands",
    ];
    let out = cli("http://127.0.0.1:9", &fake, &args, &[REGION], dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with(&format!(
        "bot: @{0} (getMe; deploy with BotUsername={0}, or give --stack to check)\n",
        fake_bot_api::BOT_USERNAME
    )));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_stack_or_output_is_a_clear_error() {
    let fake = FakeBotApi::start().await.expect("fake");
    let stub = stub(&[(
        "half-deployed",
        StubStack {
            outputs: vec![("TableName", TABLE)],
            parameters: vec![("BotUsername", fake_bot_api::BOT_USERNAME)],
        },
    )]);
    let aws = start(stub).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let env = [REGION, ("WEBHOOK_SECRET", "s3cret_Value-1")];

    let out = cli(
        &aws,
        &fake,
        &["webhook", "set", "--stack", "nope", "--no-commands"],
        &env,
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: stack nope does not exist (in eu-central-1): deploy it with `sam deploy`, or \
         check --stack/--config-env and AWS_REGION\n"
    );

    let out = cli(
        &aws,
        &fake,
        &[
            "webhook",
            "set",
            "--stack",
            "half-deployed",
            "--no-commands",
        ],
        &env,
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: stack half-deployed has no output WebhookUrl (it has: TableName); is it a \
         lambdagram stack, fully deployed?\n"
    );

    // --config-env without a samconfig.toml where it is run.
    let out = cli(
        &aws,
        &fake,
        &["replay", "events", "--config-env", "prod"],
        &env,
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(
            "error: read samconfig.toml (--config-env prod names an environment of SAM's config \
             file; run from the project's directory or give --stack NAME)"
        ),
        "{}",
        text(&out.stderr)
    );
    assert!(fake.calls_to("setWebhook").is_empty());
}
