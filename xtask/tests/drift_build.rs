//! The whole drift journey, on a scratch copy of the repository: a served
//! spec in which `{templateId}` became `{template_id}`, the render route's
//! `{job_id}` became `{jobid}` (progenitor would name its builder method
//! `jobid()`, and the hand-written layer calls `job_id()`), and a new
//! operation has no overlay schema. `spec update` takes it (exit 0), and the
//! workspace builds with `--all-features` with no hand edits; an example
//! written into the copy then calls the kept builder methods and the new
//! untyped operation against the simulator in LowCodeAPI's old URL format.
//!
//! Ignored by default: it builds the workspace in its own target directory
//! (`$PICTORY_DRIFT_TARGET`, default `$TMPDIR/pictory-drift-target`, kept
//! between runs), which takes minutes the first time. Run it with
//! `cargo test -p xtask --test drift_build -- --ignored --nocapture`.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Written into the copy as `examples/drift_names.rs`.
const EXAMPLE: &str = r#"//! Written by xtask/tests/drift_build.rs into a scratch copy of the
//! repository after a drifted `spec update`: the public names survive the
//! upstream renames, the wire names follow them, and the new operation is
//! callable with an untyped answer.
use pictory_sim::{SimConfig, Simulator};
use pictory::{Call, OperationSpec};

#[tokio::main]
async fn main() {
    let get = OperationSpec::find("get_template").expect("get_template kept its id");
    assert_eq!(get.path_params, ["templateId"]);
    assert_eq!(get.wire_path_params, ["template_id"]);
    assert_eq!(get.old_format_path(), "/pictoryapis/v1/templates/template_id");
    let render = OperationSpec::find("render_storyboard").expect("render_storyboard kept its id");
    assert_eq!(render.path, "/pictoryapis/v1/video/render/{job_id}");
    assert_eq!(render.wire_path_params, ["jobid"]);

    // LowCodeAPI's open-source server: only the old URL format is routed.
    let sim = Simulator::start(SimConfig::open_source()).await.expect("simulator");
    let client = sim.client().expect("client");
    let api = client.api();
    // The builder method keeps its name; the answer is Pictory's "no such
    // template", reached in the old format under the new wire name.
    let missing = api.get_template().template_id("t-drift").call().await;
    assert!(missing.is_err(), "no template t-drift: {missing:?}");
    let _ = client
        .call_operation("get_template", &[("templateId", "t-drift")], None)
        .await;
    let counters = sim.counters();
    assert_eq!(counters.requests_for("get_template", "old"), 2, "{counters:?}");
    // The new operation, untyped: its answer is a serde_json::Value.
    let tracks = api.list_music_tracks().genre("jazz").call().await.expect("list_music_tracks");
    let value: &serde_json::Value = tracks.value();
    println!("get_template reached in the old format: {}", counters.requests_for("get_template", "old"));
    println!("list_music_tracks answered: {value}");
}
"#;

/// Copies the repository (without `target/` and `.git`) to `to`.
fn copy_repo(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_repo(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Runs `cargo args` in `dir` with `target` as its target directory, offline;
/// returns whether it succeeded, its stdout, and the seconds it took.
fn cargo(dir: &Path, target: &Path, args: &[&str]) -> (bool, String, f64) {
    let start = Instant::now();
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("run cargo");
    let secs = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "cargo {}: exit {:?}, {secs:.1} s\n{}",
        args.join(" "),
        out.status.code(),
        stderr.lines().rev().take(3).collect::<Vec<_>>().join("\n")
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        secs,
    )
}

#[test]
#[ignore = "builds the workspace in a scratch copy: minutes"]
fn a_drifted_spec_updates_and_the_workspace_builds_with_no_hand_edits() {
    let scratch = Scratch::new("drift-build");
    let repo = scratch.root.join("repo");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    copy_repo(&root, &repo);
    std::fs::write(repo.join("examples/drift_names.rs"), EXAMPLE).unwrap();

    let mut served = committed_raw();
    rename_path_param(
        &mut served,
        "/pictoryapis/v1/templates/{templateId}",
        "templateId",
        "template_id",
    );
    rename_path_param(
        &mut served,
        "/pictoryapis/v1/video/render/{job_id}",
        "job_id",
        "jobid",
    );
    add_music_tracks(&mut served);
    let file = scratch.write("served.json", pretty(&served).as_bytes());

    let run = spec(
        "update",
        &repo.join("spec"),
        &["--from-file", file.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    eprintln!("{}", run.stdout);
    for line in [
        "get_template: path parameter renamed upstream: templateId -> template_id",
        "render_storyboard: path parameter renamed upstream: job_id -> jobid",
        "list_music_tracks: operation added: GET /pictoryapis/v1/music/tracks",
        "list_music_tracks: untyped: ",
    ] {
        assert!(run.stdout.contains(line), "no {line:?} in\n{}", run.stdout);
    }

    let target = std::env::var_os("PICTORY_DRIFT_TARGET")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("pictory-drift-target"));
    let (ok, _, secs) = cargo(&repo, &target, &["build", "--workspace", "--all-features"]);
    assert!(
        ok,
        "cargo build --workspace --all-features failed after the update"
    );
    eprintln!("drift build: cargo build --workspace --all-features: exit 0 in {secs:.1} s");

    let (ok, stdout, _) = cargo(
        &repo,
        &target,
        &["run", "--all-features", "--example", "drift_names"],
    );
    assert!(ok, "the drift example failed:\n{stdout}");
    eprintln!("{stdout}");
    assert!(stdout.contains("list_music_tracks answered: {"), "{stdout}");
}
