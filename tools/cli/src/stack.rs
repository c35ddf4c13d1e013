//! `--stack NAME` / `--config-env ENV`: what a command needs of the deployed stack (the webhook
//! URL, the table, the secret's parameter name, the bot's username) read from the stack itself
//! with one CloudFormation `DescribeStacks`, instead of copying outputs by hand. An option or
//! variable given explicitly (`--url`, `WEBHOOK_URL`, …) still wins over the stack's value.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::samconfig;

#[derive(clap::Args, Debug, Default, Clone)]
pub struct StackArgs {
    /// Read the URL, table and parameter names from this CloudFormation stack's outputs and
    /// parameters (credentials and region from the AWS environment).
    #[arg(long, value_name = "NAME", conflicts_with = "config_env")]
    pub stack: Option<String>,
    /// Like --stack, with the stack (and region) of this environment of samconfig.toml
    /// (`default`, `prod`), as `sam deploy --config-env ENV` deploys it.
    #[arg(long, value_name = "ENV")]
    pub config_env: Option<String>,
    /// The SAM config file --config-env reads.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "samconfig.toml",
        requires = "config_env"
    )]
    pub config_file: PathBuf,
    /// The stack, once read: a command asking for several values makes one DescribeStacks.
    #[arg(skip)]
    read: tokio::sync::OnceCell<Option<Stack>>,
}

/// A deployed stack: its outputs and parameters, by key.
#[derive(Debug, Default, Clone)]
pub struct Stack {
    pub name: String,
    pub outputs: BTreeMap<String, String>,
    pub parameters: BTreeMap<String, String>,
}

impl Stack {
    /// The output `key`, or an error naming the stack and what it has.
    pub fn output(&self, key: &str) -> anyhow::Result<&str> {
        self.outputs.get(key).map(String::as_str).with_context(|| {
            format!(
                "stack {} has no output {key} (it has: {}); is it a lambdagram stack, fully deployed?",
                self.name,
                list(self.outputs.keys())
            )
        })
    }

    /// The parameter `key`, or an error naming the stack.
    pub fn parameter(&self, key: &str) -> anyhow::Result<&str> {
        self.parameters
            .get(key)
            .map(String::as_str)
            .with_context(|| {
                format!(
                    "stack {} has no parameter {key} (it has: {})",
                    self.name,
                    list(self.parameters.keys())
                )
            })
    }
}

fn list<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let keys: Vec<&str> = keys.map(String::as_str).collect();
    if keys.is_empty() {
        "none".into()
    } else {
        keys.join(", ")
    }
}

impl StackArgs {
    /// The stack these arguments name, read from CloudFormation; `None` when they name none.
    pub async fn load(&self) -> anyhow::Result<Option<&Stack>> {
        let read = self
            .read
            .get_or_try_init(|| async {
                let (name, region) = match (&self.stack, &self.config_env) {
                    (Some(name), _) => (name.clone(), None),
                    (None, Some(env)) => {
                        let config = samconfig::read(&self.config_file, env)?;
                        (config.stack_name, config.region)
                    }
                    (None, None) => return Ok(None),
                };
                describe(&name, region).await.map(Some)
            })
            .await?;
        Ok(read.as_ref())
    }

    /// `given` (an option or its variable), else the stack's output `key` when a stack is
    /// named, else `None`.
    pub async fn output_unless(
        &self,
        given: Option<String>,
        key: &str,
    ) -> anyhow::Result<Option<String>> {
        if given.is_some() {
            return Ok(given);
        }
        match self.load().await? {
            Some(stack) => Ok(Some(stack.output(key)?.to_owned())),
            None => Ok(None),
        }
    }
}

/// The value of an explicit option, else `what(stack)`, else the error `missing`.
pub fn pick(
    explicit: Option<String>,
    stack: Option<&Stack>,
    what: impl FnOnce(&Stack) -> anyhow::Result<&str>,
    missing: &str,
) -> anyhow::Result<String> {
    match (explicit, stack) {
        (Some(value), _) => Ok(value),
        (None, Some(stack)) => what(stack).map(str::to_owned),
        (None, None) => bail!("{missing}"),
    }
}

/// `DescribeStacks` of `name`. A config environment's region applies to every AWS call of the
/// command (SSM, DynamoDB too), as it does for `sam deploy`, unless AWS_REGION is set: it is
/// set here, before any other AWS client is configured (they are built on first use).
async fn describe(name: &str, region: Option<String>) -> anyhow::Result<Stack> {
    if let Some(region) = region {
        if std::env::var_os("AWS_REGION").is_none() {
            std::env::set_var("AWS_REGION", region);
        }
    }
    let client = aws_sdk_cloudformation::Client::new(&lambdagram::aws::sdk_config().await?);
    let out = match client.describe_stacks().stack_name(name).send().await {
        Ok(out) => out,
        Err(err) => {
            let message = err
                .as_service_error()
                .and_then(|e| aws_sdk_cloudformation::error::ProvideErrorMetadata::message(e))
                .unwrap_or_default()
                .to_owned();
            if message.contains("does not exist") {
                bail!(
                    "stack {name} does not exist (in {}): deploy it with `sam deploy`, or check \
                     --stack/--config-env and AWS_REGION",
                    client
                        .config()
                        .region()
                        .map_or_else(|| "no region".to_owned(), ToString::to_string)
                );
            }
            bail!(
                "cloudformation DescribeStacks {name}: {}",
                aws_sdk_cloudformation::error::DisplayErrorContext(err)
            );
        }
    };
    let stack = out
        .stacks
        .unwrap_or_default()
        .into_iter()
        .next()
        .with_context(|| format!("stack {name}: DescribeStacks returned no stack"))?;
    Ok(Stack {
        name: name.to_owned(),
        outputs: stack
            .outputs
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| Some((o.output_key?, o.output_value?)))
            .collect(),
        parameters: stack
            .parameters
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| Some((p.parameter_key?, p.parameter_value?)))
            .collect(),
    })
}
