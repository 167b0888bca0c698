//! Waits that end on webhooks, against the simulator: the receiver's
//! answers, forged and duplicate posts, out-of-order posts, a lost webhook
//! (completed by the safety poll, or reported behind a proxy without a job
//! route), and text → video through webhooks alone.
#![cfg(feature = "webhooks")]

use pictory::jobs::{JobOutput, PollingErrorPolicy};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::webhooks::{WebhookHub, WebhookHubBuilder, WebhookServer};
use pictory::{Error, FlowOptions};
use pictory_sim::{FORGED_VIDEO_URL, SimConfig, Simulator, WebhookFaults};
use std::time::Duration;

/// A hub served on a loopback port, its public base URL under `/hooks`.
async fn hub(
    configure: impl FnOnce(WebhookHubBuilder) -> WebhookHubBuilder,
) -> (WebhookHub, WebhookServer) {
    // Bind first to learn the port, then build the hub for that URL.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let hub = configure(WebhookHub::builder(&format!(
        "http://127.0.0.1:{port}/hooks"
    )))
    .build()
    .unwrap();
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
        .error_policy(PollingErrorPolicy::default().time_limit(limit))
}

/// A simulator, a served hub with the default settings, and a client of
/// the simulator.
async fn setup(config: SimConfig) -> (Simulator, WebhookHub, WebhookServer, pictory::Client) {
    let sim = Simulator::start(config).await.unwrap();
    let (hub, server) = hub(|h| h).await;
    let client = sim.client().unwrap();
    (sim, hub, server, client)
}

/// The counters once `done` holds for them (the simulator counts a post
/// when its answer is back, a moment after the wait that it ended returned),
/// or after 2 s.
async fn counters_when(
    sim: &Simulator,
    done: impl Fn(&pictory_sim::Counters) -> bool,
) -> pictory_sim::Counters {
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
    // The client finds out once, before creating anything, that the proxy
    // has no job route (a read of an id that cannot exist: 2 misses, one
    // per URL format). Each webhook still gets a confirming read, which
    // meets the missing route in both formats (2 misses per job): what the
    // client saw may have been a passing fault. The render's PUT learns
    // the old format with 1 more.
    assert_eq!(job_reads(&sim), 0, "the route is never served");
    assert_eq!(c.route_not_found, 2 + 2 * 2 + 1, "{c:?}");
    assert_eq!(
        hub.waiting(),
        0,
        "every callback is forgotten after its wait"
    );
}

