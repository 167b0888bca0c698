//! Streaming answers, for downloads: one attempt to an external host (a
//! file URL from a finished job) whose successful body is handed back
//! unread, so it can be written to disk as it arrives instead of being
//! held in memory under the body limit.
//!
//! Like every [`Target::External`](super::Target::External) request it
//! carries no token and no URL-format logic; the request is counted, an
//! error answer is read (bounded), redacted and classified by the same
//! `classify` rules as every other request, and a redirect is reported,
//! not followed. The caller (`crate::download`) owns the loop around it:
//! resuming, redirects it chooses to follow, and waits decided by the same
//! [`RetryPolicy`](crate::RetryPolicy).

use super::Pipeline;
use super::attempt::{ERROR_BODY_LIMIT, retry_after};
use super::classify::{self, Context, Misses};
use crate::error::Error;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// What one streaming attempt came to.
#[derive(Debug)]
pub(crate) enum Streamed {
    /// A 2xx answer: status and headers read, the body not yet.
    Open(reqwest::Response),
    /// A 3xx answer, with its `Location` when it had a readable one.
    Redirect {
        status: u16,
        location: Option<String>,
    },
    /// No usable answer: the typed error, which the retry policy reads.
    Failed(Error),
}

impl Pipeline {
    /// Sends one GET-like `request` to an external host (no token is
    /// added; the caller builds the request from a file URL). `attempts`
    /// is the attempt number, for errors.
    pub(crate) async fn stream_external(
        &self,
        name: &'static str,
        request: reqwest::Request,
        attempts: u32,
    ) -> Streamed {
        self.sends.fetch_add(1, Ordering::Relaxed);
        let ctx = Context {
            operation: name,
            idempotent: true,
            attempts,
            misses: Misses::default(),
            host: None,
            job: None,
        };
        let mut response = match self.http.execute(request).await {
            Ok(r) => r,
            Err(e) => {
                let failure = super::attempt::failure(e, &self.redactor);
                return Streamed::Failed(classify::failure_error(&ctx, &failure));
            }
        };
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Streamed::Open(response);
        }
        if (300..400).contains(&status) {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            return Streamed::Redirect { status, location };
        }
        let after = retry_after(response.headers());
        let mut body = Vec::new();
        while body.len() < ERROR_BODY_LIMIT {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = ERROR_BODY_LIMIT - body.len();
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                _ => break,
            }
        }
        let body = self.redactor.bytes(&body, false);
        // A file host's answer is its own (no proxy router in front whose
        // 404 would mean "no such route"): a 404 is a missing file.
        Streamed::Failed(classify::status_error(&ctx, status, after, &body, true))
    }

    /// The wait before retrying a streaming attempt that failed with
    /// `error`, under the client's retry policy (a download is a read:
    /// always idempotent), or `None`.
    pub(crate) fn stream_retry_delay(
        &self,
        error: &Error,
        attempts: u32,
        since: Duration,
    ) -> Option<Duration> {
        self.retry
            .next_delay(error, true, attempts, since, fastrand::f64())
    }

    /// Whether the client may cut reads with its own timers (off for
    /// clients built `without_timeouts`).
    pub(crate) fn timers(&self) -> bool {
        self.timers
    }

    /// Text with the token removed wherever it appears.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.redactor.text(text)
    }
}
