//! `my_chat_member`: the bot's own status changed in a chat.
//!
//! - In a group the guard knows: the rights the bot now has there are recorded; a loss degrades
//!   the protection (and the group is told, if the bot can still post), a return recovers it.
//! - In a group not set up yet: when the bot arrives or is given the rights it needs, it says
//!   how to set it up (a webhook reply: nobody needs its result).
//! - In a channel: every group linked to it (the reverse index, not a scan) records whether the
//!   bot is still an administrator there.

use channel_guard::config::{set_channel_admin, set_group_rights};
use channel_guard::enforce::Guard;
use channel_guard::rights::missing_in_group;
use channel_guard::store::prelude::*;
use channel_guard::texts;
use lambdagram::i18n::Lang;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::teloxide_core::payloads::{SendMessage, SendMessageSetters};
use lambdagram::teloxide_core::types::{ChatMemberKind, ChatMemberUpdated, ParseMode};

pub struct BotStatus;

impl<S: GuardStore> RouteHandler<S> for BotStatus {
    type Input = ChatMemberUpdated;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        change: ChatMemberUpdated,
    ) -> Result<RouteResponse, HandlerError> {
        let guard = Guard::of(&ctx);
        let chat = &change.chat;
        if chat.is_channel() {
            channel_changed(
                &guard,
                chat.id.0,
                change.new_chat_member.kind.is_privileged(),
            )
            .await?;
            Ok(RouteResponse::done())
        } else if chat.is_group() || chat.is_supergroup() {
            group_changed(&guard, &change).await
        } else {
            // A private chat: the user blocked or unblocked the bot. Nothing to guard.
            Ok(RouteResponse::done())
        }
    }
}

/// Records in every group linked to `channel_id` whether the bot is still its administrator.
async fn channel_changed<S: GuardStore>(
    guard: &Guard<'_, S>,
    channel_id: i64,
    is_admin: bool,
) -> Result<(), HandlerError> {
    for group_id in guard.store.groups_linked_to(channel_id).await? {
        let Some(config) = guard.store.group_state(group_id, guard.now).await?.config else {
            continue;
        };
        guard
            .change_health(&config, true, |c| {
                // The index may lag a configuration that no longer links the channel.
                c.channels.iter().any(|linked| linked.id == channel_id)
                    && set_channel_admin(c, channel_id, is_admin)
            })
            .await?;
    }
    Ok(())
}

async fn group_changed<S: GuardStore>(
    guard: &Guard<'_, S>,
    change: &ChatMemberUpdated,
) -> Result<RouteResponse, HandlerError> {
    let group_id = change.chat.id.0;
    let (old, new) = (&change.old_chat_member.kind, &change.new_chat_member.kind);
    let missing = missing_in_group(new);
    match guard.store.group_state(group_id, guard.now).await?.config {
        Some(config) => {
            // Removed from the group: record it; there is nobody to tell.
            let changed = guard
                .change_health(&config, may_post(new), |c| set_group_rights(c, &missing))
                .await?;
            if changed && !may_post(new) {
                tracing::warn!(group_id, "the bot was removed from a protected group");
            }
            Ok(RouteResponse::done())
        }
        None => {
            let lang = Lang::from_code(change.from.language_code.as_deref());
            let text = if !may_post(old) && may_post(new) {
                Some(if missing.is_empty() {
                    texts::READY_GROUP
                } else {
                    texts::HELLO_GROUP
                })
            } else if may_post(new) && missing.is_empty() && !missing_in_group(old).is_empty() {
                Some(texts::READY_GROUP)
            } else {
                None
            };
            Ok(text.map_or_else(RouteResponse::done, |t| {
                let hint =
                    SendMessage::new(change.chat.id, t.get(lang)).parse_mode(ParseMode::Html);
                channel_guard::admin::reply(&hint)
            }))
        }
    }
}

/// Whether the bot can still write in the chat with this status.
fn may_post(kind: &ChatMemberKind) -> bool {
    match kind {
        ChatMemberKind::Restricted(r) => r.is_member && r.can_send_messages,
        other => other.is_present(),
    }
}
