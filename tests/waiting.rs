//! How a client waits for jobs: decided once, before anything billable is
//! created. LowCodeAPI's own server has no job-status route for Pictory;
//! these tests run the simulator's open-source profile (no job route) and
//! its Pictory face (the `/pictoryapis/...` routes, Pictory's key in
//! `Authorization`, bare bodies), counting at the simulator what each
//! service received.

mod common;

use common::{job_not_found, json_response, scripted};
use pictory::jobs::{FixedInterval, JobId};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{Client, Error, FlowOptions, JobReads, RetryPolicy};
use pictory_sim::{SimConfig, Simulator};
use std::time::Duration;

fn quick(config: SimConfig) -> SimConfig {
    SimConfig {
        time_factor: 0.001,
        ..config
    }
}

fn request(name: &str) -> StoryboardRequest {
    StoryboardRequest::new(name).scene(Scene::text("Made by the waiting tests."))
}

fn opts() -> FlowOptions {
    FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(20)))
}

/// A client with LowCodeAPI's token and Pictory's key, both at `sim`.
fn both(sim: &Simulator) -> Client {
    sim.client_builder()
        .pictory_key(sim.pictory_key())
        .pictory_base_url(sim.pictory_base_url())
        .build()
        .unwrap()
}

fn lowcodeapi_job_reads(sim: &Simulator) -> u64 {
    sim.counters().requests_to("get_job")
}

#[tokio::test]
async fn without_a_job_route_a_key_or_webhooks_nothing_is_created() {
    let sim = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    let client = sim.client().unwrap();
    let err = client
        .text_to_video_with(&request("no way"), &opts())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoJobReads { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("PICTORY_API_KEY")
            && text.contains("webhook")
            && text.contains("nothing was created"),
        "{text}"
    );
    assert!(!text.contains('\n'));
    let c = sim.counters();
    assert!(c.jobs_created.is_empty(), "{c:?}");
    assert_eq!(c.requests_to("create_storyboard"), 0, "{c:?}");
    // The one thing sent: a read of a job id that cannot exist, which met
    // LowCodeAPI's routing 404 in both URL formats.
    assert_eq!(c.route_not_found, 2, "{c:?}");
    // Remembered: asking again sends nothing.
    assert_eq!(client.job_reads().await.unwrap(), JobReads::Unavailable);
    let err = client
        .transcribe("https://x.invalid/a.mp4", "en-US", &opts())
        .await;
    assert!(matches!(err, Err(Error::NoJobReads { .. })), "{err:?}");
    assert_eq!(sim.counters().route_not_found, 2);
    assert!(sim.counters().jobs_created.is_empty());
}

