//! A faithful fake of the Telegram Bot API, served on loopback.
//!
//! Telegram cannot be reached from tests or a local run, so this crate answers the Bot API
//! methods lambdagram's bots use, with Telegram's exact success shapes and error descriptions,
//! over a small modelled [`World`] (users, chats, memberships, messages, webhook, update queue).
//! Every call is recorded ([`FakeBotApi::calls`]) so end-to-end tests can assert exactly what a
//! bot asked Telegram to do, and faults can be injected ([`FakeBotApi::inject`]).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let fake = fake_bot_api::FakeBotApi::start().await?;
//! // Point the bot at fake.base_url() (TELEGRAM_API_URL) with fake.token(), run it, then:
//! let sent = fake.calls_to("sendMessage");
//! # let _ = sent;
//! fake.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod defaults;
mod faults;
mod methods;
mod model;
mod multipart;
mod params;
mod reply;
mod server;
mod state;
pub mod wire;
mod world;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use defaults::{
    alice, boris, bot_user, lounge, news, ALICE_ID, BORIS_ID, BOT_ID, BOT_USERNAME, DEFAULT_TOKEN,
    LOUNGE_ID, NEWS_ID, NEWS_USERNAME,
};
pub use faults::{Fault, FaultKind};
pub use methods::METHODS;
pub use model::{
    AdminRights, BotCommand, Chat, ChatPermissions, ChatType, MemberStatus, User, WebhookInfo,
};
pub use world::World;

use state::{Inner, Shared};

/// One Bot API call as the fake saw and answered it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RecordedCall {
    /// Canonical camelCase method name (`sendMessage`), whatever case the client used.
    pub method: String,
    /// The parameters as received (JSON body merged over query/form; form values are strings).
    pub params: Value,
    /// The full response body (`{"ok":...}`).
    pub response: Value,
    pub http_status: u16,
}

impl RecordedCall {
    /// Whether the call was answered with `"ok": true`.
    pub fn is_ok(&self) -> bool {
        self.response.get("ok").and_then(Value::as_bool) == Some(true)
    }

    /// A parameter by name.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.get(name)
    }

    /// The `result` of a successful call.
    pub fn result(&self) -> Option<&Value> {
        self.response.get("result")
    }
}

/// Configures a fake before starting it.
#[derive(Clone, Debug)]
pub struct FakeBotApiBuilder {
    addr: SocketAddr,
    token: String,
    bot: User,
    default_world: bool,
    echo_calls: bool,
}

impl FakeBotApiBuilder {
    /// Address to bind (default `127.0.0.1:0`, an ephemeral port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The accepted token (default [`DEFAULT_TOKEN`]).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// The bot's own user (default [`bot_user`]).
    pub fn bot(mut self, bot: User) -> Self {
        self.bot = bot;
        self
    }

    /// Start with only the bot: no users, chats or memberships.
    pub fn empty_world(mut self) -> Self {
        self.default_world = false;
        self
    }

    /// Print every call and its answer to stderr (for local runs).
    pub fn echo_calls(mut self, echo: bool) -> Self {
        self.echo_calls = echo;
        self
    }

