//! A bulk run killed with SIGKILL at random moments, then completed: no
//! job is ever created twice, and every item ends finished or reported
//! possibly processed. The simulator lives in this process and outlives
//! the killed children (`examples/bulk_videos.rs`, pointed at it through
//! `LOWCODEAPI_BASE_URL` / `LOWCODEAPI_API_TOKEN`).
#![cfg(feature = "journal")]

use pictory::journal::{Journal, JournalStage};
use pictory_sim::{SimConfig, Simulator};
use std::path::{Path, PathBuf};
use std::time::Duration;

const COUNT: usize = 200;

/// `target/<profile>/examples/<name>`, built by `cargo test` with the tests.
fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    deps.parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("examples").join(name))
        .unwrap()
}

fn command(sim: &Simulator, journal: &Path, extra: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(example("bulk_videos"));
    cmd.args(["--count", &COUNT.to_string(), "--journal"])
        .arg(journal)
        .args(extra)
        .env("LOWCODEAPI_API_TOKEN", sim.token())
        .env("LOWCODEAPI_BASE_URL", sim.base_url())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Every job the simulator created was asked for once.
fn assert_no_job_created_twice(sim: &Simulator) {
    let counters = sim.counters();
    let twice: Vec<_> = counters
        .job_requests_by_name
        .iter()
        .filter(|(_, n)| **n > 1)
        .collect();
    assert!(twice.is_empty(), "created more than once: {twice:?}");
}

/// The item lines (`video-NNN: ...`) of a run's output.
fn item_lines(out: &std::process::Output) -> Vec<String> {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter(|l| l.starts_with("video-"))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_run_killed_three_times_then_completed_creates_no_job_twice() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.01,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "pictory-bulk-crash-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("videos.journal");
    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    eprintln!("kill seed {seed}");

    // 20 at a time, the whole batch takes ~20 s: three kills within 3 s
    // each land while it runs.
    for round in 0..3 {
        let mut child = command(&sim, &journal, &["--concurrency", "20"])
            .spawn()
            .unwrap();
        let at = Duration::from_millis(rng.u64(200..3000));
        tokio::time::sleep(at).await;
        // SIGKILL: no handler, no cleanup, at whatever the child was doing.
        let _ = child.start_kill();
        let status = child.wait().await.unwrap();
        eprintln!("round {round}: killed after {at:?} ({status})");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "the run was killed mid-way");
        assert_no_job_created_twice(&sim);
    }

    let finish = command(&sim, &journal, &["--concurrency", "50"]).output();
    let out = tokio::time::timeout(Duration::from_secs(300), finish)
        .await
        .expect("the completing run ends")
        .unwrap();
    assert_no_job_created_twice(&sim);
    let lines = item_lines(&out);
    assert_eq!(lines.len(), COUNT, "{lines:#?}");
    let possibly: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("possibly processed"))
        .collect();
    let finished = lines.iter().filter(|l| l.contains(": finished ")).count();
    assert_eq!(
        finished + possibly.len(),
        COUNT,
        "every item is finished or reported: {lines:#?}"
    );
    assert_eq!(out.status.success(), possibly.is_empty(), "{lines:#?}");

    // The journal says the same.
    let records = Journal::open(&journal).unwrap().records().await.unwrap();
    assert_eq!(records.len(), COUNT);
    for r in &records {
        match r.stage {
            JournalStage::Finished => assert!(r.video_url.is_some(), "{r:?}"),
            stage => assert!(stage.is_possibly_processed(), "{r:?}"),
        }
    }
    let counters = sim.counters();
    assert!(counters.jobs_of("storyboard") as usize <= COUNT);
    assert!(counters.jobs_of("render") as usize <= COUNT);
    assert!(counters.jobs_of("render") as usize >= finished);
    eprintln!(
        "{finished} finished, {} possibly processed; {} storyboards, {} renders created",
        possibly.len(),
        counters.jobs_of("storyboard"),
        counters.jobs_of("render")
    );

    // Creating those again is an explicit choice; then everything finishes.
    let out = command(
        &sim,
        &journal,
        &["--concurrency", "50", "--recreate-possibly-processed"],
    )
    .output()
    .await
    .unwrap();
    assert!(out.status.success(), "{:#?}", item_lines(&out));
    assert_eq!(
        item_lines(&out)
            .iter()
            .filter(|l| l.contains(": finished "))
            .count(),
        COUNT
    );
    let _ = std::fs::remove_dir_all(&dir);
}
