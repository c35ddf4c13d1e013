//! A conversation through the framework's own path: each update classified by a bot's table
//! and run by a freshly built pipeline (a cold start every time, so nothing carries over in
//! memory but the store), on the in-memory store with the clock injected.

use serde_json::json;
use teloxide_core::types::Message;

use super::*;
use crate::classify::classify;
use crate::grants::CONVERSE;
use crate::i18n::{Catalogue, Lang, Locale, Text, EN};
use crate::memory::MemoryStore;
use crate::pipeline::{run_once, Pipeline};
use crate::route::RouteDeps;
use crate::route_api::RouteRequest;
use crate::routes::{Audience, Route, RouteTable, Scope, Trigger};
use crate::telegram::BotApi;
use crate::update::UpdateView;

const T0: Epoch = 1_790_000_000;
const TTL: i64 = 300;
const ADA: i64 = 5;
const BORIS: i64 = 6;

const fn route(name: &'static str, trigger: Trigger) -> Route {
    Route {
        name,
        trigger,
        help: None,
        audience: Audience::Everyone,
        side_effects: false,
        about: "a test route",
        grants: &[CONVERSE],
        middleware: &[],
    }
}

/// A bot that speaks English and German (which the framework ships no text in).
const DE: Lang = Lang::new("de");
const CATALOGUE: Catalogue = Catalogue::new(
    &[
        Locale::ENGLISH,
        Locale::new("de", "Deutsch", crate::i18n::plural_rules::ONE_OTHER),
    ],
    &[
        Text::new(&[(EN, "Cancelled."), (DE, "Abgebrochen.")]),
        Text::new(&[
            (EN, "There is nothing to cancel."),
            (DE, "Nichts abzubrechen."),
        ]),
    ],
);

/// `/feedback` asks for a topic, the answer asks for the text, the next answer ends it.
const TABLE: RouteTable = RouteTable::new(&[
    route(
        "feedback",
        Trigger::Command {
            name: "feedback",
            scope: Scope::Everywhere,
        },
    ),
    route(
        "cancel",
        Trigger::Command {
            name: "cancel",
            scope: Scope::Everywhere,
        },
    ),
    route("answer", Trigger::Conversation),
])
.speaking(&CATALOGUE);

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Feedback {
    topic: Option<String>,
}

fn say(chat: i64, text: &str) -> RouteResponse {
    RouteResponse::reply("sendMessage", json!({"chat_id": chat, "text": text}))
}

/// `/feedback`: the first question.
struct Start;
impl RouteHandler<MemoryStore> for Start {
    type Input = Command;
    async fn handle(
        &self,
        ctx: RouteContext<'_, MemoryStore>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let (chat, user) = (command.chat().id.0, user_of(&command.message).unwrap_or(0));
        let waiting = Waiting {
            conversation: "feedback".into(),
            step: "topic".into(),
            data: Feedback::default(),
            answered: None,
            reply: None,
        };
        ask(ctx.store, chat, user, &waiting, TTL, ctx.now).await?;
        Ok(say(chat, "What is it about?"))
    }
}

/// The steps; `yields` makes a step give way once before deciding, so two answers handled
/// at once both read before either writes.
struct FeedbackSteps {
    yields: bool,
}
impl Steps<MemoryStore> for FeedbackSteps {
    type Data = Feedback;

    fn ttl_secs(&self) -> i64 {
        TTL
    }

    async fn answer<'a>(
        &'a self,
        _ctx: &'a RouteContext<'a, MemoryStore>,
        waiting: Waiting<Feedback>,
        message: &'a Message,
    ) -> Result<Turn<Feedback>, HandlerError> {
        if self.yields {
            tokio::task::yield_now().await;
        }
        let chat = message.chat.id.0;
        let text = message.text().unwrap_or_default().to_owned();
        Ok(
            match (waiting.conversation.as_str(), waiting.step.as_str()) {
                ("feedback", "topic") => Turn::Ask {
                    reply: say(chat, &format!("Tell me more about {text}.")),
                    step: "text".into(),
                    data: Feedback { topic: Some(text) },
                },
                _ => Turn::Done(say(
                    chat,
                    &format!(
                        "Thank you for your feedback on {}: {text}",
                        waiting.data.topic.unwrap_or_default()
                    ),
                )),
            },
        )
    }
}

