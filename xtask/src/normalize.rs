//! The normalizer: LowCodeAPI's raw document + the checked-in overlay → the
//! normalized OpenAPI document that `build.rs` generates the client from.
//!
//! Every quirk listed in `tests/fixtures/SPEC-QUIRKS.md` is repaired here, by
//! rule, so that a future document with the same quirks needs no code change.
//! What cannot be derived by rule (operation ids, the job-status route the
//! document forgets, content-type fixes) comes from the overlay, which is data.

use crate::operations::{Node, Operation, WIRE_NAME_EXT, path_shape, schema_shape};
use serde_json::{Map, Value, json};

/// The order methods are emitted in within one path.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// The string format of every path parameter; build.rs maps it to the
/// hand-written, validated `PathValue` type.
pub const PATH_VALUE_FORMAT: &str = "pictory-path-value";

/// Vendor extension naming a request body the generated client cannot express.
pub const MANUAL_BODY_EXT: &str = "x-pictory-manual-body";
/// Which services serve an operation (the overlay's `servedBy`): absent for
/// LowCodeAPI and Pictory, `pictory` for Pictory only,
/// `pictory-and-lowcodeapi-job-route` for the job read.
pub const SERVED_BY_EXT: &str = "x-pictory-served-by";
/// How a list operation pages (the overlay's `pages`): the query parameter
/// that takes the key, the answer's fields that may hold the next key, the
/// field that holds the items.
pub const PAGES_EXT: &str = "x-pictory-pages";

/// The result of a normalization: the document and the warnings to print.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The normalized document, keys sorted at every level.
    pub doc: Value,
    /// Human-readable warnings (operations the overlay does not name, ...).
    pub warnings: Vec<String>,
    /// The 2xx response schemas the served document ships, for comparison
    /// with the overlay's (which the normalized document keeps).
    pub upstream: Vec<UpstreamResponse>,
}

/// A 2xx response schema the served document ships for one operation.
#[derive(Debug, Clone)]
pub struct UpstreamResponse {
    /// The operation's id in the normalized document.
    pub operation: String,
    /// Its lower-case method.
    pub method: String,
    /// Its path in the normalized document.
    pub path: String,
    /// The served schema after the normalizer's repairs, flattened (its
    /// `$ref`s resolved in the served document).
    pub shape: Vec<Node>,
}

/// Checks that `doc` looks like an OpenAPI 3 document with at least one path.
pub fn validate_openapi_shape(doc: &Value) -> Result<(), String> {
    let obj = doc.as_object().ok_or("the document is not a JSON object")?;
    match obj.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => {}
        Some(v) => return Err(format!("unsupported OpenAPI version {v:?} (want 3.x)")),
        None => return Err("the document has no \"openapi\" version field".into()),
    }
    let paths = obj
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the document has no \"paths\" object")?;
    if paths.is_empty() {
        return Err("the document has no paths".into());
    }
    Ok(())
}

