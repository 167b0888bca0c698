//! Decoding a successful answer, once: JSON (or nothing), LowCodeAPI's
//! envelope removed when the answer came through LowCodeAPI, Pictory's
//! body decoded into the operation's generated type.

use crate::error::{Error, Result};
use crate::pipeline::Delivered;
use crate::response::Response;
use serde_json::Value;

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

/// A 2xx answer decoded: JSON (or nothing, for 204 and 205), LowCodeAPI's
/// envelope removed, Pictory's body decoded into `T`. A body that does not
/// fit `T` is [`Error::ResponseShape`], which keeps the raw body.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    d: Delivered,
) -> Result<Response<T>> {
    let raw = if d.body.iter().all(u8::is_ascii_whitespace) {
        if matches!(d.status, 204 | 205) {
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
