//! What a Rust user relies on without reading the code: the declared `rust-version` is true for
//! the locked dependencies and is what every crate declares, the pinned toolchain satisfies it,
//! every crate opts into the workspace's lints, and the licence files the manifest names exist.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `cargo metadata` for the locked graph (every platform: a dependency of the Lambda target
/// counts as much as one of this machine).
fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace())
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata --locked failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata's JSON")
}

/// "1.94.1" → (1, 94, 1); "1.95" → (1, 95, 0).
fn version(text: &str) -> (u32, u32, u32) {
    let mut parts = text.trim().split('.').map(|p| {
        p.parse::<u32>()
            .unwrap_or_else(|e| panic!("version {text:?}: {e}"))
    });
    let major = parts.next().expect("a major version");
    (major, parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// The string value of `key = "…"` in the TOML table `[table]` of `text` (flat tables only).
fn toml_string(text: &str, table: &str, key: &str) -> Option<String> {
    let header = format!("[{table}]");
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == header;
        } else if inside {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim() == key {
                    return Some(v.trim().trim_matches('"').to_owned());
                }
            }
        }
    }
    None
}

fn declared_rust_version() -> String {
    toml_string(
        &read(&workspace().join("Cargo.toml")),
        "workspace.package",
        "rust-version",
    )
    .expect("[workspace.package] rust-version")
}

fn packages(meta: &Value) -> &Vec<Value> {
    meta["packages"].as_array().expect("packages")
}

fn members(meta: &Value) -> Vec<&Value> {
    let ids: Vec<&str> = meta["workspace_members"]
        .as_array()
        .expect("workspace_members")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    packages(meta)
        .iter()
        .filter(|p| ids.contains(&p["id"].as_str().unwrap_or_default()))
        .collect()
}

#[test]
fn declared_rust_version_is_at_least_every_locked_dependencys() {
    let meta = metadata();
    let declared = declared_rust_version();
    let (needed, by) = packages(&meta)
        .iter()
        .filter_map(|p| {
            let rv = p["rust_version"].as_str()?;
            Some((version(rv), format!("{} {}", p["name"], p["version"])))
        })
        .max()
        .expect("some dependency declares a rust-version");
    assert!(
        version(&declared) >= needed,
        "Cargo.toml declares rust-version {declared}, but {by} needs {}.{}.{}",
        needed.0,
        needed.1,
        needed.2
    );
}

#[test]
fn every_crate_inherits_the_rust_version_and_the_lints() {
    let meta = metadata();
    let declared = version(&declared_rust_version());
    let members = members(&meta);
    assert!(members.len() >= 20, "only {} members found", members.len());
    for p in members {
        let name = p["name"].as_str().unwrap_or_default();
        let rv = p["rust_version"].as_str().map(version);
        assert_eq!(rv, Some(declared), "{name}: rust-version.workspace = true");
        let manifest = read(Path::new(p["manifest_path"].as_str().expect("manifest")));
        assert_eq!(
            toml_string(&manifest, "lints", "workspace").as_deref(),
            Some("true"),
            "{name}: [lints] workspace = true"
        );
    }
}

#[test]
fn the_pinned_toolchain_satisfies_the_declared_rust_version() {
    let pinned = toml_string(
        &read(&workspace().join("rust-toolchain.toml")),
        "toolchain",
        "channel",
    )
    .expect("rust-toolchain.toml: [toolchain] channel");
    let declared = declared_rust_version();
    assert!(
        version(&pinned) >= version(&declared),
        "rust-toolchain.toml pins {pinned}, older than rust-version {declared}"
    );
    // The pinned toolchain is the one running these tests (CI builds with exactly it).
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .current_dir(workspace())
        .arg("--version")
        .output()
        .expect("rustc --version");
    let running = String::from_utf8_lossy(&rustc.stdout).into_owned();
    assert!(
        running.starts_with(&format!("rustc {pinned} ")),
        "running {running:?}, pinned {pinned}"
    );
}

#[test]
fn the_licence_files_the_manifest_names_exist() {
    let root = read(&workspace().join("Cargo.toml"));
    assert_eq!(
        toml_string(&root, "workspace.package", "license").as_deref(),
        Some("MIT OR Apache-2.0")
    );
    let mit = read(&workspace().join("LICENSE-MIT"));
    assert!(mit.contains("Copyright (c) the lambdagram authors"));
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    let apache = read(&workspace().join("LICENSE-APACHE"));
    assert!(apache.contains("Apache License\n                        Version 2.0, January 2004"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
}

/// What a SAM user gets from `samconfig.toml`: a region, tags, `sam sync --watch` for the
/// development stack, one locked cargo build for every function (Makefile), and no placeholder bot username that
/// would deploy silently (the template's BotUsername has no default, so a deploy without it
/// stops with CloudFormation's "must have values").
#[test]
fn samconfig_sets_region_tags_sync_and_never_a_placeholder_username() {
    let config = read(&workspace().join("samconfig.toml"));
    let overrides: Vec<&str> = config
        .lines()
        .filter(|l| l.trim_start().starts_with("parameter_overrides"))
        .collect();
    assert_eq!(overrides.len(), 3, "deploy (default, prod) and sync");
    for line in overrides {
        assert!(
            !line.contains("BotUsername"),
            "samconfig.toml must not pick the username: {line}"
        );
    }
    for env in ["default", "prod"] {
        let region = toml_string(&config, &format!("{env}.global.parameters"), "region");
        assert!(region.is_some_and(|r| !r.is_empty()), "{env}: region");
        // The Makefile's one locked cargo build makes parallel safe; in source, no workspace
        // copy per function; SAM's cache off, cargo's target/sam is the cache (Makefile).
        for (key, want) in [
            ("parallel", "true"),
            ("build_in_source", "true"),
            ("cached", "false"),
        ] {
            assert_eq!(
                toml_string(&config, &format!("{env}.build.parameters"), key).as_deref(),
                Some(want),
                "{env}: build {key}"
            );
        }
        let tags =
            toml_string(&config, &format!("{env}.deploy.parameters"), "tags").unwrap_or_default();
        assert!(
            tags.contains("project=\\\"lambdagram\\\""),
            "{env}: tags {tags}"
        );
    }
    assert_eq!(
        toml_string(&config, "default.sync.parameters", "watch").as_deref(),
        Some("true")
    );
    let template = lambdagram_e2e::cfn_yaml::parse(&read(&workspace().join("template.yaml")))
        .expect("template.yaml");
    let username = &template["Parameters"]["BotUsername"];
    assert_eq!(username["Type"], "String");
    assert!(
        username.get("Default").is_none(),
        "BotUsername must stay required"
    );
}
