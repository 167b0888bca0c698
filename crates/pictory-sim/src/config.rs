//! What a [`Simulator`](super::Simulator) does: which LowCodeAPI deployment
//! it plays ([`SimProfile`]), accepted tokens, URL formats, the job route,
//! job durations and documented body variants, and the fault plan.

use pictory::wire::TOKEN_PREFIX;
use std::time::Duration;

/// The Pictory key the simulator accepts by default.
pub(crate) const SIM_PICTORY_KEY: &str = "pictai_sim-key";

/// Which LowCodeAPI deployment the simulator plays. Both occur in the wild
/// (see `tests/fixtures/wire-facts.md`); a client must work with either, so
/// run your tests against both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimProfile {
    /// LowCodeAPI's hosted service as its provider page documents it:
    /// success `{"data": <Pictory's body>}`, errors
    /// `{"data": {"error": {"message", "code", ...}}}` with Pictory's status.
    /// Start from [`SimConfig::hosted`] (both URL formats, job route on).
    /// The default.
    #[default]
    Hosted,
    /// LowCodeAPI's open-source server (`samal/lowcodeapi`): success
    /// `{"message": <Pictory's message or "Request completed">, "provider": "pictory", "result": <body>, "response_headers": {...}}`,
    /// errors `{"message", "provider": "pictory", "error": <Pictory's whole error body>, "headers": {...}}`
    /// with Pictory's status. It never mounts new-format routes of
    /// path-parameter operations (whatever [`SimConfig::new_format`] says).
    /// As the real server does, it answers a token with the `at_` prefix
    /// that it does not know with 403 `{"message": "Invalid api_token", ...}`
    /// (only a missing token or one without the prefix gets the 401), echoes
    /// the request's headers and query (`api_token` included) in its 401
    /// body under `error.logging`, and passes path values on to Pictory
    /// again as query parameters ([`Simulator::forwarded`](super::Simulator::forwarded)).
    /// Start from [`SimConfig::open_source`] (job route off).
    OpenSource,
}

/// What an unmatched URL or method answers (any profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownRoute {
    /// LowCodeAPI's catch-all: `404` with `{"message": "Not Found"}`,
    /// `content-type: application/json`, no `provider` key. The default.
    #[default]
    Json,
    /// Express's HTML page `Cannot GET /pictory/...` ([`super::express_404_body`]),
    /// as a deployment without the catch-all sends it.
    Html,
    /// `404` with a plain-text `Not Found` body (a load balancer or CDN).
    Text,
    /// `404` with an empty body.
    Empty,
}

/// Switches between the job bodies Pictory has documented. All off
/// (`JobVariants::default()`) gives the newer shapes of
/// `tests/fixtures/pictory-docs/jobs/`: every body has `job_id` and
/// `data.status`, finished renders carry `videoURL`, no `pending`, never
/// `cleaned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobVariants {
    /// A finished preview (storyboard) has no `status` at all:
    /// `{"success": true, "data": {"renderParams": {...}, "preview": URL}, "job_id": ...}`
    /// (Pictory's older reference). Clients must read completion from
    /// `renderParams` and `preview`.
    pub preview_without_status: bool,
    /// A finished render carries the .mp4 only under `shareVideoURL`
    /// (no `videoURL`, no `videoShareURL`), as Pictory's older examples read it.
    pub render_share_url_only: bool,
    /// A finished transcription has no job id anywhere in its body
    /// (docs.pictory.ai's example).
    pub transcription_without_job_id: bool,
    /// A finished transcription carries only `transcript` and `status`:
    /// no `txt`, `srt`, `vtt` or `mediaInfo` (docs.pictory.ai's example;
    /// with [`transcription_without_job_id`](Self::transcription_without_job_id)
    /// the body has that example's exact shape).
    pub transcription_transcript_only: bool,
    /// Storyboard starts answer the id at the top level, `{"jobId": ...}`
    /// (Pictory's examples), instead of `{"success": true, "data": {"jobId": ...}}`.
    pub storyboard_id_top_level: bool,
    /// Every job reports `status: "pending"` for this long (before
    /// [`SimConfig::time_factor`]) before it starts its run; its webhook and
    /// end come that much later. Zero (the default) skips `pending`.
    pub pending: Duration,
    /// Pictory's retention period: this long (before `time_factor`) after a
    /// job ended, every read of it answers `status: "cleaned"` and its
    /// output files are gone. `None` (the default) keeps jobs forever.
    pub retention: Option<Duration>,
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
    /// The operations (ids, e.g. `"create_storyboard"`) the rates apply
    /// to; empty (the default) means every operation. Requests to other
    /// operations draw nothing, so they do not shift the sequence.
    pub only: Vec<String>,
}

