//! The journal and the resumable run against the simulator. Each crash is
//! real: a callback panics at the moment to crash, and the run's task dies
//! there as a killed process would, leaving the journal as that moment
//! left it.
#![cfg(feature = "journal")]

use pictory::jobs::FixedInterval;
use pictory::journal::{BulkItem, BulkReport, BulkRun, ItemOutcome, Journal, JournalStage, Record};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{FlowOptions, JobReads, RetryPolicy, Stage};
use pictory_sim::{FaultPlan, SimConfig, Simulator};
use std::path::PathBuf;
use std::time::Duration;

async fn sim(faults: FaultPlan) -> Simulator {
    Simulator::start(SimConfig {
        time_factor: 0.001,
        faults,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// A journal in a file of its own, removed with its folder at the end.
struct Scratch {
    dir: PathBuf,
    journal: Journal,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "pictory-journal-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let journal = Journal::open(dir.join("batch.journal")).unwrap();
        Scratch { dir, journal }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn item(key: &str) -> BulkItem {
    BulkItem::new(key, StoryboardRequest::new(key).scene(Scene::text("Hello")))
}

fn options() -> FlowOptions {
    FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(10)))
}

fn run(sim: &Simulator, journal: &Journal) -> BulkRun {
    run_with(sim, journal, options())
}

fn run_with(sim: &Simulator, journal: &Journal, options: FlowOptions) -> BulkRun {
    let client = sim
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    BulkRun::new(client, journal.clone()).options(options)
}

/// Where a run dies.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CrashAt {
    /// Once `stage`'s job exists, before its id is recorded.
    JobCreated(Stage),
    /// While `stage`'s job is waited for (its id recorded).
    Waiting(Stage),
}

/// Runs `key` on `sim` until `at`, where the run dies (a callback panics,
/// and the run's task ends there as a killed process would); returns what
/// the journal kept of it.
async fn crash(sim: &Simulator, journal: &Journal, key: &str, at: CrashAt) -> Record {
    let dies_at = move |now: CrashAt| {
        if now == at {
            panic!("crash: {at:?}");
        }
    };
    let options = options()
        .on_job_created(move |stage, _| dies_at(CrashAt::JobCreated(stage)))
        .on_progress(move |stage, _| dies_at(CrashAt::Waiting(stage)));
    let run = run_with(sim, journal, options);
    let items = [item(key)];
    let crashed = tokio::spawn(async move { run.run(items).await }).await;
    assert!(
        crashed.is_err_and(|e| e.is_panic()),
        "the run did not crash"
    );
    journal.get(key).await.unwrap().unwrap()
}

/// A crash between the storyboard's intent and its answer: on another
/// simulator the storyboard of `key` is created, and the run dies before
/// its job id is recorded. The journal holds the intent alone.
async fn crash_before_the_preview_id(journal: &Journal, key: &str) {
    let elsewhere = sim(FaultPlan::default()).await;
    let record = crash(
        &elsewhere,
        journal,
        key,
        CrashAt::JobCreated(Stage::Preview),
    )
    .await;
    assert_eq!(record.stage, JournalStage::PreviewRequested);
    assert!(record.preview_job.is_none() && record.error.is_none());
}

fn outcome<'a>(report: &'a BulkReport, key: &str) -> &'a ItemOutcome {
    &report.outcomes().iter().find(|(k, _)| k == key).unwrap().1
}

#[tokio::test]
async fn an_intent_without_a_job_id_is_reported_possibly_processed_and_not_sent() {
    let sim = sim(FaultPlan::default()).await;
    let scratch = Scratch::new();
    let journal = &scratch.journal;
    // A crash between the intent and the answer.
    crash_before_the_preview_id(journal, "video-001").await;
    let report = run(&sim, journal)
        .run([item("video-001"), item("video-002")])
        .await;
    assert!(
        matches!(
            outcome(&report, "video-001"),
            ItemOutcome::PossiblyProcessed {
                stage: Stage::Preview,
                ..
            }
        ),
        "{report:?}"
    );
    assert!(outcome(&report, "video-002").is_finished(), "{report:?}");
    assert_eq!(report.possibly_processed(), vec!["video-001"]);
    assert!(!report.all_finished());
    let counters = sim.counters();
    assert_eq!(counters.job_requests_by_name.get("video-001"), None);
    assert_eq!(counters.job_requests_by_name.get("video-002"), Some(&1));
    // Running again changes nothing for it.
    let again = run(&sim, journal).run([item("video-001")]).await;
    assert_eq!(again.possibly_processed(), vec!["video-001"]);
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
}

