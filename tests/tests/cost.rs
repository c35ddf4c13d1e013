//! What each kind of update costs: the DynamoDB operations the functions make (counted by the
//! emulator's DynamoDB proxy) and the Bot API calls they make (recorded by the fake). A webhook
//! reply is not a call the functions make: Telegram executes it.

use lambdagram_e2e::stack::Stack;

struct Cost {
    status: u16,
    dynamodb: Vec<String>,
    bot_api: Vec<String>,
    webhook_reply: Option<String>,
}

async fn cost_of(stack: &Stack, sample: &str) -> Cost {
    stack.emulator.take_dynamodb_ops();
    stack.fake.clear_calls();
    let sample_event = lambdagram_e2e::events::load(sample);
    let secret = match sample_event.secret() {
        Some(lambdagram_e2e::events::SAMPLE_SECRET) => Some(lambdagram_e2e::stack::SECRET),
        other => other,
    };
    let d = stack.post(sample_event.body.clone(), secret).await;
    Cost {
        status: d.status,
        dynamodb: stack.emulator.take_dynamodb_ops(),
        bot_api: stack.fake.calls().into_iter().map(|c| c.method).collect(),
        webhook_reply: d
            .reply
            .as_ref()
            .and_then(|r| r["method"].as_str().map(str::to_owned)),
    }
}

