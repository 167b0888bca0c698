//! The crate's one error type. Every variant a caller can act on keeps the
//! operation id and, where there was a response, the HTTP status and the
//! (token-free, truncated) body. No variant ever holds the API token: text
//! from the wire passes through [`redact`] before it is stored.

use crate::envelope::FieldError;
use std::time::Duration;

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// 401: the LowCodeAPI token is missing or wrong.
    #[error("{operation}: unauthorized ({response}); check LOWCODEAPI_API_TOKEN")]
    Unauthorized {
        /// The operation id.
        operation: &'static str,
        /// The response.
        response: ErrorResponse,
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
    /// request never reached Pictory.
    #[error(
        "{operation}: LowCodeAPI has no route for this operation (routing 404 in {tried}); \
         the proxy may not forward it — for job results, pass a `webhook` URL instead of polling"
    )]
    RouteNotFound {
        /// The operation id.
        operation: &'static str,
        /// The URL formats tried, e.g. `new and old format`.
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
    /// An idempotent request timed out (after the retries allowed).
    #[error("{operation}: timed out after {attempts} attempt(s)")]
    Timeout {
        /// The operation id.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
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
    #[error("{operation}: undecodable body (HTTP {status}): {reason}; body starts {snippet:?}")]
    UndecodableBody {
        /// The operation id.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// Why it could not be decoded.
        reason: String,
        /// The start of the body (token removed).
        snippet: String,
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
    #[error("job {job_id} still not finished after {elapsed:?} and {polls} poll(s)")]
    JobDeadline {
        /// The job.
        job_id: String,
        /// Time spent waiting.
        elapsed: Duration,
        /// Status reads made.
        polls: u32,
        /// The last status seen, if any.
        last_status: Option<String>,
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
}

fn fields_suffix(fields: &[FieldError]) -> String {
    if fields.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = fields
        .iter()
        .map(|f| format!("{}: {}", f.name, f.errors.join(", ")))
        .collect();
    format!("; {}", parts.join("; "))
}

impl Error {
    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { response, .. }
            | Error::Forbidden { response, .. }
            | Error::NotFound { response, .. }
            | Error::RouteNotFound { response, .. }
            | Error::BadRequest { response, .. }
            | Error::RateLimited { response, .. }
            | Error::Server { response, .. }
            | Error::UnexpectedStatus { response, .. } => Some(response.status),
            Error::PossiblyProcessed { status, .. } => *status,
            Error::UndecodableBody { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The operation id, when the error belongs to one.
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
            | Error::JobFailed { operation, .. }
            | Error::InvalidRequest { operation, .. }
            | Error::Io { operation, .. } => Some(operation),
            Error::JobNotFound { .. } | Error::JobCleaned { .. } => Some("get_job"),
            Error::JobDeadline { .. } | Error::Config { .. } => None,
        }
    }

    /// Whether trying again later may succeed (429, 5xx, timeouts, transport).
    /// [`Error::PossiblyProcessed`] is not: check first whether it took effect.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::Server { .. }
                | Error::Timeout { .. }
                | Error::Transport { .. }
        )
    }
}

/// Replaces every occurrence of `secret` in `text` with `[REDACTED]`, and
/// drops the value of any `api_token=` query parameter.
pub fn redact(text: &str, secret: &str) -> String {
    let mut out = if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "[REDACTED]")
    };
    let mut from = 0;
    while let Some(pos) = out[from..].find("api_token=") {
        let start = from + pos + "api_token=".len();
        let end = out[start..]
            .find(|c: char| c == '&' || c == '"' || c == '\'' || c.is_whitespace() || c == ')')
            .map(|e| start + e)
            .unwrap_or(out.len());
        out.replace_range(start..end, "[REDACTED]");
        from = start + "[REDACTED]".len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_removes_secret_and_token_params() {
        assert_eq!(redact("a SECRET b", "SECRET"), "a [REDACTED] b");
        assert_eq!(
            redact("GET http://h/x?api_token=abc&y=1 failed", ""),
            "GET http://h/x?api_token=[REDACTED]&y=1 failed"
        );
        assert_eq!(redact("x?api_token=", "tok-123"), "x?api_token=[REDACTED]");
    }
}
