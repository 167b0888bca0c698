//! The quota before spending it: `Client::quota` reads it from Pictory
//! (the simulator's Pictory face), `Client::check_quota` refuses a batch
//! whose estimate clearly exceeds what remains, before anything is created.

use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{Error, QuotaEstimate};
use pictory_sim::{SimConfig, SimQuota, Simulator};

async fn sim_with(used: f64, limit: f64) -> Simulator {
    Simulator::start(SimConfig {
        time_factor: 0.002,
        quota: SimQuota {
            video_minutes_used: used,
            video_minutes_limit: limit,
            ..SimQuota::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn both(sim: &Simulator) -> pictory::Client {
    sim.client_builder()
        .pictory_key(sim.pictory_key())
        .pictory_base_url(sim.pictory_base_url())
        .build()
        .unwrap()
}

/// Ten videos of 360 narrated words each: at least 2 minutes each.
fn batch() -> Vec<StoryboardRequest> {
    let text = vec!["word"; 360].join(" ");
    (0..10)
        .map(|i| StoryboardRequest::new(format!("v{i}")).scene(Scene::text(text.clone())))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_that_clearly_exceeds_what_remains_is_refused_before_creating() {
    let sim = sim_with(95.0, 100.0).await;
    let client = both(&sim);
    let quota = client.quota().await.unwrap();
    assert_eq!(quota.remaining_video_minutes(), Some(5.0));
    let requests = batch();
    let estimate = QuotaEstimate::for_requests(&requests);
    assert_eq!(estimate.items(), 10);
    assert!((estimate.video_minutes() - 20.0).abs() < 1e-9);
    let err = client.check_quota(&estimate).await.unwrap_err();
    match &err {
        Error::QuotaExceeded {
            needed,
            remaining,
            items,
            ..
        } => {
            assert!((needed - 20.0).abs() < 1e-9);
            assert_eq!(*remaining, 5.0);
            assert_eq!(*items, 10);
        }
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    assert!(err.nothing_was_sent());
    let text = err.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("--no-quota-check"), "{text}");
    assert!(sim.received("create_storyboard").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_that_fits_passes_and_renders_use_the_quota() {
    let sim = sim_with(0.0, 100.0).await;
    let client = both(&sim);
    let requests = batch();
    let before = client
        .check_quota(&QuotaEstimate::for_requests(&requests))
        .await
        .unwrap();
    let short = StoryboardRequest::new("short").scene(Scene::text("A short video."));
    client.text_to_video(&short).await.unwrap();
    let after = client.quota().await.unwrap();
    assert!(
        after.remaining_video_minutes() < before.remaining_video_minutes(),
        "{before:?} -> {after:?}"
    );
}

#[tokio::test]
async fn without_the_key_the_quota_is_not_asked_for() {
    let sim = sim_with(0.0, 100.0).await;
    let client = sim.client().unwrap();
    let err = client.quota().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NeedsPictoryKey {
                operation: "get_quota"
            }
        ),
        "{err:?}"
    );
    assert!(sim.counters().pictory_requests.is_empty());
}

/// A bulk run reads the quota first: a batch that clearly exceeds it is
/// refused, every item interrupted with `QuotaExceeded`, nothing created;
/// with the check off, or when it fits, the batch runs.
#[cfg(feature = "journal")]
#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_run_checks_the_quota_before_creating_anything() {
    use pictory::journal::{BulkItem, BulkRun, ItemOutcome, Journal};
    let items = || {
        batch()
            .into_iter()
            .enumerate()
            .map(|(i, r)| BulkItem::new(format!("k{i}"), r))
            .collect::<Vec<_>>()
    };
    let dir = std::env::temp_dir().join(format!("pictory-quota-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 5 minutes left, the batch needs at least 20.
    let sim = sim_with(14_395.0, 14_400.0).await;
    let journal = Journal::open(dir.join("refused.journal")).unwrap();
    let report = BulkRun::new(both(&sim), journal).run(items()).await;
    for (key, outcome) in report.outcomes() {
        assert!(
            matches!(
                outcome,
                ItemOutcome::Interrupted {
                    error: Error::QuotaExceeded { .. }
                }
            ),
            "{key}: {outcome:?}"
        );
    }
    assert_eq!(sim.counters().jobs_of("storyboard"), 0, "nothing created");
    // Plenty left: the batch runs.
    let roomy = sim_with(0.0, 14_400.0).await;
    let journal = Journal::open(dir.join("fits.journal")).unwrap();
    let report = BulkRun::new(both(&roomy), journal)
        .run(items().into_iter().take(2))
        .await;
    assert!(report.all_finished(), "{:?}", report.outcomes());
    let _ = std::fs::remove_dir_all(&dir);
}
