//! Response schemas: every operation has a typed 2xx schema (normalize and
//! check refuse a missing one or "any JSON"), and `update`'s change report
//! lists response-schema changes per operation.

mod common;

use common::*;
use serde_json::{Value, json};
use xtask::normalize::{is_any_json, success_schema};
use xtask::operations::operations;
use xtask::report::{changes, render};

fn read_json(dir: &std::path::Path, name: &str) -> Value {
    parse(&std::fs::read(dir.join(name)).unwrap())
}

fn write_json(dir: &std::path::Path, name: &str, v: &Value) {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    std::fs::write(dir.join(name), s).unwrap();
}

/// The overlay entry (`operations` key) whose operationId is `id`.
fn overlay_op<'a>(overlay: &'a mut Value, id: &str) -> &'a mut Value {
    overlay["operations"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .find(|v| v["operationId"] == id)
        .unwrap_or_else(|| panic!("the overlay names no operation {id}"))
}

/// The 200 response of `id` in a normalized document.
fn ok_response<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    let paths = doc["paths"].as_object_mut().unwrap();
    let op = paths
        .values_mut()
        .flat_map(|item| item.as_object_mut().unwrap().values_mut())
        .find(|op| op["operationId"] == id)
        .unwrap_or_else(|| panic!("no operation {id}"));
    &mut op["responses"]["200"]
}

#[test]
fn every_committed_operation_has_a_typed_success_schema_and_keeps_its_error_responses() {
    let doc = read_json(std::path::Path::new(SPEC_DIR), NORMALIZED);
    let ops = operations(&doc);
    assert_eq!(ops.len(), 25);
    for op in &ops {
        let id = op.id.clone().unwrap();
        let schema = success_schema(&doc, &op.method, &op.path)
            .unwrap_or_else(|| panic!("{id}: no 2xx response schema"));
        assert!(!is_any_json(&doc, schema), "{id}: any JSON");
        // Every `$ref` in it resolves.
        let text = schema.to_string();
        for r in text.split("\"$ref\":\"").skip(1) {
            let r = r.split('"').next().unwrap();
            assert!(
                xtask::normalize::resolve_ref(&doc, r).is_some(),
                "{id}: dangling {r}"
            );
        }
        let item = &doc["paths"][&op.path][&op.method];
        assert_eq!(
            item["responses"]["401"]["content"]["application/json"]["schema"],
            json!({}),
            "{id}: the error response changed"
        );
    }
    // The shapes the facts name.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["AwsConnectionList"]["properties"]["Items"]["type"],
        "array"
    );
    assert_eq!(
        schemas["TemplateList"]["properties"]["items"]["type"],
        "array"
    );
    assert!(
        schemas["Template"]["properties"]
            .get("depricated")
            .is_some()
    );
    let tracks = ops
        .iter()
        .find(|o| o.id.as_deref() == Some("list_voiceover_tracks"))
        .unwrap();
    assert_eq!(
        success_schema(&doc, &tracks.method, &tracks.path).unwrap()["type"],
        "array"
    );
    // Nothing forbids unknown properties.
    assert!(
        !doc.to_string().contains("\"additionalProperties\":false"),
        "a response schema forbids unknown properties"
    );
}

#[test]
fn any_json_is_recognized_through_refs_and_annotations() {
    let doc = json!({"components": {"schemas": {
        "Open": {"description": "anything"},
        "Typed": {"type": "object"},
        "Loop": {"$ref": "#/components/schemas/Loop"}
    }}});
    for any in [
        json!({}),
        json!(true),
        json!({"description": "x", "x-note": 1}),
        json!({"$ref": "#/components/schemas/Open"}),
        json!({"$ref": "#/components/schemas/Missing"}),
    ] {
        assert!(is_any_json(&doc, &any), "{any} should be any JSON");
    }
    for typed in [
        json!({"type": "array"}),
        json!({"properties": {"a": {}}}),
        json!({"anyOf": [{"type": "string"}, {"type": "number"}]}),
        json!({"$ref": "#/components/schemas/Typed"}),
        json!({"$ref": "#/components/schemas/Loop"}),
        json!(false),
    ] {
        assert!(!is_any_json(&doc, &typed), "{typed} is not any JSON");
    }
}

