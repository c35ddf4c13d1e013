//! `lambdagram new route` in a copy of the workspace: the scaffolded route builds, is routed, is
//! in the template (the stale check and the three template checks pass) and answers its sample
//! event end to end, with no edit but the scaffold's.
//!
//! Heavy (a build of the copy's workspace crates, the end-to-end test of the new route, SAM's
//! checks): `scripts/test` runs it after the rest of the suite, with `DYNAMODB_ENDPOINT` set.
//! The copy's target directory is seeded from this build's so only the workspace's own crates
//! are compiled again: `deps/` as hard links (rustc replaces an rlib, rmeta or binary by
//! renaming a new file over it, and the linker unlinks first, so a hard link is never written
//! through), while `.fingerprint/` and `build/`, which cargo and build scripts rewrite in place,
//! are real copies. Cargo names a workspace crate's artifacts by a hash that does not depend on
//! where the workspace is, so the copy also gets its own workspace version: its crates get new
//! names and never replace this build's. A canary checks this build's fingerprints are
//! untouched afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace")
}

/// The profile directory this test binary was built into (`target/debug`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current executable");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

/// Runs `cmd`, failing the test with its output when it fails.
fn run(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// Copies the workspace's tracked and new (not ignored) files into `to`.
fn copy_workspace(from: &Path, to: &Path) {
    let listed = run(
        "git ls-files",
        Command::new("git")
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .current_dir(from),
    );
    for file in listed.split('\0').filter(|f| !f.is_empty()) {
        let source = from.join(file);
        if !source.is_file() {
            continue; // deleted in the work tree
        }
        let target = to.join(file);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(&source, &target)
            .unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
    }
    // What the checks run on, installed by scripts/install-test-deps: shared, not copied.
    for installed in ["node_modules", ".venv"] {
        let source = from.join(installed);
        assert!(
            source.is_dir(),
            "{} is missing: run scripts/install-test-deps",
            source.display()
        );
        std::os::unix::fs::symlink(&source, to.join(installed)).expect("symlink");
    }
}

#[test]
fn a_scaffolded_route_builds_is_routed_is_in_the_template_and_answers() {
    let Ok(dynamodb) = std::env::var("DYNAMODB_ENDPOINT") else {
        panic!("DYNAMODB_ENDPOINT is not set: run this through scripts/test (it starts DynamoDB Local)");
    };
    let ws = workspace();
    // Beside the target directory: hard links need the same file system.
    let dir = tempfile::tempdir_in(profile_dir().parent().expect("target/"))
        .expect("a temporary directory in target/");
    let copy = dir.path().join("ws");
    copy_workspace(&ws, &copy);
    let manifest = copy.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read Cargo.toml");
    let own = text.replacen(
        "[workspace.package]\nedition = \"2021\"\nversion = \"0.1.0\"",
        "[workspace.package]\nedition = \"2021\"\nversion = \"0.1.0-scaffold\"",
        1,
    );
    assert_ne!(
        own, text,
        "the workspace version is set in [workspace.package]"
    );
    std::fs::write(&manifest, own).expect("write Cargo.toml");
    let target = copy.join("target");
    std::fs::create_dir_all(&target).expect("mkdir target");
    let seeded = target.join("debug");
    std::fs::create_dir_all(&seeded).expect("mkdir target/debug");
    let profile = profile_dir();
    run(
        "cp -al deps (seed the copy's artifacts)",
        Command::new("cp")
            .arg("-al")
            .arg(profile.join("deps"))
            .arg(seeded.join("deps")),
    );
    for rewritten in [".fingerprint", "build"] {
        run(
            "cp -a (copy what cargo rewrites in place)",
            Command::new("cp")
                .arg("-a")
                .arg(profile.join(rewritten))
                .arg(seeded.join(rewritten)),
        );
    }
    let fingerprints_before = fingerprint_stamps(&profile);

    let scaffold = run(
        "lambdagram new route",
        Command::new(env!("CARGO_BIN_EXE_lambdagram"))
            .args([
                "new",
                "route",
                "ping",
                "--command",
                "/ping",
                "--menu",
                "answers pong",
                "--workspace",
            ])
            .arg(&copy),
    );
    assert!(scaffold.contains("route `ping` scaffolded"), "{scaffold}");
    for file in [
        "functions/ping/src/lib.rs",
        "functions/ping/src/main.rs",
        "events/routes/ping.json",
        "tests/tests/route_ping.rs",
    ] {
        assert!(copy.join(file).is_file(), "{file} was not written");
    }

    let cargo = || {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(&copy)
            .env("CARGO_TARGET_DIR", &target)
            .env("LAMBDAGRAM_E2E_PREBUILT", "1")
            .env("DYNAMODB_ENDPOINT", &dynamodb);
        cmd
    };
    // It builds (every binary: the stack runs them all)…
    run(
        "cargo build in the copy",
        cargo().args(["build", "--workspace", "--bins", "--offline"]),
    );
    // …the template is what the table gives, and SAM and cfn-lint accept it…
    run(
        "gen template --check in the copy",
        Command::new(target.join("debug/lambdagram"))
            .args(["gen", "template", "--check", "--template"])
            .arg(copy.join("template.yaml")),
    );
    run(
        "scripts/check-template in the copy",
        Command::new(copy.join("scripts/check-template")).current_dir(&copy),
    );
    // …the table still passes its checks, the sample is routed to `ping`, the template agrees
    // with the table, and the new route answers its sample event end to end.
    let tests = run(
        "the new route's tests in the copy",
        cargo().args([
            "nextest",
            "run",
            "--offline",
            "--no-fail-fast",
            "-p",
            "lambdagram-e2e",
            "-p",
            "channel-guard",
            "-E",
            "binary(route_ping) | binary(events) | binary(template) \
             | test(the_table_passes_the_framework_checks)",
        ]),
    );
    assert!(
        tests.contains("ping_answers_its_sample_event"),
        "the scaffolded test ran:\n{tests}"
    );
    assert_eq!(
        fingerprint_stamps(&profile),
        fingerprints_before,
        "the copy's build must not touch this build's fingerprints"
    );
}

/// Every fingerprint file of the build in `profile` with its modification time.
fn fingerprint_stamps(profile: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut stamps = Vec::new();
    let dirs = std::fs::read_dir(profile.join(".fingerprint")).expect(".fingerprint");
    for dir in dirs.flatten() {
        for file in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(modified) = file.metadata().and_then(|m| m.modified()) {
                stamps.push((file.path(), modified));
            }
        }
    }
    stamps.sort();
    stamps
}
