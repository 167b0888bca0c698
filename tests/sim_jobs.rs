//! The simulator's jobs on paused tokio time: storyboard progress and
//! outputs, render from a storyboard, the failure marker, JOB_NOT_FOUND,
//! transcription and summary, webhooks.
#![cfg(feature = "simulator")]

use pictory::raw::types;
use pictory::sim::{self, SimConfig, Simulator};
use pictory::{Call, Client, Error, UrlMode};
use serde_json::{Value, json};
use std::time::Duration;

/// A client without reqwest timers, so paused time only moves when the
/// test sleeps.
fn client(sim: &Simulator, mode: UrlMode) -> Client {
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    sim.client_builder()
        .http_client(http)
        .url_mode(mode)
        .build()
        .unwrap()
}

async fn job(client: &Client, id: &str) -> Value {
    client
        .api()
        .get_job()
        .job_id(id)
        .call()
        .await
        .unwrap()
        .body()
        .clone()
}

async fn create_storyboard(client: &Client, name: &str, texts: &[&str]) -> String {
    let scenes: Vec<Value> = texts.iter().map(|t| json!({"text": t})).collect();
    let resp = client
        .api()
        .create_storyboard()
        .body_map(|b| b.extra(serde_json::Map::new()))
        .body_map(|b| b.video_name(Some(name.to_string())).scenes(scenes))
        .call()
        .await
        .unwrap();
    resp.payload()["jobId"].as_str().unwrap().to_string()
}

