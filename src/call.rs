//! [`Call`]: run any generated operation through the hand-written layer and
//! get the crate's own `Result`. `build.rs` implements it for every builder.

use crate::envelope::{decode_error, truncate};
use crate::error::{Error, ErrorResponse, Result, TransportKind, redact};
use crate::fallback::UrlFormat;
use crate::operations::OperationSpec;
use crate::response::ApiResponse;
use crate::transport::{CallReport, LocalRejection, REPORT, retry_after};
use progenitor_client::ResponseValue;
use secrecy::ExposeSecret;
use serde_json::Value;
use std::cell::RefCell;
use std::future::Future;

/// What a generated builder's `send()` returns.
pub type RawResult = std::result::Result<ResponseValue<Value>, progenitor_client::Error<Value>>;

/// Runs a generated request builder through the client's hooks (token,
/// URL-format fallback, retries) and converts the outcome into the crate's
/// [`Result`]: envelopes decoded, errors typed and token-free.
///
/// ```no_run
/// use pictory::{Call, Client};
/// # async fn demo() -> pictory::Result<()> {
/// let client = Client::from_env()?;
/// let template = client.api().get_template().template_id("abc123").call().await?;
/// println!("{}", template.payload());
/// # Ok(()) }
/// ```
pub trait Call: Sized + Send {
    /// The operation id.
    const OPERATION: &'static str;

    /// Sends with the generated code (progenitor's error type).
    fn send_raw(self) -> impl Future<Output = RawResult> + Send;

    /// Sends and converts the outcome into the crate's [`Result`].
    fn call(self) -> impl Future<Output = Result<ApiResponse>> + Send {
        let request = self.send_raw();
        async move {
            let (result, report) = REPORT
                .scope(RefCell::new(CallReport::default()), async move {
                    let result = request.await;
                    (
                        result,
                        REPORT.with(|r| std::mem::take(&mut *r.borrow_mut())),
                    )
                })
                .await;
            finish(Self::OPERATION, result, report).await
        }
    }
}

async fn finish(
    operation: &'static str,
    result: RawResult,
    report: CallReport,
) -> Result<ApiResponse> {
    match result {
        Ok(rv) => {
            let status = rv.status().as_u16();
            let headers = rv.headers().clone();
            Ok(ApiResponse::new(
                operation,
                status,
                headers,
                rv.into_inner(),
            ))
        }
        Err(e) => Err(convert(operation, e, &report).await),
    }
}

/// Sends a hand-built request for `op` (a body the generated client cannot
/// express) through the same transport: retries, fallback, typed errors.
/// The request must already carry the token.
pub(crate) async fn send_manual(
    client: &crate::Client,
    op: &'static OperationSpec,
    request: reqwest::Request,
) -> Result<ApiResponse> {
    let shared = client.shared().clone();
    let http = client.http().clone();
    let report = CallReport {
        shared: Some(shared.clone()),
        ..Default::default()
    };
    let (outcome, report) = REPORT
        .scope(RefCell::new(report), async move {
            let outcome = crate::transport::execute(&http, &shared, op, request).await;
            (
                outcome,
                REPORT.with(|r| std::mem::take(&mut *r.borrow_mut())),
            )
        })
        .await;
    convert_outcome(op.id, op.is_idempotent(), outcome, &report, false).await
}

/// Converts a raw outcome into the crate's result. `allow_empty` accepts an
/// empty success body (as `null`), as storage services answer uploads.
pub(crate) async fn convert_outcome(
    operation: &'static str,
    idempotent: bool,
    outcome: reqwest::Result<reqwest::Response>,
    report: &CallReport,
    allow_empty: bool,
) -> Result<ApiResponse> {
    let ctx = Ctx {
        operation,
        report,
        idempotent,
    };
    let resp = outcome.map_err(|e| transport_error(&ctx, &e.without_url()))?;
    if let Some(LocalRejection(message)) = resp.extensions().get::<LocalRejection>() {
        return Err(Error::InvalidRequest {
            operation,
            message: message.clone(),
        });
    }
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let delay = retry_after(&headers);
    let body = resp
        .bytes()
        .await
        .map_err(|e| transport_error(&ctx, &e.without_url()))?;
    if !(200..300).contains(&status) {
        return Err(from_status(&ctx, status, delay, &body));
    }
    if allow_empty && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ApiResponse::new(operation, status, headers, Value::Null));
    }
    match serde_json::from_slice(&body) {
        Ok(v) => Ok(ApiResponse::new(operation, status, headers, v)),
        Err(e) => Err(Error::UndecodableBody {
            operation,
            status,
            reason: if body.is_empty() {
                "empty body".into()
            } else {
                format!("not JSON ({e})")
            },
            snippet: ctx.redact(&truncate(&String::from_utf8_lossy(&body), 200)),
        }),
    }
}

struct Ctx<'a> {
    operation: &'static str,
    report: &'a CallReport,
    idempotent: bool,
}

