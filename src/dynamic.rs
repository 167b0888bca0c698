//! Calling an operation by its id, with values given as text: for tools
//! that take the operation from their user (the `pictory call` command).
//! In Rust code use the typed builders (`client.api().get_template()...`),
//! which check every field; this path checks only the route and the
//! parameter names, then sends through the same pipeline (token, URL-format
//! fallback, retries, redaction).

use crate::client::Client;
use crate::error::{Error, Result};
use crate::operations::{BodyKind, OperationSpec};
use crate::path::PathValue;
use crate::response::ApiResponse;
use serde_json::Value;

impl Client {
    /// Sends the operation `operation_id` (an id of
    /// [`OPERATIONS`](crate::OPERATIONS)) with `params` (each path or
    /// query parameter by its spec name, e.g. `("templateId", "abc")`) and,
    /// for operations that take one, a JSON `body`. An unknown operation or
    /// parameter, a missing path value, or a body given to an operation
    /// without one is [`Error::InvalidRequest`], and nothing is sent.
    ///
    /// ```no_run
    /// # async fn demo(client: pictory::Client) -> pictory::Result<()> {
    /// let template = client
    ///     .call_operation("get_template", &[("templateId", "abc123")], None)
    ///     .await?;
    /// println!("{}", template.payload());
    /// # Ok(()) }
    /// ```
    pub async fn call_operation(
        &self,
        operation_id: &str,
        params: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<ApiResponse> {
        let draft = draft(operation_id, params)?;
        let op = draft.spec();
        let invalid = |message: String| Error::InvalidRequest {
            operation: op.id,
            message,
        };
        let body = match (op.body, body) {
            (BodyKind::Json, body) => {
                Some(Ok(body.unwrap_or_else(|| Value::Object(Default::default()))))
            }
            (BodyKind::None, None) => None,
            (BodyKind::None, Some(_)) => {
                return Err(invalid(format!("{} takes no body", op.id)));
            }
            (BodyKind::Manual, _) => {
                return Err(invalid(format!(
                    "{} sends a file: use the method made for it (create_template_from_file)",
                    op.id
                )));
            }
        };
        draft.send(self, body).await
    }
}

/// The request of `operation_id` with `params` (each path or query
/// parameter by its spec name) in place; [`Error::InvalidRequest`] for an
/// unknown operation or parameter or a missing path value.
pub(crate) fn draft(operation_id: &str, params: &[(&str, &str)]) -> Result<crate::api::Draft> {
    let op = OperationSpec::find(operation_id).ok_or_else(|| Error::InvalidRequest {
        operation: "call_operation",
        message: format!("no operation {operation_id:?} in the spec"),
    })?;
    let invalid = |message: String| Error::InvalidRequest {
        operation: op.id,
        message,
    };
    let mut draft = crate::api::Draft::new(op);
    for (index, name) in op.path_params.iter().enumerate() {
        let value = params
            .iter()
            .find(|(k, _)| k == name)
            .ok_or_else(|| invalid(format!("the path value {name} is missing")))?
            .1;
        draft.path(index, PathValue::new(value));
    }
    for (name, value) in params {
        if op.path_params.contains(name) {
            continue;
        }
        let Some(known) = op.query_params.iter().find(|q| *q == name) else {
            let known: Vec<&str> = op
                .path_params
                .iter()
                .chain(op.query_params)
                .copied()
                .collect();
            return Err(invalid(format!(
                "{op_id} has no parameter {name:?} (its parameters: {known:?})",
                op_id = op.id
            )));
        };
        draft.query(known, value.to_string());
    }
    Ok(draft)
}
