//! Membership and rights, read from Telegram's `ChatMember` statuses.
//!
//! Subscribed: `creator`, `administrator`, `member`, and `restricted` with `is_member = true`.
//! Not subscribed: `left`, `kicked`, and `restricted` with `is_member = false`.

use lambdagram::teloxide_core::types::ChatMemberKind;
use serde::{Deserialize, Serialize};

/// Whether this status counts as subscribed (in the chat).
pub fn is_subscribed(kind: &ChatMemberKind) -> bool {
    kind.is_present()
}

/// A right the bot needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    /// Being an administrator at all.
    Administrator,
    RestrictMembers,
    DeleteMessages,
}

/// What the bot lacks in a group it protects.
pub fn missing_in_group(bot: &ChatMemberKind) -> Vec<Right> {
    match bot {
        ChatMemberKind::Administrator(a) => {
            let mut missing = Vec::new();
            if !a.can_restrict_members {
                missing.push(Right::RestrictMembers);
            }
            if !a.can_delete_messages {
                missing.push(Right::DeleteMessages);
            }
            missing
        }
        ChatMemberKind::Owner(_) => Vec::new(),
        _ => vec![
            Right::Administrator,
            Right::RestrictMembers,
            Right::DeleteMessages,
        ],
    }
}

/// What the bot lacks in a linked channel: it must be an administrator there to see members of
/// private channels and to receive their `chat_member` updates.
pub fn missing_in_channel(bot: &ChatMemberKind) -> Vec<Right> {
    if bot.is_privileged() {
        Vec::new()
    } else {
        vec![Right::Administrator]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn kind(v: serde_json::Value) -> ChatMemberKind {
        let mut member = v;
        member["user"] = json!({"id": 1, "is_bot": false, "first_name": "U"});
        serde_json::from_value::<lambdagram::teloxide_core::types::ChatMember>(member)
            .expect("chat member")
            .kind
    }

    pub(crate) fn admin(restrict: bool, delete: bool) -> ChatMemberKind {
        kind(json!({
            "status": "administrator", "can_be_edited": false, "is_anonymous": false,
            "can_manage_chat": true, "can_delete_messages": delete, "can_manage_video_chats": false,
            "can_restrict_members": restrict, "can_promote_members": false, "can_change_info": false,
            "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
            "can_delete_stories": false, "can_pin_messages": false
        }))
    }

    fn restricted(is_member: bool) -> ChatMemberKind {
        kind(json!({
            "status": "restricted", "is_member": is_member, "until_date": 0,
            "can_send_messages": false, "can_send_audios": false, "can_send_documents": false,
            "can_send_photos": false, "can_send_videos": false, "can_send_video_notes": false,
            "can_send_voice_notes": false, "can_send_polls": false, "can_send_other_messages": false,
            "can_add_web_page_previews": false, "can_change_info": false, "can_invite_users": false,
            "can_pin_messages": false, "can_manage_topics": false
        }))
    }

    #[test]
    fn subscription_follows_telegram_statuses() {
        assert!(is_subscribed(&kind(
            json!({"status": "creator", "is_anonymous": false})
        )));
        assert!(is_subscribed(&admin(false, false)));
        assert!(is_subscribed(&kind(json!({"status": "member"}))));
        assert!(
            is_subscribed(&restricted(true)),
            "restricted but still a member"
        );
        assert!(!is_subscribed(&restricted(false)));
        assert!(!is_subscribed(&kind(json!({"status": "left"}))));
        assert!(!is_subscribed(&kind(
            json!({"status": "kicked", "until_date": 0})
        )));
    }

    #[test]
    fn the_bot_needs_restrict_and_delete_in_the_group_and_admin_in_channels() {
        assert_eq!(missing_in_group(&admin(true, true)), vec![]);
        assert_eq!(
            missing_in_group(&admin(false, true)),
            vec![Right::RestrictMembers]
        );
        assert_eq!(
            missing_in_group(&kind(json!({"status": "member"}))),
            vec![
                Right::Administrator,
                Right::RestrictMembers,
                Right::DeleteMessages
            ]
        );
        assert_eq!(missing_in_channel(&admin(false, false)), vec![]);
        assert_eq!(
            missing_in_channel(&kind(json!({"status": "member"}))),
            vec![Right::Administrator]
        );
    }
}
