//! The webhook's logic, free of Lambda and HTTP types: authenticate, bound, parse, route,
//! de-duplicate, dispatch, and choose the status Telegram sees.
//!
//! Status policy: 401 and 413 for requests that are not Telegram's; 200 for anything Telegram
//! must not resend (malformed, unknown, ignored, duplicate, rejected, handled, and given up for
//! good: dead-lettered); 5xx only when a valid update was not handled and may be on a later
//! try, so Telegram redelivers it.

use std::time::Instant;

use crate::classify::{classify, Ignored};
use crate::dispatch::Dispatcher;
use crate::interaction_log::{entry_for, Handled, InteractionLog};
use crate::metrics::{names, Metrics};
use crate::ports::{Claim, DeadLetter, DeadLetters, UpdateLedger};
use crate::route_api::RouteRequest;
use crate::routes::{Route, RouteTable};
use crate::secret::{AcceptedSecrets, WebhookSecret};
use crate::time::Epoch;
use crate::update::UpdateView;

/// How long a claim on an update blocks its redeliveries. It covers everything that may still
/// act on the update after the claim: the webhook's own run (its timeout), the route's cold
/// start (Lambda's init phase, at most 10 s) and the route's run (its timeout), with a margin;
/// `tests/tests/template.rs` checks it against the template's timeouts. Completion is fenced
/// by the claim's token, so a run that outlived its lease cannot mark the update done.
pub const LEASE_SECS: i64 = 90;

/// Ingress settings.
#[derive(Clone, Debug)]
pub struct IngressConfig {
    /// The bot's route table.
    pub routes: RouteTable,
    /// The current secret and, while `lambdagram webhook rotate` rolls one, the next.
    pub secret: AcceptedSecrets,
    /// The bot's username without `@`, to tell our commands from other bots'.
    pub bot_username: String,
    /// Larger bodies are refused with 413 (Telegram's updates are a few KiB).
    pub max_body_bytes: usize,
    /// How long a claim blocks redeliveries: longer than the whole chain may run (see
    /// [`LEASE_SECS`]).
    pub lease_secs: i64,
    /// How long a done record is kept: longer than Telegram keeps retrying (24 h).
    pub keep_done_secs: i64,
    /// How long a dead letter (with the update it holds) is kept.
    pub keep_dead_letters_secs: i64,
    /// Days an interaction-log entry is kept (the table's [`LogPolicy`]'s, unless the deploy
    /// says otherwise).
    ///
    /// [`LogPolicy`]: crate::interaction_log::LogPolicy
    pub log_retention_days: i64,
}

impl IngressConfig {
    pub fn new(routes: RouteTable, secret: WebhookSecret, bot_username: impl Into<String>) -> Self {
        Self {
            routes,
            secret: secret.into(),
            bot_username: bot_username.into(),
            max_body_bytes: 256 * 1024,
            lease_secs: LEASE_SECS,
            keep_done_secs: 26 * 3600,
            keep_dead_letters_secs: 14 * 86_400,
            log_retention_days: routes.log().retention_days,
        }
    }
}

/// One webhook request, as the edge received it.
#[derive(Clone, Copy, Debug)]
pub struct IngressRequest<'a> {
    /// The `X-Telegram-Bot-Api-Secret-Token` header, if present.
    pub secret_header: Option<&'a [u8]>,
    pub body: &'a [u8],
}

