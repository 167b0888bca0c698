//! The `pictory` binary, run as a user runs it: against its built-in
//! simulator (no token), or with a token and base URL pointing at a
//! simulator the test owns (so jobs outlive one command).

use pictory_sim::{FaultPlan, SimConfig, Simulator};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{Dir, offline, run, text};

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
    let mut c = offline();
    c.env("LOWCODEAPI_API_TOKEN", token)
        .env("LOWCODEAPI_BASE_URL", sim.base_url());
    c
}

fn lines(bytes: &[u8]) -> Vec<String> {
    text(bytes).lines().map(str::to_owned).collect()
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
    let out = run(&mut offline(), &["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in [
        "video",
        "job",
        "transcribe",
        "summarize",
        "bulk",
        "templates",
        "brands",
        "voices",
        "aws",
        "call",
        "operations",
        "completions",
    ] {
        assert!(help.contains(command), "{command} missing from --help");
        let sub = run(&mut offline(), &[command, "--help"]);
        assert!(sub.status.success(), "{command} --help");
        assert!(!sub.stdout.is_empty());
    }
    let completions = run(&mut offline(), &["completions", "bash"]);
    assert!(completions.status.success());
    assert!(text(&completions.stdout).contains("pictory"));
}

#[test]
fn video_without_a_token_leaves_a_valid_mp4_and_says_so_once() {
    let dir = Dir::new("cli");
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
    let dir = Dir::new("cli");
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
    assert!(v["render_job_id"].is_string() && v["video_url"].is_string());

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
    assert_eq!(e["kind"], "not_found");
    assert_eq!(e["operation"], "get_template");
    // A usage error: its kind, and no operation or status keys at all.
    let usage = run(&mut offline(), &["--json", "job", "../etc"]);
    let e: serde_json::Value = serde_json::from_str(&lines(&usage.stderr).pop().unwrap()).unwrap();
    assert_eq!(
        (e["kind"].as_str(), e["exit_code"].as_u64()),
        (Some("usage"), Some(2))
    );
    let mut keys: Vec<&String> = e.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["error", "exit_code", "kind"], "{e}");
}

