//! The simulator's fault plan (seeded, reproducible, counted), latency,
//! and shutdown.

use pictory::{Client, RetryPolicy};
use pictory_sim::{FaultPlan, SimConfig, Simulator};
use serde_json::{Value, json};
use std::time::Duration;

fn faulty(plan: FaultPlan) -> SimConfig {
    SimConfig {
        faults: plan,
        ..SimConfig::default()
    }
}

fn url(sim: &Simulator, path: &str) -> String {
    format!("{}{path}?api_token={}", sim.base_url(), sim.token())
}

/// What one raw request met: a status, `drop` or `truncate`.
async fn outcome(http: &reqwest::Client, url: &str) -> String {
    let resp = match http.get(url).send().await {
        Ok(r) => r,
        Err(_) => return "drop".into(),
    };
    let status = resp.status().as_u16();
    let declared = resp.content_length();
    match resp.bytes().await {
        Err(_) => "drop".into(),
        Ok(body) => {
            if serde_json::from_slice::<Value>(&body).is_ok() {
                status.to_string()
            } else {
                assert_eq!(declared, Some(body.len() as u64), "Content-Length matches");
                "truncate".into()
            }
        }
    }
}

async fn run(plan: FaultPlan, n: usize) -> (Vec<String>, pictory_sim::Counters) {
    let sim = pictory_sim::start(faulty(plan)).await.unwrap();
    let http = reqwest::Client::new();
    let target = url(&sim, "/pictoryapis/v1/templates");
    let mut seen = Vec::new();
    for _ in 0..n {
        seen.push(outcome(&http, &target).await);
    }
    (seen, sim.counters())
}

#[tokio::test]
async fn a_seed_gives_the_same_faults_and_they_are_counted() {
    let plan = FaultPlan {
        seed: 42,
        rate_429: 0.15,
        rate_5xx: 0.15,
        rate_drop: 0.1,
        rate_truncate: 0.1,
        ..FaultPlan::default()
    };
    let (a, ca) = run(plan.clone(), 80).await;
    let (b, cb) = run(plan.clone(), 80).await;
    assert_eq!(a, b);
    assert_eq!(ca.faults, cb.faults);
    let count = |what: &str| a.iter().filter(|o| o.as_str() == what).count() as u64;
    assert_eq!(ca.faults_of("429"), count("429"));
    assert_eq!(ca.faults_of("5xx"), count("502") + count("503"));
    assert_eq!(ca.faults_of("drop"), count("drop"));
    assert_eq!(ca.faults_of("truncate"), count("truncate"));
    for kind in ["429", "5xx", "drop", "truncate"] {
        assert!(ca.faults_of(kind) > 0, "{kind}: {:?}", ca.faults);
    }
    assert!(count("200") > 0);
    assert_eq!(ca.requests_for("list_templates", "new"), 80);
    let (other, _) = run(FaultPlan { seed: 43, ..plan }, 80).await;
    assert_ne!(a, other, "another seed, other faults");
}

