//! The bot-control middleware (admins-only, rate limit, deny- and allow-list) and handlers on the
//! in-memory store, with the clock injected.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use teloxide_core::types::Update;

use crate::admin_command::AdminCommand;
use crate::admins::{is_bot_admin, AdminsOnly, ADMINS_ONLY};
use crate::allowlist::{AllowListed, ALLOW_LIST};
use crate::botsets::{BotSet, BotSets};
use crate::deny_command::{ListCommand, ALLOW_COMMAND, DENY_COMMAND};
use crate::denylist::{DenyListed, DENY_LIST};
use crate::input::{Command, FromUpdate};
use crate::memory::MemoryStore;
use crate::middleware::{Flow, Middleware};
use crate::ratelimit::{per_user, RateLimited};
use crate::route::{RouteContext, RouteHandler};
use crate::route_api::RouteResponse;
use crate::routes::{Audience, MiddlewareDecl, Route, Scope, Trigger};
use crate::telegram::BotApi;
use crate::time::Epoch;

const OWNER: i64 = 1;
const BORIS: i64 = 2;
const GROUP: i64 = -100;
/// A window boundary of the 10-second windows.
const T0: Epoch = 1_790_000_000;

const fn route(name: &'static str, middleware: &'static [MiddlewareDecl]) -> Route {
    Route {
        name,
        trigger: Trigger::Command {
            name,
            scope: Scope::Everywhere,
        },
        help: None,
        audience: Audience::Everyone,
        side_effects: false,
        about: "a test route",
        grants: &[],
        middleware,
    }
}

static HELP: Route = route("help", &[DENY_LIST, per_user(3, 10)]);
static ADMIN: Route = route("admin", &[ADMINS_ONLY]);
static PRIVATE_HELP: Route = route("help", &[DENY_LIST, ALLOW_LIST]);

fn bot() -> BotApi {
    BotApi::new("1:x", "http://127.0.0.1:9").expect("client")
}

fn ctx<'a>(
    route: &'static Route,
    bot: &'a BotApi,
    store: &'a MemoryStore,
    now: Epoch,
) -> RouteContext<'a, MemoryStore> {
    RouteContext {
        route,
        catalogue: &crate::i18n::Catalogue::ENGLISH,
        bot,
        store,
        bot_username: "B",
        update_id: 1,
        now,
        deadline_ms: 0,
    }
}

fn update(from: i64, chat: i64, text: &str) -> Update {
    let chat = if chat < 0 {
        json!({"id": chat, "type": "supergroup", "title": "G"})
    } else {
        json!({"id": chat, "type": "private", "first_name": "A"})
    };
    let text = json!({"update_id": 1, "message": {
        "message_id": 7, "date": 0, "chat": chat, "text": text,
        "from": {"id": from, "is_bot": false, "first_name": "A", "language_code": "en"}
    }})
    .to_string();
    serde_json::from_str(&text).expect("an update")
}

async fn run(
    m: &dyn Middleware<MemoryStore>,
    route: &'static Route,
    store: &MemoryStore,
    from: i64,
    chat: i64,
    now: Epoch,
) -> Flow {
    let bot = bot();
    m.before(&ctx(route, &bot, store, now), &update(from, chat, "/help"))
        .await
        .expect("no store error")
}

fn reply_text(flow: &Flow) -> Option<String> {
    match flow {
        Flow::Stop(RouteResponse {
            reply: Some(reply), ..
        }) => reply["text"].as_str().map(str::to_owned),
        _ => None,
    }
}

