//! The `pictory` binary behind a proxy without a job-status route (the
//! simulator's open-source profile, as LowCodeAPI's own server): it says
//! how it will wait before creating anything, stops when it could not,
//! finishes with Pictory's key or a webhook receiver, prints every job id
//! as soon as it exists, and on Ctrl-C prints the command that resumes.

use pictory_sim::{SimConfig, Simulator};
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

mod common;

use common::{Dir, pictory, text, with_key};

async fn open_source(time_factor: f64) -> Simulator {
    Simulator::start(SimConfig {
        time_factor,
        ..SimConfig::open_source()
    })
    .await
    .unwrap()
}

fn run(mut c: Command, args: &[&str]) -> Output {
    tokio::task::block_in_place(|| common::run(&mut c, args))
}

fn is_mp4(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.len() > 8 && &b[4..8] == b"ftyp")
}

/// Nothing printed carries either secret.
fn assert_no_secret(sim: &Simulator, out: &Output) {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(sim.token()), "the token was printed: {all}");
    assert!(
        !all.contains(sim.pictory_key()),
        "the key was printed: {all}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_way_to_wait_video_stops_before_creating_anything() {
    let sim = open_source(0.001).await;
    let dir = Dir::new("cli-waiting");
    let out_file = dir.join("v.mp4");
    let out = run(
        pictory(&sim),
        &[
            "video",
            "Nothing may be created.",
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("pictory: error: ")
            && stderr.contains("PICTORY_API_KEY")
            && stderr.contains("--listen"),
        "{stderr}"
    );
    assert!(
        sim.counters().jobs_created.is_empty(),
        "{:?}",
        sim.counters()
    );
    assert!(!out_file.exists());
    // The same for the other commands that wait.
    for args in [
        vec!["transcribe", "https://example.invalid/talk.mp4"],
        vec!["job", "0456f1e4-77ef-467d-39a3-bb04f07f3aa2", "--wait"],
    ] {
        let out = run(pictory(&sim), &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(sim.counters().jobs_created.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_key_video_reads_jobs_from_pictory_and_prints_each_id() {
    let sim = open_source(0.001).await;
    let dir = Dir::new("cli-waiting");
    let out_file = dir.join("v.mp4");
    let out = run(
        with_key(&sim),
        &[
            "video",
            "Read from Pictory.",
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(is_mp4(&out_file));
    assert!(
        stderr.contains(
            "pictory: waiting for jobs: polling: jobs read from Pictory directly with PICTORY_API_KEY"
        ),
        "{stderr}"
    );
    let c = sim.counters();
    let preview = stderr
        .lines()
        .find_map(|l| l.strip_prefix("pictory: preview job: "))
        .expect("the preview job id is printed");
    assert!(stderr.contains("pictory: render job: "), "{stderr}");
    assert!(
        c.job_requests_by_name.keys().any(|k| k.contains(preview)),
        "{c:?}"
    );
    assert_eq!(
        (c.jobs_of("storyboard"), c.jobs_of("render")),
        (1, 1),
        "{c:?}"
    );
    assert!(c.pictory_requests_to("get_job") >= 2, "{c:?}");
    assert_eq!(c.requests_to("get_job"), 0, "{c:?}");
    assert_eq!(
        (c.token_at_pictory, c.key_at_lowcodeapi, c.secret_at_files),
        (0, 0, 0),
        "{c:?}"
    );
    assert_no_secret(&sim, &out);
    // --json has the ids too.
    let out = run(
        with_key(&sim),
        &[
            "--json",
            "video",
            "JSON ids.",
            "--out",
            dir.join("j.mp4").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["preview_job_id"].is_string() && v["render_job_id"].is_string(),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_webhook_receiver_video_finishes_on_the_webhooks() {
    let sim = open_source(0.001).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = Dir::new("cli-waiting");
    let out_file = dir.join("v.mp4");
    let listen = format!("127.0.0.1:{port}");
    let url = format!("http://127.0.0.1:{port}/hooks");
    let out = run(
        pictory(&sim),
        &[
            "video",
            "Finished by webhooks.",
            "--listen",
            &listen,
            "--public-url",
            &url,
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(is_mp4(&out_file));
    assert!(
        stderr.contains(&format!("pictory: waiting for jobs: webhooks at {url}")),
        "{stderr}"
    );
    let c = sim.counters();
    assert_eq!(c.webhooks_delivered, 2, "{c:?}");
    assert_eq!(
        (c.jobs_of("storyboard"), c.jobs_of("render")),
        (1, 1),
        "{c:?}"
    );
    // Half a receiver is a usage error, before anything is sent.
    let out = run(pictory(&sim), &["video", "Half.", "--listen", &listen]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--public-url"));
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
}

/// Ctrl-C during the render: exit 130, one line naming the jobs and the
/// command that resumes; that command finishes the video without creating
/// any job again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_prints_the_jobs_and_the_command_that_resumes() {
    // Preview about 1 s, render about 18 s.
    let sim = Simulator::start(SimConfig {
        time_factor: 0.05,
        durations: pictory_sim::JobDurations {
            render: Duration::from_secs(360),
            ..Default::default()
        },
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    let dir = Dir::new("cli-waiting");
    let out_file = dir.join("interrupted video.mp4");
    let mut child = with_key(&sim)
        .args([
            "video",
            "Interrupt me.",
            "--out",
            out_file.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let render_job = tokio::task::block_in_place(|| {
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the render job id is printed");
            seen.push(line.clone());
            if let Some(id) = line.strip_prefix("pictory: render job: ") {
                break id.to_string();
            }
        }
    });
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::block_in_place(|| child.wait()).unwrap();
    let rest: Vec<String> = rx.iter().collect();
    assert_eq!(status.code(), Some(130), "{seen:?} {rest:?}");
    let last = rest.last().expect("a line after Ctrl-C");
    let resume = format!(
        "resume with: pictory job {render_job} --wait --out '{}'",
        out_file.display()
    );
    assert!(
        last.starts_with("pictory: error: interrupted; created: preview job ")
            && last.contains(&format!("render job {render_job}"))
            && last.ends_with(&resume),
        "{last}"
    );
    assert!(!out_file.exists());
    let before = sim.counters();
    let out = run(
        with_key(&sim),
        &[
            "job",
            &render_job,
            "--wait",
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(is_mp4(&out_file));
    let after = sim.counters();
    assert_eq!(
        after.jobs_created, before.jobs_created,
        "nothing created again"
    );
    assert_no_secret(&sim, &out);
}

/// `pictory job <preview id> --wait --out F` finishes a journey started
/// elsewhere: the preview is rendered and the video downloaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_wait_out_renders_a_finished_preview_and_downloads_it() {
    let sim = open_source(0.001).await;
    let client = sim
        .client_builder()
        .pictory_key(sim.pictory_key())
        .pictory_base_url(sim.pictory_base_url())
        .build()
        .unwrap();
    let request = pictory::storyboard::StoryboardRequest::new("started elsewhere")
        .scene(pictory::storyboard::Scene::text("Started by a library."));
    let preview = client.start_storyboard(&request).await.unwrap();
    let dir = Dir::new("cli-waiting");
    let out_file = dir.join("v.mp4");
    let out = run(
        with_key(&sim),
        &["job", preview.as_str(), "--out", out_file.to_str().unwrap()],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(is_mp4(&out_file));
    assert!(stderr.contains("pictory: render job: "), "{stderr}");
    let c = sim.counters();
    assert_eq!(
        (c.jobs_of("storyboard"), c.jobs_of("render")),
        (1, 1),
        "{c:?}"
    );
}