/// Normalizes `raw` with `overlay`. Deterministic: same input, same output.
///
/// Operations meet their overlay entries by method and path shape
/// ([`path_shape`]): a key spelled exactly as served wins, else the one
/// overlay key of that method and shape. The overlay key's path pins the
/// public names of the path parameters (what the generated builder methods
/// are called); the served spelling, when it differs, is kept in
/// [`WIRE_NAME_EXT`] for LowCodeAPI's old URL format. An operation without
/// a `response` schema in the overlay is untyped: its 2xx response is "any
/// JSON" (see [`response_problems`]).
pub fn normalize(raw: &Value, overlay: &Value) -> Result<Normalized, String> {
    validate_openapi_shape(raw)?;
    let mut warnings = Vec::new();
    let overlay_ops = match overlay.get("operations") {
        None => Map::new(),
        Some(Value::Object(ops)) => ops.clone(),
        Some(_) => return Err("overlay `operations` is not a JSON object".into()),
    };

    let mut info = raw.get("info").cloned().unwrap_or_else(|| json!({}));
    if !info.is_object() {
        info = json!({});
    }
    if let Some(extra) = overlay.get("info").and_then(Value::as_object) {
        for (k, v) in extra {
            info[k] = v.clone();
        }
    }
    if info.get("title").is_none() {
        info["title"] = json!("Pictory via LowCodeAPI");
    }
    if info.get("version").is_none() {
        info["version"] = json!("unversioned");
    }

    let sources = sources(raw, overlay);
    let keys = overlay_keys(&sources, &overlay_ops);
    let public = public_paths(&sources, &keys);
    let mut paths: Map<String, Value> = Map::new();
    let mut upstream = Vec::new();
    for ((source, key), path) in sources.iter().zip(&keys).zip(&public) {
        let method = source.method;
        let entry = paths
            .entry(path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if entry.get(method).is_some() {
            // Two served operations on one route: the first one stays.
            continue;
        }
        let fixes = key
            .as_ref()
            .and_then(|k| overlay_ops.get(k))
            .cloned()
            .unwrap_or(Value::Null);
        let op = normalize_operation(source, path, &fixes, &mut warnings)?;
        if let Some(shape) = upstream_response(raw, source) {
            upstream.push(UpstreamResponse {
                operation: op["operationId"].as_str().unwrap_or_default().to_string(),
                method: method.to_string(),
                path: path.clone(),
                shape,
            });
        }
        entry[method] = op;
    }
    for key in overlay_ops.keys() {
        if !keys.iter().flatten().any(|k| k == key) {
            warnings.push(format!(
                "overlay names operation `{key}`, which the document does not have"
            ));
        }
    }

    let mut doc = json!({
        "openapi": "3.0.3",
        "info": info,
        "paths": Value::Object(paths),
    });
    for k in ["servers", "components", "security"] {
        if let Some(v) = raw.get(k) {
            doc[k] = v.clone();
        }
    }
    // The overlay's named schemas (`components.schemas`) join the document's.
    if let Some(extra) = overlay.get("components") {
        if !extra.is_object() {
            return Err("overlay `components` is not a JSON object".into());
        }
        let mut components = doc.get("components").cloned().unwrap_or_else(|| json!({}));
        merge_patch(&mut components, extra);
        doc["components"] = components;
    }
    Ok(Normalized {
        doc: sort_keys(&doc),
        warnings,
        upstream,
    })
}

/// One operation to normalize: from the served document, or added by the
/// overlay's `addPaths`.
struct Source {
    method: &'static str,
    /// The path as served, in the new format (`{templateId}`).
    path: String,
    op: Map<String, Value>,
    item: Map<String, Value>,
    /// Whether the served document has it (else the overlay added it).
    served: bool,
}

/// The served operations in document order, then the overlay's additions
/// whose route the document does not serve (the served document wins).
fn sources(raw: &Value, overlay: &Value) -> Vec<Source> {
    let served = raw.get("paths").and_then(Value::as_object);
    let added = overlay.get("addPaths").and_then(Value::as_object);
    let mut out: Vec<Source> = Vec::new();
    for (from_overlay, paths) in [(false, served), (true, added)] {
        for (raw_path, item) in paths.into_iter().flatten() {
            let Some(item) = item.as_object() else {
                continue;
            };
            let path = canonical_path(raw_path, item);
            for method in METHODS {
                let Some(op) = item.get(method).and_then(Value::as_object) else {
                    continue;
                };
                let shape = path_shape(&path);
                if from_overlay
                    && out
                        .iter()
                        .any(|s| s.method == method && path_shape(&s.path) == shape)
                {
                    continue;
                }
                out.push(Source {
                    method,
                    path: path.clone(),
                    op: op.clone(),
                    item: item.clone(),
                    served: !from_overlay,
                });
            }
        }
    }
    out
}

/// `METHOD path`, as the overlay's `operations` are keyed.
fn overlay_key(method: &str, path: &str) -> String {
    format!("{} {path}", method.to_uppercase())
}

/// The overlay key of each source: the one spelled exactly as served, else
/// the only unclaimed key of the same method and path shape.
fn overlay_keys(sources: &[Source], overlay_ops: &Map<String, Value>) -> Vec<Option<String>> {
    let mut keys: Vec<Option<String>> = sources
        .iter()
        .map(|s| Some(overlay_key(s.method, &s.path)).filter(|k| overlay_ops.contains_key(k)))
        .collect();
    for (i, source) in sources.iter().enumerate() {
        if keys[i].is_some() {
            continue;
        }
        let shape = overlay_key(source.method, &path_shape(&source.path));
        let mut candidates = overlay_ops.keys().filter(|k| {
            let (m, p) = k.split_once(' ').unwrap_or((k, ""));
            overlay_key(m, &path_shape(p)) == shape && !keys.iter().flatten().any(|c| c == *k)
        });
        if let (Some(only), None) = (candidates.next(), candidates.next()) {
            keys[i] = Some(only.clone());
        }
    }
    keys
}

/// The public path of each source: its overlay key's path (which pins the
/// parameter names), else that of another operation of the same shape that
/// has one, else the served path.
fn public_paths(sources: &[Source], keys: &[Option<String>]) -> Vec<String> {
    let pinned: Vec<(String, String)> = keys
        .iter()
        .flatten()
        .filter_map(|k| k.split_once(' '))
        .map(|(_, p)| (path_shape(p), p.to_string()))
        .collect();
    sources
        .iter()
        .zip(keys)
        .map(|(source, key)| {
            let own = key.as_ref().and_then(|k| k.split_once(' ')).map(|(_, p)| p);
            let shape = path_shape(&source.path);
            own.map(str::to_string)
                .or_else(|| {
                    pinned
                        .iter()
                        .find(|(s, _)| *s == shape)
                        .map(|(_, p)| p.clone())
                })
                .unwrap_or_else(|| source.path.clone())
        })
        .collect()
}

/// The served 2xx response schema of an operation, repaired and flattened,
/// when the served document has the operation and the schema says more than
/// "any JSON".
fn upstream_response(raw: &Value, source: &Source) -> Option<Vec<Node>> {
    if !source.served {
        return None;
    }
    let schema = first_success_schema(source.op.get("responses")?.as_object()?)?;
    let (schema, _) = normalize_schema(schema);
    if is_any_json(raw, &schema) {
        return None;
    }
    Some(schema_shape(raw, &schema))
}

/// Keywords that describe a schema without constraining it.
const ANNOTATIONS: [&str; 10] = [
    "description",
    "title",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "nullable",
    "externalDocs",
];

/// Whether `schema` accepts any JSON: `true`, `{}`, an object of annotations
/// only, or a `$ref` to such a component (or to a component that is absent).
pub fn is_any_json(doc: &Value, schema: &Value) -> bool {
    let mut seen: Vec<String> = Vec::new();
    let mut schema = schema;
    loop {
        match schema {
            Value::Bool(b) => return *b,
            Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                    if seen.iter().any(|s| s == r) {
                        return false;
                    }
                    seen.push(r.to_string());
                    match resolve_ref(doc, r) {
                        Some(target) => {
                            schema = target;
                            continue;
                        }
                        None => return true,
                    }
                }
                return o
                    .keys()
                    .all(|k| ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-"));
            }
            _ => return false,
        }
    }
}

