//! The guard's gate: what happens to a member's message in a group before anything answers it.
//! A message from someone not subscribed to every channel the group links is deleted, the
//! group's action applied, and one warning posted; everyone else passes at the budget (a known
//! subscriber: one read in a cold sandbox, none in a warm one, no write, no Bot API call).
//! `guard-message` is this gate alone; routes that answer in groups (`/help`, `/start`) pass
//! through it first, so a non-subscriber cannot make the bot speak for them.

use lambdagram::teloxide_core::types::{Message, MessageKind};

use super::config::Action;
use super::enforce::{Enforcement, Guard, Member};
use super::gate_cache::{GateCache, GROUP_TTL_SECS, PASS_TTL_SECS};
use super::store::prelude::*;
use super::store::GroupState;
use lambdagram::route::{HandlerError, RouteContext};
use lambdagram::telegram::TelegramApi;
use lambdagram::time::Epoch;
use lambdagram::update::UpdateView;

/// What the gate did with a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Not the guard's business (no protection, an admin, a subscriber, a service message…).
    Pass,
    /// A non-subscriber's message: handled; nothing else may answer it.
    Enforced(Enforcement),
}

/// A message posted as a chat (a member writing as their own channel) in a group: allowed only
/// as one of the channels the group links; otherwise deleted and, unless the group only
/// deletes, the sender chat banned from the group (`banChatSenderChat`: it stops that channel's
/// posts, not the member's own). No warning: a channel cannot press "I have joined".
async fn sender_chat_gate<S: GuardStore, T: TelegramApi>(
    ctx: &RouteContext<'_, S, T>,
    cache: &GateCache,
    message: &Message,
    sender_chat_id: i64,
) -> Result<Gate, HandlerError> {
    let group_id = message.chat.id.0;
    let group = match cache.group(group_id, ctx.now) {
        Some(group) => group,
        None => {
            let group = ctx.store.group_state(group_id, ctx.now).await?;
            keep(cache, group_id, &group, ctx.now);
            group
        }
    };
    let Some(config) = group.config.filter(|c| c.is_active()) else {
        return Ok(Gate::Pass);
    };
    if config.channels.iter().any(|c| c.id == sender_chat_id)
        || config.allow_list.contains(&sender_chat_id)
    {
        return Ok(Gate::Pass);
    }
    let guard = Guard::of(ctx);
    let done = guard
        .enforce_sender_chat(&config, sender_chat_id, message.id.0)
        .await?;
    Ok(Gate::Enforced(done))
}

/// Keeps a copy of a protected group's state whose administrators are known. An unprotected
/// group is read afresh each time, so `/protect` applies to the very next message; a copy
/// without administrators would have every hit ask Telegram for them.
fn keep(cache: &GateCache, group_id: i64, group: &GroupState, now: lambdagram::time::Epoch) {
    if group.config.as_ref().is_some_and(|c| c.is_active()) && group.admins.is_some() {
        cache.keep_group(group_id, group, now);
    }
}

/// Whether the message was sent in a group or supergroup (where the guard may apply).
pub fn is_group(message: &Message) -> bool {
    message.chat.is_group() || message.chat.is_supergroup()
}

/// Whether the gate lets `update` through from the sandbox's memory alone, before the message
/// is read in full ([`lambdagram::middleware::Middleware::passes_early`]): a message in a group
/// from a member (not posted as a chat, not a bot) whom the warm cache already knows to pass —
/// allow-listed or an administrator in the group's copy, or passed under the group's current
/// revision. Only cases where [`gate`] passes without a read, a write or a Bot API call,
/// whatever the message holds (a known member's service message passes too); not all of them
/// (a bot, an anonymous administrator, a stranger's service message take the full path, rare on
/// the hot path). `false` means the gate reads the message and runs.
pub fn passes_from_memory(cache: &GateCache, update: &UpdateView, now: Epoch) -> bool {
    let Some(message) = update.message.as_ref().or(update.edited_message.as_ref()) else {
        return false;
    };
    if !message.chat.is_group() || message.sender_chat.is_some() {
        return false;
    }
    let Some(from) = message.from.as_ref().filter(|u| !u.is_bot) else {
        return false;
    };
    let (group_id, user_id) = (message.chat.id, from.id);
    let Some(group) = cache.group(group_id, now) else {
        return false;
    };
    let Some(config) = group.config.as_ref().filter(|c| c.is_active()) else {
        return false;
    };
    config.allow_list.contains(&user_id)
        || group.admins.as_ref().is_some_and(|a| a.contains(&user_id))
        || cache.passed(group_id, user_id, config.version, now)
}

