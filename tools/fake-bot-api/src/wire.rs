//! JSON shapes of Bot API objects, exactly as Telegram serialises them.

use serde_json::{json, Map, Value};

use crate::model::{AdminRights, Chat, ChatPermissions, ChatType, MemberStatus, User};

/// A `User` object.
pub fn user(user: &User) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), user.id.into());
    map.insert("is_bot".into(), user.is_bot.into());
    map.insert("first_name".into(), user.first_name.clone().into());
    insert_opt(&mut map, "last_name", &user.last_name);
    insert_opt(&mut map, "username", &user.username);
    insert_opt(&mut map, "language_code", &user.language_code);
    Value::Object(map)
}

/// The `User` object `getMe` returns (with the bot-only capability flags).
pub fn me(bot: &User) -> Value {
    let mut value = user(bot);
    if let Some(map) = value.as_object_mut() {
        map.remove("language_code");
        map.insert("can_join_groups".into(), true.into());
        map.insert("can_read_all_group_messages".into(), false.into());
        map.insert("supports_inline_queries".into(), false.into());
        map.insert("can_connect_to_business".into(), false.into());
        map.insert("has_main_web_app".into(), false.into());
    }
    value
}

/// The short `Chat` object embedded in messages.
pub fn chat(chat: &Chat) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), chat.id.into());
    match chat.kind {
        ChatType::Private => {
            let first_name = chat.first_name.clone().unwrap_or_default();
            map.insert("first_name".into(), first_name.into());
            insert_opt(&mut map, "last_name", &chat.last_name);
            insert_opt(&mut map, "username", &chat.username);
        }
        ChatType::Group => {
            insert_opt(&mut map, "title", &chat.title);
        }
        ChatType::Supergroup | ChatType::Channel => {
            insert_opt(&mut map, "title", &chat.title);
            insert_opt(&mut map, "username", &chat.username);
        }
    }
    map.insert("type".into(), chat.kind.as_str().into());
    Value::Object(map)
}

/// The `ChatFullInfo` object `getChat` returns.
pub fn chat_full(chat: &Chat) -> Value {
    let mut value = self::chat(chat);
    if let Some(map) = value.as_object_mut() {
        if chat.kind.is_group_like() {
            map.insert("permissions".into(), permissions(&chat.permissions));
        }
        map.insert("accent_color_id".into(), 0.into());
        map.insert("max_reaction_count".into(), 11.into());
        map.insert(
            "accepted_gift_types".into(),
            json!({
                "unlimited_gifts": false,
                "limited_gifts": false,
                "unique_gifts": false,
                "premium_subscription": false,
            }),
        );
    }
    value
}

/// A `ChatPermissions` object.
pub fn permissions(permissions: &ChatPermissions) -> Value {
    serde_json::to_value(permissions).unwrap_or(Value::Null)
}

/// A `ChatMember` object for `user` with `status`, shaped for a chat of type `kind`.
pub fn member(user: &User, status: &MemberStatus, kind: ChatType) -> Value {
    let mut map = Map::new();
    map.insert("user".into(), self::user(user));
    map.insert("status".into(), status.as_str().into());
    match status {
        MemberStatus::Creator {
            is_anonymous,
            custom_title,
        } => {
            map.insert("is_anonymous".into(), (*is_anonymous).into());
            insert_opt(&mut map, "custom_title", custom_title);
        }
        MemberStatus::Administrator(rights) => admin_rights(&mut map, rights, kind),
        MemberStatus::Member { until_date } => {
            if let Some(until_date) = until_date {
                map.insert("until_date".into(), (*until_date).into());
            }
        }
        MemberStatus::Restricted {
            is_member,
            until_date,
            permissions,
        } => {
            map.insert("is_member".into(), (*is_member).into());
            if let Value::Object(fields) = self::permissions(permissions) {
                map.extend(fields);
            }
            map.insert("until_date".into(), (*until_date).into());
        }
        MemberStatus::Left => {}
        MemberStatus::Kicked { until_date } => {
            map.insert("until_date".into(), (*until_date).into());
        }
    }
    Value::Object(map)
}

fn admin_rights(map: &mut Map<String, Value>, rights: &AdminRights, kind: ChatType) {
    let mut put = |name: &str, value: bool| {
        map.insert(name.into(), value.into());
    };
    put("can_be_edited", rights.can_be_edited);
    put("is_anonymous", rights.is_anonymous);
    put("can_manage_chat", rights.can_manage_chat);
    put("can_delete_messages", rights.can_delete_messages);
    put("can_manage_video_chats", rights.can_manage_video_chats);
    put("can_restrict_members", rights.can_restrict_members);
    put("can_promote_members", rights.can_promote_members);
    put("can_change_info", rights.can_change_info);
    put("can_invite_users", rights.can_invite_users);
    put("can_post_stories", rights.can_post_stories);
    put("can_edit_stories", rights.can_edit_stories);
    put("can_delete_stories", rights.can_delete_stories);
    if kind == ChatType::Channel {
        put("can_post_messages", rights.can_post_messages);
        put("can_edit_messages", rights.can_edit_messages);
    } else {
        put("can_pin_messages", rights.can_pin_messages);
    }
    if kind == ChatType::Supergroup {
        put("can_manage_topics", rights.can_manage_topics);
    }
    insert_opt(map, "custom_title", &rights.custom_title);
}

fn insert_opt(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        map.insert(key.into(), value.clone().into());
    }
}