/// The schema a local `$ref` (`#/components/schemas/Name`) points at.
pub fn resolve_ref<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// Why an operation is untyped, if it is: no 2xx response with a JSON
/// schema, or only "any JSON" (`{}`, `true`), as a new operation without a
/// `response` schema in the overlay gets.
pub fn untyped_reason(doc: &Value, op: &Operation) -> Option<&'static str> {
    match success_schema(doc, &op.method, &op.path) {
        None => Some("is untyped: it has no 2xx response schema"),
        Some(s) if is_any_json(doc, s) => {
            Some("is untyped: its 2xx response schema is only \"any JSON\"")
        }
        Some(_) => None,
    }
}

/// One line per untyped operation (see [`untyped_reason`]): what `check
/// --strict` refuses.
pub fn response_problems(doc: &Value) -> Vec<String> {
    crate::operations::operations(doc)
        .iter()
        .filter_map(|op| {
            let what = untyped_reason(doc, op)?;
            let name = match &op.id {
                Some(id) => format!("`{id}` ({})", op.route()),
                None => format!("`{}`", op.route()),
            };
            Some(format!(
                "operation {name} {what}; give it a `response` schema in spec/overlay.json"
            ))
        })
        .collect()
}

/// The JSON schema of an operation's first 2xx response (by status code).
pub fn success_schema<'a>(doc: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    let responses = doc
        .get("paths")?
        .get(path)?
        .get(method)?
        .get("responses")?
        .as_object()?;
    first_success_schema(responses)
}

