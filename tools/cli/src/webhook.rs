//! `lambdagram webhook set|info|delete`: the webhook, configured from the route table.

use anyhow::{bail, Context};
use channel_guard::ROUTES;
use clap::Subcommand;
use lambdagram::i18n::Lang;
use lambdagram::routes::MenuScope;
use lambdagram::secret::WebhookSecret;
use lambdagram::teloxide_core::payloads::{
    DeleteWebhookSetters, SetMyCommandsSetters, SetWebhookSetters,
};
use lambdagram::teloxide_core::prelude::*;
use lambdagram::teloxide_core::types::{AllowedUpdate, BotCommand, BotCommandScope};
use lambdagram::teloxide_core::Bot;

#[derive(Subcommand)]
pub enum Action {
    /// Point Telegram at the webhook URL, with a secret and the route table's allowed_updates,
    /// and publish the command menu in every language.
    Set {
        /// The webhook URL (the stack's `WebhookUrl` output).
        #[arg(long)]
        url: String,
        /// The secret token; default: WEBHOOK_SECRET, else a new random one (printed once).
        #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// Simultaneous HTTPS connections Telegram may open (1-100).
        #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u8).range(1..=100))]
        max_connections: u8,
        /// Drop the updates waiting for delivery.
        #[arg(long)]
        drop_pending_updates: bool,
        /// Do not call setMyCommands.
        #[arg(long)]
        no_commands: bool,
    },
    /// Show what Telegram knows about the webhook, and whether it matches the route table.
    Info,
    /// Remove the webhook.
    Delete {
        /// Drop the updates waiting for delivery.
        #[arg(long)]
        drop_pending_updates: bool,
    },
}

/// Update kinds Telegram does not deliver unless `allowed_updates` names them.
const NOT_IN_DEFAULT: &[&str] = &["chat_member", "message_reaction", "message_reaction_count"];

fn bot() -> anyhow::Result<Bot> {
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

pub async fn run(action: Action) -> anyhow::Result<()> {
    let bot = bot()?;
    match action {
        Action::Set {
            url,
            secret,
            max_connections,
            drop_pending_updates,
            no_commands,
        } => {
            let url: reqwest::Url = url.parse().context("--url is not a URL")?;
            if url.scheme() != "https" {
                bail!("Telegram only delivers to https:// webhook URLs, got {url}");
            }
            let (secret, generated) = match secret {
                Some(s) => (WebhookSecret::new(&s)?, false),
                None => (WebhookSecret::generate()?, true),
            };
            let kinds = ROUTES.allowed_updates();
            bot.set_webhook(url.clone())
                .secret_token(secret.expose().to_owned())
                .allowed_updates(to_allowed(&kinds)?)
                .max_connections(max_connections)
                .drop_pending_updates(drop_pending_updates)
                .await
                .context("setWebhook failed")?;
            println!("webhook set: {url}");
            println!("allowed_updates: {}", kinds.join(", "));
            if generated {
                println!("generated secret (store it where the webhook function reads it):");
                println!("  {}", secret.expose());
                println!(
                    "  aws ssm put-parameter --name /lambdagram/webhook-secret --type SecureString --overwrite --value '{}'",
                    secret.expose()
                );
            }
            if !no_commands {
                publish_commands(&bot).await?;
            }
        }
        Action::Info => {
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
            let missing: Vec<_> = ROUTES
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
        }
        Action::Delete {
            drop_pending_updates,
        } => {
            bot.delete_webhook()
                .drop_pending_updates(drop_pending_updates)
                .await
                .context("deleteWebhook failed")?;
            println!("webhook deleted");
        }
    }
    Ok(())
}

/// setMyCommands from the route table: one menu per scope (administrators' commands only in
/// `all_chat_administrators`), in English by default and one per other language.
async fn publish_commands(bot: &Bot) -> anyhow::Result<()> {
    for scope in MenuScope::ALL {
        for lang in Lang::ALL {
            let commands: Vec<BotCommand> = ROUTES
                .menu(scope)
                .map(|(c, d)| BotCommand::new(c, d.get(lang)))
                .collect();
            let req = bot.set_my_commands(commands).scope(bot_scope(scope));
            let req = if lang == Lang::En {
                req
            } else {
                req.language_code(lang.code())
            };
            req.await.with_context(|| {
                format!("setMyCommands ({}, {}) failed", scope.as_str(), lang.code())
            })?;
        }
    }
    println!(
        "command menus published ({} scopes, {} languages)",
        MenuScope::ALL.len(),
        Lang::ALL.len()
    );
    Ok(())
}

fn bot_scope(scope: MenuScope) -> BotCommandScope {
    match scope {
        MenuScope::Default => BotCommandScope::Default,
        MenuScope::AllPrivateChats => BotCommandScope::AllPrivateChats,
        MenuScope::AllGroupChats => BotCommandScope::AllGroupChats,
        MenuScope::AllChatAdministrators => BotCommandScope::AllChatAdministrators,
    }
}