#[tokio::test]
async fn the_limit_then_one_polite_answer_then_silence_then_a_new_window() {
    let store = MemoryStore::new();
    let limited = RateLimited::new();
    for i in 0..3 {
        let flow = run(&limited, &HELP, &store, BORIS, GROUP, T0 + i).await;
        assert_eq!(flow, Flow::Continue, "hit {i}");
    }
    let told = run(&limited, &HELP, &store, BORIS, GROUP, T0 + 4).await;
    assert_eq!(
        reply_text(&told).as_deref(),
        Some("You are sending commands too fast. Try again in 6 s.")
    );
    let Flow::Stop(told) = told else {
        panic!("stopped")
    };
    assert_eq!(
        told.reply.as_ref().map(|r| r["chat_id"].clone()),
        Some(json!(GROUP))
    );
    for at in [T0 + 5, T0 + 9] {
        assert_eq!(
            run(&limited, &HELP, &store, BORIS, GROUP, at).await,
            Flow::Stop(RouteResponse::ignored()),
            "silent @{at}"
        );
    }
    assert_eq!(
        run(&limited, &HELP, &store, BORIS, GROUP, T0 + 10).await,
        Flow::Continue
    );
    // Another user, or another route, counts apart.
    assert_eq!(
        run(&limited, &HELP, &store, 3, GROUP, T0 + 5).await,
        Flow::Continue
    );
    assert_eq!(
        store.set_reads(),
        1,
        "the admins read once a refusal was due, then kept"
    );
}

/// A bot's catalogue with German, which the framework does not ship.
const GERMAN: crate::i18n::Catalogue = crate::i18n::Catalogue::new(
    &[
        crate::i18n::Locale::ENGLISH,
        crate::i18n::Locale::new("de", "Deutsch", crate::i18n::plural_rules::ONE_OTHER),
    ],
    &[crate::i18n::Text::new(&[
        (
            crate::i18n::EN,
            "You are sending commands too fast. Try again in {secs} s.",
        ),
        (
            crate::i18n::Lang::new("de"),
            "Zu viele Befehle. Versuchen Sie es in {secs} s erneut.",
        ),
    ])],
);

#[tokio::test]
async fn the_refusal_speaks_the_bots_translation_of_the_framework_text() {
    let store = MemoryStore::new();
    let limited = RateLimited::new();
    let bot = bot();
    let refusal = |lang: &'static str, at: Epoch| {
        let mut update = update(BORIS, GROUP, "/help");
        if let teloxide_core::types::UpdateKind::Message(m) = &mut update.kind {
            if let Some(from) = m.from.as_mut() {
                from.language_code = Some(lang.to_owned());
            }
        }
        let mut ctx = ctx(&HELP, &bot, &store, at);
        ctx.catalogue = &GERMAN;
        let limited = &limited;
        async move { reply_text(&limited.before(&ctx, &update).await.expect("no store error")) }
    };
    for i in 0..3 {
        assert_eq!(refusal("de", T0 + i).await, None);
    }
    assert_eq!(
        refusal("de-AT", T0 + 4).await.as_deref(),
        Some("Zu viele Befehle. Versuchen Sie es in 6 s erneut.")
    );
    // The next window's refusal, to a Ukrainian speaker: English (the bot speaks no Ukrainian).
    for i in 10..13 {
        refusal("uk", T0 + i).await;
    }
    assert_eq!(
        refusal("uk", T0 + 13).await.as_deref(),
        Some("You are sending commands too fast. Try again in 7 s.")
    );
}

#[tokio::test]
async fn bot_admins_are_never_limited_and_the_allowed_path_reads_nothing() {
    let store = MemoryStore::new();
    store
        .add_member(BotSet::Admins, BORIS, &[OWNER])
        .await
        .unwrap();
    let limited = RateLimited::new();
    for i in 0..3 {
        run(&limited, &HELP, &store, BORIS, GROUP, T0 + i).await;
    }
    assert_eq!(store.set_reads(), 0, "allowed: one count, no read");
    for i in 3..8 {
        assert_eq!(
            run(&limited, &HELP, &store, BORIS, GROUP, T0 + i).await,
            Flow::Continue
        );
    }
    assert_eq!(store.set_reads(), 1, "the sandbox's copy of the admins");
}

