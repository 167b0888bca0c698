//! Contract: every answer the simulator gives fits the normalized spec's
//! response schema of its operation (the simulator checks each one and
//! counts misfits in `Counters::answers_off_spec`), and decodes into the
//! generated response type through `.send()`. Every operation is driven:
//! LowCodeAPI's 25 under both LowCodeAPI profiles, with the documented
//! job-body variants on and off, and the ones only Pictory serves through
//! a client with Pictory's key (and refused, nothing sent, without it).

mod sim_support;

use pictory::jobs::FixedInterval;
use pictory::raw::types;
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{Client, FlowOptions, OPERATIONS, ServedBy, TemplateUpload};
use pictory_sim::{JobVariants, SimConfig, Simulator};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

fn opts() -> FlowOptions {
    FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(10)))
}

/// Drives every operation once or more; returns the ids that answered 2xx.
async fn drive_every_operation(sim: &Simulator) -> BTreeSet<&'static str> {
    let client: Client = sim.client().unwrap();
    let mut ok = BTreeSet::new();
    let mut note = |id: &'static str| {
        ok.insert(id);
    };
    let api = client.api();

    // Brands.
    let brand = api
        .create_brand()
        .body_map(|b| b.name(Some("Acme".to_string())))
        .send()
        .await
        .unwrap();
    note("create_brand");
    let brand_id = ["brandId", "id", "_id"]
        .iter()
        .find_map(|k| brand.payload().get(*k).and_then(Value::as_str))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no brand id in {}", brand.raw()));
    api.get_brand().brand_id(&brand_id).send().await.unwrap();
    note("get_brand");
    api.list_brands().send().await.unwrap();
    note("list_brands");
    api.update_brand()
        .brand_id(&brand_id)
        .body(types::UpdateBrandBody::default())
        .send()
        .await
        .unwrap();
    note("update_brand");
    api.delete_brand().brand_id(&brand_id).send().await.unwrap();
    note("delete_brand");

    // AWS connections.
    let conn = api
        .create_aws_connection()
        .body_map(|b| {
            b.name("conn")
                .enabled(true)
                .aws_region("us-east-1")
                .aws_account_id("123456789012")
        })
        .send()
        .await
        .unwrap();
    note("create_aws_connection");
    let conn_id = conn
        .payload()
        .get("connectionId")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no connectionId in {}", conn.raw()))
        .to_string();
    api.get_aws_connection()
        .connectionid(&conn_id)
        .send()
        .await
        .unwrap();
    note("get_aws_connection");
    api.list_aws_connections().send().await.unwrap();
    note("list_aws_connections");
    api.update_aws_connection()
        .connectionid(&conn_id)
        .body_map(|b| b.version(1.0).enabled(Some(false)))
        .send()
        .await
        .unwrap();
    note("update_aws_connection");
    api.delete_aws_connection()
        .connectionid(&conn_id)
        .send()
        .await
        .unwrap();
    note("delete_aws_connection");

    // Voice-over tracks.
    let fixture = sim_support::fixture("voiceovers/add-request.json");
    let track: types::AddVoiceoverTrackBody = serde_json::from_value(fixture).unwrap();
    api.add_voiceover_track().body(track).send().await.unwrap();
    note("add_voiceover_track");
    api.list_voiceover_tracks().send().await.unwrap();
    note("list_voiceover_tracks");

    // Templates, a video from one, rendering it as is.
    let dir = std::env::temp_dir().join(format!("pictory-contract-sim-{}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.pictai");
    std::fs::write(
        &file,
        json!({"scenes": [{"text": "Hi {{name}}"}]}).to_string(),
    )
    .unwrap();
    let created = client
        .create_template_from_file(&file, TemplateUpload::OctetStream)
        .await
        .unwrap();
    note("create_template");
    std::fs::remove_dir_all(&dir).unwrap();
    let template_id = created
        .payload()
        .get("templateId")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no templateId in {}", created.raw()))
        .to_string();
    api.get_template()
        .template_id(&template_id)
        .send()
        .await
        .unwrap();
    note("get_template");
    api.list_templates().send().await.unwrap();
    note("list_templates");
    api.update_template()
        .template_id(&template_id)
        .body(types::UpdateTemplateBody::default())
        .send()
        .await
        .unwrap();
    note("update_template");
    let vars = serde_json::Map::from_iter([("name".to_string(), json!("Ada"))]);
    let video = client
        .video_from_template(&template_id, vars, &opts())
        .await
        .unwrap();
    note("create_video_from_template");
    note("render_storyboard");
    note("get_job");
    assert!(video.video.video_url.contains(".mp4"), "{:?}", video.video);
    api.delete_template()
        .template_id(&template_id)
        .send()
        .await
        .unwrap();
    note("delete_template");

    // Text to video with edited render params (render_video).
    let request = StoryboardRequest::new("contract").scene(Scene::text("Hello"));
    let edited = opts().edit_render_params(|p| p.set_output_name("contract-final"));
    client.text_to_video_with(&request, &edited).await.unwrap();
    note("create_storyboard");
    note("render_video");

    // Upload, transcription, summary.
    let up = dir.with_extension("mp4");
    std::fs::write(&up, b"\0\0\0\x18ftypmp42").unwrap();
    let uploaded = client
        .upload_file(&up, "video/mp4", |_, _| {})
        .await
        .unwrap();
    std::fs::remove_file(&up).unwrap();
    note("generate_upload_url");
    let (_, transcript) = client
        .transcribe(&uploaded.url, "en-US", &opts())
        .await
        .unwrap();
    note("create_transcription");
    client
        .summarize(&transcript.transcript, 30.0, &opts())
        .await
        .unwrap();
    note("create_video_summary");
    ok
}

