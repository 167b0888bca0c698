//! The crate's one error type. Every variant a caller can act on keeps the
//! operation id and, where there was a response, the HTTP status and the
//! (token-free, truncated) body. No variant ever holds the API token: text
//! from the wire passes through `redact` before it is stored.

use crate::envelope::FieldError;
use std::time::Duration;

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be made (refused, unreachable, DNS).
    Connect,
    /// The connection broke while the request or response was in flight.
    Reset,
}

/// The status, code, message and body of an error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    /// The HTTP status.
    pub status: u16,
    /// Pictory's or LowCodeAPI's error code, when given.
    pub code: Option<String>,
    /// The error message, when given.
    pub message: Option<String>,
    /// The body as received (truncated to 2 KiB, token removed).
    pub body: String,
}

impl std::fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong, as variants a caller can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The credential the service checks (the LowCodeAPI token, or
    /// Pictory's API key for a direct request) was refused: missing or
    /// wrong (401), or, from LowCodeAPI, a token with its `at_` prefix that
    /// no LowCodeAPI account holds (its server's 403 `Invalid api_token`:
    /// mistyped, revoked, or from another deployment). The token itself is
    /// never shown, even where the service echoed it.
    #[error("{operation}: unauthorized ({response}); check {credential}")]
    Unauthorized {
        /// The operation id.
        operation: &'static str,
        /// The response.
        response: ErrorResponse,
        /// What to check: `LOWCODEAPI_API_TOKEN` or `PICTORY_API_KEY`.
        credential: &'static str,
    },
    /// 403: the token is valid but may not do this.
    #[error("{operation}: forbidden ({response})")]
    Forbidden {
        /// The operation id.
        operation: &'static str,
        /// The response.
        response: ErrorResponse,
    },
    /// 404 from Pictory: the resource (template, brand, job...) does not exist.
    #[error("{operation}: not found ({response})")]
    NotFound {
        /// The operation id.
        operation: &'static str,
        /// The response.
        response: ErrorResponse,
    },
    /// LowCodeAPI has no such route in any URL format it was tried in: the
    /// request never reached Pictory. For `get_job`, the proxy has no
    /// job-status route at all (LowCodeAPI's own server has none for
    /// Pictory): wait for jobs through webhooks instead.
    #[error("{operation}: LowCodeAPI has no route for this operation (routing 404 in {tried}); {}", route_advice(.operation))]
    RouteNotFound {
        /// The operation id.
        operation: &'static str,
        /// The URL formats tried, e.g. `both the new and the old URL format`.
        tried: &'static str,
        /// The last response.
        response: ErrorResponse,
    },
    /// 400 or 422: Pictory rejected the request, with per-field messages.
    #[error("{operation}: bad request ({response}){}", fields_suffix(.fields))]
    BadRequest {
        /// The operation id.
        operation: &'static str,
        /// The response.
        response: ErrorResponse,
        /// Pictory's per-field messages.
        fields: Vec<FieldError>,
    },
    /// 429 that the retry policy did not (or could no longer) wait out.
    #[error("{operation}: rate limited ({response}){}", retry_after.map(|d| format!("; retry after {d:?}")).unwrap_or_default())]
    RateLimited {
        /// The operation id.
        operation: &'static str,
        /// The `Retry-After` delay, when the server gave one.
        retry_after: Option<Duration>,
        /// The response.
        response: ErrorResponse,
    },
    /// 5xx after the retries the policy allows.
    #[error("{operation}: server error ({response})")]
    Server {
        /// The operation id.
        operation: &'static str,
        /// The response.
        response: ErrorResponse,
    },
    /// Any other unsuccessful status.
    #[error("{operation}: unexpected response ({response})")]
    UnexpectedStatus {
        /// The operation id.
        operation: &'static str,
        /// The response.
        response: ErrorResponse,
    },
    /// No answer in time (after the retries allowed): a read timed out,
    /// or the call's deadline passed while the request waited for its turn
    /// at the rate-limit gate (`sent: false`: it was never sent).
    #[error("{operation}: timed out after {attempts} attempt(s){}", if *.sent { "" } else { "; the last was never sent (no connection in time, or the call's deadline or retry budget ran out while it waited for its turn at the rate-limit gate)" })]
    Timeout {
        /// The operation id.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// Whether the last attempt was sent (false: it timed out waiting
        /// to be sent, or connecting).
        sent: bool,
    },
    /// The connection failed (after the retries allowed).
    #[error("{operation}: transport error ({kind:?}) after {attempts} attempt(s): {message}")]
    Transport {
        /// The operation id.
        operation: &'static str,
        /// Connect or reset.
        kind: TransportKind,
        /// Attempts made.
        attempts: u32,
        /// What the HTTP stack said (URL removed).
        message: String,
    },
    /// A POST or PUT may have reached Pictory, but its outcome is unknown
    /// (timeout, connection reset after sending, or a 500/504). It was not
    /// re-sent, to avoid starting the work twice: check before retrying.
    #[error(
        "{operation}: request possibly processed, outcome unknown ({reason}); it was not re-sent"
    )]
    PossiblyProcessed {
        /// The operation id.
        operation: &'static str,
        /// The status, when a response arrived.
        status: Option<u16>,
        /// What happened.
        reason: String,
    },
    /// The body could not be decoded (not JSON, truncated, or the wrong shape).
    #[error("{operation}: undecodable body{}: {reason}; body starts {snippet:?}", .status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    UndecodableBody {
        /// The operation id (`webhook` for a webhook body).
        operation: &'static str,
        /// The HTTP status, when the body came in a response.
        status: Option<u16>,
        /// Why it could not be decoded.
        reason: String,
        /// The start of the body (token removed).
        snippet: String,
    },
    /// A successful answer is JSON but does not fit the operation's
    /// response type. Nothing is lost: [`Error::raw_body`] gives the body
    /// as received (LowCodeAPI's envelope included, token removed).
    #[error("{operation}: the answer (HTTP {status}) does not fit its response type: {reason}")]
    ResponseShape {
        /// The operation id.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// What did not fit (serde's message, cut short).
        reason: String,
        /// The body as received.
        raw: Box<serde_json::Value>,
    },
    /// The server answered with a redirect, which the client never follows
    /// (the token is in the URL). A LowCodeAPI base URL that redirects is
    /// misconfigured, or the proxy is not LowCodeAPI's API endpoint.
    #[error("{operation}: the server redirected (HTTP {status}){}; redirects are never followed", .location.as_ref().map(|l| format!(" to {l}")).unwrap_or_default())]
    Redirect {
        /// The operation id.
        operation: &'static str,
        /// The 3xx status.
        status: u16,
        /// The `Location` header (token removed, truncated).
        location: Option<String>,
    },
    /// A successful answer's body is larger than the client's body limit
    /// ([`crate::ClientBuilder::max_body_bytes`]): reading stopped at the
    /// limit (or before it, when `Content-Length` said so) and nothing was
    /// kept. The request itself was processed.
    #[error(
        "{operation}: the answer (HTTP {status}) is larger than the body limit of {limit} bytes; reading stopped and nothing was kept"
    )]
    BodyTooLarge {
        /// The operation id.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// The limit in bytes.
        limit: usize,
    },
    /// A Pictory job ended in failure.
    #[error("job {job_id} failed: [{code}] {message}")]
    JobFailed {
        /// The operation that reported it (usually `get_job`).
        operation: &'static str,
        /// The job.
        job_id: String,
        /// Pictory's `error_code`, e.g. `TEXT_TO_VIDEO_FAILED`.
        code: String,
        /// Pictory's `error_message`.
        message: String,
    },
    /// A job completed, and its body is valid, but an output the caller
    /// asked for is not in it: a transcription without `srt` (Pictory's
    /// documented finished transcription carries only `transcript`), or a
    /// job that produced another kind of output than wanted (a preview
    /// where a video was expected). Waiting again does not help.
    #[error("{operation}: job {job_id} completed without {missing}{}", .found.as_ref().map(|f| format!(" (it produced {f})")).unwrap_or_default())]
    MissingOutput {
        /// The operation or flow that needed the output.
        operation: &'static str,
        /// The job (empty when neither the caller nor the body knew it).
        job_id: String,
        /// What is missing, e.g. ``the `srt` output`` or `a transcript`.
        missing: String,
        /// What the job produced instead, when it produced another kind of
        /// output.
        found: Option<String>,
    },
    /// Pictory does not know this job id (`JOB_NOT_FOUND`).
    #[error("job {job_id} not found (JOB_NOT_FOUND)")]
    JobNotFound {
        /// The job.
        job_id: String,
    },
    /// The job's status is `cleaned`: Pictory removed its output after its
    /// retention period, so it cannot be fetched again. Store output URLs
    /// (or download the files) as soon as a job completes.
    #[error(
        "job {job_id} was cleaned: Pictory removed its output after its retention period; \
         store outputs when a job completes"
    )]
    JobCleaned {
        /// The job (empty when the body carried no id).
        job_id: String,
    },
    /// Waiting for a job ran out of time.
    #[error("job {job_id} still not finished after {elapsed:?} and {polls} poll(s){}", .rate_limited.map(|d| format!("; rate limited: the server asked to wait {d:?}, past the deadline")).unwrap_or_default())]
    JobDeadline {
        /// The job.
        job_id: String,
        /// Time spent waiting.
        elapsed: Duration,
        /// Status reads made.
        polls: u32,
        /// The last status seen, if any.
        last_status: Option<String>,
        /// Set when a 429's `Retry-After` reached past the deadline.
        rate_limited: Option<Duration>,
    },
    /// Behind a proxy without a job-status route the webhook is the only way
    /// to learn how a job ended, and none arrived before the deadline: the
    /// post was lost, or never sent (check that the callback URL reaches
    /// your receiver from the internet).
    #[error(
        "job {job_id}: no webhook arrived within {elapsed:?}, and the proxy has no job-status route to read the job instead; the post was lost or never sent (does the callback URL reach the receiver?)"
    )]
    WebhookNotReceived {
        /// The job.
        job_id: String,
        /// Time spent waiting.
        elapsed: Duration,
    },
    /// Jobs cannot be read: LowCodeAPI has no job-status route for Pictory
    /// (its own server mounts none) and no Pictory API key is set for
    /// direct reads. Nothing was sent; a flow that meets this has created
    /// nothing. Set `PICTORY_API_KEY` ([`crate::ClientBuilder::pictory_key`])
    /// or wait through a webhook receiver.
    #[error(
        "{operation}: jobs cannot be read: LowCodeAPI has no job-status route for Pictory and no Pictory API key is set; set PICTORY_API_KEY (direct job reads) or wait through a webhook receiver (pictory --listen ADDR --public-url URL; FlowOptions::webhooks); nothing was created"
    )]
    NoJobReads {
        /// The operation or flow that needed a job read.
        operation: &'static str,
    },
    /// The operation is served by Pictory only (LowCodeAPI does not proxy
    /// it) and the client has no Pictory API key. Nothing was sent. Set
    /// `PICTORY_API_KEY` ([`crate::ClientBuilder::pictory_key`]).
    #[error(
        "{operation} is served by Pictory only (LowCodeAPI does not proxy it): set PICTORY_API_KEY (Pictory's API key, pictai_...) to use it; nothing was sent"
    )]
    NeedsPictoryKey {
        /// The operation.
        operation: &'static str,
    },
    /// A list was walked page by page and stopped before its end: the
    /// page limit or the walk's deadline was reached while more pages
    /// remained (the items before it were yielded).
    #[error("{operation}: stopped after {pages} page(s): {reason}; more pages remain")]
    PagesLeft {
        /// The list operation.
        operation: &'static str,
        /// Pages read.
        pages: usize,
        /// Which bound was reached.
        reason: String,
    },
    /// The batch needs clearly more of the subscription's quota than
    /// remains ([`crate::Client::check_quota`], [`crate::QuotaEstimate`]). Nothing was created.
    #[error(
        "the batch needs about {needed:.1} {what} ({items} item(s)) but only {remaining:.1} remain of the subscription's quota; nothing was created (check the quota with `pictory quota`; --no-quota-check to run anyway)"
    )]
    QuotaExceeded {
        /// Which quota (`video minutes`).
        what: &'static str,
        /// The estimate for the batch.
        needed: f64,
        /// What remains.
        remaining: f64,
        /// Items counted.
        items: usize,
    },
    /// The request was not sent: a required value is missing or invalid.
    #[error("{operation}: invalid request, nothing was sent: {message}")]
    InvalidRequest {
        /// The operation id.
        operation: &'static str,
        /// What is wrong (the field named).
        message: String,
    },
    /// The client is misconfigured (missing token, bad base URL, ...).
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// The bulk-run journal (feature `journal`) could not be opened, read
    /// or written. A write that failed was not committed: nothing after it
    /// was sent.
    #[error("journal: {message}")]
    Journal {
        /// What SQLite or the file system said, and what was being done.
        message: String,
    },
    /// A local file could not be read.
    #[error("{operation}: cannot read {path}: {message}")]
    Io {
        /// The operation id.
        operation: &'static str,
        /// The file.
        path: String,
        /// What the OS said.
        message: String,
    },
    /// A file could not be written (see [`OutputFile`](crate::OutputFile)):
    /// something other than a regular file at the destination, a file
    /// already there that was not to be replaced, no such directory, or
    /// the file system refused. The destination is untouched.
    #[error("{operation}: cannot write {path}: {problem}")]
    Write {
        /// `write` or `download`.
        operation: &'static str,
        /// The destination.
        path: String,
        /// Why.
        problem: crate::files::WriteProblem,
    },
    /// A download ended without a complete file. Nothing was left at the
    /// destination: the temporary file beside it was removed.
    #[error("{operation}: download to {path} failed: {problem}")]
    Download {
        /// `download`.
        operation: &'static str,
        /// The destination.
        path: String,
        /// What went wrong.
        problem: crate::download::DownloadProblem,
    },
}

