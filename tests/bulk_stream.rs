//! A bulk run reports each item as it ends: `BulkRun::outcomes` yields an
//! item's outcome as soon as that item is done, with its position, while
//! `BulkRun::run` keeps the input order.
#![cfg(feature = "journal")]

use futures_util::StreamExt;
use pictory::FlowOptions;
use pictory::jobs::FixedInterval;
use pictory::journal::{BulkItem, BulkRun, ItemOutcome, Journal};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory_sim::{SimConfig, Simulator};
use std::time::Duration;

#[tokio::test]
async fn outcomes_arrive_as_items_end_and_run_keeps_the_input_order() {
    let sim = Simulator::start(SimConfig {
        time_factor: 0.01,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "pictory-bulk-stream-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = Journal::open(dir.join("j.journal")).unwrap();
    let slow = BulkItem::new(
        "slow",
        StoryboardRequest::new("slow").scene(Scene::text("A real video.")),
    );
    // Refused before anything is sent (no scenes): it ends at once.
    let quick = BulkItem::new("quick", StoryboardRequest::new("quick"));
    let run = BulkRun::new(sim.client().unwrap(), journal.clone())
        .concurrency(2)
        .options(FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(20))));
    let seen: Vec<(usize, String, bool)> = run
        .outcomes([slow.clone(), quick.clone()])
        .map(|(index, key, outcome)| (index, key, outcome.is_finished()))
        .collect()
        .await;
    assert_eq!(
        seen,
        vec![
            (1, "quick".to_string(), false),
            (0, "slow".to_string(), true)
        ],
        "the quick item is reported first"
    );
    let report = run.run([slow, quick]).await;
    let keys: Vec<&str> = report.outcomes().iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["slow", "quick"]);
    assert!(matches!(
        report.outcomes()[1].1,
        ItemOutcome::Interrupted { .. }
    ));
    assert_eq!(
        sim.counters().jobs_of("storyboard"),
        1,
        "nothing created twice"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