#[tokio::test(flavor = "multi_thread")]
async fn every_simulator_answer_fits_the_response_schemas() {
    let variants = JobVariants {
        preview_without_status: true,
        render_share_url_only: true,
        transcription_without_job_id: true,
        storyboard_id_top_level: true,
        pending: Duration::from_millis(500),
        ..JobVariants::default()
    };
    let configs = [
        SimConfig::hosted(),
        SimConfig {
            job_route: true,
            ..SimConfig::open_source()
        },
        SimConfig {
            jobs: variants,
            ..SimConfig::hosted()
        },
        SimConfig {
            job_route: true,
            jobs: variants,
            ..SimConfig::open_source()
        },
    ];
    for config in configs {
        let what = format!("{:?} {:?}", config.profile, config.jobs);
        let sim = Simulator::start(SimConfig {
            time_factor: 0.002,
            ..config
        })
        .await
        .unwrap();
        let mut ok = drive_every_operation(&sim).await;
        ok.extend(drive_pictory_operations(&sim).await);
        let all: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.id).collect();
        assert_eq!(ok, all, "{what}: every operation answered 2xx");
        assert_eq!(sim.counters().answers_off_spec, 0, "{what}");
    }
}

/// Waits for job `id` (polling every 10 ms) and returns its output's JSON.
async fn finished(client: &Client, id: Option<pictory::jobs::JobId>) -> Value {
    let id = id.expect("a job id");
    client
        .job(id.clone())
        .with_backoff(FixedInterval::new(Duration::from_millis(10)))
        .wait()
        .await
        .unwrap();
    let read = client
        .api()
        .get_job()
        .job_id(id.as_str())
        .send()
        .await
        .unwrap();
    read.raw().clone()
}

