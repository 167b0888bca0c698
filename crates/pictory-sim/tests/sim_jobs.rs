//! The simulator's jobs on paused tokio time, read over raw HTTP and
//! compared with Pictory's documented bodies (`tests/fixtures/pictory-docs/`):
//! start answers, `pending`, progress, completed previews/renders/
//! transcriptions/highlights in each `JobVariants` shape, failures,
//! JOB_NOT_FOUND, `cleaned` after retention, render with changes, webhooks.

mod sim_support;

use pictory_sim::{JobVariants, SimConfig, SimProfile, Simulator};
use serde_json::{Value, json};
use sim_support::{err_body, fixture, http, keys, ok_body, send, url};
use std::collections::BTreeSet;
use std::time::Duration;

/// A Hosted simulator with these job-body variants.
async fn hosted_with(jobs: JobVariants) -> Simulator {
    pictory_sim::start(SimConfig {
        jobs,
        ..SimConfig::hosted()
    })
    .await
    .unwrap()
}

/// POSTs `body` to `path` and returns Pictory's body of the 200 answer.
async fn post(sim: &Simulator, path: &str, body: &Value) -> Value {
    let (status, v) = send(http().post(url(sim, path)).json(body)).await;
    assert_eq!(status, 200, "{path}: {v}");
    ok_body(sim.config().profile, &v)
}

/// Pictory's body for `GET /jobs/{id}` (old format under OpenSource).
async fn job(sim: &Simulator, id: &str) -> Value {
    let path = match sim.config().profile {
        SimProfile::Hosted => format!("/pictoryapis/v1/jobs/{id}"),
        SimProfile::OpenSource => format!("/pictoryapis/v1/jobs/job_id?job_id={id}"),
    };
    let (status, v) = send(http().get(url(sim, &path))).await;
    assert_eq!(status, 200, "{v}");
    ok_body(sim.config().profile, &v)
}

fn storyboard_request(name: &str, texts: &[&str]) -> Value {
    let scenes: Vec<Value> = texts.iter().map(|t| json!({"text": t})).collect();
    json!({"videoName": name, "scenes": scenes})
}

async fn start_storyboard(sim: &Simulator, name: &str, texts: &[&str]) -> String {
    let v = post(
        sim,
        "/pictoryapis/v1/video/storyboard",
        &storyboard_request(name, texts),
    )
    .await;
    v["data"]["jobId"].as_str().unwrap().to_string()
}

async fn start_render(sim: &Simulator, body: &Value) -> String {
    let v = post(sim, "/pictoryapis/v1/video/render", body).await;
    assert_eq!(
        keys(&v),
        keys(&fixture("starts/job-started-data-job_id.json"))
    );
    v["data"]["job_id"].as_str().unwrap().to_string()
}

/// `keys(a) ∪ extra`.
fn with(a: &Value, extra: &[&str]) -> BTreeSet<String> {
    let mut k = keys(a);
    k.extend(extra.iter().map(|s| s.to_string()));
    k
}

fn sleep(secs: u64) -> tokio::time::Sleep {
    tokio::time::sleep(Duration::from_secs(secs))
}

