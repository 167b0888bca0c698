//! An optional per-token rate limit ([`SimConfig::rate_limit`](super::SimConfig::rate_limit)):
//! a token bucket per API token, refilled continuously; a request finding
//! it empty is answered `429` with `Retry-After` (whole seconds until the
//! next request would be let through, at least 1) before anything is
//! processed, and counted in [`Counters::rate_limited`](super::Counters::rate_limited).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Requests per second per API token, with a burst allowance.
///
/// ```
/// use pictory_sim::{RateLimit, SimConfig};
/// let config = SimConfig {
///     rate_limit: Some(RateLimit::per_second(50.0)),
///     ..SimConfig::default()
/// };
/// assert_eq!(config.rate_limit.unwrap().burst, 50.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests let through per second, on average (at least 0.01).
    pub per_second: f64,
    /// Requests let through at once after a quiet time (the bucket's
    /// size; at least 1).
    pub burst: f64,
}

impl RateLimit {
    /// `per_second` requests per second, with a burst of one second's worth.
    pub fn per_second(per_second: f64) -> RateLimit {
        RateLimit {
            per_second,
            burst: per_second,
        }
    }

    fn rate(&self) -> f64 {
        if self.per_second.is_finite() {
            self.per_second.max(0.01)
        } else {
            f64::MAX
        }
    }

    fn size(&self) -> f64 {
        if self.burst.is_finite() {
            self.burst.max(1.0)
        } else {
            f64::MAX
        }
    }
}

/// The buckets, by token.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    limit: Option<RateLimit>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Limiter {
    pub(crate) fn new(limit: Option<RateLimit>) -> Limiter {
        Limiter {
            limit,
            buckets: Mutex::default(),
        }
    }

    /// Lets a request of `token` through, or says how long until one would
    /// be (the `Retry-After`, whole seconds, at least 1).
    pub(crate) fn check(&self, token: &str) -> Result<(), Duration> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let (rate, size) = (limit.rate(), limit.size());
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(token.to_string()).or_insert(Bucket {
            tokens: size,
            at: now,
        });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refill).min(size);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.tokens) / rate;
        Err(Duration::from_secs((wait.ceil() as u64).max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_then_the_rate_per_token() {
        let limiter = Limiter::new(Some(RateLimit {
            per_second: 10.0,
            burst: 5.0,
        }));
        for _ in 0..5 {
            assert_eq!(limiter.check("at_a"), Ok(()));
        }
        assert_eq!(limiter.check("at_a"), Err(Duration::from_secs(1)));
        // Another token has its own bucket.
        assert_eq!(limiter.check("at_b"), Ok(()));
        tokio::time::advance(Duration::from_millis(100)).await;
        assert_eq!(limiter.check("at_a"), Ok(()));
        assert!(limiter.check("at_a").is_err());
        tokio::time::advance(Duration::from_secs(60)).await;
        let through = (0..20).filter(|_| limiter.check("at_a").is_ok()).count();
        assert_eq!(through, 5, "the bucket holds at most the burst");
    }

    #[test]
    fn no_limit_lets_everything_through() {
        let limiter = Limiter::new(None);
        assert!((0..1000).all(|_| limiter.check("at_a").is_ok()));
    }

    #[tokio::test(start_paused = true)]
    async fn slow_rates_advise_longer_waits() {
        let limiter = Limiter::new(Some(RateLimit::per_second(0.25)));
        assert!(limiter.check("at_a").is_ok());
        assert_eq!(limiter.check("at_a"), Err(Duration::from_secs(4)));
    }
}
