//! The poller against scripted servers, on paused tokio time.

mod common;

use common::{json_response, paused_client, scripted};
use futures_util::StreamExt;
use httpmock::HttpMockResponse;
use pictory::jobs::{
    FixedInterval, JobOutput, JobState, PollingErrorPolicy, parse_job, parse_webhook,
};
use pictory::{Error, jobs::JobId};
use serde_json::json;
use std::time::Duration;

fn in_progress(p: Option<u32>) -> serde_json::Value {
    let mut data = json!({"status": "in-progress"});
    if let Some(p) = p {
        data["renderProgress"] = json!(p);
        data["renderProgressMessage"] = json!("Generating video");
        data["renderState"] = json!("RUNNING");
    }
    json!({"data": {"job_id": "r1", "success": true, "data": data}})
}

fn render_done() -> serde_json::Value {
    json!({"message": "Request completed", "provider": "pictory", "result": {"job_id": "r1", "success": true, "data": {
        "status": "completed", "videoURL": "https://cdn/v.mp4", "videoShareURL": "https://share/v",
        "thumbnail": "https://cdn/t.jpg", "srtFile": "s.srt", "vttFile": "s.vtt", "txtFile": "s.txt", "videoDuration": 42.5}}})
}

#[tokio::test(start_paused = true)]
async fn progress_stream_in_progress_40_90_completed() {
    let (server, log) = scripted(|n, _| {
        json_response(
            200,
            match n {
                0 => in_progress(None),
                1 => in_progress(Some(40)),
                2 => in_progress(Some(40)),
                3 => in_progress(Some(90)),
                _ => render_done(),
            },
        )
    })
    .await;
    let client = paused_client(&server.url("/pictory"));
    let job = client
        .job("r1")
        .with_backoff(FixedInterval::new(Duration::from_secs(10)));
    let seen: Vec<_> = job.progress().collect().await;
    let states: Vec<(String, Option<f64>)> = seen
        .iter()
        .map(|j| j.as_ref().unwrap())
        .map(|j| (j.state.name().to_string(), j.state.progress()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("in-progress".into(), None),
            ("in-progress".into(), Some(40.0)),
            ("in-progress".into(), Some(90.0)),
            ("completed".into(), Some(100.0)),
        ],
        "unchanged readings are not repeated"
    );
    assert_eq!(log.lock().unwrap().len(), 5);
    match &seen.last().unwrap().as_ref().unwrap().state {
        JobState::Completed(JobOutput::Render(r)) => {
            assert_eq!(r.video_url, "https://cdn/v.mp4");
            assert_eq!(r.share_page_url.as_deref(), Some("https://share/v"));
            assert_eq!(r.duration_secs, Some(42.5));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn failed_job_surfaces_code_and_message() {
    let (server, _) = scripted(|_, _| {
        json_response(200, json!({"job_id": "s1", "success": false, "data": {"status": "failed",
            "error_code": "TEXT_TO_VIDEO_FAILED", "error_message": "Scene 2 could not be rendered"}}))
    })
    .await;
    let client = paused_client(&server.url("/pictory"));
    let err = client.job("s1").wait().await.unwrap_err();
    match &err {
        Error::JobFailed {
            job_id,
            code,
            message,
            ..
        } => {
            assert_eq!(
                (job_id.as_str(), code.as_str()),
                ("s1", "TEXT_TO_VIDEO_FAILED")
            );
            assert_eq!(message, "Scene 2 could not be rendered");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("TEXT_TO_VIDEO_FAILED"));
}

#[tokio::test(start_paused = true)]
async fn job_not_found_as_200_body_and_as_404() {
    for status in [200, 404] {
        let (server, log) = scripted(move |_, _| {
            json_response(status, json!({"job_id": "nope", "success": false, "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}}))
        })
        .await;
        let client = paused_client(&server.url("/pictory"));
        let err = client.job("nope").wait().await.unwrap_err();
        assert!(
            matches!(&err, Error::JobNotFound { job_id } if job_id == "nope"),
            "{status}: {err:?}"
        );
        assert_eq!(log.lock().unwrap().len(), 1, "not retried");
    }
}

#[tokio::test(start_paused = true)]
async fn deadline_is_a_typed_error_with_elapsed_time_and_polls() {
    let (server, log) = scripted(|_, _| json_response(200, in_progress(Some(10)))).await;
    let client = paused_client(&server.url("/pictory"));
    let start = tokio::time::Instant::now();
    let err = client
        .job("r1")
        .with_backoff(FixedInterval::new(Duration::from_secs(10)))
        .with_error_policy(PollingErrorPolicy::default().time_limit(Duration::from_secs(60)))
        .wait()
        .await
        .unwrap_err();
    match err {
        Error::JobDeadline {
            elapsed,
            polls,
            last_status,
            ..
        } => {
            assert_eq!(polls, 6, "reads at 10, 20, ... 60 s");
            assert!(
                elapsed >= Duration::from_secs(60) && elapsed < Duration::from_secs(61),
                "{elapsed:?}"
            );
            assert_eq!(last_status.as_deref(), Some("in-progress"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(log.lock().unwrap().len(), 6);
    assert!(start.elapsed() < Duration::from_secs(61));
}

#[tokio::test(start_paused = true)]
async fn polling_rides_through_two_503s_and_a_429() {
    // The client retries each read itself; these faults outlast those retries
    // (4 attempts each), so the poller's error policy has to ride them out.
    let (server, log) = scripted(|n, _| match n {
        0..=3 => HttpMockResponse::builder().status(503).build(),
        4..=7 => HttpMockResponse::builder().status(503).build(),
        8 => HttpMockResponse::builder()
            .status(429)
            .header("retry-after", "120")
            .build(),
        _ => json_response(200, render_done()),
    })
    .await;
    let client = paused_client(&server.url("/pictory"));
    let output = client
        .job("r1")
        .with_backoff(FixedInterval::new(Duration::from_secs(10)))
        .wait()
        .await
        .unwrap();
    assert!(matches!(output, JobOutput::Render(_)));
    assert_eq!(log.lock().unwrap().len(), 10);
}

#[tokio::test(start_paused = true)]
async fn dropping_a_wait_cancels_it() {
    let (tx, mut reads) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (server, log) = scripted(move |_, _| {
        let _ = tx.send(());
        json_response(200, in_progress(Some(5)))
    })
    .await;
    let client = paused_client(&server.url("/pictory"));
    let job = client
        .job("r1")
        .with_backoff(FixedInterval::new(Duration::from_secs(10)));
    let task = tokio::spawn(async move { job.wait().await });
    for _ in 0..3 {
        reads.recv().await.unwrap();
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let before = log.lock().unwrap().len();
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(
        log.lock().unwrap().len(),
        before,
        "no read after the wait was dropped"
    );
    assert_eq!(before, 3);
}

#[test]
fn every_job_body_shape_parses() {
    let id = JobId::from("j9");
    for body in [
        json!({"job_id": "j9", "success": true, "data": {"status": "in-progress"}}),
        json!({"data": {"job_id": "j9", "success": true, "data": {"status": "in-progress"}}}),
        json!({"message": "ok", "provider": "pictory", "result": {"jobId": "j9", "data": {"status": "in-progress"}}}),
        json!({"success": true, "data": {"jobId": "j9", "status": "in-progress"}}),
        json!({"status": "in-progress"}),
    ] {
        let job = parse_job(&body, Some(&id)).unwrap();
        assert_eq!(job.id.as_ref(), Some(&id), "{body}");
        assert_eq!(job.state.name(), "in-progress");
    }
    let preview = parse_webhook(br#"{"job_id":"p1","success":true,"data":{"status":"completed","preview":"https://p/1","renderParams":{"audio":{},"output":{},"scenes":[]}}}"#).unwrap();
    assert!(matches!(
        preview.state,
        JobState::Completed(JobOutput::Preview(_))
    ));
    assert!(matches!(
        parse_webhook(b"<html>"),
        Err(Error::UndecodableBody { .. })
    ));
}
