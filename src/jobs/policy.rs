//! Polling policies, as small types (after google-cloud-rust's polling
//! backoff and error policies): a [`PollingBackoff`] decides when to ask next;
//! a [`PollingErrorPolicy`] decides which errors to ride through and how long
//! waiting may take in all.

use crate::error::Error;
use crate::retry::scale;
use std::fmt::Debug;
use std::time::Duration;

/// One progress reading: when (since the wait began) and how far (0-100).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ProgressSample {
    /// Time since the wait began.
    pub at: Duration,
    /// Percent done.
    pub percent: f64,
}

/// What a backoff policy sees when it chooses the next delay.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PollContext<'a> {
    /// Status reads made so far in this wait.
    pub polls: u32,
    /// Time since the wait began (the time of the latest read).
    pub elapsed: Duration,
    /// Every progress reading so far, oldest first.
    pub progress: &'a [ProgressSample],
}

impl ProgressSample {
    /// A reading of `percent` at `at` (time since the wait began).
    pub fn new(at: Duration, percent: f64) -> Self {
        ProgressSample { at, percent }
    }
}

impl<'a> PollContext<'a> {
    /// What a policy sees after `polls` reads, at `elapsed`, with the
    /// progress readings so far (to drive a policy in a simulation).
    pub fn new(polls: u32, elapsed: Duration, progress: &'a [ProgressSample]) -> Self {
        PollContext {
            polls,
            elapsed,
            progress,
        }
    }
}

/// When to read a job's status next.
pub trait PollingBackoff: Send + Sync + Debug {
    /// The delay before the next read.
    fn next_delay(&self, ctx: &PollContext<'_>) -> Duration;
}

/// The same interval every time (Pictory's own helper script polls every 30 s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedInterval(Duration);

impl FixedInterval {
    /// Reads every `every`.
    pub fn new(every: Duration) -> Self {
        FixedInterval(every)
    }
}

impl PollingBackoff for FixedInterval {
    fn next_delay(&self, _ctx: &PollContext<'_>) -> Duration {
        self.0
    }
}

/// `initial`, then × `multiplier` after each read, up to `max`.
///
/// Never panics: a NaN multiplier or one below 1 counts as 1, growth
/// saturates, and every delay lies in `[min(initial, max), max]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialBackoff {
    /// The first delay.
    pub(crate) initial: Duration,
    /// The growth factor per read (NaN or below 1 counts as 1).
    pub(crate) multiplier: f64,
    /// The largest delay.
    pub(crate) max: Duration,
}

impl ExponentialBackoff {
    /// `initial`, then × `multiplier` after each read, up to `max`.
    pub fn new(initial: Duration, multiplier: f64, max: Duration) -> Self {
        ExponentialBackoff {
            initial,
            multiplier,
            max,
        }
    }

    /// The delay before read number `polls + 1`: `initial × multiplier^polls`,
    /// capped at `max`.
    pub fn delay_for(&self, polls: u32) -> Duration {
        // f64::max ignores NaN, so a NaN multiplier counts as 1.
        let multiplier = self.multiplier.max(1.0);
        let factor = multiplier.powi(i32::try_from(polls).unwrap_or(i32::MAX));
        grow(self.initial, factor).min(self.max)
    }
}

