//! setMyCommands, getMyCommands, deleteMyCommands: commands per scope and language.

use serde_json::Value;

use crate::model::BotCommand;
use crate::params::Params;
use crate::reply::{ok, ApiError, MethodResult};
use crate::state::Inner;

const SCOPES: &[&str] = &[
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
];

/// A stable key for a `BotCommandScope` object (absent means `default`).
pub(crate) fn scope_key(scope: Option<&Value>) -> Result<String, ApiError> {
    let invalid = || ApiError::bad_request("can't parse BotCommandScope");
    let Some(scope) = scope else {
        return Ok("default".into());
    };
    let kind = scope
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    if !SCOPES.contains(&kind) {
        return Err(invalid());
    }
    let part = |name: &str| match scope.get(name) {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(ApiError::bad_request(format!("{name} is empty"))),
    };
    Ok(match kind {
        "chat" | "chat_administrators" => format!("{kind}:{}", part("chat_id")?),
        "chat_member" => format!("{kind}:{}:{}", part("chat_id")?, part("user_id")?),
        _ => kind.to_owned(),
    })
}

fn key(params: &Params) -> Result<(String, String), ApiError> {
    let scope = params.json("scope")?;
    let language = params.str("language_code").unwrap_or_default();
    Ok((scope_key(scope.as_ref())?, language))
}

fn valid(command: &BotCommand) -> Result<(), ApiError> {
    let name = &command.command;
    let name_ok = (1..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !name_ok {
        return Err(ApiError::bad_request("BOT_COMMAND_INVALID"));
    }
    let len = command.description.chars().count();
    if !(1..=256).contains(&len) {
        return Err(ApiError::bad_request("command description is empty"));
    }
    Ok(())
}

pub(crate) fn set_my_commands(inner: &mut Inner, params: &Params) -> MethodResult {
    let commands: Vec<BotCommand> = params
        .typed("commands")?
        .ok_or_else(|| ApiError::bad_request("can't parse commands JSON object"))?;
    if commands.len() > 100 {
        return Err(ApiError::bad_request("BOT_COMMANDS_TOO_MUCH"));
    }
    commands.iter().try_for_each(valid)?;
    let key = key(params)?;
    if commands.is_empty() {
        inner.commands.remove(&key);
    } else {
        inner.commands.insert(key, commands);
    }
    ok(true)
}

pub(crate) fn get_my_commands(inner: &mut Inner, params: &Params) -> MethodResult {
    let key = key(params)?;
    let commands = inner.commands.get(&key).cloned().unwrap_or_default();
    ok(serde_json::to_value(commands).unwrap_or(Value::Array(Vec::new())))
}

pub(crate) fn delete_my_commands(inner: &mut Inner, params: &Params) -> MethodResult {
    let key = key(params)?;
    inner.commands.remove(&key);
    ok(true)
}