fn update(id: i64, chat: i64, from: i64, text: &str) -> String {
    let chat = if chat < 0 {
        json!({"id": chat, "type": "supergroup", "title": "G"})
    } else {
        json!({"id": chat, "type": "private", "first_name": "A"})
    };
    let mut message = json!({
        "message_id": id, "date": 0, "chat": chat, "text": text,
        "from": {"id": from, "is_bot": false, "first_name": "A", "language_code": "de-CH"}
    });
    if text.starts_with('/') {
        let length = text.split(' ').next().map_or(0, str::len);
        message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
    }
    json!({"update_id": id, "message": message}).to_string()
}

/// Classifies `update` with the table and runs its route on a pipeline built for it (a cold
/// start): the answer's text, `None` for a silent acknowledgement, `Err` for a failure.
async fn deliver(
    store: &MemoryStore,
    update: &str,
    now: Epoch,
    yields: bool,
) -> Result<Option<String>, HandlerError> {
    let view: UpdateView = serde_json::from_str(update).expect("an update");
    let route = classify(TABLE, &view, "TestBot").expect("routed").name;
    let deps = RouteDeps {
        bot: BotApi::new("1:x", "http://127.0.0.1:9").expect("client"),
        store: store.clone(),
        bot_username: "TestBot".into(),
    };
    let request = RouteRequest {
        route: route.into(),
        update: serde_json::value::RawValue::from_string(update.into()).expect("json"),
    };
    let deadline = crate::time::now_ms() + 20_000;
    let response = match route {
        "feedback" => {
            let pipeline = Pipeline::new(TABLE, route, &[], Start).expect("declared");
            run_once(&deps, &pipeline, request, now, deadline).await?
        }
        "cancel" => {
            let pipeline = Pipeline::new(TABLE, route, &[], CancelCommand).expect("declared");
            run_once(&deps, &pipeline, request, now, deadline).await?
        }
        _ => {
            let steps = ConversationRoute(FeedbackSteps { yields });
            let pipeline = Pipeline::new(TABLE, route, &[], steps).expect("declared");
            run_once(&deps, &pipeline, request, now, deadline).await?
        }
    };
    Ok(response
        .reply
        .and_then(|r| r["text"].as_str().map(str::to_owned)))
}

async fn said(store: &MemoryStore, update: &str, now: Epoch) -> Option<String> {
    deliver(store, update, now, false).await.expect("handled")
}

#[tokio::test]
async fn ask_answer_answer_each_in_a_cold_function() {
    let store = MemoryStore::new();
    assert_eq!(
        said(&store, &update(1, ADA, ADA, "/feedback"), T0)
            .await
            .as_deref(),
        Some("What is it about?")
    );
    // Someone else's message in another chat is no answer to Ada's question.
    assert_eq!(
        said(&store, &update(2, BORIS, BORIS, "hello"), T0 + 1).await,
        None
    );
    assert_eq!(
        said(&store, &update(3, ADA, ADA, "the {bot} menu"), T0 + 2)
            .await
            .as_deref(),
        Some("Tell me more about the {bot} menu.")
    );
    assert_eq!(
        said(&store, &update(4, ADA, ADA, "too long"), T0 + 3)
            .await
            .as_deref(),
        Some("Thank you for your feedback on the {bot} menu: too long")
    );
    // Over: the next message answers nothing.
    assert_eq!(
        said(&store, &update(5, ADA, ADA, "and more"), T0 + 4).await,
        None
    );
}

#[tokio::test]
async fn a_conversation_belongs_to_one_user_in_one_chat() {
    let store = MemoryStore::new();
    const GROUP: i64 = -100;
    said(&store, &update(1, GROUP, ADA, "/feedback"), T0).await;
    // Boris in the same group, and Ada in private, answer nothing.
    assert_eq!(
        said(&store, &update(2, GROUP, BORIS, "x"), T0 + 1).await,
        None
    );
    assert_eq!(said(&store, &update(3, ADA, ADA, "x"), T0 + 1).await, None);
    assert_eq!(
        said(&store, &update(4, GROUP, ADA, "prices"), T0 + 2)
            .await
            .as_deref(),
        Some("Tell me more about prices.")
    );
}

#[tokio::test]
async fn an_unanswered_question_is_abandoned_after_its_ttl() {
    let store = MemoryStore::new();
    said(&store, &update(1, ADA, ADA, "/feedback"), T0).await;
    assert_eq!(
        said(&store, &update(2, ADA, ADA, "late"), T0 + TTL).await,
        None
    );
    // Each question waits its own TTL from when it was asked.
    said(&store, &update(3, ADA, ADA, "/feedback"), T0 + TTL).await;
    assert!(
        said(&store, &update(4, ADA, ADA, "in time"), T0 + 2 * TTL - 1)
            .await
            .is_some()
    );
    assert_eq!(
        said(&store, &update(5, ADA, ADA, "late"), T0 + 3 * TTL - 1).await,
        None
    );
}