#[tokio::test]
async fn rate_limits_and_5xx_come_before_processing() {
    let sim = pictory_sim::start(faulty(FaultPlan {
        rate_429: 1.0,
        ..FaultPlan::default()
    }))
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let body = json!({"videoName": "v", "scenes": [{"text": "a"}]});
    let resp = http
        .post(url(&sim, "/pictoryapis/v1/video/storyboard"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "0");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["data"]["error"]["code"], "RATE_LIMITED");
    let counters = sim.counters();
    assert!(counters.jobs_created.is_empty());
    assert_eq!(counters.faults_of("429"), 1);

    let sim = pictory_sim::start(faulty(FaultPlan {
        rate_5xx: 1.0,
        seed: 3,
        ..FaultPlan::default()
    }))
    .await
    .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let resp = http
            .post(url(&sim, "/pictoryapis/v1/video/storyboard"))
            .json(&body)
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert!(
        statuses.contains(&502) && statuses.contains(&503),
        "{statuses:?}"
    );
    assert!(sim.counters().jobs_created.is_empty());
    assert_eq!(sim.counters().faults_of("5xx"), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_and_truncated_answers_come_after_processing() {
    let body = json!({"videoName": "v", "scenes": [{"text": "a"}]});
    for (kind, plan) in [
        (
            "drop",
            FaultPlan {
                rate_drop: 1.0,
                ..FaultPlan::default()
            },
        ),
        (
            "truncate",
            FaultPlan {
                rate_truncate: 1.0,
                ..FaultPlan::default()
            },
        ),
    ] {
        let sim = pictory_sim::start(faulty(plan)).await.unwrap();
        let resp = reqwest::Client::new()
            .post(url(&sim, "/pictoryapis/v1/video/storyboard"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let declared = resp.content_length().unwrap();
        match (kind, resp.bytes().await) {
            ("drop", read) => assert!(read.is_err(), "the body breaks off"),
            (_, read) => {
                let read = read.unwrap();
                assert_eq!(read.len() as u64, declared);
                assert!(serde_json::from_slice::<Value>(&read).is_err());
            }
        }
        assert_eq!(sim.counters().jobs_of("storyboard"), 1, "{kind}: processed");

        // The client must not re-send a POST whose outcome it could not read.
        let err = sim
            .client()
            .unwrap()
            .api()
            .create_storyboard()
            .body_map(|b| b.extra(serde_json::Map::new()))
            .body_map(|b| {
                b.video_name(Some("w".to_string()))
                    .scenes(vec![serde_json::from_value(json!({"text": "a"})).unwrap()])
            })
            .send()
            .await
            .unwrap_err();
        let counters = sim.counters();
        assert_eq!(counters.job_requests_by_name["w"], 1, "{kind}: {err:?}");
        assert_eq!(counters.requests_for("create_storyboard", "new"), 2);
        assert_eq!(counters.faults_of(kind), 2);
    }
}

/// A client without reqwest timers (paused time) and with room for retries.
fn patient_client(sim: &Simulator) -> Client {
    sim.client_builder()
        .without_timeouts()
        .retry_policy(RetryPolicy::default().max_attempts(12))
        .build()
        .unwrap()
}

async fn poll_until_done(client: &Client, id: &str) -> Value {
    for _ in 0..100 {
        let body = client
            .api()
            .get_job()
            .job_id(id)
            .send()
            .await
            .unwrap()
            .body()
            .clone();
        if body["data"]["status"] != "in-progress" {
            return body;
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    panic!("job {id} never finished");
}

#[tokio::test(start_paused = true)]
async fn a_client_rides_through_rate_limits_and_5xx_without_duplicates() {
    let sim = pictory_sim::start(faulty(FaultPlan {
        seed: 7,
        rate_429: 0.25,
        rate_5xx: 0.25,
        retry_after: Duration::from_secs(1),
        ..FaultPlan::default()
    }))
    .await
    .unwrap();
    let client = patient_client(&sim);
    let resp = client
        .api()
        .create_storyboard()
        .body_map(|b| b.extra(serde_json::Map::new()))
        .body_map(|b| {
            b.video_name(Some("Faulty".to_string()))
                .scenes(vec![serde_json::from_value(json!({"text": "a"})).unwrap()])
        })
        .send()
        .await
        .unwrap();
    let id = resp.payload()["jobId"].as_str().unwrap().to_string();
    let done = poll_until_done(&client, &id).await;
    assert_eq!(done["data"]["status"], "completed");
    let counters = sim.counters();
    assert!(counters.total_faults() > 0, "{counters:?}");
    assert_eq!(
        counters.faults_of("drop") + counters.faults_of("truncate"),
        0
    );
    assert_eq!(counters.jobs_of("storyboard"), 1);
    assert_eq!(counters.job_requests_by_name["Faulty"], 1);
}

#[tokio::test(start_paused = true)]
async fn polling_rides_through_dropped_connections() {
    let sim = pictory_sim::start(faulty(FaultPlan {
        seed: 11,
        rate_drop: 0.3,
        ..FaultPlan::default()
    }))
    .await
    .unwrap();
    // Create with raw requests until one answer arrives whole.
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let mut id = None;
    for _ in 0..20 {
        let Ok(resp) = http
            .post(url(&sim, "/pictoryapis/v1/video/storyboard"))
            .json(&json!({"videoName": "d", "scenes": [{"text": "a"}]}))
            .send()
            .await
        else {
            continue;
        };
        if let Ok(v) = resp.json::<Value>().await {
            id = v["data"]["data"]["jobId"].as_str().map(str::to_string);
            break;
        }
    }
    let id = id.expect("one create answered whole");
    let done = poll_until_done(&patient_client(&sim), &id).await;
    assert_eq!(done["data"]["status"], "completed");
    assert!(sim.counters().faults_of("drop") > 0);
}

#[tokio::test(start_paused = true)]
async fn latency_delays_every_answer() {
    let sim = pictory_sim::start(faulty(FaultPlan {
        latency: Duration::from_millis(250),
        ..FaultPlan::default()
    }))
    .await
    .unwrap();
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    for path in ["/pictoryapis/v1/templates", "/no/such/route"] {
        let start = tokio::time::Instant::now();
        http.get(url(&sim, path)).send().await.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(250), "{path}");
    }
}

#[tokio::test]
async fn shutdown_and_drop_close_the_port() {
    let sim = pictory_sim::start(SimConfig::default()).await.unwrap();
    let addr = sim.addr();
    // Keep a connection in the pool; shutdown must not wait for it.
    let http = reqwest::Client::new();
    http.get(url(&sim, "/pictoryapis/v1/templates"))
        .send()
        .await
        .unwrap();
    sim.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let sim = pictory_sim::start(SimConfig::default()).await.unwrap();
    let addr = sim.addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    drop(sim);
    let start = std::time::Instant::now();
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(1), "port still open");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
