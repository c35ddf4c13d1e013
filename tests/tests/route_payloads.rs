//! `events/invoke/<route>.json`: one payload per route, exactly what the webhook sends that
//! route's function (its name and an update its trigger takes), for
//! `cargo lambda invoke <route> --data-file events/invoke/<route>.json`. Generated from the
//! route table: this test fails when a file is missing, stale or names no route, and rewrites
//! them all with `LAMBDAGRAM_BLESS=1`. Each update is routed to its route by the real classifier,
//! and each payload reads as the route functions read theirs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use channel_guard::ROUTES;
use fake_bot_api::{ALICE_ID, BORIS_ID, BOT_ID, BOT_USERNAME, LOUNGE_ID};
use lambdagram::classify::classify;
use lambdagram::route_api::route_request;
use lambdagram::routes::{Scope, Trigger};
use lambdagram::update::UpdateView;
use serde_json::{json, Value};

const DATE: i64 = 1_767_262_000;

fn dir() -> PathBuf {
    lambdagram_e2e::paths::workspace().join("events/invoke")
}

fn alice() -> Value {
    json!({"id": ALICE_ID, "is_bot": false, "first_name": "Alice", "username": "alice", "language_code": "en"})
}

fn boris() -> Value {
    json!({"id": BORIS_ID, "is_bot": false, "first_name": "Boris", "username": "boris", "language_code": "ru"})
}

fn lounge() -> Value {
    json!({"id": LOUNGE_ID, "title": "Lambdagram Lounge", "type": "supergroup"})
}

fn member(user: Value, status: &str) -> Value {
    json!({"user": user, "status": status})
}

/// A message from Alice in `chat` saying `text` (a command when it starts with `/`).
fn message(chat: Value, text: &str) -> Value {
    let mut m =
        json!({"message_id": 70, "from": alice(), "chat": chat, "date": DATE, "text": text});
    if text.starts_with('/') {
        let length = text.split(' ').next().map_or(0, str::len);
        m["entities"] = json!([{"offset": 0, "length": length, "type": "bot_command"}]);
    }
    m
}

fn private() -> Value {
    json!({"id": ALICE_ID, "first_name": "Alice", "username": "alice", "type": "private"})
}

/// An update `trigger` takes, in the fake Bot API's default world.
fn update_for(trigger: Trigger) -> Value {
    let kind = match trigger {
        Trigger::Command { name, scope } => {
            let chat = match scope {
                Scope::Private => private(),
                Scope::Groups | Scope::Everywhere => lounge(),
            };
            json!({"message": message(chat, &format!("/{name}"))})
        }
        Trigger::UnknownPrivateCommand => json!({"message": message(private(), "/frobnicate now")}),
        Trigger::GroupMessage => {
            let mut m = message(lounge(), "Hi all");
            m["from"] = boris();
            json!({"message": m})
        }
        Trigger::EditedMessage => {
            let mut m = message(private(), "edited");
            m["edit_date"] = json!(DATE + 60);
            json!({"edited_message": m})
        }
        Trigger::Callback { prefix } => json!({"callback_query": {
            "id": "4382",
            "from": boris(),
            "message": {"message_id": 71, "date": DATE, "chat": lounge(), "text": "…",
                "from": {"id": BOT_ID, "is_bot": true, "first_name": "Lambdagram", "username": BOT_USERNAME}},
            "chat_instance": "-3417385718256094011",
            "data": format!("{prefix}:{BORIS_ID}")
        }}),
        Trigger::ChatMember => json!({"chat_member": {
            "chat": lounge(), "from": boris(), "date": DATE,
            "old_chat_member": member(boris(), "left"),
            "new_chat_member": member(boris(), "member")
        }}),
        Trigger::MyChatMember => {
            let bot = json!({"id": BOT_ID, "is_bot": true, "first_name": "Lambdagram", "username": BOT_USERNAME});
            let mut admin = member(bot.clone(), "administrator");
            for right in [
                "can_be_edited",
                "is_anonymous",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            ] {
                admin[right] = json!(matches!(
                    right,
                    "can_delete_messages" | "can_restrict_members"
                ));
            }
            json!({"my_chat_member": {
                "chat": lounge(), "from": alice(), "date": DATE,
                "old_chat_member": member(bot, "member"),
                "new_chat_member": admin
            }})
        }
        Trigger::ChatJoinRequest => json!({"chat_join_request": {
            "chat": lounge(), "from": boris(), "user_chat_id": BORIS_ID, "date": DATE
        }}),
        Trigger::NewChatMembers => json!({"message": {
            "message_id": 72, "from": boris(), "chat": lounge(), "date": DATE,
            "new_chat_members": [boris()]
        }}),
        Trigger::Conversation => json!({"message": {
            "message_id": 74, "from": boris(), "date": DATE,
            "chat": {"id": 731_002, "first_name": "Boris", "type": "private"},
            "text": "an answer"
        }}),
        Trigger::ChatMigration => json!({"message": {
            "message_id": 73, "from": alice(), "date": DATE,
            "chat": {"id": -4_001_234_567_i64, "title": "Lambdagram Lounge", "type": "group"},
            "migrate_to_chat_id": LOUNGE_ID
        }}),
    };
    let mut update = json!({"update_id": 731_100_000});
    for (k, v) in kind.as_object().expect("an object") {
        update[k] = v.clone();
    }
    update
}

/// Every route's payload file, by file name.
fn wanted() -> BTreeMap<String, String> {
    ROUTES
        .routes()
        .iter()
        .map(|route| {
            let payload = json!({"route": route.name, "update": update_for(route.trigger)});
            let text = serde_json::to_string_pretty(&payload).expect("JSON") + "\n";
            (format!("{}.json", route.name), text)
        })
        .collect()
}

#[test]
fn every_route_has_its_invoke_payload_and_it_is_routed_there() {
    let wanted = wanted();
    if std::env::var_os("LAMBDAGRAM_BLESS").is_some() {
        std::fs::create_dir_all(dir()).expect("events/invoke");
        for (file, text) in &wanted {
            std::fs::write(dir().join(file), text).expect("write a payload");
        }
    }
    let on_disk: BTreeMap<String, String> = std::fs::read_dir(dir())
        .expect("events/invoke/ (LAMBDAGRAM_BLESS=1 writes it)")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("read"))
        })
        .collect();
    assert_eq!(
        on_disk.keys().collect::<Vec<_>>(),
        wanted.keys().collect::<Vec<_>>(),
        "one file per route in events/invoke/: run with LAMBDAGRAM_BLESS=1"
    );
    for (file, text) in &wanted {
        assert_eq!(
            &on_disk[file], text,
            "events/invoke/{file} is stale: run with LAMBDAGRAM_BLESS=1"
        );
        let raw: Box<serde_json::value::RawValue> = serde_json::from_str(text).expect("a payload");
        let request = route_request(&raw)
            .expect("reads as the route functions read it")
            .expect("not the warm-up");
        let view: UpdateView = serde_json::from_str(request.update.get()).expect("an update");
        let routed = classify(ROUTES, &view, BOT_USERNAME).map(|r| r.name);
        assert_eq!(routed, Ok(request.route.as_str()), "{file}");
    }
}
