//! `lambdagram new route` in a copy of the workspace: the scaffolded route builds, is routed, is
//! in the template (the stale check and the three template checks pass) and answers its sample
//! event end to end, with no edit but the scaffold's.
//!
//! Heavy (a build of the copy's workspace crates, the end-to-end test of the new route, SAM's
//! checks): `scripts/test` runs it after the rest of the suite, with `DYNAMODB_ENDPOINT` set.
//! The copy's target directory starts as hard links to this build's (`cp -al`), so only the
//! workspace's own crates are compiled again. Cargo names a workspace crate's artifacts by a
//! hash that does not depend on where the workspace is, so the copy's crates would write into
//! files (artifacts, fingerprints) shared with this build's: the copy gets its own workspace
//! version, which gives every workspace crate new names there, and the registry crates it
//! shares are never rebuilt (their fingerprints are fresh).

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
    let dir = tempfile::tempdir().expect("tempdir");
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
    run(
        "cp -al (seed the copy's target directory)",
        Command::new("cp")
            .arg("-al")
            .arg(profile_dir())
            .arg(&seeded),
    );
    // The uplifted binaries and the incremental caches are the workspace's own: not shared.
    for entry in std::fs::read_dir(&seeded)
        .expect("read target/debug")
        .flatten()
    {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path()).expect("unlink");
        }
    }
    let _ = std::fs::remove_dir_all(seeded.join("incremental"));

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
}
