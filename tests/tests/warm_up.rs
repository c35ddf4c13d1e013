//! The webhook's cold-start warm-up is harmless everywhere: AWS Lambda never runs a `DryRun`
//! Invoke, and a local emulator that runs it anyway (cargo lambda watch) hands every route
//! function the warm-up payload, which it answers at once without doing anything.

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
