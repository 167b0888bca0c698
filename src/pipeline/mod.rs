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
pub(crate) mod classify;
pub(crate) mod stream;
pub(crate) mod throttle;

use crate::error::{Error, Result};
use crate::fallback::{FormatMemory, UrlFormat, UrlMode, to_old_format};
use crate::operations::OperationSpec;
use crate::redact::Redactor;
use crate::retry::RetryPolicy;
use crate::waiting::JobReads;
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

/// The service an operation is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// LowCodeAPI's proxy: the token in the `api_token` query parameter,
    /// two URL formats, Pictory's body inside LowCodeAPI's envelope.
    LowCodeApi,
    /// Pictory itself: the API key in `Authorization`, bare bodies.
    Pictory,
}

impl Host {
    /// The environment variable of the credential this host checks, for
    /// an `Unauthorized` error's advice.
    pub(crate) fn credential(self) -> &'static str {
        match self {
            Host::LowCodeApi => crate::client::TOKEN_ENV,
            Host::Pictory => crate::client::PICTORY_KEY_ENV,
        }
    }
}

/// Where a request goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// An operation of the spec, to LowCodeAPI or to Pictory.
    Operation(&'static OperationSpec, Host),
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
            Target::Operation(op, _) => op.id,
            Target::External { name, .. } => name,
        }
    }

    fn idempotent(self) -> bool {
        match self {
            Target::Operation(op, _) => op.is_idempotent(),
            Target::External { idempotent, .. } => idempotent,
        }
    }
}

/// One service the client talks to: its base URL and the credential sent
/// to it (and to nothing else), and its own 429 state.
pub(crate) struct Upstream {
    /// The base URL, normalized, without a trailing slash.
    pub(crate) base: String,
    /// The base URL's path (`/pictory`, or empty), no trailing slash.
    pub(crate) base_path: String,
    /// The token (LowCodeAPI) or the API key (Pictory).
    pub(crate) secret: SecretString,
    /// The 429 state shared by every request to this service.
    pub(crate) throttle: throttle::Throttle,
}

