//! The guard's store port on DynamoDB Local and in memory: the same cases, the same answers,
//! and for DynamoDB the exact items and the request counts the hot path is budgeted on.

use aws_sdk_dynamodb::types::AttributeValue;
use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::store::{prelude::*, GroupState, Restriction, Warning};
use lambdagram::aws::DynamoStore;
use lambdagram::memory::MemoryStore;
use lambdagram_e2e::dynamodb;

fn channel(id: i64) -> LinkedChannel {
    LinkedChannel {
        id,
        title: format!("channel {id}"),
        username: Some(format!("chan{}", -id)),
        invite_link: None,
    }
}

/// Runs every case on `store` and returns a transcript of the answers.
async fn exercise(store: &impl GuardStore) -> Vec<String> {
    let mut log = Vec::new();
    let mut a = GroupConfig::new(-1001);
    a.enabled = true;
    a.link([channel(-10), channel(-20)]);
    let mut b = GroupConfig::new(-1002);
    b.link([channel(-10)]);
    store.save_group(&mut a, &[]).await.expect("save a");
    store.save_group(&mut b, &[]).await.expect("save b");
    let mut linked = store.groups_linked_to(-10).await.expect("index");
    linked.sort_unstable();
    log.push(format!("linked to -10: {linked:?}"));

    a.channels.retain(|c| c.id != -10);
    store.save_group(&mut a, &[-10]).await.expect("unlink");
    log.push(format!(
        "after unlink: {:?}",
        store.groups_linked_to(-10).await.expect("index")
    ));

    let g = store.group_state(-1001, 1000).await.expect("group");
    log.push(format!("config back: {}", g.config.as_ref() == Some(&a)));
    log.push(format!("admins before caching: {:?}", g.admins));
    store
        .cache_admins(-1001, &[1, 2], 2000)
        .await
        .expect("admins");
    log.push(format!(
        "admins: {:?}",
        store.group_state(-1001, 1999).await.expect("g").admins
    ));
    log.push(format!(
        "admins expired: {:?}",
        store.group_state(-1001, 2000).await.expect("g").admins
    ));
    log.push(format!(
        "unknown group: {:?}",
        store.group_state(-9, 0).await.expect("g")
    ));

    store
        .cache_subscription(-20, 7, true, 1600)
        .await
        .expect("sub");
    store
        .cache_subscription(-30, 7, false, 1060)
        .await
        .expect("sub");
    let m = store
        .member_state(-1001, 7, &[-20, -30, -40], 1000)
        .await
        .expect("member");
    log.push(format!(
        "subs: {:?} warned: {:?} muted: {}",
        m.subscriptions, m.warning, m.restricted_by_bot
    ));
    let m = store
        .member_state(-1001, 7, &[-20, -30], 1060)
        .await
        .expect("member");
    log.push(format!("subs later: {:?}", m.subscriptions));
    store.forget_subscription(-20, 7).await.expect("forget");
    let m = store
        .member_state(-1001, 7, &[-20], 1000)
        .await
        .expect("member");
    log.push(format!("after forget: {:?}", m.subscriptions));

    log.push(format!(
        "claim: {}",
        store.claim_warning(-1001, 7, 1000, 1300).await.expect("c")
    ));
    log.push(format!(
        "claim again: {}",
        store.claim_warning(-1001, 7, 1001, 1301).await.expect("c")
    ));
    store
        .set_warning_message(-1001, 7, 55, 1300)
        .await
        .expect("set");
    let m = store
        .member_state(-1001, 7, &[], 1000)
        .await
        .expect("member");
    log.push(format!("warning: {:?}", m.warning));
    log.push(format!(
        "due: {:?}",
        store.due_warnings(1240, 1300).await.expect("due")
    ));
    log.push(format!(
        "not due yet: {:?}",
        store.due_warnings(1000, 1299).await.expect("due")
    ));
    log.push(format!(
        "claim after it lapsed: {}",
        store.claim_warning(-1001, 7, 1300, 1600).await.expect("c")
    ));
    log.push(format!(
        "removed: {:?}",
        store.remove_warning(-1001, 7, 1400).await.expect("rm")
    ));
    log.push(format!(
        "removed twice: {:?}",
        store.remove_warning(-1001, 7, 1400).await.expect("rm")
    ));

    store
        .record_restriction(
            -1001,
            &Restriction {
                user_id: 7,
                since: 1000,
                until: None,
                pending: false,
            },
        )
        .await
        .expect("mute");
    store
        .record_restriction(
            -1001,
            &Restriction {
                user_id: 8,
                since: 1001,
                until: Some(5000),
                pending: false,
            },
        )
        .await
        .expect("mute");
    let mut r = store.restrictions(-1001).await.expect("list");
    r.sort_by_key(|r| r.user_id);
    log.push(format!("restrictions: {r:?}"));
    log.push(format!(
        "muted flag: {}",
        store
            .member_state(-1001, 7, &[], 1000)
            .await
            .expect("m")
            .restricted_by_bot
    ));
    log.push(format!(
        "lift 7: {}",
        store.remove_restriction(-1001, 7).await.expect("rm")
    ));
    log.push(format!(
        "lift 7 again: {}",
        store.remove_restriction(-1001, 7).await.expect("rm")
    ));
    log.push(format!(
        "other group: {:?}",
        store.restrictions(-1002).await.expect("list")
    ));

    // A restriction's intent, then its result.
    let mut intent = Restriction {
        user_id: 9,
        since: 1002,
        until: None,
        pending: true,
    };
    store
        .record_restriction(-1001, &intent)
        .await
        .expect("intent");
    let m = store.member_state(-1001, 9, &[], 1002).await.expect("m");
    log.push(format!(
        "intent: by bot {} pending {}",
        m.restricted_by_bot, m.restriction_pending
    ));
    intent.pending = false;
    store
        .record_restriction(-1001, &intent)
        .await
        .expect("result");
    let m = store.member_state(-1001, 9, &[], 1002).await.expect("m");
    log.push(format!(
        "result: by bot {} pending {}",
        m.restricted_by_bot, m.restriction_pending
    ));
    let mut r = store.restrictions(-1001).await.expect("list");
    r.sort_by_key(|r| r.user_id);
    log.push(format!("with the result: {r:?}"));

    // The sweeper's watermark.
    log.push(format!(
        "watermark: {:?}",
        store.sweep_watermark().await.expect("read")
    ));
    store.set_sweep_watermark(1234).await.expect("save");
    log.push(format!(
        "watermark: {:?}",
        store.sweep_watermark().await.expect("read")
    ));
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_and_memory_answer_alike() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let dynamo = DynamoStore::new(client.clone(), table.clone());
    let memory = MemoryStore::new();

    let from_dynamo = exercise(&dynamo).await;
    let from_memory = exercise(&memory).await;

    assert_eq!(from_dynamo, from_memory);
    let expected_due = format!(
        "due: {:?}",
        vec![(
            -1001_i64,
            Warning {
                user_id: 7,
                message_id: Some(55),
                delete_at: 1300
            }
        )]
    );
    assert!(from_dynamo.contains(&expected_due), "{from_dynamo:#?}");
    assert!(from_dynamo.contains(&"claim again: false".to_owned()));
    assert!(
        from_dynamo.contains(
            &"subs: [(-20, Some(true)), (-30, Some(false)), (-40, None)] warned: None muted: false"
                .to_owned()
        ),
        "{from_dynamo:#?}"
    );
    assert!(from_dynamo.contains(&"lift 7 again: false".to_owned()));
    for line in [
        "intent: by bot true pending true",
        "result: by bot true pending false",
        "watermark: None",
        "watermark: Some(1234)",
    ] {
        assert!(
            from_dynamo.contains(&line.to_owned()),
            "{line}: {from_dynamo:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hot_path_reads_once_and_writes_nothing() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let store = DynamoStore::new(client.clone(), table.clone());
    let mut g = GroupConfig::new(-1001);
    g.enabled = true;
    g.link([channel(-10), channel(-20), channel(-30)]);
    store.save_group(&mut g, &[]).await.expect("save");
    store.cache_admins(-1001, &[1], 5000).await.expect("admins");
    for c in [-10, -20, -30] {
        store
            .cache_subscription(c, 7, true, 5000)
            .await
            .expect("sub");
    }
    // Another group's channel, in the same membership item: not this group's business.
    store
        .cache_subscription(-99, 7, false, 5000)
        .await
        .expect("sub");
    store.calls().take();

    let (group, member) = store.gate_state(-1001, 7, 1000).await.expect("gate");

    assert_eq!(store.calls().take(), (1, 0), "one read, no writes");
    assert!(group.config.is_some() && group.admins == Some(vec![1]));
    assert_eq!(
        member.subscriptions,
        [(-10, Some(true)), (-20, Some(true)), (-30, Some(true))]
    );
    assert!(member.warning.is_none() && !member.restricted_by_bot);

    // Without the group's copy (a warm sandbox): the member alone, one read.
    let alone = store
        .member_state(-1001, 7, &[-10, -20, -30], 1000)
        .await
        .expect("member");
    assert_eq!(store.calls().take(), (1, 0));
    assert_eq!(alone, member);

    // An unprotected group reads the same one request.
    let (group, member) = store.gate_state(-1002, 7, 1000).await.expect("gate");
    assert_eq!(store.calls().take(), (1, 0));
    assert_eq!(group, GroupState::default());
    assert!(member.subscriptions.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_memberships_share_one_item_and_expire_one_by_one() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let store = DynamoStore::new(client.clone(), table.clone());
    store
        .cache_subscription(-10, 7, true, 1600)
        .await
        .expect("w");
    store
        .cache_subscription(-20, 7, false, 1060)
        .await
        .expect("w");
    store
        .forget_subscription(-30, 8)
        .await
        .expect("no item: no-op");

    let items = dynamodb::scan_table(&client, &table).await;
    assert_eq!(items.len(), 1, "{items:#?}");
    let subs = &items[0];
    assert_eq!(subs["pk"], "SUBS#7");
    assert_eq!(subs["sk"], "SUBS");
    assert_eq!(
        subs["ch-10"],
        serde_json::json!({"subscribed": true, "expires_at": 1600})
    );
    assert_eq!(
        subs["ch-20"],
        serde_json::json!({"subscribed": false, "expires_at": 1060})
    );
    assert_eq!(subs["expires_at"], 1060 + 900, "outlives every answer");

    let at = |now| store.member_state(-1, 7, &[-10, -20, -30], now);
    assert_eq!(
        at(1059).await.expect("r").subscriptions,
        [(-10, Some(true)), (-20, Some(false)), (-30, None)]
    );
    assert_eq!(
        at(1060).await.expect("r").subscriptions,
        [(-10, Some(true)), (-20, None), (-30, None)]
    );
    store.forget_subscription(-10, 7).await.expect("forget");
    assert_eq!(
        at(1000).await.expect("r").subscriptions,
        [(-10, None), (-20, Some(false)), (-30, None)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_are_stored_under_the_documented_keys() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let store = DynamoStore::new(client.clone(), table.clone());
    let mut g = GroupConfig::new(-1001);
    g.link([channel(-10)]);
    store.save_group(&mut g, &[]).await.expect("save");
    store
        .cache_subscription(-10, 7, false, 1060)
        .await
        .expect("sub");
    store
        .claim_warning(-1001, 7, 1000, 1300)
        .await
        .expect("claim");
    store
        .set_warning_message(-1001, 7, 55, 1300)
        .await
        .expect("set");
    store
        .record_restriction(
            -1001,
            &Restriction {
                user_id: 7,
                since: 1000,
                until: None,
                pending: false,
            },
        )
        .await
        .expect("mute");

    let keys: Vec<(String, String)> = dynamodb::scan_table(&client, &table)
        .await
        .iter()
        .map(|i| {
            (
                i["pk"].as_str().unwrap_or("").to_owned(),
                i["sk"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let mut expected = vec![
        ("CHANNEL#-10".to_owned(), "GROUP#-1001".to_owned()),
        ("DUE#21".to_owned(), "-1001#7".to_owned()),
        ("GROUP#-1001".to_owned(), "CONFIG".to_owned()),
        ("GROUP#-1001".to_owned(), "MUTE#7".to_owned()),
        ("GROUP#-1001".to_owned(), "WARN#7".to_owned()),
        ("SUBS#7".to_owned(), "SUBS".to_owned()),
    ];
    expected.sort();
    assert_eq!(keys, expected);
}

/// Two edits made from the same read: the first saves, the second is refused and writes
/// nothing (neither the configuration nor the channel index).
async fn race(store: &impl GuardStore) -> Vec<String> {
    let mut log = Vec::new();
    let mut g = GroupConfig::new(-1001);
    g.enabled = true;
    g.link([channel(-10), channel(-20)]);
    store.save_group(&mut g, &[]).await.expect("first save");
    log.push(format!("saved at revision {}", g.version));

    let read = store.group_state(-1001, 0).await.expect("read").config;
    let mut settings_edit = read.clone().expect("config");
    let mut unlinking = read.expect("config");
    log.push(format!("read at revision {}", settings_edit.version));
    settings_edit.allow_list.push(5);
    store
        .save_group(&mut settings_edit, &[])
        .await
        .expect("the first edit saves");
    log.push(format!("first edit at revision {}", settings_edit.version));

    unlinking.channels.retain(|c| c.id != -20);
    let refused = store.save_group(&mut unlinking, &[-20]).await;
    log.push(format!("second edit: {refused:?}"));
    log.push(format!("second edit keeps revision {}", unlinking.version));

    let stored = store
        .group_state(-1001, 0)
        .await
        .expect("read")
        .config
        .expect("config");
    log.push(format!(
        "stored: revision {} allow {:?} channels {:?}",
        stored.version,
        stored.allow_list,
        stored.channels.iter().map(|c| c.id).collect::<Vec<_>>()
    ));
    log.push(format!(
        "still indexed under -20: {:?}",
        store.groups_linked_to(-20).await.expect("index")
    ));
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_from_a_stale_read_is_refused_on_dynamodb_as_in_memory() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let dynamo = DynamoStore::new(client.clone(), table.clone());

    let from_dynamo = race(&dynamo).await;

    assert_eq!(
        from_dynamo,
        [
            "saved at revision 1",
            "read at revision 1",
            "first edit at revision 2",
            "second edit: Err(Conflict(\"group -1001's configuration\"))",
            "second edit keeps revision 1",
            "stored: revision 2 allow [5] channels [-10, -20]",
            "still indexed under -20: [-1001]",
        ]
    );
    assert_eq!(race(&MemoryStore::new()).await, from_dynamo);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_saved_before_revisions_reads_as_revision_0_and_saves() {
    let client = dynamodb::client().await;
    let table = dynamodb::fresh_table(&client).await;
    let store = DynamoStore::new(client.clone(), table.clone());
    let mut legacy = GroupConfig::new(-1001);
    legacy.link([channel(-10)]);
    client
        .put_item()
        .table_name(&table)
        .item("pk", AttributeValue::S("GROUP#-1001".into()))
        .item("sk", AttributeValue::S("CONFIG".into()))
        .item(
            "config",
            AttributeValue::S(serde_json::to_string(&legacy).expect("json")),
        )
        .item("enabled", AttributeValue::Bool(false))
        .send()
        .await
        .expect("an item without a revision");

    let mut read = store
        .group_state(-1001, 0)
        .await
        .expect("read")
        .config
        .expect("config");
    assert_eq!(read, legacy, "revision 0");
    read.enabled = true;
    store.save_group(&mut read, &[]).await.expect("save");

    let items = dynamodb::scan_table(&client, &table).await;
    let config = items
        .iter()
        .find(|i| i["sk"] == "CONFIG")
        .expect("the config item");
    assert_eq!(config["version"], 1);
    assert_eq!(config["enabled"], true);
}