impl FaultPlan {
    /// Whether the rates apply to `operation`.
    pub fn applies_to(&self, operation: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == operation)
    }

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

/// Trouble with webhook delivery, to test a receiver and the waits behind
/// it. `WebhookFaults::default()` posts each job's final body once, when
/// the job ends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookFaults {
    /// Added before each post (after the job ended).
    pub delay: Duration,
    /// Extra copies of each post, sent right after it.
    pub duplicates: u32,
    /// Loses the webhook of every n-th job that has one, counted in
    /// creation order: 0 never, 1 every webhook, 3 the 3rd, 6th, ...
    pub lose_every: u32,
    /// Before each real post, posts two forgeries claiming the job
    /// completed with [`FORGED_VIDEO_URL`](super::FORGED_VIDEO_URL): one to
    /// the URL with its last character changed (a wrong tag), one to the
    /// URL without its last path segment (no tag).
    pub forge: bool,
    /// After the final post, posts an older body of the job (in progress):
    /// a post arriving out of order.
    pub stale_after: bool,
}

/// Everything a [`Simulator`](super::Simulator) is started with. Start
/// from a profile's constructor and change what you need:
///
/// ```
/// use pictory_sim::{SimConfig, SimProfile};
/// let config = SimConfig {
///     time_factor: 0.001, // a 90 s render takes 90 ms
///     job_route: true,    // poll even though the open-source server cannot
///     ..SimConfig::open_source()
/// };
/// assert_eq!(config.profile, SimProfile::OpenSource);
/// assert_eq!(config.tokens, vec!["at_sim-token".to_string()]);
/// ```
///
/// `SimConfig::default()` is [`SimConfig::hosted`].
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Which deployment to play: envelopes and which routes exist.
    pub profile: SimProfile,
    /// Accepted `api_token` query values. Like LowCodeAPI, the simulator
    /// accepts only tokens that start with `at_`, so a listed token without
    /// that prefix never works. Anything else gets 401 with LowCodeAPI's
    /// body (`tests/fixtures/pictory-docs/lowcodeapi/401-bad-token.json`),
    /// except under [`SimProfile::OpenSource`], where a token with the
    /// prefix that is not listed gets LowCodeAPI's 403
    /// (`lowcodeapi/403-unknown-token.json`) and the 401 echoes the request
    /// (`lowcodeapi/401-bad-token-logging.json`).
    /// Default `["at_sim-token"]`.
    pub tokens: Vec<String>,
    /// Serve the new URL format of path-parameter operations
    /// (`/templates/abc`). Only [`SimProfile::Hosted`] can; the open-source
    /// server never mounts them. Default true.
    pub new_format: bool,
    /// Serve the old URL format (`/templates/templateid?templateId=abc`).
    /// Default true. Routes without path parameters are one URL in both
    /// formats and always served.
    pub old_format: bool,
    /// Serve the job route `GET /pictoryapis/v1/jobs/{job_id}` (in the
    /// formats served). LowCodeAPI's open-source route file has none, so
    /// [`SimConfig::open_source`] turns it off; when off it answers the
    /// unknown-route 404 and only webhooks report completion.
    pub job_route: bool,
    /// What an unmatched URL or method answers. Default [`UnknownRoute::Json`].
    pub unknown_route: UnknownRoute,
    /// Multiplies every job duration, pending time and retention: `0.001`
    /// makes a 90 s render take 90 ms, `0.0` completes jobs at once.
    /// Negative or NaN counts as 0. Default 1.0.
    pub time_factor: f64,
    /// How long each kind of job runs (before `time_factor`).
    pub durations: JobDurations,
    /// Which documented job bodies to answer with.
    pub jobs: JobVariants,
    /// A storyboard or render request whose scene text contains this string
    /// creates a job that fails at the end of its duration with
    /// `error_code: "TEXT_TO_VIDEO_FAILED"`. Default `"[fail]"`; an empty
    /// marker never matches.
    pub fail_marker: String,
    /// Faults to inject (none by default).
    pub faults: FaultPlan,
    /// How webhooks are delivered (on time and once by default).
    pub webhooks: WebhookFaults,
    /// A rate limit per API token: beyond it requests are answered `429`
    /// with `Retry-After` before anything is processed. `None` (the
    /// default) lets everything through.
    pub rate_limit: Option<super::RateLimit>,
    /// Pictory API keys its own face accepts (`Authorization: <key>`, raw,
    /// as Pictory documents). The Pictory face serves every operation at
    /// `<origin>/pictoryapis/...` ([`Simulator::pictory_base_url`](super::Simulator::pictory_base_url))
    /// with Pictory's bare bodies, and answers any other `Authorization`
    /// with Pictory's `401 {"message": "Unauthorized"}`. It shares jobs and
    /// resources with the LowCodeAPI face (a job created through one is
    /// read through the other); faults and the rate limit apply only to the
    /// LowCodeAPI face. Default `["pictai_sim-key"]`.
    pub pictory_keys: Vec<String>,
    /// The subscription's quota before this simulator's jobs: what
    /// `GET /v1/quota` starts from. Each finished render adds its length in
    /// minutes (rounded up, at least one) to the video minutes used, each
    /// finished transcription one transcription minute, each AI Studio job
    /// its AI credits. Default: the documented example
    /// (`tests/fixtures/pictory-docs/account/quota-response.json`).
    pub quota: SimQuota,
}