/// `d × factor` for a factor of at least 1, saturating at `Duration::MAX`
/// and never below `d` (the float round trip may lose nanoseconds).
fn grow(d: Duration, factor: f64) -> Duration {
    if d.is_zero() {
        // 0 × inf would be NaN.
        return d;
    }
    scale(d, factor).max(d)
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

/// Uses Pictory's `renderProgress` to ask again near the estimated finish
/// while progress moves, and backs off toward Pictory's 10-30 s guidance
/// while it does not.
///
/// The schedule, from the [`PollContext`] (readings with a NaN or infinite
/// percent are ignored, the others clamped to 0-100):
///
/// 1. **No progress yet** (a `pending` job, a storyboard preview, a render
///    that has not started rendering): `without_progress`, exponential by
///    the number of reads made — by default 10 s, 20 s, then every 30 s.
/// 2. **One reading only**: progress has just started; ask again after
///    `probe` to measure its rate.
/// 3. **Progress moving** (the latest reading is above the one before):
///    estimate the time left from the rate since progress first moved.
///    Close to the end (at most `4 × min` left) ask at the estimate plus
///    `margin`; further away at `approach` × the estimate, to correct it.
/// 4. **Progress stalled** (the latest reading is not above the one
///    before): the interval between those two reads × the
///    `without_progress` multiplier, capped at `without_progress.max`
///    (30 s), and never below that interval: 2 s, 4 s, 8 s, 16 s, 30 s.
///
/// The defaults are tuned on `pictory_sim::polling::JobTimeline::documented_mix`
/// (half previews without progress, half renders with): fewer reads per
/// job than a fixed 30 s and a lower median detection delay than a fixed
/// 10 s (`tests/polling_policies.rs`, `benches/harness.rs`). Previews,
/// which never report progress, are read about as often as with a fixed
/// 30 s and detected as late; renders are detected within seconds.
///
/// Every delay is finite and lies in `[min, max]` (a `max` below `min`
/// counts as `min`); no input panics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveBackoff {
    /// Used while no progress is reported (indexed by reads made), and its
    /// multiplier and cap grow the delay while progress stalls.
    pub(crate) without_progress: ExponentialBackoff,
    /// The delay after the first progress reading, to measure the rate.
    pub(crate) probe: Duration,
    /// The shortest delay (also the delay once the estimate says "done").
    pub(crate) min: Duration,
    /// The longest delay.
    pub(crate) max: Duration,
    /// Far from the end, ask again after this fraction of the estimated
    /// remaining time, to correct the estimate.
    pub(crate) approach: f64,
    /// Added to the estimated finish time when it is close.
    pub(crate) margin: Duration,
}

impl AdaptiveBackoff {
    /// Used while no progress is reported (indexed by reads made), and its
    /// multiplier and cap grow the delay while progress stalls.
    pub fn without_progress(mut self, value: ExponentialBackoff) -> Self {
        self.without_progress = value;
        self
    }

    /// The delay after the first progress reading, to measure the rate.
    pub fn probe(mut self, value: Duration) -> Self {
        self.probe = value;
        self
    }

    /// The shortest delay (also the delay once the estimate says "done").
    pub fn min(mut self, value: Duration) -> Self {
        self.min = value;
        self
    }

    /// The longest delay.
    pub fn max(mut self, value: Duration) -> Self {
        self.max = value;
        self
    }

    /// Far from the end, ask again after this fraction of the estimated
    /// remaining time, to correct the estimate.
    pub fn approach(mut self, value: f64) -> Self {
        self.approach = value;
        self
    }

    /// Added to the estimated finish time when it is close.
    pub fn margin(mut self, value: Duration) -> Self {
        self.margin = value;
        self
    }
}

impl Default for AdaptiveBackoff {
    fn default() -> Self {
        AdaptiveBackoff {
            without_progress: ExponentialBackoff {
                initial: Duration::from_secs(10),
                multiplier: 2.0,
                max: Duration::from_secs(30),
            },
            probe: Duration::from_secs(10),
            min: Duration::from_secs(2),
            max: Duration::from_secs(180),
            approach: 0.8,
            margin: Duration::from_millis(500),
        }
    }
}

/// The readings a policy can use: finite percents, clamped to 0-100.
fn usable(
    samples: &[ProgressSample],
) -> impl DoubleEndedIterator<Item = ProgressSample> + Clone + '_ {
    samples
        .iter()
        .filter(|s| s.percent.is_finite())
        .map(|s| ProgressSample {
            at: s.at,
            percent: s.percent.clamp(0.0, 100.0),
        })
}

impl AdaptiveBackoff {
    /// Estimated seconds until 100 % after the latest reading, from the rate
    /// since progress first moved; `None` without two readings that show
    /// progress moving forward in time. Always finite and non-negative.
    pub fn estimate_remaining(samples: &[ProgressSample]) -> Option<f64> {
        let readings = usable(samples);
        let last = readings.clone().last()?;
        let first = readings
            .clone()
            .find(|s| s.percent < last.percent && s.at < last.at)?;
        let dt = last.at.checked_sub(first.at)?.as_secs_f64();
        let dp = last.percent - first.percent;
        let rate = dp / dt;
        if !(rate.is_finite() && rate > 0.0) {
            return None;
        }
        let remaining = (100.0 - last.percent) / rate;
        remaining.is_finite().then_some(remaining.max(0.0))
    }

