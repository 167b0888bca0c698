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
        let op = OperationSpec::find(operation_id).ok_or_else(|| Error::InvalidRequest {
            operation: "call_operation",
            message: format!("no operation {operation_id:?} in the spec"),
        })?;
        let invalid = |message: String| Error::InvalidRequest {
            operation: op.id,
            message,
        };
        let mut path = op.path.to_string();
        for name in op.path_params {
            let value = params
                .iter()
                .find(|(k, _)| k == name)
                .ok_or_else(|| invalid(format!("the path value {name} is missing")))?
                .1;
            let value = PathValue::new(value).map_err(|why| invalid(format!("{name}: {why}")))?;
            let encoded = percent_encoding::utf8_percent_encode(
                value.as_str(),
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string();
            path = path.replace(&format!("{{{name}}}"), &encoded);
        }
        let mut query = Vec::new();
        for (name, value) in params {
            if op.path_params.contains(name) {
                continue;
            }
            if !op.query_params.contains(name) {
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
            }
            query.push((*name, *value));
        }
        let body = match (op.body, body) {
            (BodyKind::Json, body) => {
                Some(body.unwrap_or_else(|| Value::Object(Default::default())))
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
        let method = reqwest::Method::from_bytes(op.method.as_bytes())
            .map_err(|e| invalid(e.to_string()))?;
        let url = format!("{}{path}", self.base_url());
        let pipeline = self.pipeline();
        let make = || async {
            let mut request = pipeline.http.request(method.clone(), &url).query(&query);
            if let Some(body) = &body {
                request = request.json(body);
            }
            request.build().map_err(|e| Error::InvalidRequest {
                operation: op.id,
                message: e.without_url().to_string(),
            })
        };
        let delivered = pipeline.send(op, None, make).await?;
        crate::call::decode(op.id, delivered)
    }
}
