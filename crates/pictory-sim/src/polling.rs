//! Polling policies compared in virtual time, for tests and benchmarks —
//! not for production code.
//!
//! A [`JobTimeline`] says what a simulated Pictory job reports at each moment
//! (`pending`, `in-progress` with or without `renderProgress`, `completed`)
//! the way Pictory documents it: storyboard previews report no
//! `renderProgress` until they complete; renders report it once rendering
//! has started; any job may start `pending`. [`JobTimeline::documented_mix`]
//! makes a seeded, realistic set of them; [`measure`] polls each with a
//! [`PollingBackoff`] — handing it the [`PollContext`] the poller hands it:
//! the reads made and every progress reading — and returns the reads per
//! job and the detection delays ([`PolicyFigures`]). [`comparison_policies`]
//! lists the policies the `pictory` crate's test and benchmark compare.
//!
//! No network, no sleeping: a thousand jobs simulate in milliseconds.
//!
//! ```
//! use pictory_sim::polling::{JobTimeline, comparison_policies, measure};
//!
//! let timelines = JobTimeline::documented_mix(200, 7);
//! for (name, policy) in comparison_policies() {
//!     let f = measure(policy.as_ref(), &timelines);
//!     println!("{name}: {:.1} polls/job, median delay {:?}", f.polls_per_job, f.median_delay);
//! }
//! ```

use pictory::jobs::{
    AdaptiveBackoff, ExponentialBackoff, FixedInterval, JobOutput, JobState, PollContext,
    PollingBackoff, ProgressSample,
};
use std::time::Duration;

/// The kind of job a [`JobTimeline`] simulates, which decides whether it
/// reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A storyboard preview: no `renderProgress` at all until completed.
    Preview,
    /// A render: `renderProgress` once rendering has started.
    Render,
}

/// How one simulated job goes: `pending` until `pending`, then
/// `in-progress`; a [`JobKind::Render`] reports `renderProgress` from
/// `progress_from` on, rising along a curve to 99; completed at `duration`.
/// Every time is measured from the job's creation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobTimeline {
    /// Preview (never reports progress) or render.
    pub kind: JobKind,
    /// The job is `pending` before this time.
    pub pending: Duration,
    /// A render reports `renderProgress` from this time on (ignored for a
    /// preview).
    pub progress_from: Duration,
    /// When the job completes.
    pub duration: Duration,
    /// Curve exponent: progress = 100 × x^curve over the reporting phase
    /// (1 is linear; > 1 starts slow; < 1 starts fast).
    pub curve: f64,
}

impl JobTimeline {
    /// A storyboard preview: `pending` until `pending`, then in progress
    /// without `renderProgress`, completed at `duration`.
    pub fn preview(pending: Duration, duration: Duration) -> Self {
        JobTimeline {
            kind: JobKind::Preview,
            pending,
            progress_from: duration,
            duration,
            curve: 1.0,
        }
    }

    /// A render: `pending` until `pending`, in progress without
    /// `renderProgress` until `progress_from`, then progress along
    /// `100 × x^curve`, completed at `duration`.
    pub fn render(
        pending: Duration,
        progress_from: Duration,
        duration: Duration,
        curve: f64,
    ) -> Self {
        JobTimeline {
            kind: JobKind::Render,
            pending,
            progress_from,
            duration,
            curve,
        }
    }

    /// Whether this job ever reports `renderProgress` before completing.
    pub fn reports_progress(&self) -> bool {
        self.kind == JobKind::Render && self.progress_from < self.duration
    }

    /// The state at `t` after the job was created.
    pub fn state_at(&self, t: Duration) -> JobState {
        if t >= self.duration {
            return JobState::Completed(JobOutput::Other(serde_json::Value::Null));
        }
        if t < self.pending {
            return JobState::Pending;
        }
        let progress = (self.kind == JobKind::Render && t >= self.progress_from).then(|| {
            let span = self
                .duration
                .saturating_sub(self.progress_from)
                .as_secs_f64();
            let x = (t.saturating_sub(self.progress_from).as_secs_f64() / span).clamp(0.0, 1.0);
            let p = (100.0 * x.powf(self.curve)).floor();
            // A curve of NaN or a zero span: say 0 rather than NaN.
            if p.is_finite() {
                p.clamp(0.0, 99.0)
            } else {
                0.0
            }
        });
        JobState::InProgress {
            progress,
            message: None,
            state: None,
        }
    }

    /// `n` timelines from `seed`, mixed as Pictory documents its jobs: every
    /// other one a storyboard preview of 20 s-3 min that reports no
    /// progress, the others renders of 1-10 min that report progress after
    /// a preparation phase of 5-30 % of their running time, along a curve
    /// of exponent 0.8-1.3. Every job is first `pending` for 0-15 s.
    pub fn documented_mix(n: usize, seed: u64) -> Vec<JobTimeline> {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut between = |lo: f64, hi: f64| lo + rng.f64() * (hi - lo);
        (0..n)
            .map(|i| {
                let pending = between(0.0, 15.0);
                if i % 2 == 0 {
                    let duration = between(20.0, 180.0);
                    JobTimeline::preview(secs(pending), secs(duration))
                } else {
                    let duration = between(60.0, 600.0);
                    let preparing = (duration - pending) * between(0.05, 0.30);
                    JobTimeline::render(
                        secs(pending),
                        secs(pending + preparing),
                        secs(duration),
                        between(0.8, 1.3),
                    )
                }
            })
            .collect()
    }