#[test]
fn normalize_refuses_a_missing_or_any_json_response_on_one_line_and_writes_nothing() {
    let cases: [(&str, Option<Value>, &str); 4] = [
        ("get_job", Some(json!({})), "has only \"any JSON\""),
        ("list_templates", Some(json!(true)), "has only \"any JSON\""),
        (
            "get_template",
            Some(json!({"description": "Pictory's template"})),
            "has only \"any JSON\"",
        ),
        ("delete_brand", None, "has no 2xx response schema"),
    ];
    for (id, response, what) in cases {
        let scratch = Scratch::new("normalize-any-json");
        let dir = scratch.spec_copy();
        let mut overlay = read_json(&dir, OVERLAY);
        let entry = overlay_op(&mut overlay, id);
        match &response {
            Some(r) => entry["response"] = r.clone(),
            None => {
                entry.as_object_mut().unwrap().remove("response");
            }
        }
        write_json(&dir, OVERLAY, &overlay);
        let before = snapshot(&dir);

        for command in ["normalize", "check"] {
            let run = spec(command, &dir, &[]);
            assert!(!run.success, "{command} accepted {id} with {response:?}");
            let lines = run.stderr_lines();
            assert_eq!(lines.len(), 1, "{command}: stderr: {}", run.stderr);
            assert!(
                lines[0].contains(&format!("operation `{id}` (")) && lines[0].contains(what),
                "{command}: stderr: {}",
                lines[0]
            );
            assert_eq!(snapshot(&dir), before, "{command} changed spec/");
        }
    }
}

#[test]
fn a_component_that_accepts_anything_fails_every_operation_that_uses_it() {
    let scratch = Scratch::new("normalize-any-component");
    let dir = scratch.spec_copy();
    let mut overlay = read_json(&dir, OVERLAY);
    overlay["components"]["schemas"]["Deleted"] = json!({"description": "whatever"});
    write_json(&dir, OVERLAY, &overlay);
    let run = spec("normalize", &dir, &[]);
    assert!(!run.success, "normalize accepted it: {run:?}");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "stderr: {}", run.stderr);
    for id in ["delete_aws_connection", "delete_brand", "delete_template"] {
        assert!(
            lines[0].contains(&format!("`{id}`")),
            "{id} not named: {}",
            lines[0]
        );
    }
    assert!(!lines[0].contains("`get_job`"), "stderr: {}", lines[0]);
}

#[test]
fn check_names_each_operation_of_a_hand_edited_document_without_a_typed_success_schema() {
    let scratch = Scratch::new("check-any-json");
    let dir = scratch.spec_copy();
    let mut doc = read_json(&dir, NORMALIZED);
    ok_response(&mut doc, "get_template")["content"]["application/json"]["schema"] = json!({});
    ok_response(&mut doc, "list_templates")["content"]["application/json"]["schema"] = json!(true);
    ok_response(&mut doc, "delete_brand")
        .as_object_mut()
        .unwrap()
        .remove("content");
    write_json(&dir, NORMALIZED, &doc);

    let run = spec("check", &dir, &[]);
    assert!(!run.success, "check passed: {run:?}");
    let named = |id: &str, what: &str| {
        run.stderr
            .lines()
            .filter(|l| l.contains(&format!("operation `{id}` (")) && l.contains(what))
            .count()
    };
    assert_eq!(named("get_template", "any JSON"), 1, "{}", run.stderr);
    assert_eq!(named("list_templates", "any JSON"), 1, "{}", run.stderr);
    assert_eq!(
        named("delete_brand", "has no 2xx response schema"),
        1,
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("operation `get_job`"),
        "{}",
        run.stderr
    );
}

#[test]
fn update_refuses_a_new_operation_without_a_response_schema_and_leaves_spec_untouched() {
    let scratch = Scratch::new("update-no-response");
    let dir = scratch.spec_copy();
    let mut raw = parse(&openapi_fixture());
    raw["paths"].as_object_mut().unwrap().insert(
        "/pictoryapis/v1/music/tracks".into(),
        json!({"get": {
            "summary": "List Music Tracks",
            "parameters": [],
            "responses": {"401": {"description": "API token required"}}
        }}),
    );
    let file = scratch.write(
        "new-op.json",
        serde_json::to_string_pretty(&raw).unwrap().as_bytes(),
    );
    let before = snapshot(&dir);
    let run = spec("update", &dir, &["--from-file", file.to_str().unwrap()]);
    assert!(!run.success, "update accepted it: {run:?}");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "stderr: {}", run.stderr);
    assert!(
        lines[0].contains("`list_music_tracks` (GET /pictoryapis/v1/music/tracks)")
            && lines[0].contains("has no 2xx response schema"),
        "stderr: {}",
        lines[0]
    );
    assert_eq!(snapshot(&dir), before, "update changed spec/");
    // The maintainer still sees what changed, and so what the overlay must cover.
    assert!(
        run.stdout.contains("added") && run.stdout.contains("list_music_tracks"),
        "stdout: {}",
        run.stdout
    );
}

