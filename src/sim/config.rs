//! What a [`Simulator`](super::Simulator) does: accepted tokens, URL formats,
//! envelope shape, job durations and the fault plan.

use std::time::Duration;

/// Which LowCodeAPI envelope the simulator wraps Pictory's bodies in.
///
/// Both shapes occur in the wild (see `shared/reference/wire-facts.md`); a
/// client must accept either, so run your tests against both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimEnvelope {
    /// LowCodeAPI's provider page: success `{"data": X}`, errors
    /// `{"data": {"error": {"message", "code", ...}}}`.
    Data,
    /// LowCodeAPI's open-source server: success
    /// `{"message": "Request completed", "provider": "pictory", "result": X, "response_headers": {}}`,
    /// errors `{"message", "provider": "pictory", "error": <Pictory's error body>, "headers": {}}`
    /// with the HTTP status Pictory gave. The default.
    #[default]
    Result,
}

/// How long each kind of job runs before it completes (or fails), before
/// [`SimConfig::time_factor`] is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobDurations {
    /// A storyboard (preview) job: `create_storyboard`, `create_video_from_template`. Default 20 s.
    pub storyboard: Duration,
    /// A render job: `render_storyboard`, `render_video`. Default 90 s.
    pub render: Duration,
    /// A transcription job: `create_transcription`. Default 40 s.
    pub transcription: Duration,
    /// A summary job: `create_video_summary`. Default 15 s.
    pub summary: Duration,
}

impl Default for JobDurations {
    fn default() -> Self {
        JobDurations {
            storyboard: Duration::from_secs(20),
            render: Duration::from_secs(90),
            transcription: Duration::from_secs(40),
            summary: Duration::from_secs(15),
        }
    }
}

/// Network trouble to inject, reproducibly: every decision comes from one
/// `fastrand::Rng` seeded with [`seed`](Self::seed), so the same requests in
/// the same order meet the same faults.
///
/// Rates are probabilities in `[0, 1]` per request (values outside are
/// clamped, NaN counts as 0); they are tried in the order 429, 5xx, drop,
/// truncate, and at most one fault hits a request. Faults apply to every
/// operation route (polling with `get_job` included) after the token check,
/// never to the signed-upload `PUT` or the media/asset downloads.
///
/// `FaultPlan::default()` injects nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultPlan {
    /// The seed of the fault RNG (and of the simulator's ids).
    pub seed: u64,
    /// Share of requests answered `429` with a `Retry-After` header, before
    /// anything is processed (nothing is created).
    pub rate_429: f64,
    /// The `Retry-After` sent with an injected 429, in whole seconds
    /// (rounded up; zero is sent as `"0"`).
    pub retry_after: Duration,
    /// Share of requests answered `502` or `503` (the RNG picks), before
    /// anything is processed (nothing is created).
    pub rate_5xx: f64,
    /// Share of requests that ARE processed (a job may be created) whose
    /// response body then breaks off mid-way: the client sees the connection
    /// close before the promised `Content-Length` arrived.
    pub rate_drop: f64,
    /// Share of requests that ARE processed and then answered with their
    /// status and the first half of the JSON body, with a matching
    /// `Content-Length` (the body is complete on the wire but not valid JSON).
    pub rate_truncate: f64,
    /// Delay added before every answer (all routes, faults included).
    pub latency: Duration,
}

impl FaultPlan {
    /// True when the plan can inject something (a rate above zero).
    pub fn is_active(&self) -> bool {
        [
            self.rate_429,
            self.rate_5xx,
            self.rate_drop,
            self.rate_truncate,
        ]
        .iter()
        .any(|r| *r > 0.0)
    }
}

/// Everything a [`Simulator`](super::Simulator) is started with.
///
/// ```
/// use pictory::sim::{SimConfig, SimEnvelope};
/// let config = SimConfig {
///     envelope: SimEnvelope::Data,
///     time_factor: 0.001, // a 90 s render takes 90 ms
///     ..SimConfig::default()
/// };
/// assert_eq!(config.tokens, vec!["sim-token".to_string()]);
/// ```
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Accepted `api_token` query values. A request with none of them gets
    /// `401` in the selected error envelope. Default `["sim-token"]`.
    pub tokens: Vec<String>,
    /// Serve the new URL format (`/templates/abc`). When false those routes
    /// answer Express's HTML `404 Cannot GET ...` page. Default true.
    pub new_format: bool,
    /// Serve the old URL format (`/templates/templateid?templateId=abc`).
    /// When false those routes answer Express's HTML 404 page. Default true.
    /// Routes without path parameters are one URL in both formats and work
    /// while either format is on.
    pub old_format: bool,
    /// The envelope shape. Default [`SimEnvelope::Result`].
    pub envelope: SimEnvelope,
    /// Multiplies every job duration: `0.001` makes a 90 s render take 90 ms,
    /// `0.0` completes jobs at once. Negative or NaN counts as 0. Default 1.0.
    pub time_factor: f64,
    /// How long each kind of job runs (before `time_factor`).
    pub durations: JobDurations,
    /// A storyboard or render request whose scene text contains this string
    /// creates a job that fails at the end of its duration with
    /// `error_code: "TEXT_TO_VIDEO_FAILED"`. Default `"[fail]"`; an empty
    /// marker never matches.
    pub fail_marker: String,
    /// Faults to inject (none by default).
    pub faults: FaultPlan,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            tokens: vec!["sim-token".into()],
            new_format: true,
            old_format: true,
            envelope: SimEnvelope::Result,
            time_factor: 1.0,
            durations: JobDurations::default(),
            fail_marker: "[fail]".into(),
            faults: FaultPlan::default(),
        }
    }
}

impl SimConfig {
    /// `duration × time_factor`, saturating; a bad factor counts as 0.
    pub fn scaled(&self, duration: Duration) -> Duration {
        let factor = if self.time_factor.is_finite() && self.time_factor > 0.0 {
            self.time_factor
        } else {
            0.0
        };
        Duration::try_from_secs_f64(duration.as_secs_f64() * factor).unwrap_or(Duration::MAX)
    }
}

/// A probability from a configured rate: clamped to `[0, 1]`, NaN → 0.
pub(crate) fn rate(r: f64) -> f64 {
    if r.is_nan() { 0.0 } else { r.clamp(0.0, 1.0) }
}
