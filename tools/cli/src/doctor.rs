//! `lambdagram doctor`: checks a deployment from the outside and says how to fix each problem.
//!
//! The token (`getMe`), the webhook as Telegram holds it (`getWebhookInfo`: the URL, the backlog,
//! the last delivery error, the update kinds the route table needs) and, given the state table,
//! the bot's rights in every protected group and its channels, checked live as `/status` does.

use std::future::Future;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use channel_guard::admin::AdminChecks;
use channel_guard::admin_texts as texts;
use channel_guard::config::{GroupConfig, LinkedChannel};
use channel_guard::rights::Right;
use channel_guard::store::GroupDirectory;
use lambdagram::telegram::{BotApi, RetryPolicy};
use serde_json::{json, Value};

use crate::dev::{ApiFailure, RawApi};

/// Exit code: the checks ran and found at least one problem (marked ✗).
pub const EXIT_PROBLEMS: u8 = 3;
/// Exit code: something could not be checked (no token, the token refused, Telegram or the
/// table unreachable) and no problem was found in what could be.
pub const EXIT_UNCHECKED: u8 = 4;

/// A delivery error younger than this is a problem; an older one is only mentioned.
const RECENT_ERROR_SECS: i64 = 3600;

/// Update kinds Telegram does not deliver unless `allowed_updates` names them.
const NOT_IN_DEFAULT: &[&str] = &["chat_member", "message_reaction", "message_reaction_count"];

const URL_HOW: &str = "or --stack NAME to read the stack's WebhookUrl output";
const TABLE_HOW: &str = "or --stack NAME to read the stack's TableName output";
const LOGS_HOW: &str = "sam logs --stack-name lambdagram -n WebhookFunction --tail";

pub const ABOUT: &str =
    "Check a deployment: the token, the webhook, the bot's rights in protected groups";

pub const LONG_ABOUT: &str = "\
Check a deployment and print each problem with its fix.

Checks the token (getMe); the webhook as Telegram holds it (getWebhookInfo): that it points at \
the stack's URL (--url or WEBHOOK_URL), the updates waiting for delivery, the last delivery error \
and when it happened, and that allowed_updates includes every kind the route table needs; and, \
with --table (the stack's state table), the bot's rights in every protected group and in each \
of its linked channels, asked live as /status does.

Token from BOT_TOKEN, Bot API from TELEGRAM_API_URL; DynamoDB credentials, region and \
AWS_ENDPOINT_URL_DYNAMODB as the AWS SDK reads them. Finding the protected groups scans the \
table, which is fine for a check run now and then.

Each check prints one line: ✓ fine, ✗ a problem (with the fix), ! worth a look (does not \
change the exit code), - not checked, ? could not be checked.";

pub const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed (warnings marked ! do not count)
  2  invalid arguments
  3  problems were found (marked ✗)
  4  something could not be checked (no token, the token refused, Telegram or the table
     unreachable; marked ?) and no problem was found in the rest";

/// The options; the help texts are [`ABOUT`], [`LONG_ABOUT`] and [`EXIT_CODES`].
#[derive(clap::Args)]
pub struct Args {
    /// The stack's webhook URL (its WebhookUrl output), which Telegram must deliver to.
    #[arg(long, env = "WEBHOOK_URL")]
    url: Option<String>,
    /// The stack's DynamoDB state table (its TableName output), to check every protected group.
    #[arg(long, env = "TABLE_NAME", value_name = "NAME")]
    table: Option<String>,
    /// Warn when more updates than this wait for delivery.
    #[arg(long, default_value_t = 100, value_name = "N")]
    max_pending: u64,
    #[command(flatten)]
    stack: crate::stack::StackArgs,
}

pub async fn main(mut args: Args) -> ExitCode {
    // --stack: the URL and the table from its outputs, unless given.
    let from_stack = async {
        let url = args
            .stack
            .output_unless(args.url.clone(), "WebhookUrl")
            .await?;
        let table = args
            .stack
            .output_unless(args.table.clone(), "TableName")
            .await?;
        anyhow::Ok((url, table))
    };
    match from_stack.await {
        Ok((url, table)) => (args.url, args.table) = (url, table),
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::FAILURE;
        }
    }
    let mut report = Report::default();
    check(&args, &mut report).await;
    report.summary()
}

