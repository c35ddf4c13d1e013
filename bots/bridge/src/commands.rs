//! The bridge's commands. Each answers with a webhook reply (no Bot API round trip); the
//! admin-only ones run behind the framework's `ADMINS_ONLY` middleware, declared in the table.

use lambdagram::i18n::fill;
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::state::{self, StateKey, StateStore};
use lambdagram::time::Epoch;
use serde::{Deserialize, Serialize};

use crate::keys;
use crate::store::{BridgeStore, Direction, Entry};
use crate::texts;

/// The command's answer in its chat.
pub fn reply(command: &Command, text: &str) -> RouteResponse {
    RouteResponse::reply(
        "sendMessage",
        serde_json::json!({ "chat_id": command.chat().id.0, "text": text }),
    )
}

fn sender_id(command: &Command) -> i64 {
    command.from().map_or(0, |u| u.id.0 as i64)
}

/// `/start`.
pub struct Start;

impl<S: Sync> RouteHandler<S> for Start {
    type Input = Command;

    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let text = fill(
            texts::START,
            &[
                ("chat", &command.chat().id.0.to_string()),
                ("user", &sender_id(&command).to_string()),
            ],
        );
        Ok(reply(&command, &text))
    }
}

/// The `/help` text: every visible command of the table.
pub fn help_text() -> String {
    let mut text = String::from(texts::HELP_HEADER);
    for (command, description) in crate::ROUTES.visible_commands() {
        text.push_str(&format!("\n/{command} — {}", description.english()));
    }
    text
}

/// `/help`.
pub struct Help;

impl<S: Sync> RouteHandler<S> for Help {
    type Input = Command;

    async fn handle(
        &self,
        _ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        Ok(reply(&command, &help_text()))
    }
}

/// What `/bridge …` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BridgeAction {
    KeyNew { chat: Option<i64>, label: String },
    KeyRevoke(i64),
    KeyList,
    Allow { user: i64, chat: Option<i64> },
    Disallow { user: i64, chat: Option<i64> },
    Users { chat: Option<i64> },
    PushOn { url: String, chat: Option<i64> },
    PushOff { chat: Option<i64> },
    Usage,
}

impl BridgeAction {
    pub fn parse(args: &str) -> BridgeAction {
        let words: Vec<&str> = args.split_whitespace().collect();
        let id = |i: usize| words.get(i).and_then(|w| w.parse::<i64>().ok());
        match words.as_slice() {
            ["key", "new", rest @ ..] => {
                let chat = rest.first().and_then(|w| w.parse::<i64>().ok());
                let label = rest[usize::from(chat.is_some())..].join(" ");
                BridgeAction::KeyNew { chat, label }
            }
            ["key", "revoke", _] => id(2).map_or(BridgeAction::Usage, BridgeAction::KeyRevoke),
            ["key", "list"] => BridgeAction::KeyList,
            ["allow", _, ..] | ["disallow", _, ..] if words.len() <= 3 => {
                let (Some(user), chat) = (id(1).filter(|u| *u > 0), id(2)) else {
                    return BridgeAction::Usage;
                };
                if words.len() == 3 && chat.is_none() {
                    return BridgeAction::Usage;
                }
                if words[0] == "allow" {
                    BridgeAction::Allow { user, chat }
                } else {
                    BridgeAction::Disallow { user, chat }
                }
            }
            ["push", "off"] => BridgeAction::PushOff { chat: None },
            ["push", "off", _] => id(2).map_or(BridgeAction::Usage, |c| BridgeAction::PushOff {
                chat: Some(c),
            }),
            ["push", url] => BridgeAction::PushOn {
                url: (*url).to_owned(),
                chat: None,
            },
            ["push", url, _] => id(2).map_or(BridgeAction::Usage, |c| BridgeAction::PushOn {
                url: (*url).to_owned(),
                chat: Some(c),
            }),
            ["users"] => BridgeAction::Users { chat: None },
            ["users", _] => id(1).map_or(BridgeAction::Usage, |c| BridgeAction::Users {
                chat: Some(c),
            }),
            _ => BridgeAction::Usage,
        }
    }
}

/// `/bridge`: API keys and the users whose messages reach the tool.
pub struct Bridge;