/// Runs the guard over `message` (a message in a group or supergroup). `cache` is the
/// sandbox's memory of earlier reads ([`GateCache`]): a cold sandbox reads once (the group's
/// state and the member's in one request), a warm one not at all for a member who passed.
pub async fn gate<S: GuardStore, T: TelegramApi>(
    ctx: &RouteContext<'_, S, T>,
    cache: &GateCache,
    message: &Message,
) -> Result<Gate, HandlerError> {
    // What a member can post: content, and kinds newer than this code (`Empty`), which are
    // enforced rather than let through (fail closed). Service messages are never touched.
    let user_content = matches!(
        message.kind,
        MessageKind::Common(_)
            | MessageKind::Dice(_)
            | MessageKind::Invoice(_)
            | MessageKind::Giveaway(_)
            | MessageKind::Empty {}
    );
    // A migration notice is a "common" message to teloxide, but a service message to us
    // (the migrate route handles it).
    if !user_content || message.chat_migration().is_some() {
        return Ok(Gate::Pass);
    }
    if let Some(sender_chat) = &message.sender_chat {
        // The group itself (an anonymous administrator) and the automatic forwards of its
        // discussion channel are the group's own; anyone else posting as a chat is checked.
        if sender_chat.id == message.chat.id || message.is_automatic_forward() {
            return Ok(Gate::Pass);
        }
        return sender_chat_gate(ctx, cache, message, sender_chat.id.0).await;
    }
    let Some(from) = message.from.as_ref().filter(|u| !u.is_bot) else {
        return Ok(Gate::Pass);
    };
    let (group_id, user_id, now) = (message.chat.id.0, from.id.0 as i64, ctx.now);

    // One read on a cold sandbox: the group and the member together. A copy is kept only as
    // read (never refreshed from itself, so it expires on time), with its administrators.
    let (group, read) = match cache.group(group_id, now) {
        Some(group) => (group, None),
        None => {
            let (group, member) = ctx.store.gate_state(group_id, user_id, now).await?;
            (group, Some(member))
        }
    };
    let Some(config) = group.config.clone().filter(|c| c.is_active()) else {
        return Ok(Gate::Pass);
    };
    if config.allow_list.contains(&user_id) {
        if read.is_some() {
            keep(cache, group_id, &group, now);
        }
        return Ok(Gate::Pass);
    }
    let guard = Guard::of(ctx);
    let admins = guard.admins(group_id, group.admins).await?;
    let is_admin = admins.contains(&user_id);
    if read.is_some() {
        let state = GroupState {
            config: group.config,
            admins: Some(admins),
        };
        keep(cache, group_id, &state, now);
    }
    if is_admin {
        return Ok(Gate::Pass);
    }
    if read.is_none() && cache.passed(group_id, user_id, config.version, now) {
        return Ok(Gate::Pass);
    }
    let state = match read {
        Some(state) => state,
        None => {
            let channels: Vec<i64> = config.channels.iter().map(|c| c.id).collect();
            ctx.store
                .member_state(group_id, user_id, &channels, now)
                .await?
        }
    };
    let missing = guard
        .missing_channels(&config, user_id, &state, false)
        .await?;
    if missing.is_empty() {
        // A pass outlives the group's copy only where a channel leaver is restricted or
        // removed at once (`member-change`): the group mutes or kicks, with its rights intact.
        let restricts = config.settings.action != Action::DeleteOnly && config.degraded.is_empty();
        let ttl = if restricts {
            PASS_TTL_SECS
        } else {
            GROUP_TTL_SECS
        };
        cache.keep_pass(group_id, user_id, config.version, now, ttl);
        return Ok(Gate::Pass);
    }
    if matches!(message.kind, MessageKind::Empty {}) {
        // A kind newer than this code (content or service, it cannot tell): a non-subscriber's
        // is deleted, but nobody is muted or warned over what the bot could not read.
        let done = guard.delete_only(&config, message.id.0).await?;
        return Ok(Gate::Enforced(done));
    }
    let member = Member {
        user_id,
        name: from.first_name.clone(),
        status: None,
    };
    let done = guard
        .enforce(&config, &member, Some(message.id.0), &missing, &state)
        .await?;
    Ok(Gate::Enforced(done))
}

