//! `lambdagram webhook set|info|delete|rotate`: the webhook, configured from the route table.

use anyhow::{bail, Context};
use clap::Subcommand;
use lambdagram::routes::MenuScope;
use lambdagram::secret::{next_parameter, WebhookSecret};
use lambdagram::teloxide_core::payloads::{
    DeleteWebhookSetters, SetMyCommandsSetters, SetWebhookSetters,
};
use lambdagram::teloxide_core::prelude::*;
use lambdagram::teloxide_core::types::{AllowedUpdate, BotCommand, BotCommandScope};
use lambdagram::teloxide_core::Bot;

use crate::parameters::{Parameters, Ssm};
use crate::stack::{pick, Stack, StackArgs};

/// What to say when a command has neither a URL nor a stack to read it from.
const NO_URL: &str = "give --url (or WEBHOOK_URL), or --stack NAME / --config-env ENV to read \
                      the stack's WebhookUrl output";

#[derive(Subcommand)]
pub enum Action {
    /// Point Telegram at the webhook URL, with a secret and the route table's allowed_updates,
    /// and publish the command menu in every language.
    Set(SetArgs),
    /// Show what Telegram knows about the webhook, and whether it matches the route table
    /// (exit code 3 when it prints a problem).
    Info,
    /// Remove the webhook.
    Delete {
        /// Drop the updates waiting for delivery.
        #[arg(long)]
        drop_pending_updates: bool,
    },
    /// Replace the webhook secret with no window of refused updates: write the next secret to
    /// SSM (PARAMETER/next, which the webhook accepts beside the current one), setWebhook with
    /// it, then promote it to PARAMETER and delete PARAMETER/next.
    Rotate(RotateArgs),
}

#[derive(clap::Args)]
pub struct SetArgs {
    /// The webhook URL (default with --stack: the stack's `WebhookUrl` output).
    #[arg(long, env = "WEBHOOK_URL")]
    url: Option<String>,
    #[command(flatten)]
    stack: StackArgs,
    #[command(flatten)]
    secret: SecretArgs,
    /// Simultaneous HTTPS connections Telegram may open (1-100).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u8).range(1..=100))]
    max_connections: u8,
    /// Drop the updates waiting for delivery.
    #[arg(long)]
    drop_pending_updates: bool,
    /// Do not call setMyCommands.
    #[arg(long)]
    no_commands: bool,
}

