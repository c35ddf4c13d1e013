//! `lambdagram dead-letters`: lists the updates the webhook gave up for a permanent error (the
//! user blocked the bot, the chat is gone, a right is missing), from the stack's state table.
//! `lambdagram replay --dead-letters` sends them again.

use std::io::Write;

use anyhow::Context;
use lambdagram::aws::DynamoStore;
use lambdagram::ports::{DeadLetter, DeadLetterArchive};
use lambdagram::update::UpdateView;

pub const ABOUT: &str =
    "List the updates given up for a permanent error (dead letters) in the stack's state table";

pub const LONG_ABOUT: &str = "\
List the updates given up for a permanent error (dead letters) in the stack's state table.

A route that meets an error Telegram will not change its mind about (403 the user blocked the \
bot, 400 chat not found, not enough rights, ...) does not fail the update, which Telegram would \
redeliver forever: the webhook acknowledges it and keeps a dead letter for 14 days. Each line \
gives when, the update id, the route, the Bot API method that failed and Telegram's reason. \
`lambdagram replay --dead-letters` sends them to the webhook again (after fixing the cause).

DynamoDB is reached with the usual AWS settings (AWS_PROFILE or AWS_ACCESS_KEY_ID..., \
AWS_REGION; AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local), as for `dev --table`; listing needs \
dynamodb:Query on the table (a replay also GetItem, UpdateItem and DeleteItem).";

/// Dead letters are kept this many days.
pub const KEEP_DAYS: i64 = 14;

/// Where the dead letters are and which of them.
#[derive(clap::Args, Clone, Debug)]
pub struct Selection {
    /// The stack's DynamoDB state table (its TableName output).
    #[arg(long, env = "TABLE_NAME", value_name = "NAME")]
    pub table: Option<String>,
    /// Only the dead letters of the last N days (they are kept 14).
    #[arg(long, value_name = "N", default_value_t = KEEP_DAYS,
          value_parser = clap::value_parser!(i64).range(1..=KEEP_DAYS))]
    pub days: i64,
    #[command(flatten)]
    pub stack: crate::stack::StackArgs,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    selection: Selection,
}

impl Selection {
    /// The store over the table.
    pub async fn store(&self) -> anyhow::Result<(DynamoStore, String)> {
        let table = self
            .stack
            .output_unless(self.table.clone(), "TableName")
            .await?
            .context(
                "give --table NAME (the stack's TableName output) or set TABLE_NAME, or --stack \
                 NAME / --config-env ENV",
            )?;
        let config = lambdagram::aws::sdk_config().await?;
        Ok((
            DynamoStore::new(lambdagram::aws::dynamodb_client(&config), table.as_str()),
            table,
        ))
    }

    /// The dead letters selected, oldest first.
    pub async fn load(&self, store: &DynamoStore, table: &str) -> anyhow::Result<Vec<DeadLetter>> {
        let now = lambdagram::time::now();
        store
            .list(now - self.days * 86_400, now)
            .await
            .with_context(|| format!("cannot read the dead letters in the DynamoDB table {table}"))
    }

    pub fn describe(&self) -> String {
        let days = if self.days == 1 { "day" } else { "days" };
        format!("the last {} {days}", self.days)
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let (store, table) = args.selection.store().await?;
    let letters = args.selection.load(&store, &table).await?;
    let mut out = std::io::stdout().lock();
    print(&mut out, &letters, &args.selection.describe(), &table)?;
    Ok(())
}

fn print(
    out: &mut impl Write,
    letters: &[DeadLetter],
    span: &str,
    table: &str,
) -> std::io::Result<()> {
    let n = letters.len();
    writeln!(
        out,
        "lambdagram dead-letters: {n} dead letter{} in {span} (table {table})",
        if n == 1 { "" } else { "s" }
    )?;
    if letters.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    for letter in letters {
        writeln!(out, "{}", line(letter))?;
    }
    writeln!(
        out,
        "\nSend them again with: lambdagram replay --dead-letters --table {table} --url <webhook URL> --secret <secret>"
    )
}

/// One dead letter on one line: when, which update and chat, where it failed and why. Never
/// the update's text.
pub fn line(letter: &DeadLetter) -> String {
    let chat = serde_json::from_str::<UpdateView>(&letter.update)
        .ok()
        .and_then(|u| u.chat_id())
        .map_or_else(String::new, |id| format!(" · chat {id}"));
    format!(
        "{}  update {}{chat} · {} · {} {}: {}",
        when(letter.at),
        letter.update_id,
        letter.route,
        letter.step,
        letter.class,
        letter.reason
    )
}

/// `2026-12-03 07:40:12 UTC`.
pub fn when(at: lambdagram::time::Epoch) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(
        || at.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(update: &str) -> DeadLetter {
        DeadLetter {
            update_id: 7101,
            route: "start".into(),
            step: "sendMessage".into(),
            class: "refused".into(),
            reason: "403 Forbidden: bot was blocked by the user".into(),
            at: 1_764_747_612,
            update: update.into(),
        }
    }

    #[test]
    fn a_line_names_the_update_the_chat_and_why_but_never_the_text() {
        let update = r#"{"update_id": 7101, "message": {"message_id": 1, "date": 1,
            "chat": {"id": 111111, "type": "private"}, "text": "/start my-words"}}"#;
        assert_eq!(
            line(&letter(update)),
            "2025-12-03 07:40:12 UTC  update 7101 · chat 111111 · start · sendMessage refused: \
             403 Forbidden: bot was blocked by the user"
        );
        assert_eq!(
            line(&letter("not json")),
            "2025-12-03 07:40:12 UTC  update 7101 · start · sendMessage refused: \
             403 Forbidden: bot was blocked by the user"
        );
    }

    #[test]
    fn the_listing_says_how_many_and_how_to_replay() {
        let mut out = Vec::new();
        print(&mut out, &[], "the last 14 days", "T").expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "lambdagram dead-letters: 0 dead letters in the last 14 days (table T)\n"
        );
    }
}
