//! Cold starts. The webhook's warm-up is harmless everywhere: AWS Lambda never runs a `DryRun`
//! Invoke, and a local emulator that runs it anyway (cargo lambda watch) hands every route
//! function the warm-up payload, which it answers at once without doing anything. And a
//! secret read SSM throttles is tried again.

use channel_guard::ROUTES;
use lambdagram::route_api::WARM_UP;
use lambdagram_e2e::stack::Stack;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_the_warm_up_payload_with_nothing_done() {
    let stack = Stack::start().await;
    let before = stack.items().await;
    for route in ROUTES.routes() {
        let answer = stack.invoke(route.name, WARM_UP).await;
        assert_eq!(
            answer,
            Ok(json!({})),
            "{}: the warm-up's answer",
            route.name
        );
    }
    let calls = stack.fake.calls();
    assert!(calls.is_empty(), "no Bot API call for a warm-up: {calls:?}");
    assert_eq!(
        stack.items().await,
        before,
        "no DynamoDB write for a warm-up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_is_neither_a_request_nor_the_warm_up_is_an_error() {
    let stack = Stack::start().await;
    let answer = stack.invoke("start", r#"{"route":"start"}"#).await;
    let error = answer.expect_err("an error answer");
    assert_eq!(error["errorType"], "InvalidRouteRequest", "{error}");
    assert!(stack.fake.calls().is_empty());
}

/// A burst of cold starts meets SSM's rate limit: the secret reads it throttles are tried again
/// (a read changes nothing), so every function still starts and serves. Two throttles: fewer
/// than a read's three attempts, so whichever functions meet them, every one starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_starts_throttled_by_ssm_read_their_secrets_again_and_serve() {
    const THROTTLES: u32 = 2;
    let stack = Stack::start_with_ssm_throttled(THROTTLES).await;
    for route in ROUTES.routes() {
        let answer = stack.invoke(route.name, WARM_UP).await;
        assert_eq!(answer, Ok(json!({})), "{} started", route.name);
    }
    let update = json!({"update_id": 9101, "message": {
        "message_id": 1, "date": 1_790_000_000,
        "from": {"id": 42, "is_bot": false, "first_name": "Ada"},
        "chat": {"id": 42, "type": "private", "first_name": "Ada"},
        "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}});
    let delivery = stack
        .post(update.to_string(), Some(lambdagram_e2e::stack::SECRET))
        .await;
    assert_eq!(delivery.status, 200, "the webhook started and served");
    assert_eq!(stack.fake.calls_to("sendMessage").len(), 1, "one welcome");
    let logs = stack.logs().await;
    assert_eq!(
        logs.matches("SSM read failed, trying again").count(),
        THROTTLES as usize,
        "each throttled read tried again once: {logs}"
    );
    assert!(
        !logs.contains("reading SSM parameter"),
        "no function gave up its secret: {logs}"
    );
}