#[tokio::test]
async fn cancel_ends_it_in_the_senders_language() {
    let store = MemoryStore::new();
    assert_eq!(
        said(&store, &update(1, ADA, ADA, "/cancel"), T0)
            .await
            .as_deref(),
        Some("Nichts abzubrechen.")
    );
    said(&store, &update(2, ADA, ADA, "/feedback"), T0).await;
    assert_eq!(
        said(&store, &update(3, ADA, ADA, "/cancel"), T0 + 1)
            .await
            .as_deref(),
        Some("Abgebrochen.")
    );
    assert_eq!(
        said(&store, &update(4, ADA, ADA, "prices"), T0 + 2).await,
        None
    );
    // A restarted conversation starts at its first step again.
    said(&store, &update(5, ADA, ADA, "/feedback"), T0 + 3).await;
    said(&store, &update(6, ADA, ADA, "prices"), T0 + 4).await;
    assert_eq!(
        said(&store, &update(7, ADA, ADA, "/feedback"), T0 + 5)
            .await
            .as_deref(),
        Some("What is it about?")
    );
    assert_eq!(
        said(&store, &update(8, ADA, ADA, "tea"), T0 + 6)
            .await
            .as_deref(),
        Some("Tell me more about tea.")
    );
}

/// Two answers handled at once (two instances): both read the question, one records its turn,
/// the other fails with a conflict and says nothing; redelivered, it answers the next step if it
/// is the later message, and nothing if a later answer was already taken.
#[tokio::test]
async fn of_two_answers_at_once_one_moves_the_step_and_the_other_is_redelivered() {
    let store = MemoryStore::new();
    said(&store, &update(1, ADA, ADA, "/feedback"), T0).await;
    let answers = [
        ("prices", update(2, ADA, ADA, "prices")),
        ("tea", update(3, ADA, ADA, "tea")),
    ];
    let (a, b) = tokio::join!(
        deliver(&store, &answers[0].1, T0 + 1, true),
        deliver(&store, &answers[1].1, T0 + 1, true),
    );
    // Which one wins is the scheduler's choice; exactly one does.
    let (winner, loser) = match (a, b) {
        (Ok(reply), Err(HandlerError::Store(StoreError::Conflict(_)))) => {
            (answers[0].0, (reply, &answers[1]))
        }
        (Err(HandlerError::Store(StoreError::Conflict(_))), Ok(reply)) => {
            (answers[1].0, (reply, &answers[0]))
        }
        other => panic!("one winner, one conflict: {other:?}"),
    };
    let (reply, (lost, redelivery)) = loser;
    assert_eq!(reply, Some(format!("Tell me more about {winner}.")));
    // Telegram redelivers the loser's update. The later message answers the second question;
    // the earlier one, beaten by a later answer, is not taken out of order.
    let expected =
        (winner == "prices").then(|| format!("Thank you for your feedback on {winner}: {lost}"));
    assert_eq!(
        deliver(&store, redelivery, T0 + 2, true)
            .await
            .expect("handled"),
        expected
    );
}

#[tokio::test]
async fn an_answer_redelivered_or_a_service_message_is_not_taken() {
    let store = MemoryStore::new();
    said(&store, &update(1, ADA, ADA, "/feedback"), T0).await;
    let answer = update(2, ADA, ADA, "prices");
    assert_eq!(
        said(&store, &answer, T0 + 1).await.as_deref(),
        Some("Tell me more about prices.")
    );
    // The same update again (its first response failed after the step was saved, so the
    // question never reached Ada): the same question again, nothing taken twice.
    assert_eq!(
        said(&store, &answer, T0 + 2).await.as_deref(),
        Some("Tell me more about prices.")
    );
    // Ada pins a message: a service message from her, not an answer.
    let pin = json!({"update_id": 3, "message": {
        "message_id": 3, "date": 0,
        "chat": {"id": ADA, "type": "private", "first_name": "A"},
        "from": {"id": ADA, "is_bot": false, "first_name": "A"},
        "pinned_message": {"message_id": 2, "date": 0,
            "chat": {"id": ADA, "type": "private", "first_name": "A"}, "text": "prices"}
    }})
    .to_string();
    assert_eq!(said(&store, &pin, T0 + 3).await, None);
    assert_eq!(
        said(&store, &update(4, ADA, ADA, "too dear"), T0 + 4)
            .await
            .as_deref(),
        Some("Thank you for your feedback on prices: too dear")
    );
}
