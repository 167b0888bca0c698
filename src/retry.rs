//! The retry policy: which failures are re-sent, and when.

use std::time::Duration;

/// Which failures to re-send, how often, and how long to wait.
///
/// | failure | GET, DELETE | POST, PUT |
/// |---|---|---|
/// | connection could not be made (nothing sent) | retried | retried |
/// | `429` (nothing processed) | retried after `Retry-After` | retried after `Retry-After` |
/// | `500`, `502`, `503`, `504` | retried | [`Error::PossiblyProcessed`](crate::Error::PossiblyProcessed) |
/// | timeout or reset after sending | retried | [`Error::PossiblyProcessed`](crate::Error::PossiblyProcessed) |
/// | any other status | returned | returned |
///
/// A proxy's 5xx can come after it forwarded the request, so a POST or PUT
/// that may have reached Pictory is never re-sent: check before retrying.
/// A `Retry-After` longer than [`max_retry_after`](Self::max_retry_after),
/// or one that would pass the caller's deadline, is returned as
/// [`Error::RateLimited`](crate::Error::RateLimited) at once.
///
/// Waits use exponential backoff with full jitter: before retry `n` the
/// client sleeps a random time in `[0, min(max_backoff, initial_backoff × 2^(n-1))]`.
/// All time arithmetic saturates: no input makes the policy panic.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries). Default 4.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry. Default 500 ms.
    pub initial_backoff: Duration,
    /// The largest backoff ceiling. Default 8 s.
    pub max_backoff: Duration,
    /// The longest `Retry-After` the client waits out by itself; a longer
    /// one is returned as [`Error::RateLimited`](crate::Error::RateLimited).
    /// Default 60 s.
    pub max_retry_after: Duration,
    /// No retry starts once this much time has passed since the first
    /// attempt. Default 120 s.
    pub total_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            total_budget: Duration::from_secs(120),
        }
    }
}

/// What the clones of one [`Client`](crate::Client) do together when
/// LowCodeAPI or Pictory answers `429 Too Many Requests`.
///
/// With [`shared`](Self::shared) on (the default), one 429 pauses the new
/// requests of every flow sharing the client for the `Retry-After` time
/// ([`default_pause`](Self::default_pause) when absent; `Retry-After: 0`
/// asks for no pause, and one longer than
/// [`RetryPolicy::max_retry_after`] pauses nobody — each request meeting
/// it is returned as [`Error::RateLimited`](crate::Error::RateLimited)). From then on the
/// client paces its requests: the pause ends with requests released one
/// by one (spaced, the first at a random point of the first gap), not all
/// at once; each further 429 cuts both the pace and the number of
/// requests in flight by [`decrease`](Self::decrease); every answer that
/// is not a 429 lets them grow back by [`recovery`](Self::recovery). A 429
/// answering a request sent before the last cut does not cut again (it
/// was already accounted for). Before the first 429 only the start-up
/// ramp ([`initial_in_flight`](Self::initial_in_flight)) limits.
///
/// Only requests to LowCodeAPI are gated (not the signed-URL upload).
/// Which requests are re-sent after a 429 is still [`RetryPolicy`]'s call.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitPolicy {
    /// Share what a 429 says between all requests of the client. When
    /// false, each request waits out its own 429 alone. Default true.
    pub shared: bool,
    /// The pause after a 429 without `Retry-After`. Default 1 s.
    pub default_pause: std::time::Duration,
    /// Multiplies the pace (requests per second) and the in-flight limit
    /// at each new 429; clamped to `[0.1, 0.95]`. Default 0.85.
    pub decrease: f64,
    /// How fast the pace grows back: about this fraction per second of
    /// answers without a 429 (and the in-flight limit by one per limit's
    /// worth of answers); clamped to `[0.001, 1]`. Default 0.03.
    pub recovery: f64,
    /// The start-up ramp: before any 429, at most this many requests in
    /// flight at first, doubling every 100 ms while more are waiting
    /// (32, 64, ... lifted past 4096 — about 0.7 s of a large burst), so a
    /// large batch started at once meets an unknown limit with a few
    /// requests, not all of them. 0 turns the ramp off. Default 32.
    pub initial_in_flight: usize,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        RateLimitPolicy {
            shared: true,
            default_pause: std::time::Duration::from_secs(1),
            decrease: 0.85,
            recovery: 0.03,
            initial_in_flight: 32,
        }
    }
}