#[tokio::test]
async fn denied_users_and_chats_are_ignored_and_the_copy_expires() {
    let store = MemoryStore::new();
    let listed = DenyListed::new();
    assert_eq!(
        run(&listed, &HELP, &store, BORIS, GROUP, T0).await,
        Flow::Continue
    );
    store.add_member(BotSet::Denied, BORIS, &[]).await.unwrap();
    assert_eq!(
        run(&listed, &HELP, &store, BORIS, GROUP, T0 + 29).await,
        Flow::Continue,
        "the copy, read at T0, is kept 30 s"
    );
    assert_eq!(store.set_reads(), 1);
    let ignored = Flow::Stop(RouteResponse::ignored());
    assert_eq!(
        run(&listed, &HELP, &store, BORIS, GROUP, T0 + 30).await,
        ignored
    );
    assert_eq!(
        run(&listed, &HELP, &store, 3, GROUP, T0 + 31).await,
        Flow::Continue
    );
    store.add_member(BotSet::Denied, GROUP, &[]).await.unwrap();
    assert_eq!(
        run(&listed, &HELP, &store, 3, GROUP, T0 + 60).await,
        ignored,
        "a denied chat"
    );
    assert_eq!(
        run(&listed, &HELP, &store, 3, 3, T0 + 60).await,
        Flow::Continue
    );
    assert_eq!(store.set_reads(), 3);
}

#[tokio::test]
async fn only_bot_admins_pass_and_nobody_without_an_owner_or_a_set() {
    let store = MemoryStore::new();
    assert!(is_bot_admin(&store, OWNER, Some(OWNER)).await.unwrap());
    assert!(!is_bot_admin(&store, BORIS, Some(OWNER)).await.unwrap());
    assert!(
        !is_bot_admin(&store, OWNER, None).await.unwrap(),
        "never open"
    );
    // Without BOT_OWNER_ID in the test's environment, the middleware knows no owner.
    assert_eq!(
        run(&AdminsOnly, &ADMIN, &store, OWNER, OWNER, T0).await,
        Flow::Stop(RouteResponse::ignored())
    );
    store
        .add_member(BotSet::Admins, BORIS, &[OWNER])
        .await
        .unwrap();
    assert_eq!(
        run(&AdminsOnly, &ADMIN, &store, BORIS, BORIS, T0).await,
        Flow::Continue
    );
}

async fn admin(store: &MemoryStore, text: &str) -> String {
    let bot = bot();
    let update = update(OWNER, OWNER, text);
    let command = Command::from_update(&update, ADMIN.trigger).expect("a command");
    let answer = AdminCommand::with_owner(Some(OWNER))
        .handle(ctx(&ADMIN, &bot, store, T0), command)
        .await
        .expect("answered");
    text_of(answer.reply)
}

async fn listing(handler: &ListCommand, store: &MemoryStore, text: &str) -> String {
    let bot = bot();
    let update = update(OWNER, OWNER, text);
    let command = Command::from_update(&update, ADMIN.trigger).expect("a command");
    let answer = handler
        .handle(ctx(&ADMIN, &bot, store, T0), command)
        .await
        .expect("answered");
    text_of(answer.reply)
}

async fn deny(store: &MemoryStore, text: &str) -> String {
    listing(&DENY_COMMAND, store, text).await
}

