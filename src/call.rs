//! [`Call`]: run any generated operation through the crate's pipeline and
//! get the crate's own `Result`. `build.rs` implements it for every
//! generated builder; it cannot be implemented elsewhere.

use crate::error::{Error, Result};
use crate::hooks::{CallSlot, SLOT};
use crate::pipeline::Delivered;
use crate::response::ApiResponse;
use progenitor_client::ResponseValue;
use serde_json::Value;
use std::cell::RefCell;
use std::future::Future;
use tokio::time::Instant;

/// What a generated builder's `send()` returns.
#[doc(hidden)]
pub type RawResult = std::result::Result<ResponseValue<Value>, progenitor_client::Error<Value>>;

pub(crate) mod sealed {
    /// Implemented by build.rs for every generated builder.
    pub trait Sealed: Sized + Send {
        /// The operation id.
        const OPERATION: &'static str;
        /// Sends with the generated code.
        fn send_raw(self) -> impl std::future::Future<Output = super::RawResult> + Send;
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
    /// Sends the request and returns the decoded answer.
    fn call(self) -> impl Future<Output = Result<ApiResponse>> + Send {
        call_until(self, None)
    }
}

impl<T: sealed::Sealed> Call for T {}

/// [`Call::call`] with a deadline for the whole call, retries included.
pub(crate) async fn call_until<B: sealed::Sealed>(
    builder: B,
    deadline: Option<Instant>,
) -> Result<ApiResponse> {
    let slot = CallSlot {
        deadline,
        outcome: RefCell::new(None),
    };
    let (raw, outcome) = SLOT
        .scope(slot, async move {
            let raw = builder.send_raw().await;
            (raw, SLOT.with(|s| s.outcome.take()))
        })
        .await;
    match outcome {
        Some(Ok(delivered)) => decode(B::OPERATION, delivered),
        Some(Err(failed)) => Err(failed.error),
        None => Err(refused(B::OPERATION, raw.err())),
    }
}

/// A request progenitor's builder refused before sending (a missing or
/// invalid value).
fn refused(operation: &'static str, raw: Option<progenitor_client::Error<Value>>) -> Error {
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

fn kind_of(e: &progenitor_client::Error<Value>) -> &'static str {
    use progenitor_client::Error as P;
    match e {
        P::CommunicationError(_) | P::InvalidUpgrade(_) | P::ResponseBodyError(_) => {
            "HTTP stack error"
        }
        _ => "unexpected response",
    }
}

/// A 2xx answer as an [`ApiResponse`]: JSON (or nothing, for 204 and 205).
pub(crate) fn decode(operation: &'static str, d: Delivered) -> Result<ApiResponse> {
    let value = if d.body.iter().all(u8::is_ascii_whitespace) {
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
    Ok(ApiResponse::new(operation, d.status, d.headers, value))
}
