//! The settings menu's buttons (callback data `set:…`, drawn by `/settings`). The presser must
//! be allowed to configure the group, checked live as themselves (`callback_query.from`: an
//! anonymous administrator presses as their own account); making settings owner-only takes the
//! owner. An allowed change redraws the menu in place, in the group's (possibly new) language,
//! and is saved; "Done" closes the menu to a summary. Every press is answered, forged or stale
//! data too (harmlessly: nothing read, nothing written), and the answer is the webhook reply.

use channel_guard::admin_texts;
use channel_guard::callback::{GuardCallback, SettingChange};
use channel_guard::config::may_configure;
use channel_guard::config::{Configurers, GroupConfig};
use channel_guard::menu;
use channel_guard::menu_texts;
use channel_guard::store::prelude::*;
use lambdagram::i18n::Lang;
use lambdagram::input::Callback;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::telegram::{with_retry, BotApi, BotApiError, RetryPolicy};
use lambdagram::teloxide_core::payloads::{
    AnswerCallbackQuery, AnswerCallbackQuerySetters, EditMessageText, EditMessageTextSetters,
    GetChatMember,
};
use lambdagram::teloxide_core::types::{
    CallbackQuery, ChatId, ChatMemberKind, MessageId, ParseMode, UserId,
};

pub struct SettingsMenu;

/// What a press on a menu leads to, once the presser's standing in the group is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Not allowed: an alert naming who may (the rule that refused them).
    Refuse(Configurers),
    /// The setting already has that value: answer only.
    Unchanged,
    /// Save this configuration and redraw the menu from it.
    Change(GroupConfig),
    /// "Done": close the menu.
    Close,
}

/// Decides a press by `presser` (their status in the group) on the menu of `config`.
pub fn decide(config: &GroupConfig, presser: &ChatMemberKind, change: SettingChange) -> Decision {
    let who = config.settings.configurers;
    if !may_configure(presser, who) {
        return Decision::Refuse(who);
    }
    // Only the owner may take the settings away from the other administrators.
    if change == SettingChange::Configurers(Configurers::OwnerOnly) && !presser.is_owner() {
        return Decision::Refuse(Configurers::OwnerOnly);
    }
    if change == SettingChange::Done {
        return Decision::Close;
    }
    let mut changed = config.clone();
    if menu::apply(&mut changed.settings, change) {
        Decision::Change(changed)
    } else {
        Decision::Unchanged
    }
}

/// The menu a press came from: where it is, and who pressed.
struct Press {
    group_id: i64,
    message_id: MessageId,
    presser: i64,
    presser_lang: Lang,
}

impl<S: GroupStore> RouteHandler<S> for SettingsMenu {
    type Input = Callback;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        callback: Callback,
    ) -> Result<RouteResponse, HandlerError> {
        let query = &callback.query;
        let answer = AnswerCallbackQuery::new(query.id.clone());
        let (Some(change), Some(press)) = (change_of(&callback), press_of(query)) else {
            // Forged, stale or not from a group's menu: the spinner stops, nothing else.
            tracing::info!("settings press ignored: not a menu button");
            return Ok(RouteResponse::webhook_reply(&answer));
        };
        let Some(config) = ctx.store.group_state(press.group_id, ctx.now).await?.config else {
            // No menu is ever drawn without a configuration (see `/settings`).
            return Ok(RouteResponse::webhook_reply(
                &answer.text(menu_texts::NOT_SET_UP_ALERT.get(press.presser_lang)),
            ));
        };
        let presser = member(ctx.bot, ctx.retry(), press.group_id, press.presser).await?;
        let decision = decide(&config, &presser, change);
        tracing::info!(
            group_id = press.group_id,
            user_id = press.presser,
            ?change,
            outcome = outcome(&decision),
            "settings press"
        );
        match decision {
            Decision::Refuse(who) => {
                // Only the presser sees an alert: in their own language.
                let text = admin_texts::not_allowed(who).get(press.presser_lang);
                Ok(RouteResponse::webhook_reply(
                    &answer.text(text).show_alert(true),
                ))
            }
            Decision::Unchanged => Ok(RouteResponse::webhook_reply(&answer)),
            Decision::Close => {
                let edit = EditMessageText::new(
                    ChatId(press.group_id),
                    press.message_id,
                    menu::summary(&config),
                )
                .parse_mode(ParseMode::Html);
                redraw(ctx.bot, ctx.retry(), &edit).await?;
                Ok(RouteResponse::webhook_reply(&answer))
            }
            Decision::Change(mut config) => {
                // Redrawn before saving: if the save fails, Telegram redelivers the press, which
                // still differs from the stored value, so it is redrawn (a no-op) and saved then.
                // Saved first, a failed redraw would leave a stale menu that a retry (now
                // "unchanged") never fixes.
                let edit = EditMessageText::new(
                    ChatId(press.group_id),
                    press.message_id,
                    menu::text(&config),
                )
                .parse_mode(ParseMode::Html)
                .reply_markup(menu::keyboard(&config.settings));
                redraw(ctx.bot, ctx.retry(), &edit).await?;
                ctx.store.save_group(&mut config, &[]).await?;
                let saved = menu_texts::SAVED.get(config.settings.lang);
                Ok(RouteResponse::webhook_reply(&answer.text(saved)))
            }
        }
    }
}

