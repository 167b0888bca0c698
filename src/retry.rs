//! The retry policy: which failures are re-sent, and when. A failure is
//! classified once, into an [`Error`] (the pipeline's `classify`); which
//! errors are re-sent is a [`RetryRule`] reading that error's predicates,
//! and how long to wait is the [`RetryPolicy`]'s backoff.

use crate::error::Error;
use std::sync::Arc;
use std::time::Duration;

/// Decides whether a failed attempt may be sent again, from its classified
/// [`Error`]. [`DefaultRetryRule`] is the crate's table; plug your own in
/// with [`RetryPolicy::rule`] (for example, to never re-send a 5xx even to
/// a read).
pub trait RetryRule: Send + Sync + std::fmt::Debug {
    /// Whether the attempt that failed with `error` may be sent again;
    /// `idempotent` is true for GET-like operations (GET, DELETE, HEAD,
    /// OPTIONS), false for POST and PUT, which may start work at Pictory.
    fn may_retry(&self, error: &Error, idempotent: bool) -> bool;
}

/// The crate's retry table, read off the error's predicates:
///
/// | failure | GET, DELETE | POST, PUT |
/// |---|---|---|
/// | connection could not be made (nothing sent) | retried | retried |
/// | `429` (nothing processed) | retried after `Retry-After` | retried after `Retry-After` |
/// | `500`, `502`, `503`, `504` | retried | [`Error::PossiblyProcessed`] |
/// | timeout or reset after sending | retried | [`Error::PossiblyProcessed`] |
/// | any other status | returned | returned |
///
/// In words: an error that [`is_transient`](Error::is_transient) is
/// re-sent, unless the request is not idempotent and
/// [`may_have_been_processed`](Error::may_have_been_processed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefaultRetryRule;

impl RetryRule for DefaultRetryRule {
    fn may_retry(&self, error: &Error, idempotent: bool) -> bool {
        error.is_transient() && (idempotent || !error.may_have_been_processed())
    }
}

/// Which failures to re-send, how often, and how long to wait: a
/// [`RetryRule`] ([`DefaultRetryRule`]: see its table) and the limits
/// below.
///
/// A proxy's 5xx can come after it forwarded the request, so a POST or PUT
/// that may have reached Pictory is never re-sent: check before retrying.
/// A `Retry-After` longer than [`max_retry_after`](Self::max_retry_after),
/// or one that would pass the caller's deadline, is returned as
/// [`Error::RateLimited`] at once.
///
/// Waits use exponential backoff with full jitter: before retry `n` the
/// client sleeps a random time in `[0, min(max_backoff, initial_backoff × 2^(n-1))]`.
/// All time arithmetic saturates: no input makes the policy panic.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries). Default 4.
    pub(crate) max_attempts: u32,
    /// The backoff ceiling before the first retry. Default 500 ms.
    pub(crate) initial_backoff: Duration,
    /// The largest backoff ceiling. Default 8 s.
    pub(crate) max_backoff: Duration,
    /// The longest `Retry-After` the client waits out by itself; a longer
    /// one is returned as [`Error::RateLimited`](crate::Error::RateLimited).
    /// Default 60 s.
    pub(crate) max_retry_after: Duration,
    /// No retry starts once this much time has passed since the first
    /// attempt. Default 120 s.
    pub(crate) total_budget: Duration,
    /// Which failures may be re-sent. Default [`DefaultRetryRule`].
    pub(crate) rule: Arc<dyn RetryRule>,
}

impl RetryPolicy {
    /// Attempts in all, the first included (1 disables retries). Default 4.
    pub fn max_attempts(mut self, value: u32) -> Self {
        self.max_attempts = value;
        self
    }

    /// The backoff ceiling before the first retry. Default 500 ms.
    pub fn initial_backoff(mut self, value: Duration) -> Self {
        self.initial_backoff = value;
        self
    }

    /// The largest backoff ceiling. Default 8 s.
    pub fn max_backoff(mut self, value: Duration) -> Self {
        self.max_backoff = value;
        self
    }

    /// The longest `Retry-After` the client waits out by itself; a longer
    /// one is returned as [`Error::RateLimited`](crate::Error::RateLimited).
    /// Default 60 s.
    pub fn max_retry_after(mut self, value: Duration) -> Self {
        self.max_retry_after = value;
        self
    }

    /// No retry starts once this much time has passed since the first
    /// attempt. Default 120 s.
    pub fn total_budget(mut self, value: Duration) -> Self {
        self.total_budget = value;
        self
    }
}

