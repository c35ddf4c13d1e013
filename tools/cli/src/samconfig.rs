//! `samconfig.toml`: the stack name and region of a SAM config environment (`--config-env`), as
//! `sam deploy --config-env ENV` uses them. Only flat `key = "string"` lines of the
//! `[ENV.COMMAND.parameters]` tables are read: that is all SAM writes there for these keys.

use anyhow::Context;
use std::path::Path;

/// What a config environment says about its stack.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigEnv {
    pub stack_name: String,
    pub region: Option<String>,
}

/// The stack of config environment `env` in the samconfig file at `path`: `deploy`'s parameters
/// first (what `sam deploy` uses), then `global`'s.
pub fn read(path: &Path, env: &str) -> anyhow::Result<ConfigEnv> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "read {} (--config-env {env} names an environment of SAM's config file; run from \
             the project's directory or give --stack NAME)",
            path.display()
        )
    })?;
    parse(&text, env).with_context(|| format!("{}", path.display()))
}

fn parse(text: &str, env: &str) -> anyhow::Result<ConfigEnv> {
    let get = |command: &str, key: &str| value(text, &format!("{env}.{command}.parameters"), key);
    let stack_name = get("deploy", "stack_name")
        .or_else(|| get("global", "stack_name"))
        .with_context(|| {
            format!("config environment `{env}` has no stack_name ([{env}.deploy.parameters] or [{env}.global.parameters])")
        })?;
    let region = get("deploy", "region").or_else(|| get("global", "region"));
    Ok(ConfigEnv { stack_name, region })
}

/// The string value of `key = "…"` in the table `[table]` of `text`.
fn value(text: &str, table: &str, key: &str) -> Option<String> {
    let header = format!("[{table}]");
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == header;
        } else if inside {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            if k.trim() == key {
                let v = v.trim();
                return v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                    .map(str::to_owned);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
version = 0.1
[default.global.parameters]
stack_name = "lambdagram"
region = "eu-central-1"

[default.deploy.parameters]
stack_name = "lambdagram"

[prod.global.parameters]
stack_name = "lambdagram-prod"
region = "us-east-1"

[prod.deploy.parameters]
stack_name = "lambdagram-prod-deploy"

[staging.build.parameters]
cached = false
"#;

    #[test]
    fn each_environment_names_its_stack_and_region() {
        assert_eq!(
            parse(CONFIG, "default").expect("default"),
            ConfigEnv {
                stack_name: "lambdagram".into(),
                region: Some("eu-central-1".into())
            }
        );
        assert_eq!(
            parse(CONFIG, "prod").expect("prod"),
            ConfigEnv {
                stack_name: "lambdagram-prod-deploy".into(),
                region: Some("us-east-1".into())
            },
            "deploy's stack_name wins, as sam deploy uses it"
        );
    }

    #[test]
    fn an_environment_without_a_stack_name_is_an_error_that_says_where_to_put_it() {
        let err = parse(CONFIG, "staging").expect_err("no stack_name");
        assert_eq!(
            err.to_string(),
            "config environment `staging` has no stack_name ([staging.deploy.parameters] or \
             [staging.global.parameters])"
        );
        assert!(parse(CONFIG, "nope").is_err());
    }

    #[test]
    fn the_projects_samconfig_names_the_default_and_prod_stacks() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samconfig.toml");
        assert_eq!(
            read(&path, "default").expect("default").stack_name,
            "lambdagram"
        );
        assert_eq!(
            read(&path, "prod").expect("prod").stack_name,
            "lambdagram-prod"
        );
    }
}
