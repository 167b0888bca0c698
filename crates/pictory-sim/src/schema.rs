//! Validation against the normalized spec (the document the client was
//! generated from, [`pictory::schema::openapi`]), compiled once at startup: each
//! JSON-body operation's request schema (plus Pictory's own rules that the
//! spec does not state), and each operation's 2xx response schema, which
//! every answer the simulator gives is checked against — so the simulator
//! cannot drift from the generated response types.

use pictory::{BodyKind, OPERATIONS, OperationSpec};
use serde_json::Value;
use std::collections::HashMap;

/// One rejected field: its name as sent and what is wrong with it.
pub(crate) type FieldErrors = Vec<(String, Vec<String>)>;

/// The compiled request schema of an operation and whether a body is required.
struct BodySchema {
    validator: jsonschema::Validator,
    required: bool,
}

/// Validators for every JSON-body operation, by operation id, and for
/// every operation's successful answer.
pub(crate) struct Schemas {
    by_op: HashMap<&'static str, BodySchema>,
    responses: HashMap<&'static str, jsonschema::Validator>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas")
            .field("operations", &self.by_op.len())
            .finish()
    }
}

/// Escapes a path for a JSON pointer (`~` → `~0`, `/` → `~1`).
fn pointer_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

impl Schemas {
    /// Compiles the request schema of every JSON-body operation in [`OPERATIONS`].
    pub(crate) fn compile() -> Result<Schemas, String> {
        let doc: Value = serde_json::from_str(pictory::schema::openapi())
            .map_err(|e| format!("normalized spec is not JSON: {e}"))?;
        let mut by_op = HashMap::new();
        let mut responses = HashMap::new();
        for op in OPERATIONS {
            let pointer = format!(
                "/paths/{}/{}/responses/200/content/application~1json/schema",
                pointer_segment(op.path),
                op.method.to_lowercase()
            );
            let Some(schema) = doc.pointer(&pointer).cloned() else {
                continue;
            };
            // The whole document with the schema at a plain key and a root
            // `$ref` to it, so references to `components` resolve.
            let mut root = doc.clone();
            root["x-answer"] = schema;
            root["$ref"] = Value::String("#/x-answer".into());
            let validator = jsonschema::validator_for(&root)
                .map_err(|e| format!("{}: response schema does not compile: {e}", op.id))?;
            responses.insert(op.id, validator);
        }
        for op in OPERATIONS.iter().filter(|op| op.body == BodyKind::Json) {
            let base = format!(
                "/paths/{}/{}/requestBody",
                pointer_segment(op.path),
                op.method.to_lowercase()
            );
            let Some(request_body) = doc.pointer(&base) else {
                continue;
            };
            let schema = request_body
                .pointer("/content/application~1json/schema")
                .cloned()
                .unwrap_or(Value::Bool(true));
            // As for answers: the whole document beside the schema, so
            // `$ref`s to `components` resolve.
            let mut root = doc.clone();
            root["x-request"] = schema;
            root["$ref"] = Value::String("#/x-request".into());
            let validator = jsonschema::validator_for(&root)
                .map_err(|e| format!("{}: request schema does not compile: {e}", op.id))?;
            let required = request_body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            by_op.insert(
                op.id,
                BodySchema {
                    validator,
                    required,
                },
            );
        }
        Ok(Schemas { by_op, responses })
    }

