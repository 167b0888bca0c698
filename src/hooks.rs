//! How `pictory::raw` (progenitor's generated client) reaches the
//! pipeline: its `ClientHooks::exec` sends each request through
//! [`Pipeline::send`], and hands progenitor a response rebuilt from what the
//! pipeline read (status, headers, the redacted body), so progenitor decodes
//! it as it would any answer and its `send()` keeps its own error type.
//! Failures without an answer come back as the HTTP stack's own error (URL
//! removed); a request the pipeline refused before sending (an unsafe path
//! value, no way to read jobs, the deadline at the rate-limit gate) as a
//! response with status 599 whose JSON body `{"error": "..."}` says why.
//!
//! The crate's own typed calls ([`crate::api`]) do not come this way: they
//! go to the pipeline directly.

use crate::operations::OperationSpec;
use crate::pipeline::{Failed, Pipeline};
use progenitor_client::{ClientHooks, OperationInfo};
use std::sync::Arc;

/// The generated client's inner value: the pipeline every clone of a
/// [`crate::Client`] shares. Not part of the crate's API.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct HookState(pub(crate) Arc<Pipeline>);

/// The status of the response standing for a request the pipeline refused
/// before sending.
const REFUSED_STATUS: u16 = 599;

impl ClientHooks<HookState> for crate::raw::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let pipeline = &self.inner.0;
        let outcome = match OperationSpec::find(info.operation_id) {
            Some(op) => {
                let make = || {
                    std::future::ready(request.try_clone().ok_or(crate::Error::InvalidRequest {
                        operation: op.id,
                        message: "the request body cannot be re-created for a retry".into(),
                    }))
                };
                pipeline.send(op, None, make).await
            }
            None => Err(Failed::from(crate::Error::InvalidRequest {
                operation: "unknown",
                message: format!(
                    "{:?} is not an operation of this build's spec",
                    info.operation_id
                ),
            })),
        };
        match outcome {
            Ok(d) => Ok(rebuilt(d.status, d.headers, d.body)),
            Err(Failed {
                source: Some(e), ..
            }) => Err(e),
            Err(Failed { error, .. }) => {
                let status = error.status().unwrap_or(REFUSED_STATUS);
                let body = match error.body() {
                    Some(body) if error.status().is_some() => body.to_string(),
                    _ => serde_json::json!({ "error": error.to_string() }).to_string(),
                };
                Ok(rebuilt(
                    status,
                    Default::default(),
                    bytes::Bytes::from(body),
                ))
            }
        }
    }
}

/// A `reqwest::Response` from what the pipeline read.
fn rebuilt(
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
) -> reqwest::Response {
    let mut response = http::Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    *response.headers_mut() = headers;
    reqwest::Response::from(response)
}
