//! `lambdagram replay`: sends recorded or generated events to a running webhook, as Telegram
//! would, and prints what it answered.
//!
//! The target is any webhook URL: the `webhook` function under `cargo lambda watch`
//! (`http://127.0.0.1:9000/lambda-url/webhook/`) or a deployed stack's `WebhookUrl`. Events are
//! sent one at a time, in order, each waiting for its answer — Telegram's own delivery for one
//! chat — so a recorded sequence replays as a scenario.
//!
//! With `--dead-letters`, the events are the dead letters in the stack's state table (the updates
//! given up for a permanent error, see `lambdagram dead-letters`), oldest first. Each one's done
//! record in the ledger is forgotten first, so the webhook handles it instead of dropping it as a
//! duplicate; a letter whose replay the webhook acknowledged is deleted, unless the replay met the
//! error again and recorded a fresh letter.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use lambdagram::ports::{DeadLetter, DeadLetterArchive, Reopened, Settled};
use lambdagram::secret::WebhookSecret;

use crate::dead_letters::{self, Selection};
use crate::events::{self, Event};
use crate::transcript;

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Some event was not answered 2xx (or not answered at all).
pub const EXIT_NOT_2XX: u8 = 3;
/// An event file or directory could not be read; nothing was sent.
pub const EXIT_UNREADABLE: u8 = 4;

const EXIT_CODES: &str = "\
Exit codes:
  0  every event was answered 2xx
  1  the command could not run (bad --url or --secret, no HTTP client)
  2  usage error
  3  some event was answered with a status other than 2xx, or not answered at all
  4  an event file or directory could not be read (nothing was sent)";

#[derive(clap::Args)]
#[command(after_help = EXIT_CODES)]
pub struct Args {
    /// Event files or directories (a directory's `.json` files in name order), replayed in the
    /// order given. Each is a bare Telegram update or an API Gateway HTTP API event wrapping one.
    #[arg(
        required_unless_present = "dead_letters",
        conflicts_with = "dead_letters"
    )]
    paths: Vec<PathBuf>,
    /// Replay the dead letters of the state table (--table) instead of files: the updates given
    /// up for a permanent error, oldest first. Needs --secret.
    #[arg(long, requires = "secret")]
    dead_letters: bool,
    #[command(flatten)]
    selection: Selection,
    /// The webhook URL: `cargo lambda watch` serves the function at
    /// http://127.0.0.1:9000/lambda-url/webhook/, a deployed stack at its WebhookUrl output
    /// (the default with --stack).
    #[arg(long, env = "WEBHOOK_URL", required_unless_present_any = ["stack", "config_env"])]
    url: Option<String>,
    /// The secret sent in X-Telegram-Bot-Api-Secret-Token, replacing the events' own.
    /// Without it, wrapped events keep theirs and bare updates go without one.
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Send the secret header a wrapped event carries (e.g. a wrong one, to see the 401)
    /// instead of --secret; bare updates still get --secret.
    #[arg(long)]
    keep_secret: bool,
    /// Pause between two events, in milliseconds.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Stop at the first event not answered 2xx.
    #[arg(long)]
    stop_on_error: bool,
    /// How long to wait for each answer, in seconds (the first request to `cargo lambda watch`
    /// compiles the function).
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
}

/// What the webhook did with one event.
#[derive(Debug)]
enum Answer {
    Http {
        status: u16,
        body: String,
        elapsed: Duration,
    },
    /// No HTTP answer: connection refused, timeout, broken connection.
    Nothing { error: String, elapsed: Duration },
}

