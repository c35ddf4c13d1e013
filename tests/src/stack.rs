//! The whole bot wired as in AWS, on this machine: the webhook, route and job binaries under the
//! Lambda emulator, state in DynamoDB Local, Telegram played by the fake Bot API.

use std::time::Duration;

use fake_bot_api::FakeBotApi;
use lambdagram::http_api::Endpoint;
use lambdagram::jobs::Job;
use lambdagram::routes::RouteTable;
use serde_json::Value;

use crate::emulator::{Emulator, FunctionSpec};

/// The webhook secret the stack is deployed with (kept in the emulated SSM).
pub const SECRET: &str = "e2e-secret_0123456789-abcdefghij";
pub const SECRET_PARAMETER: &str = "/lambdagram/webhook-secret";
pub const TOKEN_PARAMETER: &str = "/lambdagram/bot-token";
/// The bot's owner (the template's `BotOwnerId`): its first admin, Alice.
pub const OWNER_ID: i64 = fake_bot_api::ALICE_ID;

/// The bot a stack runs: its webhook function, route table, jobs and HTTP endpoints.
#[derive(Clone, Copy)]
pub struct Bot {
    pub webhook: &'static str,
    pub routes: RouteTable,
    pub jobs: &'static [Job],
    pub endpoints: &'static [Endpoint],
    /// Variables every function of the bot gets here (on top of the template's).
    pub env: &'static [(&'static str, &'static str)],
}

/// The channel guard (the default).
pub const GUARD: Bot = Bot {
    webhook: "webhook",
    routes: channel_guard::ROUTES,
    jobs: channel_guard::JOBS,
    endpoints: &[],
    env: &[],
};

/// The bridge.
pub const BRIDGE: Bot = Bot {
    webhook: "bridge-webhook",
    routes: bridge::ROUTES,
    jobs: bridge::JOBS,
    endpoints: bridge::ENDPOINTS,
    // The test's tool listens on plain HTTP on loopback, and retries are due at once.
    env: &[
        ("BRIDGE_ALLOW_HTTP_PUSH", "1"),
        ("BRIDGE_PUSH_BACKOFF_SECS", "0"),
    ],
};

/// What an HTTP endpoint answered.
#[derive(Clone, Debug)]
pub struct ApiAnswer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// What the webhook answered to one delivery.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub status: u16,
    pub body: String,
    /// The webhook reply (a Bot API method) when the answer carried one.
    pub reply: Option<Value>,
}

/// How many execution environments each function gets (default: two webhooks, one of each
/// route and job).
#[derive(Default)]
struct Scale {
    webhook: u32,
    routes: Vec<(String, u32)>,
    /// SSM reads the emulator throttles before the functions start (see
    /// [`Stack::start_with_ssm_throttled`]).
    ssm_throttles: u32,
}

pub struct Stack {
    pub fake: FakeBotApi,
    pub emulator: Emulator,
    pub dynamo: aws_sdk_dynamodb::Client,
    pub table: String,
    http: reqwest::Client,
}

impl Stack {
    /// Starts everything with the fake's default world.
    pub async fn start() -> Stack {
        let fake = FakeBotApi::start().await.expect("start the fake Bot API");
        Self::start_with(fake).await
    }

    /// Starts the functions against a prepared fake.
    pub async fn start_with(fake: FakeBotApi) -> Stack {
        Self::start_logging(fake, "info").await
    }

    /// Starts everything with `RUST_LOG` set to `level` in every function.
    pub async fn start_logging_at(level: &str) -> Stack {
        let fake = FakeBotApi::start().await.expect("start the fake Bot API");
        Self::start_logging(fake, level).await
    }

    /// Starts the functions against a prepared fake with more execution environments: the
    /// webhook's `webhook` instances, and `routes` for the named routes (one for the others),
    /// as Lambda scales out under load (the load benchmark).
    pub async fn start_scaled(fake: FakeBotApi, webhook: u32, routes: &[(&str, u32)]) -> Stack {
        let scale = Scale {
            webhook,
            routes: routes.iter().map(|(n, i)| ((*n).to_owned(), *i)).collect(),
            ssm_throttles: 0,
        };
        Self::start_full(fake, "info", None, &scale, GUARD).await
    }

