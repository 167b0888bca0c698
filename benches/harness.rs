//! The benchmark harness: `cargo bench --bench harness --features simulator`.
//!
//! Runs five measurements against the simulator on 127.0.0.1 and prints one
//! table. Figures that matter are ratios and counts from the same run; the
//! absolute times are printed but depend on the machine.

use pictory::jobs::{JobTimeline, comparison_policies, measure};
use pictory::sim::{JobDurations, SimConfig, Simulator};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{Call, Client, FlowOptions};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// User + system CPU time of this process so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

struct Row {
    measure: String,
    figure: String,
    target: String,
}

async fn per_call_overhead(rows: &mut Vec<Row>) {
    let sim = Simulator::start(SimConfig::default())
        .await
        .expect("simulator");
    let client = Client::builder()
        .token(sim.token())
        .base_url(sim.base_url())
        .build()
        .unwrap();
    let request = StoryboardRequest::new("bench").scene(Scene::text("hello"));
    let job = client
        .start_storyboard(&request)
        .await
        .expect("a job to read");
    let bare = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        // The same User-Agent the crate sends, so both requests are the same size.
        .user_agent(concat!("pictory-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap();
    let url = format!(
        "{}/pictoryapis/v1/jobs/{}?api_token={}",
        sim.base_url(),
        job,
        sim.token()
    );
    let n: usize = std::env::var("PICTORY_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let (mut ours, mut theirs) = (Vec::with_capacity(n), Vec::with_capacity(n));
    // The same request: the headers the generated client sends.
    let mut same_headers = reqwest::header::HeaderMap::new();
    same_headers.insert("accept", "application/json".parse().unwrap());
    same_headers.insert("api-version", "lowcodeapi-2025-11".parse().unwrap());
    let side = std::env::var("PICTORY_BENCH_SIDE").unwrap_or_default();
    // Alternate which goes first, so neither gains from the other's warm-up.
    for i in 0..(n + 200) {
        let ours_first = i % 2 == 0;
        let mut a = Duration::ZERO;
        let mut b = Duration::ZERO;
        for turn in 0..2 {
            // PICTORY_BENCH_SIDE=ours|bare runs one side only (for callgrind).
            let this_is_ours = (turn == 0) == ours_first;
            if !side.is_empty() && side != if this_is_ours { "ours" } else { "bare" } {
                continue;
            }
            if this_is_ours {
                let t = Instant::now();
                let r = client
                    .api()
                    .get_job()
                    .job_id(job.as_str())
                    .call()
                    .await
                    .expect("get_job");
                std::hint::black_box(r.payload());
                a = t.elapsed();
            } else {
                let t = Instant::now();
                let v: serde_json::Value = bare
                    .get(&url)
                    .headers(same_headers.clone())
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                std::hint::black_box(&v);
                b = t.elapsed();
            }
        }
        if i >= 200 {
            ours.push(a);
            theirs.push(b);
        }
    }
    ours.sort();
    theirs.sort();
    let (m1, m2) = (percentile(&ours, 0.5), percentile(&theirs, 0.5));
    rows.push(Row {
        measure: "1. per-call overhead, get_job (10,000 each, interleaved)".into(),
        figure: format!(
            "pictory median {} p99 {}; reqwest median {} p99 {}; ratio {:.3}",
            us(m1),
            us(percentile(&ours, 0.99)),
            us(m2),
            us(percentile(&theirs, 0.99)),
            m1.as_secs_f64() / m2.as_secs_f64()
        ),
        target: "ratio <= 1.05".into(),
    });
}

async fn fallback_steady_state(rows: &mut Vec<Row>) {
    let sim = Simulator::start(SimConfig {
        new_format: false,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let client = Client::builder()
        .token(sim.token())
        .base_url(sim.base_url())
        .build()
        .unwrap();
    let job = client
        .start_storyboard(&StoryboardRequest::new("fb").scene(Scene::text("x")))
        .await
        .unwrap();
    let file = std::env::temp_dir().join(format!("pictory-bench-{}.pictai", std::process::id()));
    std::fs::write(&file, b"{}").unwrap();
    let created = client
        .create_template_from_file(&file, pictory::TemplateUpload::Multipart)
        .await
        .expect("template");
    let _ = std::fs::remove_file(&file);
    let template_id = [
        created.body().get("templateId"),
        created.body().pointer("/data/templateId"),
    ]
    .into_iter()
    .flatten()
    .find_map(|v| v.as_str().map(str::to_string))
    .expect("a template id");
    for op in ["get_template", "get_job"] {
        let before = client.requests_sent();
        let mut first = 0;
        for i in 0..1000 {
            let result = match op {
                "get_template" => {
                    client
                        .api()
                        .get_template()
                        .template_id(template_id.as_str())
                        .call()
                        .await
                }
                _ => client.api().get_job().job_id(job.as_str()).call().await,
            };
            result.expect("the call succeeds through the fallback");
            if i == 0 {
                first = client.requests_sent() - before;
            }
        }
        let after = client.requests_sent() - before;
        rows.push(Row {
            measure: format!("2. fallback steady state, {op} (new format off, 1,000 calls)"),
            figure: format!(
                "first call {first} requests; later calls {:.3} requests/call",
                (after - first) as f64 / 999.0
            ),
            target: "2 then 1".into(),
        });
    }
}

fn polling_efficiency(rows: &mut Vec<Row>) {
    let timelines =
        JobTimeline::seeded_set(1000, 7, Duration::from_secs(20), Duration::from_secs(600));
    let policies = comparison_policies();
    for (name, p) in policies {
        let f = measure(p.as_ref(), &timelines);
        rows.push(Row {
            measure: format!("3. polling, {name} (1,000 jobs 20 s-10 min)"),
            figure: format!(
                "{:.1} polls/job; detection delay median {:.1} s, p95 {:.1} s",
                f.polls_per_job,
                f.median_delay.as_secs_f64(),
                f.p95_delay.as_secs_f64()
            ),
            target: if name == "adaptive" {
                "fewer polls than fixed 30s, lower median than fixed 10s".into()
            } else {
                String::new()
            },
        });
    }
}

/// `--sim-server`: a simulator with ~2 s jobs in its own process; prints
/// `BASE_URL TOKEN` and serves until its standard input closes.
async fn sim_server() {
    let two = Duration::from_secs(2);
    let config = SimConfig {
        durations: JobDurations {
            storyboard: two,
            render: two,
            transcription: two,
            summary: two,
        },
        ..SimConfig::default()
    };
    let sim = Simulator::start(config).await.expect("simulator");
    println!("{} {}", sim.base_url(), sim.token());
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
    })
    .await;
}

/// `--bulk`: 1,000 text → video flows at once from this process against a
/// simulator in another, so peak memory and CPU are the client's alone.
async fn bulk_client() {
    let mut server = Command::new(std::env::current_exe().unwrap())
        .arg("--sim-server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("simulator process");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut parts = line.split_whitespace();
    let (base, token) = (
        parts.next().unwrap().to_string(),
        parts.next().unwrap().to_string(),
    );
    let client = Client::builder()
        .token(token)
        .base_url(base)
        .build()
        .unwrap();
    let requests: Vec<StoryboardRequest> = (0..1000)
        .map(|i| StoryboardRequest::new(format!("bulk-{i}")).scene(Scene::text("Hello")))
        .collect();
    let opts = FlowOptions::default();
    let cpu0 = cpu_time();
    let start = Instant::now();
    let results = pictory::bulk::run_bounded(requests, 1000, |r| {
        let (client, opts) = (client.clone(), opts.clone());
        async move { client.text_to_video_with(&r, &opts).await }
    })
    .await;
    let wall = start.elapsed();
    let cpu = cpu_time() - cpu0;
    drop(server.stdin.take());
    let _ = server.wait();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let requests = client.requests_sent();
    println!(
        "{ok}/1000 ok; wall {:.1} s; {requests} requests ({:.1}/flow); peak RSS {:.1} MiB; {:.0} µs client CPU/request",
        wall.as_secs_f64(),
        requests as f64 / 1000.0,
        peak_rss_mib(),
        cpu.as_secs_f64() * 1e6 / requests.max(1) as f64
    );
}

fn bulk_scale(rows: &mut Vec<Row>) {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg("--bulk")
        .output()
        .expect("bulk process");
    rows.push(Row {
        measure: "4. bulk: 1,000 text->video flows at once, one client (jobs ~2 s; simulator in another process)".into(),
        figure: String::from_utf8_lossy(&out.stdout).trim().to_string(),
        target: "all succeed, peak < 100 MB".into(),
    });
}

fn build_cost(rows: &mut Vec<Row>) {
    let root = env!("CARGO_MANIFEST_DIR");
    let build = || {
        let t = Instant::now();
        let ok = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "pictory"])
            .current_dir(root)
            .status()
            .map(|s| s.success());
        (t.elapsed(), ok.unwrap_or(false))
    };
    let _ = build(); // make sure a build exists
    let (noop, ok1) = build();
    let spec = std::path::Path::new(root).join("spec/pictory.normalized.json");
    let bytes = std::fs::read(&spec).expect("spec");
    // A real change: one byte of a description, restored afterwards.
    let changed = String::from_utf8(bytes.clone()).unwrap().replacen(
        "Storyboard API is first step",
        "Storyboard API is the first step",
        1,
    );
    std::fs::write(&spec, changed).unwrap();
    let (rebuild, ok2) = build();
    std::fs::write(&spec, &bytes).unwrap();
    let _ = build();
    rows.push(Row {
        measure: "5. build cost (debug, incremental)".into(),
        figure: format!(
            "no-op cargo build {:.2} s; after a spec change (codegen + recompile) {:.2} s{}",
            noop.as_secs_f64(),
            rebuild.as_secs_f64(),
            if ok1 && ok2 { "" } else { " (a build failed)" }
        ),
        target: "no-op does not regenerate".into(),
    });
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if std::env::args().any(|a| a == "--sim-server") {
        return rt.block_on(sim_server());
    }
    if std::env::args().any(|a| a == "--bulk") {
        return rt.block_on(bulk_client());
    }
    // PICTORY_BENCH_ONLY=1,4 runs only those measures.
    let only = std::env::var("PICTORY_BENCH_ONLY").unwrap_or_default();
    let run = |n: &str| only.is_empty() || only.split(',').any(|x| x.trim() == n);
    let mut rows = Vec::new();
    let total = Instant::now();
    rt.block_on(async {
        if run("1") {
            per_call_overhead(&mut rows).await;
        }
        if run("2") {
            fallback_steady_state(&mut rows).await;
        }
    });
    drop(rt);
    if run("3") {
        polling_efficiency(&mut rows);
    }
    if run("4") {
        bulk_scale(&mut rows);
    }
    if run("5") {
        build_cost(&mut rows);
    }
    println!();
    println!("| measure | figure | target |");
    println!("|---|---|---|");
    for r in &rows {
        println!("| {} | {} | {} |", r.measure, r.figure, r.target);
    }
    println!();
    println!(
        "machine: {} cores; total {:.0} s",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        total.elapsed().as_secs_f64()
    );
}