impl<S: BridgeStore> RouteHandler<S> for Bridge {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let here = command.chat().id.0;
        let store = ctx.store;
        let text = match BridgeAction::parse(&command.args) {
            BridgeAction::KeyNew { chat, label } => {
                let chat = chat.unwrap_or(here);
                if !command.chat().is_private() {
                    // The token would be read by everyone in the group.
                    fill(texts::KEY_IN_GROUP, &[("chat", &here.to_string())])
                } else {
                    let issued = keys::issue(vec![chat], &label, sender_id(&command), ctx.now)
                        .map_err(|e| lambdagram::ports::StoreError::Failed(e.to_string()))?;
                    store.open_chat(chat).await?;
                    store.put_key(&issued.record).await?;
                    tracing::info!(
                        key_id = issued.record.id,
                        chat_id = chat,
                        "bridge key issued"
                    );
                    let label = if label.is_empty() {
                        "-".to_owned()
                    } else {
                        label
                    };
                    fill(
                        texts::KEY_ISSUED,
                        &[
                            ("id", &issued.record.id.to_string()),
                            ("label", &label),
                            ("chat", &chat.to_string()),
                            ("token", &issued.token),
                        ],
                    )
                }
            }
            BridgeAction::KeyRevoke(id) => {
                let text = if store.revoke_key(id, ctx.now).await? {
                    tracing::info!(key_id = id, "bridge key revoked");
                    texts::KEY_REVOKED
                } else {
                    texts::KEY_UNKNOWN
                };
                fill(text, &[("id", &id.to_string())])
            }
            BridgeAction::KeyList => {
                let keys = store.keys().await?;
                if keys.is_empty() {
                    texts::KEYS_NONE.to_owned()
                } else {
                    let mut text = String::from(texts::KEYS_HEADER);
                    for k in keys {
                        let chats: Vec<String> = k.chats.iter().map(i64::to_string).collect();
                        text.push_str(&format!(
                            "\n{} {} chats {}{}",
                            k.id,
                            if k.label.is_empty() { "-" } else { &k.label },
                            chats.join(","),
                            if k.revoked_at.is_some() {
                                " (revoked)"
                            } else {
                                ""
                            },
                        ));
                    }
                    text
                }
            }
            action @ (BridgeAction::Allow { .. } | BridgeAction::Disallow { .. }) => {
                let (BridgeAction::Allow { user, chat } | BridgeAction::Disallow { user, chat }) =
                    action
                else {
                    unreachable!("matched above")
                };
                let allowed = matches!(action, BridgeAction::Allow { .. });
                let chat = chat.unwrap_or(here);
                let vars = [("user", user.to_string()), ("chat", chat.to_string())];
                let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
                if store.set_user(chat, user, allowed).await? {
                    fill(
                        if allowed {
                            texts::USER_ALLOWED
                        } else {
                            texts::USER_DISALLOWED
                        },
                        &vars,
                    )
                } else {
                    fill(texts::NOT_A_BRIDGE_CHAT, &vars)
                }
            }
            BridgeAction::Users { chat } => {
                let chat = chat.unwrap_or(here);
                match store.chat(chat).await? {
                    None => fill(texts::NOT_A_BRIDGE_CHAT, &[("chat", &chat.to_string())]),
                    Some(record) => {
                        let users: Vec<String> = record.users.iter().map(i64::to_string).collect();
                        let users = if users.is_empty() {
                            texts::NONE.to_owned()
                        } else {
                            users.join(", ")
                        };
                        fill(
                            texts::USERS,
                            &[("chat", &chat.to_string()), ("users", &users)],
                        )
                    }
                }
            }
            BridgeAction::PushOn { url, chat } => {
                let chat = chat.unwrap_or(here);
                let allow_http =
                    lambdagram::config::optional("BRIDGE_ALLOW_HTTP_PUSH").as_deref() == Some("1");
                if !command.chat().is_private() {
                    fill(texts::PUSH_IN_GROUP, &[("chat", &here.to_string())])
                } else if !lambdagram::push::url_allowed(&url, allow_http) {
                    texts::PUSH_BAD_URL.to_owned()
                } else {
                    let secret = lambdagram::crypto::hex(
                        &lambdagram::crypto::random_bytes::<32>()
                            .map_err(|e| lambdagram::ports::StoreError::Failed(e.to_string()))?,
                    );
                    if store.set_push(chat, Some((&url, &secret))).await? {
                        tracing::info!(chat_id = chat, "bridge push set");
                        fill(
                            texts::PUSH_SET,
                            &[
                                ("chat", &chat.to_string()),
                                ("url", &url),
                                ("secret", &secret),
                            ],
                        )
                    } else {
                        fill(texts::NOT_A_BRIDGE_CHAT, &[("chat", &chat.to_string())])
                    }
                }
            }
            BridgeAction::PushOff { chat } => {
                let chat = chat.unwrap_or(here);
                if store.set_push(chat, None).await? {
                    fill(texts::PUSH_OFF, &[("chat", &chat.to_string())])
                } else {
                    fill(texts::NOT_A_BRIDGE_CHAT, &[("chat", &chat.to_string())])
                }
            }
            BridgeAction::Usage => texts::BRIDGE_USAGE.to_owned(),
        };
        Ok(reply(&command, &text))
    }
}