impl RateLimitPolicy {
    /// Each request waits out its own 429 alone (nothing shared, nothing
    /// paced): the behaviour of a client without shared back-off.
    pub fn per_request() -> Self {
        RateLimitPolicy {
            shared: false,
            ..Self::default()
        }
    }
}

/// What went wrong with one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttemptFailure {
    /// An HTTP status the policy may retry, with any `Retry-After`.
    Status(u16, Option<Duration>),
    /// The connection could not be made: nothing was sent.
    ConnectFailed,
    /// Timed out, or the connection broke after the request was written.
    MaybeSent,
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// How long to wait before attempt `attempt + 1`, or `None` to stop.
    /// `elapsed` is the time since the first attempt; `jitter` is a number
    /// in `[0, 1)` (random in the client, fixed in tests).
    pub(crate) fn next_delay(
        &self,
        idempotent: bool,
        failure: AttemptFailure,
        attempt: u32,
        elapsed: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let retryable = match failure {
            AttemptFailure::Status(429, _) => true,
            AttemptFailure::Status(500 | 502 | 503 | 504, _) => idempotent,
            AttemptFailure::Status(..) => false,
            AttemptFailure::ConnectFailed => true,
            AttemptFailure::MaybeSent => idempotent,
        };
        if !retryable {
            return None;
        }
        let delay = match failure {
            AttemptFailure::Status(429, Some(after)) => {
                if after > self.max_retry_after {
                    return None;
                }
                after
            }
            _ => {
                let jitter = if jitter.is_finite() {
                    jitter.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                scale(self.backoff_ceiling(attempt), jitter)
            }
        };
        if elapsed.saturating_add(delay) > self.total_budget {
            return None;
        }
        Some(delay)
    }

    /// The backoff ceiling before retry number `retry` (1-based).
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 2f64.powi(retry.saturating_sub(1).min(64) as i32);
        scale(self.initial_backoff, factor).min(self.max_backoff)
    }
}

/// `d × factor`, saturating at `Duration::MAX`; a NaN or negative factor
/// counts as 0.
pub(crate) fn scale(d: Duration, factor: f64) -> Duration {
    if factor.is_nan() || factor <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_is_not_resent_after_it_may_have_arrived() {
        let p = RetryPolicy::default();
        let z = Duration::ZERO;
        assert_eq!(
            p.next_delay(false, AttemptFailure::MaybeSent, 1, z, 0.5),
            None
        );
        assert_eq!(
            p.next_delay(false, AttemptFailure::Status(500, None), 1, z, 0.5),
            None
        );
        assert_eq!(
            p.next_delay(false, AttemptFailure::Status(504, None), 1, z, 0.5),
            None
        );
        assert!(
            p.next_delay(false, AttemptFailure::ConnectFailed, 1, z, 0.5)
                .is_some()
        );
        assert_eq!(
            p.next_delay(false, AttemptFailure::Status(503, None), 1, z, 0.5),
            None
        );
        assert!(
            p.next_delay(false, AttemptFailure::Status(429, None), 1, z, 0.5)
                .is_some()
        );
        assert!(
            p.next_delay(true, AttemptFailure::MaybeSent, 1, z, 0.5)
                .is_some()
        );
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default();
        let z = Duration::ZERO;
        let s = |n| Some(Duration::from_secs(n));
        assert_eq!(
            p.next_delay(false, AttemptFailure::Status(429, s(7)), 1, z, 0.0),
            s(7)
        );
        assert_eq!(
            p.next_delay(false, AttemptFailure::Status(429, s(61)), 1, z, 0.0),
            None
        );
        // Budget: 115 s elapsed + 7 s wait > 120 s.
        assert_eq!(
            p.next_delay(
                false,
                AttemptFailure::Status(429, s(7)),
                1,
                Duration::from_secs(115),
                0.0
            ),
            None
        );
    }

    #[test]
    fn attempts_are_bounded_and_backoff_grows_to_a_cap() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.next_delay(true, AttemptFailure::ConnectFailed, 4, Duration::ZERO, 0.5),
            None
        );
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(500));
        assert_eq!(p.backoff_ceiling(3), Duration::from_secs(2));
        assert_eq!(p.backoff_ceiling(10), Duration::from_secs(8));
        let d = p.next_delay(true, AttemptFailure::ConnectFailed, 2, Duration::ZERO, 0.5);
        assert_eq!(d, Some(Duration::from_millis(500)));
    }
}
