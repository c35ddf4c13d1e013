//! getUpdates (offsets, limits, long polling, conflicts) and the webhook methods, with the exact
//! answers Telegram gives.

mod common;

use std::time::{Duration, Instant};

use fake_bot_api::{ALICE_ID, BORIS_ID, LOUNGE_ID};
use serde_json::{json, Value};

use common::{call, call_ok, error_body, fake};

const WEBHOOK_ACTIVE: &str = "Conflict: can't use getUpdates method while webhook is active; \
                              use deleteWebhook to delete the webhook first";

fn ids(updates: &Value) -> Vec<i64> {
    updates
        .as_array()
        .expect("an array of updates")
        .iter()
        .map(|u| u["update_id"].as_i64().expect("an update_id"))
        .collect()
}

#[tokio::test]
async fn pushed_updates_get_consecutive_ids_unless_given_one() {
    let fake = fake().await;
    let first = fake.user_says(ALICE_ID, ALICE_ID, "/start").expect("known");
    assert_eq!(first["update_id"], 1);
    assert_eq!(first["message"]["text"], "/start");
    assert_eq!(first["message"]["chat"]["type"], "private");
    let given = fake.push_update(json!({ "update_id": 100, "message": first["message"] }));
    assert_eq!(given["update_id"], 100);
    let next = fake.push_update(json!({ "message": first["message"] }));
    assert_eq!(next["update_id"], 101);
    assert_eq!(
        ids(&call_ok(&fake, "getUpdates", json!({})).await),
        [1, 100, 101]
    );
}

#[tokio::test]
async fn offset_confirms_and_limit_caps() {
    let fake = fake().await;
    for text in ["one", "two", "three", "four"] {
        fake.user_says(LOUNGE_ID, BORIS_ID, text).expect("known");
    }
    let first_two = call_ok(&fake, "getUpdates", json!({ "limit": 2 })).await;
    assert_eq!(ids(&first_two), [1, 2]);
    assert_eq!(first_two[1]["message"]["text"], "two");
    // Unconfirmed updates come again.
    assert_eq!(
        ids(&call_ok(&fake, "getUpdates", json!({})).await),
        [1, 2, 3, 4]
    );

    // An offset confirms everything below it, for good.
    assert_eq!(
        ids(&call_ok(&fake, "getUpdates", json!({ "offset": 3 })).await),
        [3, 4]
    );
    assert_eq!(fake.world().pending_updates().len(), 2);
    assert_eq!(ids(&call_ok(&fake, "getUpdates", json!({})).await), [3, 4]);

    // A negative offset keeps only the last updates.
    assert_eq!(
        ids(&call_ok(&fake, "getUpdates", json!({ "offset": -1 })).await),
        [4]
    );
    assert_eq!(
        ids(&call_ok(&fake, "getUpdates", json!({ "offset": 5 })).await),
        Vec::<i64>::new()
    );
    assert!(fake.world().pending_updates().is_empty());
}

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_a_message_arrives() {
    let fake = fake().await;
    let started = Instant::now();
    let (answer, pushed) = tokio::join!(
        call_ok(&fake, "getUpdates", json!({ "timeout": 10 })),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            fake.user_says(LOUNGE_ID, BORIS_ID, "anyone here?")
                .expect("known")
        }
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300),
        "it waited: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(5),
        "it did not sit out the timeout: {waited:?}"
    );
    assert_eq!(answer, json!([pushed]));
}