    /// What is wrong with `body` as `op`'s successful answer (Pictory's
    /// body, before any envelope), if anything.
    pub(crate) fn check_answer(&self, op: &OperationSpec, body: &Value) -> Vec<String> {
        self.responses
            .get(op.id)
            .map(|v| {
                v.iter_errors(body)
                    .map(|e| short(&format!("{}: {e}", e.instance_path())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether `op` must carry a body.
    pub(crate) fn body_required(&self, op: &OperationSpec) -> bool {
        self.by_op.get(op.id).is_some_and(|s| s.required)
    }

    /// Every problem with `body` for `op`: schema errors, then Pictory's rules.
    pub(crate) fn check(&self, op: &OperationSpec, body: &Value) -> FieldErrors {
        let mut out = FieldErrors::new();
        if let Some(schema) = self.by_op.get(op.id) {
            for error in schema.validator.iter_errors(body) {
                let mut name = field_name(error.instance_path().as_str());
                let message = match error.kind() {
                    jsonschema::error::ValidationErrorKind::Required { property } => {
                        let prop = property
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| property.to_string());
                        name = if name.is_empty() {
                            prop
                        } else {
                            format!("{name}.{prop}")
                        };
                        "is required".to_string()
                    }
                    _ => short(&error.to_string()),
                };
                push(
                    &mut out,
                    if name.is_empty() { "body" } else { &name },
                    &message,
                );
            }
        }
        pictory_rules(op, body, &mut out);
        out
    }
}

/// `s` cut to 200 characters.
fn short(s: &str) -> String {
    if s.chars().count() <= 200 {
        s.to_string()
    } else {
        s.chars().take(200).chain(std::iter::once('…')).collect()
    }
}

/// `/scenes/0/text` → `scenes[0].text`.
fn field_name(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// Adds `message` to `name`'s errors, once.
fn push(out: &mut FieldErrors, name: &str, message: &str) {
    match out.iter_mut().find(|(n, _)| n == name) {
        Some((_, errors)) => {
            if !errors.iter().any(|e| e == message) {
                errors.push(message.to_string());
            }
        }
        None => out.push((name.to_string(), vec![message.to_string()])),
    }
}

/// A non-empty string.
fn non_empty_str(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

/// Requires `field` to be a non-empty string (a missing one "is required").
fn require_string(body: &Value, field: &str, out: &mut FieldErrors) {
    match body.get(field) {
        None | Some(Value::Null) => push(out, field, "is required"),
        Some(v) if !non_empty_str(Some(v)) => push(out, field, "must be a non-empty string"),
        _ => {}
    }
}

/// Requires a non-empty `scenes` array whose items are objects; with
/// `needs_content`, each scene must have `text`, `articleUrl` or `backgroundUri`.
fn require_scenes(
    scenes: Option<&Value>,
    prefix: &str,
    needs_content: bool,
    out: &mut FieldErrors,
) {
    let field = format!("{prefix}scenes");
    match scenes {
        None | Some(Value::Null) => push(out, &field, "is required"),
        Some(Value::Array(items)) if items.is_empty() => {
            push(out, &field, "must contain at least one scene")
        }
        Some(Value::Array(items)) => {
            for (i, scene) in items.iter().enumerate() {
                let name = format!("{field}[{i}]");
                if !scene.is_object() {
                    push(out, &name, "must be an object");
                } else if needs_content
                    && !["text", "articleUrl", "backgroundUri"]
                        .iter()
                        .any(|k| non_empty_str(scene.get(*k)))
                {
                    push(out, &name, "needs text, articleUrl or backgroundUri");
                }
            }
        }
        Some(_) => push(out, &field, "must be an array"),
    }
}

/// The rules Pictory enforces beyond the spec's schemas.
fn pictory_rules(op: &OperationSpec, body: &Value, out: &mut FieldErrors) {
    if op.id == "update_storyboard_elements" {
        if body.as_array().is_none_or(|a| a.is_empty()) {
            push(out, "body", "must be a non-empty array of elements");
        }
        return;
    }
    if !body.is_object() {
        push(out, "body", "must be a JSON object");
        return;
    }
    match op.id {
        "create_storyboard" => {
            require_string(body, "videoName", out);
            require_scenes(body.get("scenes"), "", true, out);
        }
        // The body is a preview's renderParams: classic (`scenes`) or
        // element-based (`elements`).
        "render_video" if !body.get("elements").is_some_and(Value::is_array) => {
            require_scenes(body.get("scenes"), "", false, out);
        }
        "create_transcription" => require_string(body, "fileUrl", out),
        "create_video_summary" => match body.get("transcript") {
            None | Some(Value::Null) => push(out, "transcript", "is required"),
            Some(Value::Array(_)) => {}
            Some(_) => push(out, "transcript", "must be an array of sentences"),
        },
        "generate_upload_url" => {
            require_string(body, "fileName", out);
            require_string(body, "contentType", out);
        }
        "create_video_from_template" => require_string(body, "templateId", out),
        "create_storyboard_v2" | "render_storyboard_video_v2" => {
            if op.id == "render_storyboard_video_v2" {
                require_string(body, "videoName", out);
            }
            let mut errors = Vec::new();
            super::direct::storyboard_v2_rules(body, &mut errors);
            for (name, message) in errors {
                push(out, &name, &message);
            }
        }
        "render_video_v2" if !body.get("elements").is_some_and(Value::is_array) => {
            push(
                out,
                "elements",
                "is required (the renderParams of a v2 preview)",
            );
        }
        "create_ai_image" | "create_ai_video" => {
            let len = body
                .get("prompt")
                .and_then(Value::as_str)
                .map_or(0, |p| p.chars().count());
            if !(5..=5000).contains(&len) {
                push(out, "prompt", "must be 5-5000 characters");
            }
            let sources = ["firstFrameImageUrl", "extendVideoUrl", "referenceImageUrls"]
                .iter()
                .filter(|k| body.get(**k).is_some_and(|v| !v.is_null()))
                .count();
            if sources > 1 {
                push(
                    out,
                    "firstFrameImageUrl",
                    "firstFrameImageUrl, extendVideoUrl and referenceImageUrls are mutually exclusive",
                );
            }
        }
        "search_music" => {
            if let Some(size) = body.get("pageSize").and_then(Value::as_u64)
                && !(20..=100).contains(&size)
            {
                push(out, "pageSize", "must be between 20 and 100");
            }
            if body.get("page").and_then(Value::as_u64) == Some(0) {
                push(out, "page", "must be 1 or more");
            }
        }
        "create_aws_connection" => {
            if let Some(id) = body.get("awsAccountId").and_then(Value::as_str)
                && !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
            {
                push(out, "awsAccountId", "must be a 12-digit numeric string");
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(id: &str, body: Value) -> FieldErrors {
        let schemas = Schemas::compile().unwrap();
        schemas.check(OperationSpec::find(id).unwrap(), &body)
    }

    #[test]
    fn every_json_operation_has_a_validator() {
        let schemas = Schemas::compile().unwrap();
        for op in OPERATIONS.iter().filter(|op| op.body == BodyKind::Json) {
            assert!(schemas.by_op.contains_key(op.id), "{}", op.id);
        }
    }

    #[test]
    fn storyboard_rules() {
        let errors = check(
            "create_storyboard",
            json!({"scenes": [{"voiceOver": true}]}),
        );
        assert_eq!(
            errors,
            vec![
                ("videoName".to_string(), vec!["is required".to_string()]),
                (
                    "scenes[0]".to_string(),
                    vec!["needs text, articleUrl or backgroundUri".to_string()]
                ),
            ]
        );
        assert!(
            check(
                "create_storyboard",
                json!({"videoName": "v", "scenes": [{"text": "a"}]})
            )
            .is_empty()
        );
        let errors = check("create_storyboard", json!({"videoName": 5, "scenes": []}));
        assert_eq!(errors[0].0, "videoName");
        assert_eq!(
            errors[1],
            (
                "scenes".to_string(),
                vec!["must contain at least one scene".to_string()]
            )
        );
    }

    #[test]
    fn schema_required_fields_are_named() {
        let errors = check("create_aws_connection", json!({"name": "n"}));
        let names: Vec<_> = errors.iter().map(|(n, _)| n.as_str()).collect();
        for field in ["awsAccountId", "awsRegion", "enabled"] {
            assert!(names.contains(&field), "{names:?}");
        }
    }

    #[test]
    fn pointer_to_field_name() {
        assert_eq!(field_name("/scenes/0/text"), "scenes[0].text");
        assert_eq!(field_name(""), "");
        assert_eq!(field_name("/a~1b"), "a/b");
    }
}

#[cfg(test)]
mod answer_tests {
    use super::*;

    /// The check the simulator runs on every answer can fail: a body that
    /// leaves its operation's response schema is reported.
    #[test]
    fn an_answer_off_the_spec_is_reported() {
        let schemas = Schemas::compile().unwrap();
        let op = |id| OperationSpec::find(id).unwrap();
        let tracks = op("list_voiceover_tracks");
        assert!(
            schemas
                .check_answer(tracks, &serde_json::json!([]))
                .is_empty()
        );
        assert!(
            !schemas
                .check_answer(tracks, &serde_json::json!({"items": []}))
                .is_empty()
        );
        let templates = op("list_templates");
        assert!(
            !schemas
                .check_answer(templates, &serde_json::json!({"items": "not a list"}))
                .is_empty()
        );
        let doc = crate::fixture("templates/list-response.json");
        assert!(schemas.check_answer(templates, &doc).is_empty());
    }
}
