//! The one request pipeline. Every request the crate sends goes through
//! [`Pipeline::run`]: generated operations (through progenitor's
//! `ClientHooks::exec`, see `hooks.rs`), the template upload and the
//! signed-URL PUT. Each attempt is built afresh by a request factory, so a
//! body (a file stream included) is re-created for every re-send.
//!
//! Per attempt: build → old-format rewrite and token (LowCodeAPI targets
//! only) → route check → send and read within the body and time limits →
//! redact. Then one decision: success, a URL-format switch on a routing
//! miss, a retry the [`RetryPolicy`] allows, or the typed error from
//! `classify`. Redirects are never followed.

pub(crate) mod attempt;
mod classify;
pub(crate) mod stream;
pub(crate) mod throttle;

use crate::error::{Error, Result};
use crate::fallback::{FormatMemory, UrlFormat, UrlMode, to_old_format};
use crate::operations::OperationSpec;
use crate::redact::Redactor;
use crate::retry::{AttemptFailure, RetryPolicy};
use attempt::{Attempt, retry_after};
use bytes::Bytes;
use classify::Context;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::time::Instant;
use tracing::Instrument;

/// The default body limit: large enough for a long transcript.
pub(crate) const DEFAULT_BODY_LIMIT: usize = 32 << 20;

/// Where a request goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// An operation of the spec, through LowCodeAPI: token, URL formats.
    Operation(&'static OperationSpec),
    /// Another host (a signed storage URL): no token, no URL formats.
    External {
        /// The name used in errors.
        name: &'static str,
        /// Whether re-sending after a possible arrival is safe.
        idempotent: bool,
    },
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Operation(op) => op.id,
            Target::External { name, .. } => name,
        }
    }

    fn idempotent(self) -> bool {
        match self {
            Target::Operation(op) => op.is_idempotent(),
            Target::External { idempotent, .. } => idempotent,
        }
    }
}

/// A successful answer: any 2xx, its body read whole and redacted.
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// A failed run: the typed error, and the HTTP stack's own error when
/// there was one (progenitor's `send()` needs it).
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) error: Error,
    pub(crate) source: Option<reqwest::Error>,
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Failed {
            error,
            source: None,
        }
    }
}

impl From<Failed> for Error {
    fn from(f: Failed) -> Self {
        f.error
    }
}