#[tokio::test]
async fn with_a_job_route_each_webhook_is_confirmed_by_exactly_one_read() {
    let (sim, hub, _server, client) = setup(quick(SimConfig::hosted())).await;
    let video = client
        .text_to_video_with(&request("hosted"), &opts(&hub, Duration::from_secs(30)))
        .await
        .unwrap();
    assert!(video.video.video_url.ends_with(".mp4"));
    assert_eq!(
        job_reads(&sim),
        1 + 2,
        "one read to find the job route, then one confirming read per job"
    );
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
        assert!(
            job_reads(&sim) <= 1 + 2,
            "the route probe and one per job: {c:?}"
        );
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
    let (sim, hub, _server, client) = setup(quick(SimConfig::hosted())).await;
    let own = request("own").webhook("https://example.com/mine");
    let err = client
        .text_to_video_with(&own, &opts(&hub, Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    let with_render_hook =
        opts(&hub, Duration::from_secs(5)).render_webhook("https://example.com/mine");
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

fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap().port()
}

async fn served(hub: WebhookHub, port: u16) -> WebhookServer {
    hub.serve(&format!("127.0.0.1:{port}")).await.unwrap()
}

fn limit(d: Duration) -> PollingErrorPolicy {
    PollingErrorPolicy::default().time_limit(d)
}

// From an adversarial review; the first four failed on the first version.

/// What one wait finds about a proxy's job route stays in that wait: after a
/// flow behind the open-source proxy (no job route), a forged tagged end
/// posted for a job behind a hosted proxy is still checked by a read.
#[tokio::test]
async fn no_job_route_behind_one_proxy_does_not_lower_confirmation_behind_another() {
    let open = Simulator::start(quick(SimConfig::open_source()))
        .await
        .unwrap();
    let hosted = Simulator::start(SimConfig {
        time_factor: 0.05, // a storyboard takes about a second
        ..SimConfig::hosted()
    })
    .await
    .unwrap();
    let port = free_port();
    let hub = WebhookHub::builder(&format!("http://127.0.0.1:{port}/hooks"))
        .safety_poll(Duration::from_millis(100))
        .build()
        .unwrap();
    let _server = served(hub.clone(), port).await;
    // 1. A flow behind the open-source proxy: the hub learns "no job route".
    let opts = FlowOptions::default()
        .webhooks(hub.clone())
        .error_policy(limit(Duration::from_secs(10)));
    open.client()
        .unwrap()
        .preview(&request("open"), &opts)
        .await
        .unwrap();
    // 2. A job behind the hosted proxy, and a tagged forgery for it (whoever
    //    saw the callback URL: a log line, a proxy, a leaked request body).
    let client = hosted.client().unwrap();
    let cb = hub.callback().unwrap();
    let url = cb.url().to_string();
    let id = client
        .start_storyboard(&request("hosted").webhook(&url))
        .await
        .unwrap();
    let forged = serde_json::json!({"job_id": id.as_str(), "success": true, "data": {
        "status": "completed", "preview": FORGED_VIDEO_URL, "renderParams": {"forged": true}}});
    let status = reqwest::Client::new()
        .post(&url)
        .json(&forged)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let out = client
        .job(id)
        .with_error_policy(limit(Duration::from_secs(10)))
        .wait_for_webhook(cb)
        .await
        .unwrap();
    let JobOutput::Preview(p) = out else {
        panic!("{out:?}")
    };
    let reads = hosted.counters().requests_for("get_job", "new")
        + hosted.counters().requests_for("get_job", "old");
    assert_ne!(
        p.preview_url.as_deref(),
        Some(FORGED_VIDEO_URL),
        "a forged end was trusted behind a proxy that has a job route ({reads} job reads made)"
    );
}

/// A proxy with a job route whose confirming reads meet two passing
/// non-Pictory 404s (a load balancer during a deploy): the next job's forged
/// tagged end is still checked by a read.
#[tokio::test]
async fn a_passing_404_on_a_confirming_read_does_not_disable_confirmation() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.05,
        ..SimConfig::hosted()
    })
    .await
    .unwrap();
    let proxy = flaky_proxy(&sim, 2).await;
    let client = sim.client_builder().base_url(proxy).build().unwrap();
    let port = free_port();
    let hub = WebhookHub::new(&format!("http://127.0.0.1:{port}/hooks")).unwrap();
    let _server = served(hub.clone(), port).await;
    let opts = FlowOptions::default()
        .webhooks(hub.clone())
        .error_policy(limit(Duration::from_secs(10)));
    client.preview(&request("first"), &opts).await.unwrap();
    // The proxy is healthy again. A forged, tagged end for the next job:
    let cb = hub.callback().unwrap();
    let url = cb.url().to_string();
    let id = client
        .start_storyboard(&request("second").webhook(&url))
        .await
        .unwrap();
    let forged = serde_json::json!({"job_id": id.as_str(), "success": true, "data": {
        "status": "completed", "preview": FORGED_VIDEO_URL, "renderParams": {"forged": true}}});
    reqwest::Client::new()
        .post(&url)
        .json(&forged)
        .send()
        .await
        .unwrap();
    let out = client
        .job(id)
        .with_error_policy(limit(Duration::from_secs(10)))
        .wait_for_webhook(cb)
        .await
        .unwrap();
    let JobOutput::Preview(p) = out else {
        panic!("{out:?}")
    };
    assert_ne!(p.preview_url.as_deref(), Some(FORGED_VIDEO_URL));
}
/// A forwarding proxy in front of `sim` that answers the first `misses`
/// job reads (GET of a `jobs` path) with a plain-text 404, as a load
/// balancer or CDN does during a deploy. Returns its base URL.
async fn flaky_proxy(sim: &Simulator, misses: usize) -> String {
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::response::{IntoResponse, Response};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let origin = sim.origin();
    let left = Arc::new(AtomicUsize::new(misses));
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let origin = origin.clone();
        let left = left.clone();
        let http = http.clone();
        async move {
            let method = req.method().clone();
            let pq = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            if method == axum::http::Method::GET
                && req.uri().path().contains("/jobs")
                && left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
            {
                return (StatusCode::NOT_FOUND, "Not Found").into_response();
            }
            let headers = req.headers().clone();
            let body = to_bytes(req.into_body(), 64 << 20).await.unwrap();
            let mut out = http.request(method, format!("{origin}{pq}"));
            if let Some(ct) = headers.get("content-type") {
                out = out.header("content-type", ct.as_bytes());
            }
            let answer = out.body(body.to_vec()).send().await.unwrap();
            let status = answer.status().as_u16();
            let ct = answer
                .headers()
                .get("content-type")
                .map(|v| v.as_bytes().to_vec());
            let bytes = answer.bytes().await.unwrap();
            let mut resp = Response::new(Body::from(bytes));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap();
            if let Some(ct) = ct {
                resp.headers_mut()
                    .insert("content-type", ct.try_into().unwrap());
            }
            resp
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/pictory")
}

/// Behind a proxy without a job route, a lost webhook with a deadline before
/// the first safety poll still ends as `WebhookNotReceived`: the wait reads
/// once before its deadline and learns the route is missing.
#[tokio::test]
async fn a_lost_webhook_before_the_first_safety_poll_is_still_named() {
    let sim = Simulator::start(quick(SimConfig {
        webhooks: WebhookFaults {
            lose_every: 1,
            ..WebhookFaults::default()
        },
        ..SimConfig::open_source()
    }))
    .await
    .unwrap();
    let port = free_port();
    let hub = WebhookHub::new(&format!("http://127.0.0.1:{port}/hooks")).unwrap();
    let _server = served(hub.clone(), port).await;
    let opts = FlowOptions::default()
        .webhooks(hub)
        .error_policy(limit(Duration::from_secs(1)));
    let err = sim
        .client()
        .unwrap()
        .preview(&request("lost"), &opts)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WebhookNotReceived { .. }), "{err}");
}

