//! `lambdagram events new <kind>`: a realistic sample event with the ids you choose.
//!
//! The update is shaped as Telegram sends it (the fake Bot API's wire shapes, the people and
//! chats of its default world when their ids are used), and by default wrapped in the API
//! Gateway HTTP API (v2) event the webhook function receives — the same form as `events/`.
//! Every generated update is parsed back with teloxide-core and routed before it is written.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, ensure, Context};
use clap::{Subcommand, ValueEnum};
use fake_bot_api::{wire, AdminRights, Chat, ChatType, MemberStatus, User};
use lambdagram::secret::WebhookSecret;
use lambdagram::teloxide_core::types::{Update, UpdateKind};
use lambdagram::update::UpdateView;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::local::LOCAL_SECRET;
use crate::transcript;

#[derive(Subcommand)]
pub enum Action {
    /// Write a realistic sample event: an API Gateway HTTP API event wrapping a Telegram update
    /// (like the files in events/), or the bare update with --bare. Fresh update and message
    /// ids unless given, dated now. Defaults are the people and chats of the matching sample in
    /// events/: Alice (111111), Boris (222222), the Lounge (-1001234567890), @lambdagram_news
    /// (-1009876543210).
    New(NewArgs),
}

/// The kinds of update the bot's routes handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// A command in the user's private chat (`--command`, default /start; user Alice).
    PrivateCommand,
    /// A message in a group (`--text`, a command if it starts with /; Boris in the Lounge).
    GroupMessage,
    /// A button pressed under the bot's message (`--data`, default joined:<user>; Boris).
    Callback,
    /// chat_member: the user joins a group or channel (left → member; Boris, the Lounge).
    ChatMemberJoin,
    /// chat_member: the user leaves a group or channel (member → left; Alice, @lambdagram_news).
    ChatMemberLeave,
    /// my_chat_member: the user changes the bot's status (`--change`; Alice, the Lounge).
    MyChatMember,
    /// The new_chat_members service message for the user joining a group (Boris, the Lounge).
    NewChatMembers,
}

/// What happens to the bot in a my_chat_member update.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BotChange {
    /// member → administrator (in a group: can delete messages and restrict members).
    Promoted,
    /// administrator → member.
    Demoted,
    /// left → member (a channel: administrator).
    Added,
    /// administrator → kicked (a basic group: left).
    Removed,
}

/// The type of a group or channel whose id is not in the default world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ChatKind {
    Group,
    Supergroup,
    Channel,
}

#[derive(clap::Args)]
pub struct NewArgs {
    kind: Kind,
    /// The user who acts (writes, presses, joins, leaves, changes the bot's status).
    #[arg(long)]
    user: Option<i64>,
    /// The group or channel (-100… for supergroups and channels).
    #[arg(long, allow_negative_numbers = true)]
    chat: Option<i64>,
    /// The chat's type when its id is not in the default world (default: supergroup for
    /// -100… ids, group for other negative ids).
    #[arg(long, value_enum)]
    chat_type: Option<ChatKind>,
    /// The chat's title when its id is not in the default world.
    #[arg(long)]
    title: Option<String>,
    /// The user's first name (default: the default world's, else "User <id>").
    #[arg(long)]
    first_name: Option<String>,
    /// The user's language_code (default: the default world's, else en).
    #[arg(long)]
    lang: Option<String>,
    /// private-command: the message text, a command with optional arguments.
    #[arg(long, value_parser = command_text)]
    command: Option<String>,
    /// group-message: the message text.
    #[arg(long)]
    text: Option<String>,
    /// callback: the button's callback_data (at most 64 bytes).
    #[arg(long)]
    data: Option<String>,
    /// my-chat-member: what happens to the bot.
    #[arg(long, value_enum)]
    change: Option<BotChange>,
    /// The update_id (default: a fresh one).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    update_id: Option<u32>,
    /// The message's message_id (callback: of the bot's message with the button).
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..))]
    message_id: Option<i32>,
    /// The x-telegram-bot-api-secret-token header of the wrapped event.
    #[arg(long, default_value = LOCAL_SECRET)]
    secret: String,
    /// Write the bare Telegram update instead of the API Gateway event.
    #[arg(long)]
    bare: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