#[cfg(test)]
mod tests {
    //! The gate in-process: the in-memory store and a scripted Bot API, no server at all.

    use super::*;
    use crate::config::{GroupConfig, LinkedChannel};
    use lambdagram::memory::MemoryStore;
    use lambdagram::telegram::{BotApiError, ScriptedBot};
    use serde_json::{json, Value};

    const GROUP: i64 = -100_111;
    const CHANNEL: i64 = -100_222;
    const BOT: i64 = 42;
    const USER: i64 = 7;

    fn user(id: i64) -> Value {
        json!({"id": id, "is_bot": id == BOT, "first_name": format!("U{id}")})
    }

    fn message(id: i32, from: i64, text: &str) -> Value {
        json!({
            "message_id": id, "date": 1_790_000_000,
            "chat": {"id": GROUP, "type": "supergroup", "title": "G"},
            "from": user(from), "text": text
        })
    }

    async fn protected(store: &MemoryStore) {
        protected_allowing(store, Vec::new()).await;
    }

    async fn protected_allowing(store: &MemoryStore, allow_list: Vec<i64>) {
        let mut config = GroupConfig::new(GROUP);
        config.allow_list = allow_list;
        config.enabled = true;
        config.link([LinkedChannel {
            id: CHANNEL,
            title: "C".into(),
            username: Some("c".into()),
            invite_link: None,
        }]);
        store.save_group(&mut config, &[]).await.expect("save");
    }

    /// A Bot API whose group has one administrator (user 1) and where [`USER`]'s membership
    /// of the channel is `status`.
    fn scripted(status: &str) -> ScriptedBot {
        let bot = ScriptedBot::new(BOT);
        bot.answer(
            "getChatAdministrators",
            json!([{"status": "creator", "user": user(1), "is_anonymous": false}]),
        )
        .answer(
            "getChatMember",
            json!({"status": status, "user": user(USER)}),
        );
        bot
    }

