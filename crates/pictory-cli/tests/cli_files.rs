//! Files the `pictory` binary writes (#20 item 3, #22 item 2): every
//! output (video, srt, vtt, txt, downloads) goes through the library's one
//! safe writer. Only regular files are written or replaced: a FIFO, a
//! device, a directory or a symlink at the destination is refused with one
//! line before anything is sent; an existing file is replaced only with
//! `--force`; temporary names are random and created exclusively, so a
//! symlink planted where the old code put its temporary file is never
//! followed.

use pictory_sim::{SimConfig, Simulator};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use common::{Dir, pictory, text};

async fn sim(time_factor: f64) -> Simulator {
    Simulator::start(SimConfig {
        time_factor,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn run(sim: &Simulator, args: &[&str]) -> Output {
    let mut c = pictory(sim);
    tokio::task::block_in_place(|| c.args(args).output().expect("the binary runs"))
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Makes a FIFO (`mkfifo`) or a character device like /dev/null
/// (`mknod c 1 3`, root only) at `path`; `false` when the OS refused.
fn make_special(path: &Path, device: bool) -> bool {
    let mut c = if device {
        let mut c = Command::new("mknod");
        c.arg(path).args(["c", "1", "3"]);
        c
    } else {
        let mut c = Command::new("mkfifo");
        c.arg(path);
        c
    };
    c.stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn file_type(path: &Path) -> std::fs::FileType {
    std::fs::symlink_metadata(path).unwrap().file_type()
}

/// The hostile destinations of #20 in `dir`, each with the words the
/// refusal uses; a regular file `precious` that symlinks point at.
fn hostile(dir: &Dir) -> Vec<(PathBuf, &'static str)> {
    std::fs::write(dir.join("precious"), "keep me").unwrap();
    let mut cases = Vec::new();
    let fifo = dir.join("fifo.out");
    assert!(make_special(&fifo, false), "mkfifo");
    cases.push((fifo, "a FIFO"));
    let device = dir.join("null.out");
    if make_special(&device, true) {
        cases.push((device, "a character device"));
    } else {
        eprintln!("mknod not permitted: /dev/null is reached through a symlink only");
    }
    let to_null = dir.join("to-null.out");
    std::os::unix::fs::symlink("/dev/null", &to_null).unwrap();
    cases.push((to_null, "a symlink"));
    let to_file = dir.join("to-file.out");
    std::os::unix::fs::symlink(dir.join("precious"), &to_file).unwrap();
    cases.push((to_file, "a symlink"));
    let sub = dir.join("sub.out");
    std::fs::create_dir(&sub).unwrap();
    cases.push((sub, "a directory"));
    cases
}

/// The destinations are what they were, and `precious` holds its text.
fn untouched(dir: &Dir, cases: &[(PathBuf, &str)]) {
    use std::os::unix::fs::FileTypeExt;
    for (path, kind) in cases {
        let t = file_type(path);
        let same = match *kind {
            "a FIFO" => t.is_fifo(),
            "a character device" => t.is_char_device(),
            "a symlink" => t.is_symlink(),
            "a directory" => t.is_dir(),
            other => panic!("{other}"),
        };
        assert!(same, "{path:?} is no longer {kind}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("precious")).unwrap(),
        "keep me"
    );
    assert!(
        dir.names().iter().all(|n| !n.ends_with(".part")),
        "{:?}",
        dir.names()
    );
}

/// One line on stderr, exit 2, naming the flag, the path and what is there.
fn refused(out: &Output, flag: &str, path: &Path, why: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains(flag), "{stderr}");
    assert!(lines[0].contains(s(path)), "{stderr}");
    assert!(lines[0].contains(why), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_out_refuses_hostile_destinations_before_creating_anything() {
    let sim = sim(0.001).await;
    let dir = Dir::new("cli-files");
    let cases = hostile(&dir);
    for (path, kind) in &cases {
        for force in [false, true] {
            let mut args = vec!["video", "Hostile destinations.", "--out", s(path)];
            if force {
                args.push("--force");
            }
            let out = run(&sim, &args);
            refused(&out, "--out", path, &format!("it is {kind}"));
        }
    }
    // An existing regular file: refused without --force.
    let existing = dir.join("keep.mp4");
    std::fs::write(&existing, "an older video").unwrap();
    let out = run(&sim, &["video", "Not over it.", "--out", s(&existing)]);
    refused(&out, "--out", &existing, "add --force to replace it");
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "an older video"
    );
    untouched(&dir, &cases);
    assert!(
        sim.counters().jobs_created.is_empty(),
        "nothing was created: {:?}",
        sim.counters().jobs_created
    );
    // With --force it is replaced by the video.
    let out = run(
        &sim,
        &["video", "Over it.", "--out", s(&existing), "--force"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&existing).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp");
    assert!(file_type(&existing).is_file());
    untouched(&dir, &cases);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcribe_outputs_refuse_hostile_destinations_and_existing_files() {
    let sim = sim(0.001).await;
    let dir = Dir::new("cli-files");
    let cases = hostile(&dir);
    let url = "https://example.invalid/talk.mp4";
    for flag in ["--srt", "--vtt", "--txt"] {
        for (path, kind) in &cases {
            let out = run(&sim, &["transcribe", url, flag, s(path), "--force"]);
            refused(&out, flag, path, &format!("it is {kind}"));
        }
        let existing = dir.join(format!("old{flag}"));
        std::fs::write(&existing, "older").unwrap();
        let out = run(&sim, &["transcribe", url, flag, s(&existing)]);
        refused(&out, flag, &existing, "add --force to replace it");
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "older");
    }
    untouched(&dir, &cases);
    assert!(sim.counters().jobs_created.is_empty());
    // The same file for two outputs is refused too.
    let twice = dir.join("twice.txt");
    let out = run(
        &sim,
        &["transcribe", url, "--srt", s(&twice), "--txt", s(&twice)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!twice.exists());
    // With --force the existing files are replaced.
    let (srt, vtt, txt) = (
        dir.join("old--srt"),
        dir.join("old--vtt"),
        dir.join("old--txt"),
    );
    let out = run(
        &sim,
        &[
            "transcribe",
            url,
            "--srt",
            s(&srt),
            "--vtt",
            s(&vtt),
            "--txt",
            s(&txt),
            "--force",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&srt).unwrap().contains("-->"));
    assert!(std::fs::read_to_string(&vtt).unwrap().starts_with("WEBVTT"));
    assert_ne!(std::fs::read_to_string(&txt).unwrap(), "older");
    untouched(&dir, &cases);
}

/// The old code wrote each subtitle to `.<name>.<pid>.part` and renamed it:
/// a symlink planted there had its target overwritten with the transcript.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinks_planted_at_temporary_names_are_never_followed() {
    // Slow enough that the links are planted long before the job ends.
    let sim = sim(0.05).await;
    let dir = Dir::new("cli-files");
    let target = dir.join("precious");
    std::fs::write(&target, "keep me").unwrap();
    let outputs = ["t.srt", "t.vtt", "t.txt"];
    let mut c = pictory(&sim);
    c.args(["transcribe", "https://example.invalid/talk.mp4"])
        .args(["--srt", s(&dir.join("t.srt"))])
        .args(["--vtt", s(&dir.join("t.vtt"))])
        .args(["--txt", s(&dir.join("t.txt"))])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    let pid = child.id();
    let mut planted = Vec::new();
    for name in outputs {
        // The predictable names, and a few guesses around them.
        for guess in [
            format!(".{name}.{pid}.part"),
            format!(".{name}.part"),
            format!("{name}.tmp"),
        ] {
            std::os::unix::fs::symlink(&target, dir.join(&guess)).unwrap();
            planted.push(guess);
        }
    }
    let out = tokio::task::block_in_place(|| child.wait_with_output().unwrap());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    for name in outputs {
        assert!(
            file_type(&dir.join(name)).is_file(),
            "{name} is a regular file"
        );
        assert!(!std::fs::read_to_string(dir.join(name)).unwrap().is_empty());
    }
    for guess in &planted {
        assert!(
            file_type(&dir.join(guess)).is_symlink(),
            "{guess} left alone"
        );
    }
    let mut expected: Vec<String> = planted.clone();
    expected.extend(outputs.iter().map(|s| s.to_string()));
    expected.push("precious".into());
    expected.sort();
    assert_eq!(dir.names(), expected, "no temporary file left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_saves_a_render_by_job_id_or_url_and_replaces_only_with_force() {
    let sim = sim(0.001).await;
    let dir = Dir::new("cli-files");
    let first = dir.join("first.mp4");
    let out = run(
        &sim,
        &["--json", "video", "Download me later.", "--out", s(&first)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let made: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (render, preview) = (
        made["render_job_id"].as_str().unwrap().to_string(),
        made["preview_job_id"].as_str().unwrap().to_string(),
    );
    let url = made["video_url"].as_str().unwrap().to_string();
    let video = std::fs::read(&first).unwrap();

    // By job id.
    let again = dir.join("again.mp4");
    let out = run(&sim, &["--json", "download", &render, "--out", s(&again)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["job_id"].as_str(), v["bytes"].as_u64()),
        (Some(render.as_str()), Some(video.len() as u64))
    );
    assert_eq!(std::fs::read(&again).unwrap(), video);
    // Never over an existing file without --force; with it, replaced.
    std::fs::write(&again, "mine").unwrap();
    let out = run(&sim, &["download", &render, "--out", s(&again)]);
    refused(&out, "--out", &again, "add --force to replace it");
    assert_eq!(std::fs::read_to_string(&again).unwrap(), "mine");
    let out = run(&sim, &["download", &render, "--out", s(&again), "--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&again).unwrap(), video);

    // By URL.
    let by_url = dir.join("by-url.mp4");
    let out = run(&sim, &["download", &url, "--out", s(&by_url)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&by_url).unwrap(), video);

    // A preview job has no video: its id and what it is are named.
    let none = dir.join("none.mp4");
    let out = run(&sim, &["download", &preview, "--out", s(&none)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&preview) && stderr.contains("a preview"),
        "{stderr}"
    );
    assert!(!none.exists());

    // Hostile destinations: one line, nothing read or written.
    let cases = hostile(&dir);
    let reads = sim.counters().requests_to("get_job");
    for (path, kind) in &cases {
        let out = run(&sim, &["download", &render, "--out", s(path), "--force"]);
        refused(&out, "--out", path, &format!("it is {kind}"));
    }
    assert_eq!(sim.counters().requests_to("get_job"), reads);
    untouched(&dir, &cases);

    // `job --out` follows the same rules.
    let out = run(&sim, &["job", &render, "--out", s(&again)]);
    refused(&out, "--out", &again, "add --force to replace it");
}
