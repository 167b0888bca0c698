//! [`Call`]: run any generated operation through the crate's pipeline and
//! get the crate's own `Result`. `build.rs` implements it for every
//! generated builder; it cannot be implemented elsewhere.

use crate::error::{Error, Result};
use crate::hooks::{CallSlot, SLOT};
use crate::pipeline::Delivered;
use crate::response::Response;
use progenitor_client::ResponseValue;
use serde_json::Value;
use std::cell::RefCell;
use std::future::Future;
use tokio::time::Instant;

/// What a generated builder's `send()` returns.
#[doc(hidden)]
pub type RawResult<T, E> = std::result::Result<ResponseValue<T>, progenitor_client::Error<E>>;

pub(crate) mod sealed {
    /// Implemented by build.rs for every generated builder.
    pub trait Sealed: Sized + Send {
        /// The operation id.
        const OPERATION: &'static str;
        /// The generated type of a successful answer (Pictory's body,
        /// LowCodeAPI's envelope removed).
        type Output: serde::de::DeserializeOwned + Send;
        /// The generated type of a documented error answer.
        type Err: Send;
        /// Sends with the generated code.
        fn send_raw(
            self,
        ) -> impl std::future::Future<Output = super::RawResult<Self::Output, Self::Err>> + Send;
    }
}

/// Runs a generated request builder through the client's pipeline (token,
/// URL-format fallback, retries, limits, redaction) and returns the crate's
/// [`Result`]: LowCodeAPI's envelope decoded, errors typed and token-free.
///
/// ```no_run
/// use pictory::{Call, Client};
/// # async fn demo() -> pictory::Result<()> {
/// let client = Client::from_env()?;
/// let template = client.api().get_template().template_id("abc123").call().await?;
/// println!("{}", template.payload());
/// # Ok(()) }
/// ```
pub trait Call: sealed::Sealed {
    /// Sends the request and returns the answer decoded into the
    /// operation's generated response type (with the status, headers and
    /// raw JSON).
    fn call(self) -> impl Future<Output = Result<Response<Self::Output>>> + Send {
        call_until(self, None)
    }
}

impl<T: sealed::Sealed> Call for T {}

/// [`Call::call`] with a deadline for the whole call, retries included.
pub(crate) async fn call_until<B: sealed::Sealed>(
    builder: B,
    deadline: Option<Instant>,
) -> Result<Response<B::Output>> {
    let slot = CallSlot {
        deadline,
        outcome: RefCell::new(None),
    };
    // Only small values leave the scope: progenitor's own result holds the
    // (possibly large) generated type and is dropped here, unread unless the
    // builder refused the request before `exec` ran.
    let (refusal, outcome) = SLOT
        .scope(slot, async move {
            let raw = builder.send_raw().await;
            let outcome = SLOT.with(|s| s.outcome.take());
            let refusal = match outcome {
                Some(_) => None,
                None => Some(refused(B::OPERATION, raw.err())),
            };
            (refusal, outcome)
        })
        .await;
    let Some(outcome) = outcome else {
        return Err(refusal.unwrap_or_else(|| refused::<()>(B::OPERATION, None)));
    };
    match *outcome {
        Ok(delivered) => decode(B::OPERATION, delivered),
        Err(failed) => Err(failed.error),
    }
}

/// A request progenitor's builder refused before sending (a missing or
/// invalid value).
fn refused<E>(operation: &'static str, raw: Option<progenitor_client::Error<E>>) -> Error {
    let message = match raw {
        Some(progenitor_client::Error::InvalidRequest(m) | progenitor_client::Error::Custom(m)) => {
            friendly(&m)
        }
        Some(other) => format!("the request could not be built: {}", kind_of(&other)),
        None => "the request was not sent".into(),
    };
    Error::InvalidRequest { operation, message }
}

/// progenitor says "conversion to `crate :: path :: PathValue` for x
/// failed"; say what that means.
fn friendly(message: &str) -> String {
    let param = message
        .split_once("PathValue` for ")
        .and_then(|(_, rest)| rest.strip_suffix(" failed"));
    match param {
        Some(param) => format!(
            "{param}: not a valid path value (empty, `.`/`..`, or containing `/`, `\\`, `%`, whitespace or control characters)"
        ),
        None => message.to_string(),
    }
}

fn kind_of<E>(e: &progenitor_client::Error<E>) -> &'static str {
    use progenitor_client::Error as P;
    match e {
        P::CommunicationError(_) | P::InvalidUpgrade(_) | P::ResponseBodyError(_) => {
            "HTTP stack error"
        }
        _ => "unexpected response",
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