fn text_of(reply: Option<Value>) -> String {
    reply
        .and_then(|r| r["text"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test]
async fn admins_are_bootstrapped_added_listed_and_the_last_one_stays() {
    let store = MemoryStore::new();
    assert_eq!(admin(&store, "/admin list").await, "Bot admins: 1");
    assert_eq!(
        admin(&store, "/admin remove 1").await,
        "1 is the last bot admin and stays one: add another admin first."
    );
    assert_eq!(admin(&store, "/admin add 2").await, "2 is a bot admin now.");
    assert_eq!(admin(&store, "/admin list").await, "Bot admins: 1, 2");
    assert_eq!(
        admin(&store, "/admin remove 1").await,
        "1 is no longer a bot admin."
    );
    assert_eq!(
        admin(&store, "/admin remove 1").await,
        "1 is not a bot admin."
    );
    assert_eq!(
        admin(&store, "/admin remove 2").await,
        "2 is the last bot admin and stays one: add another admin first."
    );
    assert_eq!(
        store.members(BotSet::Admins, true).await.unwrap(),
        Some(BTreeSet::from([2]))
    );
    assert!(admin(&store, "/admin add -100").await.starts_with("Usage"));
}

#[tokio::test]
async fn the_deny_list_is_added_to_listed_and_removed_from() {
    let store = MemoryStore::new();
    assert_eq!(deny(&store, "/deny list").await, "Nobody is denied.");
    assert_eq!(
        deny(&store, "/deny add -100").await,
        "-100 is denied: the bot ignores it (within a minute everywhere)."
    );
    deny(&store, "/deny add 2").await;
    assert_eq!(deny(&store, "/deny list").await, "Denied: -100, 2");
    assert_eq!(
        deny(&store, "/deny remove 2").await,
        "2 is no longer denied."
    );
    assert_eq!(deny(&store, "/deny remove 2").await, "2 is not denied.");
    assert!(deny(&store, "/deny").await.starts_with("Usage"));
}

#[tokio::test]
async fn the_allow_list_is_added_to_listed_and_removed_from_apart_from_the_deny_list() {
    let store = MemoryStore::new();
    let allow = |text| listing(&ALLOW_COMMAND, &store, text);
    assert_eq!(
        allow("/allowlist list").await,
        "The allow-list is empty: the bot serves everyone who is not denied."
    );
    assert_eq!(
        allow("/allowlist add -100").await,
        "-100 is on the allow-list (the bot serves only the list and its admins; within a minute everywhere)."
    );
    allow("/allowlist add 2").await;
    assert_eq!(allow("/allowlist list").await, "Allow-list: -100, 2");
    assert_eq!(
        allow("/allowlist remove 2").await,
        "2 is no longer on the allow-list."
    );
    assert_eq!(
        allow("/allowlist remove 2").await,
        "2 is not on the allow-list."
    );
    assert!(allow("/allowlist").await.starts_with("Usage"));
    assert_eq!(
        store.members(BotSet::Allowed, true).await.unwrap(),
        Some(BTreeSet::from([-100]))
    );
    assert_eq!(store.members(BotSet::Denied, true).await.unwrap(), None);
}

#[tokio::test]
async fn with_the_allow_list_on_only_listed_users_and_chats_and_the_admins_pass() {
    const CAROL: i64 = 3;
    const OTHER_GROUP: i64 = -200;
    let store = MemoryStore::new();
    let listed = AllowListed::new();
    let pass = |from, chat, now| run(&listed, &PRIVATE_HELP, &store, from, chat, now);
    assert_eq!(pass(BORIS, GROUP, T0).await, Flow::Continue, "off: open");
    assert_eq!(store.set_reads(), 1, "off costs the one read of the list");

    store.add_member(BotSet::Allowed, GROUP, &[]).await.unwrap();
    store.add_member(BotSet::Allowed, BORIS, &[]).await.unwrap();
    store
        .add_member(BotSet::Admins, CAROL, &[OWNER])
        .await
        .unwrap();
    assert_eq!(
        pass(7, OTHER_GROUP, T0 + 29).await,
        Flow::Continue,
        "the copy, read at T0 (off), is kept 30 s"
    );
    let ignored = Flow::Stop(RouteResponse::ignored());
    let now = T0 + 30;
    assert_eq!(pass(7, OTHER_GROUP, now).await, ignored, "a stranger");
    assert_eq!(pass(7, 7, now).await, ignored, "a stranger's private chat");
    assert_eq!(pass(7, GROUP, now).await, Flow::Continue, "a listed group");
    assert_eq!(pass(BORIS, OTHER_GROUP, now).await, Flow::Continue);
    assert_eq!(pass(BORIS, BORIS, now).await, Flow::Continue);
    assert_eq!(pass(CAROL, CAROL, now).await, Flow::Continue, "an admin");
    assert_eq!(
        store.set_reads(),
        3,
        "the list again, then the admins once (for the first stranger)"
    );
}