    /// Polls this job with `backoff` in virtual time, the job created at the
    /// start of the wait: returns the reads made and the detection delay
    /// (from completion to the read that saw it).
    pub fn simulate(&self, backoff: &dyn PollingBackoff) -> (u32, Duration) {
        let mut polls = 0;
        let mut progress = Vec::new();
        let mut now = Duration::ZERO;
        loop {
            let delay = backoff.next_delay(&PollContext::new(polls, now, &progress));
            now = now.saturating_add(delay.max(Duration::from_millis(1)));
            let state = self.state_at(now);
            polls += 1;
            if state.is_terminal() {
                return (polls, now - self.duration);
            }
            if let JobState::InProgress {
                progress: Some(percent),
                ..
            } = state
            {
                progress.push(ProgressSample::new(now, percent));
            }
        }
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// The policies the `pictory` crate compares (tests and benchmarks), by name: its
/// default, its adaptive policy, fixed 10 s and 30 s (Pictory's helper
/// script), and an exponential 1 s → 60 s × 2.
pub fn comparison_policies() -> Vec<(&'static str, Box<dyn PollingBackoff>)> {
    vec![
        (
            "default (2s x1.5 -> 20s)",
            Box::new(ExponentialBackoff::default()),
        ),
        ("adaptive", Box::new(AdaptiveBackoff::default())),
        (
            "fixed 10s",
            Box::new(FixedInterval::new(Duration::from_secs(10))),
        ),
        (
            "fixed 30s",
            Box::new(FixedInterval::new(Duration::from_secs(30))),
        ),
        (
            "exponential 1s -> 60s x2",
            Box::new(ExponentialBackoff::new(
                Duration::from_secs(1),
                2.0,
                Duration::from_secs(60),
            )),
        ),
    ]
}

/// Reads per job and detection delays of one policy over a set of
/// timelines; from [`measure`].
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFigures {
    /// Mean reads per job.
    pub polls_per_job: f64,
    /// Median detection delay (completion to the read that saw it).
    pub median_delay: Duration,
    /// 90th-percentile detection delay.
    pub p90_delay: Duration,
    /// 95th-percentile detection delay.
    pub p95_delay: Duration,
}

/// Runs `backoff` over `timelines` (all zero for an empty set).
pub fn measure(backoff: &dyn PollingBackoff, timelines: &[JobTimeline]) -> PolicyFigures {
    let mut polls = 0u64;
    let mut delays: Vec<Duration> = timelines
        .iter()
        .map(|t| {
            let (p, d) = t.simulate(backoff);
            polls += u64::from(p);
            d
        })
        .collect();
    delays.sort();
    let at = |q: f64| {
        delays
            .get(((delays.len().saturating_sub(1)) as f64 * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    PolicyFigures {
        polls_per_job: polls as f64 / timelines.len().max(1) as f64,
        median_delay: at(0.5),
        p90_delay: at(0.9),
        p95_delay: at(0.95),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_never_reports_progress() {
        let t = JobTimeline::preview(Duration::from_secs(5), Duration::from_secs(60));
        assert_eq!(t.state_at(Duration::from_secs(2)), JobState::Pending);
        for s in [5, 30, 59] {
            assert_eq!(t.state_at(Duration::from_secs(s)).progress(), None);
            assert_eq!(t.state_at(Duration::from_secs(s)).name(), "in-progress");
        }
        assert!(t.state_at(Duration::from_secs(60)).is_terminal());
        assert!(!t.reports_progress());
    }

    #[test]
    fn a_render_reports_progress_once_rendering() {
        let t = JobTimeline::render(
            Duration::from_secs(10),
            Duration::from_secs(20),
            Duration::from_secs(120),
            1.0,
        );
        assert_eq!(t.state_at(Duration::from_secs(5)), JobState::Pending);
        assert_eq!(t.state_at(Duration::from_secs(15)).progress(), None);
        assert_eq!(t.state_at(Duration::from_secs(20)).progress(), Some(0.0));
        assert_eq!(t.state_at(Duration::from_secs(70)).progress(), Some(50.0));
        assert_eq!(
            t.state_at(Duration::from_millis(119_999)).progress(),
            Some(99.0)
        );
        assert!(t.reports_progress());
    }

    #[test]
    fn the_documented_mix_is_half_previews_within_the_documented_ranges() {
        let set = JobTimeline::documented_mix(1000, 3);
        let previews: Vec<_> = set.iter().filter(|t| t.kind == JobKind::Preview).collect();
        assert_eq!(previews.len(), 500);
        for t in &set {
            assert!(t.pending <= Duration::from_secs(15));
            match t.kind {
                JobKind::Preview => {
                    assert!((20.0..=180.0).contains(&t.duration.as_secs_f64()), "{t:?}")
                }
                JobKind::Render => {
                    assert!((60.0..=600.0).contains(&t.duration.as_secs_f64()), "{t:?}");
                    assert!(t.pending < t.progress_from && t.reports_progress(), "{t:?}");
                }
            }
        }
        // Seeded: the same set twice.
        assert_eq!(set, JobTimeline::documented_mix(1000, 3));
    }

    #[test]
    fn simulation_counts_reads_and_the_detection_delay() {
        let t = JobTimeline::preview(Duration::ZERO, Duration::from_secs(25));
        let (polls, delay) = t.simulate(&FixedInterval::new(Duration::from_secs(10)));
        assert_eq!((polls, delay), (3, Duration::from_secs(5)));
        // A policy that asks for Duration::MAX ends, saturated, without a panic.
        let (polls, _) = t.simulate(&FixedInterval::new(Duration::MAX));
        assert_eq!(polls, 1);
    }

    #[test]
    fn figures_of_an_empty_set_are_zero() {
        let f = measure(&FixedInterval::new(Duration::from_secs(1)), &[]);
        assert_eq!(f.polls_per_job, 0.0);
        assert_eq!(f.median_delay, Duration::ZERO);
    }
}
