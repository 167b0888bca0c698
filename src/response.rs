//! A successful response: Pictory's body decoded into the operation's
//! generated type, with the status, the headers and the raw JSON kept.

use crate::envelope::{Envelope, inside, payload};
use crate::error::{Error, Result};
use crate::pipeline::Delivered;
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

/// Removes every object member whose value is `null`, at any depth;
/// whether there was one.
fn drop_null_members(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let before = map.len();
            map.retain(|_, v| !v.is_null());
            let mut dropped = map.len() != before;
            for v in map.values_mut() {
                dropped |= drop_null_members(v);
            }
            dropped
        }
        Value::Array(items) => {
            let mut dropped = false;
            for v in items {
                dropped |= drop_null_members(v);
            }
            dropped
        }
        _ => false,
    }
}

/// Operations whose success Pictory documents as "no content" (whatever
/// 2xx status carries it): an empty body is their answer, not a fault.
const NO_CONTENT: &[&str] = &["update_storyboard_elements"];

/// A 2xx answer decoded: JSON (or nothing, for 204 and 205), LowCodeAPI's
/// envelope removed, Pictory's body decoded into `T`. A body that does not
/// fit `T` is [`Error::ResponseShape`], which keeps the raw body.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    d: Delivered,
) -> Result<Response<T>> {
    let raw = if d.body.iter().all(u8::is_ascii_whitespace) {
        if matches!(d.status, 204 | 205) || NO_CONTENT.contains(&operation) {
            Value::Null
        } else {
            return Err(Error::UndecodableBody {
                operation,
                status: Some(d.status),
                reason: "empty body".into(),
                snippet: String::new(),
            });
        }
    } else {
        serde_json::from_slice(&d.body).map_err(|e| Error::UndecodableBody {
            operation,
            status: Some(d.status),
            reason: if e.is_eof() {
                format!("truncated JSON ({e})")
            } else {
                format!("not JSON ({e})")
            },
            snippet: crate::envelope::truncate(&String::from_utf8_lossy(&d.body), 200),
        })?
    };
    // Only LowCodeAPI wraps Pictory's body; Pictory's own answers are bare.
    let envelope = match d.host {
        Some(crate::pipeline::Host::Pictory) | None => crate::envelope::Envelope::Bare,
        Some(crate::pipeline::Host::LowCodeApi) => crate::envelope::unwrap_success(&raw).1,
    };
    let body = crate::envelope::inside(&raw, envelope);
    let empty = match body {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    };
    let decoded = match body {
        // No content (a 204, or LowCodeAPI's `result` around Pictory's empty
        // answer): the type's empty value, whatever its shape.
        _ if empty => [Value::Null, serde_json::json!({}), serde_json::json!([])]
            .iter()
            .map(|empty| T::deserialize(empty).map(Box::new))
            .find(|r| r.is_ok())
            .unwrap_or_else(|| T::deserialize(body).map(Box::new)),
        // Pictory sends `null` for fields it has no value for yet; the
        // generated types give such fields a default rather than an
        // `Option`, so a body that does not fit is tried once more with
        // its null members taken out (absent and null mean the same here).
        _ => T::deserialize(body).map(Box::new).or_else(|first| {
            let mut cleaned = body.clone();
            if !drop_null_members(&mut cleaned) {
                return Err(first);
            }
            T::deserialize(&cleaned).map(Box::new).map_err(|_| first)
        }),
    };
    let value = decoded.map_err(|e| Error::ResponseShape {
        operation,
        status: d.status,
        reason: crate::envelope::truncate(&e.to_string(), 300),
        raw: Box::new(raw.clone()),
    })?;
    Ok(Response::new(
        operation, d.status, d.headers, raw, envelope, value,
    ))
}
