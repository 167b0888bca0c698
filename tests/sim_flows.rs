//! The flows end to end against the simulator: text → video, preview,
//! transcription of an uploaded file, summary, templates, the URL-format
//! fallback, and a 200-flow bulk run under a fault plan.

mod common;

use pictory::jobs::{FixedInterval, PollingErrorPolicy};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{Client, Error, FlowOptions, OPERATIONS, UrlFormat};
use pictory_sim::{FaultPlan, SimConfig, Simulator, UnknownRoute};
use serde_json::json;
use std::time::{Duration, Instant};

fn fast(sim_factor: f64) -> SimConfig {
    SimConfig {
        time_factor: sim_factor,
        ..SimConfig::default()
    }
}

fn quick_polls() -> FlowOptions {
    FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(20)))
}

fn client_for(sim: &Simulator) -> Client {
    let retry = pictory::RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(100));
    Client::builder()
        .token(sim.token())
        .base_url(sim.base_url())
        .retry_policy(retry)
        .build()
        .unwrap()
}

/// Behind LowCodeAPI's open-source server (result envelope, JSON 404 for
/// unknown routes, old-format routes only, `at_` tokens) with its job route
/// enabled, and with every documented body variant on.
#[tokio::test]
async fn text_to_video_against_the_open_source_profile_with_documented_variants() {
    use pictory_sim::JobVariants;
    let sim = Simulator::start(SimConfig {
        job_route: true,
        time_factor: 0.002,
        jobs: JobVariants {
            preview_without_status: true,
            render_share_url_only: true,
            storyboard_id_top_level: true,
            pending: Duration::from_secs(2),
            ..JobVariants::default()
        },
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    let client = client_for(&sim);
    let request = StoryboardRequest::new("open-source").scene(Scene::text("Hello"));
    let video = client
        .text_to_video_with(&request, &quick_polls())
        .await
        .unwrap();
    assert!(video.video.video_url.ends_with(".mp4"), "{:?}", video.video);
    assert_eq!(
        video.video.raw.get("videoURL"),
        None,
        "the .mp4 came only under shareVideoURL"
    );
    assert_eq!(client.remembered_format("get_job"), Some(UrlFormat::Old));
    assert_eq!(sim.counters().jobs_of("render"), 1);
}

#[tokio::test]
async fn text_to_video_preview_and_failure_marker() {
    let sim = Simulator::start(fast(0.002)).await.unwrap();
    let client = client_for(&sim);
    let request = StoryboardRequest::new("sim-e2e").scene(Scene::text("Hello from the simulator"));
    let video = client
        .text_to_video_with(&request, &quick_polls())
        .await
        .unwrap();
    assert!(video.video.video_url.ends_with(".mp4"), "{:?}", video.video);
    assert!(
        video
            .preview
            .render_params
            .as_ref()
            .is_some_and(|p| p.as_value().get("scenes").is_some())
    );
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
    assert_eq!(sim.counters().jobs_of("render"), 1);

    let (_, preview) = client
        .preview(
            &StoryboardRequest::new("preview-only").scene(Scene::text("x")),
            &quick_polls(),
        )
        .await
        .unwrap();
    assert!(preview.preview_url.is_some());
    assert_eq!(
        sim.counters().jobs_of("render"),
        1,
        "preview only: nothing rendered"
    );

    let failing = StoryboardRequest::new("bad").scene(Scene::text("this one will [fail]"));
    let err = client
        .text_to_video_with(&failing, &quick_polls())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::JobFailed { code, .. } if code == "TEXT_TO_VIDEO_FAILED"),
        "{err:?}"
    );
}

