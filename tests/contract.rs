//! Contract tests: every operation of the normalized spec, read at test time,
//! is called through the generated client against httpmock, and the request
//! is checked against the spec: method, path (parameters substituted and
//! percent-encoded), `api_token` in the query, and the JSON body valid
//! against the operation's request schema. An operation LowCodeAPI does not
//! serve (`x-pictory-served-by: pictory`) is checked on Pictory's own API
//! instead: through a client with both credentials it goes to Pictory's base
//! URL with the key raw in `Authorization` and no `api_token`. An operation
//! without a case here fails the suite, so a spec update cannot add an
//! endpoint unnoticed.

mod common;

use common::cases::{Case, ID, cases};
use common::{
    SENTINEL_KEY, SENTINEL_TOKEN, client_for, direct_client_for, normalized_spec, spec_operations,
};
use httpmock::MockServer;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    authorization: Option<String>,
    body: Vec<u8>,
}

fn encode(v: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'/')
        .add(b'%');
    percent_encoding::utf8_percent_encode(v, SET).to_string()
}

async fn check_operation(
    method: &str,
    template: &str,
    op: &Value,
    components: &Value,
    case: Case,
) -> Result<(), String> {
    let server = MockServer::start_async().await;
    let direct = op["x-pictory-served-by"] == "pictory";
    // An answer that fits the operation's response type, in LowCodeAPI's
    // provider-page envelope (Pictory's own body when sent directly): a
    // bare list where Pictory answers one.
    let returns_list = op
        .pointer("/responses/200/content/application~1json/schema/type")
        .and_then(Value::as_str)
        == Some("array");
    let (pictory, expected) = if returns_list {
        (json!([]), json!([]))
    } else {
        (
            json!({"success": true, "data": {"echo": "ok"}}),
            json!({"echo": "ok"}),
        )
    };
    let answer = if direct {
        pictory
    } else {
        json!({ "data": pictory })
    };
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let sink = seen.clone();
    server
        .mock_async(move |when, then| {
            when.is_true(move |req| {
                sink.lock().unwrap().push(Seen {
                    method: req.method().to_string(),
                    path: req.uri().path().to_string(),
                    query: req.query_params(),
                    authorization: req
                        .headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string),
                    body: req.body().to_vec(),
                });
                true
            });
            then.status(200).json_body(answer);
        })
        .await;
    let client = if direct {
        direct_client_for(&server.base_url())
    } else {
        client_for(&server.url("/pictory"))
    };
    let response = case(client, ID)
        .await
        .map_err(|e| format!("call failed: {e}"))?;
    let seen = seen.lock().unwrap().clone();
    let [req] = seen.as_slice() else {
        return Err(format!("expected exactly one request, saw {}", seen.len()));
    };
    if req.method != method {
        return Err(format!("method {} != {method}", req.method));
    }
    let expected_path = format!(
        "{}{}",
        if direct { "" } else { "/pictory" },
        template
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    encode(ID)
                } else {
                    s.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    );
    if req.path != expected_path {
        return Err(format!("path {} != {expected_path}", req.path));
    }
    let has_token = req
        .query
        .iter()
        .any(|(k, v)| k == "api_token" && v == SENTINEL_TOKEN);
    if direct {
        if has_token || req.query.iter().any(|(k, _)| k == "api_token") {
            return Err(format!(
                "the LowCodeAPI token went to Pictory: {:?}",
                req.query
            ));
        }
        if req.authorization.as_deref() != Some(SENTINEL_KEY) {
            return Err(format!(
                "Authorization is not the raw key: {:?}",
                req.authorization.as_deref().map(|a| a.len())
            ));
        }
    } else {
        if !has_token {
            return Err(format!("api_token missing from query {:?}", req.query));
        }
        if req.authorization.is_some() {
            return Err("an Authorization header went to LowCodeAPI".into());
        }
    }
    match op.pointer("/requestBody/content/application~1json/schema") {
        Some(schema) => {
            let body: Value = serde_json::from_slice(&req.body).map_err(|e| {
                format!(
                    "body is not JSON ({e}): {:?}",
                    String::from_utf8_lossy(&req.body)
                )
            })?;
            // The spec's components beside the schema, for its `$ref`s.
            let schema = json!({ "allOf": [schema], "components": components });
            let validator =
                jsonschema::validator_for(&schema).map_err(|e| format!("schema: {e}"))?;
            let errors: Vec<String> = validator
                .iter_errors(&body)
                .map(|e| e.to_string())
                .collect();
            if !errors.is_empty() {
                return Err(format!("body {body} invalid: {errors:?}"));
            }
        }
        None if op.get("x-pictory-manual-body").is_some() => {
            // The multipart upload: the file travels in the declared field.
            let field = op["x-pictory-manual-body"]["fileField"]
                .as_str()
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&req.body);
            if field.is_empty() || !text.contains(&format!("name=\"{field}\"")) {
                return Err(format!("the multipart body lacks the field {field:?}"));
            }
        }
        None if !req.body.is_empty() => {
            return Err("a body was sent to an operation without one".into());
        }
        None => {}
    }
    if response != expected {
        return Err(format!("envelope not decoded: {response}"));
    }
    Ok(())
}

