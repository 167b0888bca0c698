//! How every generated request is executed: progenitor's `ClientHooks`
//! implemented for the generated client. `pre` adds the token; `exec` sends
//! the request with the URL-format fallback and the retry policy, buffering
//! each response body so that a connection dropped mid-body is a retryable
//! failure of the attempt rather than of the caller's read.

use crate::fallback::{
    FormatMemory, UrlFormat, UrlMode, is_routing_404, may_switch, to_old_format,
};
use crate::operations::OperationSpec;
use crate::retry::{AttemptFailure, RetryPolicy};
use progenitor_client::{ClientHooks, OperationInfo};
use secrecy::{ExposeSecret, SecretString};
use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// What the hooks need, shared by every clone of a [`crate::Client`]. It is
/// the generated client's inner type; its `Debug` never shows the token.
#[derive(Clone)]
pub struct HookState(pub(crate) Arc<Shared>);

impl std::fmt::Debug for HookState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookState")
            .field("token", &"[REDACTED]")
            .field("url_mode", &self.0.mode)
            .field("retry", &self.0.retry)
            .finish()
    }
}

/// The state behind [`HookState`].
pub(crate) struct Shared {
    pub(crate) token: SecretString,
    pub(crate) retry: RetryPolicy,
    pub(crate) mode: UrlMode,
    pub(crate) formats: FormatMemory,
    /// The path of the base URL (`/pictory`), for old-format rewriting.
    pub(crate) base_path: String,
    /// Requests sent, every attempt and format switch included.
    pub(crate) sends: std::sync::atomic::AtomicU64,
    /// Re-sends made by the retry policy.
    pub(crate) retries: std::sync::atomic::AtomicU64,
}

/// What happened during one call, read by [`crate::Call::call`] to choose
/// the error variant. Absent when the generated `send()` is used directly.
#[derive(Default)]
pub(crate) struct CallReport {
    pub(crate) shared: Option<Arc<Shared>>,
    pub(crate) attempts: u32,
    pub(crate) last_status: Option<u16>,
    /// Formats that got a routing 404, in order.
    pub(crate) routing_misses: Vec<UrlFormat>,
}

tokio::task_local! {
    pub(crate) static REPORT: RefCell<CallReport>;
}

fn note(f: impl FnOnce(&mut CallReport)) {
    let _ = REPORT.try_with(|r| f(&mut r.borrow_mut()));
}

impl ClientHooks<HookState> for crate::raw::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let shared = &self.inner.0;
        request
            .url_mut()
            .query_pairs_mut()
            .append_pair("api_token", shared.token.expose_secret());
        note(|r| r.shared = Some(shared.clone()));
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        match OperationSpec::find(info.operation_id) {
            Some(op) => execute(&self.client, &self.inner.0, op, request).await,
            None => send_buffered(&self.client, request)
                .await
                .map_err(reqwest::Error::without_url),
        }
    }
}

