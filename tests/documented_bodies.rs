//! Pictory's documented bodies (`tests/fixtures/pictory-docs/`), read by the
//! typed layer: every job body, every "job started" body, the classic render
//! request sent back whole, and the classic storyboard request built with
//! the builders and sent through a real client.

mod common;

use common::{json_response, paused_client, scripted};
use httpmock::HttpMockResponse;
use pictory::jobs::{
    FixedInterval, JobId, JobOutput, JobState, RenderParams, RenderParamsLayout, find_job_id,
    parse_job, parse_webhook,
};
use pictory::storyboard::{
    AiVoice, Audio, BrandLogo, Scene, Segment, StoryboardRequest, TextStyles,
};
use pictory::{Error, FlowOptions};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fixture(path: &str) -> Value {
    let file = format!(
        "{}/tests/fixtures/pictory-docs/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

fn parsed(path: &str) -> pictory::jobs::Job {
    parse_job(&fixture(path), None).unwrap()
}

/// The job fixtures each test below reads; a new file must be added here.
const JOB_FIXTURES: [&str; 6] = [
    "in-progress.json",
    "in-progress-rendering.json",
    "preview-completed-classic-no-status.json",
    "render-completed.json",
    "transcription-completed-no-job-id.json",
    "failed.json",
];

#[test]
fn every_job_fixture_is_covered() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pictory-docs/jobs"
    );
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut covered: Vec<String> = JOB_FIXTURES
        .iter()
        .chain(&["list-response.json"])
        .map(|s| s.to_string())
        .collect();
    covered.sort();
    assert_eq!(files, covered);
}

#[test]
fn every_job_of_the_documented_job_list_reads_as_a_job() {
    // `GET /v1/jobs`: `{"items": [job body, ...], "nextPageKey": ...}`.
    let list = fixture("jobs/list-response.json");
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        let job = parse_job(item, None).unwrap();
        assert_eq!(
            job.id,
            Some(JobId::from("bbd75639-c3cb-4add-bf7b-e4e39cffb3b0"))
        );
        assert!(matches!(job.state, JobState::Completed(_)), "{job:?}");
    }
    assert!(list["nextPageKey"].is_string());
}

#[test]
fn in_progress_without_and_with_render_progress() {
    let job = parsed("jobs/in-progress.json");
    assert_eq!(
        job.id,
        Some(JobId::from("6830fe00-872b-4e96-86b5-e4b527f0295b"))
    );
    assert_eq!(
        job.state,
        JobState::InProgress {
            progress: None,
            message: None,
            state: None
        }
    );
    assert!(!job.state.is_terminal());

    let job = parsed("jobs/in-progress-rendering.json");
    assert_eq!(
        job.state,
        JobState::InProgress {
            progress: Some(42.0),
            message: Some("Generating video".into()),
            state: Some("RUNNING".into())
        }
    );
    assert_eq!(job.state.name(), "in-progress");
}

#[test]
fn classic_preview_without_status_is_a_completed_preview() {
    let body = fixture("jobs/preview-completed-classic-no-status.json");
    let job = parse_job(&body, None).unwrap();
    assert_eq!(job.id, Some(JobId::from("4158-asd-4158-fdfe-234-nkn")));
    let JobState::Completed(JobOutput::Preview(preview)) = job.state else {
        panic!("{:?}", job.state)
    };
    assert_eq!(preview.preview_url.as_deref(), Some("VIDEO_PREVIEW_URL"));
    let params = preview.render_params.expect("renderParams is an object");
    assert_eq!(params.layout(), RenderParamsLayout::Classic);
    let keys: Vec<&String> = params.as_value().as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
    assert_eq!(params.as_value(), &body["data"]["renderParams"]);
}

#[test]
fn completed_render_has_video_share_page_duration_and_credits() {
    let job = parsed("jobs/render-completed.json");
    assert_eq!(
        job.id,
        Some(JobId::from("702f8260-c56a-4fbc-9741-ddc44df24aa2"))
    );
    let JobState::Completed(JobOutput::Render(r)) = job.state else {
        panic!("{:?}", job.state)
    };
    assert_eq!(r.video_url, "https://example.invalid/video.mp4");
    assert_eq!(
        r.share_page_url.as_deref(),
        Some("https://video.pictory.ai/share/abc")
    );
    assert_eq!(
        r.thumbnail.as_deref(),
        Some("https://example.invalid/thumb.jpg")
    );
    assert_eq!(r.srt_file.as_deref(), Some("https://example.invalid/v.srt"));
    assert_eq!(r.vtt_file.as_deref(), Some("https://example.invalid/v.vtt"));
    assert_eq!(r.txt_file.as_deref(), Some("https://example.invalid/v.txt"));
    assert_eq!(r.audio_url, None);
    assert_eq!(r.duration_secs, Some(65.6));
    assert_eq!(r.ai_credits_used, Some(48.0));
}

