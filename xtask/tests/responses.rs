//! Response schemas: every committed operation has a typed 2xx schema; one
//! without (a new operation the overlay does not cover, or "any JSON") is
//! untyped, which only `check --strict` refuses; and `update`'s change
//! report lists response-schema changes per operation.

mod common;

use common::*;
use serde_json::{Value, json};
use xtask::normalize::{is_any_json, success_schema};
use xtask::operations::operations;
use xtask::report::{changes, render};

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
    assert_eq!(ops.len(), 55);
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
fn an_operation_without_a_typed_response_is_untyped_and_only_strict_check_refuses_it() {
    let cases: [(&str, Option<Value>); 3] = [
        ("get_job", Some(json!({}))),
        (
            "get_template",
            Some(json!({"description": "Pictory's template"})),
        ),
        ("delete_brand", None),
    ];
    for (id, response) in cases {
        let scratch = Scratch::new("normalize-untyped");
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

        // normalize writes it, with a warning naming it.
        let run = spec("normalize", &dir, &[]);
        assert_eq!(run.code, Some(0), "{id} {response:?}: {run:?}");
        let named = format!("operation `{id}` (");
        let warning = run
            .stdout
            .lines()
            .find(|l| l.starts_with("warning:") && l.contains(&named))
            .unwrap_or_else(|| panic!("{id}: no warning:\n{}", run.stdout));
        assert!(warning.contains("is untyped"), "{warning}");
        // Without an overlay schema, "any JSON" (`{}`: serde_json::Value);
        // a schema the overlay gives is kept as given.
        let doc = read_json(&dir, NORMALIZED);
        let op = operations(&doc)
            .into_iter()
            .find(|o| o.id.as_deref() == Some(id))
            .unwrap();
        let schema = success_schema(&doc, &op.method, &op.path).unwrap();
        assert_eq!(schema, response.as_ref().unwrap_or(&json!({})), "{id}");

        // Plain check passes and says so; --strict fails naming it on one line.
        let run = spec("check", &dir, &[]);
        assert_eq!(run.code, Some(0), "{id}: {run:?}");
        assert!(
            run.stdout.contains("1 untyped operation") && run.stdout.contains(&named),
            "{id}: {}",
            run.stdout
        );
        let before = snapshot(&dir);
        let run = spec("check", &dir, &["--strict"]);
        assert_eq!(run.code, Some(1), "{id}: {run:?}");
        let lines = run.stderr_lines();
        assert_eq!(lines.len(), 1, "stderr: {}", run.stderr);
        assert!(
            lines[0].contains(&named) && lines[0].contains("is untyped"),
            "{}",
            lines[0]
        );
        assert_eq!(snapshot(&dir), before, "check changed spec/");
    }
}

