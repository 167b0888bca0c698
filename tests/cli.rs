//! The `pictory` binary, run as a user runs it: against its built-in
//! simulator (no token), or with a token and base URL pointing at a
//! simulator the test owns (so jobs outlive one command).
#![cfg(feature = "cli")]

use pictory::sim::{SimConfig, Simulator};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_pictory");

/// The binary with no token: it starts its own simulator, sped up.
fn offline() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("LOWCODEAPI_API_TOKEN")
        .env_remove("LOWCODEAPI_BASE_URL")
        .env("PICTORY_SIM_TIME_FACTOR", "0.001");
    c
}

/// A sped-up simulator that accepts only `token`.
async fn sim_accepting(token: &str) -> Simulator {
    Simulator::start(SimConfig {
        time_factor: 0.001,
        tokens: vec![token.into()],
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// The binary with `token` and `sim`'s base URL.
fn online(sim: &Simulator, token: &str) -> Command {
    let mut c = Command::new(BIN);
    c.env("LOWCODEAPI_API_TOKEN", token)
        .env("LOWCODEAPI_BASE_URL", sim.base_url());
    c
}

fn run(c: &mut Command, args: &[&str]) -> Output {
    c.args(args).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn lines(bytes: &[u8]) -> Vec<String> {
    text(bytes).lines().map(str::to_owned).collect()
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pictory-cli-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The MP4's top-level box types; panics if the boxes do not tile the file.
fn mp4_boxes(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let mut kinds = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        assert!(size >= 8 && at + size <= bytes.len(), "bad box at {at}");
        kinds.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
        at += size;
    }
    kinds
}

#[test]
fn help_for_the_tool_and_each_command_exits_zero() {
    let out = run(&mut Command::new(BIN), &["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in [
        "video",
        "job",
        "transcribe",
        "summarize",
        "templates",
        "brands",
        "voices",
        "aws",
        "call",
        "operations",
        "completions",
    ] {
        assert!(help.contains(command), "{command} missing from --help");
        let sub = run(&mut Command::new(BIN), &[command, "--help"]);
        assert!(sub.status.success(), "{command} --help");
        assert!(!sub.stdout.is_empty());
    }
    let completions = run(&mut Command::new(BIN), &["completions", "bash"]);
    assert!(completions.status.success());
    assert!(text(&completions.stdout).contains("pictory"));
}

#[test]
fn video_without_a_token_leaves_a_valid_mp4_and_says_so_once() {
    let dir = tempdir();
    let out_file = dir.join("demo.mp4");
    let out = run(
        &mut offline(),
        &[
            "video",
            "A demo from the CLI test.",
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let kinds = mp4_boxes(&out_file);
    assert_eq!(kinds.first().map(String::as_str), Some("ftyp"));
    assert!(kinds.contains(&"moov".into()) && kinds.contains(&"mdat".into()));
    let stderr = lines(&out.stderr);
    let simulator_notes = stderr.iter().filter(|l| l.contains("simulator")).count();
    assert_eq!(simulator_notes, 1, "{stderr:?}");
    // Not a terminal: plain stage lines, no bar drawing.
    assert!(
        stderr.iter().any(|l| l.starts_with("pictory: render:")),
        "{stderr:?}"
    );
    assert!(!text(&out.stderr).contains('\u{1b}'), "no terminal escapes");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("saved: "), "{stdout}");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["demo.mp4"], "no temporary file left");
}

#[test]
fn json_output_is_one_parsable_document() {
    let dir = tempdir();
    let out_file = dir.join("v.mp4");
    let out = run(
        &mut offline(),
        &[
            "--json",
            "video",
            "JSON please.",
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(
        v["bytes"].as_u64(),
        Some(std::fs::metadata(&out_file).unwrap().len())
    );
    assert!(v["render_job"].is_string() && v["video_url"].is_string());

    let ops = run(&mut offline(), &["--json", "operations"]);
    let ops: serde_json::Value = serde_json::from_slice(&ops.stdout).unwrap();
    assert_eq!(ops.as_array().unwrap().len(), pictory::OPERATIONS.len());

    // Errors under --json: one JSON line on stderr.
    let bad = run(&mut offline(), &["--json", "templates", "get", "nope"]);
    assert_eq!(bad.status.code(), Some(1));
    let last = lines(&bad.stderr).pop().unwrap();
    let e: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(
        (e["status"].as_u64(), e["exit_code"].as_u64()),
        (Some(404), Some(1))
    );
}

/// Every failure is one line on stderr (after the simulator note, when
/// the simulator ran) and the exit status says whose fault it was.
#[test]
fn bad_input_gives_one_line_and_the_right_exit_status() {
    let dir = tempdir();
    let missing = dir.join("missing.txt");
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (
            vec![
                "video".into(),
                "--file".into(),
                missing.display().to_string(),
            ],
            2,
            "cannot read",
        ),
        (
            vec!["video".into(), "--url".into(), "not a url".into()],
            2,
            "not an http(s) URL",
        ),
        (vec!["video".into()], 2, "required"),
        (vec!["frobnicate".into()], 2, "unrecognized subcommand"),
        (
            vec![
                "video".into(),
                "x".into(),
                "--out".into(),
                dir.join("no/such/dir.mp4").display().to_string(),
            ],
            2,
            "directory does not exist",
        ),
        (vec!["job".into(), "../etc".into()], 2, "not allowed"),
        (
            vec!["templates".into(), "get".into(), "no-such-template".into()],
            1,
            "not found",
        ),
        (vec!["job".into(), "no-such-job".into()], 1, "JOB_NOT_FOUND"),
    ];
    for (args, code, says) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&mut offline(), &args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let errors: Vec<String> = lines(&out.stderr)
            .into_iter()
            .filter(|l| !l.contains("built-in simulator"))
            .collect();
        assert_eq!(errors.len(), 1, "{args:?}: {errors:?}");
        assert!(errors[0].starts_with("pictory: error: "), "{errors:?}");
        assert!(errors[0].contains(says), "{args:?}: {errors:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_never_printed() {
    let token = "at_cli-test-secret-1234";
    let sim = sim_accepting(token).await;
    let dir = tempdir();
    let out_file = dir.join("v.mp4");
    let runs: Vec<(Vec<&str>, bool)> = vec![
        (vec!["templates", "list"], true),
        (vec!["templates", "get", "nope"], false),
        (vec!["--json", "templates", "get", "nope"], false),
        (vec!["video", "Secret test.", "--preview-only"], true),
        (
            vec!["video", "Secret test.", "--out", out_file.to_str().unwrap()],
            true,
        ),
        (vec!["call", "get_job", "-p", "job_id=nope"], false),
    ];
    for (args, ok) in runs {
        let out = tokio::task::block_in_place(|| run(&mut online(&sim, token), &args));
        assert_eq!(out.status.success(), ok, "{args:?}: {}", text(&out.stderr));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(token), "{args:?} printed the token: {all}");
        assert!(!all.contains("built-in simulator"), "a token was set");
    }
    // A wrong token: 401, one line, neither token shown.
    let wrong = "at_wrong-token-5678";
    let out = tokio::task::block_in_place(|| run(&mut online(&sim, wrong), &["templates", "list"]));
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(wrong) && !all.contains(token), "{all}");
    assert_eq!(lines(&out.stderr).len(), 1, "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcribe_writes_subtitles_and_summarize_and_job_read_it() {
    let token = "at_cli-transcribe-token";
    let sim = sim_accepting(token).await;
    let dir = tempdir();
    let clip = dir.join("clip.mp4");
    std::fs::write(&clip, b"\0\0\0\x18ftypmp42 not really a video").unwrap();
    let (srt, vtt, txt) = (dir.join("s.srt"), dir.join("s.vtt"), dir.join("s.txt"));
    let out = tokio::task::block_in_place(|| {
        run(
            &mut online(&sim, token),
            &[
                "--json",
                "transcribe",
                clip.to_str().unwrap(),
                "--srt",
                srt.to_str().unwrap(),
                "--vtt",
                vtt.to_str().unwrap(),
                "--txt",
                txt.to_str().unwrap(),
            ],
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let job = v["job"].as_str().unwrap().to_string();
    assert!(std::fs::read_to_string(&srt).unwrap().contains("-->"));
    assert!(std::fs::read_to_string(&vtt).unwrap().starts_with("WEBVTT"));
    assert!(!std::fs::read_to_string(&txt).unwrap().trim().is_empty());

    let out = tokio::task::block_in_place(|| {
        run(
            &mut online(&sim, token),
            &["--json", "summarize", &job, "--seconds", "5"],
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!v["ranges"].as_array().unwrap().is_empty(), "{v}");

    let out =
        tokio::task::block_in_place(|| run(&mut online(&sim, token), &["job", &job, "--wait"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("completed"));
}