/// The change the button's data names; `None` for anything not drawn by the menu.
fn change_of(callback: &Callback) -> Option<SettingChange> {
    match GuardCallback::decode_after(callback.prefix(), &callback.data)? {
        GuardCallback::Settings(change) => Some(change),
        _ => None,
    }
}

/// Where the menu is and who pressed; `None` unless it is a message in a group.
fn press_of(query: &CallbackQuery) -> Option<Press> {
    let message = query.message.as_ref()?;
    let chat = message.chat();
    if !(chat.is_group() || chat.is_supergroup()) {
        return None;
    }
    Some(Press {
        group_id: chat.id.0,
        message_id: message.id(),
        presser: i64::try_from(query.from.id.0).ok()?,
        presser_lang: Lang::from_code(query.from.language_code.as_deref()),
    })
}

/// The presser's status in the group, asked now. A refusal to answer (they left, the bot was
/// removed) reads as not a member.
async fn member(
    bot: &BotApi,
    retry: RetryPolicy,
    group_id: i64,
    user_id: i64,
) -> Result<ChatMemberKind, HandlerError> {
    let user = UserId(u64::try_from(user_id).unwrap_or_default());
    let request = GetChatMember::new(ChatId(group_id), user);
    match with_retry(retry, || bot.call(&request)).await {
        Ok(member) => Ok(member.kind),
        Err(BotApiError::Api { description, .. }) => {
            tracing::info!(group_id, user_id, %description, "presser unknown to the group");
            Ok(ChatMemberKind::Left)
        }
        Err(e) => Err(e.into()),
    }
}

