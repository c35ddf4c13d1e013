//! The bridge's store port. A bridge chat is one partition: its record (sequence, allowed users,
//! the tool's last visit, the last error), its entries in sequence order, and one marker per
//! relayed Telegram message (a redelivered update is stored once). Keys live apart from chats,
//! so a function that relays messages cannot touch them. Layout: `dynamo.rs`.

use std::collections::BTreeSet;
use std::future::Future;

use serde::Serialize;

use lambdagram::ports::StoreError;
use lambdagram::time::Epoch;

use crate::keys::KeyRecord;

/// A bridge chat's record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatRecord {
    pub chat_id: i64,
    /// The last entry's sequence number (0: none yet).
    pub seq: u64,
    /// Who may write to the tool from this chat, besides the bot's admins.
    pub users: BTreeSet<i64>,
    /// When the tool last read the chat's messages.
    pub last_seen: Option<Epoch>,
    /// The highest sequence number the tool has read.
    pub read_seq: u64,
    /// The last failure of a message the tool sent (or of a push to it), and when.
    pub last_error: Option<(Epoch, String)>,
    /// Where new messages are pushed, if the tool asked for pushes.
    pub push: Option<PushState>,
}

/// A chat's pushes to the tool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushState {
    pub url: String,
    /// The HMAC secret the tool checks signatures with.
    pub secret: String,
    /// The last entry delivered (or skipped: the tool's own messages are not pushed back).
    pub pushed_seq: u64,
    /// Failed attempts since the last delivery.
    pub attempts: u32,
    /// No attempt before this.
    pub next_at: Epoch,
    /// Given up (dead-lettered) at; pushes stop until `/bridge push` is set again.
    pub dead_at: Option<Epoch>,
}

/// Which way an entry went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From Telegram to the tool.
    In,
    /// From the tool to Telegram.
    Out,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }
}

/// One relayed message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Its place in the chat: the cursor.
    pub seq: u64,
    pub direction: Direction,
    /// Telegram's id of the message in the chat.
    pub message_id: i64,
    /// The sender (the user for `in`; the key's id for `out`).
    pub from_id: i64,
    pub from_name: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<i64>,
    pub at: Epoch,
}

/// What appending an entry found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appended {
    Stored(u64),
    /// The Telegram message was stored already (a redelivery): nothing written.
    Duplicate,
    /// Another entry took the sequence number first: read the chat again and retry.
    Raced,
}

/// Where the bridge keeps its chats, entries and keys.
pub trait BridgeStore: Send + Sync {
    /// The chat's record, if it is a bridge chat.
    fn chat(
        &self,
        chat_id: i64,
    ) -> impl Future<Output = Result<Option<ChatRecord>, StoreError>> + Send;

    /// Makes `chat_id` a bridge chat (nothing changes if it is one).
    fn open_chat(&self, chat_id: i64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Allows or disallows `user_id` in a bridge chat; false when it is not one.
    fn set_user(
        &self,
        chat_id: i64,
        user_id: i64,
        allowed: bool,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores `entry` as number `after + 1`, if the chat's last number is still `after` and (for
    /// an `in` entry) its Telegram message is not stored yet: one transaction, so a number is
    /// never skipped and no reader sees number `n + 1` before `n`.
    fn append(
        &self,
        chat_id: i64,
        after: u64,
        entry: &Entry,
        expires_at: Epoch,
    ) -> impl Future<Output = Result<Appended, StoreError>> + Send;

    /// Up to `limit` entries after `after`, oldest first.
    fn entries_after(
        &self,
        chat_id: i64,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Entry>, StoreError>> + Send;

    /// Up to `limit` entries before `before`, newest first.
    fn entries_before(
        &self,
        chat_id: i64,
        before: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Entry>, StoreError>> + Send;

    /// The tool visited at `now`, and read up to `read` (entries it was given); the read
    /// cursor only moves forward.
    fn mark_read(
        &self,
        chat_id: i64,
        read: Option<u64>,
        now: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A message the tool sent failed for good.
    fn record_error(
        &self,
        chat_id: i64,
        error: &str,
        now: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sets (or with `None` stops) the chat's pushes, starting after its current last entry;
    /// false when it is not a bridge chat.
    fn set_push(
        &self,
        chat_id: i64,
        target: Option<(&str, &str)>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The chats that have had pushes set (the push job's list).
    fn push_chats(&self) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;

    /// Entries up to `seq` are delivered: the attempts start again.
    fn push_delivered(
        &self,
        chat_id: i64,
        seq: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// An attempt failed: `attempts` so far, the next not before `next_at`; `dead` gives up.
    fn push_failed(
        &self,
        chat_id: i64,
        attempts: u32,
        next_at: Epoch,
        dead: Option<Epoch>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn put_key(&self, key: &KeyRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn key(&self, id: i64) -> impl Future<Output = Result<Option<KeyRecord>, StoreError>> + Send;

    fn keys(&self) -> impl Future<Output = Result<Vec<KeyRecord>, StoreError>> + Send;

    /// Revokes the key `id`; false when there is no such key or it was revoked already.
    fn revoke_key(
        &self,
        id: i64,
        now: Epoch,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// How long entries are kept: `BRIDGE_RETENTION_DAYS` (the template's parameter), default 30.
pub fn retention_secs() -> Epoch {
    lambdagram::config::optional("BRIDGE_RETENTION_DAYS")
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| (1..=3650).contains(d))
        .unwrap_or(30)
        * 86_400
}

/// Telegram's limit on a message's text, and so on an entry's.
pub const MAX_TEXT_CHARS: usize = 4096;

/// The highest sequence number an entry can have (12 digits in its sort key).
pub const MAX_SEQ: u64 = 999_999_999_999;

/// What appending an entry ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Stored(u64),
    /// Its Telegram message was stored already.
    Duplicate,
    /// The chat is not (or no longer) a bridge chat.
    NoChat,
}

/// Appends `entry` (its `seq` is set here) to the chat read as `chat`, reading the chat again
/// after a lost race, a few times; past those the failure is transient (a conflict).
pub async fn append_entry<S: BridgeStore>(
    store: &S,
    mut chat: ChatRecord,
    mut entry: Entry,
    now: Epoch,
) -> Result<Outcome, StoreError> {
    let chat_id = chat.chat_id;
    for _ in 0..5 {
        entry.seq = chat.seq + 1;
        match store
            .append(chat_id, chat.seq, &entry, now + retention_secs())
            .await?
        {
            Appended::Stored(seq) => return Ok(Outcome::Stored(seq)),
            Appended::Duplicate => return Ok(Outcome::Duplicate),
            Appended::Raced => match store.chat(chat_id).await? {
                Some(fresh) => chat = fresh,
                None => return Ok(Outcome::NoChat),
            },
        }
    }
    Err(StoreError::Conflict(format!(
        "bridge chat {chat_id}: the sequence kept moving"
    )))
}