impl Answer {
    fn is_success(&self) -> bool {
        matches!(self, Answer::Http { status, .. } if (200..300).contains(status))
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Summary {
    total: usize,
    sent: usize,
    answered_2xx: usize,
    /// Dead letters only: replays acknowledged but given up again (a fresh letter is kept).
    dead_again: usize,
    /// Dead letters only: not sent, because an invocation holds the update or the letter is gone.
    skipped: usize,
}

impl Summary {
    fn failed(&self) -> usize {
        self.sent - self.answered_2xx
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sent, {} answered 2xx, {} failed",
            self.sent,
            self.answered_2xx,
            self.failed()
        )?;
        if self.dead_again > 0 {
            write!(f, ", {} dead-lettered again", self.dead_again)?;
        }
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped)?;
        }
        if self.sent + self.skipped < self.total {
            write!(
                f,
                ", {} not sent (--stop-on-error)",
                self.total - self.sent - self.skipped
            )?;
        }
        Ok(())
    }
}

/// Why the command could not replay at all.
enum Failure {
    Unreadable(anyhow::Error),
    Other(anyhow::Error),
}

/// Runs the command and turns its outcome into the documented exit code.
pub async fn main(args: Args) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match run(args, &mut out).await {
        Ok(summary) if summary.failed() == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(EXIT_NOT_2XX),
        Err(Failure::Unreadable(err)) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_UNREADABLE)
        }
        Err(Failure::Other(err)) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args, out: &mut impl Write) -> Result<Summary, Failure> {
    let url = args
        .selection
        .stack
        .output_unless(args.url.clone(), "WebhookUrl")
        .await
        .map_err(Failure::Other)?
        .context(
            "give --url (or WEBHOOK_URL), or --stack NAME / --config-env ENV to read the \
             stack's WebhookUrl output",
        )
        .map_err(Failure::Other)?;
    let url: reqwest::Url = url
        .parse()
        .context("--url is not a URL")
        .map_err(Failure::Other)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Failure::Other(anyhow::anyhow!(
            "--url must be http:// or https://, got {url}"
        )));
    }
    let secret = match args.secret.as_deref() {
        Some(s) => Some(
            WebhookSecret::new(s)
                .context("--secret")
                .map_err(Failure::Other)?,
        ),
        None => None,
    };
    let (events, archive) = if args.dead_letters {
        let (store, table) = args.selection.store().await.map_err(Failure::Other)?;
        let letters = args
            .selection
            .load(&store, &table)
            .await
            .map_err(Failure::Other)?;
        if letters.is_empty() {
            writeln!(
                out,
                "lambdagram replay: no dead letters in {} (table {table})",
                args.selection.describe()
            )
            .map_err(|e| Failure::Other(e.into()))?;
            return Ok(Summary::default());
        }
        let events = letters.iter().map(dead_letter_event).collect();
        (events, Some((store, letters)))
    } else {
        let events = events::load_all(&args.paths).map_err(Failure::Unreadable)?;
        if events.is_empty() {
            return Err(Failure::Unreadable(anyhow::anyhow!(
                "no .json event files in {}",
                display_paths(&args.paths)
            )));
        }
        (events, None)
    };
    let client = lambdagram::telegram::http_client()
        .context("building the HTTP client")
        .map_err(Failure::Other)?;
    let timeout = Duration::from_secs(args.timeout_secs.max(1));

    let io = |e: std::io::Error| Failure::Other(e.into());
    let where_from = match (&secret, args.keep_secret) {
        (Some(_), false) => "the given secret",
        (Some(_), true) => "each event's own secret, else the given one",
        (None, _) => "each event's own secret (bare updates: none)",
    };
    writeln!(
        out,
        "lambdagram replay: {} event{} to {url}, with {where_from}\n",
        events.len(),
        if events.len() == 1 { "" } else { "s" }
    )
    .map_err(io)?;

    let mut summary = Summary {
        total: events.len(),
        ..Summary::default()
    };
    for (i, ev) in events.iter().enumerate() {
        if i > 0 && args.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(args.delay_ms)).await;
        }
        // The header first, so a slow answer shows which event it is waiting for.
        write!(
            out,
            "[{}/{}] {} · {}\n  → ",
            i + 1,
            events.len(),
            ev.name,
            transcript::describe_update(&ev.body)
        )
        .map_err(io)?;
        out.flush().map_err(io)?;

        // A dead letter's update is reopened in the ledger first, and marked with a token.
        let letter = archive
            .as_ref()
            .map(|(store, letters)| (store, &letters[i]));
        let token = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let reopened_at = lambdagram::time::now();
        if let Some((store, letter)) = letter {
            match store.reopen(letter, &token, reopened_at).await {
                Ok(Reopened::Ready) => {}
                Ok(skip) => {
                    let why = match skip {
                        Reopened::InFlight => "an invocation is handling this update right now",
                        _ => "the dead letter is gone (replayed or expired meanwhile)",
                    };
                    writeln!(out, "skipped: {why}").map_err(io)?;
                    summary.skipped += 1;
                    continue;
                }
                Err(e) => {
                    return Err(Failure::Other(
                        anyhow::Error::new(e).context("cannot reopen the update in the ledger"),
                    ))
                }
            }
        }

        let header = secret_for(ev, secret.as_ref(), args.keep_secret);
        let answer = send(&client, &url, ev, header, timeout).await;
        write!(out, "{}", describe_answer(&answer)).map_err(io)?;
        if let (Some((store, letter)), true) = (letter, answer.is_success()) {
            let now = lambdagram::time::now();
            match store.settle(letter, &token, reopened_at, now).await {
                Ok(Settled::Handled) => {
                    write!(out, " · handled, dead letter deleted").map_err(io)?
                }
                Ok(Settled::GivenUpAgain) => {
                    summary.dead_again += 1;
                    write!(
                        out,
                        " · given up again: the webhook kept a fresh dead letter"
                    )
                    .map_err(io)?
                }
                Err(e) => {
                    write!(out, " · the dead letter could not be settled: {e}").map_err(io)?
                }
            }
        }
        writeln!(out).map_err(io)?;
        out.flush().map_err(io)?;

        summary.sent += 1;
        if answer.is_success() {
            summary.answered_2xx += 1;
        } else if args.stop_on_error {
            writeln!(out, "\nstopped at the first failure (--stop-on-error)").map_err(io)?;
            break;
        }
    }
    writeln!(out, "\n{summary}").map_err(io)?;
    Ok(summary)
}

