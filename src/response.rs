//! A successful response, its envelope removed, its raw body kept.

use crate::envelope::{Envelope, payload, unwrap_success};
use crate::error::{Error, Result};
use serde_json::Value;

/// A successful response from one operation.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    operation: &'static str,
    status: u16,
    headers: reqwest::header::HeaderMap,
    raw: Value,
}

impl ApiResponse {
    /// Wraps a decoded JSON body.
    pub(crate) fn new(
        operation: &'static str,
        status: u16,
        headers: reqwest::header::HeaderMap,
        raw: Value,
    ) -> Self {
        ApiResponse {
            operation,
            status,
            headers,
            raw,
        }
    }

    /// The operation id.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        &self.headers
    }

    /// The body exactly as received (LowCodeAPI's envelope included).
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// Which LowCodeAPI envelope the body came in.
    pub fn envelope(&self) -> Envelope {
        unwrap_success(&self.raw).1
    }

    /// Pictory's own body (LowCodeAPI's envelope removed).
    pub fn body(&self) -> &Value {
        unwrap_success(&self.raw).0
    }

    /// The useful payload: Pictory's `data` when its body is
    /// `{"success": ..., "data": ...}`, else Pictory's body.
    pub fn payload(&self) -> &Value {
        payload(self.body())
    }

    /// Deserializes [`payload`](Self::payload) into `T`; a body of the wrong
    /// shape is [`Error::UndecodableBody`].
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.payload().clone()).map_err(|e| Error::UndecodableBody {
            operation: self.operation,
            status: Some(self.status),
            reason: format!("unexpected shape: {e}"),
            snippet: crate::envelope::truncate(&self.payload().to_string(), 200),
        })
    }
}
