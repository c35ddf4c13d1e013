//! The protection's health: what the bot lacks to guard a group, as recorded in the group's
//! configuration (`degraded`), and the notices that tell the group when it changes.
//!
//! A protection degrades when the bot loses a right (a `my_chat_member` update, or a refusal met
//! while enforcing) and recovers when the right comes back. The record changes, and the group is
//! told, only on a change: a refusal met on every message does not repeat the notice.

use lambdagram::teloxide_core::payloads::{SendMessage, SendMessageSetters};
use lambdagram::teloxide_core::types::{ChatId, ParseMode};

use super::admin_texts::right_name;
use super::config::channel_label;
use super::config::{Degradation, GroupConfig};
use super::enforce::Guard;
use super::rights::Right;
use super::store::prelude::*;
use super::texts;
use lambdagram::i18n::fill;
use lambdagram::ports::StoreError;
use lambdagram::route::HandlerError;
use lambdagram::telegram::{with_retry, BotApiError, TelegramApi};

/// The notice for the group about what its record now says: what is missing, or that the
/// protection works again.
pub fn notice(config: &GroupConfig) -> String {
    let lang = config.settings.lang;
    if config.degraded.is_empty() {
        return texts::RESTORED.get(lang).to_owned();
    }
    let mut text = String::from(texts::DEGRADED.get(lang));
    for d in &config.degraded {
        text.push_str("\n• ");
        match d {
            Degradation::GroupRights { missing } if missing.contains(&Right::Administrator) => {
                text.push_str(texts::DEGRADED_NOT_GROUP_ADMIN.get(lang));
            }
            Degradation::GroupRights { missing } => {
                let names: Vec<String> = missing
                    .iter()
                    .map(|r| format!("“{}”", right_name(*r).get(lang)))
                    .collect();
                text.push_str(&fill(
                    texts::DEGRADED_GROUP_RIGHTS.get(lang),
                    &[("rights", &names.join(", "))],
                ));
            }
            Degradation::ChannelRights { channel_id } => {
                let label = config
                    .channels
                    .iter()
                    .find(|c| c.id == *channel_id)
                    .map_or_else(|| channel_id.to_string(), channel_label);
                text.push_str(&fill(
                    texts::DEGRADED_CHANNEL.get(lang),
                    &[("channel", &label)],
                ));
            }
        }
    }
    text
}

/// How often a health change is re-applied on a fresh read when another edit of the group's
/// configuration won the race; after that the update fails and Telegram redelivers it.
const HEALTH_TRIES: usize = 3;