impl PartialEq for RetryPolicy {
    /// The limits are equal and the rule is the same object.
    fn eq(&self, other: &Self) -> bool {
        self.max_attempts == other.max_attempts
            && self.initial_backoff == other.initial_backoff
            && self.max_backoff == other.max_backoff
            && self.max_retry_after == other.max_retry_after
            && self.total_budget == other.total_budget
            && std::ptr::addr_eq(Arc::as_ptr(&self.rule), Arc::as_ptr(&other.rule))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            total_budget: Duration::from_secs(120),
            rule: Arc::new(DefaultRetryRule),
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
    pub(crate) shared: bool,
    /// The pause after a 429 without `Retry-After`. Default 1 s.
    pub(crate) default_pause: std::time::Duration,
    /// Multiplies the pace (requests per second) and the in-flight limit
    /// at each new 429; clamped to `[0.1, 0.95]`. Default 0.85.
    pub(crate) decrease: f64,
    /// How fast the pace grows back: about this fraction per second of
    /// answers without a 429 (and the in-flight limit by one per limit's
    /// worth of answers); clamped to `[0.001, 1]`. Default 0.03.
    pub(crate) recovery: f64,
    /// The start-up ramp: before any 429, at most this many requests in
    /// flight at first, doubling every 100 ms while more are waiting
    /// (32, 64, ... lifted past 4096 — about 0.7 s of a large burst), so a
    /// large batch started at once meets an unknown limit with a few
    /// requests, not all of them. 0 turns the ramp off. Default 32.
    pub(crate) initial_in_flight: usize,
}

impl RateLimitPolicy {
    /// Share what a 429 says between all requests of the client. When
    /// false, each request waits out its own 429 alone. Default true.
    pub fn shared(mut self, value: bool) -> Self {
        self.shared = value;
        self
    }

    /// The pause after a 429 without `Retry-After`. Default 1 s.
    pub fn default_pause(mut self, value: std::time::Duration) -> Self {
        self.default_pause = value;
        self
    }

    /// Multiplies the pace (requests per second) and the in-flight limit
    /// at each new 429; clamped to `[0.1, 0.95]`. Default 0.85.
    pub fn decrease(mut self, value: f64) -> Self {
        self.decrease = value;
        self
    }

    /// How fast the pace grows back: about this fraction per second of
    /// answers without a 429 (and the in-flight limit by one per limit's
    /// worth of answers); clamped to `[0.001, 1]`. Default 0.03.
    pub fn recovery(mut self, value: f64) -> Self {
        self.recovery = value;
        self
    }

    /// The start-up ramp: before any 429, at most this many requests in
    /// flight at first, doubling every 100 ms while more are waiting
    /// (32, 64, ... lifted past 4096 — about 0.7 s of a large burst), so a
    /// large batch started at once meets an unknown limit with a few
    /// requests, not all of them. 0 turns the ramp off. Default 32.
    pub fn initial_in_flight(mut self, value: usize) -> Self {
        self.initial_in_flight = value;
        self
    }
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

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Uses `rule` to decide which failures may be re-sent.
    pub fn rule(mut self, rule: impl RetryRule + 'static) -> Self {
        self.rule = Arc::new(rule);
        self
    }