impl Ctx<'_> {
    fn redact(&self, text: &str) -> String {
        match &self.report.shared {
            Some(s) => redact(text, s.token.expose_secret()),
            None => redact(text, ""),
        }
    }
}

async fn convert(
    operation: &'static str,
    e: progenitor_client::Error<Value>,
    report: &CallReport,
) -> Error {
    let ctx = Ctx {
        operation,
        report,
        idempotent: OperationSpec::find(operation).is_some_and(|op| op.is_idempotent()),
    };
    use progenitor_client::Error as P;
    match e {
        P::InvalidRequest(message) | P::Custom(message) => Error::InvalidRequest {
            operation,
            message: ctx.redact(&message),
        },
        P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
            transport_error(&ctx, &e)
        }
        P::ErrorResponse(rv) => {
            let status = rv.status().as_u16();
            let delay = retry_after(rv.headers());
            let body = serde_json::to_vec(rv.as_ref()).unwrap_or_default();
            from_status(&ctx, status, delay, &body)
        }
        P::InvalidResponsePayload(bytes, err) => {
            let status = report.last_status.unwrap_or(0);
            if (200..300).contains(&status) {
                let reason = if bytes.iter().all(u8::is_ascii_whitespace) {
                    "empty body".to_string()
                } else if err.is_eof() {
                    format!("truncated JSON ({err})")
                } else {
                    format!("not JSON ({err})")
                };
                Error::UndecodableBody {
                    operation,
                    status,
                    reason,
                    snippet: ctx.redact(&truncate(&String::from_utf8_lossy(&bytes), 200)),
                }
            } else {
                from_status(&ctx, status, None, &bytes)
            }
        }
        P::UnexpectedResponse(resp) => {
            if let Some(LocalRejection(message)) = resp.extensions().get::<LocalRejection>() {
                return Error::InvalidRequest {
                    operation,
                    message: message.clone(),
                };
            }
            let status = resp.status().as_u16();
            let delay = retry_after(resp.headers());
            let body = resp.bytes().await.unwrap_or_default();
            from_status(&ctx, status, delay, &body)
        }
    }
}

fn transport_error(ctx: &Ctx<'_>, e: &reqwest::Error) -> Error {
    let attempts = ctx.report.attempts.max(1);
    let message = ctx.redact(&error_chain(e));
    let connect = e.is_connect();
    if !connect && !ctx.idempotent {
        let what = if e.is_timeout() {
            "timed out after sending"
        } else {
            "connection broke after sending"
        };
        return Error::PossiblyProcessed {
            operation: ctx.operation,
            status: None,
            reason: format!("{what}: {message}"),
        };
    }
    if e.is_timeout() {
        return Error::Timeout {
            operation: ctx.operation,
            attempts,
        };
    }
    Error::Transport {
        operation: ctx.operation,
        kind: if connect {
            TransportKind::Connect
        } else {
            TransportKind::Reset
        },
        attempts,
        message,
    }
}

/// The error and its causes on one line, without any URL.
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

fn from_status(
    ctx: &Ctx<'_>,
    status: u16,
    retry_after: Option<std::time::Duration>,
    body: &[u8],
) -> Error {
    let operation = ctx.operation;
    let details = decode_error(body);
    let response = ErrorResponse {
        status,
        code: details.code.as_deref().map(|c| ctx.redact(c)),
        message: details.message.as_deref().map(|m| ctx.redact(m)),
        body: ctx.redact(&truncate(&String::from_utf8_lossy(body), 2048)),
    };
    match status {
        400 | 422 => {
            let fields = details
                .fields
                .into_iter()
                .map(|mut f| {
                    f.name = ctx.redact(&f.name);
                    f.errors = f.errors.iter().map(|e| ctx.redact(e)).collect();
                    f
                })
                .collect();
            Error::BadRequest {
                operation,
                response,
                fields,
            }
        }
        401 => Error::Unauthorized {
            operation,
            response,
        },
        403 => Error::Forbidden {
            operation,
            response,
        },
        404 if !details.is_json => {
            let misses = &ctx.report.routing_misses;
            let tried = match (
                misses.contains(&UrlFormat::New),
                misses.contains(&UrlFormat::Old),
            ) {
                (true, true) => "both the new and the old URL format",
                (false, true) => "the old URL format",
                _ => "the new URL format",
            };
            Error::RouteNotFound {
                operation,
                tried,
                response,
            }
        }
        404 => Error::NotFound {
            operation,
            response,
        },
        429 => Error::RateLimited {
            operation,
            retry_after,
            response,
        },
        500 | 504 if !ctx.idempotent => Error::PossiblyProcessed {
            operation,
            status: Some(status),
            reason: response.to_string(),
        },
        500..=599 => Error::Server {
            operation,
            response,
        },
        _ => Error::UnexpectedStatus {
            operation,
            response,
        },
    }
}