/// Edits the menu. Telegram refusing (the menu was deleted, or already shows this) is an
/// answer, carried on; only accidents fail the press.
async fn redraw(
    bot: &BotApi,
    retry: RetryPolicy,
    edit: &EditMessageText,
) -> Result<(), HandlerError> {
    match with_retry(retry, || bot.call(edit)).await {
        Ok(_) => Ok(()),
        Err(e @ (BotApiError::Api { .. } | BotApiError::Migrated { .. })) => {
            tracing::info!(error = %e, "menu not redrawn");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

fn outcome(decision: &Decision) -> &'static str {
    match decision {
        Decision::Refuse(_) => "refused",
        Decision::Unchanged => "unchanged",
        Decision::Change(_) => "changed",
        Decision::Close => "closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use channel_guard::config::Action;
    use serde_json::{json, Value};

    fn kind(status: Value) -> ChatMemberKind {
        let mut member = status;
        member["user"] = json!({"id": 5, "is_bot": false, "first_name": "U"});
        serde_json::from_value::<lambdagram::teloxide_core::types::ChatMember>(member)
            .expect("a chat member")
            .kind
    }

    fn owner() -> ChatMemberKind {
        kind(json!({"status": "creator", "is_anonymous": false}))
    }

    fn admin(can_restrict: bool) -> ChatMemberKind {
        kind(json!({
            "status": "administrator", "can_be_edited": false, "is_anonymous": false,
            "can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": false,
            "can_restrict_members": can_restrict, "can_promote_members": false,
            "can_change_info": false, "can_invite_users": true, "can_post_stories": false,
            "can_edit_stories": false, "can_delete_stories": false, "can_pin_messages": false
        }))
    }

    fn config(who: Configurers) -> GroupConfig {
        let mut c = GroupConfig::new(-100);
        c.enabled = true;
        c.settings.configurers = who;
        c
    }

    const KICK: SettingChange = SettingChange::Action(Action::Kick);
    const OWNER_ONLY: SettingChange = SettingChange::Configurers(Configurers::OwnerOnly);

    #[test]
    fn only_those_who_may_configure_change_anything() {
        let admins = config(Configurers::Admins);
        let member = kind(json!({"status": "member"}));
        for presser in [member, admin(false), ChatMemberKind::Left] {
            for change in [
                KICK,
                SettingChange::Done,
                SettingChange::Action(Action::Mute),
            ] {
                assert_eq!(
                    decide(&admins, &presser, change),
                    Decision::Refuse(Configurers::Admins)
                );
            }
        }
        let mut kicked = admins.clone();
        kicked.settings.action = Action::Kick;
        assert_eq!(
            decide(&admins, &admin(true), KICK),
            Decision::Change(kicked)
        );
        assert_eq!(
            decide(&config(Configurers::OwnerOnly), &admin(true), KICK),
            Decision::Refuse(Configurers::OwnerOnly)
        );
    }

    #[test]
    fn only_the_owner_makes_settings_owner_only() {
        let admins = config(Configurers::Admins);
        assert_eq!(
            decide(&admins, &admin(true), OWNER_ONLY),
            Decision::Refuse(Configurers::OwnerOnly)
        );
        assert_eq!(
            decide(&admins, &owner(), OWNER_ONLY),
            Decision::Change(config(Configurers::OwnerOnly))
        );
        // And back: the owner alone may, as everything else once it is owner-only.
        let only = config(Configurers::OwnerOnly);
        let back = SettingChange::Configurers(Configurers::Admins);
        assert_eq!(
            decide(&only, &admin(true), back),
            Decision::Refuse(Configurers::OwnerOnly)
        );
        assert_eq!(decide(&only, &owner(), back), Decision::Change(admins));
    }

    #[test]
    fn the_current_value_and_done_change_nothing() {
        let admins = config(Configurers::Admins);
        let mute = SettingChange::Action(Action::Mute);
        assert_eq!(decide(&admins, &admin(true), mute), Decision::Unchanged);
        assert_eq!(
            decide(&admins, &admin(true), SettingChange::Done),
            Decision::Close
        );
    }

    fn query(data: &str, chat_type: &str) -> CallbackQuery {
        serde_json::from_value(json!({
            "id": "q1", "chat_instance": "c", "data": data,
            "from": {"id": 5, "is_bot": false, "first_name": "U", "language_code": "ru"},
            "message": {
                "message_id": 42, "date": 0,
                "chat": {"id": -100, "type": chat_type, "title": "G"},
                "from": {"id": 123456, "is_bot": true, "first_name": "Bot"},
                "text": "menu"
            }
        }))
        .expect("a callback query")
    }

    /// The press as the framework hands it over: the data after the prefix.
    fn callback(query: &CallbackQuery) -> Callback {
        let data = query.data.as_deref().unwrap_or_default();
        Callback {
            data: data.split_once(':').map_or("", |(_, rest)| rest).to_owned(),
            query: query.clone(),
        }
    }

    #[test]
    fn reads_only_menu_buttons_in_groups() {
        let q = query("set:a:k", "supergroup");
        assert_eq!(change_of(&callback(&q)), Some(KICK));
        let press = press_of(&q).expect("a press in a group");
        assert_eq!(
            (
                press.group_id,
                press.message_id,
                press.presser,
                press.presser_lang
            ),
            (-100, MessageId(42), 5, channel_guard::i18n::RU)
        );
        for forged in ["set:w:301", "set:a", "joined:5", "lift:all", "set:x:1"] {
            let forged = callback(&query(forged, "supergroup"));
            assert_eq!(change_of(&forged), None, "{:?}", forged.query.data);
        }
        let private: CallbackQuery = serde_json::from_value(json!({
            "id": "q1", "chat_instance": "c", "data": "set:a:k",
            "from": {"id": 5, "is_bot": false, "first_name": "U"},
            "message": {
                "message_id": 42, "date": 0,
                "chat": {"id": 5, "type": "private", "first_name": "U"},
                "text": "menu"
            }
        }))
        .expect("a callback query");
        assert!(press_of(&private).is_none());
    }

    #[test]
    fn the_answer_is_the_webhook_reply() {
        let answer = AnswerCallbackQuery::new("q1".to_owned().into())
            .text("no")
            .show_alert(true);
        assert_eq!(
            RouteResponse::webhook_reply(&answer).reply,
            Some(json!({
                "method": "answerCallbackQuery", "callback_query_id": "q1",
                "text": "no", "show_alert": true
            }))
        );
    }
}