async fn check(args: &Args, report: &mut Report) {
    let Some(token) = lambdagram::config::optional("BOT_TOKEN") else {
        report.unchecked(
            "token",
            "BOT_TOKEN is not set",
            "export BOT_TOKEN=\"$(aws ssm get-parameter --name /lambdagram/bot-token \
             --with-decryption --query Parameter.Value --output text)\"",
        );
        return;
    };
    let api_url = lambdagram::config::telegram_api_url();
    let api = match RawApi::new(&token, &api_url) {
        Ok(api) => api,
        Err(e) => {
            report.unchecked("Telegram", &format!("{e:#}"), "fix TELEGRAM_API_URL");
            return;
        }
    };

    let me = match checking("the token", api.call("getMe", &json!({}))).await {
        Ok(me) => me,
        Err(ApiFailure::Refused {
            code, description, ..
        }) => {
            report.unchecked(
                "token",
                &format!("the token is wrong: Telegram answered {code} {description}"),
                "copy the token from @BotFather (/mybots → the bot → API Token) into BOT_TOKEN \
                 (and into SSM, /lambdagram/bot-token, if the stack has an old one)",
            );
            return;
        }
        Err(e) => {
            report.unchecked(
                "token",
                &format!("cannot reach Telegram at {api_url}: {e}"),
                "check the network (and TELEGRAM_API_URL), then run doctor again",
            );
            return;
        }
    };
    let username = me["username"].as_str().unwrap_or_default().to_owned();
    report.ok(&format!(
        "token: the bot is @{username} (id {})",
        me["id"].as_i64().unwrap_or_default()
    ));

    match checking("the webhook", api.call("getWebhookInfo", &json!({}))).await {
        Ok(info) => webhook(&info, args, report),
        Err(e) => report.unchecked(
            "webhook",
            &e.to_string(),
            "check the network, then run doctor again",
        ),
    }

    match &args.table {
        None => report.skipped(&format!(
            "protected groups: not checked; give --table NAME ({TABLE_HOW})"
        )),
        Some(table) => match BotApi::new(&token, &api_url) {
            Ok(bot) => groups(&bot, &username, table, report).await,
            Err(e) => report.unchecked("protected groups", &e.to_string(), "fix TELEGRAM_API_URL"),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The webhook.

fn webhook(info: &Value, args: &Args, report: &mut Report) {
    let set_again = |url: &str| {
        format!("lambdagram webhook set --url {url} --secret-from-ssm /lambdagram/webhook-secret (the stack's WebhookSecretParameter)")
    };
    let expected = args.url.as_deref().map(|u| u.trim_end_matches('/'));
    let actual = info["url"].as_str().unwrap_or_default();
    if actual.is_empty() {
        report.problem(
            "webhook: none is set, so Telegram delivers updates to nobody (or to a getUpdates client such as `lambdagram dev`)",
            &set_again(expected.unwrap_or("<WebhookUrl>")),
        );
        if expected.is_none() {
            report.note(&format!("give --url, {URL_HOW}"));
        }
        return;
    }
    match expected {
        Some(expected) if actual.trim_end_matches('/') == expected => {
            report.ok(&format!("webhook: Telegram delivers to {actual}, the stack's URL"));
        }
        Some(expected) => report.problem(
            &format!("webhook: Telegram delivers to {actual}, not to the stack's {expected}"),
            &set_again(expected),
        ),
        None => report.skipped(&format!(
            "webhook: Telegram delivers to {actual}; not compared with the stack's URL (give --url or WEBHOOK_URL, {URL_HOW})"
        )),
    }
    let target = expected.unwrap_or(actual);

    let pending = info["pending_update_count"].as_u64().unwrap_or_default();
    if pending > args.max_pending {
        report.warn(
            &format!("{pending} updates wait for delivery (more than {})", args.max_pending),
            &format!("the webhook answers slowly or fails: see the last error and the webhook function's logs ({LOGS_HOW})"),
        );
    } else {
        report.ok(&format!("{pending} updates wait for delivery"));
    }

    match (
        info["last_error_date"].as_i64(),
        info["last_error_message"].as_str(),
    ) {
        (Some(date), message) => {
            let message = message.unwrap_or("(no message)");
            let age = lambdagram::time::now() - date;
            let what = format!("last delivery error {}: {message}", ago(age));
            if age <= RECENT_ERROR_SECS {
                report.problem(
                    &what,
                    &format!("see why the webhook answered so in its logs ({LOGS_HOW}); a 401 means the secret in SSM and the webhook's differ: {}", set_again(target)),
                );
            } else {
                report.warn(
                    &what,
                    "older than an hour: probably over, unless it comes back",
                );
            }
        }
        (None, _) => report.ok("no delivery error"),
    }

    let have: Vec<&str> = info["allowed_updates"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let need = channel_guard::ROUTES.allowed_updates();
    let missing: Vec<&str> = need
        .iter()
        .copied()
        .filter(|k| {
            if have.is_empty() {
                NOT_IN_DEFAULT.contains(k)
            } else {
                !have.contains(k)
            }
        })
        .collect();
    if missing.is_empty() {
        report.ok(&format!(
            "allowed_updates: every kind the routes need ({})",
            need.join(", ")
        ));
    } else {
        let list = if have.is_empty() {
            "Telegram's default list (every kind but chat_member and reactions)".to_owned()
        } else {
            have.join(", ")
        };
        report.problem(
            &format!(
                "allowed_updates: {list} leaves out {}, which the routes need",
                missing.join(", ")
            ),
            &format!("{} — it sends the route table's list", set_again(target)),
        );
    }
}

/// "5 s ago", "3 min ago", "2 h ago", "4 days ago".
fn ago(secs: i64) -> String {
    match secs.max(0) {
        s if s < 60 => format!("{s} s ago"),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

// ---------------------------------------------------------------------------------------------
// Protected groups.

async fn groups(bot: &BotApi, username: &str, table: &str, report: &mut Report) {
    let config = match lambdagram::aws::sdk_config().await {
        Ok(config) => config,
        Err(e) => {
            report.unchecked("protected groups", &e.to_string(), "set SSL_CERT_FILE");
            return;
        }
    };
    let store = lambdagram::aws::DynamoStore::new(lambdagram::aws::dynamodb_client(&config), table);
    let all = match checking("the protected groups", store.all_groups()).await {
        Ok(all) => all,
        Err(e) => {
            report.unchecked(
                "protected groups",
                &format!("cannot read the table {table}: {e}"),
                "check the table name, the AWS credentials and region",
            );
            return;
        }
    };
    let (on, off): (Vec<GroupConfig>, Vec<GroupConfig>) =
        all.into_iter().partition(GroupConfig::is_active);
    if on.is_empty() {
        report.skipped(&format!("protected groups: none in {table}"));
    }
    let checks = AdminChecks {
        bot,
        retry: RetryPolicy::until(lambdagram::time::now_ms() + 20_000),
    };
    for group in &on {
        let ids: Vec<i64> = group.channels.iter().map(|c| c.id).collect();
        let what = format!("group {}", group.group_id);
        let rights = match checking(&what, checks.bot_rights(group.group_id, &ids)).await {
            Ok(rights) => rights,
            Err(e) => {
                report.unchecked(&what, &e.to_string(), "run doctor again");
                continue;
            }
        };
        if rights.complete() {
            report.ok(&format!(
                "{what}: the bot has its rights there and in its {} linked channel(s)",
                group.channels.len()
            ));
            continue;
        }
        group_rights(group.group_id, &rights.group, username, report);
        for channel in &group.channels {
            if !rights.missing_in(channel.id).is_empty() {
                let label = channel_label(channel);
                let state = texts::STATUS_CHANNEL_NOT_ADMIN.get(lambdagram::i18n::EN);
                report.problem(
                    &format!(
                        "channel {label} (linked to {what}): the bot {}",
                        without_mark(state).replacen("I am", "is", 1).replace(": I ", ": it ")
                    ),
                    &format!("make @{username} an administrator of {label} (no particular right is needed)"),
                );
            }
        }
    }
    if !off.is_empty() {
        report.skipped(&format!(
            "{} group(s) with protection off: not checked",
            off.len()
        ));
    }
}

fn group_rights(group_id: i64, missing: &[Right], username: &str, report: &mut Report) {
    let what = format!("group {group_id}");
    if missing.contains(&Right::Administrator) {
        report.problem(
            &format!(
                "{what}: the bot {}",
                without_mark(texts::STATUS_GROUP_NOT_ADMIN.get(lambdagram::i18n::EN))
                    .replacen("I am", "is", 1)
            ),
            &format!(
                "make @{username} an administrator of the group with the rights “{}” and “{}”",
                texts::right_name(Right::RestrictMembers).get(lambdagram::i18n::EN),
                texts::right_name(Right::DeleteMessages).get(lambdagram::i18n::EN)
            ),
        );
        return;
    }
    for right in missing {
        let line = texts::group_right_line(*right, false);
        report.problem(
            &format!(
                "{what}: the bot {}",
                without_mark(line.get(lambdagram::i18n::EN))
            ),
            &format!(
                "give @{username} the administrator right “{}” in the group",
                texts::right_name(*right).get(lambdagram::i18n::EN)
            ),
        );
    }
}

fn without_mark(text: &str) -> &str {
    text.trim_start_matches(['✓', '✗']).trim_start()
}

fn channel_label(c: &LinkedChannel) -> String {
    match &c.username {
        Some(u) => format!("@{u}"),
        None => format!("“{}” ({})", c.title, c.id),
    }
}

// ---------------------------------------------------------------------------------------------
// Output.

#[derive(Default)]
struct Report {
    problems: u32,
    unchecked: u32,
    warnings: u32,
    passed: u32,
}

impl Report {
    fn ok(&mut self, what: &str) {
        self.passed += 1;
        println!("✓ {what}");
    }

    fn problem(&mut self, what: &str, fix: &str) {
        self.problems += 1;
        println!("✗ {what}\n    fix: {fix}");
    }

    fn warn(&mut self, what: &str, advice: &str) {
        self.warnings += 1;
        println!("! {what}\n    {advice}");
    }

    fn skipped(&mut self, what: &str) {
        println!("- {what}");
    }

    fn note(&mut self, what: &str) {
        println!("    {what}");
    }

    fn unchecked(&mut self, what: &str, why: &str, fix: &str) {
        self.unchecked += 1;
        println!("? {what}: could not check: {why}\n    fix: {fix}");
    }

    fn summary(&self) -> ExitCode {
        let plural =
            |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let warnings = if self.warnings > 0 {
            format!(", {}", plural(self.warnings, "warning", "warnings"))
        } else {
            String::new()
        };
        println!();
        if self.problems > 0 {
            println!(
                "{} found{warnings}",
                plural(self.problems, "problem", "problems")
            );
            ExitCode::from(EXIT_PROBLEMS)
        } else if self.unchecked > 0 {
            println!(
                "{} could not be checked{warnings}",
                plural(self.unchecked, "thing", "things")
            );
            ExitCode::from(EXIT_UNCHECKED)
        } else {
            println!("all {} checks passed{warnings}", self.passed);
            ExitCode::SUCCESS
        }
    }
}

/// Awaits `work`, showing a spinner with "checking {what}…" on a terminal meanwhile.
async fn checking<T>(what: &str, work: impl Future<Output = T>) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    tokio::pin!(work);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut frame = 0;
    let out = loop {
        tokio::select! {
            out = &mut work => break out,
            _ = tick.tick() => {
                eprint!("\r\x1b[2K{} checking {what}…", FRAMES[frame % FRAMES.len()]);
                frame += 1;
            }
        }
    };
    eprint!("\r\x1b[2K");
    out
}