fn command_text(s: &str) -> Result<String, String> {
    if s.starts_with('/') && s.len() > 1 {
        Ok(s.to_owned())
    } else {
        Err("a command starts with / (e.g. /start)".into())
    }
}

pub fn run(action: Action) -> anyhow::Result<()> {
    let Action::New(args) = action;
    let (text, summary) = render(&args)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}: {summary}", path.display());
        }
        None => println!("{text}"),
    }
    Ok(())
}

/// The event `args` describe, and a line saying what it is and where this bot routes it.
fn render(args: &NewArgs) -> anyhow::Result<(String, String)> {
    let now_ms = lambdagram::time::now_ms();
    let update = build(args, Fresh::random(now_ms))?;
    let body = serde_json::to_string(&update)?;
    let summary = check(&body)?;
    let text = if args.bare {
        serde_json::to_string_pretty(&update)?
    } else {
        let secret = WebhookSecret::new(&args.secret).context("--secret")?;
        wrap(&body, secret.expose(), now_ms)?
    };
    Ok((text, summary))
}

/// Writes the sample event `argv` describes (as `lambdagram events new` takes them, without
/// `--out`) to `path`: for the scaffold of a new route.
pub fn write_sample(argv: &[String], path: &std::path::Path) -> anyhow::Result<()> {
    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: NewArgs,
    }
    let argv = std::iter::once("events-new".to_owned()).chain(argv.iter().cloned());
    let cli = <Cli as clap::Parser>::try_parse_from(argv).context("sample event arguments")?;
    // Not routed here: this binary's table does not have the new route yet.
    let (text, _) = render(&cli.args)?;
    std::fs::write(path, format!("{text}\n")).with_context(|| format!("writing {}", path.display()))
}

/// The ids and dates an event gets when none are given.
#[derive(Clone, Debug)]
struct Fresh {
    update_id: u32,
    message_id: i32,
    callback_id: String,
    chat_instance: String,
    /// Epoch seconds of the update.
    date: i64,
}

impl Fresh {
    fn random(now_ms: u64) -> Fresh {
        Fresh {
            update_id: fastrand::u32(100_000_000..1_000_000_000),
            message_id: fastrand::i32(100..1_000_000),
            callback_id: fastrand::u64(100_000_000_000_000_000..1_000_000_000_000_000_000)
                .to_string(),
            chat_instance: format!(
                "-{}",
                fastrand::u64(1_000_000_000_000_000_000..9_000_000_000_000_000_000)
            ),
            date: i64::try_from(now_ms / 1000).unwrap_or(0),
        }
    }
}

/// Says which options make sense for which kinds, so a typo'd combination is not ignored.
fn check_options(args: &NewArgs) -> anyhow::Result<()> {
    use Kind::*;
    let only = |set: bool, flag: &str, kinds: &[Kind]| -> anyhow::Result<()> {
        ensure!(
            !set || kinds.contains(&args.kind),
            "{flag} does not apply to {}",
            kind_name(args.kind)
        );
        Ok(())
    };
    only(args.command.is_some(), "--command", &[PrivateCommand])?;
    only(args.text.is_some(), "--text", &[GroupMessage])?;
    only(args.data.is_some(), "--data", &[Callback])?;
    only(args.change.is_some(), "--change", &[MyChatMember])?;
    only(
        args.message_id.is_some(),
        "--message-id",
        &[PrivateCommand, GroupMessage, Callback, NewChatMembers],
    )?;
    only(
        args.chat_type.is_some() || args.title.is_some(),
        "--chat-type and --title",
        &[
            GroupMessage,
            Callback,
            ChatMemberJoin,
            ChatMemberLeave,
            MyChatMember,
            NewChatMembers,
        ],
    )
}

