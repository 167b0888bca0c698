//! What the simulator has seen, for tests to assert on (no job created
//! twice, faults injected, formats used).

use std::collections::BTreeMap;

/// A snapshot of the simulator's counters, from [`Simulator::counters`](super::Simulator::counters).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// let sim = pictory_sim::start(Default::default()).await?;
/// // ... drive a client against sim.base_url() ...
/// let counters = sim.counters();
/// assert!(counters.job_requests_by_name.values().all(|n| *n == 1), "no job created twice");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests that matched an operation's route, keyed by
    /// `(operation id, "new" | "old")`, whatever the answer (401, 400 and
    /// injected faults included). Routes without path parameters count as
    /// `"new"`. Requests to a route not served (a disabled format, the
    /// new format under the open-source profile, the job route when off)
    /// are not counted here but in [`route_not_found`](Self::route_not_found).
    pub requests: BTreeMap<(String, String), u64>,
    /// Jobs created, by kind: `storyboard`, `render`, `transcription`, `summary`.
    pub jobs_created: BTreeMap<String, u64>,
    /// Jobs created, by what they were created for: storyboards by
    /// `videoName` (from a template: its `videoName`, else `template:<templateId>`); renders by `render:<storyboard job id>` (`render_storyboard`)
    /// or `render:<output.name or first scene text>` (`render_video`);
    /// transcriptions by `transcription:<fileUrl>`; summaries by
    /// `summary:<first 40 chars of the transcript JSON>`. A value above 1
    /// means the same job was started twice.
    pub job_requests_by_name: BTreeMap<String, u64>,
    /// Injected faults, by kind: `429`, `5xx`, `drop`, `truncate`.
    pub faults: BTreeMap<String, u64>,
    /// Successful `PUT`s to a signed upload URL.
    pub uploads: u64,
    /// Successful answers the simulator built that did not fit the
    /// operation's response schema in the normalized spec (answered as a
    /// 500 instead). Always 0 unless the simulator has a bug.
    pub answers_off_spec: u64,
    /// Requests refused for their token: 401 (`api_token` missing, without
    /// the `at_` prefix, or not listed in `SimConfig::tokens`), or, under
    /// `SimProfile::OpenSource`, 403 for an `at_` token not listed.
    pub unauthorized: u64,
    /// Requests answered with the unknown-route 404 (unknown URL, wrong
    /// method, or a route the configuration does not serve).
    pub route_not_found: u64,
    /// GETs of job output files (`/videos/<id>.<ext>`), whatever the answer.
    pub file_gets: u64,
    /// Those of [`file_gets`](Self::file_gets) that carried a `Range` header.
    pub file_range_gets: u64,
    /// Requests answered `429` by [`SimConfig::rate_limit`](super::SimConfig::rate_limit)
    /// (not counted in [`faults`](Self::faults)).
    pub rate_limited: u64,
    /// Webhook POSTs delivered, the receiver answering 2xx (only to
    /// loopback hosts; duplicates and out-of-order posts included).
    pub webhooks_delivered: u64,
    /// Webhook POSTs the receiver answered with anything but 2xx, or that
    /// could not be sent.
    pub webhooks_refused: u64,
    /// Webhooks not sent on purpose ([`WebhookFaults::lose_every`](super::WebhookFaults::lose_every)).
    pub webhooks_lost: u64,
    /// Forged posts sent ([`WebhookFaults::forge`](super::WebhookFaults::forge)).
    pub webhooks_forged: u64,
    /// Forged posts the receiver answered 2xx: a receiver that checks its
    /// tags keeps this at 0.
    pub webhooks_forged_accepted: u64,
    /// Requests to Pictory's own face (`/pictoryapis/...`), by operation
    /// id, whatever the answer.
    pub pictory_requests: BTreeMap<String, u64>,
    /// Requests to Pictory's face whose URL, headers or JSON body carried a
    /// LowCodeAPI token (as sent or percent-encoded). A client keeps it at 0.
    pub token_at_pictory: u64,
    /// Requests to LowCodeAPI's face that carried a Pictory key. A client
    /// keeps it at 0.
    pub key_at_lowcodeapi: u64,
    /// Requests to the file routes (uploads, media, videos, pages) that
    /// carried either secret. A client keeps it at 0.
    pub secret_at_files: u64,
}

impl Counters {
    /// Requests to `operation` in `format` (`"new"` or `"old"`).
    pub fn requests_for(&self, operation: &str, format: &str) -> u64 {
        self.requests
            .get(&(operation.to_string(), format.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Requests to `operation` in either format.
    pub fn requests_to(&self, operation: &str) -> u64 {
        self.requests
            .iter()
            .filter(|((op, _), _)| op == operation)
            .map(|(_, n)| n)
            .sum()
    }

    /// Jobs of `kind` created (`storyboard`, `render`, `transcription`, `summary`).
    pub fn jobs_of(&self, kind: &str) -> u64 {
        self.jobs_created.get(kind).copied().unwrap_or(0)
    }

    /// Requests to `operation` at Pictory's own face.
    pub fn pictory_requests_to(&self, operation: &str) -> u64 {
        self.pictory_requests.get(operation).copied().unwrap_or(0)
    }

    /// Injected faults of `kind` (`429`, `5xx`, `drop`, `truncate`).
    pub fn faults_of(&self, kind: &str) -> u64 {
        self.faults.get(kind).copied().unwrap_or(0)
    }

    /// All injected faults.
    pub fn total_faults(&self) -> u64 {
        self.faults.values().sum()
    }
}

pub(crate) fn bump(map: &mut BTreeMap<String, u64>, key: impl Into<String>) {
    *map.entry(key.into()).or_default() += 1;
}
