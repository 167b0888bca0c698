//! Compares the polling policies on a seeded set of simulated job timelines
//! as Pictory documents them (half previews without progress, half renders
//! with), in virtual time, with the poller's own policy code. Prints the
//! figures; asserts only the adaptive policy's targets (counts and virtual
//! delays, the same on every machine; no wall-clock timing).

use pictory::jobs::{AdaptiveBackoff, PollingBackoff, ProgressSample};
use pictory_sim::polling::{JobKind, JobTimeline, PolicyFigures, comparison_policies, measure};
use std::time::Duration;

fn figures(timelines: &[JobTimeline]) -> Vec<(&'static str, PolicyFigures)> {
    println!(
        "{:<30} {:>10} {:>14} {:>12}",
        "policy", "polls/job", "median delay", "p90 delay"
    );
    comparison_policies()
        .into_iter()
        .map(|(name, p)| {
            let f = measure(p.as_ref(), timelines);
            println!(
                "{name:<30} {:>10.1} {:>13.1}s {:>11.1}s",
                f.polls_per_job,
                f.median_delay.as_secs_f64(),
                f.p90_delay.as_secs_f64()
            );
            (name, f)
        })
        .collect()
}

fn by_name<'a>(all: &'a [(&str, PolicyFigures)], name: &str) -> &'a PolicyFigures {
    &all.iter().find(|(n, _)| *n == name).expect(name).1
}

#[test]
fn adaptive_polls_less_than_fixed_30s_and_detects_sooner_than_fixed_10s() {
    let timelines = JobTimeline::documented_mix(1000, 42);
    let all = figures(&timelines);
    let (adaptive, fixed10, fixed30) = (
        by_name(&all, "adaptive"),
        by_name(&all, "fixed 10s"),
        by_name(&all, "fixed 30s"),
    );
    assert!(
        adaptive.polls_per_job < fixed30.polls_per_job,
        "{adaptive:?} vs {fixed30:?}"
    );
    assert!(
        adaptive.median_delay < fixed10.median_delay,
        "{adaptive:?} vs {fixed10:?}"
    );
}

#[test]
fn adaptive_keeps_previews_within_the_10_to_30_s_guidance() {
    // Previews report no progress: after the first few reads the adaptive
    // policy must not poll faster than every 10 s nor slower than 30 s.
    let previews: Vec<JobTimeline> = JobTimeline::documented_mix(200, 9)
        .into_iter()
        .filter(|t| t.kind == JobKind::Preview)
        .collect();
    let p = AdaptiveBackoff::default();
    for t in &previews {
        let reads = (t.duration.as_secs_f64() / 10.0).ceil() as u32 + 1;
        let (polls, delay) = t.simulate(&p);
        assert!(polls <= reads, "{polls} reads for {t:?}");
        assert!(delay <= Duration::from_secs(30), "{delay:?} for {t:?}");
    }
}

#[test]
fn adaptive_stops_polling_every_2_s_when_progress_stalls() {
    // A render stuck at 99 % for 30 minutes: the old estimate said "almost
    // done" and read every 2 s (about 900 reads). Simulate the reads.
    let p = AdaptiveBackoff::default();
    let mut samples = vec![
        ProgressSample::new(Duration::from_secs(0), 10.0),
        ProgressSample::new(Duration::from_secs(60), 99.0),
    ];
    let mut now = Duration::from_secs(60);
    let mut delays = Vec::new();
    while now < Duration::from_secs(60 + 30 * 60) {
        let d = p.next_delay(&pictory::jobs::PollContext::new(
            samples.len() as u32,
            now,
            &samples,
        ));
        delays.push(d);
        now += d;
        samples.push(ProgressSample::new(now, 99.0));
    }
    assert!(delays.windows(2).all(|w| w[1] >= w[0]), "{delays:?}");
    assert_eq!(*delays.last().unwrap(), Duration::from_secs(30));
    assert!(delays.len() < 80, "{} reads", delays.len());
}
