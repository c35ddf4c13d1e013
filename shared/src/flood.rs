//! Flood control shared by every function of a bot. Telegram allows a bot about 30 messages a
//! second overall, 20 a minute in one group and about one a second in one private chat, and
//! answers 429 past that. Each function is its own process, so a limit kept in memory would
//! be kept 18 times over: the counts live in the store, one fixed window per scope, and every
//! message takes a slot in its chat's window and in the bot's (one conditional write each).
//! When Telegram answers 429 anyway, the chat's windows up to `retry_after` are filled, so every
//! function waits — not only the one that was told.
//!
//! [`FloodControl`] is the port; the Bot API client consults it before each message it sends
//! (`BotApi::with_flood_control`) and answers a full window with the same error as Telegram's
//! own 429, so callers' retry-to-deadline policy applies unchanged.

use std::future::Future;
use std::pin::Pin;

use crate::ports::StoreError;
use crate::time::Epoch;

/// A boxed future of a flood-control operation (the port is used as a trait object by the Bot
/// API client, which knows no store type).
pub type FloodFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// One scope's limit: at most `max` messages per window of `window_secs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window_secs: i64,
}

/// Telegram's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Every message the bot sends.
    pub bot: Limit,
    /// Messages to one group, supergroup or channel (a negative chat id).
    pub group: Limit,
    /// Messages to one private chat.
    pub private: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            bot: Limit {
                max: 30,
                window_secs: 1,
            },
            group: Limit {
                max: 20,
                window_secs: 60,
            },
            private: Limit {
                max: 1,
                window_secs: 1,
            },
        }
    }
}

/// The scope every message also counts in.
pub const BOT_SCOPE: &str = "bot";

impl Limits {
    /// The scopes a message to `chat_id` takes a slot in, with their limits: its chat's first
    /// (the tighter, so a refusal there spends nothing of the bot's), then the bot's.
    pub fn scopes(&self, chat_id: i64) -> [(String, Limit); 2] {
        let chat = if chat_id < 0 {
            self.group
        } else {
            self.private
        };
        [
            (chat_id.to_string(), chat),
            (BOT_SCOPE.to_owned(), self.bot),
        ]
    }
}

/// The start of the window of `limit` that holds `now`.
pub fn window_start(limit: Limit, now: Epoch) -> Epoch {
    now - now.rem_euclid(limit.window_secs)
}

/// What the store answered to a request for a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Taken,
    /// The window is full: try again in this many seconds (when it ends).
    Full {
        retry_after: u32,
    },
}

/// Where the windows are counted.
pub trait FloodControl: Send + Sync {
    /// Takes one slot of `scope`'s window holding `now`, unless it holds `limit.max` already.
    fn take_slot<'a>(&'a self, scope: &'a str, limit: Limit, now: Epoch) -> FloodFuture<'a, Slot>;

    /// Fills `scope`'s windows from `now` until `until` (Telegram said to wait): every function
    /// finds them full.
    fn fill_until<'a>(
        &'a self,
        scope: &'a str,
        limit: Limit,
        now: Epoch,
        until: Epoch,
    ) -> FloodFuture<'a, ()>;
}

/// Takes a slot for one message to `chat_id` in every scope it counts in; `Full` names the wait
/// of the first full one.
pub async fn admit(
    flood: &dyn FloodControl,
    limits: &Limits,
    chat_id: i64,
    now: Epoch,
) -> Result<Slot, StoreError> {
    for (scope, limit) in limits.scopes(chat_id) {
        if let full @ Slot::Full { .. } = flood.take_slot(&scope, limit, now).await? {
            return Ok(full);
        }
    }
    Ok(Slot::Taken)
}

/// Records Telegram's 429 for a message to `chat_id`: its chat waits `retry_after` seconds,
/// in every function.
pub async fn cool_down(
    flood: &dyn FloodControl,
    limits: &Limits,
    chat_id: i64,
    now: Epoch,
    retry_after: u32,
) -> Result<(), StoreError> {
    let [(scope, limit), _] = limits.scopes(chat_id);
    flood
        .fill_until(&scope, limit, now, now + i64::from(retry_after))
        .await
}

