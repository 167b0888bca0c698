//! Response contract: every success body Pictory documents (the files in
//! `tests/fixtures/pictory-docs/`) is valid against its operation's 2xx
//! schema in the normalized spec, read at test time (`$ref`s resolved into
//! its `components`), and decodes with serde into the response type
//! progenitor generated for that operation. A fixture file the test does not
//! classify fails it, and mutated fixtures must be rejected, so the checks
//! cannot pass vacuously.

use pictory::raw::types;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::path::Path;

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pictory-docs");

/// The operations that start a job; each answers with a `JobStarted`.
const JOB_STARTS: [&str; 6] = [
    "create_storyboard",
    "render_video",
    "render_storyboard",
    "create_transcription",
    "create_video_summary",
    "create_video_from_template",
];

/// Fixture files that are not success bodies: LowCodeAPI's and Pictory's
/// error bodies. (Files named `*-request*.json` are request bodies, by name.)
const NOT_SUCCESS_BODIES: [&str; 8] = [
    "errors/pictory-400-validation.json",
    "errors/pictory-401-new.json",
    "lowcodeapi/401-bad-token-logging.json",
    "lowcodeapi/401-bad-token.json",
    "lowcodeapi/403-unknown-token.json",
    "lowcodeapi/pictory-error-envelope-404.json",
    "lowcodeapi/provider-page-error-envelope.json",
    "lowcodeapi/unknown-route-404.json",
];

/// Decodes `body` into the generated type `T`, or says why not.
fn decode<T: DeserializeOwned>(body: &Value) -> Result<T, String> {
    serde_json::from_value(body.clone()).map_err(|e| e.to_string())
}

/// Decodes into `T` and returns nothing (the per-fixture type check).
fn decodes_as<T: DeserializeOwned>(body: &Value) -> Result<(), String> {
    decode::<T>(body).map(|_| ())
}

/// One documented success body: its file, the operations it answers, and
/// the generated type it must decode into.
struct Mapped {
    file: &'static str,
    operations: &'static [&'static str],
    decode: fn(&Value) -> Result<(), String>,
}

fn mapped() -> Vec<Mapped> {
    const JOB: &[&str] = &["get_job"];
    vec![
        Mapped {
            file: "jobs/failed.json",
            operations: JOB,
            decode: decodes_as::<types::Job>,
        },
        Mapped {
            file: "jobs/in-progress-rendering.json",
            operations: JOB,
            decode: decodes_as::<types::Job>,
        },
        Mapped {
            file: "jobs/in-progress.json",
            operations: JOB,
            decode: decodes_as::<types::Job>,
        },
        Mapped {
            file: "jobs/preview-completed-classic-no-status.json",
            operations: JOB,
            decode: decodes_as::<types::Job>,
        },
        Mapped {
            file: "jobs/render-completed.json",
            operations: JOB,
            decode: decodes_as::<types::Job>,
        },
        Mapped {
            file: "jobs/transcription-completed-no-job-id.json",
            operations: JOB,
            decode: decodes_as::<types::Job>,
        },
        Mapped {
            file: "starts/job-started-data-jobId.json",
            operations: &JOB_STARTS,
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "starts/job-started-data-job_id.json",
            operations: &JOB_STARTS,
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "starts/job-started-top-level-jobId.json",
            operations: &JOB_STARTS,
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "lowcodeapi/success-result-envelope.json",
            operations: &JOB_STARTS,
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "media/generateurl-response.json",
            operations: &["generate_upload_url"],
            decode: decodes_as::<types::UploadUrl>,
        },
        Mapped {
            file: "templates/create-response.json",
            operations: &["create_template"],
            decode: decodes_as::<types::Template>,
        },
        Mapped {
            file: "templates/list-response.json",
            operations: &["list_templates"],
            decode: decodes_as::<types::TemplateList>,
        },
        Mapped {
            file: "templates/get-response.json",
            operations: &["get_template"],
            decode: decodes_as::<types::Template>,
        },
        Mapped {
            file: "aws/create-response.json",
            operations: &["create_aws_connection"],
            decode: decodes_as::<types::AwsConnection>,
        },
        Mapped {
            file: "aws/get-response.json",
            operations: &["get_aws_connection"],
            decode: decodes_as::<types::AwsConnection>,
        },
        Mapped {
            file: "aws/list-response.json",
            operations: &["list_aws_connections"],
            decode: decodes_as::<types::AwsConnectionList>,
        },
        Mapped {
            file: "aws/update-response.json",
            operations: &["update_aws_connection"],
            decode: decodes_as::<types::AwsConnection>,
        },
        Mapped {
            file: "voiceovers/add-response.json",
            operations: &["add_voiceover_track"],
            decode: decodes_as::<types::VoiceOverTrack>,
        },
        Mapped {
            file: "voiceovers/list-response.json",
            operations: &["list_voiceover_tracks"],
            decode: decodes_as::<Vec<types::VoiceOverTrack>>,
        },
    ]
}

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/pictory.normalized.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read the normalized spec"))
        .expect("the normalized spec is JSON")
}