    /// How long to wait before attempt `attempt + 1` after attempt
    /// `attempt` failed with `error`, or `None` to stop and return it.
    /// `elapsed` is the time since the first attempt; `jitter` is a number
    /// in `[0, 1)` (random in the client, fixed in tests).
    pub(crate) fn next_delay(
        &self,
        error: &Error,
        idempotent: bool,
        attempt: u32,
        elapsed: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts || !self.rule.may_retry(error, idempotent) {
            return None;
        }
        let delay = match error.retry_after() {
            Some(after) => {
                if after > self.max_retry_after {
                    return None;
                }
                after
            }
            None => {
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
    use crate::pipeline::attempt::Failure;
    use crate::pipeline::classify::{Context, Misses, failure_error, status_error};

    fn ctx(idempotent: bool) -> Context<'static> {
        Context {
            operation: "op",
            idempotent,
            attempts: 1,
            misses: Misses::default(),
            host: Some(crate::pipeline::Host::LowCodeApi),
            job: None,
        }
    }

    /// The classified error of a status answer (`pictory`: it reached
    /// Pictory; a 404 that did not is a routing miss).
    fn status(idempotent: bool, code: u16, after: Option<u64>, pictory: bool) -> Error {
        let body = br#"{"success": false, "error": {"error_message": "x", "error_code": 1}}"#;
        status_error(
            &ctx(idempotent),
            code,
            after.map(Duration::from_secs),
            body,
            pictory,
        )
    }

    fn failed(idempotent: bool, maybe_sent: bool, timed_out: bool) -> Error {
        let failure = Failure {
            maybe_sent,
            timed_out,
            message: "m".into(),
            source: None,
        };
        failure_error(&ctx(idempotent), &failure)
    }

    /// Every method × failure kind, classified then decided: the retry
    /// table, case by case.
    #[test]
    fn the_retry_table_case_by_case() {
        let p = RetryPolicy::default();
        let z = Duration::ZERO;
        // (failure, GET re-sent, POST re-sent)
        type Case = (&'static str, fn(bool) -> Error, bool, bool);
        let cases: [Case; 16] = [
            ("connect failed", |i| failed(i, false, false), true, true),
            ("connect timed out", |i| failed(i, false, true), true, true),
            (
                "reset after sending",
                |i| failed(i, true, false),
                true,
                false,
            ),
            (
                "timed out after sending",
                |i| failed(i, true, true),
                true,
                false,
            ),
            ("429", |i| status(i, 429, None, true), true, true),
            (
                "429 Retry-After 7",
                |i| status(i, 429, Some(7), true),
                true,
                true,
            ),
            (
                "429 Retry-After 61",
                |i| status(i, 429, Some(61), true),
                false,
                false,
            ),
            ("500", |i| status(i, 500, None, true), true, false),
            ("502", |i| status(i, 502, None, false), true, false),
            ("503", |i| status(i, 503, None, false), true, false),
            ("504", |i| status(i, 504, None, false), true, false),
            ("501", |i| status(i, 501, None, true), false, false),
            ("400", |i| status(i, 400, None, true), false, false),
            ("401", |i| status(i, 401, None, true), false, false),
            (
                "404 from Pictory",
                |i| status(i, 404, None, true),
                false,
                false,
            ),
            ("409", |i| status(i, 409, None, true), false, false),
        ];
        for (name, error, get, post) in cases {
            for (idempotent, expected) in [(true, get), (false, post)] {
                let e = error(idempotent);
                let decided = p.next_delay(&e, idempotent, 1, z, 0.5).is_some();
                assert_eq!(decided, expected, "{name}, idempotent {idempotent}: {e:?}");
                // Whatever is not re-sent to a POST that may have arrived
                // says so in its type.
                if !idempotent && e.may_have_been_processed() {
                    assert!(!decided, "{name}");
                }
            }
        }
        // A POST that met a 5xx, a reset or a timeout after sending is
        // `PossiblyProcessed`, never `Server`.
        for e in [
            status(false, 503, None, false),
            failed(false, true, false),
            failed(false, true, true),
        ] {
            assert!(matches!(e, Error::PossiblyProcessed { .. }), "{e:?}");
            assert!(e.may_have_been_processed() && !e.is_transient() && !e.nothing_was_sent());
        }
        assert!(failed(false, false, false).nothing_was_sent());
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default();
        let z = Duration::ZERO;
        let s = |n| Some(Duration::from_secs(n));
        let e = |after| status(false, 429, Some(after), true);
        assert_eq!(p.next_delay(&e(7), false, 1, z, 0.0), s(7));
        // Exactly the cap is waited out; one second more is not.
        assert_eq!(p.next_delay(&e(60), false, 1, z, 0.0), s(60));
        assert_eq!(p.next_delay(&e(61), false, 1, z, 0.0), None);
        // Budget: 115 s elapsed + 7 s wait > 120 s; landing exactly on it is allowed.
        assert_eq!(
            p.next_delay(&e(7), false, 1, Duration::from_secs(115), 0.0),
            None
        );
        assert_eq!(
            p.next_delay(&e(7), false, 1, Duration::from_secs(113), 0.0),
            s(7)
        );
    }

    #[test]
    fn attempts_are_bounded_and_backoff_grows_to_a_cap() {
        let p = RetryPolicy::default();
        let connect = failed(true, false, false);
        assert_eq!(p.next_delay(&connect, true, 4, Duration::ZERO, 0.5), None);
        assert!(
            p.next_delay(&connect, true, 3, Duration::ZERO, 0.5)
                .is_some()
        );
        assert_eq!(
            RetryPolicy::none().next_delay(&connect, true, 1, Duration::ZERO, 0.5),
            None
        );
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(500));
        assert_eq!(p.backoff_ceiling(3), Duration::from_secs(2));
        assert_eq!(p.backoff_ceiling(10), Duration::from_secs(8));
        let d = p.next_delay(&connect, true, 2, Duration::ZERO, 0.5);
        assert_eq!(d, Some(Duration::from_millis(500)));
        // A NaN jitter is 0, never a panic or Duration::MAX.
        assert_eq!(
            p.next_delay(&connect, true, 2, Duration::ZERO, f64::NAN),
            Some(Duration::ZERO)
        );
        assert_eq!(scale(Duration::from_secs(1), f64::NAN), Duration::ZERO);
    }

    /// A plugged-in rule is what the policy reads.
    #[test]
    fn a_plugged_rule_decides() {
        #[derive(Debug)]
        struct NeverServerErrors;
        impl RetryRule for NeverServerErrors {
            fn may_retry(&self, error: &Error, idempotent: bool) -> bool {
                !matches!(error, Error::Server { .. })
                    && DefaultRetryRule.may_retry(error, idempotent)
            }
        }
        let p = RetryPolicy::default().rule(NeverServerErrors);
        let z = Duration::ZERO;
        assert_eq!(
            p.next_delay(&status(true, 503, None, false), true, 1, z, 0.5),
            None
        );
        assert!(
            p.next_delay(&failed(true, false, false), true, 1, z, 0.5)
                .is_some()
        );
    }

    /// Each builder sets its own limit and nothing else.
    #[test]
    fn the_builders_set_what_they_name() {
        let ms = Duration::from_millis;
        let p = RetryPolicy::default()
            .max_attempts(7)
            .initial_backoff(ms(11))
            .max_backoff(ms(13))
            .max_retry_after(ms(17))
            .total_budget(ms(19));
        assert_eq!(p.max_attempts, 7);
        assert_eq!(p.initial_backoff, ms(11));
        assert_eq!(p.max_backoff, ms(13));
        assert_eq!(p.max_retry_after, ms(17));
        assert_eq!(p.total_budget, ms(19));
        assert_eq!(RetryPolicy::none().max_attempts, 1);
        let r = RateLimitPolicy::default()
            .shared(false)
            .default_pause(ms(23))
            .decrease(0.5)
            .recovery(0.25)
            .initial_in_flight(3);
        assert_eq!(
            (
                r.shared,
                r.default_pause,
                r.decrease,
                r.recovery,
                r.initial_in_flight
            ),
            (false, ms(23), 0.5, 0.25, 3)
        );
        let d = RateLimitPolicy::default();
        assert_eq!(
            (
                d.shared,
                d.default_pause,
                d.decrease,
                d.recovery,
                d.initial_in_flight
            ),
            (true, Duration::from_secs(1), 0.85, 0.03, 32)
        );
        assert_eq!(
            RateLimitPolicy::per_request(),
            RateLimitPolicy {
                shared: false,
                ..RateLimitPolicy::default()
            }
        );
    }

    /// Two policies are equal when every limit is and the rule is the same
    /// object; one differing limit, or another rule, makes them differ.
    #[test]
    fn policy_equality_reads_every_limit_and_the_rule() {
        let p = RetryPolicy::default();
        assert_eq!(p, p.clone());
        let ms = Duration::from_millis;
        let changed = [
            p.clone().max_attempts(5),
            p.clone().initial_backoff(ms(1)),
            p.clone().max_backoff(ms(1)),
            p.clone().max_retry_after(ms(1)),
            p.clone().total_budget(ms(1)),
            p.clone().rule(DefaultRetryRule),
        ];
        for other in changed {
            assert_ne!(p, other, "{other:?}");
            assert_ne!(other, p, "{other:?}");
        }
    }

    /// The default rule is exactly: transient, and idempotent or not
    /// possibly processed.
    #[test]
    fn the_default_rule_reads_the_two_predicates() {
        let rule = DefaultRetryRule;
        // Transient and not processed: re-sent to both.
        let connect = failed(false, false, false);
        assert!(rule.may_retry(&connect, true) && rule.may_retry(&connect, false));
        // Transient and possibly processed (a 503 to a read): only reads.
        let server = status(true, 503, None, false);
        assert!(server.is_transient() && server.may_have_been_processed());
        assert!(rule.may_retry(&server, true));
        assert!(!rule.may_retry(&server, false));
        // Not transient: never, whatever the method.
        let bad = status(true, 400, None, true);
        assert!(!rule.may_retry(&bad, true) && !rule.may_retry(&bad, false));
    }

    /// The jitter scales the ceiling: 0 waits nothing, 0.5 half of it,
    /// out-of-range values are clamped; `scale` multiplies.
    #[test]
    fn the_wait_is_the_jittered_ceiling() {
        let p = RetryPolicy::default();
        let connect = failed(true, false, false);
        let z = Duration::ZERO;
        let at = |attempt, jitter| p.next_delay(&connect, true, attempt, z, jitter);
        assert_eq!(at(3, 0.5), Some(Duration::from_secs(1)));
        assert_eq!(at(3, 0.0), Some(Duration::ZERO));
        assert_eq!(at(3, 7.0), Some(Duration::from_secs(2)));
        assert_eq!(at(3, -1.0), Some(Duration::ZERO));
        assert_eq!(
            scale(Duration::from_secs(2), 0.25),
            Duration::from_millis(500)
        );
        assert_eq!(scale(Duration::from_secs(2), 3.0), Duration::from_secs(6));
        assert_eq!(scale(Duration::from_secs(2), -1.0), Duration::ZERO);
        assert_eq!(scale(Duration::MAX, 2.0), Duration::MAX);
    }
}