/// The most windows a cool-down fills (a minute of one-second windows): a longer wait asked by
/// Telegram is honoured by the caller that met it, and by the others for this long.
pub const MAX_FILLED_WINDOWS: usize = 60;

/// The starts of the windows from the one holding `now` to the last one starting before
/// `until` (sending is allowed again at `until`), at least the first and at most
/// [`MAX_FILLED_WINDOWS`].
pub fn windows(limit: Limit, now: Epoch, until: Epoch) -> impl Iterator<Item = Epoch> {
    let first = window_start(limit, now);
    (0..)
        .map(move |i| first + i * limit.window_secs)
        .take_while(move |w| *w == first || *w < until)
        .take(MAX_FILLED_WINDOWS)
}

/// How long the window holding `now` has left, in whole seconds (at least 1).
pub fn until_window_ends(limit: Limit, now: Epoch) -> u32 {
    let left = window_start(limit, now) + limit.window_secs - now;
    u32::try_from(left.max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;

    #[test]
    fn windows_are_aligned_to_their_length() {
        let minute = Limits::default().group;
        assert_eq!(window_start(minute, 1_000_000_019), 1_000_000_019 - 59);
        assert_eq!(until_window_ends(minute, 1_000_000_019), 1);
        assert_eq!(until_window_ends(minute, 1_000_000_020 - 60), 60);
    }

    #[tokio::test]
    async fn a_group_gets_twenty_messages_a_minute_and_the_bot_thirty_a_second() {
        let (store, limits) = (MemoryStore::new(), Limits::default());
        let now = 1_800_000_000; // a minute boundary
        assert_eq!(now % 60, 0);
        for _ in 0..20 {
            assert_eq!(
                admit(&store, &limits, -100, now).await.unwrap(),
                Slot::Taken
            );
        }
        assert_eq!(
            admit(&store, &limits, -100, now + 5).await.unwrap(),
            Slot::Full { retry_after: 55 }
        );
        // Another group still may, until the bot's second is full.
        for group in 1..=10 {
            assert_eq!(
                admit(&store, &limits, -100 - group, now).await.unwrap(),
                Slot::Taken
            );
        }
        assert_eq!(
            admit(&store, &limits, -200, now).await.unwrap(),
            Slot::Full { retry_after: 1 },
            "the bot's 30 in this second are spent"
        );
        // The next minute the group may again.
        assert_eq!(
            admit(&store, &limits, -100, now + 60).await.unwrap(),
            Slot::Taken
        );
    }

    #[tokio::test]
    async fn a_429_makes_the_chat_wait_in_every_function() {
        let (store, limits) = (MemoryStore::new(), Limits::default());
        let now = 1_800_000_000;
        cool_down(&store, &limits, -100, now, 90).await.unwrap();
        for at in [now, now + 30, now + 61, now + 89, now + 119] {
            assert!(
                matches!(
                    admit(&store, &limits, -100, at).await.unwrap(),
                    Slot::Full { .. }
                ),
                "@{at}"
            );
        }
        assert_eq!(
            admit(&store, &limits, -100, now + 120).await.unwrap(),
            Slot::Taken
        );
        assert_eq!(
            admit(&store, &limits, -101, now).await.unwrap(),
            Slot::Taken,
            "other chats go on"
        );
        // A private chat's one-second windows: full until the wait is over, not a second more.
        cool_down(&store, &limits, 7, now, 3).await.unwrap();
        for at in [now, now + 1, now + 2] {
            assert!(matches!(
                admit(&store, &limits, 7, at).await.unwrap(),
                Slot::Full { .. }
            ));
        }
        assert_eq!(
            admit(&store, &limits, 7, now + 3).await.unwrap(),
            Slot::Taken
        );
    }
}