fn kind_name(kind: Kind) -> String {
    kind.to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

/// An update as Telegram serialises it: `update_id` first, then its one kind.
#[derive(Debug, Serialize)]
struct Envelope {
    update_id: u32,
    #[serde(flatten)]
    kind: BTreeMap<&'static str, Value>,
}

/// The update for `args`, with `fresh` ids and dates where none are given.
fn build(args: &NewArgs, fresh: Fresh) -> anyhow::Result<Envelope> {
    check_options(args)?;
    let default_user = match args.kind {
        Kind::PrivateCommand | Kind::ChatMemberLeave | Kind::MyChatMember => fake_bot_api::ALICE_ID,
        _ => fake_bot_api::BORIS_ID,
    };
    let user = resolve_user(
        args.user.unwrap_or(default_user),
        args.first_name.as_deref(),
        args.lang.as_deref(),
    )?;
    let default_chat = match args.kind {
        Kind::PrivateCommand => user.id,
        Kind::ChatMemberLeave => fake_bot_api::NEWS_ID,
        _ => fake_bot_api::LOUNGE_ID,
    };
    let chat_id = args.chat.unwrap_or(default_chat);
    let allowed: &[ChatType] = match args.kind {
        Kind::PrivateCommand => &[ChatType::Private],
        Kind::GroupMessage | Kind::NewChatMembers => &[ChatType::Group, ChatType::Supergroup],
        Kind::Callback => &[
            ChatType::Private,
            ChatType::Group,
            ChatType::Supergroup,
            ChatType::Channel,
        ],
        Kind::ChatMemberJoin | Kind::ChatMemberLeave | Kind::MyChatMember => {
            &[ChatType::Group, ChatType::Supergroup, ChatType::Channel]
        }
    };
    let chat = if chat_id > 0 {
        Chat::private(&user)
    } else {
        resolve_chat(chat_id, args.chat_type, args.title.as_deref())
    };
    ensure!(
        allowed.contains(&chat.kind),
        "{} needs a {} chat; {chat_id} is a {}",
        kind_name(args.kind),
        allowed
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        chat.kind.as_str()
    );
    // A positive chat id is a private chat, and a user's private chat with the bot has the
    // user's id.
    ensure!(
        chat.kind != ChatType::Private || chat_id == user.id,
        "--chat {chat_id}: the private chat of user {} has id {}",
        user.id,
        user.id
    );

    let message_id = args.message_id.unwrap_or(fresh.message_id);
    let date = fresh.date;
    let (field, payload) = match args.kind {
        Kind::PrivateCommand => {
            let text = args.command.as_deref().unwrap_or("/start");
            (
                "message",
                text_message(message_id, &user, &chat, date, text),
            )
        }
        Kind::GroupMessage => {
            let text = args.text.as_deref().unwrap_or("Hello everyone!");
            ensure!(!text.is_empty(), "--text is empty");
            (
                "message",
                text_message(message_id, &user, &chat, date, text),
            )
        }
        Kind::Callback => {
            let data = args
                .data
                .clone()
                .unwrap_or_else(|| format!("joined:{}", user.id));
            ensure!(
                (1..=64).contains(&data.len()),
                "--data must be 1-64 bytes (Telegram's limit for callback_data)"
            );
            let query = json!({
                "id": fresh.callback_id,
                "from": wire::user(&user),
                "message": bot_message_with_button(message_id, &user, &chat, date - 30, &data),
                "chat_instance": fresh.chat_instance,
                "data": data,
            });
            ("callback_query", query)
        }
        Kind::ChatMemberJoin | Kind::ChatMemberLeave => {
            let (old, new) = if args.kind == Kind::ChatMemberJoin {
                (MemberStatus::Left, MemberStatus::member())
            } else {
                (MemberStatus::member(), MemberStatus::Left)
            };
            let change = member_update(&chat, &user, &user, date, &old, &new);
            ("chat_member", change)
        }
        Kind::MyChatMember => {
            let (old, new) = bot_statuses(args.change.unwrap_or(BotChange::Promoted), chat.kind);
            let bot = fake_bot_api::bot_user();
            let change = member_update(&chat, &user, &bot, date, &old, &new);
            ("my_chat_member", change)
        }
        Kind::NewChatMembers => {
            let joined = wire::user(&user);
            let mut message = base_message(message_id, &user, &chat, date);
            message.insert("new_chat_participant".into(), joined.clone());
            message.insert("new_chat_member".into(), joined.clone());
            message.insert("new_chat_members".into(), json!([joined]));
            ("message", Value::Object(message))
        }
    };
    Ok(Envelope {
        update_id: args.update_id.unwrap_or(fresh.update_id),
        kind: BTreeMap::from([(field, payload)]),
    })
}

fn resolve_user(id: i64, first_name: Option<&str>, lang: Option<&str>) -> anyhow::Result<User> {
    ensure!(id > 0, "--user {id}: user ids are positive");
    let mut user = [fake_bot_api::alice(), fake_bot_api::boris()]
        .into_iter()
        .find(|u| u.id == id)
        .unwrap_or_else(|| User::new(id, format!("User {id}")).with_language("en"));
    if let Some(name) = first_name {
        ensure!(!name.is_empty(), "--first-name is empty");
        user.first_name = name.to_owned();
    }
    if let Some(lang) = lang {
        user.language_code = Some(lang.to_owned());
    }
    Ok(user)
}

/// A group or channel: the default world's when it has this id, else a new one.
fn resolve_chat(id: i64, kind: Option<ChatKind>, title: Option<&str>) -> Chat {
    let known = [fake_bot_api::lounge(), fake_bot_api::news()]
        .into_iter()
        .find(|c| c.id == id);
    let wanted = kind.map(|k| match k {
        ChatKind::Group => ChatType::Group,
        ChatKind::Supergroup => ChatType::Supergroup,
        ChatKind::Channel => ChatType::Channel,
    });
    let mut chat = match known {
        Some(chat) if wanted.is_none_or(|w| w == chat.kind) => chat,
        _ => {
            // Supergroups and channels have -100… ids; basic groups small negative ones.
            let supergroup_like = id <= -1_000_000_000_000;
            let kind = wanted.unwrap_or(if supergroup_like {
                ChatType::Supergroup
            } else {
                ChatType::Group
            });
            match kind {
                ChatType::Group => Chat::group(id, format!("Group {id}")),
                ChatType::Channel => Chat::channel(id, format!("Channel {id}")),
                _ => Chat::supergroup(id, format!("Group {id}")),
            }
        }
    };
    if let Some(title) = title {
        chat.title = Some(title.to_owned());
    }
    chat
}

fn base_message(message_id: i32, from: &User, chat: &Chat, date: i64) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("message_id".into(), message_id.into());
    if chat.kind == ChatType::Channel {
        // A channel post is signed by the channel, not by whoever wrote it.
        m.insert("sender_chat".into(), wire::chat(chat));
    } else {
        m.insert("from".into(), wire::user(from));
    }
    m.insert("chat".into(), wire::chat(chat));
    m.insert("date".into(), date.into());
    m
}