#[test]
fn update_reports_response_schema_changes_per_operation() {
    let scratch = Scratch::new("update-response-report");
    let dir = scratch.spec_copy();
    let mut overlay = read_json(&dir, OVERLAY);
    // A component: one property removed, one added, one retyped.
    let template = &mut overlay["components"]["schemas"]["Template"]["properties"];
    template.as_object_mut().unwrap().remove("schemaVersion");
    template["owner"] = json!({"type": "string"});
    template["published"] = json!({"type": "string"});
    // An operation's own schema: a bare array becomes an object.
    overlay_op(&mut overlay, "list_voiceover_tracks")["response"] = json!({
        "type": "object",
        "properties": {"tracks": {"type": "array", "items": {"$ref": "#/components/schemas/VoiceOverTrack"}}}
    });
    write_json(&dir, OVERLAY, &overlay);

    // The same raw document: only the overlay changed.
    let raw = scratch.write("raw.json", &std::fs::read(dir.join(RAW)).unwrap());
    let run = spec("update", &dir, &["--from-file", raw.to_str().unwrap()]);
    assert!(run.success, "update failed: {run:?}");
    let changed: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("changed "))
        .collect();
    let row = |id: &str| {
        *changed
            .iter()
            .find(|l| l.split_whitespace().nth(1) == Some(id))
            .unwrap_or_else(|| panic!("no changed row for {id}:\n{}", run.stdout))
    };
    for id in ["get_template", "create_template", "update_template"] {
        let r = row(id);
        for part in [
            "response ",
            "+owner (string)",
            "-schemaVersion",
            "~published (boolean -> string)",
        ] {
            assert!(r.contains(part), "{id} row lacks {part:?}: {r}");
        }
    }
    let r = row("list_templates");
    assert!(
        r.contains("+items[].owner (string)") && r.contains("-items[].schemaVersion"),
        "{r}"
    );
    let r = row("list_voiceover_tracks");
    assert!(
        r.contains("~(root) (array -> object)")
            && r.contains("+tracks (array)")
            && r.contains("-[] ")
            && !r.contains("[].name"),
        "{r}"
    );
    assert_eq!(
        changed.len(),
        5,
        "only these operations changed:\n{}",
        run.stdout
    );

    let run = spec("check", &dir, &[]);
    assert!(run.success, "check failed after update: {run:?}");
}

#[test]
fn the_report_follows_refs_and_caps_long_rows() {
    let doc = |props: Value, root: Value| {
        json!({
            "openapi": "3.0.3",
            "paths": {"/x": {"get": {
                "operationId": "get_x",
                "responses": {"200": {"description": "ok",
                    "content": {"application/json": {"schema": root}}}}
            }}},
            "components": {"schemas": {"Thing": {"type": "object", "properties": props}}}
        })
    };
    let thing = json!({"$ref": "#/components/schemas/Thing"});
    let old = doc(
        json!({"a": {"type": "string"}, "b": {"type": "integer"}}),
        thing.clone(),
    );
    let new = doc(
        json!({"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "boolean"}}),
        thing.clone(),
    );
    let rows = changes(&old, &new);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].kind, "changed");
    assert_eq!(
        rows[0].detail,
        "response ~b (integer -> string) +c (boolean)"
    );
    assert!(render(&rows).contains("get_x"));
    assert!(changes(&old, &old).is_empty());

    // The same component under another name is a change of the root only.
    let mut renamed = old.clone();
    let schemas = renamed["components"]["schemas"].as_object_mut().unwrap();
    let t = schemas.remove("Thing").unwrap();
    schemas.insert("Item".into(), t);
    *ok_response(&mut renamed, "get_x") = json!({"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}});
    let rows = changes(&old, &renamed);
    assert_eq!(
        rows[0].detail,
        "response ~(root) ($Thing|object -> $Item|object)"
    );

    // Many differences: the row is capped, and says how many it left out.
    let many: serde_json::Map<String, Value> = (0..20)
        .map(|i| (format!("p{i:02}"), json!({"type": "string"})))
        .collect();
    let rows = changes(&old, &doc(Value::Object(many), thing));
    assert!(
        rows[0].detail.ends_with("and 10 more"),
        "{}",
        rows[0].detail
    );
}