    /// Starts everything with SSM answering the functions' first `n` secret reads with
    /// `ThrottlingException`, as a burst of cold starts meets SSM's rate limit.
    pub async fn start_with_ssm_throttled(n: u32) -> Stack {
        let fake = FakeBotApi::start().await.expect("start the fake Bot API");
        let scale = Scale {
            ssm_throttles: n,
            ..Scale::default()
        };
        Self::start_full(fake, "info", None, &scale, GUARD).await
    }

    async fn start_logging(fake: FakeBotApi, level: &str) -> Stack {
        Self::start_full(fake, level, None, &Scale::default(), GUARD).await
    }

    /// Starts `bot`'s functions against a prepared fake.
    pub async fn start_bot(fake: FakeBotApi, bot: Bot) -> Stack {
        Self::start_full(fake, "info", None, &Scale::default(), bot).await
    }

    /// Starts everything with `RUST_LOG` at `rust_log` and Lambda's advanced logging controls'
    /// `AWS_LAMBDA_LOG_LEVEL` at `lambda_level` in every function.
    pub async fn start_with_lambda_log_level(rust_log: &str, lambda_level: &str) -> Stack {
        let fake = FakeBotApi::start().await.expect("start the fake Bot API");
        Self::start_full(fake, rust_log, Some(lambda_level), &Scale::default(), GUARD).await
    }

