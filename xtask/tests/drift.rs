//! Spec drift: copies of the committed raw document edited the ways
//! LowCodeAPI's spec drifts (a renamed path parameter, a new operation
//! without an overlay schema, a served 2xx schema that disagrees with the
//! overlay, body fields made required or not, a field retyped), run through
//! `spec update` on a temporary copy of `spec/`: exit codes, the exact report
//! lines (text and JSON), the stored documents, the kept public names.

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::Path;

/// `update --from-file <served>` on `dir`, with `extra` flags.
fn update(scratch: &Scratch, dir: &Path, served: &Value, extra: &[&str]) -> Run {
    let file = scratch.write("served.json", pretty(served).as_bytes());
    let mut args = vec!["--from-file", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    spec("update", dir, &args)
}

/// The report lines of an `update` run (its status lines left out).
fn report(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| {
            !l.starts_with("fetched ")
                && !l.starts_with("stored in ")
                && !l.starts_with("warning: ")
                && !l.starts_with("the served spec ")
        })
        .collect()
}

/// The operation `method path` of a document.
fn op<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    doc["paths"]
        .get(path)
        .and_then(|item| item.get(method))
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

/// The path parameters of an operation: (name, wire name if recorded).
fn path_params(op: &Value) -> Vec<(String, Option<String>)> {
    op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "path")
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["x-pictory-wire-name"].as_str().map(str::to_string),
            )
        })
        .collect()
}

const TEMPLATE: &str = "/pictoryapis/v1/templates/{templateId}";