#[test]
fn older_render_with_the_mp4_only_under_share_video_url() {
    let mut body = fixture("jobs/render-completed.json");
    let data = body["data"].as_object_mut().unwrap();
    data.remove("videoURL");
    data.remove("videoShareURL");
    data.insert(
        "shareVideoURL".into(),
        json!("https://example.invalid/old.mp4"),
    );
    let job = parse_job(&body, None).unwrap();
    let JobState::Completed(JobOutput::Render(r)) = job.state else {
        panic!("{:?}", job.state)
    };
    assert_eq!(r.video_url, "https://example.invalid/old.mp4");
    assert_eq!(r.share_page_url, None);
}

#[test]
fn transcription_without_job_id_parses_as_a_webhook_with_no_id() {
    let bytes =
        serde_json::to_vec(&fixture("jobs/transcription-completed-no-job-id.json")).unwrap();
    let job = parse_webhook(&bytes).unwrap();
    assert_eq!(job.id, None);
    let JobState::Completed(JobOutput::Transcription(t)) = job.state else {
        panic!("{:?}", job.state)
    };
    assert_eq!(t.sentences.len(), 1);
    let s = &t.sentences[0];
    assert_eq!(
        s.uid.as_deref(),
        Some("63773537-fb4c-4f93-8bed-217951b16fb2")
    );
    assert_eq!(s.speaker_id.as_deref(), Some("1"));
    assert_eq!(s.text(), "Once again,");
    let w = &s.words[1];
    assert_eq!(
        w.uid.as_deref(),
        Some("0cd65dd6-1c37-4b1c-8e9e-2772541dc21a")
    );
    assert_eq!(w.text, "again,");
    assert_eq!((w.start, w.end), (Some(0.48), Some(0.88)));
    assert_eq!(w.sentence_index, Some(0));
    assert!(!w.is_pause && !w.highlight);
    assert_eq!(t.text, None, "this documented body has no txt");
    assert_eq!(t.transcript.as_array().map(Vec::len), Some(1));
    // With a `txt`, the plain text is read too.
    let mut body = fixture("jobs/transcription-completed-no-job-id.json");
    body["data"]["txt"] = json!("Once again,");
    let job = parse_webhook(&serde_json::to_vec(&body).unwrap()).unwrap();
    let JobState::Completed(JobOutput::Transcription(t)) = job.state else {
        panic!("{:?}", job.state)
    };
    assert_eq!(t.text.as_deref(), Some("Once again,"));
}

#[test]
fn failed_job_has_code_and_message() {
    let job = parsed("jobs/failed.json");
    assert_eq!(
        job.state,
        JobState::Failed {
            code: "TEXT_TO_VIDEO_FAILED".into(),
            message: "The AI voice speaker [Timm] is invalid...".into()
        }
    );
    match job.into_outcome() {
        Some(Err(Error::JobFailed { job_id, code, .. })) => {
            assert_eq!(job_id, "a1d36612-326d-4b81-aece-411f8aed4c70");
            assert_eq!(code, "TEXT_TO_VIDEO_FAILED");
        }
        other => panic!("{other:?}"),
    }
}

fn cleaned_body() -> Value {
    let mut body = fixture("jobs/in-progress.json");
    body["data"]["status"] = json!("cleaned");
    body
}

#[test]
fn cleaned_is_terminal_and_its_own_error() {
    let job = parse_job(&cleaned_body(), None).unwrap();
    assert_eq!(job.state, JobState::Cleaned);
    assert!(job.state.is_terminal());
    let err = job.into_outcome().unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::JobCleaned { job_id } if job_id == "6830fe00-872b-4e96-86b5-e4b527f0295b"),
        "{err:?}"
    );
    assert!(err.to_string().contains("retention"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_wait_on_a_cleaned_job_ends_at_the_first_read() {
    let (server, log) = scripted(|_, _| json_response(200, cleaned_body())).await;
    let client = paused_client(&server.url("/pictory"));
    let start = tokio::time::Instant::now();
    let err = client
        .job("6830fe00-872b-4e96-86b5-e4b527f0295b")
        .with_backoff(FixedInterval::new(Duration::from_secs(10)))
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::JobCleaned { .. }), "{err:?}");
    assert_eq!(log.lock().unwrap().len(), 1);
    assert!(start.elapsed() <= Duration::from_secs(10));
}