fn route_advice(operation: &str) -> &'static str {
    if operation == "get_job" {
        "this proxy has no job-status route (LowCodeAPI's server has none for Pictory): set PICTORY_API_KEY to read jobs from Pictory directly, or wait through webhooks"
    } else {
        "the proxy may not forward it"
    }
}

/// The field errors for `Display`: at most a few, each cut short, so a
/// hostile answer cannot make an error message large. All of them are in
/// [`Error::field_errors`].
fn fields_suffix(fields: &[FieldError]) -> String {
    const SHOWN: usize = 4;
    const EACH: usize = 160;
    if fields.is_empty() {
        return String::new();
    }
    let mut parts: Vec<String> = fields
        .iter()
        .take(SHOWN)
        .map(|f| crate::envelope::truncate(&format!("{}: {}", f.name, f.errors.join(", ")), EACH))
        .collect();
    if fields.len() > SHOWN {
        parts.push(format!("and {} more", fields.len() - SHOWN));
    }
    format!("; {}", parts.join("; "))
}

impl Error {
    fn response(&self) -> Option<&ErrorResponse> {
        match self {
            Error::Unauthorized { response, .. }
            | Error::Forbidden { response, .. }
            | Error::NotFound { response, .. }
            | Error::RouteNotFound { response, .. }
            | Error::BadRequest { response, .. }
            | Error::RateLimited { response, .. }
            | Error::Server { response, .. }
            | Error::UnexpectedStatus { response, .. } => Some(response),
            _ => None,
        }
    }

