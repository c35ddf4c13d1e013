//! Plain data types of the modelled Telegram world: users, chats, permissions, memberships.

use serde::{Deserialize, Serialize};

/// A Telegram user (or bot).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub is_bot: bool,
    pub first_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
}

impl User {
    /// A human user with just an id and a first name.
    pub fn new(id: i64, first_name: impl Into<String>) -> User {
        User {
            id,
            is_bot: false,
            first_name: first_name.into(),
            last_name: None,
            username: None,
            language_code: None,
        }
    }

    /// A bot user (`is_bot: true`) with a username.
    pub fn bot(id: i64, first_name: impl Into<String>, username: impl Into<String>) -> User {
        User {
            is_bot: true,
            username: Some(username.into()),
            ..User::new(id, first_name)
        }
    }

    pub fn with_last_name(mut self, last_name: impl Into<String>) -> User {
        self.last_name = Some(last_name.into());
        self
    }

    /// Username without the leading `@`.
    pub fn with_username(mut self, username: impl Into<String>) -> User {
        self.username = Some(username.into());
        self
    }

    pub fn with_language(mut self, language_code: impl Into<String>) -> User {
        self.language_code = Some(language_code.into());
        self
    }
}

/// The type of a chat, as Telegram spells it in `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatType {
    Private,
    Group,
    Supergroup,
    Channel,
}

impl ChatType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatType::Private => "private",
            ChatType::Group => "group",
            ChatType::Supergroup => "supergroup",
            ChatType::Channel => "channel",
        }
    }

    /// Groups and supergroups (the chat types with default member permissions).
    pub fn is_group_like(self) -> bool {
        matches!(self, ChatType::Group | ChatType::Supergroup)
    }
}

/// A chat. For private chats `id` equals the user's id and `first_name`/`last_name` are set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: ChatType,
    pub title: Option<String>,
    /// Username without the leading `@`.
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Default member permissions (meaningful for groups and supergroups).
    pub permissions: ChatPermissions,
}

impl Chat {
    /// The private chat between the bot and `user`.
    pub fn private(user: &User) -> Chat {
        Chat {
            id: user.id,
            kind: ChatType::Private,
            title: None,
            username: user.username.clone(),
            first_name: Some(user.first_name.clone()),
            last_name: user.last_name.clone(),
            permissions: ChatPermissions::all(),
        }
    }

    fn public(id: i64, kind: ChatType, title: impl Into<String>) -> Chat {
        Chat {
            id,
            kind,
            title: Some(title.into()),
            username: None,
            first_name: None,
            last_name: None,
            permissions: ChatPermissions::group_default(),
        }
    }

    pub fn group(id: i64, title: impl Into<String>) -> Chat {
        Chat::public(id, ChatType::Group, title)
    }

    pub fn supergroup(id: i64, title: impl Into<String>) -> Chat {
        Chat::public(id, ChatType::Supergroup, title)
    }

    pub fn channel(id: i64, title: impl Into<String>) -> Chat {
        Chat::public(id, ChatType::Channel, title)
    }

    /// Username without the leading `@`.
    pub fn with_username(mut self, username: impl Into<String>) -> Chat {
        self.username = Some(username.into());
        self
    }

    pub fn with_permissions(mut self, permissions: ChatPermissions) -> Chat {
        self.permissions = permissions;
        self
    }
}

/// Telegram's `ChatPermissions` object. Missing fields deserialize as `false`, as Telegram treats them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatPermissions {
    pub can_send_messages: bool,
    pub can_send_audios: bool,
    pub can_send_documents: bool,
    pub can_send_photos: bool,
    pub can_send_videos: bool,
    pub can_send_video_notes: bool,
    pub can_send_voice_notes: bool,
    pub can_send_polls: bool,
    pub can_send_other_messages: bool,
    pub can_add_web_page_previews: bool,
    pub can_change_info: bool,
    pub can_invite_users: bool,
    pub can_pin_messages: bool,
    pub can_manage_topics: bool,
}

impl ChatPermissions {
    /// Everything allowed.
    pub fn all() -> ChatPermissions {
        ChatPermissions {
            can_send_messages: true,
            can_send_audios: true,
            can_send_documents: true,
            can_send_photos: true,
            can_send_videos: true,
            can_send_video_notes: true,
            can_send_voice_notes: true,
            can_send_polls: true,
            can_send_other_messages: true,
            can_add_web_page_previews: true,
            can_change_info: true,
            can_invite_users: true,
            can_pin_messages: true,
            can_manage_topics: true,
        }
    }

    /// Nothing allowed (a full mute).
    pub fn none() -> ChatPermissions {
        ChatPermissions::default()
    }

    /// What a freshly created Telegram group allows its members.
    pub fn group_default() -> ChatPermissions {
        ChatPermissions {
            can_change_info: false,
            can_pin_messages: false,
            can_manage_topics: false,
            ..ChatPermissions::all()
        }
    }

    /// Whether every permission is granted.
    pub fn is_all(&self) -> bool {
        *self == ChatPermissions::all()
    }

    /// Telegram's implication rules when `use_independent_chat_permissions` is false:
    /// any media, poll, other-message or preview permission implies `can_send_messages`.
    pub fn with_implied(mut self) -> ChatPermissions {
        let p = &self;
        if p.can_send_audios
            || p.can_send_documents
            || p.can_send_photos
            || p.can_send_videos
            || p.can_send_video_notes
            || p.can_send_voice_notes
            || p.can_send_polls
            || p.can_send_other_messages
            || p.can_add_web_page_previews
        {
            self.can_send_messages = true;
        }
        self
    }
}