#[tokio::test]
async fn with_the_key_jobs_are_created_through_lowcodeapi_and_read_from_pictory() {
    let sim = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    let client = both(&sim);
    let plan = client.wait_plan(&opts()).await.unwrap();
    assert_eq!(plan.reads(), JobReads::Direct);
    assert_eq!(
        plan.to_string(),
        "polling: jobs read from Pictory directly with PICTORY_API_KEY"
    );
    let video = client
        .text_to_video_with(&request("direct reads"), &opts())
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("pictory-waiting-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = client
        .download_video(&video.video, dir.join("v.mp4"), |_, _| {})
        .await
        .unwrap();
    assert!(saved.bytes > 0);
    let c = sim.counters();
    assert_eq!(
        (c.jobs_of("storyboard"), c.jobs_of("render")),
        (1, 1),
        "{c:?}"
    );
    // Creates went to LowCodeAPI, reads to Pictory.
    assert_eq!(c.requests_to("create_storyboard"), 1, "{c:?}");
    assert_eq!(c.requests_to("render_storyboard"), 1, "{c:?}");
    assert_eq!(c.pictory_requests_to("create_storyboard"), 0, "{c:?}");
    assert!(c.pictory_requests_to("get_job") >= 2, "{c:?}");
    assert_eq!(c.pictory_requests.len(), 1, "only job reads: {c:?}");
    assert_eq!(lowcodeapi_job_reads(&sim), 0, "the route is never served");
    // Each secret went only to its own service, counted at the servers.
    assert_eq!(c.token_at_pictory, 0, "{c:?}");
    assert_eq!(c.key_at_lowcodeapi, 0, "{c:?}");
    assert_eq!(c.secret_at_files, 0, "{c:?}");
    assert_eq!(c.unauthorized, 0, "{c:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_proxy_with_a_job_route_is_read_through_and_the_key_stays_unused() {
    let sim = Simulator::start(quick(SimConfig::hosted())).await.unwrap();
    let client = both(&sim);
    assert_eq!(client.job_reads().await.unwrap(), JobReads::Proxy);
    client
        .text_to_video_with(&request("proxy reads"), &opts())
        .await
        .unwrap();
    let c = sim.counters();
    assert!(c.pictory_requests.is_empty(), "{c:?}");
    assert!(lowcodeapi_job_reads(&sim) >= 3, "{c:?}");
}

#[tokio::test]
async fn a_key_alone_sends_everything_to_pictory_without_asking_lowcodeapi() {
    let sim = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    let client = sim.pictory_client_builder().build().unwrap();
    assert_eq!(client.job_reads().await.unwrap(), JobReads::Direct);
    let video = client
        .text_to_video_with(&request("key only"), &opts())
        .await
        .unwrap();
    assert!(video.video.video_url.ends_with(".mp4"));
    let templates = client.call_operation("list_templates", &[], None).await;
    assert!(templates.is_ok(), "{templates:?}");
    let c = sim.counters();
    assert!(c.requests.is_empty(), "nothing went to LowCodeAPI: {c:?}");
    assert_eq!(c.route_not_found, 0, "{c:?}");
    assert_eq!(c.pictory_requests_to("create_storyboard"), 1, "{c:?}");
    assert_eq!(c.pictory_requests_to("list_templates"), 1, "{c:?}");
    assert_eq!(c.token_at_pictory, 0, "{c:?}");
}

#[tokio::test]
async fn the_decision_is_made_once_for_a_client_and_its_clones() {
    let sim = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    let client = both(&sim);
    let clones: Vec<Client> = (0..8).map(|_| client.clone()).collect();
    let decisions = futures_util::future::join_all(clones.iter().map(|c| c.job_reads())).await;
    for d in decisions {
        assert_eq!(d.unwrap(), JobReads::Direct);
    }
    let probes = sim.counters().route_not_found;
    assert_eq!(probes, 2, "one probe, in both URL formats");
    for c in &clones {
        c.wait_plan(&opts()).await.unwrap();
        c.job(JobId::from("nope")).poll().await.unwrap_err();
    }
    assert_eq!(
        sim.counters().route_not_found,
        probes,
        "nothing asked again"
    );
}

/// A read of an existing job on an undecided client is itself the probe:
/// no extra request.
#[tokio::test]
async fn a_first_job_read_decides_without_an_extra_request() {
    let sim = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    let creator = both(&sim);
    let id = creator.start_storyboard(&request("read me")).await.unwrap();
    let reader = both(&sim);
    let before = sim.counters();
    let job = reader.job(id).poll().await.unwrap();
    assert!(job.id.is_some());
    let after = sim.counters();
    assert_eq!(after.route_not_found - before.route_not_found, 2);
    assert_eq!(
        after.pictory_requests_to("get_job") - before.pictory_requests_to("get_job"),
        1
    );
    assert_eq!(reader.job_reads().await.unwrap(), JobReads::Direct);
}

/// An answer that settles nothing (here a 401, then a 503) is returned and
/// not remembered; the next call asks again.
#[tokio::test]
async fn a_probe_that_settles_nothing_is_not_remembered() {
    let (server, log) = scripted(|n, _| match n {
        0 => json_response(
            401,
            serde_json::json!({"message": "A valid API token is required to access this API.", "provider": "pictory", "error": {"code": 401}}),
        ),
        1 => json_response(503, serde_json::json!({"message": "busy"})),
        _ => job_not_found(),
    })
    .await;
    let client = Client::builder()
        .token(common::SENTINEL_TOKEN)
        .base_url(server.url("/pictory"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let first = client.job_reads().await.unwrap_err();
    assert!(matches!(first, Error::Unauthorized { .. }), "{first:?}");
    let second = client.job_reads().await.unwrap_err();
    assert!(matches!(second, Error::Server { .. }), "{second:?}");
    assert_eq!(client.job_reads().await.unwrap(), JobReads::Proxy);
    assert_eq!(client.job_reads().await.unwrap(), JobReads::Proxy);
    assert_eq!(log.lock().unwrap().len(), 3);
}

/// A load balancer's 404 (HTML) in front of the proxy proves nothing about
/// LowCodeAPI's routes: the flow goes on without job reads this time, but
/// nothing is remembered, and the next flow asks again.
#[tokio::test]
async fn a_routing_404_from_in_front_of_the_proxy_is_not_remembered() {
    let (server, log) = scripted(|n, _| match n {
        0 | 1 => common::html_404(),
        _ => job_not_found(),
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    assert_eq!(client.job_reads().await.unwrap(), JobReads::Unavailable);
    assert_eq!(client.job_reads().await.unwrap(), JobReads::Proxy);
    assert_eq!(client.job_reads().await.unwrap(), JobReads::Proxy);
    assert_eq!(log.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_wrong_key_is_pictorys_401_naming_the_key_and_never_showing_it() {
    let sim = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    let key = "pictai_wrong-key-8c1d";
    let client = sim
        .client_builder()
        .pictory_key(key)
        .pictory_base_url(sim.pictory_base_url())
        .build()
        .unwrap();
    let id = client
        .start_storyboard(&request("wrong key"))
        .await
        .unwrap();
    let err = client.job(id).poll().await.unwrap_err();
    match &err {
        Error::Unauthorized {
            credential,
            response,
            ..
        } => {
            assert_eq!(*credential, "PICTORY_API_KEY");
            assert_eq!(response.message.as_deref(), Some("Unauthorized"));
        }
        other => panic!("{other:?}"),
    }
    for shown in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(
            !shown.contains(key) && !shown.contains("wrong-key"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_key_that_is_a_lowcodeapi_token_or_unsafe_is_refused() {
    for (key, why) in [
        ("at_r0123456789abcdef", "LowCodeAPI token"),
        ("pictai_has space", "whitespace"),
        ("k3y!", "shorter than 8"),
    ] {
        let err = Client::builder()
            .token("at_valid-token-1")
            .pictory_key(key)
            .build()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(why), "{text}");
        assert!(!text.contains(key), "{text}");
    }
    let err = Client::builder().build().unwrap_err();
    assert!(err.to_string().contains("PICTORY_API_KEY"), "{err}");
    let err = Client::builder()
        .token("at_valid-token-1")
        .job_reads(JobReads::Direct)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("PICTORY_API_KEY"), "{err}");
}

#[cfg(feature = "journal")]
#[tokio::test]
async fn a_bulk_run_that_could_not_wait_creates_nothing() {
    use pictory::journal::{BulkItem, BulkRun, ItemOutcome, Journal};
    let sim = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "pictory-waiting-bulk-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = Journal::open(dir.join("j.journal")).unwrap();
    let items = (0..3).map(|i| BulkItem::new(format!("v{i}"), request(&format!("v{i}"))));
    let report = BulkRun::new(sim.client().unwrap(), journal.clone())
        .options(opts())
        .run(items)
        .await;
    assert_eq!(report.outcomes().len(), 3);
    for (_, outcome) in report.outcomes() {
        match outcome {
            ItemOutcome::Interrupted { error } => {
                assert!(error.to_string().contains("PICTORY_API_KEY"), "{error}")
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(sim.counters().jobs_created.is_empty());
    assert!(journal.records().await.unwrap().is_empty());
    // With the key, the same batch finishes.
    let report = BulkRun::new(both(&sim), journal)
        .options(opts())
        .run((0..3).map(|i| BulkItem::new(format!("v{i}"), request(&format!("v{i}")))))
        .await;
    assert!(report.all_finished(), "{report:?}");
    assert_eq!(sim.counters().jobs_of("storyboard"), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "webhooks")]
#[tokio::test]
async fn webhooks_with_the_key_confirm_each_end_with_one_direct_read() {
    use pictory::webhooks::WebhookHub;
    let sim = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hub = WebhookHub::new(&format!("http://127.0.0.1:{port}/hooks")).unwrap();
    let _server = hub.serve(&format!("127.0.0.1:{port}")).await.unwrap();
    let client = both(&sim);
    let opts = opts().webhooks(hub.clone());
    let plan = client.wait_plan(&opts).await.unwrap();
    assert!(
        plan.to_string()
            .starts_with("webhooks at http://127.0.0.1:")
            && plan.to_string().contains("read from Pictory directly"),
        "{plan}"
    );
    client
        .text_to_video_with(&request("webhooks and key"), &opts)
        .await
        .unwrap();
    let c = sim.counters();
    assert_eq!(
        c.pictory_requests_to("get_job"),
        2,
        "one read per job: {c:?}"
    );
    assert_eq!((c.token_at_pictory, c.key_at_lowcodeapi), (0, 0), "{c:?}");
}