/// What happened to a request; drives the status, the log line and the metrics.
/// `DeadLettered`: the route met a permanent error; acknowledged, and kept as a dead letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Unauthorized,
    TooLarge,
    Malformed,
    Ignored(Ignored),
    Duplicate { route: &'static str },
    InFlight { route: &'static str },
    Handled { route: &'static str, replied: bool },
    Rejected { route: &'static str },
    DeadLettered { route: &'static str },
    Failed { route: &'static str },
    LedgerUnavailable { route: &'static str },
}

impl Outcome {
    pub fn status(&self) -> u16 {
        match self {
            Outcome::Unauthorized => 401,
            Outcome::TooLarge => 413,
            Outcome::Failed { .. } => 500,
            Outcome::InFlight { .. } | Outcome::LedgerUnavailable { .. } => 503,
            _ => 200,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Unauthorized => "unauthorized",
            Outcome::TooLarge => "too_large",
            Outcome::Malformed => "malformed",
            Outcome::Ignored(_) => "ignored",
            Outcome::Duplicate { .. } => "duplicate",
            Outcome::InFlight { .. } => "in_flight",
            Outcome::Handled { .. } => "handled",
            Outcome::Rejected { .. } => "rejected",
            Outcome::DeadLettered { .. } => "dead_lettered",
            Outcome::Failed { .. } => "failed",
            Outcome::LedgerUnavailable { .. } => "ledger_unavailable",
        }
    }

    pub fn route(&self) -> Option<&'static str> {
        match self {
            Outcome::Duplicate { route }
            | Outcome::InFlight { route }
            | Outcome::Handled { route, .. }
            | Outcome::Rejected { route }
            | Outcome::DeadLettered { route }
            | Outcome::Failed { route }
            | Outcome::LedgerUnavailable { route } => Some(route),
            _ => None,
        }
    }

    fn metric(&self) -> &'static str {
        match self {
            Outcome::Unauthorized => names::UNAUTHORIZED,
            Outcome::TooLarge => names::OVERSIZED,
            Outcome::Malformed => names::MALFORMED,
            Outcome::Ignored(_) => names::IGNORED,
            Outcome::Duplicate { .. } => names::DUPLICATES,
            Outcome::InFlight { .. } => names::IN_FLIGHT,
            Outcome::Handled { .. } => names::UPDATES,
            Outcome::Rejected { .. } => names::REJECTED,
            Outcome::DeadLettered { .. } => names::DEAD_LETTERS,
            Outcome::Failed { .. } => names::HANDLER_FAILURES,
            Outcome::LedgerUnavailable { .. } => names::LEDGER_ERRORS,
        }
    }
}

/// The webhook's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressResponse {
    pub status: u16,
    /// A webhook reply (a Bot API method as JSON), sent with `Content-Type: application/json`.
    pub reply: Option<String>,
    pub outcome: Outcome,
}

/// What the interaction log files an update under (read before dispatch).
struct About {
    kind: &'static str,
    chat_id: Option<i64>,
    user_id: Option<i64>,
}

/// The webhook service over a store (the update ledger and the dead letters) and a dispatcher.
pub struct Ingress<L, D> {
    config: IngressConfig,
    ledger: L,
    dispatcher: D,
}

impl<L: UpdateLedger + DeadLetters + InteractionLog, D: Dispatcher> Ingress<L, D> {
    pub fn new(config: IngressConfig, ledger: L, dispatcher: D) -> Self {
        Self {
            config,
            ledger,
            dispatcher,
        }
    }

    pub fn config(&self) -> &IngressConfig {
        &self.config
    }

    /// Handles one request. `now` is the current epoch second.
    pub async fn handle(&self, req: IngressRequest<'_>, now: Epoch) -> IngressResponse {
        let started = Instant::now();
        let mut update_id = None;
        let mut chat_id = None;
        let (outcome, reply) = self.decide(req, now, &mut update_id, &mut chat_id).await;

        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut m = Metrics::new();
        m.dimension("Route", outcome.route().unwrap_or("none"))
            .count(outcome.metric(), 1);
        if matches!(
            outcome,
            Outcome::Handled { .. } | Outcome::DeadLettered { .. } | Outcome::Failed { .. }
        ) {
            m.millis(names::HANDLER_LATENCY, elapsed_ms);
        }
        m.flush();
        tracing::info!(
            update_id,
            chat_id,
            route = outcome.route(),
            outcome = outcome.label(),
            status = outcome.status(),
            duration_ms = elapsed_ms,
            "webhook"
        );
        IngressResponse {
            status: outcome.status(),
            reply,
            outcome,
        }
    }

    async fn decide(
        &self,
        req: IngressRequest<'_>,
        now: Epoch,
        update_id_out: &mut Option<i64>,
        chat_id_out: &mut Option<i64>,
    ) -> (Outcome, Option<String>) {
        // 1. Authenticate before anything else: no I/O for strangers.
        if !self.config.secret.matches(req.secret_header) {
            return (Outcome::Unauthorized, None);
        }
        if req.body.len() > self.config.max_body_bytes {
            return (Outcome::TooLarge, None);
        }
        // 2. Parse. Anything that is not an update is acknowledged so it is not resent for a day.
        let Ok(body) = std::str::from_utf8(req.body) else {
            return (Outcome::Malformed, None);
        };
        let update: UpdateView = match serde_json::from_str(body) {
            Ok(u) => u,
            Err(err) => {
                // serde quotes the values it met, and they may be message text.
                tracing::warn!(
                    error = %crate::log_safe::json_error(&err),
                    bytes = req.body.len(),
                    "body is not a Telegram update"
                );
                tracing::debug!(error = %err, "body is not a Telegram update (detail)");
                return (Outcome::Malformed, None);
            }
        };
        *update_id_out = Some(update.update_id);
        *chat_id_out = update.chat_id();

        // 3. Route.
        let route = match classify(self.config.routes, &update, &self.config.bot_username) {
            Ok(r) => r,
            Err(reason) => {
                tracing::debug!(reason = reason.as_str(), "update ignored");
                return (Outcome::Ignored(reason), None);
            }
        };
        let payload = RouteRequest::encode(route.name, body);

        // 4. De-duplicate (only routes with effects pay the ledger writes).
        let token = if route.side_effects {
            match self
                .ledger
                .claim(update.update_id, now, self.config.lease_secs)
                .await
            {
                Ok(Claim::Acquired { token }) => Some(token),
                Ok(Claim::AlreadyDone) => return (Outcome::Duplicate { route: route.name }, None),
                Ok(Claim::InFlight) => return (Outcome::InFlight { route: route.name }, None),
                Err(err) => {
                    tracing::error!(error = %err, "ledger claim failed");
                    return (Outcome::LedgerUnavailable { route: route.name }, None);
                }
            }
        } else {
            None
        };

        // 5. Dispatch and settle the claim.
        let about = About {
            kind: update.kind(),
            chat_id: update.log_chat_id(),
            user_id: update.user_id(),
        };
        let (outcome, reply, note) = self
            .dispatch(route, payload, body, update.update_id, token, now)
            .await;
        // 6. The interaction log, for what the bot's policy logs (after the effects: a failed
        // write loses an entry, never an update).
        if matches!(
            outcome,
            Outcome::Handled { .. } | Outcome::Rejected { .. } | Outcome::DeadLettered { .. }
        ) {
            self.log(route, &about, update.update_id, &outcome, note, now)
                .await;
        }
        (outcome, reply)
    }

    async fn log(
        &self,
        route: &'static Route,
        about: &About,
        update_id: i64,
        outcome: &Outcome,
        note: Option<String>,
        now: Epoch,
    ) {
        let handled = Handled {
            route: route.name,
            kind: about.kind,
            chat_id: about.chat_id,
            user_id: about.user_id,
            update_id,
            outcome: outcome.label(),
            note: note.as_deref(),
        };
        let policy = self.config.routes.log();
        if let Some(entry) = entry_for(policy, handled, now, self.config.log_retention_days) {
            if let Err(err) = self.ledger.append(&entry).await {
                tracing::warn!(error = %err, "interaction log entry not written");
            }
        }
    }

    async fn dispatch(
        &self,
        route: &'static Route,
        payload: Vec<u8>,
        update_json: &str,
        update_id: i64,
        token: Option<String>,
        now: Epoch,
    ) -> (Outcome, Option<String>, Option<String>) {
        match self.dispatcher.dispatch(route, payload).await {
            Ok(answer) => {
                if let Some(failure) = &answer.dead_letter {
                    // Recorded before the update is marked done: an update given up is never
                    // given up silently. If the record cannot be written, Telegram redelivers.
                    let letter = DeadLetter {
                        update_id,
                        route: route.name.to_owned(),
                        step: failure.step.clone(),
                        class: failure.class.clone(),
                        reason: failure.reason.clone(),
                        at: now,
                        update: update_json.to_owned(),
                    };
                    if let Err(err) = self
                        .ledger
                        .record(&letter, self.config.keep_dead_letters_secs)
                        .await
                    {
                        tracing::error!(error = %err, "dead letter not recorded; Telegram will redeliver");
                        self.release(update_id, token.as_deref()).await;
                        return (Outcome::Failed { route: route.name }, None, None);
                    }
                    // Telegram's description of the error, never message text.
                    tracing::warn!(
                        step = %failure.step,
                        class = %failure.class,
                        reason = %failure.reason,
                        "update dead-lettered"
                    );
                }
                if let Some(token) = &token {
                    // The effects happened: a failure to record that must not make Telegram
                    // resend. The claim's lease still blocks redeliveries meanwhile.
                    if let Err(err) = self
                        .ledger
                        .complete(update_id, token, now, self.config.keep_done_secs)
                        .await
                    {
                        tracing::error!(error = %err, "ledger complete failed");
                    }
                }
                let note = answer.note;
                if answer.dead_letter.is_some() {
                    return (Outcome::DeadLettered { route: route.name }, None, note);
                }
                if let Some(reason) = answer.rejected {
                    tracing::warn!(reason, "route rejected the update");
                    return (Outcome::Rejected { route: route.name }, None, note);
                }
                let reply = answer.reply.and_then(|r| serde_json::to_string(&r).ok());
                let replied = reply.is_some();
                (
                    Outcome::Handled {
                        route: route.name,
                        replied,
                    },
                    reply,
                    note,
                )
            }
            Err(err) => {
                tracing::error!(error = %err, "dispatch failed; Telegram will redeliver");
                if err.may_still_run() {
                    // The route may be running still: the claim holds the redelivery off
                    // until the lease ends, so the two never run side by side.
                    tracing::warn!("claim kept until its lease ends");
                } else {
                    self.release(update_id, token.as_deref()).await;
                }
                (Outcome::Failed { route: route.name }, None, None)
            }
        }
    }

    /// Gives the claim (if any) up, so Telegram's redelivery is handled at once.
    async fn release(&self, update_id: i64, token: Option<&str>) {
        if let Some(token) = token {
            if let Err(err) = self.ledger.release(update_id, token).await {
                // The lease expires by itself; the redelivery after it is handled.
                tracing::error!(error = %err, "ledger release failed");
            }
        }
    }
}