/// A dead letter as an event: its update, sent with the given secret.
fn dead_letter_event(letter: &DeadLetter) -> Event {
    Event {
        name: format!(
            "dead letter of {} ({} · {} {})",
            dead_letters::when(letter.at),
            letter.route,
            letter.step,
            letter.class
        ),
        body: letter.update.clone(),
        secret: None,
    }
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The secret header an event is sent with.
fn secret_for<'a>(
    ev: &'a Event,
    given: Option<&'a WebhookSecret>,
    keep_own: bool,
) -> Option<&'a str> {
    let own = ev.secret.as_deref();
    let given = given.map(WebhookSecret::expose);
    if keep_own {
        own.or(given)
    } else {
        given.or(own)
    }
}

/// Posts one event's body the way Telegram posts an update.
async fn send(
    client: &reqwest::Client,
    url: &reqwest::Url,
    ev: &Event,
    secret: Option<&str>,
    timeout: Duration,
) -> Answer {
    let started = Instant::now();
    let mut req = client
        .post(url.clone())
        .timeout(timeout)
        .header("content-type", "application/json")
        .body(ev.body.clone());
    if let Some(secret) = secret {
        req = req.header(SECRET_HEADER, secret);
    }
    let result = async {
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let body = resp.text().await?;
        Ok::<_, reqwest::Error>((status, body))
    }
    .await;
    let elapsed = started.elapsed();
    match result {
        Ok((status, body)) => Answer::Http {
            status,
            body,
            elapsed,
        },
        Err(err) => Answer::Nothing {
            error: transport_error(&err, timeout),
            elapsed,
        },
    }
}

/// Why there was no answer, in a few words ("connection refused" is reqwest's innermost cause).
fn transport_error(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {} s", timeout.as_secs());
    }
    let mut innermost: &dyn std::error::Error = err;
    while let Some(cause) = innermost.source() {
        innermost = cause;
    }
    if err.is_connect() {
        format!("cannot connect: {innermost}")
    } else {
        format!("{err}: {innermost}")
    }
}

