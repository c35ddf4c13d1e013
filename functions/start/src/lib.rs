//! `/start`: creates or refreshes the user's record (one DynamoDB write) and sends a welcome —
//! "hello" the first time, "welcome back" after. The welcome is journalled (one write before,
//! one after): a redelivery never welcomes twice, even when the first answer was lost.

use channel_guard::gate::{gate, is_group, Gate};
use channel_guard::store::prelude::*;
use lambdagram::i18n::{escape_html, fill, msg, Lang};
use lambdagram::journal::{once, EffectJournal};
use lambdagram::ports::{UserProfile, UserStore};
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::telegram::with_retry;
use lambdagram::teloxide_core::payloads::{SendMessage, SendMessageSetters};
use lambdagram::teloxide_core::types::{ParseMode, Update, UpdateKind};

pub struct Start;

impl<S: UserStore + GuardStore + EffectJournal> RouteHandler<S> for Start {
    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        update: Update,
    ) -> Result<RouteResponse, HandlerError> {
        let UpdateKind::Message(message) = update.kind else {
            return Ok(RouteResponse::rejected("/start without a message"));
        };
        let Some(from) = message.from.as_ref() else {
            return Ok(RouteResponse::rejected("/start without a sender"));
        };
        // In a group, a non-subscriber of a protected group meets the guard, not a welcome.
        if is_group(&message) && matches!(gate(&ctx, &message).await?, Gate::Enforced(_)) {
            return Ok(RouteResponse::done());
        }
        let profile = UserProfile {
            user_id: from.id.0 as i64,
            first_name: from.first_name.clone(),
            last_name: from.last_name.clone(),
            username: from.username.clone(),
            lang: Lang::from_code(from.language_code.as_deref()),
        };
        let record = ctx.store.record_visit(&profile, ctx.now).await?;
        let template = if record.is_new() {
            msg::WELCOME_NEW
        } else {
            msg::WELCOME_BACK
        };
        let text = fill(
            template.get(profile.lang),
            &[
                ("name", &escape_html(&profile.first_name)),
                ("bot", &format!("@{}", ctx.bot_username)),
            ],
        );
        let welcome = SendMessage::new(message.chat.id, text).parse_mode(ParseMode::Html);
        once(&ctx, "welcome", || {
            with_retry(ctx.retry(), || ctx.bot.call(&welcome))
        })
        .await?;
        Ok(RouteResponse::done())
    }
}
