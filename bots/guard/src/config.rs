//! A protected group's configuration: its linked channels and its settings.

use serde::{Deserialize, Serialize};

use lambdagram::i18n::{escape_html, Lang};
use lambdagram::teloxide_core::types::ChatMemberKind;

use crate::rights::Right;

/// A channel linked to a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedChannel {
    pub id: i64,
    pub title: String,
    /// Without `@`; `None` for private channels (they need an invite link to join).
    pub username: Option<String>,
    /// A join link for private channels, if the bot could export one.
    pub invite_link: Option<String>,
}

impl LinkedChannel {
    /// The URL the "join" button opens.
    pub fn join_url(&self) -> Option<String> {
        match (&self.username, &self.invite_link) {
            (Some(u), _) => Some(format!("https://t.me/{u}")),
            (None, Some(link)) => Some(link.clone()),
            (None, None) => None,
        }
    }
}

/// What happens to a member who is not subscribed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Restrict sending until verified (or for the mute duration), delete the message, warn.
    #[default]
    Mute,
    /// Delete the message and warn; no restriction.
    DeleteOnly,
    /// Remove from the group (ban then unban, so they may come back once subscribed).
    Kick,
}

/// What the guard does with a request to join the group (a `chat_join_request`, sent when the
/// group's invite link asks admins to approve joins). A subscriber of every linked channel is
/// approved; the setting says what becomes of anyone else.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinRequests {
    /// The guard leaves join requests to the group's admins.
    #[default]
    Off,
    /// A non-subscriber's request is declined.
    Decline,
    /// A non-subscriber's request is held: the bot writes to them with the channels to join and
    /// a button that approves the request once they have.
    Hold,
}

/// Who may change the settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Configurers {
    OwnerOnly,
    /// The owner and administrators who can restrict members.
    #[default]
    Admins,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub action: Action,
    pub check_on_join: bool,
    /// Seconds before a warning deletes itself.
    pub warning_ttl_secs: u32,
    /// `None`: muted until verified; `Some(h)`: for `h` hours.
    pub mute_hours: Option<u16>,
    pub lang: Lang,
    pub configurers: Configurers,
    /// Configurations saved before the setting existed read as off.
    #[serde(default)]
    pub join_requests: JoinRequests,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            action: Action::Mute,
            check_on_join: true,
            warning_ttl_secs: 300,
            mute_hours: None,
            lang: lambdagram::i18n::EN,
            configurers: Configurers::Admins,
            join_requests: JoinRequests::Off,
        }
    }
}

/// Something that stops the guard from working fully, shown by `/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Degradation {
    /// The bot lacks rights in the group.
    GroupRights { missing: Vec<crate::rights::Right> },
    /// The bot is not an administrator of a linked channel.
    ChannelRights { channel_id: i64 },
}

/// A group's protection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupConfig {
    pub group_id: i64,
    pub enabled: bool,
    pub channels: Vec<LinkedChannel>,
    pub settings: Settings,
    #[serde(default)]
    pub degraded: Vec<Degradation>,
    /// Users never touched (besides admins and the bot).
    #[serde(default)]
    pub allow_list: Vec<i64>,
    /// The stored revision this configuration was read at (0: never saved). Saving checks it,
    /// so two updates editing the group at once (say, `/settings` in the group while the
    /// channel's `my_chat_member` marks it degraded) never silently undo each other. Kept by
    /// the store beside the JSON, not in it.
    #[serde(skip)]
    pub version: u64,
}

impl GroupConfig {
    pub fn new(group_id: i64) -> Self {
        Self {
            group_id,
            enabled: false,
            channels: Vec::new(),
            settings: Settings::default(),
            degraded: Vec::new(),
            allow_list: Vec::new(),
            version: 0,
        }
    }

    /// Adds channels not linked yet (by id), keeping the existing order; returns how many were new.
    pub fn link(&mut self, channels: impl IntoIterator<Item = LinkedChannel>) -> usize {
        let mut added = 0;
        for c in channels {
            if let Some(existing) = self.channels.iter_mut().find(|e| e.id == c.id) {
                *existing = c;
            } else {
                self.channels.push(c);
                added += 1;
            }
        }
        added
    }

    /// Whether enforcement applies: enabled with at least one channel.
    pub fn is_active(&self) -> bool {
        self.enabled && !self.channels.is_empty()
    }
}

/// Records that the bot lacks `missing` in the group itself (replacing what was recorded for the
/// group; empty = the group's rights are whole again). Returns whether anything changed.
pub fn set_group_rights(config: &mut GroupConfig, missing: &[Right]) -> bool {
    let before = config.degraded.clone();
    config
        .degraded
        .retain(|d| !matches!(d, Degradation::GroupRights { .. }));
    if !missing.is_empty() {
        config.degraded.insert(
            0,
            Degradation::GroupRights {
                missing: missing.to_vec(),
            },
        );
    }
    config.degraded != before
}