    /// The bounds every delay lies in.
    fn bounds(&self) -> (Duration, Duration) {
        (self.min, self.max.max(self.min))
    }
}

impl PollingBackoff for AdaptiveBackoff {
    fn next_delay(&self, ctx: &PollContext<'_>) -> Duration {
        let (lo, hi) = self.bounds();
        let readings = usable(ctx.progress);
        let mut recent = readings.clone().rev();
        let delay = match (recent.next(), recent.next()) {
            // 1. Nothing reported yet.
            (None, _) => self.without_progress.delay_for(ctx.polls),
            // 2. Progress just started.
            (Some(_), None) => self.probe,
            // 4. Stalled (or gone backwards): grow the last interval.
            (Some(last), Some(before)) if last.percent <= before.percent => {
                let interval = last.at.saturating_sub(before.at);
                let grown = grow(interval, self.without_progress.multiplier.max(1.0));
                grown.min(self.without_progress.max).max(interval)
            }
            // 3. Moving: near the estimated finish.
            (Some(last), Some(_)) => match Self::estimate_remaining(ctx.progress) {
                Some(secs) => {
                    let remaining = Duration::try_from_secs_f64(secs)
                        .unwrap_or(Duration::MAX)
                        // Time since that reading (a later read failed).
                        .saturating_sub(ctx.elapsed.saturating_sub(last.at));
                    if remaining <= self.min.saturating_mul(4) {
                        remaining.saturating_add(self.margin)
                    } else {
                        scale(remaining, self.approach)
                    }
                }
                // Readings out of time order: measure again.
                None => self.probe,
            },
        };
        delay.clamp(lo, hi)
    }
}

/// Which errors a wait rides through, and how long it may take.
#[derive(Debug, Clone, PartialEq)]
pub struct PollingErrorPolicy {
    /// Transient errors (429, 5xx, timeouts, resets) tolerated in a row.
    /// Default 8.
    pub(crate) attempt_limit: u32,
    /// The deadline of a whole wait: past it, [`Error::JobDeadline`] reports
    /// the time spent and the reads made. Default 30 minutes.
    pub(crate) time_limit: Duration,
}

impl PollingErrorPolicy {
    /// Transient errors (429, 5xx, timeouts, resets) tolerated in a row.
    /// Default 8.
    pub fn attempt_limit(mut self, value: u32) -> Self {
        self.attempt_limit = value;
        self
    }

    /// The deadline of a whole wait: past it, [`Error::JobDeadline`] reports
    /// the time spent and the reads made. Default 30 minutes.
    pub fn time_limit(mut self, value: Duration) -> Self {
        self.time_limit = value;
        self
    }
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

    fn s(at: u64, percent: f64) -> ProgressSample {
        ProgressSample {
            at: Duration::from_secs(at),
            percent,
        }
    }

    #[test]
    fn exponential_saturates_instead_of_panicking() {
        let p = ExponentialBackoff {
            initial: Duration::from_secs(3),
            multiplier: 2.0,
            max: Duration::MAX,
        };
        // 3 s × 2^63 and beyond overflow a Duration: saturated, not a panic.
        assert_eq!(p.delay_for(63), Duration::MAX);
        assert_eq!(p.delay_for(u32::MAX), Duration::MAX);
        let nan = ExponentialBackoff {
            multiplier: f64::NAN,
            ..p
        };
        assert_eq!(nan.delay_for(1000), Duration::from_secs(3));
        let zero = ExponentialBackoff {
            initial: Duration::ZERO,
            multiplier: f64::INFINITY,
            max: Duration::from_secs(30),
        };
        assert_eq!(zero.delay_for(5), Duration::ZERO);
    }