fn text_message(message_id: i32, from: &User, chat: &Chat, date: i64, text: &str) -> Value {
    let mut m = base_message(message_id, from, chat, date);
    m.insert("text".into(), text.into());
    let entities = entities(text);
    if !entities.is_empty() {
        m.insert("entities".into(), entities.into());
    }
    Value::Object(m)
}

/// The bot's earlier message in `chat` carrying the pressed button.
fn bot_message_with_button(
    message_id: i32,
    user: &User,
    chat: &Chat,
    date: i64,
    data: &str,
) -> Value {
    let (text, label) = if data.starts_with("joined:") {
        (
            format!(
                "{}, to write here, please join the linked channel first, then press the button.",
                user.first_name
            ),
            "I joined",
        )
    } else {
        ("Choose an option:".to_owned(), data)
    };
    let mut m = base_message(message_id, &fake_bot_api::bot_user(), chat, date);
    m.insert("text".into(), text.into());
    m.insert(
        "reply_markup".into(),
        json!({"inline_keyboard": [[{"text": label, "callback_data": data}]]}),
    );
    Value::Object(m)
}

fn member_update(
    chat: &Chat,
    from: &User,
    member: &User,
    date: i64,
    old: &MemberStatus,
    new: &MemberStatus,
) -> Value {
    json!({
        "chat": wire::chat(chat),
        "from": wire::user(from),
        "date": date,
        "old_chat_member": wire::member(member, old, chat.kind),
        "new_chat_member": wire::member(member, new, chat.kind),
    })
}

