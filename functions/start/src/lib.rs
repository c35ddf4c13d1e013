//! `/start`: creates or refreshes the user's record (one DynamoDB write) and sends a welcome —
//! "hello" the first time, "welcome back" after. The welcome is journalled (one write before,
//! one after): a redelivery never welcomes twice, even when the first answer was lost.

use channel_guard::texts as msg;
use lambdagram::i18n::{escape_html, fill, Lang};
use lambdagram::input::Command;
use lambdagram::journal::{once, EffectJournal};
use lambdagram::metrics;
use lambdagram::ports::{UserProfile, UserStore};
use lambdagram::route::{HandlerError, RouteContext, RouteHandler};
use lambdagram::route_api::RouteResponse;
use lambdagram::telegram::with_retry;
use lambdagram::teloxide_core::payloads::{SendMessage, SendMessageSetters};
use lambdagram::teloxide_core::types::ParseMode;

/// In a group it runs behind the guard's gate (declared in the route table): a non-subscriber
/// of a protected group meets the guard, not a welcome.
pub struct Start;

impl<S: UserStore + EffectJournal> RouteHandler<S> for Start {
    type Input = Command;

    async fn handle(
        &self,
        ctx: RouteContext<'_, S>,
        command: Command,
    ) -> Result<RouteResponse, HandlerError> {
        let Some(from) = command.from() else {
            return Ok(RouteResponse::rejected("/start without a sender"));
        };
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
        let welcome = SendMessage::new(command.chat().id, text).parse_mode(ParseMode::Html);
        match once(&ctx, "welcome", || {
            with_retry(ctx.retry(), || ctx.bot.call(&welcome))
        })
        .await
        {
            Ok(_) => {}
            // They blocked the bot (or deleted their account) since sending /start: a state of
            // theirs, recorded, not an error to redeliver or keep as a dead letter.
            Err(HandlerError::Telegram(e)) if e.user_unreachable() => {
                tracing::info!(error = %e, "user unreachable: recorded");
                ctx.store.mark_unreachable(profile.user_id, ctx.now).await?;
                metrics::count(metrics::names::USERS_UNREACHABLE, &[], 1);
            }
            Err(e) => return Err(e),
        }
        Ok(RouteResponse::done())
    }
}
