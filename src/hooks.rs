//! How generated operations reach the pipeline: progenitor's `ClientHooks`
//! for the generated client, and the one carrier that brings a call's
//! outcome back to [`Call::call`](crate::Call::call).
//!
//! progenitor's `send()` owns the request between building it and decoding
//! the answer, and `exec` can only hand back a `reqwest::Response`. So
//! `.call()` opens a [`CallSlot`] (a task-local scoped to that one call),
//! `exec` runs the [pipeline](crate::pipeline) and puts its typed outcome
//! there, and `.call()` takes it out. Nothing else travels that way.
//!
//! Without a slot (progenitor's `send()` called directly) `exec` still runs
//! the pipeline, and answers progenitor with the redacted body, or with
//! the HTTP stack's error stripped of its URL. Every attempt's URL is
//! checked against the operation's route in the pipeline.

use crate::operations::OperationSpec;
use crate::pipeline::{Delivered, Failed, Pipeline};
use progenitor_client::{ClientHooks, OperationInfo};
use std::cell::RefCell;
use std::sync::Arc;
use tokio::time::Instant;

/// The generated client's inner value: the pipeline every clone of a
/// [`crate::Client`] shares. Not part of the crate's API.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct HookState(pub(crate) Arc<Pipeline>);

/// One call's input (its deadline) and outcome.
pub(crate) struct CallSlot {
    pub(crate) deadline: Option<Instant>,
    // Boxed: the slot is moved in and out of task-local storage on every
    // poll of the call, so it stays two words.
    pub(crate) outcome: RefCell<Option<Box<std::result::Result<Delivered, Failed>>>>,
}

tokio::task_local! {
    pub(crate) static SLOT: CallSlot;
}

impl ClientHooks<HookState> for crate::raw::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let pipeline = &self.inner.0;
        let deadline = SLOT.try_with(|s| s.deadline).ok().flatten();
        let outcome = match OperationSpec::find(info.operation_id) {
            Some(op) => {
                let make = || {
                    let attempt = request.try_clone().ok_or(crate::Error::InvalidRequest {
                        operation: op.id,
                        message: "the request body cannot be re-created for a retry".into(),
                    });
                    std::future::ready(attempt)
                };
                pipeline.send(op, deadline, make).await
            }
            None => Err(Failed::from(crate::Error::InvalidRequest {
                operation: "unknown",
                message: format!(
                    "{:?} is not an operation of this build's spec",
                    info.operation_id
                ),
            })),
        };
        let status = match &outcome {
            Ok(d) => d.status,
            Err(f) => f.error.status().unwrap_or(0),
        };
        let mut carried = Some(Box::new(outcome));
        if SLOT.try_with(|s| s.outcome.replace(carried.take())).is_ok() {
            // `.call()` reads the slot and ignores what progenitor makes of
            // this placeholder; its status is one no spec declares, so
            // progenitor does not try to decode it.
            return Ok(placeholder(IGNORED_STATUS, bytes::Bytes::new()));
        }
        let Some(outcome) = carried else {
            return Ok(placeholder(status, bytes::Bytes::new()));
        };
        match *outcome {
            Ok(d) => {
                let mut resp = placeholder(d.status, d.body);
                *resp.headers_mut() = d.headers;
                Ok(resp)
            }
            Err(Failed {
                source: Some(e), ..
            }) => Err(e),
            Err(Failed { error, .. }) => Ok(placeholder(
                status,
                bytes::Bytes::from(error.body().unwrap_or_default().to_string()),
            )),
        }
    }
}

/// The status of the placeholder `exec` hands progenitor when `.call()`
/// takes the outcome from the slot.
const IGNORED_STATUS: u16 = 299;

/// A response that was not read from the wire: `status` (or 500 when there
/// was none) and `body`.
fn placeholder(status: u16, body: bytes::Bytes) -> reqwest::Response {
    use reqwest::ResponseBuilderExt;
    static URL: std::sync::LazyLock<url::Url> = std::sync::LazyLock::new(|| {
        url::Url::parse("http://placeholder.invalid/").expect("a valid URL")
    });
    let status =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let built = http::Response::builder()
        .status(status)
        .url(URL.clone())
        .body(body);
    match built {
        Ok(resp) => reqwest::Response::from(resp),
        Err(_) => reqwest::Response::from(http::Response::new(bytes::Bytes::new())),
    }
}
