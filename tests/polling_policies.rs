//! Compares the polling policies on a seeded set of simulated job timelines,
//! in virtual time, with the poller's own policy code. Prints the figures;
//! asserts only the adaptive policy's targets (counts, not timings).

use pictory::jobs::{JobTimeline, comparison_policies, measure};
use std::time::Duration;

#[test]
fn adaptive_polls_less_than_fixed_30s_and_detects_sooner_than_fixed_10s() {
    let timelines =
        JobTimeline::seeded_set(1000, 42, Duration::from_secs(20), Duration::from_secs(600));
    let policies = comparison_policies();
    println!(
        "{:<30} {:>10} {:>14} {:>12}",
        "policy", "polls/job", "median delay", "p95 delay"
    );
    let mut figures = Vec::new();
    for (name, p) in &policies {
        let f = measure(p.as_ref(), &timelines);
        println!(
            "{name:<30} {:>10.1} {:>13.1}s {:>11.1}s",
            f.polls_per_job,
            f.median_delay.as_secs_f64(),
            f.p95_delay.as_secs_f64()
        );
        figures.push(f);
    }
    let (adaptive, fixed10, fixed30) = (&figures[1], &figures[2], &figures[3]);
    assert!(
        adaptive.polls_per_job < fixed30.polls_per_job,
        "{adaptive:?} vs {fixed30:?}"
    );
    assert!(
        adaptive.median_delay < fixed10.median_delay,
        "{adaptive:?} vs {fixed10:?}"
    );
}
