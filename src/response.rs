//! A successful response: Pictory's body decoded into the operation's
//! generated type, with the status, the headers and the raw JSON kept.

use crate::envelope::{Envelope, inside, payload};
use crate::error::{Error, Result};
use serde_json::Value;

/// A successful response from one operation: [`value`](Self::value) is
/// Pictory's body (LowCodeAPI's envelope removed) decoded into the
/// operation's generated type from `pictory::raw::types`; nothing the type
/// does not name is lost, since [`raw`](Self::raw) keeps the body as
/// received.
///
/// ```no_run
/// use pictory::Client;
/// # async fn demo() -> pictory::Result<()> {
/// let client = Client::from_env()?;
/// let template = client.api().get_template().template_id("abc123").send().await?;
/// let typed = template.value(); // pictory::raw::types::GetTemplateResponse
/// println!("HTTP {}: {:?}", template.status(), typed);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response<T> {
    operation: &'static str,
    status: u16,
    headers: reqwest::header::HeaderMap,
    raw: Value,
    envelope: Envelope,
    // Boxed: a generated type can be large, and a response moves through
    // several futures on its way to the caller.
    value: Box<T>,
}

/// A response whose body is kept as JSON only.
pub type ApiResponse = Response<Value>;

impl<T> Response<T> {
    pub(crate) fn new(
        operation: &'static str,
        status: u16,
        headers: reqwest::header::HeaderMap,
        raw: Value,
        envelope: Envelope,
        value: Box<T>,
    ) -> Self {
        Response {
            operation,
            status,
            headers,
            raw,
            envelope,
            value,
        }
    }

    /// The decoded body.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The decoded body, by value.
    pub fn into_value(self) -> T {
        *self.value
    }

    /// The operation id.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status (any 2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers (token removed from any value that echoed it).
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        &self.headers
    }

    /// The body exactly as received (LowCodeAPI's envelope included; an
    /// echo of the token reads `[REDACTED]`).
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// Which LowCodeAPI envelope the body came in ([`Envelope::Bare`] for
    /// an answer from Pictory directly).
    pub fn envelope(&self) -> Envelope {
        self.envelope
    }

    /// Pictory's own body as JSON (LowCodeAPI's envelope removed): what
    /// [`value`](Self::value) was decoded from.
    pub fn body(&self) -> &Value {
        inside(&self.raw, self.envelope)
    }

    /// The useful payload as JSON: Pictory's `data` when its body is
    /// `{"success": ..., "data": ...}`, else Pictory's body.
    pub fn payload(&self) -> &Value {
        payload(self.body())
    }

    /// Deserializes [`payload`](Self::payload) into another type; a body of
    /// the wrong shape is [`Error::ResponseShape`].
    pub fn json<U: serde::de::DeserializeOwned>(&self) -> Result<U> {
        U::deserialize(self.payload()).map_err(|e| Error::ResponseShape {
            operation: self.operation,
            status: self.status,
            reason: crate::envelope::truncate(&e.to_string(), 300),
            raw: Box::new(self.raw.clone()),
        })
    }
}
