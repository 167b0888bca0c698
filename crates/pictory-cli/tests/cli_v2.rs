//! `pictory v2`: a v2 video journey from the command line against the
//! built-in simulator (preview → render → .mp4, direct, a saved project),
//! the library's refusals before anything is sent (exit 2) and its
//! warnings (one stderr line each).

use std::process::Output;

mod common;

use common::{Dir, offline, text};

fn run(args: &[&str]) -> Output {
    common::run(&mut offline(), args)
}

fn stderr(out: &Output) -> String {
    text(&out.stderr)
}

#[test]
fn a_v2_video_with_look_up_ids_is_previewed_rendered_and_saved() {
    let d = Dir::new("cli-v2");
    let out = d.join("v2.mp4");
    let done = run(&[
        "--json",
        "v2",
        "Hello from Pictory's v2 API.",
        "--voice",
        "Brian",
        "--music",
        "0.2",
        "--brand",
        "eb67b4ba-0eef-41fa-a772-d9675cc3645c",
        "--layout",
        "202507141030549677ylq8k8gu44vy1y",
        "--style",
        "8f3deae9-fe38-4c53-8be0-616bef1da916",
        "--avatar",
        "Annie_expressive1_public",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(!stderr(&done).contains("warning"), "{}", stderr(&done));
    let result: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert!(result["preview_job_id"].is_string(), "{result}");
    assert!(result["render_job_id"].is_string(), "{result}");
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp");
}

#[test]
fn a_direct_render_warns_of_a_silent_video_and_a_project_renders() {
    let d = Dir::new("cli-v2");
    let direct = run(&[
        "v2",
        "No narration here.",
        "--direct",
        // Music at 0.1 when no value follows, as for `pictory video`.
        "--music",
        "--out",
        d.join("direct.mp4").to_str().unwrap(),
    ]);
    assert!(direct.status.success(), "{}", stderr(&direct));
    let warnings: Vec<String> = stderr(&direct)
        .lines()
        .filter(|l| l.contains("warning:"))
        .map(str::to_string)
        .collect();
    assert_eq!(warnings.len(), 1, "{}", stderr(&direct));
    assert!(warnings[0].contains("silent"), "{warnings:?}");
    assert!(
        !stderr(&direct).contains("preview job"),
        "{}",
        stderr(&direct)
    );
    // A project the simulator has saved.
    let project = run(&[
        "v2",
        "--project",
        "20251222191648030d7df02f5b4054d4ca8831f1369400001",
        "--out",
        d.join("project.mp4").to_str().unwrap(),
    ]);
    assert!(project.status.success(), "{}", stderr(&project));
    assert!(d.join("project.mp4").is_file());
}

#[test]
fn what_pictory_refuses_exits_two_with_nothing_created() {
    let d = Dir::new("cli-v2");
    let file = d.join("storyboard.json");
    std::fs::write(
        &file,
        r#"{"videoName": "x", "brandId": "b", "brandName": "B", "scenes": [{"story": "a"}]}"#,
    )
    .unwrap();
    let existing = d.join("existing.mp4");
    std::fs::write(&existing, b"keep me").unwrap();
    for args in [
        vec!["v2", "--storyboard", file.to_str().unwrap()],
        vec!["v2", "text", "--voice", "Brian", "--brand", "invented"],
        vec!["v2", "text", "--avatar", "Annie_expressive1_public"],
        vec!["v2", "   "],
        vec!["v2", "text", "--music", "2"],
        vec!["v2", "text", "--out", existing.to_str().unwrap()],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        let last = err.lines().last().unwrap_or_default();
        assert!(last.starts_with("pictory: error:"), "{args:?}: {err}");
        assert!(!err.contains("preview job"), "{args:?}: {err}");
    }
    // The same refusal as `pictory video`'s, with its way out.
    let out = run(&["v2", "text", "--out", existing.to_str().unwrap()]);
    assert!(stderr(&out).contains("add --force"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
}