#[test]
fn a_renamed_path_parameter_is_a_rename_and_keeps_ids_and_public_names() {
    let scratch = Scratch::new("drift-rename");
    let dir = scratch.spec_copy();
    let overlay_before = std::fs::read(dir.join(OVERLAY)).unwrap();
    let mut served = committed_raw();
    rename_path_param(&mut served, TEMPLATE, "templateId", "template_id");

    let run = update(&scratch, &dir, &served, &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let kept = "(public name templateId kept: the Rust method and its arguments do not change)";
    assert_eq!(
        report(&run),
        [
            format!(
                "delete_template: path parameter renamed upstream: templateId -> template_id {kept}"
            ),
            format!(
                "get_template: path parameter renamed upstream: templateId -> template_id {kept}"
            ),
            format!(
                "update_template: path parameter renamed upstream: templateId -> template_id {kept}"
            ),
        ],
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("warning:"), "{}", run.stdout);

    // The normalized document keeps the public path and names, records the
    // served spelling, and keeps the ids; the overlay is not touched.
    let doc = read_json(&dir, NORMALIZED);
    assert!(
        doc["paths"]
            .get("/pictoryapis/v1/templates/{template_id}")
            .is_none()
    );
    for (method, id) in [
        ("get", "get_template"),
        ("put", "update_template"),
        ("delete", "delete_template"),
    ] {
        let op = op(&doc, method, TEMPLATE);
        assert_eq!(op["operationId"], id);
        assert_eq!(
            path_params(op),
            [("templateId".to_string(), Some("template_id".to_string()))],
            "{id}"
        );
    }
    assert_eq!(std::fs::read(dir.join(OVERLAY)).unwrap(), overlay_before);
    // The stored raw document is the served one.
    assert_eq!(read_json(&dir, RAW), served);
    for strict in [&[][..], &["--strict"]] {
        let run = spec("check", &dir, strict);
        assert_eq!(run.code, Some(0), "check {strict:?}: {run:?}");
    }
    // Taking the same document again changes nothing.
    let run = update(&scratch, &dir, &served, &["--check"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(report(&run), ["no operation changed"]);
}

#[test]
fn the_old_format_document_with_the_rename_normalizes_to_the_same_bytes() {
    let overlay = parse(&std::fs::read(Path::new(SPEC_DIR).join(OVERLAY)).unwrap());
    let mut new_format = parse(&openapi_fixture());
    rename_path_param(&mut new_format, TEMPLATE, "templateId", "template_id");
    // The old-format document spells the path with the lower-cased name.
    let mut old_format = parse(&definition_fixture());
    rename_path_param(
        &mut old_format,
        "/pictoryapis/v1/templates/templateid",
        "templateId",
        "template_id",
    );
    let text = serde_json::to_string(&old_format).unwrap();
    let old_format: Value = serde_json::from_str(&text.replace(
        "\"/pictoryapis/v1/templates/templateid\"",
        "\"/pictoryapis/v1/templates/template_id\"",
    ))
    .unwrap();
    let a = xtask::normalize_checked(&new_format, &overlay).unwrap();
    let b = xtask::normalize_checked(&old_format, &overlay).unwrap();
    assert_eq!(
        xtask::normalize::to_canonical_text(&a.doc),
        xtask::normalize::to_canonical_text(&b.doc)
    );
    assert_eq!(
        path_params(op(&b.doc, "get", TEMPLATE)),
        [("templateId".to_string(), Some("template_id".to_string()))]
    );
}

#[test]
fn a_new_operation_on_a_renamed_route_takes_the_pinned_names() {
    // A new method on the renamed path: the overlay does not name it, so it
    // borrows the public names of its route (two spellings of one route
    // would be two routes the simulator cannot hold).
    let overlay = parse(&std::fs::read(Path::new(SPEC_DIR).join(OVERLAY)).unwrap());
    let mut served = committed_raw();
    rename_path_param(&mut served, TEMPLATE, "templateId", "template_id");
    served["paths"]["/pictoryapis/v1/templates/{template_id}"]["patch"] = json!({
        "summary": "Rename Template",
        "parameters": [{"name": "template_id", "in": "path"}],
        "responses": {}
    });
    let out = xtask::normalize_checked(&served, &overlay).unwrap();
    let patch = op(&out.doc, "patch", TEMPLATE);
    assert_eq!(patch["operationId"], "rename_template");
    assert_eq!(
        path_params(patch),
        [("templateId".to_string(), Some("template_id".to_string()))]
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains(&format!("`PATCH {TEMPLATE}` is not named in the overlay"))),
        "{:?}",
        out.warnings
    );
}

#[test]
fn the_served_job_route_replaces_the_overlays_addition_under_its_pinned_name() {
    let overlay = parse(&std::fs::read(Path::new(SPEC_DIR).join(OVERLAY)).unwrap());
    let mut served = committed_raw();
    served["paths"]["/pictoryapis/v1/jobs/{jobId}"] = json!({"get": {
        "summary": "Get Job",
        "parameters": [{"name": "jobId", "in": "path", "description": "The job."}],
        "responses": {}
    }});
    let out = xtask::normalize_checked(&served, &overlay).unwrap();
    assert!(
        out.doc["paths"]
            .get("/pictoryapis/v1/jobs/{jobId}")
            .is_none()
    );
    let job = op(&out.doc, "get", "/pictoryapis/v1/jobs/{job_id}");
    assert_eq!(job["operationId"], "get_job");
    assert_eq!(job["parameters"][0]["description"], "The job.");
    assert_eq!(
        path_params(job),
        [("job_id".to_string(), Some("jobId".to_string()))]
    );
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn two_overlay_entries_of_one_shape_claim_no_renamed_operation() {
    // Which of two same-shape entries a renamed operation is cannot be told:
    // it gets an id from its summary and a warning, and both entries are
    // reported unused.
    let mut overlay = parse(&std::fs::read(Path::new(SPEC_DIR).join(OVERLAY)).unwrap());
    let entry = overlay["operations"][format!("GET {TEMPLATE}")].clone();
    overlay["operations"]["GET /pictoryapis/v1/templates/{id}"] = entry;
    let mut served = committed_raw();
    rename_path_param(&mut served, TEMPLATE, "templateId", "template_id");
    served["paths"]["/pictoryapis/v1/templates/{template_id}"]
        .as_object_mut()
        .unwrap()
        .retain(|m, _| m == "get");
    let out = xtask::normalize::normalize(&served, &overlay).unwrap();
    let get = op(&out.doc, "get", "/pictoryapis/v1/templates/{template_id}");
    assert_eq!(get["operationId"], "get_template_by_id");
    for key in [
        format!("GET {TEMPLATE}"),
        "GET /pictoryapis/v1/templates/{id}".into(),
    ] {
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains(&format!("`{key}`, which the document does not have"))),
            "{key}: {:?}",
            out.warnings
        );
    }
}

#[test]
fn a_new_operation_is_stored_untyped_and_reported_in_json() {
    let scratch = Scratch::new("drift-new-op-json");
    let dir = scratch.spec_copy();
    let mut served = committed_raw();
    add_music_tracks(&mut served);
    let run = update(&scratch, &dir, &served, &["--json"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    // stdout is the JSON report alone; the status lines go to stderr.
    let report: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(
        report,
        json!([
            {
                "change": "added",
                "operation": "list_music_tracks",
                "method": "GET",
                "path": "/pictoryapis/v1/music/tracks",
                "message": "list_music_tracks: operation added: GET /pictoryapis/v1/music/tracks"
            },
            {
                "change": "untyped",
                "operation": "list_music_tracks",
                "method": "GET",
                "path": "/pictoryapis/v1/music/tracks",
                "message": "list_music_tracks: untyped: no `response` schema in spec/overlay.json, so its answer is a serde_json::Value; `cargo xtask spec check --strict` fails until it has one"
            }
        ])
    );
    assert!(
        run.stderr.contains("warning: operation `GET /pictoryapis/v1/music/tracks` is not named in the overlay; derived id `list_music_tracks`"),
        "{}",
        run.stderr
    );
    let doc = read_json(&dir, NORMALIZED);
    let tracks = op(&doc, "get", "/pictoryapis/v1/music/tracks");
    assert_eq!(
        tracks["responses"]["200"]["content"]["application/json"]["schema"],
        json!({})
    );
    assert_eq!(tracks["parameters"][0]["name"], "genre");
}

#[test]
fn a_served_response_schema_that_disagrees_is_reported_and_the_overlay_kept() {
    let scratch = Scratch::new("drift-upstream");
    let dir = scratch.spec_copy();
    let before = read_json(&dir, NORMALIZED);
    let mut served = committed_raw();
    // delete_brand: inline, unlike the overlay's `Deleted` in four ways.
    served["paths"]["/pictoryapis/brands/editvideo/{brandId}"]["delete"]["responses"]["200"] = json!({
        "description": "OK",
        "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {
                "success": {"type": "string", "required": true},
                "message": {"type": "string"},
                "deletedAt": {"type": "string"}
            }
        }}}
    });
    // delete_template: a served component of the same structure as the
    // overlay's `Deleted`: no difference (names are not compared).
    served["components"]["schemas"] = json!({"Gone": {
        "type": "object",
        "properties": {"success": {"type": "boolean"}, "message": {"type": "string"}, "data": {}}
    }});
    served["paths"][TEMPLATE]["delete"]["responses"]["201"] = json!({
        "description": "Created",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}}
    });
    // list_aws_connections: "any JSON" says nothing, so nothing to compare.
    served["paths"]["/pictoryapis/v1/awsconnections"]["get"]["responses"]["200"] =
        json!({"description": "OK", "content": {"application/json": {"schema": {}}}});

    let run = update(&scratch, &dir, &served, &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let differs = "delete_brand: upstream response differs from the overlay (the overlay is kept)";
    assert_eq!(
        report(&run),
        [
            format!("{differs}: field data not upstream"),
            format!("{differs}: field deletedAt only upstream (string)"),
            format!("{differs}: field success is string upstream, boolean in the overlay"),
            format!("{differs}: field success required upstream, optional in the overlay"),
        ],
        "{}",
        run.stdout
    );
    // The overlay's schemas stay: every success response is as before.
    let after = read_json(&dir, NORMALIZED);
    for o in xtask::operations::operations(&before) {
        assert_eq!(
            op(&after, &o.method, &o.path)["responses"]["200"],
            op(&before, &o.method, &o.path)["responses"]["200"],
            "{:?}",
            o.id
        );
    }

    // An untyped operation for which the served document has a schema:
    // that schema is worth a look before typing it.
    add_music_tracks(&mut served);
    served["paths"]["/pictoryapis/v1/music/tracks"]["get"]["responses"]["200"] = json!({
        "description": "OK",
        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}
    });
    let run = update(&scratch, &dir, &served, &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        report(&run).contains(&"list_music_tracks: upstream response differs from the overlay (the overlay is kept): the served document has a 2xx schema, the overlay none; review it for spec/overlay.json"),
        "{}",
        run.stdout
    );
}