/// Where the secret comes from: exactly one of `--secret` (or WEBHOOK_SECRET),
/// `--secret-from-ssm` and `--generate-secret`. A new secret is never made silently: the
/// webhook would answer 401 to every update until SSM held it.
#[derive(clap::Args)]
pub struct SecretArgs {
    /// The secret token the webhook function holds.
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Read the secret from this SSM SecureString (without NAME, with --stack: the stack's
    /// WebhookSecretParameter).
    #[arg(long, value_name = "NAME", num_args = 0..=1, conflicts_with = "generate_secret")]
    secret_from_ssm: Option<Option<String>>,
    /// Generate a new secret (288 bits from the OS's CSPRNG); store it with --write-ssm, or it
    /// is printed once for you to store.
    #[arg(long)]
    generate_secret: bool,
    /// Write the secret to this SSM SecureString (overwriting it) before calling setWebhook
    /// (without NAME, with --stack: the stack's WebhookSecretParameter).
    #[arg(long, value_name = "NAME", num_args = 0..=1, conflicts_with = "secret_from_ssm")]
    write_ssm: Option<Option<String>>,
}

#[derive(clap::Args)]
pub struct RotateArgs {
    /// The SSM SecureString the webhook function reads (default with --stack: the stack's
    /// WebhookSecretParameter).
    #[arg(long, env = "WEBHOOK_SECRET_PARAMETER", value_name = "NAME")]
    parameter: Option<String>,
    /// The webhook URL; default: the stack's WebhookUrl with --stack, else the URL Telegram has
    /// now.
    #[arg(long, env = "WEBHOOK_URL")]
    url: Option<String>,
    #[command(flatten)]
    stack: StackArgs,
}

/// `webhook info` printed a problem (as `doctor`'s "problems found").
pub const EXIT_PROBLEM: u8 = 3;

/// Update kinds Telegram does not deliver unless `allowed_updates` names them.
const NOT_IN_DEFAULT: &[&str] = &["chat_member", "message_reaction", "message_reaction_count"];

pub fn bot() -> anyhow::Result<Bot> {
    let token = lambdagram::config::optional("BOT_TOKEN")
        .context("set BOT_TOKEN to the token BotFather gave you")?;
    Ok(lambdagram::telegram::build_bot(
        &token,
        &lambdagram::config::telegram_api_url(),
    )?)
}

fn to_allowed(kinds: &[&str]) -> anyhow::Result<Vec<AllowedUpdate>> {
    kinds
        .iter()
        .map(|k| {
            serde_json::from_value(serde_json::json!(k)).with_context(|| format!("update kind {k}"))
        })
        .collect()
}

/// The route table of the bot `--bot` chose (set once, before anything runs).
static ROUTE_TABLE: std::sync::OnceLock<lambdagram::routes::RouteTable> =
    std::sync::OnceLock::new();

/// The table whose `allowed_updates` and command menus the webhook commands publish: the
/// chosen bot's, the channel guard's by default.
fn routes() -> lambdagram::routes::RouteTable {
    *ROUTE_TABLE.get().unwrap_or(&channel_guard::ROUTES)
}

pub async fn main(action: Action, bot_name: &str) -> std::process::ExitCode {
    match crate::gen_template::bot(bot_name) {
        Ok(chosen) => {
            let _ = ROUTE_TABLE.set(chosen.routes);
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            return std::process::ExitCode::from(2);
        }
    }
    match run(action, &Ssm::default()).await {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(EXIT_PROBLEM),
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs `action`; `Ok(false)` when it found a problem to report.
async fn run(action: Action, ssm: &impl Parameters) -> anyhow::Result<bool> {
    match action {
        Action::Set(args) => {
            let out = set(&bot()?, ssm, args).await?;
            print!("{out}");
            Ok(true)
        }
        Action::Info => info(&bot()?).await,
        Action::Delete {
            drop_pending_updates,
        } => {
            bot()?
                .delete_webhook()
                .drop_pending_updates(drop_pending_updates)
                .await
                .context("deleteWebhook failed")?;
            println!("webhook deleted");
            Ok(true)
        }
        Action::Rotate(args) => {
            let out = rotate(&bot()?, ssm, args).await?;
            print!("{out}");
            Ok(true)
        }
    }
}

fn https_url(url: &str) -> anyhow::Result<reqwest::Url> {
    let url: reqwest::Url = url.parse().context("--url is not a URL")?;
    if url.scheme() != "https" {
        bail!("Telegram only delivers to https:// webhook URLs, got {url}");
    }
    Ok(url)
}

/// The secret `args` name, validated, and whether it was generated here.
async fn choose_secret(
    args: &SecretArgs,
    stack: Option<&Stack>,
    ssm: &impl Parameters,
) -> anyhow::Result<(WebhookSecret, bool)> {
    let from_ssm = args
        .secret_from_ssm
        .as_ref()
        .map(|name| secret_parameter(name.as_deref(), stack, "--secret-from-ssm"))
        .transpose()?;
    match (&args.secret, &from_ssm, args.generate_secret) {
        (None, None, true) => Ok((WebhookSecret::generate()?, true)),
        (Some(secret), None, false) => Ok((WebhookSecret::new(secret)?, false)),
        (None, Some(name), false) => {
            let value = ssm
                .get(name)
                .await?
                .with_context(|| format!("SSM parameter {name} does not exist"))?;
            Ok((
                WebhookSecret::new(&value).with_context(|| format!("SSM parameter {name}"))?,
                false,
            ))
        }
        (None, None, false) => bail!(
            "say which secret the webhook uses: --secret (or WEBHOOK_SECRET), \
             --secret-from-ssm NAME, or --generate-secret [--write-ssm NAME]"
        ),
        _ => bail!(
            "--secret (or WEBHOOK_SECRET), --secret-from-ssm and --generate-secret exclude each \
             other: give one"
        ),
    }
}

/// The SSM parameter an option names, or without a name the stack's WebhookSecretParameter.
fn secret_parameter(
    named: Option<&str>,
    stack: Option<&Stack>,
    option: &str,
) -> anyhow::Result<String> {
    pick(
        named.map(str::to_owned),
        stack,
        |s| s.parameter("WebhookSecretParameter"),
        &format!("{option} needs a NAME, or --stack NAME / --config-env ENV to use the stack's WebhookSecretParameter"),
    )
}

/// The bot's username from getMe: what the functions must have been deployed with.
async fn bot_username(bot: &Bot) -> anyhow::Result<String> {
    let me = bot.get_me().await.context("getMe failed")?;
    me.user
        .username
        .context("getMe returned no username (is BOT_TOKEN a bot's token?)")
}

/// The functions recognise `/command@username` by the stack's BotUsername: a stack deployed
/// with another bot's name would treat every addressed command as someone else's.
fn check_deployed_username(stack: Option<&Stack>, username: &str) -> anyhow::Result<()> {
    let Some(stack) = stack else { return Ok(()) };
    let deployed = stack.parameter("BotUsername")?;
    if !deployed.eq_ignore_ascii_case(username) {
        bail!(
            "stack {} was deployed with BotUsername={deployed}, but BOT_TOKEN is @{username}'s \
             token: redeploy with `sam deploy --parameter-overrides BotUsername={username}` (or \
             use that bot's token); the webhook was not changed",
            stack.name
        );
    }
    Ok(())
}

/// `webhook set`: the report it prints.
async fn set(bot: &Bot, ssm: &impl Parameters, args: SetArgs) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let stack = args.stack.load().await?;
    let url = https_url(&pick(
        args.url.clone(),
        stack,
        |s| s.output("WebhookUrl"),
        NO_URL,
    )?)?;
    let write_ssm = args
        .secret
        .write_ssm
        .as_ref()
        .map(|name| secret_parameter(name.as_deref(), stack, "--write-ssm"))
        .transpose()?;
    let (secret, generated) = choose_secret(&args.secret, stack, ssm).await?;
    let username = bot_username(bot).await?;
    check_deployed_username(stack, &username)?;
    let mut out = String::new();
    match stack {
        Some(stack) => writeln!(
            out,
            "bot: @{username} (getMe; stack {} has BotUsername={username})",
            stack.name
        )?,
        None => writeln!(
            out,
            "bot: @{username} (getMe; deploy with BotUsername={username}, or give --stack to check)"
        )?,
    }
    // SSM first: once Telegram sends the secret, the webhook must already be able to read it.
    if let Some(name) = &write_ssm {
        ssm.put_secure(name, secret.expose()).await?;
        writeln!(out, "secret written to SSM parameter {name} (SecureString)")?;
    }
    let kinds = routes().allowed_updates();
    bot.set_webhook(url.clone())
        .secret_token(secret.expose().to_owned())
        .allowed_updates(to_allowed(&kinds)?)
        .max_connections(args.max_connections)
        .drop_pending_updates(args.drop_pending_updates)
        .await
        .context("setWebhook failed")?;
    writeln!(out, "webhook set: {url}")?;
    writeln!(out, "allowed_updates: {}", kinds.join(", "))?;
    if generated && write_ssm.is_none() {
        writeln!(
            out,
            "generated secret (store it where the webhook function reads it):"
        )?;
        writeln!(out, "  {}", secret.expose())?;
        writeln!(
            out,
            "  aws ssm put-parameter --name /lambdagram/webhook-secret --type SecureString --overwrite --value '{}'",
            secret.expose()
        )?;
    }
    if !args.no_commands {
        writeln!(out, "{}", publish_commands(bot).await?)?;
    }
    Ok(out)
}

/// `webhook rotate`: next secret to SSM, Telegram switched to it, then promoted.
async fn rotate(bot: &Bot, ssm: &impl Parameters, args: RotateArgs) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let stack = args.stack.load().await?;
    let info = bot
        .get_webhook_info()
        .await
        .context("getWebhookInfo failed")?;
    let url = match args
        .url
        .clone()
        .or_else(|| stack.and_then(|s| s.output("WebhookUrl").ok().map(str::to_owned)))
    {
        Some(url) => https_url(&url)?,
        None => match info.url {
            Some(url) => url,
            None => bail!("no webhook is set: run `lambdagram webhook set` first"),
        },
    };
    let current = &pick(
        args.parameter.clone(),
        stack,
        |s| s.parameter("WebhookSecretParameter"),
        "give --parameter NAME (or WEBHOOK_SECRET_PARAMETER), or --stack NAME / --config-env \
         ENV to use the stack's WebhookSecretParameter",
    )?;
    if ssm.get(current).await?.is_none() {
        bail!("SSM parameter {current} does not exist: is it the stack's WebhookSecretParameter?");
    }
    let next_name = next_parameter(current);
    let next = WebhookSecret::generate()?;
    let mut out = String::new();
    // 1. The webhook accepts the next secret (beside the current one) once SSM holds it.
    ssm.put_secure(&next_name, next.expose()).await?;
    writeln!(out, "1/3 next secret written to {next_name}")?;
    // 2. Telegram switches; what it sent with the current secret is still accepted.
    let mut request = bot
        .set_webhook(url.clone())
        .secret_token(next.expose().to_owned())
        .allowed_updates(to_allowed(&routes().allowed_updates())?);
    // Telegram's own limit is 1-100, so the u8 always holds it.
    if let Some(n) = info.max_connections.and_then(|n| u8::try_from(n).ok()) {
        request = request.max_connections(n);
    }
    if let Err(err) = request.await {
        // Nothing changed for Telegram: take the next secret back.
        ssm.delete(&next_name).await?;
        return Err(anyhow::Error::new(err).context("setWebhook failed; the secret is unchanged"));
    }
    writeln!(out, "2/3 webhook set with the next secret: {url}")?;
    // 3. The next secret becomes the current one.
    ssm.put_secure(current, next.expose()).await?;
    ssm.delete(&next_name).await?;
    writeln!(
        out,
        "3/3 {current} holds the new secret; {next_name} deleted"
    )?;
    Ok(out)
}

/// `webhook info`; `Ok(false)` when it printed a problem.
async fn info(bot: &Bot) -> anyhow::Result<bool> {
    let info = bot
        .get_webhook_info()
        .await
        .context("getWebhookInfo failed")?;
    let url = info.url.as_ref().map(|u| u.as_str()).unwrap_or("(none)");
    println!("url: {url}");
    println!("pending updates: {}", info.pending_update_count);
    if let Some(n) = info.max_connections {
        println!("max connections: {n}");
    }
    let have: Vec<String> = info
        .allowed_updates
        .clone()
        .unwrap_or_default()
        .iter()
        .filter_map(|u| serde_json::to_value(u).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    println!(
        "allowed updates: {}",
        if have.is_empty() {
            "(Telegram's default)".to_owned()
        } else {
            have.join(", ")
        }
    );
    let missing: Vec<_> = routes()
        .allowed_updates()
        .into_iter()
        .filter(|k| {
            if have.is_empty() {
                NOT_IN_DEFAULT.contains(k)
            } else {
                !have.iter().any(|h| h == k)
            }
        })
        .collect();
    if !missing.is_empty() {
        println!(
            "problem: the routes need {} — run `lambdagram webhook set` again",
            missing.join(", ")
        );
    }
    if let Some(msg) = &info.last_error_message {
        let when = info
            .last_error_date
            .map(|d| d.to_string())
            .unwrap_or_default();
        println!("last error: {msg} ({when})");
    }
    Ok(missing.is_empty())
}

/// setMyCommands from the route table: one menu per scope (administrators' commands only in
/// `all_chat_administrators`), in English by default and one per other language the bot speaks
/// (`RouteTable::command_menus`).
async fn publish_commands(bot: &Bot) -> anyhow::Result<String> {
    let menus = routes().command_menus();
    for menu in &menus {
        let commands: Vec<BotCommand> = menu
            .commands
            .iter()
            .map(|(c, d)| BotCommand::new(*c, *d))
            .collect();
        let req = bot.set_my_commands(commands).scope(bot_scope(menu.scope));
        let req = match menu.lang {
            None => req,
            Some(lang) => req.language_code(lang.code()),
        };
        let lang = menu
            .lang
            .map_or_else(|| "default".to_owned(), |l| l.to_string());
        req.await
            .with_context(|| format!("setMyCommands ({}, {lang}) failed", menu.scope.as_str()))?;
    }
    Ok(format!(
        "command menus published ({} scopes, {} languages)",
        MenuScope::ALL.len(),
        routes().catalogue().languages().len()
    ))
}

fn bot_scope(scope: MenuScope) -> BotCommandScope {
    match scope {
        MenuScope::Default => BotCommandScope::Default,
        MenuScope::AllPrivateChats => BotCommandScope::AllPrivateChats,
        MenuScope::AllGroupChats => BotCommandScope::AllGroupChats,
        MenuScope::AllChatAdministrators => BotCommandScope::AllChatAdministrators,
    }
}

/// `lambdagram whoami`: the bot's username from getMe, for `sam deploy --parameter-overrides
/// BotUsername=…` (the template has no default: a placeholder would deploy silently).
pub async fn whoami() -> anyhow::Result<()> {
    println!("{}", bot_username(&bot()?).await?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parameters::MemoryParameters;
    use channel_guard::ROUTES;
    use clap::Parser;
    use fake_bot_api::{FakeBotApi, Fault};

    const PARAMETER: &str = "/lambdagram/webhook-secret";

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        action: Action,
    }

    fn action(args: &[&str]) -> Action {
        Cli::try_parse_from(["webhook"].iter().chain(args))
            .expect("valid arguments")
            .action
    }

    fn set_args(args: &[&str]) -> SetArgs {
        match action(&[&["set", "--no-commands"], args].concat()) {
            Action::Set(set) => set,
            _ => unreachable!("a set"),
        }
    }

    fn rotate_args(args: &[&str]) -> RotateArgs {
        match action(&[&["rotate"], args].concat()) {
            Action::Rotate(rotate) => rotate,
            _ => unreachable!("a rotate"),
        }
    }

    /// Parameter Store in memory that notes, with each write, how many setWebhook calls
    /// Telegram had seen by then: the order of the roll is the point.
    struct Observed<'a> {
        inner: MemoryParameters,
        fake: &'a FakeBotApi,
        writes: std::sync::Mutex<Vec<String>>,
    }

    impl<'a> Observed<'a> {
        fn new(fake: &'a FakeBotApi) -> Self {
            Self {
                inner: MemoryParameters::default(),
                fake,
                writes: Default::default(),
            }
        }
        fn note(&self, what: String) {
            let seen = self.fake.calls_to("setWebhook").len();
            self.writes
                .lock()
                .expect("lock")
                .push(format!("{what} after {seen} setWebhook"));
        }
        fn writes(&self) -> Vec<String> {
            self.writes.lock().expect("lock").clone()
        }
    }

    impl Parameters for Observed<'_> {
        async fn get(&self, name: &str) -> anyhow::Result<Option<String>> {
            self.inner.get(name).await
        }
        async fn put_secure(&self, name: &str, value: &str) -> anyhow::Result<()> {
            self.note(format!("put {name}"));
            self.inner.put_secure(name, value).await
        }
        async fn delete(&self, name: &str) -> anyhow::Result<()> {
            self.note(format!("delete {name}"));
            self.inner.delete(name).await
        }
    }

