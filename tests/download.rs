//! Downloading a finished render: the simulator's real MP4 arrives whole
//! and valid, resumes with `Range` after a break, starts over when the host
//! ignores ranges, follows a redirect, refuses size changes, and never
//! leaves a partial file at the destination or sends the token.

use pictory::jobs::{FixedInterval, RenderOutput};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{Client, DownloadProblem, Error, FlowOptions, RetryPolicy};
use pictory_sim::{SimConfig, Simulator};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn client_for(sim: &Simulator) -> Client {
    sim.client_builder()
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

/// A simulator, a client, and a finished render.
async fn rendered() -> (Simulator, Client, RenderOutput) {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.001,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client_for(&sim);
    let request = StoryboardRequest::new("download test").scene(Scene::text("A video to fetch."));
    let opts = FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(10)));
    let video = client.text_to_video_with(&request, &opts).await.unwrap();
    (sim, client, video.video)
}

/// The MP4's top-level boxes (type, size); panics if they do not tile the file.
fn mp4_boxes(bytes: &[u8]) -> Vec<(String, usize)> {
    let mut boxes = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        assert!(at + 8 <= bytes.len(), "box header past the end at {at}");
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned();
        assert!(
            size >= 8 && at + size <= bytes.len(),
            "bad box {kind} size {size}"
        );
        boxes.push((kind, size));
        at += size;
    }
    boxes
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn with_fault(render: &RenderOutput, fault: &str) -> String {
    format!("{}?fault={fault}", render.video_url)
}

#[tokio::test]
async fn a_render_downloads_as_a_valid_mp4_with_progress() {
    let (sim, client, render) = rendered().await;
    let dir = tempdir();
    let out = dir.join("video.mp4");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let done = client
        .download_video(&render, &out, move |bytes, total| {
            log.lock().unwrap().push((bytes, total))
        })
        .await
        .unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(done.bytes, bytes.len() as u64);
    assert_eq!((done.resumed, done.restarted), (0, 0));
    let kinds: Vec<String> = mp4_boxes(&bytes).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds.first().map(String::as_str), Some("ftyp"), "{kinds:?}");
    assert!(kinds.iter().any(|k| k == "moov") && kinds.iter().any(|k| k == "mdat"));
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.last(),
        Some(&(bytes.len() as u64, Some(bytes.len() as u64)))
    );
    assert_eq!(entries(&dir), vec!["video.mp4"], "no temporary file left");
    assert_eq!(sim.counters().file_gets, 1);
}

#[tokio::test]
async fn a_broken_body_is_resumed_with_range() {
    let (sim, client, render) = rendered().await;
    let dir = tempdir();
    let out = dir.join("v.mp4");
    let done = client
        .download(&with_fault(&render, "cut:300"), &out, |_, _| {})
        .await
        .unwrap();
    let clean = dir.join("clean.mp4");
    client
        .download_video(&render, &clean, |_, _| {})
        .await
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&clean).unwrap());
    assert_eq!((done.resumed, done.restarted), (1, 0));
    let counters = sim.counters();
    assert_eq!((counters.file_gets, counters.file_range_gets), (3, 1));
}