/// The 2xx JSON schema of operation `id`, as a schema document whose `$ref`s
/// resolve: the operation's schema with the spec's `components` beside it.
fn success_schema(doc: &Value, id: &str) -> Value {
    let op = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| op["operationId"] == id)
        .unwrap_or_else(|| panic!("the spec has no operation {id}"));
    let responses = op["responses"].as_object().unwrap();
    let schema = responses
        .iter()
        .filter(|(code, _)| code.starts_with('2'))
        .find_map(|(_, r)| r.pointer("/content/application~1json/schema"))
        .unwrap_or_else(|| panic!("{id}: no 2xx JSON schema"));
    json!({ "allOf": [schema], "components": doc["components"] })
}

fn validator(doc: &Value, id: &str) -> jsonschema::Validator {
    jsonschema::validator_for(&success_schema(doc, id))
        .unwrap_or_else(|e| panic!("{id}: the 2xx schema does not compile: {e}"))
}

fn errors(v: &jsonschema::Validator, body: &Value) -> Vec<String> {
    v.iter_errors(body).map(|e| e.to_string()).collect()
}

/// Pictory's body inside LowCodeAPI's success envelope: `{"data": X}` or
/// `{"message", "provider", "result": X, ...}`.
fn remove_envelope(file: &str, body: Value) -> Value {
    match body {
        Value::Object(mut o) if o.contains_key("provider") && o.contains_key("result") => {
            o.remove("result").unwrap()
        }
        Value::Object(mut o) if o.len() == 1 && o.contains_key("data") => o.remove("data").unwrap(),
        _ if file.starts_with("lowcodeapi/") => panic!("{file}: no envelope to remove"),
        other => other,
    }
}

fn fixture(file: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(DOCS).join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    remove_envelope(file, body)
}