/// The bot's old and new status for `change` in a chat of type `kind`.
fn bot_statuses(change: BotChange, kind: ChatType) -> (MemberStatus, MemberStatus) {
    let rights = if kind == ChatType::Channel {
        AdminRights {
            can_post_messages: true,
            can_edit_messages: true,
            can_delete_messages: true,
            can_invite_users: true,
            ..AdminRights::basic()
        }
    } else {
        // What the guard needs (delete, restrict), as an admin typically grants it.
        AdminRights {
            can_invite_users: true,
            can_pin_messages: true,
            ..AdminRights::moderator()
        }
    };
    let admin = MemberStatus::admin(rights);
    match change {
        BotChange::Promoted => (MemberStatus::member(), admin),
        BotChange::Demoted => (admin, MemberStatus::member()),
        BotChange::Added if kind == ChatType::Channel => (MemberStatus::Left, admin),
        BotChange::Added => (MemberStatus::Left, MemberStatus::member()),
        BotChange::Removed if kind == ChatType::Group => (admin, MemberStatus::Left),
        BotChange::Removed => (admin, MemberStatus::kicked()),
    }
}

/// The `bot_command` and `mention` entities Telegram finds in `text` (offsets and lengths in
/// UTF-16 code units): `/name[@bot]` and `@username` at the start or after a non-word
/// character.
fn entities(text: &str) -> Vec<Value> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let (mut i, mut offset) = (0, 0);
    while i < chars.len() {
        let c = chars[i];
        let after_boundary = i == 0 || !(word(chars[i - 1]) || chars[i - 1] == '/');
        if after_boundary && (c == '/' || c == '@') {
            let name_len = chars[i + 1..].iter().take_while(|&&c| word(c)).count();
            let mut len = 1 + name_len;
            if c == '/' && name_len > 0 && chars.get(i + len) == Some(&'@') {
                let bot_len = chars[i + len + 1..]
                    .iter()
                    .take_while(|&&c| word(c))
                    .count();
                if bot_len > 0 {
                    len += 1 + bot_len;
                }
            }
            let kind = match c {
                '/' if (1..=32).contains(&name_len) => Some("bot_command"),
                '@' if (5..=32).contains(&name_len) => Some("mention"),
                _ => None,
            };
            if let Some(kind) = kind {
                // Every character in a command or mention is ASCII: one UTF-16 unit each.
                found.push(json!({"offset": offset, "length": len, "type": kind}));
                i += len;
                offset += len;
                continue;
            }
        }
        offset += c.len_utf16();
        i += 1;
    }
    found
}

/// Parses the update back as the webhook and the route functions do; says what it is and
/// where it goes.
fn check(body: &str) -> anyhow::Result<String> {
    let update: Update =
        serde_json::from_str(body).context("teloxide-core cannot read the generated update")?;
    if let UpdateKind::Error(raw) = &update.kind {
        bail!("teloxide-core does not understand the generated update: {raw}");
    }
    let view: UpdateView =
        serde_json::from_str(body).context("the webhook cannot read the generated update")?;
    let username = lambdagram::config::optional("BOT_USERNAME")
        .unwrap_or_else(|| fake_bot_api::BOT_USERNAME.to_owned());
    let route = match lambdagram::classify::classify(channel_guard::ROUTES, &view, &username) {
        Ok(route) => format!("route {}", route.name),
        Err(reason) => format!("ignored ({})", reason.as_str()),
    };
    Ok(format!("{} → {route}", transcript::describe_update(body)))
}

/// The API Gateway HTTP API (payload 2.0) event for Telegram's `POST /webhook` with `body`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiGatewayEvent<'a> {
    version: &'static str,
    route_key: &'static str,
    raw_path: &'static str,
    raw_query_string: &'static str,
    headers: BTreeMap<&'static str, String>,
    request_context: RequestContext,
    body: &'a str,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestContext {
    account_id: &'static str,
    api_id: &'static str,
    domain_name: &'static str,
    domain_prefix: &'static str,
    http: HttpContext,
    request_id: String,
    route_key: &'static str,
    stage: &'static str,
    time: String,
    time_epoch: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpContext {
    method: &'static str,
    path: &'static str,
    protocol: &'static str,
    source_ip: &'static str,
    user_agent: &'static str,
}

/// The sample events' gateway and Telegram's delivering address (in 149.154.160.0/20).
const API_ID: &str = "abc123";
const DOMAIN: &str = "abc123.execute-api.eu-central-1.amazonaws.com";
const TELEGRAM_IP: &str = "149.154.167.220";