    fn bot(fake: &FakeBotApi) -> Bot {
        lambdagram::telegram::build_bot(&fake.token(), &fake.base_url()).expect("bot")
    }

    fn telegram_secret(fake: &FakeBotApi) -> Option<String> {
        fake.world().webhook_info().secret_token
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_generated_secret_is_written_to_ssm_before_telegram_gets_it_and_not_printed() {
        let fake = FakeBotApi::start().await.expect("fake");
        let ssm = Observed::new(&fake);
        let args = set_args(&[
            "--url",
            "https://example.org/webhook",
            "--generate-secret",
            "--write-ssm",
            PARAMETER,
        ]);
        let out = set(&bot(&fake), &ssm, args).await.expect("set");
        assert_eq!(
            ssm.writes(),
            [format!("put {PARAMETER} after 0 setWebhook")]
        );
        let stored = ssm.inner.value(PARAMETER).expect("stored");
        assert_eq!(stored.len(), 48);
        assert_eq!(telegram_secret(&fake), Some(stored.clone()));
        assert!(!out.contains(&stored), "stored, so never printed: {out}");
        assert!(out.contains(&format!("secret written to SSM parameter {PARAMETER}")));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_secret_from_ssm_is_sent_as_it_is() {
        let fake = FakeBotApi::start().await.expect("fake");
        let ssm = Observed::new(&fake);
        ssm.inner
            .put_secure(PARAMETER, "from_ssm-secret_1")
            .await
            .expect("put");
        let args = set_args(&[
            "--url",
            "https://example.org/webhook",
            "--secret-from-ssm",
            PARAMETER,
        ]);
        let out = set(&bot(&fake), &ssm, args).await.expect("set");
        assert_eq!(telegram_secret(&fake).as_deref(), Some("from_ssm-secret_1"));
        assert!(ssm.writes().is_empty());
        assert!(!out.contains("from_ssm-secret_1"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_a_secret_source_nothing_is_sent_or_written() {
        let fake = FakeBotApi::start().await.expect("fake");
        let ssm = Observed::new(&fake);
        let mut args = set_args(&["--url", "https://example.org/webhook"]);
        // Whatever the environment of the test process holds.
        args.secret.secret = None;
        let err = set(&bot(&fake), &ssm, args).await.expect_err("refused");
        assert!(err.to_string().contains("--generate-secret"), "{err}");
        let mut args = set_args(&["--url", "https://example.org/webhook", "--generate-secret"]);
        args.secret.secret = Some("also_given".into());
        let err = set(&bot(&fake), &ssm, args).await.expect_err("refused");
        assert!(err.to_string().contains("exclude each other"), "{err}");
        let missing = set_args(&[
            "--url",
            "https://example.org/webhook",
            "--secret-from-ssm",
            "/nope",
        ]);
        let err = set(&bot(&fake), &ssm, missing).await.expect_err("refused");
        assert!(err.to_string().contains("/nope does not exist"), "{err}");
        assert!(fake.calls().is_empty(), "{:?}", fake.calls());
        assert!(ssm.writes().is_empty());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn rotate_writes_next_switches_telegram_then_promotes_and_deletes_next() {
        let fake = FakeBotApi::start().await.expect("fake");
        let ssm = Observed::new(&fake);
        ssm.inner
            .put_secure(PARAMETER, "old_secret-1")
            .await
            .expect("put");
        let bot = bot(&fake);
        bot.set_webhook("https://example.org/hook".parse().expect("url"))
            .secret_token("old_secret-1")
            .max_connections(7)
            .await
            .expect("setWebhook");

        let out = rotate(&bot, &ssm, rotate_args(&["--parameter", PARAMETER]))
            .await
            .expect("rotate");

        let next = format!("{PARAMETER}/next");
        assert_eq!(
            ssm.writes(),
            [
                format!("put {next} after 1 setWebhook"),
                format!("put {PARAMETER} after 2 setWebhook"),
                format!("delete {next} after 2 setWebhook"),
            ]
        );
        let new = ssm.inner.value(PARAMETER).expect("current");
        assert_ne!(new, "old_secret-1");
        assert_eq!(new.len(), 48);
        assert_eq!(ssm.inner.value(&next), None);
        let info = fake.world().webhook_info();
        assert_eq!(info.secret_token, Some(new.clone()));
        assert_eq!(info.url, "https://example.org/hook");
        assert_eq!(info.max_connections, Some(7));
        let sent = &fake.calls_to("setWebhook")[1].params;
        let want = serde_json::json!(ROUTES.allowed_updates()).to_string();
        assert_eq!(sent["allowed_updates"], serde_json::json!(want));
        assert!(!out.contains(&new), "{out}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_rotation_telegram_refuses_leaves_the_current_secret_alone() {
        let fake = FakeBotApi::start().await.expect("fake");
        let ssm = Observed::new(&fake);
        ssm.inner
            .put_secure(PARAMETER, "old_secret-1")
            .await
            .expect("put");
        let bot = bot(&fake);
        bot.set_webhook("https://example.org/hook".parse().expect("url"))
            .secret_token("old_secret-1")
            .await
            .expect("setWebhook");
        fake.inject(Fault::refused(
            "setWebhook",
            400,
            "Bad Request: bad webhook",
        ));

        let err = rotate(&bot, &ssm, rotate_args(&["--parameter", PARAMETER]))
            .await
            .expect_err("refused");

        assert!(
            format!("{err:#}").contains("the secret is unchanged"),
            "{err:#}"
        );
        let next = format!("{PARAMETER}/next");
        assert_eq!(
            ssm.writes(),
            [
                format!("put {next} after 1 setWebhook"),
                format!("delete {next} after 2 setWebhook"),
            ]
        );
        assert_eq!(ssm.inner.value(PARAMETER).as_deref(), Some("old_secret-1"));
        assert_eq!(telegram_secret(&fake).as_deref(), Some("old_secret-1"));
    }
}
