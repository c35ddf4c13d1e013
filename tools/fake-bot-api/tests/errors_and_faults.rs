//! Injected faults: flood limits, server errors, slow answers and migrated groups, with the exact
//! bodies Telegram sends and the typed errors teloxide makes of them.

mod common;

use std::time::{Duration, Instant};

use fake_bot_api::{Fault, FaultKind, ALICE_ID, LOUNGE_ID};
use lambdagram::teloxide_core::prelude::*;
use lambdagram::teloxide_core::types::Seconds;
use lambdagram::teloxide_core::RequestError;
use serde_json::json;

use common::{bot, call, call_ok, fake};

fn hello() -> serde_json::Value {
    json!({ "chat_id": ALICE_ID, "text": "hello" })
}

#[tokio::test]
async fn a_rate_limit_answers_429_with_retry_after() {
    let fake = fake().await;
    fake.inject(Fault::rate_limit("sendMessage", 3));
    let (status, body) = call(&fake, "sendMessage", hello()).await;
    assert_eq!(status, 429);
    assert_eq!(
        body,
        json!({
            "ok": false,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": { "retry_after": 3 },
        })
    );
    // One use only: the next call goes through, and nothing was sent the first time.
    call_ok(&fake, "sendMessage", hello()).await;
    assert_eq!(fake.world().messages(ALICE_ID).len(), 1);
}

#[tokio::test]
async fn teloxide_maps_a_rate_limit_to_retry_after() {
    let fake = fake().await;
    fake.inject(Fault::rate_limit("sendMessage", 3));
    let error = bot(&fake)
        .send_message(ChatId(ALICE_ID), "hello")
        .await
        .expect_err("rate limited");
    assert!(
        matches!(error, RequestError::RetryAfter(after) if after == Seconds::from_seconds(3)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_fault_repeated_times_two_fails_twice_then_succeeds() {
    let fake = fake().await;
    fake.inject(Fault::rate_limit("sendMessage", 1).times(2));
    let bot = bot(&fake);
    for _ in 0..2 {
        let error = bot
            .send_message(ChatId(ALICE_ID), "hello")
            .await
            .expect_err("rate limited");
        assert!(matches!(error, RequestError::RetryAfter(_)), "{error:?}");
    }
    bot.send_message(ChatId(ALICE_ID), "hello")
        .await
        .expect("third time lucky");
    let statuses: Vec<u16> = fake
        .calls_to("sendMessage")
        .iter()
        .map(|c| c.http_status)
        .collect();
    assert_eq!(statuses, [429, 429, 200]);
}

#[tokio::test]
async fn a_fault_hits_only_its_method_and_any_matches_every_method() {
    let fake = fake().await;
    fake.inject(Fault::rate_limit("sendMessage", 1));
    call_ok(&fake, "getMe", json!({})).await;
    // Method names match in any case.
    let (status, _) = call(&fake, "SendMessage", hello()).await;
    assert_eq!(status, 429);

    fake.inject(Fault::any(FaultKind::ServerError { status: 500 }));
    let (status, _) = call(&fake, "getMe", json!({})).await;
    assert_eq!(status, 500);
    call_ok(&fake, "getMe", json!({})).await;
}

#[tokio::test]
async fn faults_queue_in_order_and_can_be_cleared() {
    let fake = fake().await;
    fake.inject(Fault::server_error("getMe", 502));
    fake.inject(Fault::rate_limit("getMe", 7));
    assert_eq!(call(&fake, "getMe", json!({})).await.0, 502);
    assert_eq!(call(&fake, "getMe", json!({})).await.0, 429);
    call_ok(&fake, "getMe", json!({})).await;

    fake.inject(Fault::rate_limit("getMe", 1).times(5));
    fake.clear_faults();
    call_ok(&fake, "getMe", json!({})).await;
}

#[tokio::test]
async fn server_errors_have_telegrams_shape() {
    let fake = fake().await;
    for (code, description) in [
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
        (504, "Gateway Timeout"),
    ] {
        fake.inject(Fault::server_error("sendMessage", code));
        let (status, body) = call(&fake, "sendMessage", hello()).await;
        assert_eq!(status, code);
        assert_eq!(
            body,
            json!({ "ok": false, "error_code": code, "description": description })
        );
    }
    assert!(fake.world().messages(ALICE_ID).is_empty());
    let recorded: Vec<u16> = fake.calls().iter().map(|c| c.http_status).collect();
    assert_eq!(recorded, [500, 502, 503, 504]);
}

#[tokio::test]
async fn a_delay_slows_the_answer_but_keeps_it() {
    let fake = fake().await;
    fake.inject(Fault::delay("sendMessage", Duration::from_millis(400)));
    let started = Instant::now();
    let sent = call_ok(&fake, "sendMessage", hello()).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(sent["text"], "hello");

    let started = Instant::now();
    call_ok(&fake, "sendMessage", hello()).await;
    assert!(started.elapsed() < Duration::from_millis(400), "only once");
}

#[tokio::test]
async fn a_migrated_group_answers_with_the_new_chat_id() {
    let fake = fake().await;
    let new_id = -1_009_999_000_111;
    fake.inject(Fault::migrated("sendMessage", new_id));
    let (status, body) = call(
        &fake,
        "sendMessage",
        json!({ "chat_id": LOUNGE_ID, "text": "hi" }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "ok": false,
            "error_code": 400,
            "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": { "migrate_to_chat_id": new_id },
        })
    );

    fake.inject(Fault::migrated("sendMessage", new_id));
    let error = bot(&fake)
        .send_message(ChatId(LOUNGE_ID), "hi")
        .await
        .expect_err("migrated");
    assert!(
        matches!(error, RequestError::MigrateToChatId(ChatId(id)) if id == new_id),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_wrong_token_is_answered_before_any_fault_is_used() {
    let fake = fake().await;
    fake.inject(Fault::rate_limit("getMe", 1));
    let url = format!("{}/bot1:WRONG/getMe", fake.base_url());
    let (status, _) = common::send(common::http().post(&url)).await;
    assert_eq!(status, 401);
    let (status, _) = call(&fake, "getMe", json!({})).await;
    assert_eq!(status, 429, "the fault is still queued");
}