    /// The variant's name in snake case (`unauthorized`, `not_found`,
    /// `rate_limited`, `job_failed`, ...): stable words for logs, metrics
    /// and machine-readable output (the CLI's `--json` errors carry it as
    /// `kind`). Match on the variant itself in Rust code.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Unauthorized { .. } => "unauthorized",
            Error::Forbidden { .. } => "forbidden",
            Error::NotFound { .. } => "not_found",
            Error::RouteNotFound { .. } => "route_not_found",
            Error::BadRequest { .. } => "bad_request",
            Error::RateLimited { .. } => "rate_limited",
            Error::Server { .. } => "server",
            Error::UnexpectedStatus { .. } => "unexpected_status",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::PossiblyProcessed { .. } => "possibly_processed",
            Error::UndecodableBody { .. } => "undecodable_body",
            Error::ResponseShape { .. } => "response_shape",
            Error::Redirect { .. } => "redirect",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::JobFailed { .. } => "job_failed",
            Error::MissingOutput { .. } => "missing_output",
            Error::JobNotFound { .. } => "job_not_found",
            Error::JobCleaned { .. } => "job_cleaned",
            Error::JobDeadline { .. } => "job_deadline",
            Error::WebhookNotReceived { .. } => "webhook_not_received",
            Error::NoJobReads { .. } => "no_job_reads",
            Error::InvalidRequest { .. } => "invalid_request",
            Error::Config { .. } => "config",
            Error::Journal { .. } => "journal",
            Error::Io { .. } => "io",
            Error::Write { .. } => "write",
            Error::Download { .. } => "download",
            Error::NeedsPictoryKey { .. } => "needs_pictory_key",
            Error::PagesLeft { .. } => "pages_left",
            Error::QuotaExceeded { .. } => "quota_exceeded",
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::PossiblyProcessed { status, .. } | Error::UndecodableBody { status, .. } => {
                *status
            }
            Error::Redirect { status, .. }
            | Error::BodyTooLarge { status, .. }
            | Error::ResponseShape { status, .. } => Some(*status),
            _ => self.response().map(|r| r.status),
        }
    }

    /// The operation id, when the error belongs to a request.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Unauthorized { operation, .. }
            | Error::Forbidden { operation, .. }
            | Error::NotFound { operation, .. }
            | Error::RouteNotFound { operation, .. }
            | Error::BadRequest { operation, .. }
            | Error::RateLimited { operation, .. }
            | Error::Server { operation, .. }
            | Error::UnexpectedStatus { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Transport { operation, .. }
            | Error::PossiblyProcessed { operation, .. }
            | Error::UndecodableBody { operation, .. }
            | Error::Redirect { operation, .. }
            | Error::BodyTooLarge { operation, .. }
            | Error::ResponseShape { operation, .. }
            | Error::JobFailed { operation, .. }
            | Error::MissingOutput { operation, .. }
            | Error::InvalidRequest { operation, .. }
            | Error::Io { operation, .. }
            | Error::Write { operation, .. }
            | Error::NoJobReads { operation }
            | Error::NeedsPictoryKey { operation }
            | Error::PagesLeft { operation, .. }
            | Error::Download { operation, .. } => Some(operation),
            _ => None,
        }
    }

    /// The error response's body as received (token removed, at most 2 KiB),
    /// or the start of an undecodable body.
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::UndecodableBody { snippet, .. } => Some(snippet),
            _ => self.response().map(|r| r.body.as_str()),
        }
    }

    /// The body of a successful answer that did not fit its type
    /// ([`Error::ResponseShape`]), as received.
    pub fn raw_body(&self) -> Option<&serde_json::Value> {
        match self {
            Error::ResponseShape { raw, .. } => Some(raw),
            _ => None,
        }
    }

    /// The delay a 429 asked for, when it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            Error::JobDeadline { rate_limited, .. } => *rate_limited,
            _ => None,
        }
    }

    /// Pictory's per-field messages of a 400/422 (empty otherwise).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::BadRequest { fields, .. } => fields,
            _ => &[],
        }
    }

    /// Whether trying again later may succeed: a 429, a 5xx to a read, a
    /// timeout, a transport failure. Never true for an error that says the
    /// request may have taken effect and must not simply be repeated
    /// ([`Error::PossiblyProcessed`]). The retry policy, the polling error
    /// policy and the journal all read this one classification.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::Server { .. }
                | Error::Timeout { .. }
                | Error::Transport { .. }
                | Error::Download {
                    problem: crate::download::DownloadProblem::Truncated { .. },
                    ..
                }
        )
    }

    /// Whether the server may have acted on the request: it may have been
    /// processed and its answer lost (a 5xx, a timeout or a reset after it
    /// was sent, [`Error::PossiblyProcessed`]), or it was processed and the
    /// answer could not be used (a 2xx too large, undecodable, or not of
    /// its type). For a request that creates a job, `true` means the job
    /// may exist (and be billed): sending it again may create a second one.
    /// `false` when the request was refused before it was processed (a 4xx
    /// including 429, a redirect, a routing 404), never sent, or when the
    /// error is about a job rather than a request.
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            Error::PossiblyProcessed { .. }
            | Error::Server { .. }
            | Error::BodyTooLarge { .. }
            | Error::ResponseShape { .. } => true,
            Error::UndecodableBody { status, .. } => {
                status.is_some_and(|s| (200..300).contains(&s))
            }
            Error::Timeout { sent, .. } => *sent,
            Error::Transport { kind, .. } => *kind == TransportKind::Reset,
            _ => false,
        }
    }

    /// Whether nothing was sent at all: the request was refused before
    /// sending (invalid, a missing credential or configuration, no way to
    /// read jobs), the connection could not be made, or the deadline
    /// passed while it waited to be sent.
    pub fn nothing_was_sent(&self) -> bool {
        match self {
            Error::InvalidRequest { .. }
            | Error::Config { .. }
            | Error::NoJobReads { .. }
            | Error::NeedsPictoryKey { .. }
            | Error::QuotaExceeded { .. } => true,
            Error::Transport { kind, .. } => *kind == TransportKind::Connect,
            Error::Timeout { sent, .. } => !*sent,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::download::DownloadProblem;

    fn response(status: u16) -> ErrorResponse {
        ErrorResponse {
            status,
            code: None,
            message: None,
            body: String::new(),
        }
    }

    /// The three predicates every re-send decision reads (the retry rule,
    /// the journal's "nothing created", the polling policy), for every
    /// variant: (error, is_transient, may_have_been_processed,
    /// nothing_was_sent).
    #[test]
    fn the_predicates_variant_by_variant() {
        let op = "op";
        let r = response;
        let undecodable = |status| Error::UndecodableBody {
            operation: op,
            status,
            reason: "x".into(),
            snippet: "x".into(),
        };
        let download = |problem| Error::Download {
            operation: op,
            path: "p".into(),
            problem,
        };
        let cases: Vec<(Error, bool, bool, bool)> = vec![
            (
                Error::Unauthorized {
                    operation: op,
                    response: r(401),
                    credential: "c",
                },
                false,
                false,
                false,
            ),
            (
                Error::Forbidden {
                    operation: op,
                    response: r(403),
                },
                false,
                false,
                false,
            ),
            (
                Error::NotFound {
                    operation: op,
                    response: r(404),
                },
                false,
                false,
                false,
            ),
            (
                Error::RouteNotFound {
                    operation: op,
                    tried: "t",
                    response: r(404),
                },
                false,
                false,
                false,
            ),
            (
                Error::BadRequest {
                    operation: op,
                    response: r(400),
                    fields: vec![],
                },
                false,
                false,
                false,
            ),
            (
                Error::RateLimited {
                    operation: op,
                    retry_after: None,
                    response: r(429),
                },
                true,
                false,
                false,
            ),
            (
                Error::Server {
                    operation: op,
                    response: r(503),
                },
                true,
                true,
                false,
            ),
            (
                Error::UnexpectedStatus {
                    operation: op,
                    response: r(501),
                },
                false,
                false,
                false,
            ),
            (
                Error::Timeout {
                    operation: op,
                    attempts: 1,
                    sent: true,
                },
                true,
                true,
                false,
            ),
            (
                Error::Timeout {
                    operation: op,
                    attempts: 1,
                    sent: false,
                },
                true,
                false,
                true,
            ),
            (
                Error::Transport {
                    operation: op,
                    kind: TransportKind::Reset,
                    attempts: 1,
                    message: "m".into(),
                },
                true,
                true,
                false,
            ),
            (
                Error::Transport {
                    operation: op,
                    kind: TransportKind::Connect,
                    attempts: 1,
                    message: "m".into(),
                },
                true,
                false,
                true,
            ),
            (
                Error::PossiblyProcessed {
                    operation: op,
                    status: None,
                    reason: "r".into(),
                },
                false,
                true,
                false,
            ),
            (undecodable(Some(200)), false, true, false),
            (undecodable(Some(299)), false, true, false),
            (undecodable(Some(300)), false, false, false),
            (undecodable(Some(502)), false, false, false),
            (undecodable(None), false, false, false),
            (
                Error::ResponseShape {
                    operation: op,
                    status: 200,
                    reason: "r".into(),
                    raw: Box::new(serde_json::Value::Null),
                },
                false,
                true,
                false,
            ),
            (
                Error::Redirect {
                    operation: op,
                    status: 302,
                    location: None,
                },
                false,
                false,
                false,
            ),
            (
                Error::BodyTooLarge {
                    operation: op,
                    status: 200,
                    limit: 1,
                },
                false,
                true,
                false,
            ),
            (
                Error::JobFailed {
                    operation: op,
                    job_id: "j".into(),
                    code: "c".into(),
                    message: "m".into(),
                },
                false,
                false,
                false,
            ),
            (
                Error::JobNotFound { job_id: "j".into() },
                false,
                false,
                false,
            ),
            (
                Error::JobCleaned { job_id: "j".into() },
                false,
                false,
                false,
            ),
            (
                Error::JobDeadline {
                    job_id: "j".into(),
                    elapsed: Duration::ZERO,
                    polls: 1,
                    last_status: None,
                    rate_limited: None,
                },
                false,
                false,
                false,
            ),
            (
                Error::WebhookNotReceived {
                    job_id: "j".into(),
                    elapsed: Duration::ZERO,
                },
                false,
                false,
                false,
            ),
            (Error::NoJobReads { operation: op }, false, false, true),
            (
                Error::InvalidRequest {
                    operation: op,
                    message: "m".into(),
                },
                false,
                false,
                true,
            ),
            (
                Error::Config {
                    message: "m".into(),
                },
                false,
                false,
                true,
            ),
            (
                Error::Journal {
                    message: "m".into(),
                },
                false,
                false,
                false,
            ),
            (
                Error::Io {
                    operation: op,
                    path: "p".into(),
                    message: "m".into(),
                },
                false,
                false,
                false,
            ),
            (
                download(DownloadProblem::Truncated {
                    received: 1,
                    expected: Some(2),
                }),
                true,
                false,
                false,
            ),
            (
                download(DownloadProblem::TooLarge { limit: 1 }),
                false,
                false,
                false,
            ),
        ];
        for (e, transient, processed, unsent) in cases {
            assert_eq!(
                (
                    e.is_transient(),
                    e.may_have_been_processed(),
                    e.nothing_was_sent()
                ),
                (transient, processed, unsent),
                "{e:?}"
            );
        }
    }
}