/// Every failure is one line on stderr (after the simulator note, when
/// the simulator ran) and the exit status says whose fault it was.
#[test]
fn bad_input_gives_one_line_and_the_right_exit_status() {
    let dir = Dir::new("cli");
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
    // clap's own usage errors: its rendering, exit 2; with --json one line.
    for (args, says) in [
        (vec!["video"], "required"),
        (vec!["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (
            vec!["templates", "lst"],
            "a similar subcommand exists: 'list'",
        ),
        (
            vec!["video", "x", "--frob"],
            "unexpected argument '--frob' found",
        ),
    ] {
        let out = run(&mut offline(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains(says),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("Usage: pictory"), "{stderr}");
        let mut json_args = vec!["--json"];
        json_args.extend(&args);
        let out = run(&mut offline(), &json_args);
        assert_eq!(out.status.code(), Some(2), "{json_args:?}");
        let line: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
        assert!(line["error"].as_str().unwrap().contains(says), "{line}");
    }
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
    let dir = Dir::new("cli");
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
    let dir = Dir::new("cli");
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
    let job = v["job_id"].as_str().unwrap().to_string();
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

// ---- pictory bulk ----

/// Runs the binary with `token` against `sim` from a test on the runtime;
/// the token is never printed.
fn online_run(sim: &Simulator, token: &str, args: &[&str]) -> Output {
    let out = tokio::task::block_in_place(|| run(&mut online(sim, token), args));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(token), "{args:?} printed the token: {all}");
    out
}

/// A batch file written in a folder of its own, and its journal's path
/// beside it (the folder goes with the batch).
struct Batch {
    file: String,
    journal: PathBuf,
    _dir: Dir,
}

impl Batch {
    fn new(file_name: &str, content: &str) -> Batch {
        let dir = Dir::new("cli-batch");
        let file = dir.file(file_name, content.as_bytes());
        Batch {
            file: file.display().to_string(),
            journal: dir.join(format!("{file_name}.journal")),
            _dir: dir,
        }
    }

    /// `[--json] bulk FILE --journal JOURNAL`, then `extra`.
    fn args<'a>(&'a self, json: bool, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = if json { vec!["--json"] } else { vec![] };
        args.extend([
            "bulk",
            &self.file,
            "--journal",
            self.journal.to_str().unwrap(),
        ]);
        args.extend(extra);
        args
    }
}

/// Storyboards and renders the simulator created.
fn jobs_created(sim: &Simulator) -> (u64, u64) {
    let c = sim.counters();
    (c.jobs_of("storyboard"), c.jobs_of("render"))
}

/// No storyboard or render was asked for twice.
fn assert_no_job_created_twice(sim: &Simulator) {
    let twice: Vec<_> = sim
        .counters()
        .job_requests_by_name
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(twice.is_empty(), "created twice: {twice:?}");
}

/// Without a token `bulk` runs against the built-in simulator, says so
/// once, and a second run of the finished batch just reads the journal.
#[test]
fn bulk_without_a_token_runs_against_the_built_in_simulator() {
    let batch = Batch::new("offline.csv", "name,text\noff-1,One.\noff-2,Two.\n");
    for _ in 0..2 {
        let out = run(&mut offline(), &batch.args(false, &[]));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stderr = lines(&out.stderr);
        let notes = stderr.iter().filter(|l| l.contains("simulator")).count();
        assert_eq!(notes, 1, "{stderr:?}");
        assert_eq!(lines(&out.stdout).last().unwrap(), "2 of 2 videos finished");
    }
}

const BATCH_CSV: &str = "name,text,voice,music
csv-1,The first video of the batch.,,
csv-2,\"Second, with a comma.\",Jackson,0.2
csv-3,The third one.,,
";

/// With a byte-order mark, as spreadsheets export, and a blank line.
const BATCH_JSONL: &str = "\u{feff}{\"name\": \"jsonl-1\", \"text\": \"One from JSON Lines.\"}

{\"name\": \"jsonl-2\", \"text\": \"Two.\", \"voice\": \"Jackson\", \"music\": 0.3}
";

/// A CSV and a JSON Lines batch run to the end (one job of each kind per
/// row, none twice); the same command again only reads the journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_runs_csv_and_jsonl_batches_and_resumes_without_new_jobs() {
    let token = "at_cli-bulk-token";
    let sim = sim_accepting(token).await;
    let batches = [
        ("batch.csv", BATCH_CSV, vec!["csv-1", "csv-2", "csv-3"]),
        ("batch.jsonl", BATCH_JSONL, vec!["jsonl-1", "jsonl-2"]),
    ];
    let mut expected = (0, 0);
    for (file_name, content, names) in batches {
        let batch = Batch::new(file_name, content);
        let args = batch.args(false, &["--concurrency", "2"]);
        let out = online_run(&sim, token, &args);
        assert!(out.status.success(), "{file_name}: {}", text(&out.stderr));
        let n = names.len() as u64;
        expected = (expected.0 + n, expected.1 + n);
        assert_eq!(jobs_created(&sim), expected, "{file_name}");
        assert_no_job_created_twice(&sim);

        // stdout: each item in file order, then the count.
        let stdout = lines(&out.stdout);
        assert_eq!(stdout.len(), names.len() + 1, "{stdout:?}");
        for (line, name) in stdout.iter().zip(&names) {
            assert!(
                line.starts_with(&format!("{name}: finished http")),
                "{line}"
            );
        }
        assert_eq!(
            stdout.last().unwrap(),
            &format!("{n} of {n} videos finished")
        );
        // stderr (not a terminal): one plain line per item as it ends.
        let stderr = text(&out.stderr);
        for name in &names {
            let ended = stderr
                .lines()
                .filter(|l| {
                    l.starts_with("pictory: [") && l.contains(&format!("] {name}: finished"))
                })
                .count();
            assert_eq!(ended, 1, "{name}: {stderr}");
        }
        assert!(!stderr.contains('\u{1b}'), "no terminal escapes");

        // The same command again: everything comes from the journal.
        let again = online_run(&sim, token, &args);
        assert!(again.status.success(), "{}", text(&again.stderr));
        assert_eq!(jobs_created(&sim), expected, "{file_name}: nothing new");
        assert_eq!(lines(&again.stdout), stdout, "the same videos");
    }
    // The row's voice and music reached the storyboard request (the last
    // one sent is jsonl-1's or jsonl-2's, whichever started last).
    let sent = sim.received("create_storyboard").unwrap();
    let audio = &sent["audio"];
    if sent["videoName"] == "jsonl-2" {
        assert_eq!(audio["aiVoiceOver"]["speaker"], "Jackson", "{sent}");
        assert_eq!(audio["backGroundMusicVolume"], 0.3, "{sent}");
    } else {
        assert_eq!(sent["videoName"], "jsonl-1", "{sent}");
        assert!(audio.is_null(), "jsonl-1 has no audio: {sent}");
    }
}

/// `--json`: one document with every item and the totals; `--voice` and
/// `--music` fill rows that have none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_json_lists_every_item_and_the_totals() {
    let token = "at_cli-bulk-json-token";
    let sim = sim_accepting(token).await;
    let batch = Batch::new(
        "one.jsonl",
        "{\"name\": \"solo\", \"text\": \"Just one.\"}\n",
    );
    let out = online_run(
        &sim,
        token,
        &batch.args(true, &["--voice", "Jackson", "--music", "0.4"]),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{v}");
    let item = &items[0];
    assert_eq!(
        (&item["key"], &item["outcome"]),
        (&"solo".into(), &"finished".into())
    );
    for field in [
        "preview_job_id",
        "render_job_id",
        "preview_url",
        "video_url",
    ] {
        assert!(item[field].is_string(), "{field}: {v}");
    }
    assert_eq!(
        v["totals"],
        serde_json::json!({"items": 1, "finished": 1, "failed": 0, "possibly_processed": 0, "interrupted": 0})
    );
    let sent = sim.received("create_storyboard").unwrap();
    assert_eq!(sent["audio"]["aiVoiceOver"]["speaker"], "Jackson", "{sent}");
    assert_eq!(sent["audio"]["backGroundMusicVolume"], 0.4, "{sent}");
}

/// A failed job: exit 1, the summary counts it, the JSON names its error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_with_a_failed_job_exits_one_with_a_summary() {
    let token = "at_cli-bulk-fail-token";
    let sim = sim_accepting(token).await;
    let content = "name,text\ngood,This works.\nbad,This one [fail]s.\n";
    let batch = Batch::new("mixed.csv", content);
    let out = online_run(&sim, token, &batch.args(true, &[]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (good, bad) = (&v["items"][0], &v["items"][1]);
    assert_eq!(
        (&good["outcome"], &bad["outcome"]),
        (&"finished".into(), &"failed".into()),
        "{v}"
    );
    let error = bad["error"].as_str().unwrap();
    assert!(error.contains("TEXT_TO_VIDEO_FAILED"), "{v}");
    assert_eq!(
        (
            v["totals"]["finished"].as_u64(),
            v["totals"]["failed"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let last = lines(&out.stderr).pop().unwrap();
    let e: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(e["exit_code"], 1);
    let message = e["error"].as_str().unwrap();
    assert!(
        message.starts_with("1 of 2 videos finished; 1 failed"),
        "{message}"
    );
    assert!(message.contains("0 possibly processed"), "{message}");
}

/// A create whose answer is lost is "possibly processed": reported (exit 1,
/// the summary points to the flag) and not sent again on the next run;
/// with `--recreate-possibly-processed` it is created again and finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_possibly_processed_items_are_sent_again_only_when_asked() {
    let token = "at_cli-bulk-pp-token";
    let dropping = Simulator::start(SimConfig {
        time_factor: 0.001,
        tokens: vec![token.into()],
        faults: FaultPlan {
            rate_drop: 1.0,
            only: vec!["create_storyboard".into()],
            ..FaultPlan::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let batch = Batch::new("pp.csv", "name,text\npp-1,Its answer is lost.\n");
    let out = online_run(&dropping, token, &batch.args(false, &[]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(jobs_created(&dropping).0, 1, "the request was processed");
    let error = lines(&out.stderr).pop().unwrap();
    assert!(
        error.starts_with("pictory: error: 0 of 1 videos finished"),
        "{error}"
    );
    assert!(error.contains("1 possibly processed"), "{error}");
    assert!(error.contains("--recreate-possibly-processed"), "{error}");
    assert!(text(&out.stdout).contains("pp-1: possibly processed"));

    // The built-in simulator cannot know the jobs of an earlier run: it says so.
    let out = run(&mut offline(), &batch.args(false, &[]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("1 item(s) of this journal stopped mid-way"),
        "{stderr}"
    );

    // A healthy service now: without the flag nothing is sent again.
    let sim = sim_accepting(token).await;
    let out = online_run(&sim, token, &batch.args(true, &[]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = &v["items"][0];
    assert_eq!(
        (&item["outcome"], &item["step"]),
        (&"possibly_processed".into(), &"storyboard".into()),
        "{v}"
    );
    assert_eq!(v["totals"]["possibly_processed"], 1);
    assert_eq!(jobs_created(&sim), (0, 0), "not sent again");

    // Asked for: created again, and finished.
    let out = online_run(
        &sim,
        token,
        &batch.args(false, &["--recreate-possibly-processed"]),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(jobs_created(&sim), (1, 1));
}

/// A bad batch or bad arguments: one line, exit 2, nothing sent, no journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_rejects_a_bad_batch_before_sending_anything() {
    let token = "at_cli-bulk-bad-token";
    let sim = sim_accepting(token).await;
    let dir = Dir::new("cli");
    let good = "name,text\na,b\n";
    let cases: &[(&str, &str, &[&str], &str)] = &[
        ("batch.txt", good, &[], "give a .csv or a .jsonl file"),
        (
            "no-text.csv",
            "name,voice\na,Jackson\n",
            &[],
            "line 1: the header has no \"text\" column",
        ),
        (
            "typo.csv",
            "name,text,vioce\na,b,c\n",
            &[],
            "unknown column \"vioce\"",
        ),
        (
            "dup.csv",
            "name,text\na,one\nb,two\na,three\n",
            &[],
            "line 4: the name \"a\" is also on line 2",
        ),
        (
            "empty-text.csv",
            "name,text\na,one\nb,   \n",
            &[],
            "line 3: \"b\": no text",
        ),
        (
            "no-name.jsonl",
            "{\"text\": \"x\"}\n",
            &[],
            "line 1: no name",
        ),
        (
            "loud.csv",
            "name,text,music\na,b,loud\n",
            &[],
            "line 2: column \"music\"",
        ),
        (
            "too-loud.jsonl",
            "{\"name\": \"a\", \"text\": \"b\", \"music\": 3}\n",
            &[],
            "line 1: music: volume 3",
        ),
        (
            "broken.jsonl",
            "{\"name\": \"a\", \"text\": \"b\"}\n\n{\"name\": \"c\", \"text\": \n",
            &[],
            "line 3: not a JSON object",
        ),
        (
            "fields.csv",
            "name,text\na,b,c\n",
            &[],
            "line 2: 3 fields where the header has 2",
        ),
        ("header-only.csv", "name,text\n", &[], "no rows"),
        (
            "flag-music.csv",
            good,
            &["--music", "2"],
            "--music: volume 2",
        ),
        (
            "flag-concurrency.csv",
            good,
            &["--concurrency", "0"],
            "--concurrency",
        ),
    ];
    let mut batches = Vec::new();
    for (name, content, extra, says) in cases {
        batches.push((Batch::new(name, content), *extra, *says));
    }
    let missing = Batch::new("missing.csv", "");
    std::fs::remove_file(&missing.file).unwrap();
    batches.push((missing, &[], "cannot read"));
    for (batch, extra, says) in &batches {
        let args = batch.args(false, extra);
        let out = online_run(&sim, token, &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        // One error line: the tool's own, or clap's (then its pointer to --help).
        let errors: Vec<String> = lines(&out.stderr)
            .into_iter()
            .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
            .collect();
        assert_eq!(errors.len(), 1, "{args:?}: {errors:?}");
        assert!(
            errors[0].starts_with("pictory: error: ") || errors[0].starts_with("error: "),
            "{errors:?}"
        );
        assert!(errors[0].contains(says), "{args:?}: {errors:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!batch.journal.exists(), "{args:?}: no journal written");
    }
    // --journal is required, and a journal needs an existing directory.
    let good = &Batch::new("good.csv", good).file;
    let out = online_run(&sim, token, &["bulk", good]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--journal"),
        "{}",
        text(&out.stderr)
    );
    let nowhere = dir.join("no/such/dir/j.journal");
    let out = online_run(
        &sim,
        token,
        &["bulk", good, "--journal", nowhere.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out.stderr).len(), 1);

    let counters = sim.counters();
    assert!(
        counters.requests.is_empty(),
        "nothing sent: {:?}",
        counters.requests
    );
    assert!(counters.jobs_created.is_empty());
}

/// `pictory sim serve` keeps one simulator for several commands: a preview
/// made by one command is read and finished by the next, through the
/// `export` lines it printed; Ctrl-C stops it with exit 0. Without it, the
/// built-in simulator of a later command says why it knows no such job.
#[test]
fn a_standing_simulator_keeps_jobs_across_commands() {
    use std::io::{BufRead, BufReader};
    let mut serve = offline()
        .args([
            "sim",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--time-factor",
            "0.001",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(serve.stdout.take().unwrap());
    let mut vars = Vec::new();
    for _ in 0..4 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let (name, value) = line
            .trim()
            .strip_prefix("export ")
            .and_then(|l| l.split_once('='))
            .unwrap_or_else(|| panic!("an export line: {line:?}"));
        vars.push((name.to_string(), value.to_string()));
    }
    let names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "LOWCODEAPI_BASE_URL",
            "LOWCODEAPI_API_TOKEN",
            "PICTORY_BASE_URL",
            "PICTORY_API_KEY"
        ]
    );
    let standing = || {
        let mut c = offline();
        c.envs(vars.iter().map(|(n, v)| (n, v)));
        c
    };
    let preview = run(
        &mut standing(),
        &["video", "Kept between commands.", "--preview-only"],
    );
    assert!(preview.status.success(), "{}", text(&preview.stderr));
    let id = lines(&preview.stdout)
        .iter()
        .find_map(|l| l.strip_prefix("preview job: ").map(str::to_owned))
        .expect("the preview's job id");
    let dir = Dir::new("cli");
    let out = dir.join("kept.mp4");
    let finished = run(
        &mut standing(),
        &["job", &id, "--out", out.to_str().unwrap()],
    );
    assert!(finished.status.success(), "{}", text(&finished.stderr));
    assert_eq!(&std::fs::read(&out).unwrap()[4..8], b"ftyp");

    // The built-in simulator of a command without credentials does not
    // know the job, and says why.
    let lost = run(&mut offline(), &["job", &id]);
    assert_eq!(lost.status.code(), Some(1));
    assert!(
        text(&lost.stderr).contains("pictory sim serve"),
        "{}",
        text(&lost.stderr)
    );

    let stopped = Command::new("kill")
        .args(["-INT", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(serve.wait().unwrap().success());
}

/// A time factor that is not a positive number is a usage error (exit 2).
#[test]
fn a_bad_time_factor_is_a_usage_error() {
    for bad in ["0", "-1", "abc", "NaN", "inf"] {
        let out = run(
            offline().env("PICTORY_SIM_TIME_FACTOR", bad),
            &["templates", "list"],
        );
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("time factor"),
            "{}",
            text(&out.stderr)
        );
    }
}

/// `pictory call` takes a parameter in any spelling, names the parameters
/// an operation takes when one is unknown, and completions offer the
/// operation ids; usage errors exit 2 with clap's own message.
#[test]
fn call_takes_any_spelling_and_names_what_it_takes() {
    let snake = run(
        &mut offline(),
        &["call", "get_template", "-p", "template_id=nope"],
    );
    // Sent: the simulator answers that the template does not exist.
    assert_eq!(snake.status.code(), Some(1), "{}", text(&snake.stderr));
    assert!(
        text(&snake.stderr).contains("not found"),
        "{}",
        text(&snake.stderr)
    );
    let unknown = run(&mut offline(), &["call", "get_template", "-p", "foo=x"]);
    assert_eq!(unknown.status.code(), Some(2));
    let message = text(&unknown.stderr);
    assert!(
        message.contains("no parameter \"foo\"; it takes: templateId (path)"),
        "{message}"
    );
    let missing = run(&mut offline(), &["call", "get_template"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("template_id"),
        "{}",
        text(&missing.stderr)
    );
    let typo = run(&mut offline(), &["call", "get_tempalte"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        text(&typo.stderr).contains("get_template"),
        "a suggestion: {}",
        text(&typo.stderr)
    );
    let completions = run(&mut offline(), &["completions", "bash"]);
    assert!(text(&completions.stdout).contains("get_template"));
}

/// `-v` logs each request; at every level, `RUST_LOG=trace` included (HTTP
/// internals), neither the token nor the key shows, in any encoded form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_never_show_a_secret() {
    let token = "at_cli-log-secret-1234";
    let sim = sim_accepting(token).await;
    let key = sim.pictory_key().to_string();
    let forms = |secret: &str| {
        let upper: String = secret
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        vec![secret.to_string(), upper.clone(), upper.to_lowercase()]
    };
    let runs: Vec<(Vec<&str>, Option<&str>)> = vec![
        (vec!["-v", "templates", "get", "nope"], None),
        (vec!["-vvv", "video", "Logged.", "--preview-only"], None),
        (vec!["templates", "get", "nope"], Some("trace")),
    ];
    for (args, rust_log) in runs {
        let mut command = online(&sim, token);
        command
            .env("PICTORY_API_KEY", &key)
            .env("PICTORY_BASE_URL", sim.pictory_base_url());
        match rust_log {
            Some(filter) => command.env("RUST_LOG", filter),
            None => command.env_remove("RUST_LOG"),
        };
        let out = tokio::task::block_in_place(|| run(&mut command, &args));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            all.contains("pictory.request"),
            "{args:?}: a request logged: {all}"
        );
        for secret in [token, key.as_str()] {
            for form in forms(secret) {
                assert!(!all.contains(&form), "{args:?} logged {form}: {all}");
            }
        }
    }
}

/// The built-in simulator knows AI voices, so a voice can be looked up
/// offline.
#[test]
fn voices_can_be_looked_up_offline() {
    let out = run(&mut offline(), &["--json", "voices", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let voices: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = voices
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert!(names.contains(&"Jackson"), "{names:?}");
}

// ---- wire details: LowCodeAPI's open-source server, Pictory's documented bodies ----

/// A sped-up simulator of LowCodeAPI's open-source server (with the job
/// route, so a job can be read through it) that accepts only `token`.
async fn open_source_sim(token: &str) -> Simulator {
    Simulator::start(SimConfig {
        time_factor: 0.001,
        tokens: vec![token.into()],
        job_route: true,
        ..SimConfig::open_source()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_json_prints_pictorys_payload_like_every_other_command() {
    let token = "at_cli-job-json-token";
    let sim = open_source_sim(token).await;
    let out = online_run(
        &sim,
        token,
        &[
            "--json",
            "video",
            "Payload, not envelope.",
            "--preview-only",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let job = v["preview_job_id"].as_str().unwrap().to_string();

    let by_id = online_run(
        &sim,
        token,
        &["--json", "call", "get_job", "-p", &format!("job_id={job}")],
    );
    assert!(by_id.status.success(), "{}", text(&by_id.stderr));
    let expected: serde_json::Value = serde_json::from_slice(&by_id.stdout).unwrap();
    assert_eq!(expected["status"], "completed", "{expected}");
    for args in [
        vec!["--json", "job", &job],
        vec!["--json", "job", &job, "--wait"],
    ] {
        let out = online_run(&sim, token, &args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for envelope_key in ["provider", "response_headers", "result", "message"] {
            assert!(printed.get(envelope_key).is_none(), "{args:?}: {printed}");
        }
        assert_eq!(printed, expected, "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcribe_names_the_job_and_the_outputs_a_finished_transcription_lacks() {
    let token = "at_cli-transcript-only";
    // Pictory's documented finished transcription: `transcript` only.
    let sim = Simulator::start(SimConfig {
        time_factor: 0.001,
        tokens: vec![token.into()],
        jobs: pictory_sim::JobVariants {
            transcription_without_job_id: true,
            transcription_transcript_only: true,
            ..Default::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = Dir::new("cli");
    let (srt, vtt) = (dir.join("t.srt"), dir.join("t.vtt"));
    for json in [false, true] {
        let mut args = vec![
            "transcribe",
            "https://example.invalid/talk.mp4",
            "--srt",
            srt.to_str().unwrap(),
            "--vtt",
            vtt.to_str().unwrap(),
        ];
        if json {
            args.insert(0, "--json");
        }
        let out = online_run(&sim, token, &args);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        let job = stderr
            .lines()
            .find_map(|l| l.strip_prefix("pictory: transcription job: "))
            .expect("the job id is shown as soon as the job exists")
            .to_string();
        let failure = stderr.lines().last().unwrap();
        assert!(
            failure.contains(&format!("job {job} completed without")),
            "{failure}"
        );
        assert!(
            failure.contains("`srt`") && failure.contains("`vtt`"),
            "{failure}"
        );
        assert!(!failure.to_lowercase().contains("undecodable"), "{failure}");
        if json {
            let v: serde_json::Value = serde_json::from_str(failure).unwrap();
            assert_eq!(v["jobs"][0]["job_id"], job.as_str(), "{v}");
            assert_eq!(v["operation"], "transcribe", "{v}");
        }
        assert!(!srt.exists() && !vtt.exists());
    }
}

/// A one-answer HTTP server (LowCodeAPI's open-source server as seen from
/// the client): every request gets `status` and `body`. Returns its
/// `/pictory` base URL; it serves until the test process ends.
fn fixed_answer_server(status: u16, body: serde_json::Value) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/pictory", listener.local_addr().unwrap());
    let body = body.to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    base
}

#[test]
fn templates_get_missing_shows_pictorys_own_message() {
    // What LowCodeAPI's open-source server answers when Pictory says 404.
    let base = fixed_answer_server(
        404,
        serde_json::json!({
            "message": "Error received from the pictory API",
            "provider": "pictory",
            "error": {"success": false, "error": {"error_message": "Template not found", "error_code": 404}},
            "headers": {"content-type": "application/json; charset=utf-8"},
        }),
    );
    let token = "at_cli-missing-template";
    for json in [false, true] {
        let mut c = offline();
        c.env("LOWCODEAPI_API_TOKEN", token)
            .env("LOWCODEAPI_BASE_URL", &base);
        let mut args = vec!["templates", "get", "missing-template"];
        if json {
            args.insert(0, "--json");
        }
        let out = run(&mut c, &args);
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("Template not found"), "{stderr}");
        assert!(!stderr.contains("Error received from"), "{stderr}");
        assert!(!stderr.contains(token));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_the_open_source_server_refuses_give_one_clear_line_and_never_show() {
    let sim = open_source_sim("at_cli-the-right-one").await;
    // An `at_` token it does not know: its 403.
    let unknown = "at_r00000000000000000000000000000000";
    for json in [false, true] {
        let mut args = vec!["templates", "list"];
        if json {
            args.insert(0, "--json");
        }
        let out = online_run(&sim, unknown, &args);
        assert_eq!(out.status.code(), Some(1));
        let stderr = lines(&out.stderr);
        assert_eq!(stderr.len(), 1, "{stderr:?}");
        assert!(stderr[0].contains("unauthorized"), "{stderr:?}");
        assert!(stderr[0].contains("Invalid api_token"), "{stderr:?}");
        assert!(stderr[0].contains("LOWCODEAPI_API_TOKEN"), "{stderr:?}");
        assert!(!stderr[0].contains(unknown), "{stderr:?}");
    }
    // A token without the prefix: its 401, which echoes the token back.
    let plain = "bad_token_12345";
    for args in [
        vec!["templates", "list"],
        vec!["--json", "templates", "list"],
        vec!["--json", "call", "get_template", "-p", "templateId=t-1"],
    ] {
        let out = online_run(&sim, plain, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("unauthorized"), "{stderr}");
    }
}

/// Lists are tables (terminal or piped) and, with `--json`, one JSON array
/// of the items, whatever shape the operation answers in (`{"items"}`,
/// `{"Items"}`, a bare array).
#[test]
fn lists_are_tables_or_one_json_array() {
    for (resource, header) in [
        ("templates", "TEMPLATE ID"),
        ("brands", "BRAND ID"),
        ("aws", "CONNECTION ID"),
        ("voices", "ID"),
    ] {
        let table = run(&mut offline(), &[resource, "list"]);
        assert!(table.status.success(), "{}", text(&table.stderr));
        let first = lines(&table.stdout).into_iter().next().unwrap_or_default();
        assert!(first.starts_with(header), "{resource}: {first:?}");
        let json = run(&mut offline(), &["--json", resource, "list"]);
        let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert!(value.is_array(), "{resource}: {value}");
    }
    let voices = run(&mut offline(), &["voices", "list"]);
    assert!(text(&voices.stdout).lines().any(|l| l.contains("Jackson")));
}

/// `aws list` reads one page and says when more follow; `--all` walks
/// every page (the simulator pages AWS connections 20 at a time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_list_all_walks_every_page() {
    let token = "at_cli-aws-pages-token";
    let sim = sim_accepting(token).await;
    let client = pictory::Client::builder()
        .token(token)
        .base_url(sim.base_url())
        .build()
        .unwrap();
    for i in 0..25 {
        client
            .call_operation(
                "create_aws_connection",
                &[],
                Some(serde_json::json!({
                    "name": format!("c{i}"), "awsAccountId": "123456789012",
                    "awsRegion": "us-east-2", "enabled": true
                })),
            )
            .await
            .unwrap();
    }
    let one = tokio::task::block_in_place(|| run(&mut online(&sim, token), &["aws", "list"]));
    assert!(one.status.success(), "{}", text(&one.stderr));
    assert_eq!(lines(&one.stdout).len(), 1 + 20, "a header and one page");
    assert!(text(&one.stderr).contains("--all"), "{}", text(&one.stderr));
    let all = tokio::task::block_in_place(|| {
        run(
            &mut online(&sim, token),
            &["--json", "aws", "list", "--all"],
        )
    });
    assert!(all.status.success(), "{}", text(&all.stderr));
    let items: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(items.as_array().map(Vec::len), Some(25));
}

/// Output that cannot be written is never a panic: a reader that went
/// away ends the tool quietly (status 0), a full disk is one error line
/// (status 1).
#[test]
fn unwritable_output_is_not_a_panic() {
    for args in [&["operations"][..], &["completions", "bash"][..]] {
        let mut child = offline()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away at once
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            !text(&out.stderr).contains("panicked"),
            "{}",
            text(&out.stderr)
        );
    }
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let out = offline()
            .args(["operations"])
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = lines(&out.stderr);
        assert_eq!(stderr.len(), 1, "{stderr:?}");
        assert!(
            stderr[0].starts_with("pictory: error: cannot write the output"),
            "{stderr:?}"
        );
    }
}