fn millis(d: Duration) -> u128 {
    d.as_millis()
}

fn describe_answer(answer: &Answer) -> String {
    match answer {
        Answer::Http {
            status,
            body,
            elapsed,
        } => {
            let head = format!("HTTP {status} in {} ms", millis(*elapsed));
            if (200..300).contains(status) {
                return match webhook_reply(body) {
                    Some(reply) => format!("{head} · webhook reply {reply}"),
                    None if body.trim().is_empty() => head,
                    None => format!("{head} · answered {:?}", excerpt(body)),
                };
            }
            let why = match status {
                401 => "unauthorized: the webhook refused the secret header",
                413 => "too large: the webhook refused the body",
                500..=599 => "not handled: Telegram would redeliver this update",
                _ => "not 2xx: Telegram would retry this update",
            };
            if body.trim().is_empty() {
                format!("{head} ✗ {why}")
            } else {
                format!("{head} ✗ {why} ({:?})", excerpt(body))
            }
        }
        Answer::Nothing { error, elapsed } => format!(
            "no answer after {} ms ✗ {error}: Telegram would redeliver this update",
            millis(*elapsed)
        ),
    }
}

/// A webhook reply is a Bot API method in the answer's body: `{"method": "sendMessage", …}`.
fn webhook_reply(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let mut params = value.as_object()?.clone();
    let method = params.remove("method")?.as_str()?.to_owned();
    Some(transcript::describe_method(
        &method,
        &serde_json::Value::Object(params),
    ))
}

fn excerpt(body: &str) -> String {
    const MAX: usize = 200;
    let body = body.trim();
    match body.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, body: &str) -> Answer {
        Answer::Http {
            status,
            body: body.into(),
            elapsed: Duration::from_millis(7),
        }
    }

    #[test]
    fn answers_read_as_telegram_would_see_them() {
        assert_eq!(describe_answer(&http(200, "")), "HTTP 200 in 7 ms");
        assert_eq!(
            describe_answer(&http(
                200,
                r#"{"method":"sendMessage","chat_id":1,"text":"hi"}"#
            )),
            r#"HTTP 200 in 7 ms · webhook reply sendMessage to 1: "hi""#
        );
        assert_eq!(
            describe_answer(&http(500, "")),
            "HTTP 500 in 7 ms ✗ not handled: Telegram would redeliver this update"
        );
        assert_eq!(
            describe_answer(&http(502, r#"{"message":"Internal Server Error"}"#)),
            r#"HTTP 502 in 7 ms ✗ not handled: Telegram would redeliver this update ("{\"message\":\"Internal Server Error\"}")"#
        );
        assert!(describe_answer(&http(401, "")).contains("✗ unauthorized"));
        assert!(!http(401, "").is_success() && http(204, "").is_success());
    }

    #[test]
    fn the_given_secret_replaces_the_events_own_unless_kept() {
        let given = WebhookSecret::new("given").expect("valid");
        let wrapped = Event {
            name: "a".into(),
            body: "{}".into(),
            secret: Some("own".into()),
        };
        let bare = Event {
            name: "b".into(),
            body: "{}".into(),
            secret: None,
        };
        assert_eq!(secret_for(&wrapped, Some(&given), false), Some("given"));
        assert_eq!(secret_for(&wrapped, Some(&given), true), Some("own"));
        assert_eq!(secret_for(&bare, Some(&given), true), Some("given"));
        assert_eq!(secret_for(&wrapped, None, false), Some("own"));
        assert_eq!(secret_for(&bare, None, false), None);
    }

    #[test]
    fn the_summary_counts_what_was_not_sent() {
        let s = Summary {
            total: 5,
            sent: 3,
            answered_2xx: 2,
            ..Summary::default()
        };
        assert_eq!(
            s.to_string(),
            "3 sent, 2 answered 2xx, 1 failed, 2 not sent (--stop-on-error)"
        );
        assert_eq!(excerpt(&"é".repeat(300)).chars().count(), 201);
    }
}