#[tokio::test]
async fn re_creating_possibly_processed_items_is_an_explicit_option() {
    let sim = sim(FaultPlan::default()).await;
    let scratch = Scratch::new();
    let journal = &scratch.journal;
    crash_before_the_preview_id(journal, "video-001").await;
    let report = run(&sim, journal)
        .recreate_possibly_processed(true)
        .run([item("video-001")])
        .await;
    assert!(report.all_finished(), "{report:?}");
    let record = journal.get("video-001").await.unwrap().unwrap();
    assert_eq!(record.stage, JournalStage::Finished);
    assert!(record.preview_job.is_some() && record.render_job.is_some());
    assert!(record.video_url.is_some_and(|u| u.ends_with(".mp4")));
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
    assert_eq!(sim.counters().jobs_of("render"), 1);
}

/// A crash between the render's intent and its answer: the render job
/// exists (Pictory may have billed it), its id is not recorded.
#[tokio::test]
async fn a_render_intent_without_an_id_is_not_rendered_again() {
    let sim = sim(FaultPlan::default()).await;
    let scratch = Scratch::new();
    let journal = &scratch.journal;
    let key = "video-001";
    let record = crash(&sim, journal, key, CrashAt::JobCreated(Stage::Render)).await;
    assert_eq!(record.stage, JournalStage::RenderRequested);
    assert!(record.preview_job.is_some() && record.render_job.is_none());
    assert_eq!(sim.counters().jobs_of("render"), 1, "the lost render");
    let report = run(&sim, journal).run([item(key)]).await;
    assert!(
        matches!(
            outcome(&report, key),
            ItemOutcome::PossiblyProcessed {
                stage: Stage::Render,
                ..
            }
        ),
        "{report:?}"
    );
    assert_eq!(sim.counters().jobs_of("render"), 1, "not rendered again");
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
    let report = run(&sim, journal)
        .recreate_possibly_processed(true)
        .run([item(key)])
        .await;
    assert!(report.all_finished(), "{report:?}");
    assert_eq!(sim.counters().jobs_of("render"), 2);
    assert_eq!(
        sim.counters().jobs_of("storyboard"),
        1,
        "the preview is reused"
    );
}

/// A crash while the preview is waited for: its job id is recorded.
#[tokio::test]
async fn a_recorded_job_is_waited_on_again_not_created_again() {
    let sim = sim(FaultPlan::default()).await;
    let scratch = Scratch::new();
    let journal = &scratch.journal;
    let key = "video-007";
    let record = crash(&sim, journal, key, CrashAt::Waiting(Stage::Preview)).await;
    assert_eq!(record.stage, JournalStage::PreviewStarted);
    let preview = record.preview_job.unwrap();
    let report = run(&sim, journal).run([item(key)]).await;
    assert!(report.all_finished(), "{report:?}");
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
    assert_eq!(
        journal.get(key).await.unwrap().unwrap().preview_job,
        Some(preview)
    );
}

