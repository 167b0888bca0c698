//! The fault plan in action: one seeded RNG decides, per request, whether a
//! fault hits; 429 and 5xx answer before processing, drop and truncate
//! spoil the answer after it.

use super::config::{FaultPlan, rate};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use std::sync::Mutex;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Processed and answered normally.
    None,
    /// `429` with `Retry-After`, not processed.
    RateLimited,
    /// `502` or `503`, not processed.
    Unavailable(StatusCode),
    /// Processed; the body breaks off half-way.
    Drop,
    /// Processed; half the body with a matching `Content-Length`.
    Truncate,
}

impl Fault {
    /// The counter key (`429`, `5xx`, `drop`, `truncate`), none for [`Fault::None`].
    pub(crate) fn key(self) -> Option<&'static str> {
        match self {
            Fault::None => None,
            Fault::RateLimited => Some("429"),
            Fault::Unavailable(_) => Some("5xx"),
            Fault::Drop => Some("drop"),
            Fault::Truncate => Some("truncate"),
        }
    }
}

/// The plan and its RNG.
#[derive(Debug)]
pub(crate) struct Faults {
    plan: FaultPlan,
    rng: Mutex<fastrand::Rng>,
}

impl Faults {
    pub(crate) fn new(plan: FaultPlan) -> Faults {
        let rng = Mutex::new(fastrand::Rng::with_seed(plan.seed));
        Faults { plan, rng }
    }

    /// Decides the fault for the next request. Two numbers are drawn per
    /// request whenever the plan is active, so the sequence of decisions
    /// depends only on the seed and the number of requests.
    pub(crate) fn decide(&self) -> Fault {
        if !self.plan.is_active() {
            return Fault::None;
        }
        let (roll, pick) = {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            (rng.f64(), rng.bool())
        };
        let mut edge = rate(self.plan.rate_429);
        if roll < edge {
            return Fault::RateLimited;
        }
        edge += rate(self.plan.rate_5xx);
        if roll < edge {
            return Fault::Unavailable(if pick {
                StatusCode::BAD_GATEWAY
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            });
        }
        edge += rate(self.plan.rate_drop);
        if roll < edge {
            return Fault::Drop;
        }
        edge += rate(self.plan.rate_truncate);
        if roll < edge {
            return Fault::Truncate;
        }
        Fault::None
    }

    /// The `Retry-After` value: whole seconds, rounded up.
    pub(crate) fn retry_after(&self) -> HeaderValue {
        let d = self.plan.retry_after;
        let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
        HeaderValue::from(secs)
    }
}

/// Builds the response for a processed request, spoiled by `fault` when it
/// is [`Fault::Drop`] or [`Fault::Truncate`].
pub(crate) fn finish(
    status: StatusCode,
    mut headers: HeaderMap,
    body: Vec<u8>,
    fault: Fault,
) -> Response {
    let full_len = body.len();
    let body = match fault {
        Fault::Drop => {
            // Promise the whole body, send half, then fail the stream:
            // hyper closes the connection mid-body.
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(full_len));
            let half = Bytes::from(body[..full_len / 2].to_vec());
            // The error comes after one `Pending`, so hyper flushes the
            // headers and the first half before it aborts the connection.
            let chunks = futures_util::stream::unfold(0u8, move |step| {
                let half = half.clone();
                async move {
                    match step {
                        0 => Some((Ok(half), 1)),
                        1 => {
                            tokio::task::yield_now().await;
                            let cut = std::io::Error::new(
                                std::io::ErrorKind::ConnectionAborted,
                                "simulated connection drop",
                            );
                            Some((Err::<Bytes, _>(cut), 2))
                        }
                        _ => None,
                    }
                }
            });
            Body::from_stream(chunks)
        }
        Fault::Truncate => {
            let half = body[..full_len / 2].to_vec();
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
            Body::from(half)
        }
        _ => Body::from(body),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(plan: &FaultPlan, n: usize) -> Vec<Fault> {
        let faults = Faults::new(plan.clone());
        (0..n).map(|_| faults.decide()).collect()
    }

    #[test]
    fn same_seed_same_faults() {
        let plan = FaultPlan {
            seed: 7,
            rate_429: 0.2,
            rate_5xx: 0.2,
            rate_drop: 0.1,
            rate_truncate: 0.1,
            ..FaultPlan::default()
        };
        let a = sequence(&plan, 200);
        assert_eq!(a, sequence(&plan, 200));
        assert!(a.contains(&Fault::RateLimited) && a.contains(&Fault::Drop));
        assert!(a.contains(&Fault::Unavailable(StatusCode::BAD_GATEWAY)));
        assert!(a.contains(&Fault::Unavailable(StatusCode::SERVICE_UNAVAILABLE)));
        let other = sequence(&FaultPlan { seed: 8, ..plan }, 200);
        assert_ne!(a, other);
    }

    #[test]
    fn no_plan_no_faults_and_bad_rates_are_clamped() {
        assert!(
            sequence(&FaultPlan::default(), 50)
                .iter()
                .all(|f| *f == Fault::None)
        );
        let plan = FaultPlan {
            rate_429: f64::NAN,
            rate_5xx: 7.0,
            ..FaultPlan::default()
        };
        assert!(
            sequence(&plan, 50)
                .iter()
                .all(|f| matches!(f, Fault::Unavailable(_)))
        );
    }

    #[test]
    fn retry_after_rounds_up() {
        let mut plan = FaultPlan::default();
        assert_eq!(Faults::new(plan.clone()).retry_after(), "0");
        plan.retry_after = std::time::Duration::from_millis(1500);
        assert_eq!(Faults::new(plan).retry_after(), "2");
    }
}
