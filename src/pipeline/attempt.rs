//! One attempt: send a request, read its body within a size limit and a
//! time limit, redact it, and say what happened as a value.

use crate::redact::Redactor;
use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use std::time::Duration;

/// How much of an error body is read: enough for any error message and
/// field list, never the whole of a hostile body.
pub(crate) const ERROR_BODY_LIMIT: usize = 256 << 10;

/// What one attempt came to.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// An answer, its body read (redacted). `cut`: an error body longer
    /// than [`ERROR_BODY_LIMIT`], of which only the start was kept.
    Answer {
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        cut: bool,
    },
    /// A successful answer whose body is over the client's body limit; it
    /// was not read.
    TooLarge { status: u16, limit: usize },
    /// No answer.
    Failed(Failure),
}

/// Why an attempt got no answer.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Whether the request may have reached the server: false only when the
    /// connection could not be made.
    pub(crate) maybe_sent: bool,
    /// The attempt ran out of time (the client's timeout or the caller's
    /// deadline).
    pub(crate) timed_out: bool,
    /// What the HTTP stack said, URL removed and redacted.
    pub(crate) message: String,
    /// The HTTP stack's error, URL removed (absent when the deadline cut
    /// the attempt).
    pub(crate) source: Option<reqwest::Error>,
}

/// Sends `request` and reads the answer, within `time` when given.
pub(crate) async fn send(
    http: &reqwest::Client,
    request: reqwest::Request,
    body_limit: usize,
    time: Option<Duration>,
    redactor: &Redactor,
) -> Attempt {
    let exchange = exchange(http, request, body_limit, redactor);
    match time {
        None => exchange.await,
        Some(time) => match tokio::time::timeout(time, exchange).await {
            Ok(attempt) => attempt,
            Err(_) => Attempt::Failed(Failure {
                maybe_sent: true,
                timed_out: true,
                message: "the deadline passed while the request was in flight".into(),
                source: None,
            }),
        },
    }
}

async fn exchange(
    http: &reqwest::Client,
    request: reqwest::Request,
    body_limit: usize,
    redactor: &Redactor,
) -> Attempt {
    let mut response = match http.execute(request).await {
        Ok(r) => r,
        Err(e) => return Attempt::Failed(failure(e, redactor)),
    };
    let status = response.status().as_u16();
    let success = (200..300).contains(&status);
    let limit = if success {
        body_limit
    } else {
        ERROR_BODY_LIMIT.min(body_limit)
    };
    if success
        && response
            .content_length()
            .is_some_and(|n| n > body_limit as u64)
    {
        return Attempt::TooLarge {
            status,
            limit: body_limit,
        };
    }
    let headers = redact_headers(std::mem::take(response.headers_mut()), redactor);
    let capacity = response.content_length().unwrap_or(0).min(limit as u64) as usize;
    // A body that arrives in one chunk (most answers) is kept as it came,
    // without a copy; more chunks are gathered into one buffer.
    let mut first: Option<Bytes> = None;
    let mut gathered = BytesMut::new();
    let mut cut = false;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let so_far = first.as_ref().map_or(gathered.len(), Bytes::len);
                if first.is_none() && gathered.is_empty() && chunk.len() <= limit {
                    first = Some(chunk);
                    continue;
                }
                if let Some(first) = first.take() {
                    gathered.reserve(capacity.max(first.len() + chunk.len()).min(limit));
                    gathered.extend_from_slice(&first);
                }
                if so_far + chunk.len() > limit {
                    if success {
                        return Attempt::TooLarge { status, limit };
                    }
                    gathered.extend_from_slice(&chunk[..limit - so_far]);
                    cut = true;
                    break;
                }
                gathered.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Attempt::Failed(failure(e, redactor)),
        }
    }
    let body = first.unwrap_or_else(|| gathered.freeze());
    let body = match redactor.bytes(&body, cut) {
        std::borrow::Cow::Borrowed(_) => body,
        std::borrow::Cow::Owned(clean) => Bytes::from(clean),
    };
    Attempt::Answer {
        status,
        headers,
        body,
        cut,
    }
}

/// `headers` with the token removed from every value that echoes it (a
/// value that no longer parses as a header value is dropped).
fn redact_headers(mut headers: HeaderMap, redactor: &Redactor) -> HeaderMap {
    for value in headers.values_mut() {
        if let std::borrow::Cow::Owned(clean) = redactor.bytes(value.as_bytes(), false) {
            *value = reqwest::header::HeaderValue::from_bytes(&clean)
                .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("[REDACTED]"));
        }
    }
    headers
}

pub(crate) fn failure(e: reqwest::Error, redactor: &Redactor) -> Failure {
    let e = e.without_url();
    Failure {
        maybe_sent: !e.is_connect(),
        timed_out: e.is_timeout(),
        message: redactor.text(&error_chain(&e)),
        source: Some(e),
    }
}

/// The error and its causes on one line.
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// `Retry-After` as seconds or an HTTP date; absurd values saturate.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::MAX); // more seconds than a u64 holds
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}