#[tokio::test]
async fn upload_then_transcribe_then_summarize() {
    let sim = Simulator::start(fast(0.002)).await.unwrap();
    let client = client_for(&sim);
    let path = std::env::temp_dir().join(format!("pictory-sim-{}.mp4", std::process::id()));
    std::fs::write(&path, vec![7u8; 200_000]).unwrap();
    let mut seen = Vec::new();
    let uploaded = client
        .upload_file(&path, "video/mp4", |sent, total| seen.push((sent, total)))
        .await
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(sim.uploaded(&uploaded.url).map(|b| b.len()), Some(200_000));
    // Progress: from 0 to the whole file, never backwards, the total fixed.
    assert_eq!(seen.first(), Some(&(0, 200_000)));
    assert_eq!(seen.last(), Some(&(200_000, 200_000)));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert!(seen.len() > 2, "intermediate counts too: {seen:?}");
    let (_, transcript) = client
        .transcribe(&uploaded.url, "en-US", &quick_polls())
        .await
        .unwrap();
    assert!(
        transcript
            .transcript
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    let (_, summary) = client
        .summarize(&transcript.transcript, 30.0, &quick_polls())
        .await
        .unwrap();
    assert!(!summary.ranges.is_empty(), "{summary:?}");
}

#[tokio::test]
async fn template_from_file_then_video_from_template() {
    let sim = Simulator::start(fast(0.002)).await.unwrap();
    let client = client_for(&sim);
    let path = std::env::temp_dir().join(format!("pictory-sim-{}.pictai", std::process::id()));
    std::fs::write(
        &path,
        json!({"scenes": [{"text": "Hi {{name}}"}]}).to_string(),
    )
    .unwrap();
    let created = client
        .create_template_from_file(&path, pictory::TemplateUpload::Multipart)
        .await
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let id = pictory::jobs::find_job_id(created.raw())
        .ok()
        .flatten()
        .map(pictory::jobs::JobId::into_string)
        .or_else(|| {
            let b = created.body();
            [b.get("templateId"), b.pointer("/data/templateId")]
                .into_iter()
                .flatten()
                .find_map(|v| v.as_str().map(str::to_string))
        });
    let id = id.expect("a template id");
    let got = client
        .api()
        .get_template()
        .template_id(id.as_str())
        .send()
        .await
        .unwrap();
    assert!(got.raw().to_string().contains(&id));
    let vars = serde_json::Map::from_iter([("name".to_string(), json!("Ada"))]);
    let video = client
        .video_from_template(&id, vars, &quick_polls())
        .await
        .unwrap();
    assert!(video.video.video_url.ends_with(".mp4"));
    // Pictory's documented body: the placeholders' values under `variables`.
    let sent = sim.received("create_video_from_template").unwrap();
    assert_eq!(sent["templateId"], id.as_str());
    assert_eq!(sent["variables"]["name"], "Ada", "{sent}");
}

/// Each path-parameter operation behind a proxy that serves only the old
/// URL format: 2 requests on the first call (new, routing miss, old), 1
/// after, for every kind of routing-miss answer and both profiles.
#[tokio::test]
async fn every_path_operation_works_through_the_fallback_with_new_format_off() {
    use pictory_sim::SimProfile;
    let setups = [
        (SimProfile::OpenSource, UnknownRoute::Json),
        (SimProfile::Hosted, UnknownRoute::Json),
        (SimProfile::Hosted, UnknownRoute::Html),
        (SimProfile::Hosted, UnknownRoute::Text),
        (SimProfile::Hosted, UnknownRoute::Empty),
    ];
    for (profile, unknown_route) in setups {
        let base = match profile {
            SimProfile::OpenSource => SimConfig::open_source(),
            SimProfile::Hosted => SimConfig::hosted(),
        };
        let sim = Simulator::start(SimConfig {
            new_format: false,
            job_route: true,
            unknown_route,
            time_factor: 0.002,
            ..base
        })
        .await
        .unwrap();
        every_path_operation_falls_back_once(&sim, &format!("{profile:?}/{unknown_route:?}")).await;
    }
}

async fn every_path_operation_falls_back_once(sim: &Simulator, setup: &str) {
    let client = client_for(sim);
    // The URL formats are LowCodeAPI's: Pictory-only operations never go there.
    let path_ops: Vec<_> = OPERATIONS
        .iter()
        .filter(|op| !op.path_params.is_empty() && op.served_by != pictory::ServedBy::PictoryOnly)
        .collect();
    assert_eq!(path_ops.len(), 11);
    for op in path_ops {
        // Any answer that is not a routing 404 proves the old-format route.
        let case = common::cases::cases()
            .into_iter()
            .find(|(id, _)| *id == op.id)
            .map(|(_, case)| case)
            .unwrap_or_else(|| panic!("no call for {}", op.id));
        let call = || case(client.clone(), "x");
        for round in 0..2 {
            let before = client.requests_sent();
            let result = call().await;
            assert!(
                !matches!(result, Err(Error::RouteNotFound { .. })),
                "{setup} {}: {result:?}",
                op.id
            );
            let sent = client.requests_sent() - before;
            assert_eq!(
                sent,
                if round == 0 { 2 } else { 1 },
                "{setup} {} round {round}",
                op.id
            );
            assert_eq!(
                client.remembered_format(op.id),
                Some(UrlFormat::Old),
                "{}",
                op.id
            );
        }
        assert!(sim.counters().requests_for(op.id, "old") >= 2, "{}", op.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_200_flows_under_faults_create_no_job_twice() {
    let faults = FaultPlan {
        seed: 2026,
        rate_429: 0.10,
        rate_5xx: 0.10,
        rate_drop: 0.05,
        retry_after: Duration::from_millis(0),
        ..FaultPlan::default()
    };
    let sim = Simulator::start(SimConfig {
        faults,
        ..fast(0.002)
    })
    .await
    .unwrap();
    let client = client_for(&sim);
    let opts = quick_polls().error_policy(
        PollingErrorPolicy::default()
            .attempt_limit(20)
            .time_limit(Duration::from_secs(60)),
    );
    let requests: Vec<StoryboardRequest> = (0..200)
        .map(|i| {
            StoryboardRequest::new(format!("bulk-{i}")).scene(Scene::text(format!("video {i}")))
        })
        .collect();
    let start = Instant::now();
    let results = pictory::bulk::run_bounded(requests, 50, |r| {
        let (client, opts) = (client.clone(), opts.clone());
        async move { client.text_to_video_with(&r, &opts).await }
    })
    .await;
    let wall = start.elapsed();
    let counters = sim.counters();
    let mut failures: std::collections::BTreeMap<String, usize> = Default::default();
    for r in &results {
        match r {
            Ok(v) => assert!(v.video.video_url.ends_with(".mp4"), "{v:?}"),
            Err(e) => {
                // Typed: a re-send was refused, or an answer was cut off.
                assert!(
                    matches!(
                        e,
                        Error::PossiblyProcessed { .. }
                            | Error::UndecodableBody { .. }
                            | Error::Transport { .. }
                            | Error::Server { .. }
                            | Error::RateLimited { .. }
                    ),
                    "untyped failure: {e:?}"
                );
                *failures
                    .entry(
                        format!("{e:?}")
                            .split([' ', '{'])
                            .next()
                            .unwrap()
                            .to_string(),
                    )
                    .or_default() += 1;
            }
        }
    }
    let twice: Vec<_> = counters
        .job_requests_by_name
        .iter()
        .filter(|(_, n)| **n > 1)
        .collect();
    assert!(twice.is_empty(), "jobs created twice: {twice:?}");
    let ok = results.iter().filter(|r| r.is_ok()).count();
    println!(
        "bulk under faults: {} flows, {ok} ok, failures {failures:?}; jobs created {:?}; faults injected {:?} ({} total); \
         client retries {}; requests {}; wall {:.2} s",
        results.len(),
        counters.jobs_created,
        counters.faults,
        counters.total_faults(),
        client.retries_made(),
        client.requests_sent(),
        wall.as_secs_f64()
    );
    assert!(ok >= 100, "most flows complete: {ok}");
    assert!(counters.total_faults() > 100, "the plan injected faults");
}