#[tokio::test(start_paused = true)]
async fn a_preview_never_reports_progress_and_completes_as_documented() {
    let sim = pictory_sim::start(SimConfig::hosted()).await.unwrap();
    let id = start_storyboard(&sim, "Launch", &["Hello", "World"]).await;
    let in_progress = fixture("jobs/in-progress.json");
    // Default storyboard duration: 20 s.
    for _ in 0..9 {
        let body = job(&sim, &id).await;
        assert_eq!(keys(&body), keys(&in_progress));
        assert_eq!(body["data"], in_progress["data"], "{body}");
        sleep(2).await;
    }
    sleep(2).await;
    let done = job(&sim, &id).await;
    let documented = fixture("jobs/preview-completed-classic-no-status.json");
    assert_eq!(keys(&done), keys(&documented));
    assert_eq!(done["job_id"], id.as_str());
    assert_eq!(keys(&done["data"]), with(&documented["data"], &["status"]));
    assert_eq!(done["data"]["status"], "completed");
    let params = &done["data"]["renderParams"];
    assert_eq!(keys(params), keys(&documented["data"]["renderParams"]));
    assert_eq!(params["output"]["title"], "Launch");
    assert_eq!(
        params["scenes"][1]["sub_scenes"][0]["text_lines"][0]["text"],
        "World"
    );
    assert_eq!(
        done["data"]["preview"],
        format!("{}/preview/{id}", sim.origin())
    );
    let page = http()
        .get(done["data"]["preview"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let counters = sim.counters();
    assert_eq!(counters.jobs_of("storyboard"), 1);
    assert_eq!(counters.job_requests_by_name["Launch"], 1);
}

#[tokio::test(start_paused = true)]
async fn preview_without_status_and_storyboard_id_at_the_top_level() {
    let sim = hosted_with(JobVariants {
        preview_without_status: true,
        storyboard_id_top_level: true,
        ..JobVariants::default()
    })
    .await;
    let started = post(
        &sim,
        "/pictoryapis/v1/video/storyboard",
        &fixture("starts/storyboard-classic-request.json"),
    )
    .await;
    assert_eq!(
        keys(&started),
        keys(&fixture("starts/job-started-top-level-jobId.json"))
    );
    let id = started["jobId"].as_str().unwrap();
    sleep(20).await;
    let done = job(&sim, id).await;
    let documented = fixture("jobs/preview-completed-classic-no-status.json");
    assert_eq!(keys(&done), keys(&documented));
    assert_eq!(
        keys(&done["data"]),
        keys(&documented["data"]),
        "no status: {done}"
    );
    assert_eq!(
        keys(&done["data"]["renderParams"]),
        keys(&documented["data"]["renderParams"])
    );
}

/// Renders the completed storyboard `story` with changes: its renderParams
/// sent back whole, plus a webhook. Returns the render job id.
async fn render_with_changes(sim: &Simulator, story: &str) -> (Value, String) {
    let preview = job(sim, story).await;
    let mut body = preview["data"]["renderParams"].clone();
    body["scenes"][0]["sub_scenes"][0]["text_lines"][0]["text"] = json!("Edited");
    body["webhook"] = json!("https://example.invalid/hook");
    let id = start_render(sim, &body).await;
    (body, id)
}

#[tokio::test(start_paused = true)]
async fn render_with_changes_under_open_source_then_documented_progress_and_outputs() {
    let sim = pictory_sim::start(SimConfig {
        job_route: true,
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    let story = start_storyboard(&sim, "Old", &["One", "Two", "Three"]).await;
    sleep(20).await;
    let (sent, render) = render_with_changes(&sim, &story).await;
    // The simulator kept the body as received: the renderParams, unchanged.
    assert_eq!(sim.received("render_video").as_ref(), Some(&sent));

    assert_eq!(
        job(&sim, &render).await["data"],
        json!({"status": "in-progress"})
    );
    sleep(45).await;
    let rendering = job(&sim, &render).await;
    let documented = fixture("jobs/in-progress-rendering.json");
    assert_eq!(
        keys(&rendering["data"]),
        keys(&documented["data"]),
        "{rendering}"
    );
    let progress = rendering["data"]["renderProgress"].as_u64().unwrap();
    assert!((10..100).contains(&progress), "{progress}");
    sleep(45).await;
    let done = job(&sim, &render).await;
    let documented = fixture("jobs/render-completed.json");
    assert_eq!(keys(&done), keys(&documented));
    assert_eq!(
        keys(&done["data"]),
        with(&documented["data"], &["audioURL"])
    );
    let data = &done["data"];
    let origin = sim.origin();
    assert_eq!(data["videoURL"], format!("{origin}/videos/{render}.mp4"));
    assert_eq!(data["videoDuration"], 30.0);
    let video = http()
        .get(data["videoURL"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(video.headers()["content-type"], "video/mp4");
    assert_eq!(&video.bytes().await.unwrap()[4..8], b"ftyp");
    let srt = http()
        .get(data["srtFile"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        srt.contains("00:00:00,000 --> 00:00:10,000\nEdited"),
        "{srt}"
    );
    assert!(
        srt.contains("00:00:20,000 --> 00:00:30,000\nThree"),
        "{srt}"
    );
    let audio = http()
        .get(data["audioURL"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(audio.headers()["content-type"], "audio/mpeg");

    let counters = sim.counters();
    assert_eq!(counters.jobs_of("render"), 1);
    assert_eq!(counters.job_requests_by_name["render:Old.mp4"], 1);
    assert_eq!(counters.requests_for("get_job", "new"), 0);
}

#[tokio::test(start_paused = true)]
async fn render_accepts_classic_and_element_based_params_but_not_a_wrapper() {
    let sim = hosted_with(JobVariants {
        render_share_url_only: true,
        ..JobVariants::default()
    })
    .await;
    let classic = fixture("starts/render-request-classic.json");
    let a = start_render(&sim, &classic).await;
    assert_eq!(sim.received("render_video"), Some(classic.clone()));
    let elements = json!({
        "output": {"width": 1080, "height": 1920},
        "elements": [{"type": "text", "text": "Hi", "startTime": 0, "duration": 4}],
        "sceneMarkers": [0],
        "subtitles": {"enabled": true},
        "webhook": "https://example.invalid/hook",
    });
    let b = start_render(&sim, &elements).await;
    assert_eq!(sim.received("render_video"), Some(elements));
    let wrapped = json!({"renderParams": classic});
    let (status, v) = send(
        http()
            .post(url(&sim, "/pictoryapis/v1/video/render"))
            .json(&wrapped),
    )
    .await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(
        err_body(SimProfile::Hosted, &v)["fields"][0]["name"],
        "scenes"
    );

    sleep(90).await;
    let documented = fixture("jobs/render-completed.json");
    for id in [a, b] {
        let done = job(&sim, &id).await;
        let mut expected = with(&documented["data"], &["audioURL", "shareVideoURL"]);
        expected.remove("videoURL");
        expected.remove("videoShareURL");
        assert_eq!(keys(&done["data"]), expected, "{done}");
        assert!(
            done["data"]["shareVideoURL"]
                .as_str()
                .unwrap()
                .ends_with(".mp4")
        );
    }
    assert_eq!(sim.counters().jobs_of("render"), 2);
}

#[tokio::test(start_paused = true)]
async fn the_failure_marker_fails_jobs_as_documented() {
    let sim = pictory_sim::start(SimConfig::hosted()).await.unwrap();
    let failing = start_storyboard(&sim, "Doomed", &["ok", "this [fail]s"]).await;
    sleep(19).await;
    assert_eq!(job(&sim, &failing).await["data"]["status"], "in-progress");
    sleep(1).await;
    let failed = job(&sim, &failing).await;
    let documented = fixture("jobs/failed.json");
    assert_eq!(keys(&failed), keys(&documented));
    assert_eq!(keys(&failed["data"]), keys(&documented["data"]));
    assert_eq!(failed["success"], false);
    assert_eq!(failed["data"]["error_code"], "TEXT_TO_VIDEO_FAILED");
    // A failed storyboard cannot be rendered.
    let (status, _) = send(
        http()
            .put(url(
                &sim,
                &format!("/pictoryapis/v1/video/render/{failing}"),
            ))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 400);
    // Nor can a render whose scenes carry the marker succeed.
    let mut body = fixture("starts/render-request-classic.json");
    body["scenes"][0]["sub_scenes"][0]["text_lines"][0]["text"] = json!("[fail]");
    let render = start_render(&sim, &body).await;
    sleep(90).await;
    assert_eq!(job(&sim, &render).await["data"]["status"], "failed");
}

#[tokio::test]
async fn unknown_job_is_job_not_found() {
    for config in [
        SimConfig::hosted(),
        SimConfig {
            job_route: true,
            ..SimConfig::open_source()
        },
    ] {
        let profile = config.profile;
        let sim = pictory_sim::start(config).await.unwrap();
        let documented = fixture("lowcodeapi/pictory-error-envelope-404.json");
        let (status, v) =
            send(http().get(url(&sim, "/pictoryapis/v1/jobs/job_id?job_id=nope"))).await;
        assert_eq!(status, 404);
        match profile {
            SimProfile::OpenSource => assert_eq!(v, documented),
            SimProfile::Hosted => {
                let error = err_body(profile, &v);
                assert_eq!(error["code"], "5000");
                assert_eq!(error["message"], "JOB_NOT_FOUND");
                assert_eq!(error["data"], documented["error"]["data"]);
            }
        }
        // Rendering an unknown storyboard is the same 404.
        let (status, v) = send(
            http()
                .put(url(&sim, "/pictoryapis/v1/video/render/job_id?job_id=nope"))
                .json(&json!({})),
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(err_body(profile, &v)["data"], documented["error"]["data"]);
    }
}

#[tokio::test(start_paused = true)]
async fn pending_comes_first_and_cleaned_after_retention() {
    let sim = pictory_sim::start(SimConfig {
        time_factor: 0.5,
        jobs: JobVariants {
            pending: Duration::from_secs(10),
            retention: Some(Duration::from_secs(600)),
            ..JobVariants::default()
        },
        ..SimConfig::hosted()
    })
    .await
    .unwrap();
    // Scaled: 5 s pending, 10 s preview, 45 s render, 300 s retention.
    let story = start_storyboard(&sim, "Kept", &["a"]).await;
    let first = job(&sim, &story).await;
    assert_eq!(keys(&first), keys(&fixture("jobs/in-progress.json")));
    assert_eq!(first["data"], json!({"status": "pending"}));
    sleep(4).await;
    assert_eq!(job(&sim, &story).await["data"]["status"], "pending");
    sleep(1).await;
    assert_eq!(job(&sim, &story).await["data"]["status"], "in-progress");
    sleep(10).await;
    assert_eq!(job(&sim, &story).await["data"]["status"], "completed");
    let (status, v) = send(
        http()
            .put(url(&sim, &format!("/pictoryapis/v1/video/render/{story}")))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let render = ok_body(SimProfile::Hosted, &v)["data"]["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    sleep(50).await;
    let done = job(&sim, &render).await;
    assert_eq!(done["data"]["status"], "completed");
    let video = done["data"]["videoURL"].as_str().unwrap().to_string();
    assert_eq!(http().get(&video).send().await.unwrap().status(), 200);

    sleep(300).await;
    for id in [&story, &render] {
        let cleaned = job(&sim, id).await;
        assert_eq!(
            cleaned,
            json!({"job_id": id, "success": true, "data": {"status": "cleaned"}})
        );
    }
    assert_eq!(http().get(&video).send().await.unwrap().status(), 404);
    let (status, _) = send(
        http()
            .put(url(&sim, &format!("/pictoryapis/v1/video/render/{story}")))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 400, "a cleaned storyboard cannot be rendered");
}

/// Spoken words of a transcript (pause markers left out).
fn spoken(transcript: &Value) -> Vec<Value> {
    transcript
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["words"].as_array().unwrap().clone())
        .filter(|w| w.get("is_pause").is_none())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn transcription_and_highlights_complete_as_documented() {
    let sim = pictory_sim::start(SimConfig::hosted()).await.unwrap();
    let started = post(
        &sim,
        "/pictoryapis/v2/transcription",
        &fixture("starts/transcription-request.json"),
    )
    .await;
    assert_eq!(
        keys(&started),
        keys(&fixture("starts/job-started-data-jobId.json"))
    );
    let t = started["data"]["jobId"].as_str().unwrap().to_string();
    sleep(40).await;
    let done = job(&sim, &t).await;
    assert_eq!(done["job_id"], t.as_str());
    let documented = fixture("jobs/transcription-completed-no-job-id.json");
    let data = &done["data"];
    assert_eq!(
        keys(data),
        with(&documented["data"], &["txt", "srt", "vtt", "mediaInfo"])
    );
    let sentence = &data["transcript"][0];
    let doc_sentence = &documented["data"]["transcript"][0];
    assert_eq!(keys(sentence), keys(doc_sentence));
    assert_eq!(keys(&sentence["words"][0]), keys(&doc_sentence["words"][0]));
    assert_eq!(sentence["words"][0]["word"], "Welcome");
    let pause = sentence["words"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["is_pause"] == true)
        .expect("a pause marker");
    assert_eq!(pause["word"], "");
    assert!(pause["pause_size"].as_f64().unwrap() > 0.0);
    assert!(
        data["txt"]
            .as_str()
            .unwrap()
            .starts_with("Welcome to talk.")
    );
    assert!(data["vtt"].as_str().unwrap().starts_with("WEBVTT"));
    assert!(data["mediaInfo"]["duration"].as_f64().unwrap() > 0.0);

    // Highlights: the transcript again, `highlight: true` on ~2 s of words.
    let mut request = fixture("starts/highlights-request.json");
    request["transcript"] = data["transcript"].clone();
    request["highlight_duration"] = json!(2);
    let s = post(&sim, "/pictoryapis/v2/transcription/highlights", &request).await;
    let s = s["data"]["jobId"].as_str().unwrap().to_string();
    sleep(15).await;
    let summary = job(&sim, &s).await;
    assert_eq!(summary["data"]["status"], "completed");
    let words = spoken(&summary["data"]["transcript"]);
    assert_eq!(words.len(), spoken(&data["transcript"]).len());
    let chosen: Vec<&Value> = words.iter().filter(|w| w["highlight"] == true).collect();
    let seconds: f64 = chosen
        .iter()
        .map(|w| w["end_time"].as_f64().unwrap() - w["start_time"].as_f64().unwrap())
        .sum();
    assert!((2.0..2.5).contains(&seconds), "{seconds} s in {chosen:?}");
    assert_eq!(chosen[0]["word"], "Welcome");

    // Missing required fields: Pictory's validation error.
    let (status, v) = send(
        http()
            .post(url(&sim, "/pictoryapis/v2/transcription"))
            .json(&json!({"language": "en-US"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        err_body(SimProfile::Hosted, &v)["fields"][0]["name"],
        "fileUrl"
    );
    let counters = sim.counters();
    assert_eq!(counters.jobs_of("transcription"), 1);
    assert_eq!(counters.jobs_of("summary"), 1);
    assert_eq!(
        counters.job_requests_by_name["transcription:https://example.invalid/talk.mp4"],
        1
    );
}

#[tokio::test(start_paused = true)]
async fn a_finished_transcription_can_come_without_any_job_id() {
    let sim = hosted_with(JobVariants {
        transcription_without_job_id: true,
        ..JobVariants::default()
    })
    .await;
    let started = post(
        &sim,
        "/pictoryapis/v2/transcription",
        &fixture("starts/transcription-request.json"),
    )
    .await;
    let t = started["data"]["jobId"].as_str().unwrap().to_string();
    assert_eq!(
        job(&sim, &t).await["job_id"],
        t.as_str(),
        "running: id present"
    );
    sleep(40).await;
    let done = job(&sim, &t).await;
    assert_eq!(
        keys(&done),
        keys(&fixture("jobs/transcription-completed-no-job-id.json"))
    );
    assert!(!done.to_string().contains(&t), "{done}");
    assert_eq!(done["data"]["status"], "completed");
}

#[tokio::test]
async fn time_factor_scales_durations_and_webhooks_get_the_job_body() {
    let hook = httpmock::MockServer::start_async().await;
    let mock = hook
        .mock_async(|when, then| {
            when.method("POST")
                .path("/hook")
                .body_includes("\"status\":\"completed\"")
                .body_includes("\"renderParams\"");
            then.status(200);
        })
        .await;
    let sim = pictory_sim::start(SimConfig {
        time_factor: 0.001,
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    let mut request = storyboard_request("w", &["a"]);
    request["webhook"] = json!(hook.url("/hook"));
    post(&sim, "/pictoryapis/v1/video/storyboard", &request).await;
    // 20 s × 0.001 = 20 ms; no job route under OpenSource: only the webhook tells.
    let start = std::time::Instant::now();
    while sim.counters().webhooks_delivered == 0 {
        assert!(start.elapsed() < Duration::from_secs(5), "no webhook");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    mock.assert_async().await;
}