    /// Binds and starts serving.
    pub async fn start(self) -> std::io::Result<FakeBotApi> {
        let mut inner = Inner::new(self.token, self.bot);
        inner.echo_calls = self.echo_calls;
        if self.default_world {
            defaults::populate(&mut inner);
        }
        let shared = Shared::new(inner);
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = server::router(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::warn!(%error, "fake Bot API server stopped");
            }
        });
        Ok(FakeBotApi {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running fake Bot API server. Dropping it stops the server.
pub struct FakeBotApi {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeBotApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeBotApi")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeBotApi {
    /// Configure a fake (address, token, bot, empty world...).
    pub fn builder() -> FakeBotApiBuilder {
        FakeBotApiBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: DEFAULT_TOKEN.to_owned(),
            bot: bot_user(),
            default_world: true,
            echo_calls: false,
        }
    }

    /// Starts on `127.0.0.1:0` with the default world.
    pub async fn start() -> std::io::Result<FakeBotApi> {
        FakeBotApi::builder().start().await
    }

    /// Starts on `addr` with the default world.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<FakeBotApi> {
        FakeBotApi::builder().addr(addr).start().await
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: what a bot takes as its Telegram API URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The accepted bot token.
    pub fn token(&self) -> String {
        self.shared.lock().token.clone()
    }

    /// The bot itself.
    pub fn bot_user(&self) -> User {
        self.shared.lock().bot.clone()
    }

    /// A handle to inspect and change the world.
    pub fn world(&self) -> World {
        World {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Every call so far, in the order they were answered.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.shared.lock().calls.clone()
    }

    /// The calls of one method, by canonical camelCase name (`"sendMessage"`).
    pub fn calls_to(&self, method: &str) -> Vec<RecordedCall> {
        let inner = self.shared.lock();
        inner
            .calls
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method))
            .cloned()
            .collect()
    }

    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// Queues a fault for upcoming calls.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Drops all queued faults.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Queues an update for `getUpdates` (assigning `update_id` if missing); returns it as queued.
    pub fn push_update(&self, update: Value) -> Value {
        let queued = self.shared.lock().push_update(update);
        self.shared.updates_changed.notify_waiters();
        queued
    }

    /// A user writes `text` in a chat: the message is stored and a `message` update queued.
    /// Returns the update, or `None` if the chat or user is unknown.
    pub fn user_says(&self, chat_id: i64, user_id: i64, text: &str) -> Option<Value> {
        let message = self.world().add_message(chat_id, user_id, text)?;
        Some(self.push_update(json!({ "message": message })))
    }

    /// A user presses an inline button with `data` under a message: queues a `callback_query`
    /// update and returns it. `None` if the message or user is unknown.
    pub fn press_button(
        &self,
        chat_id: i64,
        message_id: i64,
        user_id: i64,
        data: &str,
    ) -> Option<Value> {
        let world = self.world();
        let message = world.message(chat_id, message_id)?;
        let from = world.user(user_id)?;
        let query_id = {
            let inner = self.shared.lock();
            format!("{}{}", user_id, inner.next_update_id)
        };
        Some(self.push_update(json!({
            "callback_query": {
                "id": query_id,
                "from": wire::user(&from),
                "message": message,
                "chat_instance": chat_id.to_string(),
                "data": data,
            }
        })))
    }

    /// Executes a webhook reply the way Telegram does: the body a webhook answered with
    /// (`{"method": "sendMessage", ...}`) is run as a call and recorded like any other.
    /// Returns the answer, which Telegram never shows the bot. Bodies without a `method`
    /// (or not objects) are ignored, as Telegram ignores them, and `None` is returned.
    pub async fn execute_webhook_reply(&self, reply: &Value) -> Option<Value> {
        let mut params = reply.as_object()?.clone();
        let method = params.remove("method")?.as_str()?.to_owned();
        let (_, body) = server::serve(&self.shared, true, &method, Ok(params)).await;
        Some(body)
    }

    /// Stops the server, ending any long poll, and waits for it to finish.
    pub async fn shutdown(mut self) {
        self.signal_stop();
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }

    fn signal_stop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.updates_changed.notify_waiters();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for FakeBotApi {
    fn drop(&mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Membership changes, as Telegram reports them.
impl FakeBotApi {
    /// `user_id`'s status in a chat becomes `new` (done by the user themselves): the world is
    /// changed and a `chat_member` update with the old and new statuses is queued and returned.
    /// `None` if the chat or user is unknown.
    pub fn chat_member_update(
        &self,
        chat_id: i64,
        user_id: i64,
        new: MemberStatus,
    ) -> Option<Value> {
        let update = {
            let mut inner = self.shared.lock();
            let user = inner.users.get(&user_id).cloned()?;
            let old = inner.member_status(chat_id, user_id)?;
            let chat = inner.chat_mut(chat_id)?;
            chat.members.insert(user_id, new.clone());
            let kind = chat.chat.kind;
            json!({
                "chat_member": {
                    "chat": wire::chat(&chat.chat),
                    "from": wire::user(&user),
                    "date": state::now(),
                    "old_chat_member": wire::member(&user, &old, kind),
                    "new_chat_member": wire::member(&user, &new, kind),
                }
            })
        };
        Some(self.push_update(update))
    }

    /// The `new_chat_members` service message for `user_ids` joining a group (sent by the first
    /// of them); those not in the chat yet become members. Returns the queued update, or `None`
    /// if the chat or a user is unknown.
    pub fn new_chat_members(&self, chat_id: i64, user_ids: &[i64]) -> Option<Value> {
        let message = {
            let mut inner = self.shared.lock();
            let users: Vec<User> = user_ids
                .iter()
                .map(|id| inner.users.get(id).cloned())
                .collect::<Option<_>>()?;
            let chat = inner.chat_mut(chat_id)?;
            for user in &users {
                let present = chat.members.get(&user.id).is_some_and(|s| s.is_present());
                if !present {
                    chat.members.insert(user.id, MemberStatus::member());
                }
            }
            let mut fields = serde_json::Map::new();
            fields.insert(
                "new_chat_members".into(),
                Value::Array(users.iter().map(wire::user).collect()),
            );
            inner.store_message(chat_id, users.first(), fields)?
        };
        Some(self.push_update(json!({ "message": message })))
    }
}

/// Join requests, as Telegram reports them.
impl FakeBotApi {
    /// `user_id` asks to join `chat_id` (through a link that needs an administrator's approval):
    /// the request is pending until approved or declined, and a `chat_join_request` update is
    /// queued and returned. As Telegram allows, the bot may write to the requester's private
    /// chat (`user_chat_id`) meanwhile, so the chat is opened. `None` if the chat or user is
    /// unknown.
    pub fn chat_join_request(&self, chat_id: i64, user_id: i64) -> Option<Value> {
        let update = {
            let mut inner = self.shared.lock();
            let user = inner.users.get(&user_id).cloned()?;
            let chat = inner.chat_mut(chat_id)?;
            chat.join_requests.insert(user_id);
            let chat = wire::chat(&chat.chat);
            inner
                .chats
                .entry(user_id)
                .or_insert_with(|| state::ChatState::new(Chat::private(&user)));
            json!({
                "chat_join_request": {
                    "chat": chat,
                    "from": wire::user(&user),
                    "user_chat_id": user_id,
                    "date": state::now(),
                }
            })
        };
        Some(self.push_update(update))
    }
}

/// The bot's own status changes, as Telegram reports them.
impl FakeBotApi {
    /// `by_user_id` changes the bot's status in a chat to `new` (promotes, demotes, adds or
    /// removes it): the world is changed and a `my_chat_member` update is queued and returned.
    /// `None` if the chat or user is unknown.
    pub fn my_chat_member_update(
        &self,
        chat_id: i64,
        by_user_id: i64,
        new: MemberStatus,
    ) -> Option<Value> {
        let update = {
            let mut inner = self.shared.lock();
            let by = inner.users.get(&by_user_id).cloned()?;
            let bot = inner.bot.clone();
            let old = inner.member_status(chat_id, bot.id)?;
            let chat = inner.chat_mut(chat_id)?;
            chat.members.insert(bot.id, new.clone());
            let kind = chat.chat.kind;
            json!({
                "my_chat_member": {
                    "chat": wire::chat(&chat.chat),
                    "from": wire::user(&by),
                    "date": state::now(),
                    "old_chat_member": wire::member(&bot, &old, kind),
                    "new_chat_member": wire::member(&bot, &new, kind),
                }
            })
        };
        Some(self.push_update(update))
    }
}