/// Drives every operation only Pictory serves, through a client with
/// Pictory's key; returns the ids that answered 2xx.
async fn drive_pictory_operations(sim: &Simulator) -> BTreeSet<&'static str> {
    let client: Client = sim.pictory_client_builder().build().unwrap();
    let api = client.api();
    let mut ok = BTreeSet::new();
    let mut note = |id: &'static str| {
        ok.insert(id);
    };

    // Look-ups.
    assert!(
        !api.list_video_brands()
            .send()
            .await
            .unwrap()
            .value()
            .is_empty()
    );
    note("list_video_brands");
    assert!(
        !api.list_text_styles()
            .send()
            .await
            .unwrap()
            .value()
            .is_empty()
    );
    note("list_text_styles");
    assert!(
        !api.list_smart_layouts()
            .send()
            .await
            .unwrap()
            .value()
            .items
            .is_empty()
    );
    note("list_smart_layouts");
    let avatars = api.list_avatars().send().await.unwrap();
    let next = avatars.value().next_page_key.clone().unwrap();
    api.list_avatars()
        .next_page_key(next.as_str().unwrap())
        .send()
        .await
        .unwrap();
    note("list_avatars");
    let found = api
        .search_music()
        .body_map(|b| {
            b.page(Some(1))
                .page_size(Some(20))
                .mood(vec!["Calm / Serene".into()])
        })
        .send()
        .await
        .unwrap();
    assert!(!found.value().items.is_empty());
    note("search_music");
    for (id, list) in [
        ("list_music_moods", api.list_music_moods().send().await),
        ("list_music_genres", api.list_music_genres().send().await),
        (
            "list_music_genre_groups",
            api.list_music_genre_groups().send().await,
        ),
        (
            "list_music_instruments",
            api.list_music_instruments().send().await,
        ),
        (
            "list_music_purposes",
            api.list_music_purposes().send().await,
        ),
    ] {
        assert!(!list.unwrap().value().is_empty(), "{id}");
        note(id);
    }
    let media = api.search_media().keyword("ocean").send().await.unwrap();
    assert_eq!(media.value().data.as_ref().unwrap().search_results.len(), 3);
    note("search_media");
    api.get_ai_credits_usage().month(5).send().await.unwrap();
    note("get_ai_credits_usage");
    let before = api.get_quota().send().await.unwrap().into_value();
    note("get_quota");

    // Projects: list, get, render.
    let projects = api.list_projects().send().await.unwrap().into_value();
    let project = projects.items[0].id.as_ref().unwrap().to_string();
    api.get_project()
        .projectid(project.as_str())
        .send()
        .await
        .unwrap();
    note("list_projects");
    note("get_project");
    let started = api
        .render_project()
        .projectid(project.as_str())
        .send()
        .await
        .unwrap();
    finished(&client, started.value().job_id().unwrap()).await;
    note("render_project");

    // v2: preview, element edits, render as is, render edited, direct render.
    let request: types::StoryboardV2 =
        serde_json::from_value(sim_support::fixture("v2/storyboard-request.json")).unwrap();
    let started = api
        .create_storyboard_v2()
        .body(request.clone())
        .send()
        .await
        .unwrap();
    note("create_storyboard_v2");
    let preview_id = started.value().job_id().unwrap().unwrap();
    let preview = finished(&client, Some(preview_id.clone())).await;
    let params = preview["data"]["renderParams"].clone();
    let mut text = params["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["elementType"] == "SceneText")
        .cloned()
        .unwrap();
    text["text"] = json!("Edited before rendering.");
    let elements: Vec<types::StoryboardElement> = serde_json::from_value(json!([text])).unwrap();
    let edited = api
        .update_storyboard_elements()
        .jobid(preview_id.as_str())
        .body(elements)
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 204);
    note("update_storyboard_elements");
    let started = api
        .render_preview_v2()
        .storyboardjobid(preview_id.as_str())
        .body(types::RenderPreviewV2Body::default())
        .send()
        .await
        .unwrap();
    finished(&client, started.value().job_id().unwrap()).await;
    note("render_preview_v2");
    let body: serde_json::Map<String, Value> = serde_json::from_value(params).unwrap();
    let started = api.render_video_v2().body(body).send().await.unwrap();
    finished(&client, started.value().job_id().unwrap()).await;
    note("render_video_v2");
    let started = api
        .render_storyboard_video_v2()
        .body(request)
        .send()
        .await
        .unwrap();
    let video = finished(&client, started.value().job_id().unwrap()).await;
    let file = video["data"]["videoURL"]
        .as_str()
        .or(video["data"]["shareVideoURL"].as_str());
    assert!(file.unwrap().ends_with(".mp4"), "{video}");
    note("render_storyboard_video_v2");

    // Highlights of a finished transcription job.
    let dir =
        std::env::temp_dir().join(format!("pictory-contract-direct-{}.mp4", fastrand::u64(..)));
    std::fs::write(&dir, b"\0\0\0\x18ftypmp42").unwrap();
    let uploaded = client
        .upload_file(&dir, "video/mp4", |_, _| {})
        .await
        .unwrap();
    std::fs::remove_file(&dir).unwrap();
    let (transcription, _) = client
        .transcribe(&uploaded.url, "en-US", &opts())
        .await
        .unwrap();
    let started = api
        .create_highlights_from_job()
        .job_id(transcription.as_str())
        .body_map(|b| b.highlight_duration(Some(20.0)))
        .send()
        .await
        .unwrap();
    finished(&client, started.value().job_id().unwrap()).await;
    note("create_highlights_from_job");

    // AI Studio.
    let image: types::CreateAiImageBody =
        serde_json::from_value(sim_support::fixture("aistudio/generate-image-request.json"))
            .unwrap();
    let started = api.create_ai_image().body(image).send().await.unwrap();
    let made = finished(&client, started.value().job_id().unwrap()).await;
    assert!(made["data"]["url"].as_str().unwrap().ends_with(".png"));
    note("create_ai_image");
    let video: types::CreateAiVideoBody =
        serde_json::from_value(sim_support::fixture("aistudio/generate-video-request.json"))
            .unwrap();
    let started = api.create_ai_video().body(video).send().await.unwrap();
    finished(&client, started.value().job_id().unwrap()).await;
    note("create_ai_video");
    assert_eq!(
        api.list_ai_images()
            .send()
            .await
            .unwrap()
            .value()
            .items
            .len(),
        1
    );
    note("list_ai_images");
    assert_eq!(
        api.list_ai_videos()
            .send()
            .await
            .unwrap()
            .value()
            .items
            .len(),
        1
    );
    note("list_ai_videos");
    let jobs = api.list_jobs().send().await.unwrap();
    assert!(!jobs.value().items.is_empty());
    note("list_jobs");

    // Vimeo connections: the secrets go in and never come back.
    let body: types::CreateVimeoConnectionBody =
        serde_json::from_value(sim_support::fixture("vimeo/create-request.json")).unwrap();
    let created = api
        .create_vimeo_connection()
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(
        !created
            .raw()
            .to_string()
            .contains("xyz789abc123def456ghi789")
    );
    let id = created.value().connection_id.clone().unwrap();
    note("create_vimeo_connection");
    let listed = api.list_vimeo_connections().send().await.unwrap();
    assert_eq!(listed.value().items.len(), 1);
    note("list_vimeo_connections");
    api.get_vimeo_connection()
        .connectionid(id.as_str())
        .send()
        .await
        .unwrap();
    note("get_vimeo_connection");

    // Rendering used quota.
    let after = api.get_quota().send().await.unwrap().into_value();
    let used = |q: &types::Quota| q.video_minutes.as_ref().unwrap().used.unwrap();
    assert!(used(&after) > used(&before), "renders use video minutes");
    ok
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_pictory_key_the_operations_only_pictory_serves_are_refused_unsent() {
    let sim = Simulator::start(SimConfig::hosted()).await.unwrap();
    let client = sim.client().unwrap();
    let mut refused = 0;
    for op in OPERATIONS
        .iter()
        .filter(|op| op.served_by == ServedBy::PictoryOnly)
    {
        let params: Vec<(&str, &str)> = op.path_params.iter().map(|p| (*p, "x1")).collect();
        let err = client
            .call_operation(op.id, &params, None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, pictory::Error::NeedsPictoryKey { operation } if operation == op.id),
            "{}: {err}",
            op.id
        );
        assert!(err.nothing_was_sent());
        assert!(err.to_string().contains("PICTORY_API_KEY"), "{err}");
        refused += 1;
    }
    assert_eq!(refused, 30);
    let counters = sim.counters();
    assert!(
        counters.requests.is_empty() && counters.pictory_requests.is_empty(),
        "{counters:?}"
    );
    // LowCodeAPI's face does not serve them: its routing 404.
    let url = format!(
        "{}/pictoryapis/v1/quota?api_token={}",
        sim.base_url(),
        sim.token()
    );
    let answer = reqwest::get(url).await.unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(
        answer.json::<Value>().await.unwrap(),
        json!({"message": "Not Found"})
    );
}