#[tokio::test]
async fn a_long_poll_wakes_for_a_button_and_for_a_raw_update() {
    let fake = fake().await;
    let sent = call_ok(
        &fake,
        "sendMessage",
        json!({
            "chat_id": LOUNGE_ID,
            "text": "Press",
            "reply_markup": { "inline_keyboard": [[{ "text": "OK", "callback_data": "ok" }]] },
        }),
    )
    .await;
    let message_id = sent["message_id"].as_i64().expect("an id");
    let (answer, pressed) = tokio::join!(
        call_ok(&fake, "getUpdates", json!({ "timeout": 10 })),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            fake.press_button(LOUNGE_ID, message_id, BORIS_ID, "ok")
                .expect("known")
        }
    );
    assert_eq!(answer, json!([pressed]));
    let query = &pressed["callback_query"];
    assert_eq!(query["data"], "ok");
    assert_eq!(query["from"]["id"], BORIS_ID);
    assert_eq!(query["message"], sent);
    assert!(query["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(query["chat_instance"], LOUNGE_ID.to_string());

    let offset = pressed["update_id"].as_i64().expect("an id") + 1;
    let raw = json!({ "my_chat_member": { "note": "any JSON is delivered as given" } });
    let (answer, pushed) = tokio::join!(
        call_ok(
            &fake,
            "getUpdates",
            json!({ "timeout": 10, "offset": offset })
        ),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            fake.push_update(raw.clone())
        }
    );
    assert_eq!(answer, json!([pushed]));
    assert_eq!(pushed["my_chat_member"], raw["my_chat_member"]);
}

#[tokio::test]
async fn a_long_poll_without_updates_waits_out_its_timeout() {
    let fake = fake().await;
    let started = Instant::now();
    let answer = call_ok(&fake, "getUpdates", json!({ "timeout": 1 })).await;
    assert_eq!(answer, json!([]));
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[tokio::test]
async fn a_newer_get_updates_terminates_the_older_long_poll() {
    let fake = fake().await;
    let (older, newer) = tokio::join!(call(&fake, "getUpdates", json!({ "timeout": 10 })), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        call_ok(&fake, "getUpdates", json!({})).await
    });
    assert_eq!(newer, json!([]));
    assert_eq!(older.0, 409);
    assert_eq!(
        older.1,
        error_body(
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot \
             instance is running"
        )
    );
}

#[tokio::test]
async fn get_updates_conflicts_with_an_active_webhook() {
    let fake = fake().await;
    fake.user_says(ALICE_ID, ALICE_ID, "hi").expect("known");
    call_ok(
        &fake,
        "setWebhook",
        json!({ "url": "https://hooks.example.com/bot" }),
    )
    .await;
    let (status, body) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(body, error_body(409, WEBHOOK_ACTIVE));
    // The update stays queued for the webhook.
    assert_eq!(fake.world().webhook_info().pending_update_count, 1);

    call_ok(&fake, "deleteWebhook", json!({})).await;
    assert_eq!(ids(&call_ok(&fake, "getUpdates", json!({})).await), [1]);
}

#[tokio::test]
async fn setting_a_webhook_ends_a_waiting_long_poll_with_a_conflict() {
    let fake = fake().await;
    let (poll, _) = tokio::join!(call(&fake, "getUpdates", json!({ "timeout": 10 })), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        call_ok(
            &fake,
            "setWebhook",
            json!({ "url": "https://hooks.example.com/bot" }),
        )
        .await
    });
    assert_eq!(poll, (409, error_body(409, WEBHOOK_ACTIVE)));
}

#[tokio::test]
async fn set_and_delete_webhook_describe_what_they_did() {
    let fake = fake().await;
    let hook = json!({ "url": "https://hooks.example.com/bot" });
    let described =
        |description: &str| json!({ "ok": true, "result": true, "description": description });
    assert_eq!(
        call(&fake, "setWebhook", hook.clone()).await,
        (200, described("Webhook was set"))
    );
    assert_eq!(
        call(&fake, "setWebhook", hook).await,
        (200, described("Webhook is already set"))
    );
    assert_eq!(
        call(&fake, "deleteWebhook", json!({})).await,
        (200, described("Webhook was deleted"))
    );
    assert_eq!(
        call(&fake, "deleteWebhook", json!({})).await,
        (200, described("Webhook is already deleted"))
    );
    // setWebhook with an empty url removes the webhook too.
    call_ok(
        &fake,
        "setWebhook",
        json!({ "url": "https://hooks.example.com/bot" }),
    )
    .await;
    assert_eq!(
        call(&fake, "setWebhook", json!({ "url": "" })).await,
        (200, described("Webhook was deleted"))
    );
}