/// Sends `request` for `op`: new → old format on a routing 404, retries as
/// the policy allows, sleeps through `tokio::time` (pausable in tests).
pub(crate) async fn execute(
    http: &reqwest::Client,
    shared: &Shared,
    op: &'static OperationSpec,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    if let Some(problem) = path_problem(request.url(), &shared.base_path, op) {
        return Ok(local_rejection(problem));
    }
    let start = tokio::time::Instant::now();
    let mut format = shared.formats.first_format(shared.mode, op);
    let mut switched = false;
    let mut tries = 0u32;
    let mut sends = 0u32;
    let mut original = Some(request);
    loop {
        // Keep the original for a possible re-send; bodies are buffered JSON.
        let base = original.as_ref().expect("kept until the last attempt");
        let mut req = match base.try_clone() {
            Some(r) => r,
            None => original.take().expect("present"),
        };
        if format == UrlFormat::Old
            && let Some(url) = to_old_format(req.url(), &shared.base_path, op)
        {
            *req.url_mut() = url;
        }
        tries += 1;
        sends += 1;
        shared
            .sends
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let span = tracing::info_span!(
            "pictory.request",
            operation = op.id,
            attempt = sends,
            url_format = format.as_str(),
            status = tracing::field::Empty,
        );
        let outcome = send_buffered(http, req).instrument(span.clone()).await;
        let can_resend = original.is_some();
        let next_delay = |failure| {
            let elapsed = start.elapsed();
            let delay = shared.retry.next_delay(
                op.is_idempotent(),
                failure,
                tries,
                elapsed,
                fastrand::f64(),
            );
            delay.filter(|_| can_resend)
        };
        note(|r| r.attempts = sends);
        let delay = match outcome {
            Ok(resp) => {
                let status = resp.status().as_u16();
                span.record("status", status);
                tracing::debug!(parent: &span, status, "response");
                note(|r| r.last_status = Some(status));
                if status == 404 && is_routing_404(status, body_of(&resp)) {
                    note(|r| r.routing_misses.push(format));
                    if may_switch(shared.mode, op) && !switched && can_resend {
                        switched = true;
                        format = format.other();
                        tries -= 1; // a format switch is not a retry
                        continue;
                    }
                    return Ok(resp);
                }
                if !op.path_params.is_empty()
                    && shared.mode == UrlMode::Auto
                    && shared.formats.learn(op, format)
                    && switched
                {
                    tracing::info!(
                        operation = op.id,
                        url_format = format.as_str(),
                        "LowCodeAPI answers this operation in the {} URL format; using it from now on",
                        format.as_str()
                    );
                }
                if !matches!(status, 429 | 500 | 502 | 503 | 504) {
                    return Ok(resp);
                }
                match next_delay(AttemptFailure::Status(status, retry_after(resp.headers()))) {
                    Some(delay) => delay,
                    None => return Ok(resp),
                }
            }
            Err(e) => {
                let e = e.without_url();
                let failure = if e.is_connect() {
                    AttemptFailure::ConnectFailed
                } else {
                    AttemptFailure::MaybeSent
                };
                tracing::debug!(parent: &span, error = %e, "attempt failed");
                match next_delay(failure) {
                    Some(delay) => delay,
                    None => return Err(e),
                }
            }
        };
        shared
            .retries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::debug!(
            operation = op.id,
            attempt = sends,
            delay_ms = delay.as_millis() as u64,
            "retrying"
        );
        tokio::time::sleep(delay).await;
    }
}

/// A request the transport refused to send; read by the conversion in
/// `call.rs`, which turns it into [`crate::Error::InvalidRequest`].
#[derive(Clone, Debug)]
pub(crate) struct LocalRejection(pub(crate) String);

/// A path parameter that URLs cannot carry: empty, `.` or `..` (URL parsers
/// remove dot segments, so the request would silently go to another route).
fn path_problem(url: &url::Url, base_path: &str, op: &OperationSpec) -> Option<String> {
    if op.path_params.is_empty() {
        return None;
    }
    let rest = url
        .path()
        .strip_prefix(base_path.trim_end_matches('/'))
        .unwrap_or_default();
    // Without allocating: a removed dot segment changes the number of
    // segments; an empty value leaves `//` or a trailing `/`.
    let broken = rest.matches('/').count() != op.path.matches('/').count()
        || rest.contains("//")
        || rest.ends_with('/');
    broken.then(|| {
        format!(
            "a path parameter ({}) is empty, `.` or `..`, which a URL path cannot carry",
            op.path_params.join(", ")
        )
    })
}

/// A response that was never sent over the wire, carrying the reason.
fn local_rejection(reason: String) -> reqwest::Response {
    let mut resp = http::Response::new(bytes::Bytes::new());
    *resp.status_mut() = http::StatusCode::BAD_REQUEST;
    resp.extensions_mut().insert(LocalRejection(reason));
    reqwest::Response::from(resp)
}

/// The buffered body of a response built by [`send_buffered`].
fn body_of(resp: &reqwest::Response) -> &[u8] {
    resp.extensions()
        .get::<BufferedBody>()
        .map(|b| b.0.as_ref())
        .unwrap_or_default()
}

#[derive(Clone)]
struct BufferedBody(bytes::Bytes);

/// Sends and reads the whole body, returning an equivalent response whose
/// body is in memory (responses here are small JSON documents).
pub(crate) async fn send_buffered(
    http: &reqwest::Client,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let mut resp = http.execute(request).await?;
    let status = resp.status();
    let version = resp.version();
    let headers = std::mem::take(resp.headers_mut());
    let body = resp.bytes().await?;
    let mut rebuilt = http::Response::new(body.clone());
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    if status == http::StatusCode::NOT_FOUND {
        // Kept for the routing-404 check; other answers do not need it.
        rebuilt.extensions_mut().insert(BufferedBody(body));
    }
    Ok(reqwest::Response::from(rebuilt))
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}
