//! Simulated job timelines, to compare polling policies in virtual time with
//! the same policy code the poller uses ([`PollTracker`]).

use super::model::JobState;
use super::output::JobOutput;
use super::policy::PollingBackoff;
use super::poller::PollTracker;
use std::time::Duration;

/// How one simulated job progresses: nothing reported during a preparation
/// phase, then `renderProgress` rising along a curve to 100, then completed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobTimeline {
    /// When the job completes.
    pub duration: Duration,
    /// When progress starts being reported.
    pub progress_from: Duration,
    /// Curve exponent: progress = 100 × x^curve over the reporting phase
    /// (1 is linear; > 1 starts slow; < 1 starts fast).
    pub curve: f64,
}

impl JobTimeline {
    /// The state at `t` after the job started.
    pub fn state_at(&self, t: Duration) -> JobState {
        if t >= self.duration {
            return JobState::Completed(JobOutput::Other(serde_json::Value::Null));
        }
        let progress = (t >= self.progress_from).then(|| {
            let x = (t - self.progress_from).as_secs_f64()
                / (self.duration - self.progress_from).as_secs_f64();
            (100.0 * x.powf(self.curve)).floor().min(99.0)
        });
        JobState::InProgress {
            progress,
            message: None,
            state: None,
        }
    }

    /// `n` timelines from `seed`: durations uniform in `[min, max]`,
    /// preparation 5-30 % of the duration, curve 0.8-1.3.
    pub fn seeded_set(n: usize, seed: u64, min: Duration, max: Duration) -> Vec<JobTimeline> {
        let mut rng = fastrand::Rng::with_seed(seed);
        (0..n)
            .map(|_| {
                let d = min.as_secs_f64() + rng.f64() * (max - min).as_secs_f64();
                JobTimeline {
                    duration: Duration::from_secs_f64(d),
                    progress_from: Duration::from_secs_f64(d * (0.05 + 0.25 * rng.f64())),
                    curve: 0.8 + 0.5 * rng.f64(),
                }
            })
            .collect()
    }

    /// Polls this job with `backoff` in virtual time: returns the reads made
    /// and the detection delay (from completion to the read that saw it).
    pub fn simulate(&self, backoff: &dyn PollingBackoff) -> (u32, Duration) {
        let mut tracker = PollTracker::default();
        let mut now = Duration::ZERO;
        loop {
            now += tracker
                .next_delay(backoff, now)
                .max(Duration::from_millis(1));
            let state = self.state_at(now);
            tracker.record(now, &state);
            if state.is_terminal() {
                return (tracker.polls(), now - self.duration);
            }
        }
    }
}

/// The policies the crate compares (tests and benchmarks): its default, its
/// adaptive policy, fixed 10 s and 30 s (Pictory's helper script), and an
/// exponential 1 s → 60 s × 2.
pub fn comparison_policies() -> Vec<(&'static str, Box<dyn PollingBackoff>)> {
    use super::policy::{AdaptiveBackoff, ExponentialBackoff, FixedInterval};
    vec![
        (
            "default (2s x1.5 -> 20s)",
            Box::new(ExponentialBackoff::default()),
        ),
        ("adaptive", Box::new(AdaptiveBackoff::default())),
        (
            "fixed 10s",
            Box::new(FixedInterval(Duration::from_secs(10))),
        ),
        (
            "fixed 30s",
            Box::new(FixedInterval(Duration::from_secs(30))),
        ),
        (
            "exponential 1s -> 60s x2",
            Box::new(ExponentialBackoff {
                initial: Duration::from_secs(1),
                multiplier: 2.0,
                max: Duration::from_secs(60),
            }),
        ),
    ]
}

/// Polls per job and detection delays of one policy over a set of timelines.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFigures {
    /// Mean reads per job.
    pub polls_per_job: f64,
    /// Median detection delay.
    pub median_delay: Duration,
    /// 95th-percentile detection delay.
    pub p95_delay: Duration,
}

/// Runs `backoff` over `timelines`.
pub fn measure(backoff: &dyn PollingBackoff, timelines: &[JobTimeline]) -> PolicyFigures {
    let mut polls = 0u64;
    let mut delays: Vec<Duration> = timelines
        .iter()
        .map(|t| {
            let (p, d) = t.simulate(backoff);
            polls += p as u64;
            d
        })
        .collect();
    delays.sort();
    let at = |q: f64| delays[((delays.len() - 1) as f64 * q).round() as usize];
    PolicyFigures {
        polls_per_job: polls as f64 / timelines.len() as f64,
        median_delay: at(0.5),
        p95_delay: at(0.95),
    }
}
