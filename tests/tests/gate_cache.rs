//! The gate's sandbox cache on two sandboxes sharing DynamoDB Local: sandbox A serves a busy
//! group's messages, sandbox B (another function) writes changes. A reads once on a cold start
//! and not at all for members who passed; B's changes reach A within the cache's lifetimes: a
//! configuration change and a membership when A's copy of the group expires
//! (`GROUP_TTL_SECS`), another member's pass at most `PASS_TTL_SECS` after it was earned.
//! The clock is the test's (`RouteContext::now`).

use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::gate::{gate, Gate};
use channel_guard::gate_cache::{GateCache, GROUP_TTL_SECS, PASS_TTL_SECS};
use channel_guard::store::prelude::*;
use lambdagram::aws::DynamoStore;
use lambdagram::route::RouteContext;
use lambdagram::telegram::ScriptedBot;
use lambdagram::teloxide_core::types::Message;
use lambdagram::time::Epoch;
use lambdagram_e2e::dynamodb;
use serde_json::json;

const GROUP: i64 = -100_500;
const NEWS: i64 = -100_600;
const DEV: i64 = -100_700;
const BOT: i64 = 42;
const ADMIN: i64 = 1;
const BORIS: i64 = 11;
const CAROL: i64 = 12;
const DAVE: i64 = 13;
const ERIN: i64 = 14;
const T0: Epoch = 1_790_000_000;
const LONG: Epoch = T0 + 5_000;

fn channel(id: i64) -> LinkedChannel {
    LinkedChannel {
        id,
        title: format!("channel {id}"),
        username: Some(format!("chan{}", -id)),
        invite_link: None,
    }
}

/// One function's sandbox: its own DynamoDB client and its own gate cache.
struct Sandbox {
    store: DynamoStore,
    cache: GateCache,
    bot: ScriptedBot,
}

impl Sandbox {
    async fn new(table: &str) -> Self {
        let bot = ScriptedBot::new(BOT);
        // Enforcement confirms a cached "not subscribed" live, then posts a warning.
        for i in 0..10 {
            bot.answer(
                "getChatMember",
                json!({"status": "left", "user": {"id": 0, "is_bot": false, "first_name": "U"}}),
            )
            .answer(
                "sendMessage",
                json!({
                    "message_id": 1_000 + i, "date": T0,
                    "chat": {"id": GROUP, "type": "supergroup", "title": "G"},
                    "from": {"id": BOT, "is_bot": true, "first_name": "B"}, "text": "warning"
                }),
            );
        }
        Sandbox {
            store: DynamoStore::new(dynamodb::client().await, table.to_owned()),
            cache: GateCache::new(),
            bot,
        }
    }

    /// A message from `user` at `now`: what the gate decided, and the DynamoDB reads it made.
    async fn message(&self, user: i64, now: Epoch) -> (bool, u32) {
        let ctx = RouteContext {
            route: channel_guard::ROUTES
                .get("guard-message")
                .expect("in the table"),
            catalogue: channel_guard::ROUTES.catalogue(),
            bot: &self.bot,
            store: &self.store,
            bot_username: "B",
            update_id: now,
            now,
            deadline_ms: lambdagram::time::now_ms() + 20_000,
        };
        let message: Message = serde_json::from_str(
            &json!({
                "message_id": now - T0 + 1, "date": now,
                "chat": {"id": GROUP, "type": "supergroup", "title": "G"},
                "from": {"id": user, "is_bot": false, "first_name": format!("U{user}")},
                "text": "hi"
            })
            .to_string(),
        )
        .expect("a message");
        self.store.calls().take();
        let gate = gate(&ctx, &self.cache, &message).await.expect("gated");
        let (reads, _) = self.store.calls().take();
        (matches!(gate, Gate::Pass), reads)
    }
}