/// What every request needs, shared by every clone of a [`crate::Client`].
pub(crate) struct Pipeline {
    pub(crate) http: reqwest::Client,
    pub(crate) token: SecretString,
    pub(crate) redactor: Redactor,
    pub(crate) retry: RetryPolicy,
    pub(crate) mode: UrlMode,
    pub(crate) formats: FormatMemory,
    /// The path of the base URL (`/pictory`), no trailing slash.
    pub(crate) base_path: String,
    pub(crate) body_limit: usize,
    /// Whether a deadline may cut an attempt in flight (off for clients
    /// built `without_timeouts`, whose tests run on paused time).
    pub(crate) timers: bool,
    /// The whole-request time limit of one attempt (the client's
    /// `timeout`); streamed downloads use it for the answer's head.
    pub(crate) request_timeout: std::time::Duration,
    /// The largest file a download writes.
    pub(crate) download_limit: u64,
    /// Requests sent, every attempt and format switch included.
    pub(crate) sends: AtomicU64,
    /// Re-sends made by the retry policy.
    pub(crate) retries: AtomicU64,
    /// The 429 state shared by every request to LowCodeAPI.
    pub(crate) throttle: throttle::Throttle,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("token", &"[REDACTED]")
            .field("url_mode", &self.mode)
            .field("retry", &self.retry)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Runs one request to its end. `make` builds each attempt's request
    /// (new-format URL, no token); `deadline` bounds the whole run.
    pub(crate) async fn run<F, Fut>(
        &self,
        target: Target,
        deadline: Option<Instant>,
        make: F,
    ) -> std::result::Result<Delivered, Failed>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<reqwest::Request>>,
    {
        let idempotent = target.idempotent();
        let route = match target {
            Target::Operation(op) => Some(op),
            Target::External { .. } => None,
        };
        let start = Instant::now();
        let mut format = route.map_or(UrlFormat::New, |op| {
            self.formats.first_format(self.mode, op)
        });
        let mut misses = classify::Misses::default();
        let mut attempts = 0u32;
        // The first URL's path, kept for an operation with a `job_id` (its
        // value names the job in `JobNotFound`).
        let mut job_path: Option<String> = None;
        loop {
            let mut request = make().await?;
            if let Some(op) = route {
                if job_path.is_none() && op.path_params.contains(&"job_id") {
                    job_path = Some(request.url().path().to_owned());
                }
                self.prepare(&mut request, op, format)?;
            }
            // Only LowCodeAPI's rate limit is shared, not a storage host's.
            let permit = match route {
                Some(_) => Some(self.admit(target, attempts, deadline).await?),
                None => None,
            };
            attempts += 1;
            self.sends.fetch_add(1, Ordering::Relaxed);
            let time = deadline
                .filter(|_| self.timers)
                .map(|d| d.saturating_duration_since(Instant::now()));
            let span = tracing::info_span!(
                "pictory.request",
                operation = target.name(),
                attempt = attempts,
                url_format = format.as_str(),
                status = tracing::field::Empty,
            );
            let exchange =
                attempt::send(&self.http, request, self.body_limit, time, &self.redactor);
            // Entering a span nobody listens to still costs on every poll.
            let outcome = if span.is_disabled() {
                exchange.await
            } else {
                exchange.instrument(span.clone()).await
            };
            if let Attempt::Answer { status, .. } | Attempt::TooLarge { status, .. } = &outcome {
                span.record("status", status);
            }
            if let (
                Some(permit),
                Attempt::Answer {
                    status, headers, ..
                },
            ) = (permit, &outcome)
            {
                let after = (*status == 429).then(|| retry_after(headers)).flatten();
                let max_pause = self.retry.max_retry_after;
                self.throttle
                    .on_answer(permit.sent_at, *status, after, max_pause);
            }
            let ctx = Context {
                operation: target.name(),
                idempotent,
                attempts,
                misses,
                job: job_path
                    .as_deref()
                    .zip(route)
                    .map(|(path, op)| classify::JobRef {
                        path,
                        base_path: &self.base_path,
                        op,
                    }),
            };
            let delay = match outcome {
                Attempt::Answer {
                    status,
                    headers,
                    body,
                    cut,
                } => {
                    if (300..400).contains(&status) {
                        let location = headers
                            .get(reqwest::header::LOCATION)
                            .and_then(|l| l.to_str().ok());
                        let e = classify::redirect_error(&ctx, status, location, &self.redactor);
                        return Err(e.into());
                    }
                    let pictory = (200..300).contains(&status) || reached_pictory(&body, cut);
                    if let Some(op) = route.filter(|_| pictory) {
                        self.learn(op, format);
                    }
                    if (200..300).contains(&status) {
                        if ctx.job.is_some() && classify::is_job_not_found(&body) {
                            return Err(classify::job_not_found(&ctx).into());
                        }
                        return Ok(Delivered {
                            status,
                            headers,
                            body,
                        });
                    }
                    if status == 404 && !pictory {
                        misses.add(format);
                        let switch = route.is_some_and(|op| {
                            self.mode == UrlMode::Auto
                                && !op.path_params.is_empty()
                                && !misses.contains(format.other())
                        });
                        if switch {
                            format = format.other();
                            attempts -= 1; // a format switch is not a retry
                            continue;
                        }
                        let ctx = Context { misses, ..ctx };
                        return Err(classify::status_error(&ctx, status, None, &body, false).into());
                    }
                    let after = retry_after(&headers);
                    let failure = AttemptFailure::Status(status, after);
                    match self.retry_delay(&ctx, failure, start, deadline) {
                        Some(delay) => delay,
                        None => {
                            let e = classify::status_error(&ctx, status, after, &body, pictory);
                            return Err(e.into());
                        }
                    }
                }
                Attempt::TooLarge { status, limit } => {
                    return Err(Error::BodyTooLarge {
                        operation: ctx.operation,
                        status,
                        limit,
                    }
                    .into());
                }
                Attempt::Failed(failed) => {
                    let kind = if failed.maybe_sent {
                        AttemptFailure::MaybeSent
                    } else {
                        AttemptFailure::ConnectFailed
                    };
                    match self.retry_delay(&ctx, kind, start, deadline) {
                        Some(delay) => delay,
                        None => {
                            return Err(Failed {
                                error: classify::failure_error(&ctx, &failed),
                                source: failed.source,
                            });
                        }
                    }
                }
            };
            self.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                operation = ctx.operation,
                attempt = attempts,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// Waits at the shared rate-limit gate (see `throttle`), within the
    /// deadline: past it, [`Error::Timeout`] — nothing was sent.
    async fn admit(
        &self,
        target: Target,
        attempts: u32,
        deadline: Option<Instant>,
    ) -> Result<throttle::Permit<'_>> {
        if let Some(permit) = self.throttle.try_acquire() {
            return Ok(permit);
        }
        // Boxed: the waiting state stays out of every request's future.
        let wait = Box::pin(self.throttle.acquire_slow());
        match deadline {
            None => Ok(wait.await),
            Some(d) => tokio::time::timeout_at(d, wait)
                .await
                .map_err(|_| Error::Timeout {
                    operation: target.name(),
                    attempts,
                }),
        }
    }

    /// The wait before the next attempt, if the policy allows one and it
    /// ends before the deadline.
    fn retry_delay(
        &self,
        ctx: &Context<'_>,
        failure: AttemptFailure,
        start: Instant,
        deadline: Option<Instant>,
    ) -> Option<std::time::Duration> {
        let delay = self.retry.next_delay(
            ctx.idempotent,
            failure,
            ctx.attempts,
            start.elapsed(),
            fastrand::f64(),
        )?;
        match deadline {
            Some(d) if Instant::now().checked_add(delay).is_none_or(|at| at >= d) => None,
            _ => Some(delay),
        }
    }

    /// Moves the URL to `format`, adds the token, and refuses a URL that is
    /// not exactly the operation's route.
    fn prepare(
        &self,
        request: &mut reqwest::Request,
        op: &'static OperationSpec,
        format: UrlFormat,
    ) -> Result<()> {
        if format == UrlFormat::Old && !op.path_params.is_empty() {
            let old = to_old_format(request.url(), &self.base_path, op);
            match old {
                Some(url) => *request.url_mut() = url,
                None => return Err(self.route_refused(op, request.url(), format)),
            }
        }
        if let Some(problem) = crate::path::check_route(request.url(), &self.base_path, op, format)
        {
            return Err(Error::InvalidRequest {
                operation: op.id,
                message: problem,
            });
        }
        request
            .url_mut()
            .query_pairs_mut()
            .append_pair("api_token", self.token.expose_secret());
        Ok(())
    }

    fn route_refused(&self, op: &OperationSpec, url: &url::Url, format: UrlFormat) -> Error {
        let problem = crate::path::check_route(url, &self.base_path, op, UrlFormat::New)
            .unwrap_or_else(|| format!("cannot build the {} URL format", format.as_str()));
        Error::InvalidRequest {
            operation: op.id,
            message: problem,
        }
    }

    /// Remembers that `op` reached Pictory in `format`; logs it once.
    fn learn(&self, op: &'static OperationSpec, format: UrlFormat) {
        if op.path_params.is_empty() || self.mode != UrlMode::Auto {
            return;
        }
        if self.formats.learn(op, format) {
            tracing::info!(
                operation = op.id,
                url_format = format.as_str(),
                "LowCodeAPI answers this operation in the {} URL format; using it from now on",
                format.as_str()
            );
        }
    }
}

/// Whether an unsuccessful answer came from Pictory (rather than from the
/// proxy's router or a load balancer in front of it).
fn reached_pictory(body: &[u8], cut: bool) -> bool {
    !cut && serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| crate::wire::is_pictory_answer(&v))
}
