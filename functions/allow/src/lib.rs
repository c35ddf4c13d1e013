//! `/allow`: the group's allow-list — members the guard never touches, subscribed or not (a
//! co-host, a partner channel's admin, a bot the group relies on).
//!
//! - `/allow` alone lists it;
//! - `/allow` in reply to someone's message, or `/allow 123456789`, adds them — and lifts the
//!   bot's own restriction on them, if it has one, and their warning;
//! - `/allow remove` (in reply, or with the id) takes them off.
//!
//! Usernames cannot be looked up through the Bot API, so a user is named by a reply or by id.
//! Only those who may change the protection may change the list (the group's "who may change
//! settings"); the list itself is for the same people to see.

use channel_guard::admin::{configuring, reply, Configuring};
use channel_guard::enforce::Guard;
use channel_guard::store::prelude::*;
use lambdagram::i18n::{fill, Lang, Text};
use lambdagram::input::Command;
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;

pub struct Allow;

/// The most users a group's allow-list holds (it travels in the group's configuration item).
pub const MAX_ALLOWED: usize = 200;

/// What `/allow` was asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    List,
    Add(i64),
    Remove(i64),
    /// Nobody named: no reply and no id.
    Usage,
}

/// Reads the request from the command's arguments and the message it replies to (its author).
pub fn request(args: &str, replied_to: Option<i64>) -> Request {
    let mut words = args.split_whitespace();
    let (remove, target) = match words.next() {
        Some(w) if w.eq_ignore_ascii_case("remove") => (true, words.next()),
        other => (false, other),
    };
    if words.next().is_some() {
        return Request::Usage;
    }
    let named = match target {
        Some(id) => match id.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => return Request::Usage,
        },
        None => replied_to,
    };
    match (remove, named) {
        (false, None) if args.is_empty() => Request::List,
        (false, Some(id)) => Request::Add(id),
        (true, Some(id)) => Request::Remove(id),
        _ => Request::Usage,
    }
}

impl<S: GuardStore> RouteHandler<S> for Allow {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        input: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let Configuring {
            command,
            config,
            lang,
        } = match configuring(&ctx, &input).await? {
            Ok(c) => c,
            Err(answer) => return Ok(answer),
        };
        // The author of the message replied to, unless it is a bot or a chat (anonymous admin,
        // channel post): those are never checked anyway.
        let replied_to = input
            .message
            .reply_to_message()
            .filter(|r| r.sender_chat.is_none())
            .and_then(|r| r.from.as_ref())
            .filter(|u| !u.is_bot)
            .and_then(|u| i64::try_from(u.id.0).ok());
        let Some(mut config) = config else {
            return Ok(reply(&command.answer(NOT_SET_UP.get(lang))));
        };
        let text = match request(&command.args, replied_to) {
            Request::Usage => USAGE.get(lang).to_owned(),
            Request::List => list(&config.allow_list, lang),
            Request::Add(user_id) if config.allow_list.contains(&user_id) => {
                // Saved by an earlier delivery whose lift then failed (Telegram redelivered
                // it), or listed while a mute of the bot's was still on: the lift is finished
                // here, so an allowed member is never left muted. Lifting is idempotent.
                let lifted = Guard::of(&ctx).lift(command.group_id, user_id).await?;
                let already = fill(ALREADY.get(lang), &[("user", &user_link(user_id))]);
                if lifted {
                    format!("{already} {}", LIFTED.get(lang))
                } else {
                    already
                }
            }
            Request::Add(_) if config.allow_list.len() >= MAX_ALLOWED => {
                fill(FULL.get(lang), &[("max", &MAX_ALLOWED.to_string())])
            }
            Request::Add(user_id) => {
                config.allow_list.push(user_id);
                ctx.store.save_group(&mut config, &[]).await?;
                let guard = Guard::of(&ctx);
                let lifted = guard.lift(command.group_id, user_id).await?;
                tracing::info!(group_id = command.group_id, lifted, "user allow-listed");
                let added = fill(ADDED.get(lang), &[("user", &user_link(user_id))]);
                if lifted {
                    format!("{added} {}", LIFTED.get(lang))
                } else {
                    added
                }
            }
            Request::Remove(user_id) if !config.allow_list.contains(&user_id) => {
                fill(NOT_LISTED.get(lang), &[("user", &user_link(user_id))])
            }
            Request::Remove(user_id) => {
                config.allow_list.retain(|u| *u != user_id);
                ctx.store.save_group(&mut config, &[]).await?;
                fill(REMOVED.get(lang), &[("user", &user_link(user_id))])
            }
        };
        Ok(reply(&command.answer(text)))
    }
}

