//! One-call flows against a scripted LowCodeAPI, on paused time: the exact
//! sequence of requests, streamed uploads, multipart templates, validation.

mod common;

use common::{json_response, paused_client, scripted};
use httpmock::{HttpMockResponse, MockServer};
use pictory::jobs::{FixedInterval, JobId};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{Error, FlowOptions, Stage};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A scripted Pictory: storyboard job "s1" completes on its 2nd read, render
/// job "r1" on its 3rd.
fn pictory_like(
    n_reads: Arc<Mutex<std::collections::HashMap<String, u32>>>,
) -> impl Fn(usize, &httpmock::HttpMockRequest) -> HttpMockResponse + Send + Sync {
    move |_, req| {
        let path = req.uri().path().to_string();
        let method = req.method().to_string();
        let ok = |v: Value| json_response(200, json!({"data": v}));
        match (method.as_str(), path.as_str()) {
            ("POST", "/pictory/pictoryapis/v1/video/storyboard") => {
                ok(json!({"success": true, "data": {"jobId": "s1"}}))
            }
            ("PUT", "/pictory/pictoryapis/v1/video/render/s1") => {
                ok(json!({"data": {"job_id": "r1"}}))
            }
            ("POST", "/pictory/pictoryapis/v1/video/render") => {
                ok(json!({"data": {"job_id": "r2"}}))
            }
            ("GET", p) if p.starts_with("/pictory/pictoryapis/v1/jobs/00000000-") => {
                common::job_not_found()
            }
            ("GET", p) if p.starts_with("/pictory/pictoryapis/v1/jobs/") => {
                let id = p.rsplit('/').next().unwrap().to_string();
                let mut reads = n_reads.lock().unwrap();
                let n = reads.entry(id.clone()).or_default();
                *n += 1;
                let data = match (id.as_str(), *n) {
                    ("s1", 1) => json!({"status": "in-progress"}),
                    ("s1", _) => {
                        json!({"status": "completed", "preview": "https://p/s1", "renderParams": {"audio": {}, "output": {"name": "x"}, "scenes": [{"text": "Hello"}]}})
                    }
                    (_, 1) => json!({"status": "in-progress", "renderProgress": 40}),
                    (_, 2) => json!({"status": "in-progress", "renderProgress": 90}),
                    (_, _) => {
                        json!({"status": "completed", "videoURL": format!("https://cdn/{id}.mp4"), "videoDuration": 10})
                    }
                };
                ok(json!({"job_id": id, "success": true, "data": data}))
            }
            _ => HttpMockResponse::builder()
                .status(404)
                .body("<html>Cannot GET</html>")
                .build(),
        }
    }
}

fn request() -> StoryboardRequest {
    StoryboardRequest::new("demo").scene(Scene::text("Hello world").voice_over(true))
}

#[tokio::test(start_paused = true)]
async fn text_to_video_end_to_end_makes_exactly_these_requests() {
    let (server, log) = scripted(pictory_like(Arc::default())).await;
    let client = paused_client(&server.url("/pictory"));
    type Seen = Vec<(Stage, String, Option<f64>)>;
    let stages: Arc<Mutex<Seen>> = Arc::default();
    let sink = stages.clone();
    let opts = FlowOptions::default()
        .backoff(FixedInterval::new(Duration::from_secs(5)))
        .on_progress(move |stage, job| {
            sink.lock()
                .unwrap()
                .push((stage, job.state.name().to_string(), job.state.progress()))
        });
    let result = client.text_to_video_with(&request(), &opts).await.unwrap();
    assert_eq!(result.video.video_url, "https://cdn/r1.mp4");
    assert_eq!(result.preview.preview_url.as_deref(), Some("https://p/s1"));
    assert_eq!(
        (result.preview_job, result.render_job),
        (JobId::from("s1"), JobId::from("r1"))
    );
    let paths: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .map(|l| l.split('?').next().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        vec![
            // Before anything is created: does the proxy have a job route?
            "GET /pictory/pictoryapis/v1/jobs/00000000-0000-0000-0000-000000000000",
            "POST /pictory/pictoryapis/v1/video/storyboard",
            "GET /pictory/pictoryapis/v1/jobs/s1",
            "GET /pictory/pictoryapis/v1/jobs/s1",
            "PUT /pictory/pictoryapis/v1/video/render/s1",
            "GET /pictory/pictoryapis/v1/jobs/r1",
            "GET /pictory/pictoryapis/v1/jobs/r1",
            "GET /pictory/pictoryapis/v1/jobs/r1",
        ]
    );
    let stages = stages.lock().unwrap();
    assert_eq!(stages.first().unwrap().0, Stage::Preview);
    assert_eq!(
        stages.last().unwrap(),
        &(Stage::Render, "completed".to_string(), Some(100.0))
    );
}

