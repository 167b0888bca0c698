//! The journal and the resumable run against the simulator.

use super::*;
use crate::Stage;
use crate::jobs::FixedInterval;
use crate::sim::{FaultPlan, SimConfig, Simulator};
use crate::storyboard::{Scene, StoryboardRequest};
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

fn item(key: &str) -> BulkItem {
    BulkItem::new(key, StoryboardRequest::new(key).scene(Scene::text("Hello")))
}

fn run(sim: &Simulator, journal: &Journal) -> BulkRun {
    let client = sim
        .client_builder()
        .retry_policy(crate::RetryPolicy::none())
        .build()
        .unwrap();
    BulkRun::new(client, journal.clone())
        .options(crate::FlowOptions::default().backoff(FixedInterval(Duration::from_millis(10))))
}

fn outcome<'a>(report: &'a BulkReport, key: &str) -> &'a ItemOutcome {
    &report.outcomes().iter().find(|(k, _)| k == key).unwrap().1
}

#[tokio::test]
async fn an_intent_without_a_job_id_is_reported_possibly_processed_and_not_sent() {
    let sim = sim(FaultPlan::default()).await;
    let journal = Journal::in_memory().unwrap();
    // A crash between the intent and the answer.
    journal
        .intend("video-001", JournalStage::PreviewRequested)
        .await
        .unwrap();
    let report = run(&sim, &journal)
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
    let again = run(&sim, &journal).run([item("video-001")]).await;
    assert_eq!(again.possibly_processed(), vec!["video-001"]);
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
}

#[tokio::test]
async fn re_creating_possibly_processed_items_is_an_explicit_option() {
    let sim = sim(FaultPlan::default()).await;
    let journal = Journal::in_memory().unwrap();
    journal
        .intend("video-001", JournalStage::PreviewRequested)
        .await
        .unwrap();
    let report = run(&sim, &journal)
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

#[tokio::test]
async fn a_render_intent_without_an_id_is_not_rendered_again() {
    let sim = sim(FaultPlan::default()).await;
    let journal = Journal::in_memory().unwrap();
    let key = "video-001";
    let client = sim.client().unwrap();
    let preview = client.start_storyboard(&item(key).request).await.unwrap();
    journal
        .intend(key, JournalStage::PreviewRequested)
        .await
        .unwrap();
    journal
        .started(key, Stage::Preview, &preview)
        .await
        .unwrap();
    journal.previewed(key, None).await.unwrap();
    journal
        .intend(key, JournalStage::RenderRequested)
        .await
        .unwrap();
    let report = run(&sim, &journal).run([item(key)]).await;
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
    assert_eq!(sim.counters().jobs_of("render"), 0);
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
    let report = run(&sim, &journal)
        .recreate_possibly_processed(true)
        .run([item(key)])
        .await;
    assert!(report.all_finished(), "{report:?}");
    assert_eq!(sim.counters().jobs_of("render"), 1);
    assert_eq!(
        sim.counters().jobs_of("storyboard"),
        1,
        "the preview is reused"
    );
}

#[tokio::test]
async fn a_recorded_job_is_waited_on_again_not_created_again() {
    let sim = sim(FaultPlan::default()).await;
    let journal = Journal::in_memory().unwrap();
    let key = "video-007";
    let preview = sim
        .client()
        .unwrap()
        .start_storyboard(&item(key).request)
        .await
        .unwrap();
    journal
        .intend(key, JournalStage::PreviewRequested)
        .await
        .unwrap();
    journal
        .started(key, Stage::Preview, &preview)
        .await
        .unwrap();
    let report = run(&sim, &journal).run([item(key)]).await;
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
    let journal = Journal::in_memory().unwrap();
    // Every request meets a 5xx: the job route is known, not probed.
    let client = sim
        .client_builder()
        .retry_policy(crate::RetryPolicy::none())
        .job_reads(crate::JobReads::Proxy)
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
    let journal = Journal::in_memory().unwrap();
    let bad = BulkItem::new("video-001", StoryboardRequest::new("no scenes"));
    let report = run(&sim, &journal).run([bad]).await;
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

#[tokio::test]
async fn a_failed_job_is_recorded_and_not_retried() {
    let sim = sim(FaultPlan::default()).await;
    let journal = Journal::in_memory().unwrap();
    let failing = BulkItem::new(
        "video-001",
        StoryboardRequest::new("video-001").scene(Scene::text("[fail] this")),
    );
    let report = run(&sim, &journal).run([failing.clone()]).await;
    assert!(
        matches!(outcome(&report, "video-001"), ItemOutcome::Failed { .. }),
        "{report:?}"
    );
    let again = run(&sim, &journal).run([failing]).await;
    assert!(matches!(
        outcome(&again, "video-001"),
        ItemOutcome::Failed { .. }
    ));
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);
}

#[tokio::test]
async fn a_key_given_twice_is_run_once() {
    let sim = sim(FaultPlan::default()).await;
    let journal = Journal::in_memory().unwrap();
    let report = run(&sim, &journal)
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

#[tokio::test]
async fn a_journal_file_survives_reopening_and_is_locked_while_open() {
    let dir = std::env::temp_dir().join(format!(
        "pictory-journal-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("batch.journal");
    let journal = Journal::open(&path).unwrap();
    journal
        .intend("video-001", JournalStage::PreviewRequested)
        .await
        .unwrap();
    let second = Journal::open(&path);
    assert!(
        matches!(&second, Err(Error::Journal { message }) if message.contains("in use by another run")),
        "a second run must not share the journal: {second:?}"
    );
    drop(journal);
    let reopened = Journal::open(&path).unwrap();
    let records = reopened.records().await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].stage, JournalStage::PreviewRequested);
    drop(reopened);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stages_round_trip_through_their_names() {
    for stage in JournalStage::ALL {
        assert_eq!(JournalStage::parse(stage.as_str()), Some(stage));
    }
    assert_eq!(JournalStage::parse("bogus"), None);
}

#[test]
fn only_refusals_before_processing_count_as_nothing_created() {
    use run::nothing_created;
    let possibly = Error::PossiblyProcessed {
        operation: "create_storyboard",
        status: Some(502),
        reason: "x".into(),
    };
    assert!(!nothing_created(&possibly));
    let invalid = Error::InvalidRequest {
        operation: "create_storyboard",
        message: "x".into(),
    };
    assert!(nothing_created(&invalid));
    let timeout = Error::Timeout {
        operation: "create_storyboard",
        attempts: 1,
        sent: true,
    };
    assert!(!nothing_created(&timeout));
    // Waiting at the rate-limit gate until the deadline: never sent.
    let unsent = Error::Timeout {
        operation: "create_storyboard",
        attempts: 1,
        sent: false,
    };
    assert!(nothing_created(&unsent));
}
