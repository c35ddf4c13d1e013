//! Where the workspace, its sample events and its compiled function binaries are.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use channel_guard::ROUTES;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `events/`.
pub fn events_dir() -> PathBuf {
    workspace().join("events")
}

/// The packages whose binaries the stacks run: each bot's webhook, one per route and per
/// endpoint.
pub fn function_packages() -> Vec<&'static str> {
    ["webhook", "bridge-webhook"]
        .into_iter()
        .chain(ROUTES.iter().map(|r| r.name))
        .chain(bridge::ROUTES.iter().map(|r| r.name))
        .chain(bridge::ENDPOINTS.iter().map(|e| e.name))
        .collect()
}

/// The `lambdagram` CLI's binary (built with the functions).
pub fn cli_binary() -> PathBuf {
    function_binary("lambdagram")
}

/// The profile directory the function binaries are taken from: the one the test binary was
/// built into (`target/debug`, `target/release`), or `target/$LAMBDAGRAM_E2E_PROFILE` (the
/// benchmark runs release functions under a debug harness that way).
fn profile_dir() -> PathBuf {
    if let Some(profile) = std::env::var_os("LAMBDAGRAM_E2E_PROFILE") {
        let exe = std::env::current_exe().expect("current executable");
        if let Some(target) = exe
            .ancestors()
            .find(|p| p.join(&profile).is_dir() && p.ends_with("target"))
        {
            return target.join(profile);
        }
    }
    let exe = std::env::current_exe().expect("current test executable");
    let deps = exe
        .parent()
        .expect("test binary lives in deps/ or examples/");
    deps.parent()
        .expect("deps/ lives in the profile dir")
        .to_path_buf()
}

/// The path of a function binary, built (once per test process) if it is missing or stale.
///
/// `scripts/test` builds every binary first and sets `LAMBDAGRAM_E2E_PREBUILT=1`, which skips
/// the per-process `cargo build` check.
pub fn function_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(build_functions);
    let path = profile_dir().join(name);
    assert!(
        path.is_file(),
        "function binary {} is missing: run `cargo build --workspace --bins`",
        path.display()
    );
    path
}

fn build_functions() {
    if std::env::var_os("LAMBDAGRAM_E2E_PREBUILT").is_some() {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command.current_dir(workspace()).args(["build", "--quiet"]);
    if profile_dir().file_name().is_some_and(|n| n == "release") {
        command.arg("--release");
    }
    for package in function_packages() {
        command.args(["-p", package]);
    }
    command.args(["-p", "lambdagram-cli"]);
    let status = command
        .status()
        .expect("run cargo to build the function binaries");
    assert!(
        status.success(),
        "building the function binaries failed; run `cargo build --workspace --bins` to see why"
    );
}