#[tokio::test]
async fn get_webhook_info_has_telegrams_shape() {
    let fake = fake().await;
    assert_eq!(
        call_ok(&fake, "getWebhookInfo", json!({})).await,
        json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 })
    );

    fake.user_says(ALICE_ID, ALICE_ID, "hi").expect("known");
    call_ok(
        &fake,
        "setWebhook",
        json!({
            "url": "https://hooks.example.com:8443/bot",
            "secret_token": "abc-DEF_123",
            "max_connections": 5,
            "allowed_updates": ["message", "callback_query"],
            "ip_address": "203.0.113.7",
        }),
    )
    .await;
    fake.world().set_webhook_error(
        1_700_000_000,
        "Wrong response from the webhook: 500 Internal Server Error",
    );
    assert_eq!(
        call_ok(&fake, "getWebhookInfo", json!({})).await,
        json!({
            "url": "https://hooks.example.com:8443/bot",
            "has_custom_certificate": false,
            "pending_update_count": 1,
            "ip_address": "203.0.113.7",
            "last_error_date": 1_700_000_000,
            "last_error_message": "Wrong response from the webhook: 500 Internal Server Error",
            "max_connections": 5,
            "allowed_updates": ["message", "callback_query"],
        })
    );
    // The secret is never shown, but the fake remembers it for webhook deliveries.
    assert_eq!(
        fake.world().webhook_info().secret_token.as_deref(),
        Some("abc-DEF_123")
    );
}

#[tokio::test]
async fn allowed_updates_are_kept_when_omitted_and_pending_updates_can_be_dropped() {
    let fake = fake().await;
    call_ok(
        &fake,
        "setWebhook",
        json!({ "url": "https://hooks.example.com/a", "allowed_updates": ["chat_member"] }),
    )
    .await;
    fake.user_says(ALICE_ID, ALICE_ID, "hi").expect("known");
    call_ok(
        &fake,
        "setWebhook",
        json!({ "url": "https://hooks.example.com/b", "drop_pending_updates": true }),
    )
    .await;
    let info = fake.world().webhook_info();
    assert_eq!(info.url, "https://hooks.example.com/b");
    assert_eq!(info.allowed_updates, Some(vec!["chat_member".to_owned()]));
    assert_eq!(info.pending_update_count, 0);
    assert_eq!(info.max_connections, Some(40), "Telegram's default");

    fake.user_says(ALICE_ID, ALICE_ID, "again").expect("known");
    call_ok(
        &fake,
        "deleteWebhook",
        json!({ "drop_pending_updates": true }),
    )
    .await;
    assert!(fake.world().pending_updates().is_empty());
}

#[tokio::test]
async fn set_webhook_refuses_what_telegram_refuses() {
    let fake = fake().await;
    let cases = [
        (
            json!({ "url": "http://hooks.example.com/bot" }),
            "Bad Request: bad webhook: HTTPS url must be provided for webhook",
        ),
        (
            json!({ "url": "https://hooks.example.com:8080/bot" }),
            "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        ),
        (
            json!({ "url": "https://hooks.example.com/bot", "secret_token": "no spaces" }),
            "Bad Request: secret token contains unallowed characters",
        ),
        (
            json!({ "url": "https://hooks.example.com/bot", "max_connections": 101 }),
            "Bad Request: invalid max_connections specified",
        ),
    ];
    for (params, description) in cases {
        let (status, body) = call(&fake, "setWebhook", params.clone()).await;
        assert_eq!(status, 400, "{params}");
        assert_eq!(body, error_body(400, description), "{params}");
    }
    assert_eq!(fake.world().webhook_info().url, "");

    // Plain HTTP is allowed to loopback, for local runs against the fake.
    call_ok(
        &fake,
        "setWebhook",
        json!({ "url": "http://127.0.0.1:9000/webhook" }),
    )
    .await;
}
