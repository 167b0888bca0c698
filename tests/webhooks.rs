//! Waits that end on webhooks, against the simulator: the receiver's
//! answers, forged and duplicate posts, out-of-order posts, a lost webhook
//! (completed by the safety poll, or reported behind a proxy without a job
//! route), and text → video through webhooks alone.
#![cfg(all(feature = "simulator", feature = "webhooks"))]

use pictory::jobs::{JobOutput, PollingErrorPolicy};
use pictory::sim::{FORGED_VIDEO_URL, SimConfig, Simulator, WebhookFaults};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::webhooks::{WebhookHub, WebhookServer};
use pictory::{Error, FlowOptions};
use std::time::Duration;

/// A hub served on a loopback port, its public base URL under `/hooks`.
async fn hub(configure: impl FnOnce(WebhookHub) -> WebhookHub) -> (WebhookHub, WebhookServer) {
    // Bind first to learn the port, then build the hub for that URL.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let hub = configure(WebhookHub::new(&format!("http://127.0.0.1:{port}/hooks")).unwrap());
    let server = hub.serve(&format!("127.0.0.1:{port}")).await.unwrap();
    (hub, server)
}

fn quick(config: SimConfig) -> SimConfig {
    SimConfig {
        time_factor: 0.002, // a 90 s render takes 180 ms
        ..config
    }
}

fn request(name: &str) -> StoryboardRequest {
    StoryboardRequest::new(name).scene(Scene::text("Webhooks instead of polling."))
}

fn opts(hub: &WebhookHub, limit: Duration) -> FlowOptions {
    FlowOptions::default()
        .webhooks(hub.clone())
        .error_policy(PollingErrorPolicy {
            time_limit: limit,
            ..PollingErrorPolicy::default()
        })
}

