//! The HTTP surface as Telegram presents it: `/bot{token}/{method}`, the 401/404 answers, every
//! body encoding Telegram accepts, lenient parameter types, and the record of calls.

mod common;

use fake_bot_api::{ALICE_ID, BORIS_ID, BOT_ID, LOUNGE_ID};
use serde_json::{json, Value};

use common::{call, call_ok, error_body, fake, http, method_url, send};

#[tokio::test]
async fn a_wrong_token_is_unauthorized() {
    let fake = fake().await;
    let url = format!("{}/bot123456:WRONG/getMe", fake.base_url());
    let (status, body) = send(http().post(&url)).await;
    assert_eq!(status, 401);
    assert_eq!(body, error_body(401, "Unauthorized"));

    // Also for methods the fake does not know: the token is checked first.
    let url = format!("{}/bot123456:WRONG/noSuchMethod", fake.base_url());
    let (status, body) = send(http().post(&url)).await;
    assert_eq!(status, 401);
    assert_eq!(body, error_body(401, "Unauthorized"));
}

#[tokio::test]
async fn an_unknown_method_or_path_is_not_found() {
    let fake = fake().await;
    let (status, body) = call(&fake, "sendTelepathy", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(body, error_body(404, "Not Found"));

    let url = format!("{}/telegram/getMe", fake.base_url());
    let (status, body) = send(http().get(&url)).await;
    assert_eq!(status, 404);
    assert_eq!(body, error_body(404, "Not Found"));
}

#[tokio::test]
async fn method_names_are_case_insensitive_and_recorded_canonically() {
    let fake = fake().await;
    let (status, body) = send(http().get(method_url(&fake, "GETME"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["id"], BOT_ID);
    assert_eq!(fake.calls()[0].method, "getMe");
}

#[tokio::test]
async fn get_me_answers_telegrams_exact_user_shape() {
    let fake = fake().await;
    let me = call_ok(&fake, "getMe", json!({})).await;
    assert_eq!(
        me,
        json!({
            "id": BOT_ID,
            "is_bot": true,
            "first_name": "Lambdagram",
            "username": "LambdagramBot",
            "can_join_groups": true,
            "can_read_all_group_messages": false,
            "supports_inline_queries": false,
            "can_connect_to_business": false,
            "has_main_web_app": false,
        })
    );
}

/// The message `sendMessage` stored, minus the `date` that changes every second.
fn without_date(mut message: Value) -> Value {
    assert!(message["date"].is_i64(), "a message has a unix date");
    message.as_object_mut().map(|m| m.remove("date"));
    message
}

#[tokio::test]
async fn send_message_answers_telegrams_exact_message_shape() {
    let fake = fake().await;
    let keyboard =
        json!({ "inline_keyboard": [[{ "text": "I joined", "callback_data": "joined" }]] });
    let sent = call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": LOUNGE_ID, "text": "hi", "reply_markup": keyboard }),
    )
    .await;
    assert_eq!(
        without_date(sent),
        json!({
            "message_id": 1,
            "from": {
                "id": BOT_ID,
                "is_bot": true,
                "first_name": "Lambdagram",
                "username": "LambdagramBot",
            },
            "chat": { "id": LOUNGE_ID, "title": "Lambdagram Lounge", "type": "supergroup" },
            "text": "hi",
            "reply_markup": keyboard,
        })
    );
}

#[tokio::test]
async fn a_json_body_is_accepted() {
    let fake = fake().await;
    let sent = call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": ALICE_ID, "text": "json", "disable_notification": true }),
    )
    .await;
    assert_eq!(sent["chat"]["id"], ALICE_ID);
    assert_eq!(sent["text"], "json");
    // JSON parameters are recorded with their JSON types.
    let recorded = &fake.calls()[0];
    assert_eq!(recorded.params["chat_id"], json!(ALICE_ID));
    assert_eq!(recorded.params["disable_notification"], json!(true));
}

#[tokio::test]
async fn a_form_urlencoded_body_is_accepted_with_json_encoded_objects() {
    let fake = fake().await;
    let keyboard = r#"{"inline_keyboard":[[{"text":"Go","callback_data":"go"}]]}"#;
    let chat_id = ALICE_ID.to_string();
    let form = [
        ("chat_id", chat_id.as_str()),
        ("text", "form & more"),
        ("reply_markup", keyboard),
    ];
    let (status, body) = send(http().post(method_url(&fake, "sendMessage")).form(&form)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["text"], "form & more");
    assert_eq!(
        body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "go"
    );
    // Form values are recorded as the strings they arrived as.
    let recorded = &fake.calls()[0];
    assert_eq!(recorded.params["chat_id"], json!(chat_id));
    assert_eq!(recorded.params["reply_markup"], json!(keyboard));
}

#[tokio::test]
async fn a_query_string_is_accepted_and_a_body_overrides_it() {
    let fake = fake().await;
    let url = format!(
        "{}?chat_id={ALICE_ID}&text=from%20query",
        method_url(&fake, "sendMessage")
    );
    let (status, body) = send(http().get(&url)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["text"], "from query");

    let (status, body) = send(http().post(&url).json(&json!({ "text": "from body" }))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["text"], "from body");
    assert_eq!(body["result"]["chat"]["id"], ALICE_ID);
}

#[tokio::test]
async fn a_multipart_body_is_accepted() {
    let fake = fake().await;
    let boundary = "lambdagram-Boundary-42";
    let part = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let body = [
        part("chat_id", &LOUNGE_ID.to_string()),
        part("text", "multi\r\npart"),
        part(
            "reply_markup",
            r#"{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}"#,
        ),
        format!("--{boundary}--\r\n"),
    ]
    .concat();
    let request = http()
        .post(method_url(&fake, "sendMessage"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    let (status, body) = send(request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["chat"]["id"], LOUNGE_ID);
    assert_eq!(body["result"]["text"], "multi\r\npart");
    assert_eq!(
        body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"],
        "A"
    );
}

#[tokio::test]
async fn numbers_and_booleans_may_arrive_as_strings() {
    let fake = fake().await;
    let sent = call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": LOUNGE_ID.to_string(), "text": "as strings" }),
    )
    .await;
    assert_eq!(sent["chat"]["id"], LOUNGE_ID);

    let member = call_ok(
        &fake,
        "getChatMember",
        json!({ "chat_id": LOUNGE_ID.to_string(), "user_id": BORIS_ID.to_string() }),
    )
    .await;
    assert_eq!(member["status"], "member");

    call_ok(
        &fake,
        "deleteMessage",
        json!({ "chat_id": LOUNGE_ID, "message_id": sent["message_id"].to_string() }),
    )
    .await;
    assert!(fake.world().messages(LOUNGE_ID).is_empty());

    // "true" counts as true: boris is not banned, so nothing happens and he stays.
    call_ok(
        &fake,
        "unbanChatMember",
        json!({ "chat_id": LOUNGE_ID, "user_id": BORIS_ID, "only_if_banned": "true" }),
    )
    .await;
    let member = call_ok(
        &fake,
        "getChatMember",
        json!({ "chat_id": LOUNGE_ID, "user_id": BORIS_ID }),
    )
    .await;
    assert_eq!(member["status"], "member");
}

#[tokio::test]
async fn a_public_chat_may_be_named_by_username() {
    let fake = fake().await;
    let chat = call_ok(&fake, "getChat", json!({ "chat_id": "@lambdagram_news" })).await;
    assert_eq!(chat["id"], fake_bot_api::NEWS_ID);
    assert_eq!(chat["type"], "channel");
    assert_eq!(chat["username"], "lambdagram_news");
    assert!(
        chat.get("permissions").is_none(),
        "channels have no member permissions"
    );
}

#[tokio::test]
async fn every_call_is_recorded_in_order_with_params_and_answer() {
    let fake = fake().await;
    call_ok(&fake, "getMe", json!({})).await;
    let (status, _) = call(&fake, "sendMessage", json!({ "chat_id": 42, "text": "x" })).await;
    assert_eq!(status, 400);
    call_ok(
        &fake,
        "sendMessage",
        json!({ "chat_id": ALICE_ID, "text": "y" }),
    )
    .await;

    let calls = fake.calls();
    let methods: Vec<&str> = calls.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(methods, ["getMe", "sendMessage", "sendMessage"]);

    assert!(calls[0].is_ok());
    assert_eq!(calls[0].http_status, 200);
    assert_eq!(
        calls[0].result().map(|r| r["id"].clone()),
        Some(json!(BOT_ID))
    );

    let failed = &calls[1];
    assert!(!failed.is_ok());
    assert_eq!(failed.http_status, 400);
    assert_eq!(failed.param("chat_id"), Some(&json!(42)));
    assert_eq!(
        failed.response,
        error_body(400, "Bad Request: chat not found")
    );
    assert_eq!(failed.result(), None);

    let sends = fake.calls_to("sendMessage");
    assert_eq!(sends.len(), 2);
    assert_eq!(sends[1].params, json!({ "chat_id": ALICE_ID, "text": "y" }));
    assert_eq!(
        sends[1].result().map(|r| r["text"].clone()),
        Some(json!("y"))
    );
    // Method names match in any case.
    assert_eq!(fake.calls_to("SENDMESSAGE").len(), 2);

    fake.clear_calls();
    assert!(fake.calls().is_empty());
    call_ok(&fake, "getMe", json!({})).await;
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test]
async fn unauthorized_and_unknown_calls_are_recorded_too() {
    let fake = fake().await;
    let url = format!("{}/botnope/getMe", fake.base_url());
    send(http().post(&url)).await;
    call(&fake, "SendTelepathy", json!({ "to": 1 })).await;

    let calls = fake.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].method, "getMe");
    assert_eq!(calls[0].http_status, 401);
    assert_eq!(calls[1].method, "sendTelepathy");
    assert_eq!(calls[1].http_status, 404);
    assert_eq!(calls[1].params, json!({ "to": 1 }));
}

#[tokio::test]
async fn a_webhook_reply_is_executed_and_recorded_like_a_call() {
    let fake = fake().await;
    let reply = json!({ "method": "sendMessage", "chat_id": BORIS_ID, "text": "from the webhook" });
    let answer = fake.execute_webhook_reply(&reply).await.expect("a method");
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["result"]["text"], "from the webhook");
    let sends = fake.calls_to("sendMessage");
    assert_eq!(sends.len(), 1);
    assert_eq!(
        sends[0].params,
        json!({ "chat_id": BORIS_ID, "text": "from the webhook" })
    );

    // A body without a method is ignored, as Telegram ignores it.
    assert_eq!(
        fake.execute_webhook_reply(&json!({ "ok": true })).await,
        None
    );
    assert_eq!(fake.calls().len(), 1);
}
