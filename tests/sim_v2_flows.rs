//! The v2 journeys through the one journey engine, against the simulator's
//! Pictory face: v2 storyboard → preview → element edits → render → video;
//! a direct render; a saved project rendered. Each uses the v2 routes and
//! only them, and a client without Pictory's key creates nothing.

use pictory::jobs::FixedInterval;
use pictory::raw::types::{StoryboardElement, StoryboardV2};
use pictory::{Client, Error, FlowOptions, Stage};
use pictory_sim::{SimConfig, Simulator};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn sim() -> Simulator {
    Simulator::start(SimConfig {
        time_factor: 0.002,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// A client with both credentials, polling quickly.
fn client_for(sim: &Simulator) -> Client {
    sim.client_builder()
        .pictory_key(sim.pictory_key())
        .pictory_base_url(sim.pictory_base_url())
        .build()
        .unwrap()
}

fn quick() -> FlowOptions {
    FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(20)))
}

fn storyboard(save: bool) -> StoryboardV2 {
    serde_json::from_value(json!({
        "videoName": "v2 journey",
        "saveProject": save,
        "voiceOver": {"enabled": true, "aiVoices": [{"speaker": "Brian"}]},
        "backgroundMusic": {"enabled": true, "autoMusic": true, "volume": 0.2},
        "scenes": [{"story": "First scene."}, {"story": "Second scene."}]
    }))
    .unwrap()
}

/// Requests the simulator counted for `operation` on Pictory's face.
fn at_pictory(sim: &Simulator, operation: &str) -> u64 {
    sim.counters()
        .pictory_requests
        .get(operation)
        .copied()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_v2_storyboard_becomes_a_video_with_element_edits_on_the_way() {
    let sim = sim().await;
    let client = client_for(&sim);
    let created: Arc<Mutex<Vec<Stage>>> = Arc::default();
    let seen = created.clone();
    let opts = quick()
        .on_job_created(move |stage, _| seen.lock().unwrap().push(stage))
        .edit_elements(|preview| {
            // The first scene's text element, from the preview's elements.
            let elements = preview
                .render_params
                .as_ref()
                .map(|p| p.as_value()["elements"].clone())
                .unwrap_or(Value::Null);
            let mut text = elements
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["elementType"] == "SceneText")
                .cloned()
                .expect("a text element");
            text["text"] = json!("Edited before rendering.");
            vec![serde_json::from_value::<StoryboardElement>(text).unwrap()]
        });
    let video = client
        .text_to_video_v2(&storyboard(false), &opts)
        .await
        .unwrap();
    assert!(video.video.video_url.ends_with(".mp4"), "{video:?}");
    assert_ne!(video.preview_job, video.render_job);
    assert_eq!(*created.lock().unwrap(), [Stage::Preview, Stage::Render]);
    // The v2 routes, once each; no classic route, nothing through LowCodeAPI
    // but the job reads.
    for op in [
        "create_storyboard_v2",
        "update_storyboard_elements",
        "render_preview_v2",
    ] {
        assert_eq!(at_pictory(&sim, op), 1, "{op}");
    }
    let edits = sim.received("update_storyboard_elements").unwrap();
    assert_eq!(edits[0]["text"], "Edited before rendering.");
    for op in ["create_storyboard", "render_storyboard", "render_video"] {
        assert_eq!(at_pictory(&sim, op), 0, "{op}");
        assert!(sim.received(op).is_none(), "{op}");
    }
    // The preview now carries the edit.
    let job = client.job(video.preview_job.clone()).poll().await.unwrap();
    assert!(
        job.raw.to_string().contains("Edited before rendering."),
        "{}",
        job.raw
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn edited_render_params_go_to_the_v2_render_route() {
    let sim = sim().await;
    let client = client_for(&sim);
    let opts = quick().edit_render_params(|params| {
        params.as_value_mut()["edited"] = json!(true);
    });
    client
        .text_to_video_v2(&storyboard(false), &opts)
        .await
        .unwrap();
    assert_eq!(at_pictory(&sim, "render_video_v2"), 1);
    assert_eq!(at_pictory(&sim, "render_preview_v2"), 0);
    assert_eq!(sim.received("render_video_v2").unwrap()["edited"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_render_and_a_saved_project_render() {
    let sim = sim().await;
    let client = client_for(&sim);
    let (_, video) = client
        .render_storyboard_v2(&storyboard(true), &quick())
        .await
        .unwrap();
    assert!(video.video_url.ends_with(".mp4"));
    assert_eq!(at_pictory(&sim, "render_storyboard_video_v2"), 1);
    // The saved project is listed; render it again.
    use futures_util::TryStreamExt;
    let projects: Vec<_> = client
        .api()
        .list_projects()
        .items()
        .try_collect()
        .await
        .unwrap();
    let saved = projects
        .iter()
        .find(|p| p.name.as_deref() == Some("v2 journey"))
        .and_then(|p| p.id.clone())
        .expect("the project was saved");
    let id = saved.to_string();
    let (_, again) = client.render_saved_project(&id, &quick()).await.unwrap();
    assert!(again.video_url.ends_with(".mp4"));
    assert_eq!(at_pictory(&sim, "render_project"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_key_v2_journeys_create_nothing() {
    let sim = sim().await;
    let client = sim.client().unwrap(); // LowCodeAPI's token only
    let err = client
        .text_to_video_v2(&storyboard(false), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NeedsPictoryKey {
                operation: "create_storyboard_v2"
            }
        ),
        "{err:?}"
    );
    let err = client
        .render_storyboard_v2(&storyboard(false), &quick())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NeedsPictoryKey { .. }), "{err:?}");
    let err = client
        .render_saved_project("p1", &quick())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NeedsPictoryKey { .. }), "{err:?}");
    let counters = sim.counters();
    assert!(
        counters.requests.is_empty() && counters.pictory_requests.is_empty(),
        "{counters:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn element_edits_on_a_classic_journey_are_refused_before_sending() {
    let sim = sim().await;
    let client = client_for(&sim);
    let request = pictory::storyboard::StoryboardRequest::new("classic")
        .scene(pictory::storyboard::Scene::text("Hello"));
    let opts = quick().edit_elements(|_| Vec::new());
    let err = client
        .text_to_video_with(&request, &opts)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(sim.received("create_storyboard").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storyboard_pictory_refuses_is_refused_before_sending() {
    let sim = sim().await;
    let client = client_for(&sim);
    let two_sources: StoryboardV2 = serde_json::from_value(json!({
        "voiceOver": {"enabled": true},
        "scenes": [{"story": "a", "pptUrl": "https://example.test/deck.pptx"}]
    }))
    .unwrap();
    let err = client
        .text_to_video_v2(&two_sources, &quick())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("exactly one"), "{err}");
    let brand_twice: StoryboardV2 = serde_json::from_value(json!({
        "brandId": "eb67b4ba-0eef-41fa-a772-d9675cc3645c", "brandName": "Default Brand",
        "scenes": [{"story": "a"}]
    }))
    .unwrap();
    let err = client
        .render_storyboard_v2(&brand_twice, &quick())
        .await
        .unwrap_err();
    assert!(err.nothing_was_sent(), "{err:?}");
    let counters = sim.counters();
    assert!(
        counters.requests.is_empty() && counters.pictory_requests.is_empty(),
        "{counters:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ids_are_checked_against_the_look_ups_that_return_them() {
    let sim = sim().await;
    let client = client_for(&sim);
    let with = |extra: Value| -> StoryboardV2 {
        let mut body = json!({"voiceOver": {"enabled": true}, "scenes": [{"story": "a"}]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(body).unwrap()
    };
    // Ids the simulator's look-ups return (the documented ones).
    let known = with(json!({
        "brandId": "eb67b4ba-0eef-41fa-a772-d9675cc3645c",
        "subtitleStyleId": "8f3deae9-fe38-4c53-8be0-616bef1da916",
        "smartLayoutId": "202507141030549677ylq8k8gu44vy1y",
        "avatar": {"avatarId": "Yusuf_expressive2_public"}
    }));
    client.check_storyboard_v2_ids(&known).await.unwrap();
    // The avatar is on the last page: every page was read.
    assert!(sim.counters().pictory_requests_to("list_avatars") >= 3);
    for (extra, field) in [
        (json!({"brandId": "invented"}), "brandId"),
        (json!({"subtitleStyleId": "invented"}), "subtitleStyleId"),
        (json!({"smartLayoutId": "invented"}), "smartLayoutId"),
        (
            json!({"avatar": {"avatarId": "invented"}}),
            "avatar.avatarId",
        ),
    ] {
        let err = client
            .check_storyboard_v2_ids(&with(extra))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert!(err.to_string().contains(field), "{err}");
    }
    // A storyboard without ids reads no look-up.
    let before = sim.counters().pictory_requests.values().sum::<u64>();
    client
        .check_storyboard_v2_ids(&with(json!({})))
        .await
        .unwrap();
    assert_eq!(
        sim.counters().pictory_requests.values().sum::<u64>(),
        before
    );
}