fn wrap(body: &str, secret: &str, now_ms: u64) -> anyhow::Result<String> {
    let secs = i64::try_from(now_ms / 1000).unwrap_or(0);
    let time = chrono::DateTime::from_timestamp(secs, 0)
        .context("the clock is out of range")?
        .format("%d/%b/%Y:%H:%M:%S +0000")
        .to_string();
    let headers = BTreeMap::from([
        ("content-length", body.len().to_string()),
        ("content-type", "application/json".to_owned()),
        ("host", DOMAIN.to_owned()),
        (
            "x-amzn-trace-id",
            format!("Root=1-{secs:08x}-{:024x}", fastrand::u128(..) >> 32),
        ),
        ("x-forwarded-for", TELEGRAM_IP.to_owned()),
        ("x-forwarded-port", "443".to_owned()),
        ("x-forwarded-proto", "https".to_owned()),
        ("x-telegram-bot-api-secret-token", secret.to_owned()),
    ]);
    const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let request_id: String = (0..15)
        .map(|_| char::from(ID_CHARS[fastrand::usize(..ID_CHARS.len())]))
        .chain(std::iter::once('='))
        .collect();
    let event = ApiGatewayEvent {
        version: "2.0",
        route_key: "POST /webhook",
        raw_path: "/webhook",
        raw_query_string: "",
        headers,
        request_context: RequestContext {
            account_id: "123456789012",
            api_id: API_ID,
            domain_name: DOMAIN,
            domain_prefix: API_ID,
            http: HttpContext {
                method: "POST",
                path: "/webhook",
                protocol: "HTTP/1.1",
                source_ip: TELEGRAM_IP,
                user_agent: "",
            },
            request_id,
            route_key: "POST /webhook",
            stage: "$default",
            time,
            time_epoch: now_ms,
        },
        body,
        is_base64_encoded: false,
    };
    Ok(serde_json::to_string_pretty(&event)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(u64, u64, String)> {
        entities(text)
            .iter()
            .map(|e| {
                (
                    e["offset"].as_u64().unwrap_or(0),
                    e["length"].as_u64().unwrap_or(0),
                    e["type"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn commands_and_mentions_are_found_as_telegram_counts_them() {
        let cmd = |o, l| (o, l, "bot_command".to_owned());
        let mention = |o, l| (o, l, "mention".to_owned());
        assert_eq!(spans("/start"), [cmd(0, 6)]);
        assert_eq!(spans("/help@LambdagramBot now"), [cmd(0, 19)]);
        assert_eq!(
            spans("/protect @lambdagram_news @abc"),
            [cmd(0, 8), mention(9, 16)]
        );
        assert_eq!(spans("/start,please"), [cmd(0, 6)]);
        // Non-ASCII text before a mention shifts it in UTF-16 units, not bytes.
        assert_eq!(spans("Привет 👋 @lambdagram_news"), [mention(10, 16)]);
        assert!(spans("a/b mail@example.org / @").is_empty());
        assert!(spans("/старт").is_empty());
    }

    #[test]
    fn bot_changes_are_the_statuses_telegram_reports() {
        let statuses = |c, k| {
            let (old, new) = bot_statuses(c, k);
            (old.as_str().to_owned(), new.as_str().to_owned())
        };
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        use BotChange::*;
        assert_eq!(
            statuses(Promoted, ChatType::Supergroup),
            pair("member", "administrator")
        );
        assert_eq!(
            statuses(Demoted, ChatType::Channel),
            pair("administrator", "member")
        );
        assert_eq!(
            statuses(Added, ChatType::Channel),
            pair("left", "administrator")
        );
        assert_eq!(
            statuses(Removed, ChatType::Supergroup),
            pair("administrator", "kicked")
        );
        assert_eq!(
            statuses(Removed, ChatType::Group),
            pair("administrator", "left")
        );
    }

    #[test]
    fn unknown_chats_get_their_type_from_the_id() {
        assert_eq!(
            resolve_chat(-1_005_555_555_555, None, None).kind,
            ChatType::Supergroup
        );
        assert_eq!(resolve_chat(-4_444, None, None).kind, ChatType::Group);
        let c = resolve_chat(-1_005_555_555_555, Some(ChatKind::Channel), Some("News"));
        assert_eq!(
            (c.kind, c.title.as_deref()),
            (ChatType::Channel, Some("News"))
        );
        assert_eq!(
            resolve_chat(fake_bot_api::NEWS_ID, None, None),
            fake_bot_api::news()
        );
    }
}