/// How many pending messages `/status` counts before it says "100+".
const PENDING_SCAN: u32 = 100;

/// `/status`: the chat's bridge, as the tool sees it.
pub struct Status;

impl<S: BridgeStore> RouteHandler<S> for Status {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let chat_id = command.chat().id.0;
        let Some(chat) = ctx.store.chat(chat_id).await? else {
            return Ok(reply(
                &command,
                &fill(texts::NOT_A_BRIDGE_CHAT, &[("chat", &chat_id.to_string())]),
            ));
        };
        let scanned = ctx
            .store
            .entries_after(chat_id, chat.read_seq, PENDING_SCAN)
            .await?;
        let inbound = scanned
            .iter()
            .filter(|e| e.direction == Direction::In)
            .count();
        // A full page may have more after it.
        let pending = if scanned.len() as u32 >= PENDING_SCAN {
            format!("{inbound}+")
        } else {
            inbound.to_string()
        };
        let seen = chat.last_seen.map_or(texts::NEVER.to_owned(), |at| {
            format!("{} s ago", (ctx.now - at).max(0))
        });
        let error = chat.last_error.map_or(texts::NONE.to_owned(), |(at, e)| {
            format!("{e} ({} s ago)", (ctx.now - at).max(0))
        });
        let text = fill(
            texts::STATUS,
            &[
                ("chat", &chat_id.to_string()),
                ("seen", &seen),
                ("pending", &pending),
                ("error", &error),
            ],
        );
        Ok(reply(&command, &text))
    }
}

/// How many entries `/history` shows, and how far back it searches.
const HISTORY_SHOWN: usize = 10;
const HISTORY_SCAN: u32 = 200;
/// Each entry's text is cut to this in `/history`.
const HISTORY_LINE_CHARS: usize = 300;

/// The entries of `entries` (newest first) whose text has every word of `query` (any case).
pub fn matching<'a>(entries: &'a [Entry], query: &str) -> Vec<&'a Entry> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    entries
        .iter()
        .filter(|e| {
            let text = e.text.to_lowercase();
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect()
}

/// `/history [words]`.
pub struct History;

impl<S: BridgeStore> RouteHandler<S> for History {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let chat_id = command.chat().id.0;
        let entries = ctx
            .store
            .entries_before(chat_id, u64::MAX, HISTORY_SCAN)
            .await?;
        let mut found = matching(&entries, &command.args);
        found.truncate(HISTORY_SHOWN);
        if found.is_empty() {
            return Ok(reply(&command, texts::HISTORY_EMPTY));
        }
        let lines: Vec<String> = found
            .iter()
            .rev()
            .map(|e| {
                let arrow = match e.direction {
                    Direction::In => "→ tool",
                    Direction::Out => "← tool",
                };
                let text: String = e.text.chars().take(HISTORY_LINE_CHARS).collect();
                let cut = if text.len() < e.text.len() { "…" } else { "" };
                format!("#{} {} {}: {text}{cut}", e.seq, arrow, e.from_name)
            })
            .collect();
        // A reply past Telegram's 4096 characters would be refused: the newest lines are kept.
        let mut kept: Vec<&str> = Vec::new();
        let mut length = 0;
        for line in lines.iter().rev() {
            length += line.chars().count() + 1;
            if length > crate::store::MAX_TEXT_CHARS {
                break;
            }
            kept.push(line);
        }
        kept.reverse();
        let lines = kept;
        Ok(reply(&command, &lines.join("\n")))
    }
}

/// The context the outside tool should act in, kept in the chat's session state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
}

/// The state key of a chat's context.
pub fn context_key(chat_id: i64) -> StateKey {
    StateKey::session("bridge", &chat_id.to_string())
}

/// A context is kept this long after its last change.
pub const CONTEXT_TTL_SECS: Epoch = 365 * 86_400;

/// `/session` or `/workspace`: shows the field, sets it (`/session name`) or clears it
/// (`/session -`).
pub struct ContextCommand {
    /// `session` or `workspace`.
    pub field: &'static str,
}

impl ContextCommand {
    fn slot<'c>(&self, context: &'c mut Context) -> &'c mut Option<String> {
        if self.field == "workspace" {
            &mut context.workspace
        } else {
            &mut context.session
        }
    }
}