/// A 5xx to a create may come after the proxy forwarded it: the item is
/// possibly processed, the intent and the error stay in the journal.
#[tokio::test]
async fn a_create_with_an_unknown_outcome_stays_possibly_processed() {
    let sim = sim(FaultPlan {
        rate_5xx: 1.0,
        ..FaultPlan::default()
    })
    .await;
    let scratch = Scratch::new();
    let journal = &scratch.journal;
    // Every request meets a 5xx: the job route is known, not probed.
    let client = sim
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .job_reads(JobReads::Proxy)
        .build()
        .unwrap();
    let report = BulkRun::new(client, journal.clone())
        .run([item("video-001")])
        .await;
    assert_eq!(report.possibly_processed(), vec!["video-001"], "{report:?}");
    let record = journal.get("video-001").await.unwrap().unwrap();
    assert_eq!(record.stage, JournalStage::PreviewRequested);
    assert!(record.stage.is_possibly_processed());
    assert!(
        record
            .error
            .is_some_and(|e| e.contains("possibly processed"))
    );
    assert!(record.preview_job.is_none());
}

/// A create refused before it was processed (here: invalid, never sent)
/// leaves the item new, with the reason, and is not reported possibly
/// processed.
#[tokio::test]
async fn a_refused_create_leaves_the_item_new() {
    let sim = sim(FaultPlan::default()).await;
    let scratch = Scratch::new();
    let journal = &scratch.journal;
    let bad = BulkItem::new("video-001", StoryboardRequest::new("no scenes"));
    let report = run(&sim, journal).run([bad]).await;
    assert!(
        matches!(
            outcome(&report, "video-001"),
            ItemOutcome::Interrupted { .. }
        ),
        "{report:?}"
    );
    assert!(report.possibly_processed().is_empty());
    let record = journal.get("video-001").await.unwrap().unwrap();
    assert_eq!(record.stage, JournalStage::New);
    assert!(record.error.is_some());
    assert_eq!(sim.counters().jobs_of("storyboard"), 0);
}

/// A render create refused before it was processed (a 429, nothing
/// created) moves the item back to its finished preview, not to new: the
/// next run renders from that preview and never makes it again.
#[tokio::test]
async fn a_refused_render_keeps_the_finished_preview() {
    let sim = sim(FaultPlan {
        rate_429: 1.0,
        only: vec!["render_video".into(), "render_storyboard".into()],
        ..FaultPlan::default()
    })
    .await;
    let scratch = Scratch::new();
    let journal = &scratch.journal;
    let report = run(&sim, journal).run([item("video-001")]).await;
    assert!(
        matches!(
            outcome(&report, "video-001"),
            ItemOutcome::Interrupted { .. }
        ),
        "{report:?}"
    );
    assert!(report.possibly_processed().is_empty(), "{report:?}");
    let record = journal.get("video-001").await.unwrap().unwrap();
    assert_eq!(record.stage, JournalStage::Previewed, "{record:?}");
    assert!(!record.stage.is_possibly_processed());
    assert!(record.preview_job.is_some() && record.preview_url.is_some());
    assert!(record.render_job.is_none());
    assert!(record.error.is_some_and(|e| e.contains("429")));
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
    assert_eq!(sim.counters().jobs_of("render"), 0);
}

#[tokio::test]
async fn a_failed_job_is_recorded_and_not_retried() {
    let sim = sim(FaultPlan::default()).await;
    let scratch = Scratch::new();
    let journal = &scratch.journal;
    let failing = BulkItem::new(
        "video-001",
        StoryboardRequest::new("video-001").scene(Scene::text("[fail] this")),
    );
    let report = run(&sim, journal).run([failing.clone()]).await;
    assert!(
        matches!(outcome(&report, "video-001"), ItemOutcome::Failed { .. }),
        "{report:?}"
    );
    let again = run(&sim, journal).run([failing]).await;
    assert!(matches!(
        outcome(&again, "video-001"),
        ItemOutcome::Failed { .. }
    ));
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
}

#[tokio::test]
async fn a_key_given_twice_is_run_once() {
    let sim = sim(FaultPlan::default()).await;
    let scratch = Scratch::new();
    let journal = &scratch.journal;
    let report = run(&sim, journal)
        .concurrency(4)
        .run([item("video-001"), item("video-001")])
        .await;
    assert!(report.outcomes()[0].1.is_finished(), "{report:?}");
    assert!(
        matches!(report.outcomes()[1].1, ItemOutcome::Interrupted { .. }),
        "{report:?}"
    );
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
}