#[tokio::test]
async fn every_operation_in_the_spec_has_a_passing_contract_test() {
    let doc = normalized_spec();
    let ops = spec_operations(&doc);
    let cases = cases();
    let mut failures = Vec::new();
    for (id, method, path, op) in &ops {
        match cases.iter().find(|(c, _)| c == id) {
            None => failures.push(format!("{id}: no contract test for {method} {path}")),
            Some((_, case)) => {
                if let Err(e) = check_operation(method, path, op, &doc["components"], *case).await {
                    failures.push(format!("{id} ({method} {path}): {e}"));
                }
            }
        }
    }
    for (id, _) in &cases {
        if !ops.iter().any(|(op_id, ..)| op_id == id) {
            failures.push(format!(
                "{id}: contract test for an operation the spec does not have"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "contract failures:\n{}",
        failures.join("\n")
    );
    assert_eq!(ops.len(), 55, "the spec has 55 operations");
}

#[test]
fn generated_client_has_exactly_the_stable_operation_ids() {
    let expected = [
        "create_aws_connection",
        "list_aws_connections",
        "get_aws_connection",
        "update_aws_connection",
        "delete_aws_connection",
        "generate_upload_url",
        "list_voiceover_tracks",
        "add_voiceover_track",
        "create_storyboard",
        "render_video",
        "render_storyboard",
        "create_video_summary",
        "create_transcription",
        "create_template",
        "create_video_from_template",
        "list_templates",
        "update_template",
        "get_template",
        "delete_template",
        "create_brand",
        "list_brands",
        "get_brand",
        "update_brand",
        "delete_brand",
        "get_job",
        // Pictory's current API, served by Pictory only (issue #23).
        "create_storyboard_v2",
        "render_storyboard_video_v2",
        "render_preview_v2",
        "render_video_v2",
        "render_project",
        "update_storyboard_elements",
        "list_jobs",
        "list_projects",
        "get_project",
        "create_highlights_from_job",
        "list_video_brands",
        "list_text_styles",
        "list_smart_layouts",
        "list_avatars",
        "search_music",
        "list_music_moods",
        "list_music_genres",
        "list_music_genre_groups",
        "list_music_instruments",
        "list_music_purposes",
        "search_media",
        "create_ai_image",
        "list_ai_images",
        "create_ai_video",
        "list_ai_videos",
        "create_vimeo_connection",
        "list_vimeo_connections",
        "get_vimeo_connection",
        "get_quota",
        "get_ai_credits_usage",
    ];
    let mut generated: Vec<&str> = pictory::OPERATIONS.iter().map(|o| o.id).collect();
    let mut expected = expected.to_vec();
    generated.sort();
    expected.sort();
    assert_eq!(generated, expected);
    let render = pictory::OperationSpec::find("render_storyboard").unwrap();
    assert_eq!(
        (render.method, render.path),
        ("PUT", "/pictoryapis/v1/video/render/{job_id}")
    );
}