/// A mention by id (Telegram shows the user's name to those who know them).
fn user_link(user_id: i64) -> String {
    format!("<a href=\"tg://user?id={user_id}\">{user_id}</a>")
}

/// The allow-list as a message.
pub fn list(users: &[i64], lang: Lang) -> String {
    if users.is_empty() {
        return EMPTY.get(lang).to_owned();
    }
    let mut text = String::from(LISTED.get(lang));
    for user_id in users {
        text.push_str("\n• ");
        text.push_str(&user_link(*user_id));
    }
    text
}

pub const USAGE: Text = channel_guard::t! {
    en: "Reply to someone's message with <code>/allow</code> (or give their numeric id: <code>/allow 123456789</code>) to let them write without subscribing; <code>/allow remove</code> takes them off; <code>/allow</code> alone lists them.",
    ru: "Ответьте на сообщение участника командой <code>/allow</code> (или укажите его числовой id: <code>/allow 123456789</code>), чтобы он мог писать без подписки; <code>/allow remove</code> убирает его; <code>/allow</code> без аргументов показывает список.",
};
pub const NOT_SET_UP: Text = channel_guard::t! {
    en: "This group is not protected yet: set it up with <code>/protect @channel</code> first.",
    ru: "Эта группа ещё не защищена: сначала настройте её командой <code>/protect @канал</code>.",
};
pub const EMPTY: Text = channel_guard::t! {
    en: "Nobody is on the allow-list.",
    ru: "Список исключений пуст.",
};
pub const LISTED: Text = channel_guard::t! {
    en: "May write without subscribing:",
    ru: "Могут писать без подписки:",
};
pub const ADDED: Text = channel_guard::t! {
    en: "✓ {user} may write here without subscribing.",
    ru: "✓ {user} может писать здесь без подписки.",
};
pub const LIFTED: Text = channel_guard::t! {
    en: "I lifted the restriction I had imposed.",
    ru: "Я снял наложенное мной ограничение.",
};
pub const ALREADY: Text = channel_guard::t! {
    en: "{user} is already on the allow-list.",
    ru: "{user} уже в списке исключений.",
};
pub const FULL: Text = channel_guard::t! {
    en: "The allow-list is full ({max}): remove someone first.",
    ru: "Список исключений заполнен ({max}): сначала уберите кого-нибудь.",
};
pub const NOT_LISTED: Text = channel_guard::t! {
    en: "{user} is not on the allow-list.",
    ru: "{user} нет в списке исключений.",
};
pub const REMOVED: Text = channel_guard::t! {
    en: "{user} is off the allow-list: the channel check applies to them again.",
    ru: "{user} убран из списка исключений: проверка подписки снова действует.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_is_asked() {
        assert_eq!(request("", None), Request::List);
        assert_eq!(request("", Some(5)), Request::Add(5));
        assert_eq!(request("42", None), Request::Add(42));
        assert_eq!(request("42", Some(5)), Request::Add(42));
        assert_eq!(request("remove", Some(5)), Request::Remove(5));
        assert_eq!(request("REMOVE 42", None), Request::Remove(42));
        assert_eq!(request("remove", None), Request::Usage);
        assert_eq!(request("@alice", None), Request::Usage);
        assert_eq!(request("-100123", None), Request::Usage);
        assert_eq!(request("1 2", None), Request::Usage);
    }

    #[test]
    fn lists_by_mention() {
        assert_eq!(
            list(&[], lambdagram::i18n::EN),
            "Nobody is on the allow-list."
        );
        assert_eq!(
            list(&[7, 8], channel_guard::i18n::RU),
            "Могут писать без подписки:\n• <a href=\"tg://user?id=7\">7</a>\n\
             • <a href=\"tg://user?id=8\">8</a>"
        );
    }
}