/// A callback path that does not decode to UTF-8 carries no valid tag: 401.
#[tokio::test]
async fn a_path_that_is_not_utf8_gets_401() {
    let port = free_port();
    let hub = WebhookHub::new(&format!("http://127.0.0.1:{port}/hooks")).unwrap();
    let _server = served(hub.clone(), port).await;
    let status = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/hooks/%ff%fe/%c3%28"))
        .body("{}")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 401);
}

/// Tagged but hostile bodies: deeply nested JSON is a 400 (serde_json's
/// recursion limit), not a stack overflow; a non-UTF-8 body is a 400; a
/// hostile job id is a 400; a chunked body past the limit is a 413.
#[tokio::test]
async fn hostile_tagged_bodies_are_refused() {
    let port = free_port();
    let hub = WebhookHub::builder(&format!("http://127.0.0.1:{port}/hooks"))
        .body_limit(64 * 1024)
        .build()
        .unwrap();
    let _server = served(hub.clone(), port).await;
    let cb = hub.callback().unwrap();
    let http = reqwest::Client::new();
    let post = |body: reqwest::Body| {
        let http = http.clone();
        let url = cb.url().to_string();
        async move {
            http.post(url)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let nested = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    assert_eq!(post(nested.into()).await, 400);
    assert_eq!(post(vec![0xff, 0xfe, b'{', b'}'].into()).await, 400);
    for id in ["..", "a/b", "%2e%2e", "a?b", "a#b", "a\u{0}b", " "] {
        let body = serde_json::json!({"job_id": id, "data": {"status": "completed"}});
        assert_eq!(post(body.to_string().into()).await, 400, "{id:?}");
    }
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..100).map(|_| Ok(vec![b' '; 1024])).collect();
    let stream = futures_util::stream::iter(chunks);
    assert_eq!(post(reqwest::Body::wrap_stream(stream)).await, 413);
}

/// Odd base URLs are refused with a typed error or give a router that
/// builds without panicking.
#[test]
fn odd_base_paths_never_panic() {
    for base in [
        "https://x/a*b",
        "https://x/a/{*rest}",
        "https://x/{nonce}",
        "https://x/%7Bnonce%7D",
        "https://x/a%2Fb",
        "https://x/a/./b/../c",
        "https://x/%3Aa",
        "https://x/%2Aa",
        "https://x/é/ü",
        "https://x/a:b/c*d/",
        "https://x/a///",
        "https://x/a/;b",
        "https://x/a%00b",
    ] {
        let r = std::panic::catch_unwind(|| {
            if let Ok(hub) = WebhookHub::new(base) {
                let _ = hub.router();
            }
        });
        assert!(r.is_ok(), "{base} panicked");
    }
}

/// Pictory's documented final job bodies (`tests/fixtures/pictory-docs/jobs/`)
/// posted to a callback are taken as what they document: a completed
/// preview, a completed render, a finished transcription without a job id,
/// and a failed job.
#[tokio::test]
async fn documented_job_bodies_posted_as_webhooks_end_the_wait_as_documented() {
    let sim = Simulator::start(quick(SimConfig::hosted())).await.unwrap();
    let client = sim.client().unwrap();
    let (hub, _server) = hub(|h| h.trust_tagged_body(true)).await;
    let http = reqwest::Client::new();
    for (file, want) in [
        ("preview-completed-classic-no-status.json", "preview"),
        ("render-completed.json", "render"),
        ("transcription-completed-no-job-id.json", "transcription"),
        ("failed.json", "failed"),
    ] {
        let path = format!(
            "{}/tests/fixtures/pictory-docs/jobs/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let body: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let id = pictory::jobs::find_job_id(&body)
            .unwrap()
            .map(|id| id.to_string())
            .unwrap_or_else(|| "documented-job".into());
        let cb = hub.callback().unwrap();
        let status = http
            .post(cb.url())
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{file}");
        let out = client.job(id.as_str()).wait_for_webhook(cb).await;
        let got = match &out {
            Ok(JobOutput::Preview(_)) => "preview",
            Ok(JobOutput::Render(r)) if r.video_url.ends_with(".mp4") => "render",
            Ok(JobOutput::Transcription(_)) => "transcription",
            Err(Error::JobFailed { .. }) => "failed",
            _ => "other",
        };
        assert_eq!(got, want, "{file}: {out:?}");
    }
}

// From the adversarial review of the hostile conditions (issue "nothing
// billed twice, nothing overwritten, no read storm").

/// 200 genuine-tag "completed" posts, 25 ms apart, for a job whose read
/// says in-progress: posts do not drive reads. One round of confirming
/// reads (at most 5, at least 1 s apart) is all they get.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_posts_cannot_drive_job_reads() {
    // A storyboard that stays in progress for 100 s.
    let sim = Simulator::start(SimConfig::hosted()).await.unwrap();
    let (hub, _server) = hub(|h| h).await;
    let client = sim.client().unwrap();
    let cb = hub.callback().unwrap();
    let url = cb.url().to_string();
    let id = client
        .start_storyboard(&request("storm").webhook(&url))
        .await
        .unwrap();
    let reads_before = job_reads(&sim);
    let handle = client
        .job(id.clone())
        .with_error_policy(limit(Duration::from_secs(60)));
    let wait = tokio::spawn(async move { handle.wait_for_webhook(cb).await });
    let post = reqwest::Client::new();
    let forged = serde_json::json!({"job_id": id.as_str(), "success": true, "data": {
        "status": "completed", "preview": FORGED_VIDEO_URL, "renderParams": {"forged": true}}});
    let started = std::time::Instant::now();
    for _ in 0..200 {
        let answer = post.post(&url).json(&forged).send().await.unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let spent = started.elapsed();
    let reads = job_reads(&sim) - reads_before;
    assert!(!wait.is_finished(), "a forged end was believed");
    wait.abort();
    // 1 + 2 + 4 + 8 s of confirmation delays fit in the ~5.5 s of posting
    // at most 4 times; never one read per post.
    assert!(
        (1..=5).contains(&reads),
        "{reads} job reads for 200 posts in {spent:?}"
    );
}

/// Concurrent large tagged posts share one budget for bodies being read:
/// beyond it a post gets 503 with Retry-After before its body is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_large_posts_share_a_body_budget() {
    let (hub, _server) = hub(|h| h.body_limit(30 << 20).bodies_in_flight(64 << 20)).await;
    let cb = hub.callback().unwrap();
    let url = cb.url().to_string();
    // Twelve posts announcing 30 MiB each, whose bodies never finish
    // arriving while the statuses are collected.
    let client = reqwest::Client::new();
    let (tx, _keep) = tokio::sync::broadcast::channel::<()>(1);
    let mut answers = Vec::new();
    for _ in 0..12 {
        let mut stop = tx.subscribe();
        let body = futures_util::stream::once(async move {
            let _ = stop.recv().await;
            Ok::<_, std::io::Error>(bytes::Bytes::new())
        });
        let request = client
            .post(&url)
            .header("content-length", (30u64 << 20).to_string())
            .body(reqwest::Body::wrap_stream(body));
        answers.push(tokio::spawn(async move {
            tokio::time::timeout(Duration::from_secs(5), request.send()).await
        }));
    }
    let mut refused = 0;
    for a in answers {
        if let Ok(Ok(resp)) = a.await.unwrap() {
            assert_eq!(resp.status().as_u16(), 503);
            assert_eq!(resp.headers()["retry-after"], "1");
            refused += 1;
        }
    }
    drop(tx);
    drop(cb);
    // 64 MiB hold two 30 MiB bodies; the other ten were refused unread.
    assert_eq!(refused, 10);
}