#[test]
fn request_body_fields_made_required_optional_or_retyped_are_reported_in_words() {
    let scratch = Scratch::new("drift-body");
    let dir = scratch.spec_copy();
    let mut served = committed_raw();
    let props = &mut served["paths"]["/pictoryapis/v1/awsconnections"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]["properties"];
    props["enabled"].as_object_mut().unwrap().remove("required");
    props["description"]["required"] = json!(true);
    props["awsRegion"]["type"] = json!("integer");
    props["tags"] = json!({"type": "array", "items": {"type": "string"}});
    props.as_object_mut().unwrap().remove("name");

    let run = update(&scratch, &dir, &served, &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let id = "create_aws_connection: request body changed";
    assert_eq!(
        report(&run),
        [
            format!("{id}: field awsRegion type changed: string -> integer"),
            format!("{id}: field description now required"),
            format!("{id}: field enabled no longer required"),
            format!("{id}: field name removed"),
            format!("{id}: field tags added (array)"),
        ],
        "{}",
        run.stdout
    );
    let doc = read_json(&dir, NORMALIZED);
    let schema = &op(&doc, "post", "/pictoryapis/v1/awsconnections")["requestBody"]["content"]["application/json"]
        ["schema"];
    assert_eq!(
        schema["required"],
        json!(["awsAccountId", "awsRegion", "description"])
    );

    // The same as JSON.
    let scratch2 = Scratch::new("drift-body-json");
    let dir2 = scratch2.spec_copy();
    let run = update(&scratch2, &dir2, &served, &["--json"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let rows: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        rows[1],
        json!({
            "change": "field_now_required",
            "operation": "create_aws_connection",
            "method": "POST",
            "path": "/pictoryapis/v1/awsconnections",
            "location": "request body",
            "field": "description",
            "from": "optional",
            "to": "required",
            "message": format!("{id}: field description now required")
        })
    );
    assert_eq!(rows[0]["change"], "type_changed");
    assert_eq!(
        (&rows[0]["from"], &rows[0]["to"]),
        (&json!("string"), &json!("integer"))
    );
    assert_eq!(rows[2]["change"], "field_no_longer_required");
    assert_eq!(rows[3]["change"], "field_removed");
    assert_eq!(rows[4]["change"], "field_added");
}

#[test]
fn query_parameters_added_and_removed_are_reported() {
    let scratch = Scratch::new("drift-params");
    let dir = scratch.spec_copy();
    let mut served = committed_raw();
    served["paths"]["/pictoryapis/v1/awsconnections"]["get"]["parameters"] =
        json!([{"name": "limit", "in": "query", "schema": {"type": "integer"}}]);
    let run = update(&scratch, &dir, &served, &["--json"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let rows: Value = serde_json::from_str(&run.stdout).unwrap();
    let lines: Vec<(&str, &str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["change"].as_str().unwrap(),
                r["parameter"].as_str().unwrap(),
                r["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                "parameter_removed",
                "pageKey",
                "list_aws_connections: query parameter removed: pageKey"
            ),
            (
                "parameter_added",
                "limit",
                "list_aws_connections: query parameter added: limit"
            ),
        ]
    );
}

#[test]
fn a_renamed_id_and_a_moved_route_are_reported_as_such() {
    // The overlay renames an operation: same route, another Rust method.
    let scratch = Scratch::new("drift-id");
    let dir = scratch.spec_copy();
    let mut overlay = read_json(&dir, OVERLAY);
    overlay["operations"]["GET /pictoryapis/brands/editvideo/{brandId}"]["operationId"] =
        json!("fetch_brand");
    write_json(&dir, OVERLAY, &overlay);
    let run = update(&scratch, &dir, &committed_raw(), &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        report(&run),
        [
            "fetch_brand: operation id changed: get_brand -> fetch_brand (its Rust method is renamed)"
        ]
    );

    // Same id, another route (matched by id when no route matches).
    let doc = |path: &str| {
        json!({"openapi": "3.0.3", "paths": {path: {"get": {"operationId": "get_x",
            "parameters": [{"name": "id", "in": "path"}], "responses": {}}}}})
    };
    let lines: Vec<String> = xtask::report::changes(&doc("/v1/x/{id}"), &doc("/v2/x/{id}"))
        .iter()
        .map(|c| c.line())
        .collect();
    assert_eq!(
        lines,
        ["get_x: route changed: GET /v1/x/{id} -> GET /v2/x/{id}"]
    );
}

#[test]
fn update_check_writes_nothing_and_exits_3_only_when_the_served_spec_differs() {
    let scratch = Scratch::new("drift-check");
    let dir = scratch.spec_copy();
    let before = snapshot(&dir);

    // The stored document, even re-indented: exit 0.
    let same = committed_raw();
    let file = scratch.write(
        "same.json",
        serde_json::to_string(&same).unwrap().as_bytes(),
    );
    let run = spec(
        "update",
        &dir,
        &["--from-file", file.to_str().unwrap(), "--check"],
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.contains("the served spec is the one in spec/"),
        "{}",
        run.stdout
    );
    assert_eq!(snapshot(&dir), before, "update --check wrote");

    // A drifted one: exit 3, the report, nothing written.
    let mut served = committed_raw();
    rename_path_param(&mut served, TEMPLATE, "templateId", "template_id");
    let run = update(&scratch, &dir, &served, &["--check"]);
    assert_eq!(run.code, Some(3), "{run:?}");
    assert!(
        run.stdout
            .contains("the served spec differs from spec/ (nothing written)")
    );
    assert_eq!(report(&run).len(), 3, "{}", run.stdout);
    assert_eq!(snapshot(&dir), before, "update --check wrote");
    let run = update(&scratch, &dir, &served, &["--check", "--json"]);
    assert_eq!(run.code, Some(3), "{run:?}");
    let rows: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert_eq!(rows[0]["change"], "path_parameter_renamed");
    assert_eq!(rows[0]["parameter"], "templateId");
    assert_eq!(
        (&rows[0]["from"], &rows[0]["to"]),
        (&json!("templateId"), &json!("template_id"))
    );

    // A fetch failure: exit 1, one line, nothing written.
    let base = format!("http://127.0.0.1:{}", refused_port());
    let run = spec(
        "update",
        &dir,
        &["--base-url", &base, "--timeout", "5", "--check"],
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn malformed_documents_are_repaired_or_refused_on_one_line_never_a_panic() {
    // Each is repaired or ignored (exit 0, and `check` passes after), but
    // a path the generator could not route, refused (exit 1, one line,
    // spec/ untouched).
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "a path item that is a string",
            Box::new(|d| d["paths"]["/x"] = json!("nope")),
        ),
        (
            "parameters that are an object",
            Box::new(|d| d["paths"][TEMPLATE]["get"]["parameters"] = json!({"name": "templateId"})),
        ),
        (
            "parameters that are not objects",
            Box::new(|d| {
                d["paths"][TEMPLATE]["get"]["parameters"] = json!(["templateId", 3, null])
            }),
        ),
        (
            "responses that are an array",
            Box::new(|d| d["paths"][TEMPLATE]["get"]["responses"] = json!([1, 2])),
        ),
        (
            "a 2xx content that is a string",
            Box::new(|d| {
                d["paths"][TEMPLATE]["get"]["responses"]["200"] = json!({"content": "json"})
            }),
        ),
        (
            "a 2xx schema that is a number",
            Box::new(|d| {
                d["paths"][TEMPLATE]["get"]["responses"]["200"] =
                    json!({"content": {"application/json": {"schema": 7}}})
            }),
        ),
        (
            "a 2xx schema that refers to itself",
            Box::new(|d| {
                d["components"]["schemas"] = json!({"Loop": {"$ref": "#/components/schemas/Loop"}});
                d["paths"][TEMPLATE]["get"]["responses"]["200"] = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Loop"}}}})
            }),
        ),
        (
            "properties that are an array",
            Box::new(|d| {
                d["paths"]["/pictoryapis/v1/awsconnections"]["post"]["requestBody"]["content"]["application/json"]
                    ["schema"]["properties"] = json!([1])
            }),
        ),
        (
            "required that is a string",
            Box::new(|d| {
                d["paths"]["/pictoryapis/v1/awsconnections"]["post"]["requestBody"]["content"]["application/json"]
                    ["schema"]["required"] = json!("name")
            }),
        ),
        (
            "a request body that is a number",
            Box::new(|d| {
                d["paths"]["/pictoryapis/v1/awsconnections"]["post"]["requestBody"] = json!(5)
            }),
        ),
        (
            "an unbalanced path template",
            Box::new(|d| d["paths"]["/pictoryapis/v1/odd/{x"] = json!({"get": {"summary": "Odd"}})),
        ),
        (
            "components that are a list",
            Box::new(|d| d["components"] = json!([])),
        ),
    ];
    for (what, edit) in cases {
        let scratch = Scratch::new("drift-malformed");
        let dir = scratch.spec_copy();
        let before = snapshot(&dir);
        let mut served = committed_raw();
        edit(&mut served);
        let run = update(&scratch, &dir, &served, &[]);
        if what == "an unbalanced path template" {
            assert_eq!(run.code, Some(1), "{what}: {run:?}");
            assert_eq!(run.stderr_lines().len(), 1, "{what}: {}", run.stderr);
            assert!(
                run.stderr
                    .contains("GET /pictoryapis/v1/odd/{x: the path is not a template"),
                "{}",
                run.stderr
            );
            assert_eq!(snapshot(&dir), before, "{what}: spec/ changed");
        } else {
            assert_eq!(run.code, Some(0), "{what}: {run:?}");
            assert_eq!(spec("check", &dir, &[]).code, Some(0), "{what}");
        }
    }
    // A broken overlay too.
    let scratch = Scratch::new("drift-malformed-overlay");
    let dir = scratch.spec_copy();
    write_json(&dir, OVERLAY, &json!({"operations": [1, 2]}));
    let run = spec("normalize", &dir, &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.stderr_lines(),
        ["error: overlay `operations` is not a JSON object"]
    );
}