#[tokio::test(start_paused = true)]
async fn storyboard_progresses_then_completes_with_preview_and_render_params() {
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let client = client(&sim, UrlMode::Auto);
    let id = create_storyboard(&client, "Launch", &["Hello", "World"]).await;

    let first = job(&client, &id).await;
    assert_eq!(
        first,
        json!({"job_id": id, "success": true, "data": {"status": "in-progress"}})
    );

    // Default storyboard duration: 20 s. Progress shows from 10 % and rises.
    let mut last = 0;
    for _ in 0..9 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let body = job(&client, &id).await;
        let data = &body["data"];
        assert_eq!(data["status"], "in-progress", "{body}");
        let progress = data["renderProgress"].as_u64().unwrap();
        assert!(progress > last && progress < 100, "{progress} after {last}");
        assert_eq!(data["renderProgressMessage"], "Generating video");
        assert_eq!(data["renderState"], "RUNNING");
        last = progress;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let done = job(&client, &id).await;
    let data = &done["data"];
    assert_eq!(data["status"], "completed");
    assert_eq!(done["success"], true);
    assert_eq!(data["preview"], format!("{}/preview/{id}", sim.origin()));
    let params = &data["renderParams"];
    assert_eq!(params["output"]["name"], "Launch");
    assert_eq!(params["scenes"][1]["text"], "World");
    assert!(params["audio"].is_object());
    // The preview page exists.
    let page = reqwest::get(data["preview"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    let counters = sim.counters();
    assert_eq!(counters.jobs_of("storyboard"), 1);
    assert_eq!(counters.job_requests_by_name["Launch"], 1);
}

#[tokio::test(start_paused = true)]
async fn render_from_storyboard_in_the_old_format() {
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let client = client(&sim, UrlMode::OldOnly);
    let story = create_storyboard(&client, "Old", &["One", "Two", "Three"]).await;

    // Too early: the storyboard is still running.
    let err = client
        .api()
        .render_storyboard()
        .job_id(&story)
        .body(types::RenderStoryboardBody::default())
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::BadRequest { response, .. } if response.code.as_deref() == Some("STORYBOARD_NOT_READY")),
        "{err:?}"
    );

    tokio::time::sleep(Duration::from_secs(20)).await;
    let resp = client
        .api()
        .render_storyboard()
        .job_id(&story)
        .body(types::RenderStoryboardBody::default())
        .call()
        .await
        .unwrap();
    assert_eq!(resp.envelope(), pictory::Envelope::Result);
    let render = resp.body()["data"]["job_id"].as_str().unwrap().to_string();
    assert_ne!(render, story);

    tokio::time::sleep(Duration::from_secs(89)).await;
    assert_eq!(job(&client, &render).await["data"]["status"], "in-progress");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let done = job(&client, &render).await;
    let data = &done["data"];
    assert_eq!(data["status"], "completed", "{done}");
    let origin = sim.origin();
    assert_eq!(data["videoURL"], format!("{origin}/videos/{render}.mp4"));
    for key in [
        "videoShareURL",
        "shareVideoURL",
        "thumbnail",
        "srtFile",
        "vttFile",
        "txtFile",
    ] {
        assert!(data[key].as_str().unwrap().starts_with(&origin), "{key}");
    }
    assert_eq!(data["videoDuration"], 30.0);
    let video = reqwest::get(data["videoURL"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(video.headers()["content-type"], "video/mp4");
    assert_eq!(&video.bytes().await.unwrap()[4..8], b"ftyp");
    let srt = reqwest::get(data["srtFile"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        srt.contains("00:00:20,000 --> 00:00:30,000\nThree"),
        "{srt}"
    );

    let counters = sim.counters();
    assert_eq!(counters.jobs_of("render"), 1);
    assert_eq!(counters.job_requests_by_name[&format!("render:{story}")], 1);
    assert_eq!(counters.requests_for("render_storyboard", "old"), 2);
    assert!(counters.requests_for("get_job", "old") >= 2);
    assert_eq!(counters.requests_for("get_job", "new"), 0);
}

#[tokio::test(start_paused = true)]
async fn render_video_and_the_failure_marker() {
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let client = client(&sim, UrlMode::Auto);
    let ok = client
        .api()
        .render_video()
        .body(serde_json::Map::from_iter([(
            "scenes".to_string(),
            json!([{"text": "Fine"}]),
        )]))
        .call()
        .await
        .unwrap();
    let ok = ok.body()["data"]["job_id"].as_str().unwrap().to_string();
    let failing = create_storyboard(&client, "Doomed", &["ok", "this [fail]s"]).await;

    tokio::time::sleep(Duration::from_secs(19)).await;
    assert_eq!(
        job(&client, &failing).await["data"]["status"],
        "in-progress"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let failed = job(&client, &failing).await;
    assert_eq!(failed["success"], false);
    assert_eq!(failed["data"]["status"], "failed");
    assert_eq!(failed["data"]["error_code"], "TEXT_TO_VIDEO_FAILED");
    assert!(failed["data"]["error_message"].is_string());
    // A failed storyboard cannot be rendered.
    let err = client
        .api()
        .render_storyboard()
        .job_id(&failing)
        .body(types::RenderStoryboardBody::default())
        .call()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest { .. }), "{err:?}");

    tokio::time::sleep(Duration::from_secs(70)).await;
    assert_eq!(job(&client, &ok).await["data"]["status"], "completed");
    let counters = sim.counters();
    assert_eq!(counters.job_requests_by_name["render:Fine"], 1);
    assert_eq!(counters.jobs_of("render"), 1);
}

#[tokio::test]
async fn unknown_job_is_job_not_found() {
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let resp = reqwest::get(format!(
        "{}/pictoryapis/v1/jobs/nope?api_token=sim-token",
        sim.base_url()
    ))
    .await
    .unwrap();
    assert_eq!(resp.status(), 404);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["error"],
        json!({"job_id": "nope", "success": false, "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}})
    );
    let err = sim
        .client()
        .unwrap()
        .api()
        .get_job()
        .job_id("nope")
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::JobNotFound { .. } | Error::NotFound { .. }),
        "{err:?}"
    );
    // Rendering an unknown storyboard is the same 404.
    let resp = reqwest::Client::new()
        .put(format!(
            "{}/pictoryapis/v1/video/render/nope?api_token=sim-token",
            sim.base_url()
        ))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test(start_paused = true)]
async fn transcription_and_summary_complete_with_outputs() {
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let client = client(&sim, UrlMode::Auto);
    let t = client
        .api()
        .create_transcription()
        .body_map(|b| {
            b.file_url(Some("https://example.test/talk.mp4".to_string()))
                .media_type(Some("video".to_string()))
                .language(Some("en-US".to_string()))
        })
        .call()
        .await
        .unwrap();
    let t = t.body()["data"]["jobId"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_secs(40)).await;
    let done = job(&client, &t).await;
    let data = &done["data"];
    assert_eq!(data["status"], "completed");
    let first = &data["transcript"][0];
    assert_eq!(first["sentence"], "Welcome to talk.");
    assert!(first["words"][0]["word"].is_string());
    assert!(first["end"].as_f64().unwrap() > first["start"].as_f64().unwrap());
    assert!(
        data["txt"]
            .as_str()
            .unwrap()
            .starts_with("Welcome to talk.")
    );
    assert_eq!(data["highlight"][0]["duration"], 30);

    let s = client
        .api()
        .create_video_summary()
        .body_map(|b| {
            b.highlight_duration(Some(30.0))
                .transcript(Some(data["transcript"].clone()))
        })
        .call()
        .await
        .unwrap();
    let s = s.body()["data"]["jobId"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_secs(15)).await;
    let summary = job(&client, &s).await;
    assert_eq!(summary["data"]["status"], "completed");
    assert!(
        summary["data"]["summary"]
            .as_str()
            .unwrap()
            .contains("Welcome to talk.")
    );
    assert!(summary["data"]["highlight"].is_string());

    // Missing required fields.
    let err = client
        .api()
        .create_transcription()
        .body_map(|b| b.language(Some("en-US".to_string())))
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::BadRequest { fields, .. } if fields[0].name == "fileUrl"),
        "{err:?}"
    );
    let counters = sim.counters();
    assert_eq!(counters.jobs_of("transcription"), 1);
    assert_eq!(counters.jobs_of("summary"), 1);
    assert_eq!(
        counters.job_requests_by_name["transcription:https://example.test/talk.mp4"],
        1
    );
}

#[tokio::test]
async fn time_factor_scales_durations_and_webhooks_reach_loopback_hosts() {
    let hook = httpmock::MockServer::start_async().await;
    let mock = hook
        .mock_async(|when, then| {
            when.method("POST").path("/hook");
            then.status(200);
        })
        .await;
    let sim = sim::start(SimConfig {
        time_factor: 0.001,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let v: Value = http
        .post(format!(
            "{}/pictoryapis/v1/video/storyboard?api_token=sim-token",
            sim.base_url()
        ))
        .json(&json!({"videoName": "w", "scenes": [{"text": "a"}], "webhook": hook.url("/hook")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = v["result"]["data"]["jobId"].as_str().unwrap().to_string();
    // 20 s × 0.001 = 20 ms.
    let start = std::time::Instant::now();
    loop {
        if sim.counters().webhooks_delivered == 1 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "no webhook");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    mock.assert_async().await;
    let body: Value = http
        .get(format!(
            "{}/pictoryapis/v1/jobs/{id}?api_token=sim-token",
            sim.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["result"]["data"]["status"], "completed");
}