impl<S: StateStore> RouteHandler<S> for ContextCommand {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let key = context_key(command.chat().id.0);
        let read = state::get::<Context, _>(ctx.store, &key, ctx.now).await?;
        let version = read.version();
        let mut context = read.found().map(|v| v.value).unwrap_or_default();
        let value: String = command.args.chars().take(200).collect();
        let text = match value.as_str() {
            "" => {
                let shown = self
                    .slot(&mut context)
                    .clone()
                    .unwrap_or_else(|| texts::CONTEXT_UNSET.to_owned());
                fill(
                    texts::CONTEXT_SHOW,
                    &[("field", self.field), ("value", &shown)],
                )
            }
            "-" => {
                *self.slot(&mut context) = None;
                state::put(
                    ctx.store,
                    &key,
                    &context,
                    version,
                    CONTEXT_TTL_SECS,
                    ctx.now,
                )
                .await?;
                fill(texts::CONTEXT_CLEARED, &[("field", self.field)])
            }
            _ => {
                *self.slot(&mut context) = Some(value.clone());
                state::put(
                    ctx.store,
                    &key,
                    &context,
                    version,
                    CONTEXT_TTL_SECS,
                    ctx.now,
                )
                .await?;
                fill(
                    texts::CONTEXT_SET,
                    &[("field", self.field), ("value", &value)],
                )
            }
        };
        Ok(reply(&command, &text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridge_arguments_are_read_exactly() {
        use BridgeAction::*;
        let cases = [
            (
                "key new",
                KeyNew {
                    chat: None,
                    label: String::new(),
                },
            ),
            (
                "key new -100 ci runner",
                KeyNew {
                    chat: Some(-100),
                    label: "ci runner".into(),
                },
            ),
            (
                "key new my ide",
                KeyNew {
                    chat: None,
                    label: "my ide".into(),
                },
            ),
            ("key revoke 42", KeyRevoke(42)),
            ("key revoke x", Usage),
            ("key list", KeyList),
            (
                "allow 7",
                Allow {
                    user: 7,
                    chat: None,
                },
            ),
            (
                "allow 7 -100",
                Allow {
                    user: 7,
                    chat: Some(-100),
                },
            ),
            ("allow -7", Usage),
            ("allow 7 x", Usage),
            (
                "disallow 7",
                Disallow {
                    user: 7,
                    chat: None,
                },
            ),
            ("users", Users { chat: None }),
            ("users -100", Users { chat: Some(-100) }),
            (
                "push https://x.example/h",
                PushOn {
                    url: "https://x.example/h".into(),
                    chat: None,
                },
            ),
            (
                "push https://x.example/h -100",
                PushOn {
                    url: "https://x.example/h".into(),
                    chat: Some(-100),
                },
            ),
            ("push https://x.example/h x", Usage),
            ("push off", PushOff { chat: None }),
            ("push off -100", PushOff { chat: Some(-100) }),
            ("", Usage),
            ("key", Usage),
            ("delete everything", Usage),
        ];
        for (args, want) in cases {
            assert_eq!(BridgeAction::parse(args), want, "{args}");
        }
    }

    #[test]
    fn help_lists_the_visible_commands_of_the_table() {
        let help = help_text();
        assert!(help.starts_with("Commands:\n/start — "), "{help}");
        for command in [
            "/help",
            "/bridge",
            "/status",
            "/history",
            "/session",
            "/workspace",
        ] {
            assert!(
                help.contains(&format!("\n{command} — ")),
                "{command} in {help}"
            );
        }
        assert!(!help.contains("/admin"), "hidden from help");
    }

    #[test]
    fn history_keeps_the_entries_with_every_word() {
        let entry = |seq, text: &str| Entry {
            seq,
            direction: Direction::In,
            message_id: seq as i64,
            from_id: 1,
            from_name: "Ann".into(),
            text: text.into(),
            reply_to: None,
            at: 0,
        };
        let entries = [
            entry(3, "Deploy FAILED on main"),
            entry(2, "deploy ok"),
            entry(1, "hi"),
        ];
        let seqs = |q| {
            matching(&entries, q)
                .iter()
                .map(|e| e.seq)
                .collect::<Vec<_>>()
        };
        assert_eq!(seqs("deploy"), vec![3, 2]);
        assert_eq!(seqs("deploy failed"), vec![3]);
        assert_eq!(seqs(""), vec![3, 2, 1]);
        assert_eq!(seqs("nothing"), Vec::<u64>::new());
    }
}
