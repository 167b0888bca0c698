//! Polling policies, as small types (after google-cloud-rust's polling
//! backoff and error policies): a [`PollingBackoff`] decides when to ask next;
//! a [`PollingErrorPolicy`] decides which errors to ride through and how long
//! waiting may take in all.

use crate::error::Error;
use std::fmt::Debug;
use std::time::Duration;

/// One progress reading: when (since the wait began) and how far (0-100).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgressSample {
    /// Time since the wait began.
    pub at: Duration,
    /// Percent done.
    pub percent: f64,
}

/// What a backoff policy sees when it chooses the next delay.
#[derive(Debug, Clone, Copy)]
pub struct PollContext<'a> {
    /// Status reads made so far in this wait.
    pub polls: u32,
    /// Time since the wait began (the time of the latest read).
    pub elapsed: Duration,
    /// Every progress reading so far, oldest first.
    pub progress: &'a [ProgressSample],
}

/// When to read a job's status next.
pub trait PollingBackoff: Send + Sync + Debug {
    /// The delay before the next read.
    fn next_delay(&self, ctx: &PollContext<'_>) -> Duration;
}

/// The same interval every time (Pictory's own helper script polls every 30 s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedInterval(pub Duration);

impl PollingBackoff for FixedInterval {
    fn next_delay(&self, _ctx: &PollContext<'_>) -> Duration {
        self.0
    }
}

/// `initial`, then × `multiplier` after each read, up to `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialBackoff {
    /// The first delay.
    pub initial: Duration,
    /// The growth factor per read.
    pub multiplier: f64,
    /// The largest delay.
    pub max: Duration,
}

impl ExponentialBackoff {
    /// The delay before read number `polls + 1`.
    pub fn delay_for(&self, polls: u32) -> Duration {
        let factor = self.multiplier.max(1.0).powi(polls.min(64) as i32);
        self.initial.mul_f64(factor).min(self.max)
    }
}

impl Default for ExponentialBackoff {
    /// The crate's default: 2 s, × 1.5, up to 20 s — quick for short jobs,
    /// then within Pictory's 10-30 s guidance for long ones.
    fn default() -> Self {
        ExponentialBackoff {
            initial: Duration::from_secs(2),
            multiplier: 1.5,
            max: Duration::from_secs(20),
        }
    }
}

impl PollingBackoff for ExponentialBackoff {
    fn next_delay(&self, ctx: &PollContext<'_>) -> Duration {
        self.delay_for(ctx.polls)
    }
}

/// Uses Pictory's `renderProgress` to estimate when the job will finish and
/// asks again near then: few reads for long jobs, a short delay between the
/// job finishing and the client knowing. Until progress is reported it backs
/// off exponentially (`before_progress`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveBackoff {
    /// Used until two progress readings exist.
    pub before_progress: ExponentialBackoff,
    /// The shortest delay (also the delay once the estimate says "done").
    pub min: Duration,
    /// The longest delay.
    pub max: Duration,
    /// Far from the end, ask again after this fraction of the estimated
    /// remaining time, to correct the estimate.
    pub approach: f64,
    /// Added to the estimated finish time when it is close.
    pub margin: Duration,
}

impl Default for AdaptiveBackoff {
    fn default() -> Self {
        AdaptiveBackoff {
            before_progress: ExponentialBackoff {
                initial: Duration::from_secs(3),
                multiplier: 2.0,
                max: Duration::from_secs(30),
            },
            min: Duration::from_secs(2),
            max: Duration::from_secs(180),
            approach: 0.8,
            margin: Duration::from_millis(500),
        }
    }
}

impl AdaptiveBackoff {
    /// Estimated seconds until 100 %, from the progress readings.
    pub fn estimate_remaining(samples: &[ProgressSample]) -> Option<f64> {
        let last = samples.last()?;
        // The rate over the readings since progress first moved.
        let first = samples.iter().find(|s| s.percent < last.percent)?;
        let dt = (last.at - first.at).as_secs_f64();
        let dp = last.percent - first.percent;
        if dt <= 0.0 || dp <= 0.0 {
            return None;
        }
        Some(((100.0 - last.percent).max(0.0)) / (dp / dt))
    }
}

impl PollingBackoff for AdaptiveBackoff {
    fn next_delay(&self, ctx: &PollContext<'_>) -> Duration {
        let Some(remaining) = Self::estimate_remaining(ctx.progress) else {
            let without = ctx.polls.saturating_sub(ctx.progress.len() as u32);
            return self.before_progress.delay_for(without);
        };
        let remaining = Duration::from_secs_f64(remaining.min(1e6));
        let close = self.min * 4;
        let delay = if remaining <= close {
            remaining + self.margin
        } else {
            remaining.mul_f64(self.approach)
        };
        delay.clamp(self.min, self.max)
    }
}

/// Which errors a wait rides through, and how long it may take.
#[derive(Debug, Clone, PartialEq)]
pub struct PollingErrorPolicy {
    /// Transient errors (429, 5xx, timeouts, resets) tolerated in a row.
    /// Default 8.
    pub attempt_limit: u32,
    /// The deadline of a whole wait: past it, [`Error::JobDeadline`] reports
    /// the time spent and the reads made. Default 30 minutes.
    pub time_limit: Duration,
}

impl Default for PollingErrorPolicy {
    fn default() -> Self {
        PollingErrorPolicy {
            attempt_limit: 8,
            time_limit: Duration::from_secs(30 * 60),
        }
    }
}

impl PollingErrorPolicy {
    /// Whether to keep polling after `error`, the `consecutive`-th in a row.
    pub fn rides_through(&self, error: &Error, consecutive: u32) -> bool {
        error.is_transient() && consecutive <= self.attempt_limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(polls: u32, secs: u64, samples: &[ProgressSample]) -> PollContext<'_> {
        PollContext {
            polls,
            elapsed: Duration::from_secs(secs),
            progress: samples,
        }
    }

    #[test]
    fn exponential_grows_to_its_cap() {
        let p = ExponentialBackoff::default();
        let d: Vec<u64> = (0..8)
            .map(|n| p.next_delay(&ctx(n, 0, &[])).as_millis() as u64)
            .collect();
        assert_eq!(d, vec![2000, 3000, 4500, 6750, 10125, 15187, 20000, 20000]);
    }

    #[test]
    fn adaptive_schedules_near_the_estimated_finish() {
        let p = AdaptiveBackoff::default();
        let s = |at, percent| ProgressSample {
            at: Duration::from_secs(at),
            percent,
        };
        // 10 %/10 s from 40 % at 100 s: 60 s left; far, so 80 % of it.
        let samples = [s(90, 30.0), s(100, 40.0)];
        assert_eq!(
            p.next_delay(&ctx(5, 100, &samples)),
            Duration::from_secs(48)
        );
        // 5 s left: close, so the estimate plus the margin.
        let samples = [s(90, 85.0), s(100, 95.0)];
        assert_eq!(
            p.next_delay(&ctx(5, 100, &samples)),
            Duration::from_millis(5500)
        );
        // No progress yet: exponential.
        assert_eq!(p.next_delay(&ctx(0, 0, &[])), Duration::from_secs(3));
        assert_eq!(p.next_delay(&ctx(2, 9, &[])), Duration::from_secs(12));
    }
}
