//! The examples, run as a user runs them: against the simulator through
//! `LOWCODEAPI_API_TOKEN` / `LOWCODEAPI_BASE_URL`.

use pictory_sim::{JobVariants, SimConfig, Simulator};
use std::path::PathBuf;
use std::time::Duration;

/// `target/<profile>/examples/<name>`, built by `cargo test` with the tests.
fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    deps.parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("examples").join(name))
        .unwrap()
}

async fn run(name: &str, sim: &Simulator) -> std::process::Output {
    run_with(name, sim, &[]).await
}

async fn run_with(name: &str, sim: &Simulator, env: &[(&str, &str)]) -> std::process::Output {
    // The video goes to a fresh temporary file, never into the checkout.
    let out = std::env::temp_dir().join(format!(
        "pictory-example-{}-{}.mp4",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let output = tokio::process::Command::new(example(name))
        .arg(&out)
        .env("LOWCODEAPI_API_TOKEN", sim.token())
        .env("LOWCODEAPI_BASE_URL", sim.base_url())
        .env_remove("PICTORY_API_KEY")
        .env_remove("PICTORY_BASE_URL")
        .env_remove("PICTORY_WEBHOOK_ADDR")
        .env_remove("PICTORY_WEBHOOK_URL")
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap();
    if output.status.success() {
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[4..8], b"ftyp", "the example leaves an MP4");
        std::fs::remove_file(&out).unwrap();
    }
    output
}

/// Its last line: `saved: <path> (<n> bytes)`.
fn saved(stdout: &str) -> bool {
    stdout
        .trim_end()
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("saved: ") && l.ends_with(" bytes)"))
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Webhook mode behind the open-source profile without a job route: only
/// webhooks can end the waits, and they do.
#[cfg(feature = "webhooks")]
#[tokio::test(flavor = "multi_thread")]
async fn text_to_video_waits_through_webhooks_without_a_job_route() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.01,
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    assert!(!sim.config().job_route);
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("http://127.0.0.1:{port}/hooks");
    let out = run_with(
        "text_to_video",
        &sim,
        &[
            ("PICTORY_WEBHOOK_ADDR", &addr),
            ("PICTORY_WEBHOOK_URL", &url),
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("waiting through webhooks"), "{stdout}");
    assert!(stdout.contains("waiting for jobs: webhooks at"), "{stdout}");
    assert!(saved(&stdout), "{stdout}");
    assert_eq!(sim.counters().webhooks_delivered, 2);
}

/// Only one of the two webhook variables: one line, exit 1, nothing created.
#[tokio::test(flavor = "multi_thread")]
async fn text_to_video_refuses_half_a_webhook_setup() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let out = run_with(
        "text_to_video",
        &sim,
        &[("PICTORY_WEBHOOK_URL", "http://127.0.0.1:9/h")],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("PICTORY_WEBHOOK_ADDR"), "{stderr}");
    assert!(sim.counters().jobs_created.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn text_to_video_exits_non_zero_with_one_line_on_a_cleaned_job() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.01,
        jobs: JobVariants {
            retention: Some(Duration::ZERO),
            ..JobVariants::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let out = run("text_to_video", &sim).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("cleaned"), "{stderr}");
    assert!(!stderr.contains(sim.token()), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn text_to_video_completes_behind_the_open_source_profile() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.01,
        job_route: true,
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    let out = run("text_to_video", &sim).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(saved(&stdout), "{stdout}");
}

/// Behind the open-source profile without a job route, with neither
/// Pictory's key nor a webhook receiver: one line naming both ways out,
/// exit 1, and no job created.
#[tokio::test(flavor = "multi_thread")]
async fn text_to_video_stops_before_creating_anything_when_it_could_not_wait() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.01,
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    let out = run("text_to_video", &sim).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("PICTORY_API_KEY") && stderr.contains("webhook"),
        "{stderr}"
    );
    assert!(
        sim.counters().jobs_created.is_empty(),
        "{:?}",
        sim.counters()
    );
}

/// Behind the open-source profile without a job route, with Pictory's key:
/// jobs are created through LowCodeAPI and read from Pictory directly; the
/// key never reaches LowCodeAPI, the token never reaches Pictory.
#[tokio::test(flavor = "multi_thread")]
async fn text_to_video_reads_jobs_from_pictory_with_the_key() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.01,
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    let base = sim.pictory_base_url();
    let out = run_with(
        "text_to_video",
        &sim,
        &[
            ("PICTORY_API_KEY", sim.pictory_key()),
            ("PICTORY_BASE_URL", &base),
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("waiting for jobs: polling: jobs read from Pictory directly"),
        "{stdout}"
    );
    assert!(saved(&stdout), "{stdout}");
    let c = sim.counters();
    assert_eq!(c.jobs_of("storyboard"), 1, "{c:?}");
    assert!(c.pictory_requests_to("get_job") >= 2, "{c:?}");
    assert_eq!(c.requests_to("create_storyboard"), 1, "{c:?}");
    assert_eq!(c.pictory_requests_to("create_storyboard"), 0, "{c:?}");
    assert_eq!(
        (c.token_at_pictory, c.key_at_lowcodeapi, c.secret_at_files),
        (0, 0, 0),
        "{c:?}"
    );
}
