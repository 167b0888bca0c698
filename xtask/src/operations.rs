//! A flat view of a document's operations, shared by the checks and reports.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

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
    /// The 2xx response schema, flattened: `(path, kinds)` per node, sorted
    /// by path (see [`response_shape`]).
    pub response: Vec<(String, String)>,
}

/// How deep [`response_shape`] follows properties, items and `$ref`s.
const MAX_DEPTH: usize = 12;

/// Flattens a response schema for comparison: one entry per node that a
/// value can have, keyed by its path (`(root)`, `data`, `data.jobId`,
/// `items[]`, `items[].name`), valued by what it may be (`object`, `string`,
/// `number|string`, ...), a `$ref`'d component's name prefixed with `$`.
/// `$ref`s are followed into `components` (a recursive one is named, not
/// entered) and `anyOf`/`oneOf`/`allOf` branches are merged into one node, so
/// a change inside a referenced component shows at every path that uses it.
pub fn response_shape(doc: &Value, schema: &Value) -> Vec<(String, String)> {
    let mut nodes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack: Vec<String> = Vec::new();
    walk(doc, schema, "", &mut nodes, &mut stack, 0);
    nodes
        .into_iter()
        .map(|(path, kinds)| {
            let path = if path.is_empty() {
                "(root)".to_string()
            } else {
                path
            };
            let kinds = if kinds.is_empty() {
                "any".to_string()
            } else {
                kinds.into_iter().collect::<Vec<_>>().join("|")
            };
            (path, kinds)
        })
        .collect()
}

fn walk(
    doc: &Value,
    schema: &Value,
    path: &str,
    nodes: &mut BTreeMap<String, BTreeSet<String>>,
    stack: &mut Vec<String>,
    depth: usize,
) {
    let kinds = nodes.entry(path.to_string()).or_default();
    let Some(obj) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            kinds.insert("never".into());
        }
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r).to_string();
        kinds.insert(format!("${name}"));
        if stack.contains(&name) {
            return;
        }
        if let Some(target) = crate::normalize::resolve_ref(doc, r) {
            stack.push(name);
            walk(doc, target, path, nodes, stack, depth + 1);
            stack.pop();
        }
        return;
    }
    match obj.get("type") {
        Some(Value::String(t)) => {
            kinds.insert(t.clone());
        }
        Some(Value::Array(ts)) => {
            kinds.extend(ts.iter().filter_map(Value::as_str).map(str::to_string));
        }
        _ => {}
    }
    for combinator in ["anyOf", "oneOf", "allOf"] {
        for branch in obj
            .get(combinator)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(doc, branch, path, nodes, stack, depth + 1);
        }
    }
    let join = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    for (name, prop) in obj
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        walk(doc, prop, &join(name), nodes, stack, depth + 1);
    }
    if let Some(items) = obj.get("items") {
        walk(doc, items, &format!("{path}[]"), nodes, stack, depth + 1);
    }
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
            let response = crate::normalize::success_schema(doc, method, path)
                .map(|s| response_shape(doc, s))
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
                response,
            });
        }
    }
    out
}
