//! The shared 429 back-off against the simulator's per-token rate limit:
//! one client's concurrent flows pause together and pace themselves, so
//! after the first contact with the limit hardly any request meets a 429;
//! without sharing, each request meets the limit on its own.

mod hostile_support;

use hostile_support::{Hostile, Reply};
use pictory::jobs::PollingErrorPolicy;
use pictory::{Client, RateLimitPolicy};
use pictory_sim::{RateLimit, SimConfig, Simulator};
use std::time::Duration;

const TASKS: usize = 60;
const CALLS: usize = 5;

/// `TASKS` tasks each reading a job `CALLS` times through one client;
/// returns the 429s the simulator sent and the calls that failed.
async fn hammer(policy: RateLimitPolicy) -> (u64, usize, u64) {
    let sim = Simulator::start(SimConfig {
        rate_limit: Some(RateLimit::per_second(60.0)),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client: Client = sim
        .client_builder()
        .rate_limit_policy(policy)
        .build()
        .unwrap();
    let job = client
        .start_storyboard(
            &pictory::storyboard::StoryboardRequest::new("v")
                .scene(pictory::storyboard::Scene::text("hi")),
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (client, job) = (client.clone(), job.clone());
        tasks.push(tokio::spawn(async move {
            let mut failed = 0;
            for _ in 0..CALLS {
                if client
                    .api()
                    .get_job()
                    .job_id(job.as_str())
                    .send()
                    .await
                    .is_err()
                {
                    failed += 1;
                }
            }
            failed
        }));
    }
    let mut failed = 0;
    for t in tasks {
        failed += t.await.unwrap();
    }
    (sim.counters().rate_limited, failed, client.requests_sent())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_429_slows_every_flow_of_the_client_and_they_converge() {
    let (shared_429s, shared_failed, shared_sent) = hammer(RateLimitPolicy::default()).await;
    let (alone_429s, _, alone_sent) = hammer(RateLimitPolicy::per_request()).await;
    eprintln!(
        "shared: {shared_429s} 429s of {shared_sent} requests; per request: {alone_429s} of {alone_sent}"
    );
    assert_eq!(
        shared_failed, 0,
        "every call succeeds with the shared back-off"
    );
    // The first contact costs at most the requests in flight then (at most
    // one per task); after it the client stays under the limit, bar a few
    // probes.
    assert!(
        shared_429s <= TASKS as u64 + 10,
        "{shared_429s} 429s with the shared back-off"
    );
    // Alone, every task meets the limit about once a second.
    assert!(
        alone_429s >= 3 * shared_429s,
        "per request {alone_429s} vs shared {shared_429s}"
    );
}

/// A 429 without `Retry-After` pauses for the policy's default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_without_retry_after_pauses_for_the_default() {
    let server = httpmock::MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.path("/pictory/pictoryapis/v1/jobs/job-1");
            then.status(429)
                .json_body(serde_json::json!({"message": "slow down"}));
        })
        .await;
    let client = Client::builder()
        .token("at_test-token")
        .base_url(server.url("/pictory"))
        .retry_policy(pictory::RetryPolicy::none())
        .rate_limit_policy(RateLimitPolicy::default().default_pause(Duration::from_millis(700)))
        .build()
        .unwrap();
    let first = client.api().get_job().job_id("job-1").send().await;
    assert!(matches!(first, Err(pictory::Error::RateLimited { .. })));
    let start = std::time::Instant::now();
    let _ = client.api().get_job().job_id("job-1").send().await;
    assert!(
        start.elapsed() >= Duration::from_millis(600),
        "the next request waited the default pause"
    );
    assert_eq!(limited.calls_async().await, 2);
}

/// A job wait whose deadline comes while the client is paused by a 429
/// (of another request) ends at its deadline, without sending.
#[tokio::test(start_paused = true)]
async fn a_wait_paused_by_a_429_still_ends_at_its_deadline() {
    let server = Hostile::start(|n, _| match n {
        0 => Reply::with(429, &[("Retry-After", "50")], "{\"message\": \"slow\"}"),
        _ => Reply::with(200, &[], "{\"data\": {\"status\": \"in-progress\"}}"),
    })
    .await;
    let client = Client::builder()
        .token("at_test-token")
        .base_url(server.base())
        .retry_policy(pictory::RetryPolicy::none())
        .without_timeouts()
        .build()
        .unwrap();
    let first = client.api().get_job().job_id("j0").send().await;
    assert!(
        matches!(first, Err(pictory::Error::RateLimited { .. })),
        "{first:?}"
    );
    let start = tokio::time::Instant::now();
    let err = client
        .job("j1")
        .with_error_policy(
            PollingErrorPolicy::default()
                .attempt_limit(8)
                .time_limit(Duration::from_secs(5)),
        )
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(err, pictory::Error::JobDeadline { .. }), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(50),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.count(), 1, "nothing sent during the pause");
}

/// 40 concurrent calls against a proxy that answers 429 `Retry-After: 1`
/// forever: the retry budget bounds every wait of a call (for a retry, at
/// the shared gate, for its paced turn), so no request leaves after it,
/// and each call ends with a typed error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_leaves_after_the_retry_budget() {
    let sent: std::sync::Arc<std::sync::Mutex<Vec<std::time::Instant>>> = Default::default();
    let seen = sent.clone();
    let server = Hostile::start(move |_, _| {
        seen.lock().unwrap().push(std::time::Instant::now());
        Reply::with(429, &[("Retry-After", "1")], "{\"message\": \"slow down\"}")
    })
    .await;
    let budget = Duration::from_secs(3);
    let client = Client::builder()
        .token("at_test-token")
        .base_url(server.base())
        .retry_policy(
            pictory::RetryPolicy::default()
                .max_attempts(1000)
                .total_budget(budget),
        )
        .build()
        .unwrap();
    let start = std::time::Instant::now();
    let calls: Vec<_> = (0..40)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.call_operation("list_templates", &[], None).await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(
                err,
                pictory::Error::RateLimited { .. } | pictory::Error::Timeout { sent: false, .. }
            ),
            "{err:?}"
        );
    }
    let last = *sent.lock().unwrap().iter().max().unwrap();
    // The last request left within the budget (plus scheduling slack).
    assert!(
        last.duration_since(start) <= budget + Duration::from_millis(300),
        "a request left {:?} after the start (budget {budget:?})",
        last.duration_since(start)
    );
    assert!(
        start.elapsed() < budget + Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}
