//! A flat view of a document's operations, shared by the checks and reports.

use serde_json::Value;

/// One operation, as the checks and the change report see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Lower-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// `operationId`, if any.
    pub id: Option<String>,
    /// Declared path parameters.
    pub path_params: Vec<String>,
    /// Declared non-path parameters as `in:name`.
    pub other_params: Vec<String>,
    /// JSON body properties, a `*` after required ones.
    pub body: Vec<String>,
}

/// The operations of a document, in document order.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !op.is_object() || method == "parameters" {
                continue;
            }
            let params: Vec<Value> = op
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let name = |p: &Value| {
                p.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let is_path = |p: &Value| p.get("in").and_then(Value::as_str) == Some("path");
            let schema = op
                .pointer("/requestBody/content/application~1json/schema")
                .or_else(|| op.pointer("/x-pictory-manual-body/schema"));
            let required: Vec<&str> = schema
                .and_then(|s| s.get("required"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let body = schema
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .keys()
                        .map(|k| {
                            if required.contains(&k.as_str()) {
                                format!("{k}*")
                            } else {
                                k.clone()
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Operation {
                method: method.clone(),
                path: path.clone(),
                id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                path_params: params.iter().filter(|p| is_path(p)).map(name).collect(),
                other_params: params
                    .iter()
                    .filter(|p| !is_path(p))
                    .map(|p| {
                        format!(
                            "{}:{}",
                            p.get("in").and_then(Value::as_str).unwrap_or("?"),
                            name(p)
                        )
                    })
                    .collect(),
                body,
            });
        }
    }
    out
}
