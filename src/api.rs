//! The typed operations: [`Client::api`] gives an [`Api`], with one method
//! per operation of the spec returning that operation's builder (generated
//! by `build.rs` from the normalized spec into `OUT_DIR/operations.rs`).
//! A builder takes the path values, query parameters and body, and
//! `.send().await` runs it through the client's one pipeline and decodes
//! Pictory's body into the operation's generated response type, once.
//!
//! ```no_run
//! # async fn demo(client: pictory::Client) -> pictory::Result<()> {
//! let template = client.api().get_template().template_id("abc123").send().await?;
//! println!("{:?}", template.value().name);
//! # Ok(()) }
//! ```
//!
//! The road of one request, in an editor: the builder's `send()` (generated)
//! → `Draft::send` (the URL, the body) → `Pipeline::send` (which service:
//! LowCodeAPI or Pictory) → `Pipeline::run` (attempts, credentials, retries)
//! → `attempt::send` (the socket) → `classify` (a failure, once) →
//! `call::decode` (the typed value).

use crate::client::Client;
use crate::error::{Error, Result};
use crate::operations::{BodyKind, OPERATIONS, OperationSpec};
use crate::path::PathValue;
use crate::response::Response;

/// Every operation of the spec as a typed builder: `client.api().get_job()`.
/// Cheap: it borrows the client.
#[derive(Debug, Clone, Copy)]
pub struct Api<'a> {
    client: &'a Client,
}

impl Client {
    /// The typed operations: one builder per operation of the spec, sent
    /// with `.send().await` through this client's pipeline.
    pub fn api(&self) -> Api<'_> {
        Api { client: self }
    }
}

/// A request being put together by a generated builder: the operation,
/// its path values and its query parameters. Not for direct use.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    op: &'static OperationSpec,
    path: Vec<Option<std::result::Result<PathValue, String>>>,
    query: Vec<(&'static str, String)>,
}

impl Draft {
    pub(crate) fn new(op: &'static OperationSpec) -> Draft {
        Draft {
            op,
            path: vec![None; op.path_params.len()],
            query: Vec::new(),
        }
    }

    /// The operation's id.
    pub(crate) fn operation(&self) -> &'static str {
        self.op.id
    }

    /// The operation.
    pub(crate) fn spec(&self) -> &'static OperationSpec {
        self.op
    }

    /// Sets path value number `index` (in path order).
    pub(crate) fn path(&mut self, index: usize, value: std::result::Result<PathValue, String>) {
        if let Some(slot) = self.path.get_mut(index) {
            *slot = Some(value);
        }
    }

    /// Sets a query parameter (again: the last value wins).
    pub(crate) fn query(&mut self, name: &'static str, value: String) {
        self.query.retain(|(n, _)| *n != name);
        self.query.push((name, value));
    }

    /// The path with every value in place, percent-encoded as one segment;
    /// [`Error::InvalidRequest`] for a missing or unsafe value.
    fn route(&self) -> Result<String> {
        let op = self.op;
        let invalid = |message: String| Error::InvalidRequest {
            operation: op.id,
            message,
        };
        let mut out = String::with_capacity(op.path.len() + 40);
        let mut values = self.path.iter().zip(op.path_params);
        for segment in op.path.split('/').skip(1) {
            out.push('/');
            if !(segment.starts_with('{') && segment.ends_with('}')) {
                out.push_str(segment);
                continue;
            }
            let Some((value, name)) = values.next() else {
                return Err(invalid(format!("{segment}: not a parameter of {}", op.id)));
            };
            match value {
                None => return Err(invalid(format!("the path value {name} is missing"))),
                Some(Err(why)) => return Err(invalid(format!("{name}: {why}"))),
                Some(Ok(v)) => out.extend(crate::path::encode_segment(v.as_str())),
            }
        }
        Ok(out)
    }

    /// Sends the request with `body` (JSON operations: `{}` when none was
    /// set) and decodes the answer into `T`.
    pub(crate) async fn send<B, T>(
        self,
        client: &Client,
        body: Option<std::result::Result<B, String>>,
    ) -> Result<Response<T>>
    where
        B: serde::Serialize,
        T: serde::de::DeserializeOwned,
    {
        self.send_until(client, body, None).await
    }

    /// [`send`](Self::send), every attempt bounded by `deadline`.
    pub(crate) async fn send_until<B, T>(
        self,
        client: &Client,
        body: Option<std::result::Result<B, String>>,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<Response<T>>
    where
        B: serde::Serialize,
        T: serde::de::DeserializeOwned,
    {
        let op = self.op;
        let invalid = |message: String| Error::InvalidRequest {
            operation: op.id,
            message,
        };
        let route = self.route()?;
        let body: Option<bytes::Bytes> = match (op.body, body) {
            (BodyKind::Json, Some(Ok(body))) => Some(
                serde_json::to_vec(&body)
                    .map_err(|e| invalid(format!("body: {e}")))?
                    .into(),
            ),
            (BodyKind::Json, Some(Err(why))) => return Err(invalid(format!("body: {why}"))),
            (BodyKind::Json, None) => Some(bytes::Bytes::from_static(b"{}")),
            (_, _) => None,
        };
        send_json(client, op, &route, &self.query, body, deadline).await
    }
}

/// Sends `op` at `route` (its path, values in place) with `query` and an
/// optional JSON `body` through the pipeline, and decodes the answer.
pub(crate) async fn send_json<T: serde::de::DeserializeOwned>(
    client: &Client,
    op: &'static OperationSpec,
    route: &str,
    query: &[(&str, String)],
    body: Option<bytes::Bytes>,
    deadline: Option<tokio::time::Instant>,
) -> Result<Response<T>> {
    let pipeline = client.pipeline();
    let url = format!("{}{route}", pipeline.factory_base);
    let method =
        reqwest::Method::from_bytes(op.method.as_bytes()).map_err(|e| Error::InvalidRequest {
            operation: op.id,
            message: e.to_string(),
        })?;
    let make = || {
        let mut request = pipeline.http.request(method.clone(), &url);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = &body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        std::future::ready(request.build().map_err(|e| Error::InvalidRequest {
            operation: op.id,
            message: e.without_url().to_string(),
        }))
    };
    let delivered = pipeline.send(op, deadline, make).await?;
    crate::response::decode(op.id, delivered)
}

include!(concat!(env!("OUT_DIR"), "/api.rs"));