/// The starting use and the limits [`SimConfig::quota`] sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimQuota {
    /// Video minutes used.
    pub video_minutes_used: f64,
    /// Video minutes of the plan.
    pub video_minutes_limit: f64,
    /// Transcription minutes used.
    pub transcription_minutes_used: f64,
    /// Transcription minutes of the plan.
    pub transcription_minutes_limit: f64,
    /// ElevenLabs voice-over minutes used.
    pub voice_over_minutes_used: f64,
    /// ElevenLabs voice-over minutes of the plan.
    pub voice_over_minutes_limit: f64,
    /// AI credits used.
    pub ai_credits_used: f64,
    /// AI credits of the plan.
    pub ai_credits_limit: f64,
}

impl Default for SimQuota {
    fn default() -> Self {
        SimQuota {
            video_minutes_used: 98.0,
            video_minutes_limit: 14_400.0,
            transcription_minutes_used: 0.0,
            transcription_minutes_limit: 14_400.0,
            voice_over_minutes_used: 33.0,
            voice_over_minutes_limit: 480.0,
            ai_credits_used: 690.0,
            ai_credits_limit: 22_000.0,
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig::hosted()
    }
}

impl SimConfig {
    /// LowCodeAPI's hosted service: [`SimProfile::Hosted`], both URL
    /// formats, the job route, token `at_sim-token`, real-time jobs.
    pub fn hosted() -> SimConfig {
        SimConfig {
            profile: SimProfile::Hosted,
            tokens: vec![format!("{TOKEN_PREFIX}sim-token")],
            new_format: true,
            old_format: true,
            job_route: true,
            unknown_route: UnknownRoute::Json,
            time_factor: 1.0,
            durations: JobDurations::default(),
            jobs: JobVariants::default(),
            fail_marker: "[fail]".into(),
            faults: FaultPlan::default(),
            webhooks: WebhookFaults::default(),
            rate_limit: None,
            pictory_keys: vec![SIM_PICTORY_KEY.to_string()],
            quota: SimQuota::default(),
        }
    }

    /// LowCodeAPI's open-source server: [`SimProfile::OpenSource`], old
    /// format only for path-parameter operations, no job route; otherwise
    /// as [`SimConfig::hosted`].
    pub fn open_source() -> SimConfig {
        SimConfig {
            profile: SimProfile::OpenSource,
            new_format: false,
            job_route: false,
            ..SimConfig::hosted()
        }
    }

    /// `duration × time_factor`, saturating; a bad factor counts as 0.
    pub fn scaled(&self, duration: Duration) -> Duration {
        let factor = if self.time_factor.is_finite() && self.time_factor > 0.0 {
            self.time_factor
        } else {
            0.0
        };
        Duration::try_from_secs_f64(duration.as_secs_f64() * factor).unwrap_or(Duration::MAX)
    }

    /// Whether `token` opens the door: it has LowCodeAPI's prefix and is listed.
    pub(crate) fn accepts(&self, token: &str) -> bool {
        token.starts_with(TOKEN_PREFIX) && self.tokens.iter().any(|t| t == token)
    }

    /// Whether `authorization` is one of the Pictory keys.
    pub(crate) fn accepts_key(&self, authorization: &str) -> bool {
        self.pictory_keys.iter().any(|k| k == authorization)
    }

    /// Whether new-format URLs of path-parameter operations are served.
    pub(crate) fn serves_new_format(&self) -> bool {
        self.new_format && self.profile == SimProfile::Hosted
    }
}

/// A probability from a configured rate: clamped to `[0, 1]`, NaN → 0.
pub(crate) fn rate(r: f64) -> f64 {
    if r.is_nan() { 0.0 } else { r.clamp(0.0, 1.0) }
}