    fn ctx<'a>(
        bot: &'a ScriptedBot,
        store: &'a MemoryStore,
    ) -> RouteContext<'a, MemoryStore, ScriptedBot> {
        RouteContext {
            route: crate::ROUTES.get("guard-message").expect("in the table"),
            catalogue: crate::ROUTES.catalogue(),
            bot,
            store,
            bot_username: "B",
            update_id: 1,
            now: 1_790_000_000,
            deadline_ms: lambdagram::time::now_ms() + 20_000,
        }
    }

    /// The restriction applied but every answer was lost: the gate fails (Telegram redelivers)
    /// with the intent on record; the redelivery imposes the same restriction without asking
    /// whether an admin did it, confirms it and warns once.
    #[tokio::test]
    async fn a_lost_restriction_answer_is_finished_by_the_redelivery() {
        let store = MemoryStore::new();
        protected(&store).await;
        let bot = scripted("left");
        bot.answer(
            "getChatMember",
            json!({"status": "member", "user": user(USER)}),
        );
        for _ in 0..4 {
            bot.fail(
                "restrictChatMember",
                BotApiError::Server {
                    method: "RestrictChatMember",
                    code: 502,
                },
            );
        }
        let update: Message = serde_json::from_value(message(5, USER, "hi")).expect("message");

        let cache = GateCache::new();
        let first = gate(&ctx(&bot, &store), &cache, &update).await;

        assert!(matches!(
            first,
            Err(HandlerError::Telegram(BotApiError::Server { .. }))
        ));
        let state = store
            .member_state(GROUP, USER, &[CHANNEL], 1_790_000_000)
            .await
            .expect("state");
        assert!(
            state.restricted_by_bot && state.restriction_pending,
            "{state:?}"
        );

        // The redelivery.
        let calls_before = bot.calls().len();
        bot.fail(
            "deleteMessage",
            BotApiError::Api {
                method: "DeleteMessage",
                code: 400,
                error: lambdagram::teloxide_core::ApiError::MessageToDeleteNotFound,
                description: "Bad Request: message to delete not found".into(),
            },
        )
        .answer("sendMessage", message(6, BOT, "warning"));
        let again = gate(&ctx(&bot, &store), &cache, &update)
            .await
            .expect("handled");

        assert!(
            matches!(again, Gate::Enforced(ref e) if e.restricted && e.warned),
            "{again:?}"
        );
        let redelivered: Vec<String> = bot.methods()[calls_before..].to_vec();
        assert_eq!(
            redelivered,
            ["deleteMessage", "restrictChatMember", "sendMessage"]
        );
        let state = store
            .member_state(GROUP, USER, &[CHANNEL], 1_790_000_000)
            .await
            .expect("state");
        assert!(
            state.restricted_by_bot && !state.restriction_pending,
            "{state:?}"
        );
        assert!(state.warning.is_some());
    }

    fn view(kind: &str, message: Value) -> UpdateView {
        serde_json::from_value(json!({"update_id": 1, kind: message})).expect("a view")
    }

    /// The early pass answers `true` exactly where the warm gate passes without a call: after
    /// the gate passed a subscriber, for them (a message or an edit) and the group's
    /// administrators, never for a stranger, a member posting as a chat, a bot, or once the
    /// group's copy has expired.
    #[tokio::test]
    async fn the_early_pass_is_the_warm_gates_silent_pass() {
        let store = MemoryStore::new();
        // Allow-listed: user 9, and the bot itself (so that only its being a bot keeps it out).
        protected_allowing(&store, vec![9, BOT]).await;
        let bot = scripted("member");
        let cache = GateCache::new();
        let now = 1_790_000_000;
        let hi = message(5, USER, "hi");
        assert!(!passes_from_memory(
            &cache,
            &view("message", hi.clone()),
            now
        ));

        let update: Message = serde_json::from_value(hi.clone()).expect("message");
        let passed = gate(&ctx(&bot, &store), &cache, &update).await;
        assert_eq!(passed.expect("gated"), Gate::Pass);
        assert_eq!(bot.methods(), ["getChatAdministrators", "getChatMember"]);

        let early = |kind: &str, message: Value, at: i64| {
            passes_from_memory(&cache, &view(kind, message), at)
        };
        assert!(early("message", hi.clone(), now));
        assert!(early("edited_message", hi.clone(), now));
        assert!(early("message", message(6, 1, "an admin"), now));
        assert!(early("message", message(9, 9, "allow-listed"), now));
        let mut service = message(10, USER, "");
        service.as_object_mut().expect("an object").remove("text");
        service["new_chat_title"] = json!("G2");
        assert!(early("message", service, now));
        assert!(!early("message", message(7, 8, "a stranger"), now));
        assert!(!early(
            "message",
            message(8, BOT, "a bot, allow-listed"),
            now
        ));
        let mut as_chat = hi.clone();
        as_chat["sender_chat"] = json!({"id": -100_999, "type": "channel", "title": "X"});
        assert!(!early("message", as_chat, now));
        let mut elsewhere = hi.clone();
        elsewhere["chat"] = json!({"id": GROUP, "type": "private", "first_name": "G"});
        assert!(!early("message", elsewhere, now));
        assert!(!early("message", hi, now + GROUP_TTL_SECS + 1));
        // The warm gate agrees, without a call.
        let again = gate(&ctx(&bot, &store), &cache, &update).await;
        assert_eq!(again.expect("gated"), Gate::Pass);
        assert_eq!(bot.methods().len(), 2);
    }
}