    async fn start_full(
        fake: FakeBotApi,
        level: &str,
        lambda_level: Option<&str>,
        scale: &Scale,
        bot: Bot,
    ) -> Stack {
        let endpoint = crate::dynamodb::endpoint().await;
        let dynamo = crate::dynamodb::client().await;
        let table = crate::dynamodb::fresh_table(&dynamo).await;
        let mut emulator = Emulator::start().await.expect("start the Lambda emulator");
        // The functions reach DynamoDB through a proxy that counts their operations.
        let endpoint = emulator
            .proxy_dynamodb(endpoint)
            .await
            .expect("start the DynamoDB proxy");
        emulator.put_parameter(SECRET_PARAMETER, SECRET);
        emulator.throttle_ssm(scale.ssm_throttles);
        emulator.put_parameter(TOKEN_PARAMETER, &fake.token());

        let mut common = vec![
            (
                "AWS_ACCESS_KEY_ID",
                crate::sigv4_check::ACCESS_KEY_ID.to_owned(),
            ),
            (
                "AWS_SECRET_ACCESS_KEY",
                crate::sigv4_check::SECRET_ACCESS_KEY.to_owned(),
            ),
            ("AWS_REGION", crate::sigv4_check::REGION.to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("AWS_ENDPOINT_URL_DYNAMODB", endpoint),
            ("AWS_ENDPOINT_URL_LAMBDA", emulator.endpoint()),
            ("AWS_ENDPOINT_URL_SSM", emulator.endpoint()),
            ("RUST_LOG", level.to_owned()),
            ("BOT_USERNAME", fake_bot_api::BOT_USERNAME.to_owned()),
            ("BOT_OWNER_ID", OWNER_ID.to_string()),
            ("TABLE_NAME", table.clone()),
        ];
        for (name, value) in bot.env {
            common.push((name, (*value).to_owned()));
        }
        if let Some(lambda_level) = lambda_level {
            common.push(("AWS_LAMBDA_LOG_LEVEL", lambda_level.to_owned()));
        }
        let env = |extra: Vec<(String, String)>| -> Vec<(String, String)> {
            common
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .chain(extra)
                .collect()
        };

        let mut webhook_env = vec![(
            "WEBHOOK_SECRET_PARAMETER".to_owned(),
            SECRET_PARAMETER.to_owned(),
        )];
        for route in bot.routes {
            webhook_env.push((route.function_env_var(), route.name.to_owned()));
        }
        emulator.http_route("POST", "/webhook", bot.webhook);
        emulator
            .spawn(FunctionSpec {
                name: bot.webhook.into(),
                binary: crate::paths::function_binary(bot.webhook),
                env: env(webhook_env),
                timeout: Duration::from_secs(28),
                instances: scale.webhook.max(2),
            })
            .await
            .expect("start webhook");
        // Route and job functions run alike: the bot token and the Bot API, and the shared
        // flood control where the table grants it (as `gen template` does).
        let workers = bot
            .routes
            .iter()
            .map(|r| (r.name, 20, r.all_grants()))
            .chain(bot.jobs.iter().map(|j| (j.name, 50, j.grants.to_vec())))
            .chain(
                bot.endpoints
                    .iter()
                    .map(|e| (e.name, 28, e.grants.to_vec())),
            );
        for endpoint in bot.endpoints {
            for (method, path) in endpoint.routes {
                emulator.http_route(method, path, endpoint.name);
            }
        }
        for (name, timeout_secs, grants) in workers {
            let mut vars = vec![
                ("BOT_TOKEN_PARAMETER".into(), TOKEN_PARAMETER.into()),
                ("TELEGRAM_API_URL".into(), fake.base_url()),
            ];
            if grants.contains(&lambdagram::grants::PACE_MESSAGES) {
                vars.push(("FLOOD_CONTROL".into(), "on".into()));
            }
            emulator
                .spawn(FunctionSpec {
                    name: name.into(),
                    binary: crate::paths::function_binary(name),
                    env: env(vars),
                    timeout: Duration::from_secs(timeout_secs),
                    instances: scale
                        .routes
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(1, |(_, i)| *i),
                })
                .await
                .unwrap_or_else(|e| panic!("start {name}: {e}"));
        }
        Stack {
            fake,
            emulator,
            dynamo,
            table,
            http: lambdagram::telegram::http_client().expect("HTTP client"),
        }
    }

    /// Calls an HTTP endpoint: `method` `path_and_query` with `token` as the bearer and `body`
    /// as JSON.
    pub async fn api(
        &self,
        method: &str,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> ApiAnswer {
        let url = format!("{}{path_and_query}", self.emulator.api_url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("the API answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        ApiAnswer {
            status,
            headers,
            body,
        }
    }

    /// POSTs `body` to the webhook as Telegram would, with `secret` as the secret header.
    pub async fn post(&self, body: impl Into<Vec<u8>>, secret: Option<&str>) -> Delivery {
        let mut request = self
            .http
            .post(self.emulator.webhook_url())
            .header("content-type", "application/json")
            .body(body.into());
        if let Some(secret) = secret {
            request = request.header("x-telegram-bot-api-secret-token", secret);
        }
        let response = request.send().await.expect("the webhook answers");
        let status = response.status().as_u16();
        let json = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        let body = response.text().await.expect("response body");
        let reply = if json && status == 200 {
            serde_json::from_str::<Value>(&body)
                .ok()
                .filter(|v| v.get("method").is_some())
        } else {
            None
        };
        Delivery {
            status,
            body,
            reply,
        }
    }

    /// Delivers an update as Telegram does: with the right secret, and a webhook reply in the
    /// answer is executed against the (fake) Bot API.
    pub async fn deliver(&self, update: &Value) -> Delivery {
        let delivery = self.post(update.to_string(), Some(SECRET)).await;
        if let Some(reply) = &delivery.reply {
            self.fake.execute_webhook_reply(reply).await;
        }
        delivery
    }

    /// Delivers the sample event `events/<name>.json`; its sample secret is swapped for the
    /// stack's (any other secret it carries is kept, so wrong-secret samples stay wrong).
    pub async fn deliver_sample(&self, name: &str) -> Delivery {
        let sample = crate::events::load(name);
        let secret = match sample.secret() {
            Some(crate::events::SAMPLE_SECRET) => Some(SECRET),
            other => other,
        };
        let delivery = self.post(sample.body.clone(), secret).await;
        if let Some(reply) = &delivery.reply {
            self.fake.execute_webhook_reply(reply).await;
        }
        delivery
    }

    /// Runs the scheduled job `name` once, as its EventBridge schedule does (an asynchronous
    /// invoke there; synchronous here, so the test sees its answer): through the Lambda Invoke
    /// API with a `Scheduled Event`. Returns the job's report, or `Err` with the error answer.
    pub async fn run_job(&self, name: &str) -> Result<Value, Value> {
        let event = serde_json::json!({
            "version": "0",
            "id": "e2e-scheduled-event",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": "2026-11-22T12:00:00Z",
            "region": "us-east-1",
            "resources": [format!("arn:aws:events:us-east-1:123456789012:rule/{name}")],
            "detail": {}
        });
        self.invoke(name, &event.to_string()).await
    }

    /// Invokes function `name` through the Lambda Invoke API with `payload`, synchronously.
    /// Returns its answer, or `Err` with the error answer.
    /// The request is signed with the test credentials, as `aws lambda invoke` signs it.
    pub async fn invoke(&self, name: &str, payload: &str) -> Result<Value, Value> {
        let identity = aws_credential_types::Credentials::new(
            crate::sigv4_check::ACCESS_KEY_ID,
            crate::sigv4_check::SECRET_ACCESS_KEY,
            None,
            None,
            "lambdagram-e2e",
        )
        .into();
        let request = lambdagram::aws::signed::sign_request(
            &format!(
                "{}/2015-03-31/functions/{name}/invocations",
                self.emulator.endpoint()
            ),
            &[],
            payload.as_bytes().to_vec(),
            &identity,
            crate::sigv4_check::REGION,
            "lambda",
            std::time::SystemTime::now(),
        )
        .expect("sign the Invoke request");
        let request = reqwest::Request::try_from(request).expect("a request");
        let response = self
            .http
            .execute(request)
            .await
            .expect("the Invoke API answers");
        let failed = response.headers().contains_key("x-amz-function-error");
        let body: Value = response.json().await.expect("a JSON answer");
        if failed {
            Err(body)
        } else {
            Ok(body)
        }
    }

    /// The fault script of the proxy between the functions and DynamoDB (see
    /// [`crate::dynamo_proxy`]): empty unless a test injects faults.
    pub fn dynamo_faults(&self) -> crate::dynamo_proxy::DynamoFaults {
        self.emulator.dynamodb_faults()
    }

    /// Every item in the table, as JSON, sorted by key.
    pub async fn items(&self) -> Vec<Value> {
        crate::dynamodb::scan_table(&self.dynamo, &self.table).await
    }

    /// The shared flood control's windows (`FLOOD#` items), as `(scope, window, count)`.
    pub async fn flood_windows(&self) -> Vec<(String, i64, i64)> {
        self.items()
            .await
            .iter()
            .filter_map(|i| {
                let scope = i["pk"].as_str()?.strip_prefix("FLOOD#")?.to_owned();
                let window = i["sk"].as_str()?.parse().ok()?;
                Some((scope, window, i["n"].as_i64()?))
            })
            .collect()
    }

    /// Forgets every flood-control window, as if the waits Telegram asked for had passed.
    pub async fn forget_flood_windows(&self) {
        for (scope, window, _) in self.flood_windows().await {
            self.dynamo
                .delete_item()
                .table_name(&self.table)
                .key(
                    "pk",
                    aws_sdk_dynamodb::types::AttributeValue::S(format!("FLOOD#{scope}")),
                )
                .key(
                    "sk",
                    aws_sdk_dynamodb::types::AttributeValue::S(window.to_string()),
                )
                .send()
                .await
                .expect("delete a flood window");
        }
    }

    /// Everything the functions logged, one line per entry, prefixed with the function name.
    pub async fn logs(&self) -> String {
        self.emulator.settle_logs().await;
        self.emulator
            .logs()
            .into_iter()
            .map(|l| format!("[{}] {}\n", l.function, l.line))
            .collect()
    }
}
