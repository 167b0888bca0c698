//! A flat view of a document's operations, shared by the checks and reports:
//! each operation's route, parameters, and its request body and 2xx response
//! schemas flattened into [`Node`]s that two documents can be compared by.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The vendor extension on a path parameter of the normalized document
/// that holds LowCodeAPI's current spelling of it (the name the old URL
/// format puts on the wire), when that differs from the public name
/// (`name`) the overlay pins.
pub const WIRE_NAME_EXT: &str = "x-pictory-wire-name";

/// One operation, as the checks and the change report see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Lower-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// `operationId`, if any.
    pub id: Option<String>,
    /// Declared path parameters (their `name`: the public name).
    pub path_params: Vec<String>,
    /// The same parameters as upstream spells them ([`WIRE_NAME_EXT`], else
    /// the name).
    pub wire_params: Vec<String>,
    /// Declared non-path parameters as `(in, name)`.
    pub other_params: Vec<(String, String)>,
    /// The request body schema (JSON or the hand-written layer's), flattened;
    /// empty when the operation takes no body.
    pub body: Vec<Node>,
    /// The 2xx response schema, flattened; empty when there is none.
    pub response: Vec<Node>,
}

impl Operation {
    /// `GET /path`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// The id, or the route when there is none.
    pub fn name(&self) -> String {
        self.id.clone().unwrap_or_else(|| self.route())
    }
}

/// A path template with every placeholder emptied (`/templates/{}`): two
/// paths of the same shape are the same route, whatever their parameters
/// are called (only the values travel in the new URL format).
pub fn path_shape(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                "{}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// One node of a flattened schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Where the node is: `(root)`, `data`, `data.jobId`, `items[]`,
    /// `items[].name`.
    pub path: String,
    /// What a value there may be, sorted (`object`, `string`, ...; a
    /// `$ref`'d component's name prefixed with `$`); empty for anything.
    pub kinds: BTreeSet<String>,
    /// Listed in its parent object's `required` (or marked `required: true`
    /// inside the property, as LowCodeAPI's converter does); the root counts
    /// as required.
    pub required: bool,
}

impl Node {
    /// The root's path.
    pub const ROOT: &'static str = "(root)";

    /// Whether this is the schema's root.
    pub fn is_root(&self) -> bool {
        self.path == Self::ROOT
    }

    /// The kinds as `a|b` (`any` for none); component names are left out
    /// unless `with_refs`.
    pub fn kinds_text(&self, with_refs: bool) -> String {
        let kinds: Vec<&str> = self
            .kinds
            .iter()
            .map(String::as_str)
            .filter(|k| with_refs || !k.starts_with('$'))
            .collect();
        if kinds.is_empty() {
            "any".into()
        } else {
            kinds.join("|")
        }
    }

    /// Whether `self` lies inside `parent` (a property or item of it).
    pub fn is_inside(&self, parent: &Node) -> bool {
        parent.is_root()
            || self
                .path
                .strip_prefix(&parent.path)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    }
}

/// How deep [`schema_shape`] follows properties, items and `$ref`s.
const MAX_DEPTH: usize = 12;

/// Flattens a schema for comparison: one [`Node`] per place a value can
/// have, sorted by path. `$ref`s are followed into `doc` (a recursive one is
/// named, not entered) and `anyOf`/`oneOf`/`allOf` branches are merged into
/// one node, so a change inside a referenced component shows at every path
/// that uses it.
pub fn schema_shape(doc: &Value, schema: &Value) -> Vec<Node> {
    let mut nodes: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
    let mut stack: Vec<String> = Vec::new();
    walk(doc, schema, Node::ROOT, true, &mut nodes, &mut stack, 0);
    nodes
        .into_iter()
        .map(|(path, (kinds, required))| Node {
            path,
            kinds,
            required,
        })
        .collect()
}

fn walk(
    doc: &Value,
    schema: &Value,
    path: &str,
    required: bool,
    nodes: &mut BTreeMap<String, (BTreeSet<String>, bool)>,
    stack: &mut Vec<String>,
    depth: usize,
) {
    let (kinds, is_required) = nodes.entry(path.to_string()).or_default();
    *is_required |= required;
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
            walk(doc, target, path, false, nodes, stack, depth + 1);
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
            walk(doc, branch, path, false, nodes, stack, depth + 1);
        }
    }
    let listed: Vec<&str> = obj
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, prop) in obj
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let child = if path == Node::ROOT {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        let required = listed.contains(&name.as_str())
            || prop.get("required").and_then(Value::as_bool) == Some(true);
        walk(doc, prop, &child, required, nodes, stack, depth + 1);
    }
    if let Some(items) = obj.get("items") {
        let child = if path == Node::ROOT {
            "[]".to_string()
        } else {
            format!("{path}[]")
        };
        walk(doc, items, &child, true, nodes, stack, depth + 1);
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
            let text =
                |p: &Value, key: &str| p.get(key).and_then(Value::as_str).map(str::to_string);
            let (path_params, other_params): (Vec<&Value>, Vec<&Value>) = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .partition(|p| p.get("in").and_then(Value::as_str) == Some("path"));
            let body = op
                .pointer("/requestBody/content/application~1json/schema")
                .or_else(|| op.pointer(&format!("/{}/schema", crate::normalize::MANUAL_BODY_EXT)))
                .map(|s| schema_shape(doc, s))
                .unwrap_or_default();
            let response = crate::normalize::success_schema(doc, method, path)
                .map(|s| schema_shape(doc, s))
                .unwrap_or_default();
            out.push(Operation {
                method: method.clone(),
                path: path.clone(),
                id: text(op, "operationId"),
                path_params: path_params
                    .iter()
                    .map(|p| text(p, "name").unwrap_or_default())
                    .collect(),
                wire_params: path_params
                    .iter()
                    .map(|p| {
                        text(p, WIRE_NAME_EXT)
                            .or_else(|| text(p, "name"))
                            .unwrap_or_default()
                    })
                    .collect(),
                other_params: other_params
                    .iter()
                    .map(|p| {
                        (
                            text(p, "in").unwrap_or_else(|| "?".into()),
                            text(p, "name").unwrap_or_default(),
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
