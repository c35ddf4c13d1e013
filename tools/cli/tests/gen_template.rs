//! `lambdagram gen template`: the checked-in template is exactly what the route table gives, and
//! the check fails (naming the fix) as soon as one generated line drifts.

use std::path::{Path, PathBuf};
use std::process::Output;

fn template() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")
}

fn gen(template: &Path, check: bool) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"));
    cmd.args(["gen", "template", "--template"]).arg(template);
    if check {
        cmd.arg("--check");
    }
    cmd.output().expect("run lambdagram")
}

#[test]
fn the_checked_in_template_is_what_the_route_table_generates() {
    let out = gen(&template(), true);
    assert!(
        out.status.success(),
        "template.yaml is stale: run `cargo run -p lambdagram-cli -- gen template`\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_drifted_template_fails_the_check_and_is_regenerated() {
    let original = std::fs::read_to_string(template()).expect("read template.yaml");
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("template.yaml");
    // A hand edit inside the generated section: the start route loses its invoke grant.
    let drifted = original.replacen("                - !GetAtt StartFunction.Arn\n", "", 1);
    assert_ne!(
        drifted, original,
        "the webhook grants !GetAtt StartFunction.Arn"
    );
    std::fs::write(&copy, &drifted).expect("write");

    let check = gen(&copy, true);
    assert_eq!(check.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains("is stale") && stderr.contains("gen template"),
        "{stderr}"
    );

    let fix = gen(&copy, false);
    assert!(fix.status.success());
    assert_eq!(
        std::fs::read_to_string(&copy).expect("read"),
        original,
        "regenerating restores exactly the generated lines"
    );
}

#[test]
fn text_outside_the_generated_sections_is_kept() {
    let original = std::fs::read_to_string(template()).expect("read template.yaml");
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("template.yaml");
    let edited = original.replacen(
        "Parameters:\n",
        "Parameters:\n  # a comment of the operator's\n",
        1,
    );
    std::fs::write(&copy, &edited).expect("write");
    assert!(
        gen(&copy, true).status.success(),
        "hand-written parts are not generated"
    );
}

#[test]
fn the_bridges_checked_in_template_is_what_its_route_table_generates() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lambdagram"))
        .args([
            "gen",
            "template",
            "--bot",
            "bridge",
            "--check",
            "--template",
        ])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bots/bridge/template.yaml"))
        .output()
        .expect("run lambdagram");
    assert!(
        out.status.success(),
        "bots/bridge/template.yaml is stale: run `cargo run -p lambdagram-cli -- gen template --bot bridge`\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
