//! `lambdagram export --user ID`: everything a bot keeps about one user, as JSON, found through
//! the bot's key map (`lambdagram::keymap`), the same map `/forget` erases by.

use anyhow::Context;
use lambdagram::aws::DynamoStore;
use lambdagram::keymap::{self, Found, KeyMap};
use serde_json::{json, Value};

pub const ABOUT: &str = "Print everything the bot keeps about a user (its key map), as JSON";

pub const LONG_ABOUT: &str = "\
Print everything the bot keeps about a user, as JSON: each family of the bot's key map, with the \
items found for the user (as stored) and, for the families /forget keeps, why. The same map is \
what /forget erases by.

DynamoDB is reached with the usual AWS settings (AWS_PROFILE or AWS_ACCESS_KEY_ID..., \
AWS_REGION; AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local); it needs dynamodb:Query and GetItem \
on the table.";

#[derive(clap::Args)]
pub struct Args {
    /// The user's Telegram id.
    #[arg(long, allow_hyphen_values = true)]
    user: i64,
    /// Whose key map: guard or bridge.
    #[arg(long, default_value = "guard")]
    bot: String,
    /// The stack's DynamoDB state table (its TableName output).
    #[arg(long, env = "TABLE_NAME", value_name = "NAME")]
    table: Option<String>,
    #[command(flatten)]
    stack: crate::stack::StackArgs,
}

/// The bot's key map by its name on the command line.
pub fn key_map(bot: &str) -> anyhow::Result<&'static KeyMap> {
    match bot {
        "guard" => Ok(&channel_guard::KEY_MAP),
        "bridge" => Ok(&bridge::KEY_MAP),
        other => anyhow::bail!("no bot {other:?}: guard or bridge"),
    }
}

/// The export's document: the user, then each family in the map's order.
pub fn document(user: i64, found: &[Found]) -> Value {
    let families: Vec<Value> = found
        .iter()
        .map(|f| {
            let mut family = json!({ "family": f.family, "items": f.items });
            if let Some(why) = f.kept {
                family["kept_by_forget"] = why.into();
            }
            family
        })
        .collect();
    json!({ "user": user, "families": families })
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let map = key_map(&args.bot)?;
    let table = args
        .stack
        .output_unless(args.table.clone(), "TableName")
        .await?
        .context(
            "give --table NAME (the stack's TableName output) or set TABLE_NAME, or --stack \
             NAME / --config-env ENV",
        )?;
    let config = lambdagram::aws::sdk_config().await?;
    let store = DynamoStore::new(lambdagram::aws::dynamodb_client(&config), table.as_str());
    let found = keymap::export(&store, map, args.user)
        .await
        .with_context(|| format!("cannot read the DynamoDB table {table}"))?;
    println!(
        "{}",
        serde_json::to_string_pretty(&document(args.user, &found))?
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_family_and_why_the_kept_ones_stay() {
        let found = [
            Found {
                family: "profile",
                items: vec![json!({"pk": "USER#7", "sk": "PROFILE"})],
                kept: None,
            },
            Found {
                family: "admins",
                items: vec![],
                kept: Some("the bot's"),
            },
        ];
        assert_eq!(
            document(7, &found),
            json!({"user": 7, "families": [
                {"family": "profile", "items": [{"pk": "USER#7", "sk": "PROFILE"}]},
                {"family": "admins", "items": [], "kept_by_forget": "the bot's"},
            ]})
        );
        assert!(key_map("guard").is_ok() && key_map("bridge").is_ok());
        assert!(key_map("other").is_err());
    }
}
