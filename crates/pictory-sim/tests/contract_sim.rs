//! Contract: every answer the simulator gives fits the normalized spec's
//! response schema of its operation (the simulator checks each one and
//! counts misfits in `Counters::answers_off_spec`), and decodes into the
//! generated response type through `.send()`. Every one of the 25
//! operations is driven, under both LowCodeAPI profiles, with the
//! documented job-body variants on and off.

mod sim_support;

use pictory::jobs::FixedInterval;
use pictory::raw::types;
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{Client, FlowOptions, OPERATIONS, TemplateUpload};
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
        let ok = drive_every_operation(&sim).await;
        let all: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.id).collect();
        assert_eq!(ok, all, "{what}: every operation answered 2xx");
        assert_eq!(sim.counters().answers_off_spec, 0, "{what}");
    }
}