#[tokio::test(start_paused = true)]
async fn render_with_edited_params_uses_render_video() {
    let (server, log) = scripted(pictory_like(Arc::default())).await;
    let client = paused_client(&server.url("/pictory"));
    let opts = FlowOptions::default().edit_render_params(|p| p.set_output_name("edited"));
    let result = client.text_to_video_with(&request(), &opts).await.unwrap();
    assert_eq!(result.render_job, JobId::from("r2"));
    let log = log.lock().unwrap();
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST /pictory/pictoryapis/v1/video/render?")),
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.starts_with("PUT ")), "{log:?}");
}

#[tokio::test]
async fn invalid_storyboard_is_a_typed_error_and_nothing_is_sent() {
    let (server, log) = scripted(|_, _| json_response(200, json!({}))).await;
    let client = common::client_for(&server.url("/pictory"));
    let err = client
        .text_to_video(&StoryboardRequest::new("v"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { operation: "create_storyboard", message } if message.contains("scenes")),
        "{err:?}"
    );
    let err = client
        .start_storyboard(&StoryboardRequest::new("").scene(Scene::text("x")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("videoName"), "{err}");
    assert!(log.lock().unwrap().is_empty());
}

#[tokio::test]
async fn upload_streams_the_file_to_the_signed_url_with_its_content_type() {
    let storage = MockServer::start_async().await;
    type Received = Vec<(String, Vec<u8>)>;
    let received: Arc<Mutex<Received>> = Arc::default();
    let sink = received.clone();
    storage
        .mock_async(move |when, then| {
            when.method(httpmock::Method::PUT).path("/bucket/clip.mp4");
            then.respond_with(move |req| {
                let ct = req
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default();
                sink.lock().unwrap().push((ct, req.body().to_vec()));
                HttpMockResponse::builder().status(200).build()
            });
        })
        .await;
    let signed = storage.url("/bucket/clip.mp4?sig=abc");
    let (api, log) = scripted(move |_, _| {
        json_response(
            200,
            json!({"data": {"success": true, "data": {"signedUrl": signed, "url": "https://media.test/clip.mp4"}}}),
        )
    })
    .await;
    let client = common::client_for(&api.url("/pictory"));
    let dir = std::env::temp_dir().join(format!("pictory-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("clip.mp4");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let uploaded = client
        .upload_file(&path, "video/mp4", |_, _| {})
        .await
        .unwrap();
    assert_eq!(uploaded.url, "https://media.test/clip.mp4");
    assert_eq!(uploaded.bytes, 300_000);
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].0, "video/mp4");
    assert!(received[0].1 == bytes, "the bytes arrived intact");
    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), 1);
    assert!(log[0].starts_with("POST /pictory/pictoryapis/v1/media/generateurl?"));
    std::fs::remove_dir_all(&dir).unwrap();

    let err = client
        .upload_file(dir.join("missing.mp4"), "video/mp4", |_, _| {})
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn an_upload_put_answered_503_is_sent_again_with_the_whole_file() {
    let storage = MockServer::start_async().await;
    type Received = Vec<Vec<u8>>;
    let received: Arc<Mutex<Received>> = Arc::default();
    let sink = received.clone();
    let calls = std::sync::atomic::AtomicUsize::new(0);
    storage
        .mock_async(move |when, then| {
            when.method(httpmock::Method::PUT);
            then.respond_with(move |req| {
                sink.lock().unwrap().push(req.body().to_vec());
                let status = if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    503
                } else {
                    200
                };
                HttpMockResponse::builder().status(status).build()
            });
        })
        .await;
    let signed = storage.url("/bucket/a.mp4?sig=1");
    let (api, _) = scripted(move |_, _| {
        json_response(
            200,
            json!({"data": {"success": true, "data": {"signedUrl": signed, "url": "https://media.test/a.mp4"}}}),
        )
    })
    .await;
    let client = paused_client(&api.url("/pictory"));
    let path = std::env::temp_dir().join(format!("pictory-retry-{}.mp4", std::process::id()));
    let bytes: Vec<u8> = (0..50_000u32).map(|i| (i % 13) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let uploaded = client
        .upload_file(&path, "video/mp4", |_, _| {})
        .await
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(uploaded.url, "https://media.test/a.mp4");
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert!(
        received.iter().all(|b| *b == bytes),
        "each attempt carried the whole file"
    );
}