#[test]
fn a_boolean_response_schema_is_refused_on_one_line_and_nothing_is_written() {
    let scratch = Scratch::new("normalize-true");
    let dir = scratch.spec_copy();
    let mut overlay = read_json(&dir, OVERLAY);
    overlay_op(&mut overlay, "list_templates")["response"] = json!(true);
    write_json(&dir, OVERLAY, &overlay);
    let before = snapshot(&dir);
    let run = spec("normalize", &dir, &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("openapiv3 cannot parse"),
        "{}",
        run.stderr
    );
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn strict_check_passes_on_the_committed_spec() {
    let run = spec("check", std::path::Path::new(SPEC_DIR), &["--strict"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(!run.stdout.contains("untyped"), "{}", run.stdout);
}

#[test]
fn a_component_that_accepts_anything_makes_every_operation_that_uses_it_untyped() {
    let scratch = Scratch::new("normalize-any-component");
    let dir = scratch.spec_copy();
    let mut overlay = read_json(&dir, OVERLAY);
    overlay["components"]["schemas"]["Deleted"] = json!({"description": "whatever"});
    write_json(&dir, OVERLAY, &overlay);
    let run = spec("normalize", &dir, &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let run = spec("check", &dir, &["--strict"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 3, "stderr: {}", run.stderr);
    for id in ["delete_aws_connection", "delete_brand", "delete_template"] {
        let named = format!("operation `{id}` (");
        assert!(
            lines.iter().any(|l| l.contains(&named)),
            "{id} not named: {}",
            run.stderr
        );
    }
}

#[test]
fn strict_check_names_each_operation_of_a_hand_edited_document_without_a_typed_success_schema() {
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

    let run = spec("check", &dir, &["--strict"]);
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
fn update_stores_a_new_operation_without_a_response_schema_as_untyped() {
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
    let run = spec("update", &dir, &["--from-file", file.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "update refused it: {run:?}");
    let report: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("list_music_tracks: "))
        .collect();
    assert_eq!(
        report,
        [
            "list_music_tracks: operation added: GET /pictoryapis/v1/music/tracks",
            "list_music_tracks: untyped: no `response` schema in spec/overlay.json, so its answer is a serde_json::Value; `cargo xtask spec check --strict` fails until it has one",
        ],
        "{}",
        run.stdout
    );
    let doc = read_json(&dir, NORMALIZED);
    let op = &doc["paths"]["/pictoryapis/v1/music/tracks"]["get"];
    assert_eq!(op["operationId"], "list_music_tracks");
    assert_eq!(
        op["responses"]["200"]["content"]["application/json"]["schema"],
        json!({})
    );
    assert_eq!(spec("check", &dir, &[]).code, Some(0));
    let strict = spec("check", &dir, &["--strict"]);
    assert_eq!(strict.code, Some(1), "{strict:?}");
    assert!(
        strict
            .stderr
            .contains("`list_music_tracks` (GET /pictoryapis/v1/music/tracks) is untyped"),
        "{}",
        strict.stderr
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
    assert_eq!(run.code, Some(0), "update failed: {run:?}");
    let report: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.starts_with("fetched ") && !l.starts_with("stored in "))
        .collect();
    let mut expected = Vec::new();
    for id in ["create_template", "get_template"] {
        expected.extend([
            format!("{id}: response changed: field owner added (string)"),
            format!("{id}: response changed: field published type changed: boolean -> string"),
            format!("{id}: response changed: field schemaVersion removed"),
        ]);
    }
    expected.extend([
        "list_templates: response changed: field items[].owner added (string)".to_string(),
        "list_templates: response changed: field items[].published type changed: boolean -> string"
            .into(),
        "list_templates: response changed: field items[].schemaVersion removed".into(),
        "list_voiceover_tracks: response changed: type changed: array -> object".into(),
        "list_voiceover_tracks: response changed: field [] removed".into(),
        "list_voiceover_tracks: response changed: field tracks added (array)".into(),
        "update_template: response changed: field owner added (string)".into(),
        "update_template: response changed: field published type changed: boolean -> string".into(),
        "update_template: response changed: field schemaVersion removed".into(),
    ]);
    assert_eq!(report, expected, "{}", run.stdout);

    let run = spec("check", &dir, &[]);
    assert!(run.success, "check failed after update: {run:?}");
}

#[test]
fn the_report_follows_refs() {
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
    let lines = |rows: &[xtask::report::Change]| rows.iter().map(|c| c.line()).collect::<Vec<_>>();
    assert_eq!(
        lines(&changes(&old, &new)),
        [
            "get_x: response changed: field b type changed: integer -> string",
            "get_x: response changed: field c added (boolean)",
        ]
    );
    assert!(render(&changes(&old, &new)).contains("get_x: "));
    assert!(changes(&old, &old).is_empty());
    assert_eq!(render(&[]), "no operation changed\n");

    // The same component under another name: the generated type's name
    // changes, so the root's type did.
    let mut renamed = old.clone();
    let schemas = renamed["components"]["schemas"].as_object_mut().unwrap();
    let t = schemas.remove("Thing").unwrap();
    schemas.insert("Item".into(), t);
    *ok_response(&mut renamed, "get_x") = json!({"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}});
    assert_eq!(
        lines(&changes(&old, &renamed)),
        ["get_x: response changed: type changed: $Thing|object -> $Item|object"]
    );
}