const PASS: bool = true;
const ENFORCED: bool = false;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_sandbox_reads_nothing_for_members_who_passed_and_sees_other_functions_changes_in_time(
) {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let a = Sandbox::new(&table).await;
    let b = Sandbox::new(&table).await;

    // The group protected by @news; everyone below subscribed (cached answers).
    let mut config = GroupConfig::new(GROUP);
    config.enabled = true;
    config.link([channel(NEWS)]);
    b.store.save_group(&mut config, &[]).await.expect("save");
    b.store
        .cache_admins(GROUP, &[ADMIN], LONG)
        .await
        .expect("admins");
    for user in [BORIS, CAROL, DAVE, ERIN] {
        for c in [NEWS, DEV] {
            b.store
                .cache_subscription(c, user, true, LONG)
                .await
                .expect("subscribed");
        }
    }

    // A cold sandbox reads once; then a member who passed costs nothing, another member one read.
    assert_eq!(a.message(BORIS, T0).await, (PASS, 1), "cold: one read");
    assert_eq!(a.message(BORIS, T0 + 1).await, (PASS, 0), "warm: no read");
    assert_eq!(
        a.message(CAROL, T0 + 1).await,
        (PASS, 1),
        "the member alone"
    );
    assert_eq!(a.message(CAROL, T0 + 2).await, (PASS, 0));
    assert!(a.bot.methods().is_empty(), "{:?}", a.bot.methods());

    // B: Boris left @news (member-change caches the answer).
    b.store
        .cache_subscription(NEWS, BORIS, false, LONG)
        .await
        .expect("left");
    assert_eq!(
        a.message(BORIS, T0 + GROUP_TTL_SECS - 1).await,
        (PASS, 0),
        "A's copy, within its lifetime"
    );
    let (decided, reads) = a.message(BORIS, T0 + GROUP_TTL_SECS).await;
    assert_eq!(
        (decided, reads),
        (ENFORCED, 1),
        "the copy expired: read again"
    );
    assert_eq!(
        a.bot.methods().first().map(String::as_str),
        Some("deleteMessage")
    );

    // B: the group now also requires @dev (a new revision of the configuration).
    let t1 = T0 + GROUP_TTL_SECS; // when A last read the group
    let mut config = b
        .store
        .group_state(GROUP, t1)
        .await
        .expect("read")
        .config
        .expect("config");
    config.link([channel(DEV)]);
    b.store.save_group(&mut config, &[]).await.expect("save");
    b.store
        .cache_subscription(DEV, CAROL, false, LONG)
        .await
        .expect("carol is not in @dev");
    assert_eq!(
        a.message(CAROL, t1 + GROUP_TTL_SECS - 1).await,
        (PASS, 0),
        "the old revision, within the copy's lifetime"
    );
    assert_eq!(
        a.message(CAROL, t1 + GROUP_TTL_SECS).await,
        (ENFORCED, 1),
        "a new revision voids every pass"
    );

    // A pass lives PASS_TTL_SECS even while the group's copy is kept fresh by others.
    let t2 = t1 + GROUP_TTL_SECS; // A's copy of the new revision
    assert_eq!(a.message(DAVE, t2 + 1).await, (PASS, 1));
    b.store
        .cache_subscription(DEV, DAVE, false, LONG)
        .await
        .expect("dave left @dev");
    assert_eq!(a.message(DAVE, t2 + 2).await, (PASS, 0), "his pass");
    let t3 = t2 + GROUP_TTL_SECS;
    assert_eq!(
        a.message(ERIN, t3).await,
        (PASS, 1),
        "Erin refreshes the copy"
    );
    assert_eq!(a.message(DAVE, t3 + 1).await, (PASS, 0), "his pass still");
    let t4 = t2 + 1 + PASS_TTL_SECS; // Dave's pass has expired
    assert_eq!(
        a.message(ERIN, t4 - 1).await,
        (PASS, 1),
        "Erin refreshes the copy"
    );
    assert_eq!(
        a.message(DAVE, t4).await,
        (ENFORCED, 1),
        "the group from the copy, Dave read afresh"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unprotected_group_is_read_each_time_so_protect_applies_to_the_next_message() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let a = Sandbox::new(&table).await;
    let b = Sandbox::new(&table).await;
    b.store
        .cache_admins(GROUP, &[ADMIN], LONG)
        .await
        .expect("admins");
    b.store
        .cache_subscription(NEWS, BORIS, false, LONG)
        .await
        .expect("not subscribed");

    assert_eq!(a.message(BORIS, T0).await, (PASS, 1));
    assert_eq!(a.message(BORIS, T0 + 1).await, (PASS, 1), "not kept");

    let mut config = GroupConfig::new(GROUP);
    config.enabled = true;
    config.link([channel(NEWS)]);
    b.store.save_group(&mut config, &[]).await.expect("protect");

    assert_eq!(a.message(BORIS, T0 + 2).await, (ENFORCED, 1));
}