/// The JSON schema of the first 2xx response (by status code) of a
/// `responses` object.
fn first_success_schema(responses: &Map<String, Value>) -> Option<&Value> {
    let mut codes: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    codes.sort();
    codes.into_iter().find_map(|c| {
        let content = responses[c].get("content")?.as_object()?;
        content
            .iter()
            .find(|(media, _)| media.as_str() == "application/json" || media.ends_with("+json"))
            .and_then(|(_, m)| m.get("schema"))
    })
}

/// Rewrites old-format segments (`templateid`) to `{templateId}`, using the
/// path-parameter names declared anywhere in the path item.
fn canonical_path(path: &str, item: &Map<String, Value>) -> String {
    let mut names: Vec<String> = Vec::new();
    let mut collect = |params: Option<&Value>| {
        for p in params.and_then(Value::as_array).into_iter().flatten() {
            if p.get("in").and_then(Value::as_str) == Some("path")
                && let Some(n) = p.get("name").and_then(Value::as_str)
                && !names.iter().any(|x| x == n)
            {
                names.push(n.to_string());
            }
        }
    };
    collect(item.get("parameters"));
    for m in METHODS {
        collect(item.get(m).and_then(|op| op.get("parameters")));
    }
    path.split('/')
        .map(|seg| {
            let templated = names
                .iter()
                .find(|n| n.to_lowercase() == seg && !path.contains(&format!("{{{n}}}")));
            match templated {
                Some(n) => format!("{{{n}}}"),
                None => seg.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The `{name}` placeholders of a path template, in order.
pub fn template_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect()
}

/// A deterministic snake_case operation id from a summary.
pub fn id_from_summary(summary: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in summary.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = ch.is_ascii_lowercase();
            out.push(ch.to_ascii_lowercase());
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("op_{out}")
    } else {
        out
    }
}

/// One operation, at its public `path` (see [`normalize`]).
fn normalize_operation(
    source: &Source,
    path: &str,
    fixes: &Value,
    warnings: &mut Vec<String>,
) -> Result<Value, String> {
    let Source { method, op, .. } = source;
    let key = overlay_key(method, path);
    let mut out = Map::new();
    for k in ["summary", "description", "security"] {
        if let Some(v) = op.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    if let Some(tags) = op.get("tags").and_then(Value::as_array) {
        let tags: Vec<Value> = tags
            .iter()
            .filter_map(Value::as_str)
            .map(|t| Value::String(t.trim().to_string()))
            .collect();
        out.insert("tags".into(), Value::Array(tags));
    }

    // Operation id: the overlay's, else derived from the summary (warned).
    let id = match fixes.get("operationId").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => {
            let summary = op
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or(&key)
                .to_string();
            let id = id_from_summary(&summary);
            warnings.push(format!(
                "operation `{key}` is not named in the overlay; derived id `{id}` from its summary"
            ));
            id
        }
    };
    out.insert("operationId".into(), json!(id));

    // External docs: the converter emits no `url`; keep what it has.
    if let Some(ed) = op.get("externalDocs").and_then(Value::as_object) {
        let url = ed
            .get("url")
            .or_else(|| ed.get("api_ref"))
            .or_else(|| ed.get("api_endpoint"))
            .cloned();
        if let Some(url) = url {
            let mut docs = json!({ "url": url });
            if let Some(ep) = ed.get("api_endpoint") {
                docs["x-upstream-endpoint"] = ep.clone();
            }
            out.insert("externalDocs".into(), docs);
        }
    }

    // Where the operation may be sent, and how its list pages, are the
    // overlay's to say; build.rs reads both into the operations table.
    if let Some(served) = fixes.get("servedBy") {
        out.insert(SERVED_BY_EXT.into(), served.clone());
    }
    if let Some(pages) = fixes.get("pages") {
        out.insert(PAGES_EXT.into(), pages.clone());
    }
    out.insert(
        "parameters".into(),
        Value::Array(normalize_parameters(source, path)),
    );
    out.insert(
        "responses".into(),
        normalize_responses(op.get("responses"), fixes.get("response")),
    );

    if let Some(body) = op.get("requestBody") {
        match normalize_body(method, body, fixes) {
            BodyOutcome::Json(b) => {
                out.insert("requestBody".into(), b);
            }
            BodyOutcome::None => {}
            BodyOutcome::Manual(ext) => {
                if fixes.get("manualBody").is_none() {
                    warnings.push(format!(
                        "operation `{key}` has a body the generated client cannot express; \
                         it is left to the hand-written layer ({MANUAL_BODY_EXT})"
                    ));
                }
                out.insert(MANUAL_BODY_EXT.into(), ext);
            }
        }
    }
    Ok(Value::Object(out))
}

/// The parameters of `source` at its public `path`: every path parameter
/// (declared, borrowed from a sibling, or made up) under its public name,
/// with the served name in [`WIRE_NAME_EXT`] when the two differ; then the
/// other parameters, the token excepted.
fn normalize_parameters(source: &Source, path: &str) -> Vec<Value> {
    let Source { op, item, .. } = source;
    let declared: Vec<Value> = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .cloned()
        .collect();
    let mut out: Vec<Value> = Vec::new();
    let public = template_params(path);
    for (i, name) in template_params(&source.path).iter().enumerate() {
        // Declared on this operation, else borrowed from a sibling, else made up.
        let sibling = METHODS
            .iter()
            .filter_map(|m| item.get(*m).and_then(|o| o.get("parameters")))
            .filter_map(Value::as_array)
            .flatten();
        let found = declared
            .iter()
            .chain(sibling)
            .find(|p| {
                p.get("in").and_then(Value::as_str) == Some("path")
                    && p.get("name").and_then(Value::as_str) == Some(name)
            })
            .cloned();
        let mut p = found.unwrap_or_else(|| json!({ "name": name, "in": "path" }));
        let public = public.get(i).unwrap_or(name);
        if public != name {
            p["name"] = json!(public);
            p[WIRE_NAME_EXT] = json!(name);
        }
        let name = public;
        p["required"] = json!(true);
        // The generated builders take `pictory::PathValue` for these
        // (build.rs maps this format to it), so an unsafe value is refused
        // before a URL is ever built from it.
        p["schema"] = json!({ "type": "string", "format": PATH_VALUE_FORMAT });
        if p.get("description").is_none() {
            p["description"] = json!(format!("The `{name}` path parameter."));
        }
        out.push(p);
    }
    for p in &declared {
        let is_path = p.get("in").and_then(Value::as_str) == Some("path");
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        if is_path || name.is_empty() || name == "api_token" {
            continue;
        }
        if out
            .iter()
            .any(|q| q.get("name") == p.get("name") && q.get("in") == p.get("in"))
        {
            continue;
        }
        let mut p = p.clone();
        let schema = p.get("schema").cloned().unwrap_or_else(|| json!({}));
        p["schema"] = normalize_schema(&schema).0;
        out.push(p);
    }
    out
}

/// The success response: the overlay's `response` schema (Pictory's body,
/// which the crate reads after removing LowCodeAPI's envelope); without one
/// the operation is untyped: its 200 is "any JSON" (`{}`, which progenitor
/// generates as `serde_json::Value`; a JSON media type without a schema
/// would panic it), and [`response_problems`] names it. Error responses
/// keep the raw document's codes, each "any JSON".
fn normalize_responses(raw: Option<&Value>, schema: Option<&Value>) -> Value {
    let mut out = Map::new();
    let ok = match schema {
        Some(schema) => json!({
            "description": "Success: Pictory's body, as the crate reads it after removing LowCodeAPI's envelope ({\"data\": X} or {\"result\": X, ...}).",
            "content": { "application/json": { "schema": schema } }
        }),
        None => json!({
            "description": "Success, untyped: spec/overlay.json has no `response` schema for this operation yet, so any JSON is accepted.",
            "content": { "application/json": { "schema": {} } }
        }),
    };
    out.insert("200".into(), ok);
    for (code, resp) in raw.and_then(Value::as_object).into_iter().flatten() {
        if code.starts_with('2') {
            continue;
        }
        let description = resp
            .get("description")
            .cloned()
            .unwrap_or_else(|| json!("Error"));
        // A JSON media type without a schema panics progenitor: give it "any".
        out.insert(
            code.clone(),
            json!({
                "description": description,
                "content": { "application/json": { "schema": {} } }
            }),
        );
    }
    Value::Object(out)
}

enum BodyOutcome {
    Json(Value),
    None,
    Manual(Value),
}

fn normalize_body(method: &str, body: &Value, fixes: &Value) -> BodyOutcome {
    let content = body
        .get("content")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // One media type only: JSON if offered, else the first one.
    let (media, entry) = match content
        .get("application/json")
        .map(|e| ("application/json".to_string(), e.clone()))
        .or_else(|| content.iter().next().map(|(k, v)| (k.clone(), v.clone())))
    {
        Some(x) => x,
        None => return BodyOutcome::None,
    };
    let raw_schema = entry.get("schema").cloned().unwrap_or_else(|| json!({}));
    let (mut schema, has_file) = normalize_schema(&raw_schema);
    if let Some(remove) = fixes.get("removeBodyProperties").and_then(Value::as_array) {
        for name in remove.iter().filter_map(Value::as_str) {
            if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                props.remove(name);
            }
            if let Some(req) = schema.get_mut("required").and_then(Value::as_array_mut) {
                req.retain(|r| r.as_str() != Some(name));
            }
        }
    }
    if let Some(patch) = fixes.get("bodySchemaPatch") {
        merge_patch(&mut schema, patch);
    }
    let empty_object = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_none_or(|p| p.is_empty())
        && schema.get("type").and_then(Value::as_str) == Some("object")
        && schema.get("additionalProperties").is_none();
    if method == "delete" && empty_object {
        // The converter gives every DELETE an empty required JSON object.
        return BodyOutcome::None;
    }
    let media = fixes
        .get("bodyContentType")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or(media);
    if let Some(manual) = fixes.get("manualBody") {
        let mut ext = manual.clone();
        ext["schema"] = schema;
        return BodyOutcome::Manual(sort_keys(&ext));
    }
    if media != "application/json" || has_file {
        return BodyOutcome::Manual(json!({
            "contentType": if has_file { "multipart/form-data".to_string() } else { media },
            "schema": schema,
        }));
    }
    let required = body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    BodyOutcome::Json(json!({
        "required": required,
        "content": { "application/json": { "schema": schema } }
    }))
}

/// Repairs one schema: `required: true` inside a property becomes the parent's
/// `required` list; arrays get `items`; `type: file` is reported. Returns the
/// schema and whether it holds a file.
fn normalize_schema(schema: &Value) -> (Value, bool) {
    let Some(obj) = schema.as_object() else {
        return (json!({}), false);
    };
    let mut out = Map::new();
    let mut has_file = false;
    let mut required: Vec<String> = obj
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    for (k, v) in obj {
        match k.as_str() {
            "required" | "example" => {}
            "properties" => {
                let mut props = Map::new();
                for (name, prop) in v.as_object().into_iter().flatten() {
                    if prop.get("required").and_then(Value::as_bool) == Some(true)
                        && !required.contains(name)
                    {
                        required.push(name.clone());
                    }
                    let (p, f) = normalize_schema(prop);
                    has_file |= f;
                    props.insert(name.clone(), p);
                }
                out.insert(k.clone(), Value::Object(props));
            }
            "items" => {
                let (p, f) = normalize_schema(v);
                has_file |= f;
                out.insert(k.clone(), p);
            }
            "type" if v.as_str() == Some("file") => {
                has_file = true;
                out.insert("type".into(), json!("string"));
                out.insert("format".into(), json!("binary"));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if out.get("type").and_then(Value::as_str) == Some("array") && !out.contains_key("items") {
        out.insert("items".into(), json!({}));
    }
    if !required.is_empty() {
        required.sort();
        out.insert("required".into(), json!(required));
    }
    (Value::Object(out), has_file)
}

/// Applies a JSON merge patch (RFC 7396) to `target`: objects merge key by
/// key, `null` removes a key, anything else replaces. The overlay uses it to
/// declare body fields the served document forgets (`bodySchemaPatch`).
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Some(patch) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(obj) = target.as_object_mut() else {
        return;
    };
    for (k, v) in patch {
        if v.is_null() {
            obj.remove(k);
        } else {
            merge_patch(obj.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// Returns a copy of `v` with every object's keys sorted.
pub fn sort_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sort_keys(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// The canonical text of a normalized document: pretty JSON and a newline.
pub fn to_canonical_text(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(&sort_keys(doc)).expect("a Value always serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_summaries_are_snake_case() {
        assert_eq!(id_from_summary("Get Template by Id"), "get_template_by_id");
        assert_eq!(id_from_summary("Video-Summary"), "video_summary");
        assert_eq!(id_from_summary("Render Video (PUT)"), "render_video_put");
        assert_eq!(id_from_summary("  "), "op_");
        assert_eq!(id_from_summary("3D render"), "op_3d_render");
    }

    #[test]
    fn old_format_segments_become_templates() {
        let item = json!({"get": {"parameters": [{"name": "templateId", "in": "path"}]}});
        let item = item.as_object().unwrap();
        assert_eq!(
            canonical_path("/pictoryapis/v1/templates/templateid", item),
            "/pictoryapis/v1/templates/{templateId}"
        );
        assert_eq!(
            canonical_path("/pictoryapis/v1/templates/{templateId}", item),
            "/pictoryapis/v1/templates/{templateId}"
        );
    }

    #[test]
    fn body_schema_patch_merges_removes_and_adds() {
        let mut schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        merge_patch(
            &mut schema,
            &json!({"properties": {"b": {"type": "object"}}, "additionalProperties": {}}),
        );
        assert_eq!(
            schema,
            json!({"type": "object", "additionalProperties": {},
                "properties": {"a": {"type": "string"}, "b": {"type": "object"}}})
        );
        merge_patch(&mut schema, &json!({"properties": null}));
        assert_eq!(
            schema,
            json!({"type": "object", "additionalProperties": {}})
        );
    }

    #[test]
    fn property_required_moves_to_parent() {
        let (s, file) = normalize_schema(&json!({
            "type": "object", "required": [],
            "properties": {"b": {"type": "string", "required": true}, "a": {"type": "array"}}
        }));
        assert!(!file);
        assert_eq!(s["required"], json!(["b"]));
        assert_eq!(s["properties"]["a"]["items"], json!({}));
        assert!(s["properties"]["b"].get("required").is_none());
    }
}