#[tokio::test]
async fn an_unsafe_job_id_is_refused_before_any_request() {
    let (server, log) = scripted(|_, _| json_response(200, cleaned_body())).await;
    let client = common::client_for(&server.url("/pictory"));
    for id in ["../oauth2/token", "a?b", "", ".."] {
        let err = client.job(id).poll().await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest { .. }),
            "{id:?}: {err:?}"
        );
    }
    assert!(log.lock().unwrap().is_empty());
}

#[test]
fn every_job_started_shape_gives_the_id() {
    for file in [
        "starts/job-started-data-jobId.json",
        "starts/job-started-data-job_id.json",
        "starts/job-started-top-level-jobId.json",
    ] {
        assert_eq!(
            find_job_id(&fixture(file)).unwrap(),
            Some(JobId::from("981e84c8-bd06-4a65-a791-d4a3da315c2a")),
            "{file}"
        );
    }
}

/// A scripted Pictory whose preview returns `render_params` (classic, no
/// status) and which records every body POSTed to `/video/render`.
async fn render_server(render_params: Value) -> (httpmock::MockServer, Arc<Mutex<Vec<Value>>>) {
    let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = bodies.clone();
    let (server, _) = scripted(move |_, req| {
        let path = req.uri().path().to_string();
        let ok = |v: Value| json_response(200, json!({"data": v}));
        match (req.method().to_string().as_str(), path.as_str()) {
            ("POST", "/pictory/pictoryapis/v1/video/storyboard") => ok(json!({"jobId": "s1"})),
            ("POST", "/pictory/pictoryapis/v1/video/render") => {
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_slice(req.body().as_ref()).unwrap());
                ok(json!({"success": true, "data": {"job_id": "r1"}}))
            }
            ("GET", "/pictory/pictoryapis/v1/jobs/s1") => ok(
                json!({"success": true, "data": {"renderParams": render_params, "preview": "https://p/s1"}, "job_id": "s1"}),
            ),
            ("GET", "/pictory/pictoryapis/v1/jobs/r1") => ok(fixture("jobs/render-completed.json")),
            ("GET", p) if p.starts_with("/pictory/pictoryapis/v1/jobs/") => common::job_not_found(),
            _ => HttpMockResponse::builder().status(418).build(),
        }
    })
    .await;
    (server, bodies)
}

#[tokio::test(start_paused = true)]
async fn render_with_changes_sends_the_previews_render_params_whole() {
    let request_file = fixture("starts/render-request-classic.json");
    let webhook = request_file["webhook"].as_str().unwrap().to_string();
    let mut render_params = request_file.clone();
    render_params.as_object_mut().unwrap().remove("webhook");

    for rename in [false, true] {
        let (server, bodies) = render_server(render_params.clone()).await;
        let client = paused_client(&server.url("/pictory"));
        let opts = FlowOptions::default()
            .render_webhook(webhook.clone())
            .backoff(FixedInterval::new(Duration::from_secs(1)))
            .edit_render_params(move |p| {
                if rename {
                    p.set_output_name("Edited.mp4");
                }
            });
        let request = StoryboardRequest::new("Santa Claus").scene(Scene::text("x"));
        let video = client.text_to_video_with(&request, &opts).await.unwrap();
        assert_eq!(video.render_job, JobId::from("r1"));
        assert_eq!(video.video.video_url, "https://example.invalid/video.mp4");
        let mut expected = request_file.clone();
        if rename {
            expected["output"]["name"] = json!("Edited.mp4");
        }
        assert_eq!(
            bodies.lock().unwrap().as_slice(),
            &[expected],
            "rename={rename}"
        );
    }
}