/// Records whether the bot is an administrator of the linked channel `channel_id`. Returns
/// whether anything changed.
pub fn set_channel_admin(config: &mut GroupConfig, channel_id: i64, is_admin: bool) -> bool {
    let entry = Degradation::ChannelRights { channel_id };
    let present = config.degraded.contains(&entry);
    match (is_admin, present) {
        (true, true) => {
            config.degraded.retain(|d| *d != entry);
            true
        }
        (false, false) => {
            config.degraded.push(entry);
            true
        }
        _ => false,
    }
}

/// Adds `lacking` to what the group's record says the bot lacks there (a refusal proves the
/// right is missing, not that the others are held). Returns whether anything changed.
pub fn add_group_rights(config: &mut GroupConfig, lacking: &[Right]) -> bool {
    let mut missing: Vec<Right> = config
        .degraded
        .iter()
        .find_map(|d| match d {
            Degradation::GroupRights { missing } => Some(missing.clone()),
            _ => None,
        })
        .unwrap_or_default();
    for right in lacking {
        if !missing.contains(right) {
            missing.push(*right);
        }
    }
    set_group_rights(config, &missing)
}

/// `@username` or the title, for messages.
pub fn channel_label(c: &LinkedChannel) -> String {
    match &c.username {
        Some(u) => format!("@{}", escape_html(u)),
        None => format!("<b>{}</b>", escape_html(&c.title)),
    }
}

/// Whether a member may protect the group or change its settings.
pub fn may_configure(member: &ChatMemberKind, who: Configurers) -> bool {
    match member {
        ChatMemberKind::Owner(_) => true,
        ChatMemberKind::Administrator(a) => who == Configurers::Admins && a.can_restrict_members,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rights::tests::{admin, kind};
    use serde_json::json;

    #[test]
    fn who_may_configure() {
        let owner = kind(json!({"status": "creator", "is_anonymous": false}));
        assert!(may_configure(&owner, Configurers::OwnerOnly));
        assert!(may_configure(&admin(true, false), Configurers::Admins));
        assert!(!may_configure(&admin(true, false), Configurers::OwnerOnly));
        assert!(!may_configure(&admin(false, true), Configurers::Admins));
        assert!(!may_configure(
            &kind(json!({"status": "member"})),
            Configurers::Admins
        ));
    }

    fn channel(id: i64, username: Option<&str>) -> LinkedChannel {
        LinkedChannel {
            id,
            title: format!("c{id}"),
            username: username.map(str::to_owned),
            invite_link: None,
        }
    }

    #[test]
    fn linking_extends_and_never_duplicates() {
        let mut g = GroupConfig::new(-100);
        assert_eq!(g.link([channel(-1, Some("a")), channel(-2, None)]), 2);
        assert_eq!(g.link([channel(-2, Some("b")), channel(-3, None)]), 1);
        let ids: Vec<i64> = g.channels.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![-1, -2, -3]);
        assert_eq!(g.channels[1].username.as_deref(), Some("b"));
        assert!(!g.is_active());
        g.enabled = true;
        assert!(g.is_active());
    }

    #[test]
    fn round_trips_as_json() {
        let mut g = GroupConfig::new(-100);
        g.link([channel(-1, Some("a"))]);
        g.degraded
            .push(Degradation::ChannelRights { channel_id: -1 });
        let json = serde_json::to_string(&g).expect("json");
        assert_eq!(serde_json::from_str::<GroupConfig>(&json).expect("back"), g);
    }

    #[test]
    fn a_config_saved_before_join_requests_existed_leaves_them_off() {
        let mut value = serde_json::to_value(GroupConfig::new(-100)).expect("json");
        value["settings"]
            .as_object_mut()
            .map(|s| s.remove("join_requests"));
        let read: GroupConfig = serde_json::from_value(value).expect("an older config");
        assert_eq!(read.settings.join_requests, JoinRequests::Off);
        let mut hold = GroupConfig::new(-100);
        hold.settings.join_requests = JoinRequests::Hold;
        let json = serde_json::to_value(&hold).expect("json");
        assert_eq!(json["settings"]["join_requests"], "hold");
    }

    #[test]
    fn join_urls() {
        assert_eq!(
            channel(-1, Some("news")).join_url().as_deref(),
            Some("https://t.me/news")
        );
        assert_eq!(channel(-1, None).join_url(), None);
    }
}
