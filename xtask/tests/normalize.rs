//! `cargo xtask spec check`, `update` and `normalize` on a temporary copy of
//! the committed `spec/`.

mod common;

use common::*;
use serde_json::{Value, json};

#[test]
fn check_passes_on_the_committed_spec_and_fails_with_a_diff_after_an_edit() {
    let scratch = Scratch::new("check");
    let dir = scratch.spec_copy();

    let run = spec("check", &dir, &[]);
    assert!(run.success, "check failed on the committed spec: {run:?}");
    assert!(
        run.stdout.contains("spec check: OK"),
        "stdout: {}",
        run.stdout
    );

    // Rename one operation in the normalized document only.
    let path = dir.join(NORMALIZED);
    let text = std::fs::read_to_string(&path).unwrap();
    let needle = "\"operationId\": \"get_template\",";
    assert_eq!(text.matches(needle).count(), 1, "the edit target is unique");
    std::fs::write(
        &path,
        text.replace(needle, "\"operationId\": \"fetch_one_template\","),
    )
    .unwrap();

    let run = spec("check", &dir, &[]);
    assert!(!run.success, "check passed on an edited document: {run:?}");
    assert!(run.stderr.contains("stale"), "stderr: {}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with('-') && l.contains("\"operationId\": \"fetch_one_template\"")),
        "the diff does not show the edited line being removed:\n{}",
        run.stderr
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with('+') && l.contains("\"operationId\": \"get_template\"")),
        "the diff does not show the expected line:\n{}",
        run.stderr
    );
    // The check only reads: the edited file is still as edited.
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("fetch_one_template")
    );
}

#[test]
fn update_reports_added_and_removed_operations_and_check_passes_after() {
    let scratch = Scratch::new("update");
    let dir = scratch.spec_copy();

    // The openapi fixture with one path removed and one path added.
    let mut doc = parse(&openapi_fixture());
    let paths = doc["paths"].as_object_mut().unwrap();
    assert!(
        paths
            .shift_remove("/pictoryapis/v1/media/generateurl")
            .is_some(),
        "the fixture has the path to remove"
    );
    paths.insert(
        "/pictoryapis/v1/music/tracks".into(),
        json!({
            "get": {
                "tags": ["Music API"],
                "parameters": [],
                "responses": {
                    "401": {
                        "description": "API token required",
                        "content": { "application/json": {} }
                    }
                },
                "summary": "List Music Tracks",
                "description": "Background music tracks available to a video.",
                "security": [{ "ApiToken": [] }]
            }
        }),
    );
    let modified = pretty(&doc);
    let file = scratch.write("modified.openapi.json", modified.as_bytes());
    // A new operation needs a response schema (else normalize refuses it).
    let mut overlay = read_json(&dir, OVERLAY);
    overlay["operations"].as_object_mut().unwrap().insert(
        "GET /pictoryapis/v1/music/tracks".into(),
        json!({ "response": { "type": "array", "items": { "type": "object" } } }),
    );
    std::fs::write(dir.join(OVERLAY), pretty(&overlay)).unwrap();

    let run = spec("update", &dir, &["--from-file", file.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "update failed: {run:?}");
    let report: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| {
            !l.starts_with("fetched ")
                && !l.starts_with("stored in ")
                && !l.starts_with("warning: ")
        })
        .collect();
    assert_eq!(
        report,
        [
            "generate_upload_url: operation removed: POST /pictoryapis/v1/media/generateurl",
            "list_music_tracks: operation added: GET /pictoryapis/v1/music/tracks",
        ],
        "{}",
        run.stdout
    );

    // The stored raw document and provenance are the file's.
    assert_eq!(std::fs::read_to_string(dir.join(RAW)).unwrap(), modified);
    let prov = read_json(&dir, PROVENANCE);
    assert_eq!(prov["source"], Value::from(file.to_str().unwrap()));
    assert_eq!(prov["variant"], "openapi");
    assert_eq!(prov["sha256"], Value::from(sha256_hex(modified.as_bytes())));
    let normalized = read_json(&dir, NORMALIZED);
    assert_eq!(
        normalized["paths"]["/pictoryapis/v1/music/tracks"]["get"]["operationId"],
        "list_music_tracks"
    );
    assert!(
        normalized["paths"]
            .get("/pictoryapis/v1/media/generateurl")
            .is_none()
    );

    let run = spec("check", &dir, &[]);
    assert!(run.success, "check failed after update: {run:?}");
}

#[test]
fn normalize_warns_about_an_operation_the_overlay_does_not_name() {
    let scratch = Scratch::new("normalize-new-op");
    let dir = scratch.spec_copy();

    let mut raw = read_json(&dir, RAW);
    raw["paths"].as_object_mut().unwrap().insert(
        "/pictoryapis/v1/video/captions".into(),
        json!({
            "post": {
                "tags": ["Video API"],
                "parameters": [],
                "responses": { "401": { "description": "API token required" } },
                "summary": "Generate Video Captions (Beta)",
                "security": [{ "ApiToken": [] }],
                "requestBody": {
                    "required": true,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": [],
                                "properties": {
                                    "videoUrl": { "type": "string", "required": true },
                                    "language": { "type": "string" }
                                }
                            }
                        }
                    }
                }
            }
        }),
    );
    std::fs::write(dir.join(RAW), pretty(&raw)).unwrap();

    // Without a response schema the new operation is untyped: written, and
    // named in a warning.
    let run = spec("normalize", &dir, &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.lines().any(|l| l.starts_with("warning: operation `generate_video_captions_beta` (POST /pictoryapis/v1/video/captions) is untyped")),
        "stdout: {}",
        run.stdout
    );

    // The overlay gives it a response schema but no name.
    let mut overlay = read_json(&dir, OVERLAY);
    overlay["operations"].as_object_mut().unwrap().insert(
        "POST /pictoryapis/v1/video/captions".into(),
        json!({ "response": { "$ref": "#/components/schemas/JobStarted" } }),
    );
    std::fs::write(dir.join(OVERLAY), pretty(&overlay)).unwrap();

    let run = spec("normalize", &dir, &[]);
    assert!(run.success, "normalize failed: {run:?}");
    let warning = run
        .stdout
        .lines()
        .find(|l| l.starts_with("warning:") && l.contains("POST /pictoryapis/v1/video/captions"))
        .unwrap_or_else(|| panic!("no warning names the new operation:\n{}", run.stdout));
    assert!(
        warning.contains("generate_video_captions_beta"),
        "the warning does not give the derived id: {warning}"
    );
    // Only the new operation is unnamed.
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.contains("is not named in the overlay"))
            .count(),
        1,
        "stdout:\n{}",
        run.stdout
    );

    let normalized = read_json(&dir, NORMALIZED);
    let op = &normalized["paths"]["/pictoryapis/v1/video/captions"]["post"];
    assert_eq!(op["operationId"], "generate_video_captions_beta");
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["schema"]["required"],
        json!(["videoUrl"])
    );
    // The named operations keep the overlay's ids.
    assert_eq!(
        normalized["paths"]["/pictoryapis/v1/templates/{templateId}"]["get"]["operationId"],
        "get_template"
    );

    let run = spec("check", &dir, &[]);
    assert!(run.success, "check failed after normalize: {run:?}");
}
