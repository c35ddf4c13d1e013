//! Helpers shared by the behaviour tests: a fresh fake per test, a typed teloxide bot pointed at
//! it, and raw HTTP calls for checking exact status codes and bodies.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use fake_bot_api::FakeBotApi;
use lambdagram::teloxide_core::Bot;
use serde_json::Value;

/// A fake with the default world on an ephemeral port.
pub async fn fake() -> FakeBotApi {
    FakeBotApi::start().await.expect("start the fake Bot API")
}

/// A typed Bot API client aimed at the fake.
pub fn bot(fake: &FakeBotApi) -> Bot {
    lambdagram::telegram::build_bot(&fake.token(), &fake.base_url()).expect("build the bot")
}

thread_local! {
    // Building a client loads the system's CA certificates, which is slow; every test runs on
    // its own thread, so this is one client per test and no connection outlives its runtime.
    static HTTP: reqwest::Client =
        lambdagram::telegram::http_client().expect("build the HTTP client");
}

/// A plain HTTP client (the project's, so TLS set-up is the same as in production).
pub fn http() -> reqwest::Client {
    HTTP.with(reqwest::Client::clone)
}

/// `{base}/bot{token}/{method}`.
pub fn method_url(fake: &FakeBotApi, method: &str) -> String {
    format!("{}/bot{}/{method}", fake.base_url(), fake.token())
}

/// Sends a built request and returns the HTTP status and the JSON body.
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request reaches the fake");
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.expect("a JSON body");
    (status, body)
}

/// POSTs `params` as a JSON body to `method`.
pub async fn call(fake: &FakeBotApi, method: &str, params: Value) -> (u16, Value) {
    send(http().post(method_url(fake, method)).json(&params)).await
}

/// POSTs `params` as JSON and returns the `result` of a successful answer.
pub async fn call_ok(fake: &FakeBotApi, method: &str, params: Value) -> Value {
    let (status, body) = call(fake, method, params).await;
    assert_eq!(status, 200, "{method} failed: {body}");
    assert_eq!(body["ok"], true, "{method} failed: {body}");
    body["result"].clone()
}

/// Telegram's error body.
pub fn error_body(code: u16, description: &str) -> Value {
    serde_json::json!({ "ok": false, "error_code": code, "description": description })
}

/// Unix time in seconds.
pub fn unix_now() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(now.as_secs()).expect("seconds fit in i64")
}