#[tokio::test]
async fn template_from_a_pictai_file_is_a_multipart_upload() {
    let (server, log) = scripted(|_, req| {
        let ct = req
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = String::from_utf8_lossy(req.body().as_ref()).to_string();
        if ct.starts_with("multipart/form-data")
            && body.contains("name=\"pictoryprojectfile\"")
            && body.contains("PICTAI-CONTENT")
        {
            json_response(200, json!({"data": {"templateId": "t-1"}}))
        } else {
            json_response(400, json!({"code": "BAD", "message": ct}))
        }
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    let path = std::env::temp_dir().join(format!("pictory-template-{}.pictai", std::process::id()));
    std::fs::write(&path, b"PICTAI-CONTENT").unwrap();
    let resp = client
        .create_template_from_file(&path, pictory::TemplateUpload::Multipart)
        .await
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(resp.payload(), &json!({"templateId": "t-1"}));
    assert_eq!(log.lock().unwrap().len(), 1);
    assert!(log.lock().unwrap()[0].contains("api_token="));
}

#[tokio::test(start_paused = true)]
async fn transcribe_then_summarize() {
    let (server, log) = scripted(|_, req| {
        let path = req.uri().path().to_string();
        let ok = |v: Value| json_response(200, json!({"data": v}));
        if path.contains("/jobs/00000000-") {
            common::job_not_found()
        } else if path.ends_with("/v2/transcription") {
            ok(json!({"data": {"jobId": "t1"}}))
        } else if path.ends_with("/transcription/highlights") {
            ok(json!({"data": {"jobId": "h1"}}))
        } else if path.ends_with("/jobs/t1") {
            ok(json!({"job_id": "t1", "success": true, "data": {"status": "completed", "transcript": [{"uid": "s", "words": [
                {"word": "Hi", "start_time": 0, "end_time": 0.4}, {"word": "there.", "start_time": 0.4, "end_time": 0.9}]}], "txt": "Hi there."}}))
        } else {
            // Pictory's highlights result: the transcript again, chosen words flagged.
            ok(json!({"job_id": "h1", "success": true, "data": {"status": "completed", "transcript": [{"uid": "s", "words": [
                {"word": "Hi", "start_time": 0, "end_time": 0.4, "highlight": true}, {"word": "there.", "start_time": 0.4, "end_time": 0.9}]}]}}))
        }
    })
    .await;
    let client = paused_client(&server.url("/pictory"));
    let opts = FlowOptions::default();
    let (_, t) = client
        .transcribe("https://media.test/clip.mp4", "en-US", &opts)
        .await
        .unwrap();
    assert_eq!(t.text.as_deref(), Some("Hi there."));
    assert_eq!(t.sentences[0].text(), "Hi there.");
    let (_, s) = client.summarize(&t.transcript, 30.0, &opts).await.unwrap();
    assert_eq!(
        s.ranges,
        vec![pictory::jobs::HighlightRange {
            start: 0.0,
            end: 0.4,
            text: "Hi".into()
        }]
    );
    // The job-route probe, then two starts and two reads.
    assert_eq!(log.lock().unwrap().len(), 1 + 4);
}

#[tokio::test(start_paused = true)]
async fn bulk_returns_every_result_in_order_and_one_failure_does_not_abort_the_rest() {
    let (server, _) = scripted(pictory_like(Arc::default())).await;
    let client = paused_client(&server.url("/pictory"));
    let requests: Vec<StoryboardRequest> = (0..6)
        .map(|i| {
            if i == 3 {
                StoryboardRequest::new("bad")
            } else {
                request()
            }
        })
        .collect();
    let results = pictory::bulk::run_bounded(requests, 2, |r| {
        let client = client.clone();
        async move { client.preview(&r, &FlowOptions::default()).await }
    })
    .await;
    assert_eq!(results.len(), 6);
    assert!(matches!(results[3], Err(Error::InvalidRequest { .. })));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 5);
}