/// A successful answer: any 2xx, its body read whole and redacted.
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The service that answered (`None`: an external host); tells whether
    /// the body is in LowCodeAPI's envelope.
    pub(crate) host: Option<Host>,
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
    /// Removes every secret of the client from what it reads.
    pub(crate) redactor: Redactor,
    pub(crate) retry: RetryPolicy,
    pub(crate) mode: UrlMode,
    pub(crate) formats: FormatMemory,
    /// LowCodeAPI, when a token is configured.
    pub(crate) lowcodeapi: Option<Upstream>,
    /// Pictory itself, when an API key is configured.
    pub(crate) pictory: Option<Upstream>,
    /// The base URL the request factories build on (the generated client's:
    /// LowCodeAPI's when a token is set, else Pictory's); each attempt is
    /// moved to its host's base.
    pub(crate) factory_base: String,
    /// The path of [`factory_base`](Self::factory_base), no trailing slash.
    pub(crate) factory_base_path: String,
    /// How jobs are read, decided once (see `crate::waiting`).
    pub(crate) job_reads: tokio::sync::OnceCell<crate::waiting::JobReads>,
    /// Held while the job route is probed (one probe at a time).
    pub(crate) probing: tokio::sync::Mutex<()>,
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
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("token", &self.lowcodeapi.as_ref().map(|_| "[REDACTED]"))
            .field("pictory_key", &self.pictory.as_ref().map(|_| "[REDACTED]"))
            .field("url_mode", &self.mode)
            .field("retry", &self.retry)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// The service `host` names; `None` when the client has no credential
    /// for it.
    pub(crate) fn upstream(&self, host: Host) -> Option<&Upstream> {
        match host {
            Host::LowCodeApi => self.lowcodeapi.as_ref(),
            Host::Pictory => self.pictory.as_ref(),
        }
    }

    /// Sends operation `op` to the service it goes to: an operation
    /// LowCodeAPI does not serve to Pictory (or, without Pictory's key,
    /// [`Error::NeedsPictoryKey`] before anything is sent), a job read as
    /// [`Client::job_reads`] decided, everything else to LowCodeAPI when a
    /// token is set, else to Pictory.
    ///
    /// A job read on a client that has not decided yet is itself the
    /// probe: it goes to LowCodeAPI, and its answer decides (a routing 404
    /// in every URL format: no route, so the read goes to Pictory when the
    /// key is set, else [`Error::NoJobReads`]).
    pub(crate) async fn send<F, Fut>(
        &self,
        op: &'static OperationSpec,
        deadline: Option<tokio::time::Instant>,
        make: F,
    ) -> std::result::Result<Delivered, Failed>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<reqwest::Request>>,
    {
        if op.served_by == crate::operations::ServedBy::PictoryOnly {
            // LowCodeAPI does not proxy it: Pictory with the key, or nothing.
            return match self.pictory {
                Some(_) => {
                    self.run(Target::Operation(op, Host::Pictory), deadline, make)
                        .await
                }
                None => Err(Error::NeedsPictoryKey { operation: op.id }.into()),
            };
        }
        if op.id != crate::operations::JOB_READ {
            let host = match self.lowcodeapi {
                Some(_) => Host::LowCodeApi,
                None => Host::Pictory,
            };
            return self.run(Target::Operation(op, host), deadline, make).await;
        }
        let decided = match (self.job_reads.get(), &self.lowcodeapi) {
            (Some(reads), _) => *reads,
            (None, None) => JobReads::Direct,
            (None, Some(_)) => {
                let answer = self
                    .run(Target::Operation(op, Host::LowCodeApi), deadline, &make)
                    .await;
                let settled = match &answer {
                    Ok(_) => Some((true, true)),
                    Err(failed) => route_shown(&failed.error),
                };
                let Some((has_route, decisive)) = settled else {
                    return answer;
                };
                let reads = self.decide(has_route, decisive);
                if reads == JobReads::Proxy {
                    return answer;
                }
                reads
            }
        };
        match decided {
            JobReads::Proxy => {
                self.run(Target::Operation(op, Host::LowCodeApi), deadline, make)
                    .await
            }
            JobReads::Direct => {
                self.run(Target::Operation(op, Host::Pictory), deadline, make)
                    .await
            }
            JobReads::Unavailable => Err(Error::NoJobReads { operation: op.id }.into()),
        }
    }

    /// The decision from what a read showed of the proxy's job route,
    /// remembered when `decisive` (the first one wins if another task
    /// decided meanwhile).
    pub(crate) fn decide(&self, has_route: bool, decisive: bool) -> JobReads {
        let reads = reads_for(has_route, self.pictory.is_some());
        if !decisive {
            return reads;
        }
        if self.job_reads.set(reads).is_ok() {
            tracing::info!(decision = ?reads, "job reads: {reads}");
        }
        self.job_reads.get().copied().unwrap_or(reads)
    }

    /// Runs one request to its end. `make` builds each attempt's request
    /// (new-format URL on the factory base, no credential); `deadline`
    /// bounds the whole run.
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
            Target::Operation(op, host) => {
                let upstream = self.upstream(host).ok_or_else(|| Error::Config {
                    message: format!(
                        "{}: no credential for {} is configured",
                        op.id,
                        match host {
                            Host::LowCodeApi => "LowCodeAPI",
                            Host::Pictory => "Pictory",
                        }
                    ),
                })?;
                Some((op, host, upstream))
            }
            Target::External { .. } => None,
        };
        let start = Instant::now();
        // Nothing of this call leaves after its retry budget, whether it
        // waited for a retry, at the rate-limit gate or for its paced turn.
        let gate_deadline = match (deadline, start.checked_add(self.retry.total_budget)) {
            (Some(d), Some(b)) => Some(d.min(b)),
            (d, b) => d.or(b),
        };
        let mut format = match route {
            Some((op, Host::LowCodeApi, _)) => self.formats.first_format(self.mode, op),
            _ => UrlFormat::New,
        };
        let mut misses = classify::Misses::default();
        let mut attempts = 0u32;
        // The first URL's path, kept for an operation with a `job_id` (its
        // value names the job in `JobNotFound`).
        let mut job_path: Option<String> = None;
        loop {
            let mut request = make().await?;
            if let Some((op, host, upstream)) = route {
                if job_path.is_none() && op.path_params.contains(&"job_id") {
                    job_path = Some(request.url().path().to_owned());
                }
                self.prepare(&mut request, op, host, upstream, format)?;
            }
            // Each service's rate limit is shared, not a storage host's.
            let permit = match route {
                Some((_, _, upstream)) => {
                    Some(admit(&upstream.throttle, target, attempts, gate_deadline).await?)
                }
                None => None,
            };
            attempts += 1;
            self.sends.fetch_add(1, Ordering::Relaxed);
            let time = deadline
                .filter(|_| self.timers)
                .map(|d| d.saturating_duration_since(Instant::now()));
            // The route is the spec's path template (never a value, never
            // the query, which carries the token); a storage or download
            // host's request is named by its operation only.
            let span = tracing::info_span!(
                "pictory.request",
                operation = target.name(),
                method = %request.method(),
                route = route.map_or("-", |(op, _, _)| op.path),
                attempt = attempts,
                url_format = format.as_str(),
                status = tracing::field::Empty,
            );
            let sent_at = (!span.is_disabled()).then(Instant::now);
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
            if let Some(sent_at) = sent_at {
                let ms = sent_at.elapsed().as_millis() as u64;
                match &outcome {
                    Attempt::Failed(failure) => {
                        tracing::info!(parent: &span, ms, error = %failure.message, "no answer")
                    }
                    _ => tracing::info!(parent: &span, ms, "answered"),
                }
            }
            if let (
                Some(permit),
                Some((_, _, upstream)),
                Attempt::Answer {
                    status, headers, ..
                },
            ) = (permit, route, &outcome)
            {
                let after = (*status == 429).then(|| retry_after(headers)).flatten();
                let max_pause = self.retry.max_retry_after;
                upstream
                    .throttle
                    .on_answer(permit.sent_at, *status, after, max_pause);
            }
            let host = route.map(|(_, host, _)| host);
            let ctx = Context {
                operation: target.name(),
                idempotent,
                attempts,
                misses,
                host,
                job: job_path
                    .as_deref()
                    .zip(route)
                    .map(|(path, (op, _, _))| classify::JobRef {
                        path,
                        base_path: &self.factory_base_path,
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
                    // Pictory's own answers need no telling apart; through
                    // LowCodeAPI only marked ones reached Pictory.
                    let pictory = (200..300).contains(&status)
                        || host == Some(Host::Pictory)
                        || reached_pictory(&body, cut);
                    if let Some((op, Host::LowCodeApi, _)) = route.filter(|_| pictory) {
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
                            host,
                        });
                    }
                    if status == 404 && !pictory {
                        misses.add(format);
                        let switch = route.is_some_and(|(op, _, _)| {
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
                    let error = classify::status_error(&ctx, status, after, &body, pictory);
                    match self.retry_delay(&ctx, &error, start, deadline) {
                        Some(delay) => delay,
                        None => return Err(error.into()),
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
                    let error = classify::failure_error(&ctx, &failed);
                    match self.retry_delay(&ctx, &error, start, deadline) {
                        Some(delay) => delay,
                        None => {
                            return Err(Failed {
                                error,
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

    /// The wait before the next attempt after one that failed with
    /// `error`, if the policy allows one and it ends before the deadline.
    fn retry_delay(
        &self,
        ctx: &Context<'_>,
        error: &Error,
        start: Instant,
        deadline: Option<Instant>,
    ) -> Option<std::time::Duration> {
        let delay = self.retry.next_delay(
            error,
            ctx.idempotent,
            ctx.attempts,
            start.elapsed(),
            fastrand::f64(),
        )?;
        match deadline {
            Some(d) if Instant::now().checked_add(delay).is_none_or(|at| at >= d) => None,
            _ => Some(delay),
        }
    }

    /// Moves the URL to `host`'s base (and, for LowCodeAPI, to `format`),
    /// refuses a URL that is not exactly the operation's route, and adds
    /// the host's credential: the token to LowCodeAPI's query, the API key
    /// to Pictory's `Authorization` header. Nothing else ever gets either.
    fn prepare(
        &self,
        request: &mut reqwest::Request,
        op: &'static OperationSpec,
        host: Host,
        upstream: &Upstream,
        format: UrlFormat,
    ) -> Result<()> {
        let refused = |request: &reqwest::Request| {
            route_refused(op, request.url(), &upstream.base_path, format)
        };
        if upstream.base != self.factory_base {
            let moved = request
                .url()
                .as_str()
                .strip_prefix(self.factory_base.as_str())
                .and_then(|rest| url::Url::parse(&format!("{}{rest}", upstream.base)).ok());
            *request.url_mut() = moved.ok_or_else(|| refused(request))?;
        }
        if format == UrlFormat::Old && !op.path_params.is_empty() {
            let old = to_old_format(request.url(), &upstream.base_path, op);
            *request.url_mut() = old.ok_or_else(|| refused(request))?;
        }
        if let Some(problem) =
            crate::path::check_route(request.url(), &upstream.base_path, op, format)
        {
            return Err(Error::InvalidRequest {
                operation: op.id,
                message: problem,
            });
        }
        match host {
            Host::LowCodeApi => {
                request
                    .url_mut()
                    .query_pairs_mut()
                    .append_pair("api_token", upstream.secret.expose_secret());
            }
            Host::Pictory => {
                // Sent raw, as Pictory documents (no `Bearer`); marked
                // sensitive so the HTTP stack never shows it.
                let mut value =
                    reqwest::header::HeaderValue::from_str(upstream.secret.expose_secret())
                        .map_err(|_| Error::Config {
                            message: "the Pictory API key cannot be sent in a header".into(),
                        })?;
                value.set_sensitive(true);
                request
                    .headers_mut()
                    .insert(reqwest::header::AUTHORIZATION, value);
            }
        }
        Ok(())
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

/// Waits at a service's shared rate-limit gate (see `throttle`), within
/// the call's deadline and retry budget: past it, [`Error::Timeout`] with
/// `sent: false` — this attempt was not sent.
async fn admit<'t>(
    throttle: &'t throttle::Throttle,
    target: Target,
    attempts: u32,
    deadline: Option<Instant>,
) -> Result<throttle::Permit<'t>> {
    if let Some(permit) = throttle.try_acquire() {
        return Ok(permit);
    }
    // Boxed: the waiting state stays out of every request's future.
    let wait = Box::pin(throttle.acquire_slow());
    match deadline {
        None => Ok(wait.await),
        Some(d) => tokio::time::timeout_at(d, wait)
            .await
            .map_err(|_| Error::Timeout {
                operation: target.name(),
                attempts,
                sent: false,
            }),
    }
}

fn route_refused(op: &OperationSpec, url: &url::Url, base_path: &str, format: UrlFormat) -> Error {
    let problem = crate::path::check_route(url, base_path, op, UrlFormat::New)
        .unwrap_or_else(|| format!("cannot build the {} URL format", format.as_str()));
    Error::InvalidRequest {
        operation: op.id,
        message: problem,
    }
}

/// Whether an unsuccessful answer came from Pictory (rather than from the
/// proxy's router or a load balancer in front of it).
fn reached_pictory(body: &[u8], cut: bool) -> bool {
    !cut && serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| crate::wire::is_pictory_answer(&v))
}

/// Where reads go, from whether the proxy has a job route and whether a
/// Pictory key is set.
fn reads_for(has_route: bool, has_key: bool) -> JobReads {
    match (has_route, has_key) {
        (true, _) => JobReads::Proxy,
        (false, true) => JobReads::Direct,
        (false, false) => JobReads::Unavailable,
    }
}

/// What an error from a job read through LowCodeAPI shows of its job
/// route, and whether that is decisive enough to remember: an answer from
/// Pictory (the route exists), LowCodeAPI's own unknown-route answer in
/// every URL format tried (it does not), a routing 404 from something in
/// front of LowCodeAPI (HTML, text, nothing: it does not, this time; not
/// remembered, since a load balancer's passing 404 proves nothing about the
/// proxy), or nothing settled.
pub(crate) fn route_shown(e: &Error) -> Option<(bool, bool)> {
    match e {
        Error::JobNotFound { .. } | Error::NotFound { .. } | Error::BadRequest { .. } => {
            Some((true, true))
        }
        Error::RouteNotFound { response, .. } => Some((
            false,
            crate::wire::is_unknown_route(response.body.as_bytes()),
        )),
        _ => None,
    }
}
