//! A readable account of one update and what the bot did about it.

use std::io::Write;

use fake_bot_api::RecordedCall;
use lambdagram::ingress::IngressResponse;
use serde_json::Value;

use crate::events::Event;

pub fn write(
    out: &mut impl Write,
    ev: &Event,
    answer: &IngressResponse,
    calls: &[RecordedCall],
) -> std::io::Result<()> {
    writeln!(out, "[{}] {}", ev.name, describe_update(&ev.body))?;
    let route = answer
        .outcome
        .route()
        .map(|r| format!(" route {r}"))
        .unwrap_or_default();
    writeln!(
        out,
        "  → HTTP {} {}{}{}",
        answer.status,
        answer.outcome.label(),
        route,
        if answer.reply.is_some() {
            " (webhook reply)"
        } else {
            ""
        }
    )?;
    for call in calls {
        writeln!(out, "  ← {}", describe_call(call))?;
    }
    writeln!(out)
}

fn who(user: &Value) -> String {
    let name = user["first_name"].as_str().unwrap_or("?");
    format!("{name} ({})", user["id"])
}

fn chat(chat: &Value) -> String {
    format!("{} {}", chat["type"].as_str().unwrap_or("chat"), chat["id"])
}

pub fn describe_update(body: &str) -> String {
    let Ok(u) = serde_json::from_str::<Value>(body) else {
        return "a body that is not JSON".into();
    };
    let Some(id) = u.get("update_id") else {
        return "JSON that is not a Telegram update".into();
    };
    for kind in ["message", "edited_message"] {
        if let Some(m) = u.get(kind) {
            let what = if let Some(t) = m["text"].as_str() {
                format!("{t:?}")
            } else if m.get("new_chat_members").is_some() {
                "new members joined".into()
            } else {
                "(no text)".into()
            };
            return format!(
                "update {id} · {} from {} in {}: {what}",
                kind.replace('_', " "),
                who(&m["from"]),
                chat(&m["chat"])
            );
        }
    }
    if let Some(c) = u.get("callback_query") {
        return format!(
            "update {id} · button {:?} pressed by {}",
            c["data"].as_str().unwrap_or(""),
            who(&c["from"])
        );
    }
    for kind in ["chat_member", "my_chat_member"] {
        if let Some(c) = u.get(kind) {
            return format!(
                "update {id} · {kind} in {}: {} {} → {}",
                chat(&c["chat"]),
                who(&c["new_chat_member"]["user"]),
                c["old_chat_member"]["status"].as_str().unwrap_or("?"),
                c["new_chat_member"]["status"].as_str().unwrap_or("?")
            );
        }
    }
    format!("update {id} of a kind this bot does not handle")
}

fn describe_call(call: &RecordedCall) -> String {
    let p = &call.params;
    let ok = if call.http_status == 200 {
        String::new()
    } else {
        format!(
            " ✗ {} {}",
            call.http_status,
            call.response["description"].as_str().unwrap_or("")
        )
    };
    format!("{}{ok}", describe_method(&call.method, p))
}

/// One Bot API method call (made, or answered as a webhook reply), in a line.
pub fn describe_method(method: &str, p: &Value) -> String {
    match method {
        "sendMessage" => format!(
            "sendMessage to {}: {:?}",
            p["chat_id"],
            p["text"].as_str().unwrap_or("")
        ),
        _ => format!("{method} {p}"),
    }
}