#[tokio::test]
async fn element_based_render_params_are_sent_whole_too() {
    let params = json!({"output": {"width": 1080, "height": 1920, "format": "mp4"},
        "elements": [{"type": "text", "text": "Hi", "x": 0.1, "style": {"fontSize": 40}}],
        "sceneMarkers": [{"time": 0}], "subtitles": [], "futureKey": {"kept": true}});
    let (server, bodies) = render_server(json!({})).await;
    let client = common::client_for(&server.url("/pictory"));
    let id = client
        .start_render(&RenderParams::new(params.clone()).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(id, JobId::from("r1"));
    assert_eq!(bodies.lock().unwrap().as_slice(), &[params]);
}

/// The documented classic storyboard request, built with the builders.
fn classic_storyboard() -> StoryboardRequest {
    StoryboardRequest::new("Text_To_Video_English")
        .description("Text_To_Video_English")
        .language("en")
        .audio(Audio {
            background_music_volume: Some(0.5),
            auto_background_music: Some(true),
            ..Audio::default().ai_voice(AiVoice::new("Jackson").speed(100).amplify_level(0.0))
        })
        .text_styles(TextStyles {
            text_color: Some("#FFFF00".into()),
            text_background_color: Some("#FFFF00".into()),
            font_family: Some("Roboto".into()),
            font_name: Some("Serif".into()),
            font_size: Some(20.0),
            vertical_alignment: Some("top".into()),
            horizontal_alignment: Some("center".into()),
        })
        .brand_logo(BrandLogo {
            url: "https://example.invalid/logo.png".into(),
            vertical_alignment: Some("top".into()),
            horizontal_alignment: Some("left".into()),
        })
        .scene(
            Scene {
                font_family: Some("Roboto".into()),
                text_color: Some("#00FF00".into()),
                font_size: Some(32.0),
                text_background_color: Some("#000000".into()),
                ..Scene::text("AI is poised to significantly impact educators and course creators.")
            }
            .voice_over(true)
            .split_on_new_line(false)
            .split_on_period(true),
        )
        .scene(
            Scene {
                text: Some(String::new()),
                ..Scene::background("https://example.invalid/clip.mp4", "video")
            }
            .background_video_playback(true, true)
            .background_video_segment(0.0, 5.0)
            .visual_category("Technology"),
        )
}

/// The documented request as the builders send it: Pictory's example sends
/// `autoBackgroundMusic` as the string `"true"`; its docs type it boolean,
/// which is what the builder sends.
fn classic_storyboard_expected() -> Value {
    let mut expected = fixture("starts/storyboard-classic-request.json");
    assert_eq!(expected["audio"]["autoBackgroundMusic"], json!("true"));
    expected["audio"]["autoBackgroundMusic"] = json!(true);
    expected
}

#[test]
fn the_documented_storyboard_request_is_expressible_with_the_builders() {
    let request = classic_storyboard();
    request.validate().unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        classic_storyboard_expected()
    );
}

#[tokio::test]
async fn storyboard_text_styles_new_scene_fields_and_extras_reach_the_wire() {
    let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = bodies.clone();
    let (server, _) = scripted(move |_, req| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_slice(req.body().as_ref()).unwrap());
        json_response(200, json!({"data": {"jobId": "s9"}}))
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));

    let id = client
        .start_storyboard(&classic_storyboard())
        .await
        .unwrap();
    assert_eq!(id, JobId::from("s9"));

    let request = classic_storyboard()
        .extra("saveProject", true)
        .extra("projectFolder", json!({"name": "launch"}))
        .scene(
            Scene::text("Recorded narration")
                .voice_over_file(
                    "https://example.invalid/vo.mp3",
                    Some(Segment::new(2.0, 9.5)),
                )
                .caption("Hallo", Some("de"))
                .aws_connection("conn-7")
                .minimum_duration(4.0)
                .extra("transition", "fade"),
        );
    client.start_storyboard(&request).await.unwrap();

    let mut expected = classic_storyboard_expected();
    expected["saveProject"] = json!(true);
    expected["projectFolder"] = json!({"name": "launch"});
    expected["scenes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"text": "Recorded narration",
            "voiceOverUri": "https://example.invalid/vo.mp3",
            "voiceOverSegment": {"start": 2, "end": 9.5},
            "caption": "Hallo", "captionLanguage": "de", "awsConnectionId": "conn-7",
            "minimumDuration": 4, "transition": "fade"}));
    let bodies = bodies.lock().unwrap();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], classic_storyboard_expected());
    assert_eq!(bodies[1], expected);
}