/// Every `*.json` under the docs directory, as `dir/name.json`, sorted.
fn fixture_files() -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![Path::new(DOCS).to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("list the docs directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path.strip_prefix(DOCS).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_documented_success_body_fits_its_operations_schema_and_generated_type() {
    let doc = spec();
    let mut failures = Vec::new();
    for m in mapped() {
        let body = fixture(m.file);
        for id in m.operations {
            let errs = errors(&validator(&doc, id), &body);
            if !errs.is_empty() {
                failures.push(format!("{} vs {id}'s 2xx schema: {errs:?}", m.file));
            }
        }
        if let Err(e) = (m.decode)(&body) {
            failures.push(format!("{}: does not decode: {e}", m.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_file_is_mapped_or_known_not_to_be_a_success_body() {
    let mapped: Vec<&str> = mapped().iter().map(|m| m.file).collect();
    let files = fixture_files();
    assert!(
        files.len() > mapped.len(),
        "the docs directory was not read"
    );
    let unmapped: Vec<&String> = files
        .iter()
        .filter(|f| {
            !f.contains("-request")
                && !mapped.contains(&f.as_str())
                && !NOT_SUCCESS_BODIES.contains(&f.as_str())
        })
        .collect();
    assert!(
        unmapped.is_empty(),
        "response fixtures this test does not map to an operation: {unmapped:?}"
    );
    let missing: Vec<&&str> = mapped
        .iter()
        .chain(NOT_SUCCESS_BODIES.iter())
        .filter(|f| !files.iter().any(|g| g == **f))
        .collect();
    assert!(
        missing.is_empty(),
        "mapped files that do not exist: {missing:?}"
    );
}

#[test]
fn mutated_fixtures_leave_their_schema_and_are_rejected() {
    let doc = spec();
    let cases: [(&str, &str, &str, Value); 6] = [
        (
            "templates/list-response.json",
            "list_templates",
            "/items",
            json!("not an array"),
        ),
        (
            "aws/list-response.json",
            "list_aws_connections",
            "/Items",
            json!({"0": {}}),
        ),
        (
            "aws/get-response.json",
            "get_aws_connection",
            "/enabled",
            json!("yes"),
        ),
        ("jobs/failed.json", "get_job", "/data/status", json!(5)),
        (
            "jobs/render-completed.json",
            "get_job",
            "/data/videoURL",
            json!(["x"]),
        ),
        (
            "media/generateurl-response.json",
            "generate_upload_url",
            "/data/signedUrl",
            json!(1),
        ),
    ];
    for (file, id, pointer, bad) in cases {
        let v = validator(&doc, id);
        let mut body = fixture(file);
        assert!(
            errors(&v, &body).is_empty(),
            "{file} is valid as documented"
        );
        *body
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{file} has {pointer}")) = bad;
        assert!(
            !errors(&v, &body).is_empty(),
            "{file} with {pointer} mutated was accepted by {id}'s schema"
        );
    }
    // A body of the wrong shape altogether.
    let tracks = validator(&doc, "list_voiceover_tracks");
    assert!(!errors(&tracks, &json!({"items": []})).is_empty());
    assert!(!errors(&validator(&doc, "get_job"), &json!([])).is_empty());
    // And the generated types refuse the same mutation.
    let mut list = fixture("templates/list-response.json");
    list["items"] = json!("not an array");
    assert!(decode::<types::TemplateList>(&list).is_err());
}

/// The job id of a started job, wherever Pictory put it.
fn started_id(s: &types::JobStarted) -> Option<String> {
    let data = |d: &Option<types::JobStartedData>| {
        d.as_ref().and_then(|d| {
            d.subtype_0
                .as_ref()
                .and_then(|c| c.job_id.clone())
                .or_else(|| d.subtype_1.as_ref().and_then(|s| s.job_id.clone()))
        })
    };
    let camel = s.subtype_0.as_ref();
    let snake = s.subtype_1.as_ref();
    camel
        .and_then(|c| c.job_id.clone())
        .or_else(|| snake.and_then(|s| s.job_id.clone()))
        .or_else(|| camel.and_then(|c| data(&c.data)))
        .or_else(|| snake.and_then(|s| data(&s.data)))
}

#[test]
fn the_generated_types_carry_the_documented_values() {
    for file in [
        "starts/job-started-data-jobId.json",
        "starts/job-started-data-job_id.json",
        "starts/job-started-top-level-jobId.json",
        "lowcodeapi/success-result-envelope.json",
    ] {
        let started: types::JobStarted = decode(&fixture(file)).unwrap();
        assert_eq!(
            started_id(&started).as_deref(),
            Some("981e84c8-bd06-4a65-a791-d4a3da315c2a"),
            "{file}"
        );
    }

    let job: types::Job = decode(&fixture("jobs/failed.json")).unwrap();
    let snake = job.subtype_1.as_ref().unwrap();
    assert_eq!(
        snake.job_id.as_deref(),
        Some("a1d36612-326d-4b81-aece-411f8aed4c70")
    );
    let state = job
        .subtype_0
        .as_ref()
        .and_then(|c| c.data.as_ref())
        .and_then(|d| d.subtype_0.as_ref())
        .unwrap();
    assert_eq!(state.status.as_deref(), Some("failed"));
    assert_eq!(
        state
            .error_code
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("TEXT_TO_VIDEO_FAILED")
    );

    let job: types::Job =
        decode(&fixture("jobs/preview-completed-classic-no-status.json")).unwrap();
    let state = job.subtype_0.unwrap().data.unwrap().subtype_0.unwrap();
    assert_eq!(state.status, None);
    assert_eq!(state.preview.as_deref(), Some("VIDEO_PREVIEW_URL"));
    assert!(state.render_params.contains_key("scenes"));

    let job: types::Job = decode(&fixture("jobs/transcription-completed-no-job-id.json")).unwrap();
    let state = job.subtype_0.unwrap().data.unwrap().subtype_0.unwrap();
    assert_eq!(state.transcript[0].words[1].word.as_deref(), Some("again,"));

    let url: types::UploadUrl = decode(&fixture("media/generateurl-response.json")).unwrap();
    let data = url.data.unwrap();
    assert!(data.signed_url.unwrap().contains("X-Amz-Expires"));
    assert_eq!(
        data.key.as_deref(),
        Some("public/teams/t/users/u/47ca856b/test-sample.mp3")
    );

    let template: types::Template = decode(&fixture("templates/get-response.json")).unwrap();
    assert_eq!(template.depricated, Some(false));
    assert_eq!(template.deprecated, None);
    let list: types::TemplateList = decode(&fixture("templates/list-response.json")).unwrap();
    assert_eq!(list.items.len(), 2);

    let list: types::AwsConnectionList = decode(&fixture("aws/list-response.json")).unwrap();
    assert_eq!(list.items[0].version, Some(1));

    let tracks: Vec<types::VoiceOverTrack> =
        decode(&fixture("voiceovers/list-response.json")).unwrap();
    assert_eq!(
        tracks.iter().map(|t| t.id).collect::<Vec<_>>(),
        [Some(1001), Some(1034)]
    );
}