impl<S: GuardStore, T: TelegramApi> Guard<'_, S, T> {
    /// Applies `change` (which says whether it changed anything) to the group's configuration,
    /// as read in `config`, and saves it; when a concurrent edit saved first, the change is
    /// re-applied to a fresh read, so neither edit is lost. Returns the saved configuration,
    /// `None` when nothing changed (or the group's configuration is gone).
    pub async fn edit_group(
        &self,
        config: &GroupConfig,
        change: impl Fn(&mut GroupConfig) -> bool,
    ) -> Result<Option<GroupConfig>, HandlerError> {
        let mut current = config.clone();
        let mut tries = 0;
        loop {
            let mut next = current.clone();
            if !change(&mut next) {
                return Ok(None);
            }
            tries += 1;
            match self.store.save_group(&mut next, &[]).await {
                Ok(()) => return Ok(Some(next)),
                Err(StoreError::Conflict(what)) if tries < HEALTH_TRIES => {
                    tracing::info!(group_id = config.group_id, %what, "re-reading after a conflict");
                    match self
                        .store
                        .group_state(config.group_id, self.now)
                        .await?
                        .config
                    {
                        Some(fresh) => current = fresh,
                        None => return Ok(None),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Applies `change` (which says whether it changed anything) to the group's configuration,
    /// as read in `config`, saves it and, with `notify`, tells the group. When a concurrent edit
    /// saved first, the change is re-applied to a fresh read, so neither edit is lost. Returns
    /// whether the record changed. The notice is best effort: a bot that may no longer post
    /// there is the very problem being reported.
    pub async fn change_health(
        &self,
        config: &GroupConfig,
        notify: bool,
        change: impl Fn(&mut GroupConfig) -> bool,
    ) -> Result<bool, HandlerError> {
        let Some(saved) = self.edit_group(config, change).await? else {
            return Ok(false);
        };
        lambdagram::metrics::count(
            if saved.degraded.is_empty() {
                crate::metrics::names::PROTECTIONS_RECOVERED
            } else {
                crate::metrics::names::PROTECTIONS_DEGRADED
            },
            &[],
            1,
        );
        tracing::warn!(
            group_id = saved.group_id,
            degraded = saved.degraded.len(),
            notify,
            "protection health changed"
        );
        if !notify {
            return Ok(true);
        }
        let request =
            SendMessage::new(ChatId(saved.group_id), notice(&saved)).parse_mode(ParseMode::Html);
        match with_retry(self.retry, || self.bot.call(&request)).await {
            Ok(_) | Err(BotApiError::Api { .. }) => Ok(true),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{add_group_rights, set_channel_admin, set_group_rights, LinkedChannel};

    fn config() -> GroupConfig {
        let mut c = GroupConfig::new(-100);
        c.enabled = true;
        c.link([LinkedChannel {
            id: -1001,
            title: "News".into(),
            username: Some("news".into()),
            invite_link: None,
        }]);
        c
    }

    #[tokio::test]
    async fn a_health_change_that_loses_a_race_is_applied_to_the_winner() {
        use lambdagram::memory::MemoryStore;
        use lambdagram::telegram::{BotApi, RetryPolicy};
        let store = MemoryStore::new();
        store.save_group(&mut config(), &[]).await.expect("protect");
        let read = store
            .group_state(-100, 0)
            .await
            .expect("r")
            .config
            .expect("c");
        // `/settings` saves in between this update's read and its save.
        let mut settings = read.clone();
        settings.settings.lang = crate::i18n::RU;
        store
            .save_group(&mut settings, &[])
            .await
            .expect("settings");
        let bot = BotApi::new("1:x", "http://127.0.0.1:9").expect("bot");
        let guard = Guard {
            bot: &bot,
            store: &store,
            now: 0,
            retry: RetryPolicy::until(0),
        };

        let changed = guard
            .change_health(&read, false, |c| set_channel_admin(c, -1001, false))
            .await
            .expect("saved on the second try");

        assert!(changed);
        let stored = store
            .group_state(-100, 0)
            .await
            .expect("r")
            .config
            .expect("c");
        assert_eq!(
            stored.settings.lang,
            crate::i18n::RU,
            "the settings edit is kept"
        );
        assert_eq!(
            stored.degraded,
            vec![Degradation::ChannelRights { channel_id: -1001 }]
        );
        assert_eq!(stored.version, 3);
        // Applied again, the change is no change: nothing is saved.
        assert!(!guard
            .change_health(&stored, false, |c| set_channel_admin(c, -1001, false))
            .await
            .expect("no-op"));
        let after = store
            .group_state(-100, 0)
            .await
            .expect("r")
            .config
            .expect("c");
        assert_eq!(after.version, 3);
    }

    #[test]
    fn records_change_only_on_a_change() {
        let mut c = config();
        assert!(set_group_rights(&mut c, &[Right::RestrictMembers]));
        assert!(!set_group_rights(&mut c, &[Right::RestrictMembers]));
        assert!(add_group_rights(&mut c, &[Right::DeleteMessages]));
        assert!(!add_group_rights(&mut c, &[Right::RestrictMembers]));
        assert_eq!(
            c.degraded,
            vec![Degradation::GroupRights {
                missing: vec![Right::RestrictMembers, Right::DeleteMessages]
            }]
        );
        assert!(set_channel_admin(&mut c, -1001, false));
        assert!(!set_channel_admin(&mut c, -1001, false));
        assert!(set_group_rights(&mut c, &[]));
        assert!(set_channel_admin(&mut c, -1001, true));
        assert!(c.degraded.is_empty());
    }

    #[test]
    fn notices_name_what_is_missing_and_where() {
        let mut c = config();
        set_group_rights(&mut c, &[Right::RestrictMembers]);
        set_channel_admin(&mut c, -1001, false);
        assert_eq!(
            notice(&c),
            "⚠️ I cannot fully protect this group right now:\n\
             • I need the right “Ban users” in this group.\n\
             • I am no longer an administrator of @news, so I cannot see who is subscribed."
        );
        c.settings.lang = crate::i18n::RU;
        set_group_rights(&mut c, &[Right::Administrator, Right::RestrictMembers]);
        set_channel_admin(&mut c, -1001, true);
        assert_eq!(
            notice(&c),
            "⚠️ Сейчас я не могу полноценно защищать эту группу:\n\
             • Я больше не администратор этой группы."
        );
        set_group_rights(&mut c, &[]);
        assert_eq!(
            notice(&c),
            "✅ Защита снова работает: все нужные права у меня есть."
        );
    }
}
