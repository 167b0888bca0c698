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
    /// query parameter by its name, e.g. `("templateId", "abc")`, in any
    /// case and with or without `_` or `-`: `template_id` and `TEMPLATEID`
    /// name it too) and, for operations that take one, a JSON `body`. An
    /// unknown operation or parameter (the error lists the parameters the
    /// operation takes), a parameter given twice, a missing path value, or
    /// a body given to an operation without one is [`Error::InvalidRequest`],
    /// and nothing is sent.
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

/// The request of `operation_id` with `params` in place (each path or query
/// parameter by its name, in any spelling: see [`Client::call_operation`]);
/// [`Error::InvalidRequest`] for an unknown operation or parameter, one
/// given twice, or a missing path value. Nothing is sent.
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
    // Every name given is matched first (so an unknown one is named even
    // when a path value is missing too), as spelled or in any spelling.
    let names: Vec<&str> = op
        .path_params
        .iter()
        .chain(op.query_params)
        .copied()
        .collect();
    let mut given: Vec<Option<&str>> = vec![None; names.len()];
    for (name, value) in params {
        let index = names
            .iter()
            .position(|n| n == name)
            .or_else(|| names.iter().position(|n| same_name(n, name)))
            .ok_or_else(|| {
                invalid(format!(
                    "{} has no parameter {name:?}; {}",
                    op.id,
                    takes(op)
                ))
            })?;
        if given[index].replace(value).is_some() {
            return Err(invalid(format!(
                "the parameter {} is given twice",
                names[index]
            )));
        }
    }
    let (path, query) = given.split_at(op.path_params.len());
    for (index, (name, value)) in op.path_params.iter().zip(path).enumerate() {
        let value = value.ok_or_else(|| {
            invalid(format!(
                "{} needs the path value {name} ({})",
                op.id,
                spellings(name)
            ))
        })?;
        draft.path(index, PathValue::new(value));
    }
    for (name, value) in op.query_params.iter().zip(query) {
        if let Some(value) = value {
            draft.query(name, value.to_string());
        }
    }
    Ok(draft)
}

/// Two parameter names are the same when they differ only in case, `_` and
/// `-` (the spec spells them `templateId`, `connectionid`, `job_id`).
fn same_name(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    key(a) == key(b)
}

/// `templateId` → `template_id` (names already in snake case unchanged).
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The spellings a name is accepted in, for messages.
fn spellings(name: &str) -> String {
    let snake = snake_case(name);
    if snake == name {
        format!("{name}, in any case")
    } else {
        format!("{name} or {snake}, in any case")
    }
}

/// "it takes: templateId (path), page (query)", for messages.
fn takes(op: &OperationSpec) -> String {
    let list: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("{p} (path)"))
        .chain(op.query_params.iter().map(|q| format!("{q} (query)")))
        .collect();
    if list.is_empty() {
        "it takes no parameters".into()
    } else {
        format!("it takes: {}", list.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_spelling_and_only_then() {
        for same in [
            "templateId",
            "template_id",
            "TEMPLATEID",
            "template-id",
            "Template_Id",
        ] {
            assert!(same_name("templateId", same), "{same}");
        }
        for other in ["template", "templateIds", "id", ""] {
            assert!(!same_name("templateId", other), "{other}");
        }
        assert_eq!(snake_case("templateId"), "template_id");
        assert_eq!(snake_case("connectionid"), "connectionid");
        assert_eq!(snake_case("job_id"), "job_id");
        assert_eq!(
            spellings("templateId"),
            "templateId or template_id, in any case"
        );
    }
}
