//! The examples, run as a user runs them: against the simulator through
//! `LOWCODEAPI_API_TOKEN` / `LOWCODEAPI_BASE_URL`.
#![cfg(feature = "simulator")]

use pictory::sim::{JobVariants, SimConfig, Simulator};
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
    tokio::process::Command::new(example(name))
        .env("LOWCODEAPI_API_TOKEN", sim.token())
        .env("LOWCODEAPI_BASE_URL", sim.base_url())
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap()
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
    assert!(stdout.trim_end().ends_with(".mp4"), "{stdout}");
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
    assert!(stdout.trim_end().ends_with(".mp4"), "{stdout}");
}