/// The counters once `done` holds for them (the simulator counts a post
/// when its answer is back, a moment after the wait that it ended returned),
/// or after 2 s.
async fn counters_when(
    sim: &Simulator,
    done: impl Fn(&pictory::sim::Counters) -> bool,
) -> pictory::sim::Counters {
    for _ in 0..100 {
        let c = sim.counters();
        if done(&c) {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sim.counters()
}

fn job_reads(sim: &Simulator) -> u64 {
    let c = sim.counters();
    c.requests_for("get_job", "new") + c.requests_for("get_job", "old")
}

#[tokio::test]
async fn text_to_video_completes_through_webhooks_alone_without_a_job_route() {
    let sim = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    assert!(!sim.config().job_route);
    let (hub, _server) = hub(|h| h).await;
    let client = sim.client().unwrap();
    let video = client
        .text_to_video_with(
            &request("open source"),
            &opts(&hub, Duration::from_secs(30)),
        )
        .await
        .unwrap();
    assert!(video.video.video_url.ends_with(".mp4"), "{video:?}");
    assert_ne!(video.video.video_url, FORGED_VIDEO_URL);
    let c = counters_when(&sim, |c| c.webhooks_delivered == 2).await;
    assert_eq!(c.webhooks_delivered, 2, "{c:?}");
    // The first webhook's confirming read met the missing route (both URL
    // formats: 2 misses; the render's PUT learned the old format with 1
    // more); after that the hub knows and reads nothing.
    assert_eq!(job_reads(&sim), 0, "the route is never served");
    assert_eq!(c.route_not_found, 3, "{c:?}");
    assert_eq!(
        hub.waiting(),
        0,
        "every callback is forgotten after its wait"
    );
}

#[tokio::test]
async fn with_a_job_route_each_webhook_is_confirmed_by_exactly_one_read() {
    let sim = Simulator::start(quick(SimConfig::hosted())).await.unwrap();
    let (hub, _server) = hub(|h| h).await;
    let client = sim.client().unwrap();
    let video = client
        .text_to_video_with(&request("hosted"), &opts(&hub, Duration::from_secs(30)))
        .await
        .unwrap();
    assert!(video.video.video_url.ends_with(".mp4"));
    assert_eq!(job_reads(&sim), 2, "one confirming read per job");
    let c = counters_when(&sim, |c| c.webhooks_delivered == 2).await;
    assert_eq!(c.webhooks_delivered, 2, "{c:?}");
}

#[tokio::test]
async fn forged_duplicate_and_stale_posts_change_nothing() {
    let faults = WebhookFaults {
        forge: true,
        duplicates: 2,
        stale_after: true,
        ..WebhookFaults::default()
    };
    for config in [SimConfig::hosted(), SimConfig::open_source()] {
        let sim = Simulator::start(quick(SimConfig {
            webhooks: faults.clone(),
            ..config
        }))
        .await
        .unwrap();
        let (hub, _server) = hub(|h| h).await;
        let client = sim.client().unwrap();
        let video = client
            .text_to_video_with(&request("faults"), &opts(&hub, Duration::from_secs(30)))
            .await
            .unwrap();
        assert!(video.video.video_url.ends_with(".mp4"));
        assert_ne!(video.video.video_url, FORGED_VIDEO_URL);
        assert_ne!(video.preview.preview_url.as_deref(), Some(FORGED_VIDEO_URL));
        // Let the last posts of the render land.
        let c = counters_when(&sim, |c| c.webhooks_delivered == 8).await;
        assert_eq!(c.webhooks_forged, 4, "two forgeries per job: {c:?}");
        assert_eq!(c.webhooks_forged_accepted, 0, "{c:?}");
        // Real posts: 1 + 2 duplicates + 1 stale per job, all answered 200.
        assert_eq!(c.webhooks_delivered, 8, "{c:?}");
        assert_eq!(c.webhooks_refused, 0, "{c:?}");
        assert!(job_reads(&sim) <= 2, "{c:?}");
        let created = c.job_requests_by_name.values().copied().max().unwrap();
        assert_eq!(created, 1, "no job created twice: {c:?}");
    }
}

/// A quick simulator that loses every webhook.
async fn losing_every_webhook(config: SimConfig) -> Simulator {
    let faults = WebhookFaults {
        lose_every: 1,
        ..WebhookFaults::default()
    };
    Simulator::start(quick(SimConfig {
        webhooks: faults,
        ..config
    }))
    .await
    .unwrap()
}

#[tokio::test]
async fn a_lost_webhook_is_covered_by_the_safety_poll() {
    let sim = losing_every_webhook(SimConfig::hosted()).await;
    let (hub, _server) = hub(|h| h.safety_poll(Duration::from_millis(300))).await;
    let client = sim.client().unwrap();
    let video = client
        .text_to_video_with(&request("lost"), &opts(&hub, Duration::from_secs(30)))
        .await
        .unwrap();
    assert!(video.video.video_url.ends_with(".mp4"));
    let c = sim.counters();
    assert_eq!(c.webhooks_lost, 2, "{c:?}");
    assert_eq!(c.webhooks_delivered, 0, "{c:?}");
    assert!(job_reads(&sim) >= 2, "the safety poll read each job");
}

#[tokio::test]
async fn a_lost_webhook_without_a_job_route_says_what_happened() {
    let sim = losing_every_webhook(SimConfig::open_source()).await;
    let (hub, _server) = hub(|h| h.safety_poll(Duration::from_millis(100))).await;
    let client = sim.client().unwrap();
    let err = client
        .text_to_video_with(&request("lost"), &opts(&hub, Duration::from_secs(1)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WebhookNotReceived { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("no webhook arrived"), "{msg}");
    assert!(msg.contains("no job-status route"), "{msg}");
    assert!(!msg.contains(sim.token()));
}

/// A tagged post claiming the end while the job still runs is not believed:
/// the confirming read says otherwise, and the wait goes on to the real end.
/// A tagged post for another job is ignored, even when tagged bodies are
/// trusted.
#[tokio::test]
async fn tagged_posts_are_believed_only_as_far_as_they_prove() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.02, // a storyboard takes about a second
        ..SimConfig::hosted()
    })
    .await
    .unwrap();
    let client = sim.client().unwrap();
    let http = reqwest::Client::new();
    let forged = serde_json::json!({"success": true, "data": {
        "status": "completed", "preview": FORGED_VIDEO_URL, "renderParams": {"forged": true}}});
    for trust in [false, true] {
        let (hub, _server) = hub(|h| h.trust_tagged_body(trust)).await;
        let cb = hub.callback().unwrap();
        let url = cb.url().to_string();
        let id = client
            .start_storyboard(&request(&format!("trust {trust}")).webhook(&url))
            .await
            .unwrap();
        let mut body = forged.clone();
        if trust {
            body["job_id"] = "someone-else".into();
        } else {
            body["job_id"] = id.as_str().into();
        }
        let status = http.post(&url).json(&body).send().await.unwrap().status();
        assert_eq!(status, 200);
        let out = client.job(id).wait_for_webhook(cb).await.unwrap();
        let JobOutput::Preview(p) = out else {
            panic!("{out:?}")
        };
        assert_ne!(
            p.preview_url.as_deref(),
            Some(FORGED_VIDEO_URL),
            "trust {trust}"
        );
    }
}

#[tokio::test]
async fn the_receiver_answers_401_400_413_and_200() {
    let (hub, server) = hub(|h| h.body_limit(1024)).await;
    let cb = hub.callback().unwrap();
    let url = cb.url().to_string();
    let http = reqwest::Client::new();
    let post = |u: String, body: Vec<u8>| {
        let http = http.clone();
        async move {
            http.post(u)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let job = br#"{"job_id":"j1","success":true,"data":{"status":"completed","videoURL":"https://v/1.mp4"}}"#.to_vec();
    let (head, tag) = url.rsplit_once('/').unwrap();
    let base = format!("http://{}/hooks", server.local_addr());
    assert_eq!(
        post(format!("{head}/{}", &tag[..tag.len() - 1]), job.clone()).await,
        401
    );
    assert_eq!(post(format!("{head}/{}0", tag), job.clone()).await, 401);
    assert_eq!(post(head.to_string(), job.clone()).await, 401, "no tag");
    assert_eq!(
        post(base.clone(), job.clone()).await,
        401,
        "no nonce, no tag"
    );
    let other = hub.callback().unwrap();
    let other_tag = other.url().rsplit_once('/').unwrap().1.to_string();
    assert_eq!(
        post(format!("{head}/{other_tag}"), job.clone()).await,
        401,
        "another nonce's tag"
    );
    assert_eq!(
        post(url.clone(), b"<html>not json</html>".to_vec()).await,
        400
    );
    assert_eq!(
        post(
            url.clone(),
            br#"{"job_id":"a/../b","data":{"status":"completed"}}"#.to_vec()
        )
        .await,
        400
    );
    assert_eq!(post(url.clone(), vec![b' '; 4096]).await, 413);
    assert_eq!(post(url.clone(), job.clone()).await, 200);
    assert_eq!(
        post(url.clone(), job.clone()).await,
        200,
        "a duplicate is harmless"
    );
    drop(cb);
    assert_eq!(
        post(url, job).await,
        200,
        "a late post is answered and ignored"
    );
    drop(other);
    assert_eq!(hub.waiting(), 0);
}

/// A forged end posted (with the right tag) to a flow's callback while the
/// job runs reaches neither the result nor the progress callback.
#[tokio::test]
async fn a_denied_webhook_never_shows_in_progress_reports() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.02,
        ..SimConfig::hosted()
    })
    .await
    .unwrap();
    let (hub, _server) = hub(|h| h).await;
    let client = sim.client().unwrap();
    let reported = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = reported.clone();
    let opts = opts(&hub, Duration::from_secs(30)).on_progress(move |_, job| {
        seen.lock().unwrap().push(format!("{:?}", job.state));
    });
    let flow = tokio::spawn(async move { client.preview(&request("denied"), &opts).await });
    // The callback URL the flow sent, as the proxy received it.
    let mut url = None;
    for _ in 0..200 {
        url = sim
            .received("create_storyboard")
            .and_then(|b| b["webhook"].as_str().map(str::to_string));
        if url.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let url = url.expect("the flow sent its callback URL");
    let forged = serde_json::json!({"success": true, "data": {
        "status": "completed", "preview": FORGED_VIDEO_URL, "renderParams": {"forged": true}}});
    let status = reqwest::Client::new()
        .post(&url)
        .json(&forged)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let (_, preview) = flow.await.unwrap().unwrap();
    assert_ne!(preview.preview_url.as_deref(), Some(FORGED_VIDEO_URL));
    let reported = reported.lock().unwrap();
    assert!(!reported.is_empty());
    assert!(
        reported.iter().all(|r| !r.contains(FORGED_VIDEO_URL)),
        "{reported:?}"
    );
}

/// A job has one webhook: a request that brings its own while the flow
/// waits through a hub is refused before anything is sent.
#[tokio::test]
async fn two_webhooks_for_one_job_are_refused_before_sending() {
    let sim = Simulator::start(quick(SimConfig::hosted())).await.unwrap();
    let (hub, _server) = hub(|h| h).await;
    let client = sim.client().unwrap();
    let own = request("own").webhook("https://example.com/mine");
    let err = client
        .text_to_video_with(&own, &opts(&hub, Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    let mut with_render_hook = opts(&hub, Duration::from_secs(5));
    with_render_hook.render_webhook = Some("https://example.com/mine".into());
    let err = client
        .text_to_video_with(&request("render hook"), &with_render_hook)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidRequest {
                operation: "render_storyboard",
                ..
            }
        ),
        "{err:?}"
    );
    let c = sim.counters();
    assert!(c.jobs_created.is_empty(), "nothing created: {c:?}");
    assert_eq!(hub.waiting(), 0);
}
