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
const JOB_STARTS: [&str; 14] = [
    "create_storyboard",
    "render_video",
    "render_storyboard",
    "create_transcription",
    "create_video_summary",
    "create_video_from_template",
    "create_storyboard_v2",
    "render_storyboard_video_v2",
    "render_preview_v2",
    "render_video_v2",
    "render_project",
    "create_highlights_from_job",
    "create_ai_image",
    "create_ai_video",
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

/// The music look-ups: each answers a bare array of names.
const MUSIC_LISTS: &[&str] = &[
    "list_music_moods",
    "list_music_genres",
    "list_music_genre_groups",
    "list_music_instruments",
    "list_music_purposes",
];

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
        // Pictory's own API, beyond LowCodeAPI.
        Mapped {
            file: "account/quota-response.json",
            operations: &["get_quota"],
            decode: decodes_as::<types::Quota>,
        },
        Mapped {
            file: "account/aicredits-usage-response.json",
            operations: &["get_ai_credits_usage"],
            decode: decodes_as::<Vec<types::AiCreditTransaction>>,
        },
        Mapped {
            file: "avatars/list-response.json",
            operations: &["list_avatars"],
            decode: decodes_as::<types::AvatarList>,
        },
        Mapped {
            file: "branding/video-brands-response.json",
            operations: &["list_video_brands"],
            decode: decodes_as::<Vec<types::VideoBrand>>,
        },
        Mapped {
            file: "branding/text-styles-response.json",
            operations: &["list_text_styles"],
            decode: decodes_as::<Vec<types::TextStyle>>,
        },
        Mapped {
            file: "branding/smart-layouts-response.json",
            operations: &["list_smart_layouts"],
            decode: decodes_as::<types::SmartLayoutList>,
        },
        Mapped {
            file: "music/search-response.json",
            operations: &["search_music"],
            decode: decodes_as::<types::MusicSearchResult>,
        },
        Mapped {
            file: "music/moods-response.json",
            operations: MUSIC_LISTS,
            decode: decodes_as::<Vec<String>>,
        },
        Mapped {
            file: "music/genre-groups-response.json",
            operations: MUSIC_LISTS,
            decode: decodes_as::<Vec<String>>,
        },
        Mapped {
            file: "music/instruments-response.json",
            operations: MUSIC_LISTS,
            decode: decodes_as::<Vec<String>>,
        },
        Mapped {
            file: "music/purposes-response.json",
            operations: MUSIC_LISTS,
            decode: decodes_as::<Vec<String>>,
        },
        Mapped {
            file: "media/search-response.json",
            operations: &["search_media"],
            decode: decodes_as::<types::MediaSearch>,
        },
        Mapped {
            file: "aistudio/generate-image-response.json",
            operations: &["create_ai_image"],
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "aistudio/generate-video-response.json",
            operations: &["create_ai_video"],
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "aistudio/list-images-response.json",
            operations: &["list_ai_images"],
            decode: decodes_as::<types::AiImageList>,
        },
        Mapped {
            file: "aistudio/list-videos-response.json",
            operations: &["list_ai_videos"],
            decode: decodes_as::<types::AiVideoList>,
        },
        Mapped {
            file: "vimeo/create-response.json",
            operations: &["create_vimeo_connection"],
            decode: decodes_as::<types::VimeoConnection>,
        },
        Mapped {
            file: "vimeo/get-response.json",
            operations: &["get_vimeo_connection"],
            decode: decodes_as::<types::VimeoConnection>,
        },
        Mapped {
            file: "vimeo/list-response.json",
            operations: &["list_vimeo_connections"],
            decode: decodes_as::<types::VimeoConnectionList>,
        },
        Mapped {
            file: "projects/list-response.json",
            operations: &["list_projects"],
            decode: decodes_as::<types::ProjectList>,
        },
        Mapped {
            file: "projects/get-response.json",
            operations: &["get_project"],
            decode: decodes_as::<types::Project>,
        },
        Mapped {
            file: "jobs/list-response.json",
            operations: &["list_jobs"],
            decode: decodes_as::<types::JobList>,
        },
        Mapped {
            file: "v2/storyboard-render-response.json",
            operations: &JOB_STARTS,
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "v2/render-from-preview-response.json",
            operations: &["render_preview_v2"],
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "v2/render-video-response.json",
            operations: &["render_video_v2"],
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "v2/render-project-response.json",
            operations: &["render_project"],
            decode: decodes_as::<types::JobStarted>,
        },
        Mapped {
            file: "v2/highlights-from-job-response.json",
            operations: &["create_highlights_from_job"],
            decode: decodes_as::<types::JobStarted>,
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
    // Only LowCodeAPI's files are enveloped: Pictory's own `{"data": ...}`
    // (stock media search) is its body.
    if !file.starts_with("lowcodeapi/") {
        return body;
    }
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

/// Documented request bodies of Pictory's own API: each fits its
/// operation's request schema, decodes into the generated body type, and
/// that type serializes back into a body the schema accepts (both ways).
#[test]
fn every_documented_request_body_fits_its_request_schema_both_ways() {
    fn round_trip<T: DeserializeOwned + serde::Serialize>(body: &Value) -> Result<Value, String> {
        let typed: T = decode(body)?;
        serde_json::to_value(&typed).map_err(|e| e.to_string())
    }
    /// A documented request body, the operations it is sent to, and its
    /// round trip through the generated body type.
    type Case = (
        &'static str,
        &'static [&'static str],
        fn(&Value) -> Result<Value, String>,
    );
    let cases: Vec<Case> = vec![
        (
            "v2/storyboard-request.json",
            &["create_storyboard_v2", "render_storyboard_video_v2"],
            round_trip::<types::StoryboardV2>,
        ),
        (
            "v2/storyboard-render-request.json",
            &["create_storyboard_v2", "render_storyboard_video_v2"],
            round_trip::<types::StoryboardV2>,
        ),
        (
            "v2/render-from-preview-request.json",
            &["render_preview_v2"],
            round_trip::<types::RenderPreviewV2Body>,
        ),
        (
            "v2/update-elements-request.json",
            &["update_storyboard_elements"],
            round_trip::<Vec<types::StoryboardElement>>,
        ),
        (
            "v2/highlights-from-job-request.json",
            &["create_highlights_from_job"],
            round_trip::<types::CreateHighlightsFromJobBody>,
        ),
        (
            "music/search-request.json",
            &["search_music"],
            round_trip::<types::SearchMusicBody>,
        ),
        (
            "aistudio/generate-image-request.json",
            &["create_ai_image"],
            round_trip::<types::CreateAiImageBody>,
        ),
        (
            "aistudio/generate-video-request.json",
            &["create_ai_video"],
            round_trip::<types::CreateAiVideoBody>,
        ),
        (
            "vimeo/create-request.json",
            &["create_vimeo_connection"],
            round_trip::<types::CreateVimeoConnectionBody>,
        ),
    ];
    let doc = spec();
    let mut failures = Vec::new();
    for (file, operations, round) in cases {
        let body = fixture(file);
        for id in operations {
            let v = jsonschema::validator_for(&request_schema(&doc, id))
                .unwrap_or_else(|e| panic!("{id}: the request schema does not compile: {e}"));
            let errs = errors(&v, &body);
            if !errs.is_empty() {
                failures.push(format!("{file} vs {id}'s request schema: {errs:?}"));
            }
            match round(&body) {
                Ok(back) => {
                    let errs = errors(&v, &back);
                    if !errs.is_empty() {
                        failures.push(format!(
                            "{file} through the generated type vs {id}: {errs:?}"
                        ));
                    }
                }
                Err(e) => failures.push(format!("{file}: does not decode: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // And the schemas refuse what Pictory documents as wrong.
    let v = jsonschema::validator_for(&request_schema(&doc, "update_storyboard_elements")).unwrap();
    assert!(
        !errors(&v, &json!([{"id": "bgMusic"}])).is_empty(),
        "the required element fields"
    );
    let v = jsonschema::validator_for(&request_schema(&doc, "create_ai_image")).unwrap();
    assert!(
        !errors(&v, &json!({"model": "seedream3.0"})).is_empty(),
        "prompt is required"
    );
}

/// The JSON request schema of operation `id`, with the spec's components.
fn request_schema(doc: &Value, id: &str) -> Value {
    let op = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| op["operationId"] == id)
        .unwrap_or_else(|| panic!("the spec has no operation {id}"));
    let schema = op
        .pointer("/requestBody/content/application~1json/schema")
        .unwrap_or_else(|| panic!("{id}: no JSON request body"));
    json!({ "allOf": [schema], "components": doc["components"] })
}

#[test]
fn the_new_generated_types_carry_the_documented_values() {
    let quota: types::Quota = decode(&fixture("account/quota-response.json")).unwrap();
    let video = quota.video_minutes.unwrap();
    assert_eq!((video.used, video.limit), (Some(98.0), Some(14400.0)));
    let avatars: types::AvatarList = decode(&fixture("avatars/list-response.json")).unwrap();
    assert_eq!(
        avatars.items[0].looks[0].id.as_deref(),
        Some("Annie_expressive12_public")
    );
    assert!(avatars.next_page_key.is_none_or(|k| k.is_null()));
    let projects: types::ProjectList = decode(&fixture("projects/list-response.json")).unwrap();
    assert_eq!(
        projects.items[1]
            .id
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("1762768083800")
    );
    let media: types::MediaSearch = decode(&fixture("media/search-response.json")).unwrap();
    assert_eq!(
        media.data.unwrap().search_results[0]
            .search_library
            .as_deref(),
        Some("story_blocks")
    );
    let vimeo: types::VimeoConnectionList = decode(&fixture("vimeo/list-response.json")).unwrap();
    assert_eq!(vimeo.items.len(), 2);
    let brands: Vec<types::VideoBrand> =
        decode(&fixture("branding/video-brands-response.json")).unwrap();
    assert_eq!(brands[1].name.as_deref(), Some("Corporate Blue"));
    // A mutated body leaves the schema.
    let doc = spec();
    let mut body = fixture("account/quota-response.json");
    body["videoMinutes"]["used"] = json!("many");
    assert!(!errors(&validator(&doc, "get_quota"), &body).is_empty());
    let mut body = fixture("avatars/list-response.json");
    body["items"] = json!({"0": {}});
    assert!(!errors(&validator(&doc, "list_avatars"), &body).is_empty());
}