/// (sample, status, DynamoDB operations, Bot API calls, webhook reply method)
type Expected<'a> = (&'a str, u16, &'a [&'a str], &'a [&'a str], Option<&'a str>);

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_update_kind_costs_exactly_this() {
    let stack = Stack::start().await;

    let expected: &[Expected] = &[
        // Claim the update, read the deny- and allow-lists (a cold sandbox; kept 30 s), count it against
        // the rate limit (one conditional UpdateItem), record the visit (one UpdateItem returns
        // the record), journal the welcome (intent, then a slot in the chat's and the bot's flood
        // windows, then the result: never two welcomes, never past Telegram's limits), mark done.
        (
            "01-private-start-en",
            200,
            &[
                "PutItem",
                "GetItem",
                "GetItem",
                "UpdateItem",
                "UpdateItem",
                "PutItem",
                "UpdateItem",
                "UpdateItem",
                "UpdateItem",
                "UpdateItem",
                // The interaction log's entry (the guard logs its commands): the webhook's one
                // BatchWriteItem, after the effects.
                "BatchWriteItem",
            ],
            &["sendMessage"],
            None,
        ),
        // The redelivery: one conditional put that fails and tells "done".
        ("01-private-start-en", 200, &["PutItem"], &[], None),
        // Pure webhook-reply routes skip the ledger; /help reads the deny- and allow-lists (a
        // cold sandbox) and counts against its rate limit.
        (
            "03-private-help-ru",
            200,
            &["GetItem", "GetItem", "UpdateItem", "BatchWriteItem"],
            &[],
            Some("sendMessage"),
        ),
        // In a group, /help passes the deny- and allow-lists (warm: from memory), the guard's gate (one
        // read of the unprotected group), then its rate limit.
        (
            "06-supergroup-help-at-bot",
            200,
            &["BatchGetItem", "UpdateItem", "BatchWriteItem"],
            &[],
            Some("sendMessage"),
        ),
        (
            "04-private-unknown-command",
            200,
            &["BatchWriteItem"],
            &[],
            Some("sendMessage"),
        ),
        // A message in a group the guard does not protect: one read of the group's state.
        (
            "12-supergroup-command-other-bot",
            200,
            &["BatchGetItem"],
            &[],
            None,
        ),
        (
            "11-supergroup-plain-message",
            200,
            &["BatchGetItem"],
            &[],
            None,
        ),
        // Each of these is its function's cold sandbox: the deny- and allow-lists are read
        // (two GetItems, then kept 30 s).
        // /settings from Alice in the unprotected Lounge: one read, her rights checked, and the
        // answer (pointing at /protect) by webhook reply; no ledger.
        (
            "09-supergroup-settings",
            200,
            &["GetItem", "GetItem", "BatchGetItem", "BatchWriteItem"],
            &["getChatMember"],
            Some("sendMessage"),
        ),
        // "I have joined" from Boris in the unprotected Lounge (verify): the ledger, the
        // deny-list (verify has no allow-list), one group read, and the callback answered by
        // webhook reply.
        (
            "13-callback-query",
            200,
            &[
                "PutItem",
                "GetItem",
                "BatchGetItem",
                "UpdateItem",
                "BatchWriteItem",
            ],
            &[],
            Some("answerCallbackQuery"),
        ),
        // Boris joins the unprotected Lounge (member-change): the ledger and one group read.
        (
            "14-supergroup-chat-member-join",
            200,
            &["PutItem", "BatchGetItem", "UpdateItem"],
            &[],
            None,
        ),
        // /protect from the owner: ledger, one read, the sender's and the bot's rights checked
        // live, the channel resolved, config and index saved (one transaction), webhook reply.
        (
            "08-supergroup-protect",
            200,
            &[
                "PutItem",
                "GetItem",
                "GetItem",
                "BatchGetItem",
                "TransactWriteItems",
                "UpdateItem",
                "BatchWriteItem",
            ],
            // The sender in the group, the channel, the sender in the channel (only its
            // administrators may link it), the bot in the group and in the channel.
            &[
                "getChatMember",
                "getChat",
                "getChatMember",
                "getChatMember",
                "getChatMember",
            ],
            Some("sendMessage"),
        ),
        // A non-subscriber in the protected Lounge: no ledger; one batched read (the group and
        // the member), the admin list and the channel asked and cached, delete, status check,
        // the restriction's intent, restrict, its result, warn.
        (
            "10-supergroup-non-subscriber",
            200,
            &[
                "BatchGetItem",
                "PutItem",
                "UpdateItem",
                "PutItem",
                "PutItem",
                "PutItem",
                // The warning's slots in the group's and the bot's flood windows.
                "UpdateItem",
                "UpdateItem",
                "TransactWriteItems",
                // The enforcement, logged (the gate notes it; a pass is never logged).
                "BatchWriteItem",
            ],
            &[
                "getChatAdministrators",
                "getChatMember",
                "deleteMessage",
                "getChatMember",
                "restrictChatMember",
                "sendMessage",
            ],
            None,
        ),
        // Boris again, warned already: one read (of him alone while the sandbox's copy of the
        // group is fresh, or of both); his message is deleted silently.
        (
            "11-supergroup-plain-message",
            200,
            &["BatchGetItem", "BatchWriteItem"],
            &["deleteMessage"],
            None,
        ),
        // Boris asks to join the protected Lounge, whose join-request setting is off (the
        // default): the ledger and the gate's one read; the request is left to the admins.
        (
            "20-supergroup-join-request",
            200,
            &["PutItem", "BatchGetItem", "UpdateItem"],
            &[],
            None,
        ),
        // Nothing to do: no I/O at all.
        ("18-malformed-body", 200, &[], &[], None),
        ("17-wrong-secret-start", 401, &[], &[], None),
    ];
    let mut report = String::new();
    for (sample, status, dynamodb, bot_api, reply) in expected {
        let cost = cost_of(&stack, sample).await;
        report.push_str(&format!(
            "{sample:32} {} dynamodb={:?} bot_api={:?} reply={:?}\n",
            cost.status, cost.dynamodb, cost.bot_api, cost.webhook_reply
        ));
        assert_eq!(cost.status, *status, "{sample}");
        assert_eq!(cost.dynamodb, strings(dynamodb), "{sample}");
        assert_eq!(cost.bot_api, strings(bot_api), "{sample}");
        assert_eq!(cost.webhook_reply.as_deref(), *reply, "{sample}");
    }
    println!("{report}");
}