/// Administrator rights, as in Telegram's `ChatMemberAdministrator`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminRights {
    pub can_be_edited: bool,
    pub is_anonymous: bool,
    pub can_manage_chat: bool,
    pub can_delete_messages: bool,
    pub can_manage_video_chats: bool,
    pub can_restrict_members: bool,
    pub can_promote_members: bool,
    pub can_change_info: bool,
    pub can_invite_users: bool,
    pub can_post_stories: bool,
    pub can_edit_stories: bool,
    pub can_delete_stories: bool,
    /// Channels only.
    pub can_post_messages: bool,
    /// Channels only.
    pub can_edit_messages: bool,
    /// Groups and supergroups only.
    pub can_pin_messages: bool,
    /// Supergroups only.
    pub can_manage_topics: bool,
    pub custom_title: Option<String>,
}

impl AdminRights {
    /// Only `can_manage_chat` (what every administrator implicitly has).
    pub fn basic() -> AdminRights {
        AdminRights {
            can_manage_chat: true,
            ..AdminRights::default()
        }
    }

    /// A moderator: can restrict members and delete messages.
    pub fn moderator() -> AdminRights {
        AdminRights {
            can_restrict_members: true,
            can_delete_messages: true,
            ..AdminRights::basic()
        }
    }

    /// Every right.
    pub fn full() -> AdminRights {
        AdminRights {
            can_be_edited: false,
            is_anonymous: false,
            can_manage_chat: true,
            can_delete_messages: true,
            can_manage_video_chats: true,
            can_restrict_members: true,
            can_promote_members: true,
            can_change_info: true,
            can_invite_users: true,
            can_post_stories: true,
            can_edit_stories: true,
            can_delete_stories: true,
            can_post_messages: true,
            can_edit_messages: true,
            can_pin_messages: true,
            can_manage_topics: true,
            custom_title: None,
        }
    }
}

/// A user's membership status in a chat, with the fields Telegram returns for it.
/// Dates are unix seconds; `0` means "forever".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum MemberStatus {
    Creator {
        is_anonymous: bool,
        custom_title: Option<String>,
    },
    Administrator(AdminRights),
    Member {
        /// Set for members whose subscription expires (Telegram's `until_date`).
        until_date: Option<i64>,
    },
    Restricted {
        is_member: bool,
        until_date: i64,
        permissions: ChatPermissions,
    },
    Left,
    Kicked {
        until_date: i64,
    },
}

impl MemberStatus {
    /// The owner, not anonymous, no custom title.
    pub fn creator() -> MemberStatus {
        MemberStatus::Creator {
            is_anonymous: false,
            custom_title: None,
        }
    }

    pub fn admin(rights: AdminRights) -> MemberStatus {
        MemberStatus::Administrator(rights)
    }

    /// An ordinary member.
    pub fn member() -> MemberStatus {
        MemberStatus::Member { until_date: None }
    }

    /// A restricted member, restricted forever.
    pub fn restricted(permissions: ChatPermissions) -> MemberStatus {
        MemberStatus::Restricted {
            is_member: true,
            until_date: 0,
            permissions,
        }
    }

    /// Banned forever.
    pub fn kicked() -> MemberStatus {
        MemberStatus::Kicked { until_date: 0 }
    }

    /// Telegram's `status` string.
    pub fn as_str(&self) -> &'static str {
        match self {
            MemberStatus::Creator { .. } => "creator",
            MemberStatus::Administrator(_) => "administrator",
            MemberStatus::Member { .. } => "member",
            MemberStatus::Restricted { .. } => "restricted",
            MemberStatus::Left => "left",
            MemberStatus::Kicked { .. } => "kicked",
        }
    }

    /// Creator or administrator.
    pub fn is_privileged(&self) -> bool {
        matches!(
            self,
            MemberStatus::Creator { .. } | MemberStatus::Administrator(_)
        )
    }

    /// Whether the user is currently in the chat.
    pub fn is_present(&self) -> bool {
        match self {
            MemberStatus::Creator { .. }
            | MemberStatus::Administrator(_)
            | MemberStatus::Member { .. } => true,
            MemberStatus::Restricted { is_member, .. } => *is_member,
            MemberStatus::Left | MemberStatus::Kicked { .. } => false,
        }
    }

    /// The admin rights this status grants (the creator has all of them).
    pub fn rights(&self) -> Option<AdminRights> {
        match self {
            MemberStatus::Creator { .. } => Some(AdminRights::full()),
            MemberStatus::Administrator(rights) => Some(rights.clone()),
            _ => None,
        }
    }

    /// The status after time `now` (unix seconds): expired restrictions and bans lapse.
    pub fn settled(self, now: i64) -> MemberStatus {
        match self {
            MemberStatus::Restricted {
                is_member,
                until_date,
                ..
            } if until_date != 0 && until_date <= now => {
                if is_member {
                    MemberStatus::member()
                } else {
                    MemberStatus::Left
                }
            }
            MemberStatus::Kicked { until_date } if until_date != 0 && until_date <= now => {
                MemberStatus::Left
            }
            other => other,
        }
    }
}

/// The webhook as set through `setWebhook` (plus error fields tests may set).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookInfo {
    /// Empty when no webhook is set.
    pub url: String,
    pub secret_token: Option<String>,
    pub max_connections: Option<u32>,
    pub allowed_updates: Option<Vec<String>>,
    pub ip_address: Option<String>,
    pub last_error_date: Option<i64>,
    pub last_error_message: Option<String>,
    pub pending_update_count: usize,
}

/// One bot command, as in `setMyCommands`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotCommand {
    pub command: String,
    pub description: String,
}