    #[test]
    fn adaptive_schedules_near_the_estimated_finish() {
        let p = AdaptiveBackoff::default();
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
        // The same, but a read at 103 s failed: 2 s left, plus the margin.
        assert_eq!(
            p.next_delay(&ctx(6, 103, &samples)),
            Duration::from_millis(2500)
        );
    }

    #[test]
    fn adaptive_without_progress_backs_off_into_10_to_30_s() {
        let p = AdaptiveBackoff::default();
        let d: Vec<u64> = (0..7)
            .map(|n| p.next_delay(&ctx(n, 0, &[])).as_millis() as u64)
            .collect();
        assert_eq!(d, vec![10000, 20000, 30000, 30000, 30000, 30000, 30000]);
        // Readings that carry no usable percent count as none.
        let junk = [s(10, f64::NAN), s(20, f64::INFINITY)];
        assert_eq!(p.next_delay(&ctx(6, 20, &junk)), Duration::from_secs(30));
    }

    #[test]
    fn adaptive_probes_after_the_first_reading() {
        let p = AdaptiveBackoff::default();
        assert_eq!(
            p.next_delay(&ctx(6, 80, &[s(80, 3.0)])),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn adaptive_stalled_progress_backs_off_toward_30_s() {
        let p = AdaptiveBackoff::default();
        // 99 % twice, 2 s apart: 4 s, not the 2 s floor forever.
        let samples = [s(0, 50.0), s(98, 99.0), s(100, 99.0)];
        assert_eq!(p.next_delay(&ctx(9, 100, &samples)), Duration::from_secs(4));
        // Still 99 % 4 s later: 8 s; and so on up to 30 s.
        let samples = [s(0, 50.0), s(98, 99.0), s(100, 99.0), s(104, 99.0)];
        assert_eq!(
            p.next_delay(&ctx(10, 104, &samples)),
            Duration::from_secs(8)
        );
        let samples = [s(0, 50.0), s(100, 99.0), s(125, 99.0)];
        assert_eq!(
            p.next_delay(&ctx(10, 125, &samples)),
            Duration::from_secs(30)
        );
        // Never below where it was: 60 s without change stays at 60 s.
        let samples = [s(0, 10.0), s(40, 20.0), s(100, 20.0)];
        assert_eq!(
            p.next_delay(&ctx(10, 100, &samples)),
            Duration::from_secs(60)
        );
        // Gone backwards counts as stalled too.
        let samples = [s(0, 10.0), s(10, 40.0), s(14, 30.0)];
        assert_eq!(p.next_delay(&ctx(3, 14, &samples)), Duration::from_secs(8));
    }

    #[test]
    fn adaptive_estimate_ignores_unusable_readings() {
        // Out-of-order times, NaN, inf: no estimate, and no panic.
        assert_eq!(
            AdaptiveBackoff::estimate_remaining(&[s(100, 10.0), s(50, 20.0)]),
            None
        );
        assert_eq!(
            AdaptiveBackoff::estimate_remaining(&[s(0, f64::NAN), s(10, f64::INFINITY)]),
            None
        );
        // Above 100 counts as 100: nothing left.
        assert_eq!(
            AdaptiveBackoff::estimate_remaining(&[s(0, 50.0), s(10, 250.0)]),
            Some(0.0)
        );
        // A tiny rate gives a finite, huge estimate: capped at `max`.
        let tiny = [
            ProgressSample {
                at: Duration::ZERO,
                percent: 0.0,
            },
            ProgressSample {
                at: Duration::from_secs(1_000_000_000),
                percent: 1e-10,
            },
        ];
        let p = AdaptiveBackoff::default();
        let delay = p.next_delay(&PollContext {
            polls: 2,
            elapsed: Duration::from_secs(1_000_000_000),
            progress: &tiny,
        });
        assert_eq!(delay, p.max);
    }

    #[test]
    fn adaptive_max_below_min_counts_as_min() {
        let p = AdaptiveBackoff {
            min: Duration::from_secs(10),
            max: Duration::from_secs(1),
            ..AdaptiveBackoff::default()
        };
        assert_eq!(p.next_delay(&ctx(0, 0, &[])), Duration::from_secs(10));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn duration() -> impl Strategy<Value = Duration> {
            prop_oneof![
                Just(Duration::ZERO),
                Just(Duration::MAX),
                (0u64..100_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
                any::<u64>().prop_map(Duration::from_secs),
                (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
            ]
        }

        fn float() -> impl Strategy<Value = f64> {
            prop_oneof![
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(0.0),
                Just(-0.0),
                Just(f64::MAX),
                Just(f64::MIN_POSITIVE),
                -1e3f64..1e3,
                any::<f64>(),
            ]
        }

        fn polls() -> impl Strategy<Value = u32> {
            prop_oneof![
                Just(u32::MAX),
                Just(62u32),
                Just(63),
                Just(64),
                any::<u32>(),
                0u32..100
            ]
        }

        fn samples() -> impl Strategy<Value = Vec<ProgressSample>> {
            proptest::collection::vec(
                (duration(), float()).prop_map(|(at, percent)| ProgressSample { at, percent }),
                0..8,
            )
        }

        fn exponential() -> impl Strategy<Value = ExponentialBackoff> {
            (duration(), float(), duration()).prop_map(|(initial, multiplier, max)| {
                ExponentialBackoff {
                    initial,
                    multiplier,
                    max,
                }
            })
        }

        proptest! {
            #[test]
            fn exponential_stays_in_its_bounds(p in exponential(), n in polls()) {
                let d = p.delay_for(n);
                prop_assert!(d <= p.max, "{d:?} > max {:?}", p.max);
                prop_assert!(d >= p.initial.min(p.max), "{d:?} < initial {:?}", p.initial);
                prop_assert_eq!(d, p.next_delay(&PollContext {
                    polls: n,
                    elapsed: Duration::MAX,
                    progress: &[],
                }));
            }

            #[test]
            fn exponential_never_shrinks(p in exponential(), n in 0u32..u32::MAX) {
                prop_assert!(p.delay_for(n + 1) >= p.delay_for(n));
            }

            #[test]
            fn adaptive_stays_in_its_bounds(
                without_progress in exponential(),
                probe in duration(),
                min in duration(),
                max in duration(),
                approach in float(),
                margin in duration(),
                n in polls(),
                elapsed in duration(),
                progress in samples(),
            ) {
                let p = AdaptiveBackoff { without_progress, probe, min, max, approach, margin };
                let d = p.next_delay(&PollContext { polls: n, elapsed, progress: &progress });
                prop_assert!(d >= min, "{d:?} < min {min:?}");
                prop_assert!(d <= max.max(min), "{d:?} > max {max:?}");
            }

            #[test]
            fn default_adaptive_stays_in_its_bounds(
                n in polls(),
                elapsed in duration(),
                progress in samples(),
            ) {
                let p = AdaptiveBackoff::default();
                let d = p.next_delay(&PollContext { polls: n, elapsed, progress: &progress });
                prop_assert!(d >= p.min && d <= p.max, "{d:?}");
            }

            #[test]
            fn estimate_is_finite_and_non_negative(progress in samples()) {
                if let Some(secs) = AdaptiveBackoff::estimate_remaining(&progress) {
                    prop_assert!(secs.is_finite() && secs >= 0.0, "{secs}");
                }
            }

            #[test]
            fn stalled_never_drops_below_the_last_interval(
                at in 0u64..100_000,
                gap in 0u64..1_000,
                percent in 0.0f64..=100.0,
            ) {
                // Two equal readings `gap` s apart, after a lower one.
                let p = AdaptiveBackoff::default();
                let progress = [
                    ProgressSample { at: Duration::ZERO, percent: 0.0 },
                    ProgressSample { at: Duration::from_secs(at), percent },
                    ProgressSample { at: Duration::from_secs(at + gap), percent },
                ];
                let d = p.next_delay(&PollContext {
                    polls: 3,
                    elapsed: Duration::from_secs(at + gap),
                    progress: &progress,
                });
                let interval = Duration::from_secs(gap);
                prop_assert!(d >= interval.clamp(p.min, p.max), "{d:?} < {interval:?}");
                prop_assert!(d <= interval.max(p.without_progress.max).clamp(p.min, p.max));
            }
        }
    }
}