#[tokio::test]
async fn a_host_that_ignores_ranges_makes_the_download_start_over() {
    let (_sim, client, render) = rendered().await;
    let dir = tempdir();
    let out = dir.join("v.mp4");
    let done = client
        .download(
            &with_fault(&render, "cut-first:300,ignore-range"),
            &out,
            |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!((done.resumed, done.restarted), (0, 1));
    mp4_boxes(&std::fs::read(&out).unwrap());
}

#[tokio::test]
async fn a_body_that_always_breaks_is_truncated_and_leaves_nothing() {
    let (_sim, client, render) = rendered().await;
    let dir = tempdir();
    let out = dir.join("v.mp4");
    let err = client
        .download(
            &with_fault(&render, "cut:300,ignore-range"),
            &out,
            |_, _| {},
        )
        .await
        .unwrap_err();
    match &err {
        Error::Download {
            problem: DownloadProblem::Truncated { received, expected },
            ..
        } => {
            assert_eq!(*received, 300);
            assert!(expected.is_some_and(|e| e > 300));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.operation(), Some("download"));
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
}

#[tokio::test]
async fn a_size_that_changes_between_attempts_is_refused() {
    let (_sim, client, render) = rendered().await;
    let dir = tempdir();
    let out = dir.join("v.mp4");
    let err = client
        .download(&with_fault(&render, "cut-first:300,grow"), &out, |_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Download {
                problem: DownloadProblem::SizeMismatch { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(entries(&dir).is_empty());
}

#[tokio::test]
async fn a_redirect_is_followed_and_a_missing_file_is_not_found() {
    let (_sim, client, render) = rendered().await;
    let dir = tempdir();
    let out = dir.join("v.mp4");
    client
        .download(&with_fault(&render, "redirect"), &out, |_, _| {})
        .await
        .unwrap();
    mp4_boxes(&std::fs::read(&out).unwrap());

    let missing = render.video_url.replace(".mp4", "x.mp4");
    let gone = dir.join("gone.mp4");
    let err = client
        .download(&missing, &gone, |_, _| {})
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(err.status(), Some(404));
    assert!(!gone.exists());
    // An existing destination is left as it was when a download fails.
    std::fs::write(&gone, b"keep").unwrap();
    client
        .download(&missing, &gone, |_, _| {})
        .await
        .unwrap_err();
    assert_eq!(std::fs::read(&gone).unwrap(), b"keep");
}

#[tokio::test]
async fn the_token_never_goes_to_the_file_host() {
    let server = httpmock::MockServer::start_async().await;
    let with_token = server
        .mock_async(|when, then| {
            when.query_param_exists("api_token");
            then.status(500);
        })
        .await;
    let file = server
        .mock_async(|when, then| {
            when.method("GET").path("/f.mp4");
            then.status(200).body("0123456789");
        })
        .await;
    let token = "at_download-secret-token";
    let client = Client::builder()
        .token(token)
        .base_url(server.url("/pictory"))
        .build()
        .unwrap();
    let dir = tempdir();
    let out = dir.join("f.mp4");
    let done = client
        .download(&server.url("/f.mp4"), &out, |_, _| {})
        .await
        .unwrap();
    assert_eq!(done.bytes, 10);
    assert_eq!(with_token.calls_async().await, 0);
    assert_eq!(file.calls_async().await, 1);

    // A URL that carries the token is refused before anything is sent.
    let err = client
        .download(&server.url(format!("/f.mp4?t={token}")), &out, |_, _| {})
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(!err.to_string().contains(token));
    assert_eq!(file.calls_async().await, 1);
}

/// A client built `without_timeouts` downloads and resumes on paused time
/// (no download timer is armed then; this test passes with or without that
/// rule, as the loopback I/O completes before the clock jumps).
#[tokio::test(start_paused = true)]
async fn downloads_resume_on_paused_time_without_timers() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = sim.client_builder().without_timeouts().build().unwrap();
    let request = StoryboardRequest::new("paused").scene(Scene::text("Paused time."));
    let video = client.text_to_video(&request).await.unwrap().video;
    let dir = tempdir();
    let out = dir.join("v.mp4");
    let done = client
        .download(&with_fault(&video, "cut:300"), &out, |_, _| {})
        .await
        .unwrap();
    assert_eq!((done.bytes, done.resumed), (866, 1));
}

#[tokio::test]
async fn a_simulator_start_error_converts_into_the_crate_error() {
    async fn start() -> pictory::Result<Simulator> {
        Ok(pictory_sim::start(SimConfig::default()).await?)
    }
    assert!(start().await.is_ok());
}

/// A fresh empty directory under the target dir.
fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pictory-download-{}-{:x}",
        std::process::id(),
        fastrand_u64()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    );
    h.finish()
}
