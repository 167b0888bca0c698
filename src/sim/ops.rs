//! What each operation does, once a request has passed the token check,
//! the fault plan and validation: a dispatch by operation id, and the
//! operations that start jobs.

use super::counters::bump;
use super::envelope::Reply;
use super::jobs::{Job, JobInput, JobKind, Phase, scene_texts, short};
use super::state::App;
use super::{media, resources, webhooks};
use crate::operations::OperationSpec;
use axum::body::Bytes;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub(crate) struct FormPart {
    pub(crate) name: String,
    pub(crate) file_name: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) bytes: Bytes,
}

/// A request's body, read and checked.
#[derive(Debug)]
pub(crate) enum Input {
    /// No body.
    None,
    /// A validated JSON body.
    Json(Value),
    /// A multipart form.
    Form(Vec<FormPart>),
}

impl Input {
    /// The JSON body, or `{}`.
    pub(crate) fn json(&self) -> Value {
        match self {
            Input::Json(v) => v.clone(),
            _ => json!({}),
        }
    }
}

/// Runs `op`. `params` holds the path-parameter values, `query` the
/// decoded query pairs.
pub(crate) fn dispatch(
    app: &Arc<App>,
    op: &OperationSpec,
    params: &HashMap<String, String>,
    query: &[(String, String)],
    input: Input,
) -> Reply {
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let body = input.json();
    match op.id {
        "get_job" => get_job(app, param("job_id")),
        "create_storyboard" => create_storyboard(app, &body),
        "render_storyboard" => render_storyboard(app, param("job_id"), &body),
        "render_video" => render_video(app, &body),
        "create_transcription" => create_transcription(app, &body),
        "create_video_summary" => create_video_summary(app, &body),
        "create_video_from_template" => create_video_from_template(app, &body),
        "generate_upload_url" => media::generate_upload_url(app, &body),
        "create_template" => match input {
            Input::Form(parts) => resources::create_template(app, parts),
            _ => Reply::error(
                StatusCode::BAD_REQUEST,
                "INVALID_MULTIPART",
                "expected a multipart/form-data body",
            ),
        },
        "list_templates" => resources::list_templates(app),
        "get_template" => resources::get_template(app, param("templateId")),
        "update_template" => resources::update_template(app, param("templateId"), &body),
        "delete_template" => resources::delete_template(app, param("templateId")),
        "list_brands" => resources::list_brands(app),
        "create_brand" => resources::create_brand(app, &body),
        "get_brand" => resources::get_brand(app, param("brandId")),
        "update_brand" => resources::update_brand(app, param("brandId"), &body),
        "delete_brand" => resources::delete_brand(app, param("brandId")),
        "list_aws_connections" => {
            let page_key = query
                .iter()
                .find(|(k, _)| k == "pageKey")
                .map(|(_, v)| v.as_str());
            resources::list_aws_connections(app, page_key)
        }
        "create_aws_connection" => resources::create_aws_connection(app, &body),
        "get_aws_connection" => resources::get_aws_connection(app, param("connectionid")),
        "update_aws_connection" => {
            resources::update_aws_connection(app, param("connectionid"), &body)
        }
        "delete_aws_connection" => resources::delete_aws_connection(app, param("connectionid")),
        "list_voiceover_tracks" => resources::list_voiceover_tracks(app),
        "add_voiceover_track" => resources::add_voiceover_track(app, &body),
        // An operation the simulator does not model yet: a plain success.
        other => Reply::Ok(json!({"success": true, "data": {"operation": other}})),
    }
}

/// `GET /jobs/{job_id}`.
fn get_job(app: &App, job_id: &str) -> Reply {
    let store = app.store();
    match store.jobs.get(job_id) {
        Some(job) => Reply::Ok(job.body(Instant::now(), &app.origin)),
        None => Reply::job_not_found(job_id),
    }
}

/// What a new job needs.
struct NewJob {
    kind: JobKind,
    /// The key in `job_requests_by_name`.
    name: String,
    input: JobInput,
    failure: Option<(String, String)>,
    webhook: Option<String>,
}

/// Stores a job, counts it, schedules its webhook; returns its id.
fn start_job(app: &Arc<App>, new: NewJob) -> String {
    let duration = scaled_duration(app, new.kind);
    let (id, due) = {
        let mut store = app.store();
        let id = store.new_id();
        let job = Job {
            id: id.clone(),
            kind: new.kind,
            created: Instant::now(),
            duration,
            failure: new.failure,
            input: new.input,
        };
        let due = job.due();
        store.jobs.insert(id.clone(), job);
        (id, due)
    };
    app.count(|c| {
        bump(&mut c.jobs_created, new.kind.as_str());
        bump(&mut c.job_requests_by_name, new.name);
    });
    if let (Some(url), Some(due)) = (new.webhook, due) {
        webhooks::schedule(app.clone(), id.clone(), url, due);
    }
    id
}

/// The failure a video job with these scenes is to end in, if any scene
/// text contains the fail marker.
fn failure_for(app: &App, scenes: Option<&Value>) -> Option<(String, String)> {
    let marker = &app.config.fail_marker;
    if marker.is_empty() {
        return None;
    }
    scene_texts(scenes)
        .iter()
        .any(|t| t.contains(marker.as_str()))
        .then(|| {
            (
                "TEXT_TO_VIDEO_FAILED".to_string(),
                format!("Scene text contains the failure marker {marker:?}"),
            )
        })
}

fn string_field(body: &Value, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The render parameters a storyboard request yields.
fn storyboard_render_params(body: &Value, video_name: &str) -> Value {
    let dimension = |key: &str, default: u64| {
        match body.get(key) {
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        }
        .unwrap_or(default)
    };
    let mut output = json!({
        "name": video_name,
        "format": "mp4",
        "width": dimension("videoWidth", 1920),
        "height": dimension("videoHeight", 1080),
    });
    if let Some(logo) = body.get("brandLogo") {
        output["brandLogo"] = logo.clone();
    }
    if let Some(language) = body.get("language") {
        output["language"] = language.clone();
    }
    let scenes: Vec<Value> = body
        .get("scenes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, mut scene)| {
            if let Some(obj) = scene.as_object_mut() {
                obj.entry("sceneId").or_insert(json!(i + 1));
                obj.entry("minimumDuration").or_insert(json!(10));
            }
            scene
        })
        .collect();
    json!({
        "audio": body.get("audio").cloned().unwrap_or_else(|| json!({})),
        "output": output,
        "scenes": scenes,
    })
}

/// `POST /video/storyboard`: a storyboard job.
fn create_storyboard(app: &Arc<App>, body: &Value) -> Reply {
    let video_name = string_field(body, "videoName").unwrap_or_default();
    let render_params = storyboard_render_params(body, &video_name);
    let failure = failure_for(app, render_params.get("scenes"));
    let id = start_job(
        app,
        NewJob {
            kind: JobKind::Storyboard,
            name: video_name,
            input: JobInput::Video { render_params },
            failure,
            webhook: string_field(body, "webhook"),
        },
    );
    Reply::Ok(json!({"success": true, "data": {"jobId": id}}))
}

/// `PUT /video/render/{job_id}`: renders a completed storyboard as is.
fn render_storyboard(app: &Arc<App>, storyboard_id: &str, body: &Value) -> Reply {
    let render_params = {
        let store = app.store();
        let Some(job) = store.jobs.get(storyboard_id) else {
            return Reply::job_not_found(storyboard_id);
        };
        if job.kind != JobKind::Storyboard {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "INVALID_JOB",
                format!("job {storyboard_id} is not a storyboard job"),
            );
        }
        match job.phase(Instant::now()) {
            Phase::Completed => {}
            Phase::Running(_) => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "STORYBOARD_NOT_READY",
                    format!("storyboard job {storyboard_id} has not completed yet"),
                );
            }
            Phase::Failed => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "STORYBOARD_FAILED",
                    format!("storyboard job {storyboard_id} failed"),
                );
            }
        }
        job.render_params().cloned().unwrap_or_else(|| json!({}))
    };
    start_render(app, format!("render:{storyboard_id}"), render_params, body)
}

/// `POST /video/render`: renders the given parameters (top level or under
/// `renderParams`).
fn render_video(app: &Arc<App>, body: &Value) -> Reply {
    let source = match body.get("renderParams") {
        Some(params) if params.is_object() => params,
        _ => body,
    };
    let render_params = json!({
        "audio": source.get("audio").cloned().unwrap_or_else(|| json!({})),
        "output": source.get("output").cloned().unwrap_or_else(|| json!({})),
        "scenes": source.get("scenes").cloned().unwrap_or_else(|| json!([])),
    });
    let label = render_params["output"]
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| scene_texts(render_params.get("scenes")).into_iter().next())
        .unwrap_or_default();
    start_render(app, format!("render:{label}"), render_params, body)
}

/// Starts a render job from `render_params` (failing if a scene carries the
/// fail marker) and answers with its id, as Pictory's render calls do.
fn start_render(app: &Arc<App>, name: String, render_params: Value, body: &Value) -> Reply {
    let failure = failure_for(app, render_params.get("scenes"));
    let id = start_job(
        app,
        NewJob {
            kind: JobKind::Render,
            name,
            input: JobInput::Video { render_params },
            failure,
            webhook: string_field(body, "webhook"),
        },
    );
    Reply::Ok(json!({"data": {"job_id": id}}))
}

/// `POST /v2/transcription`. A `fileUrl` on the simulator's `/media/` that
/// was never uploaded makes a job that fails (`FILE_NOT_ACCESSIBLE`).
fn create_transcription(app: &Arc<App>, body: &Value) -> Reply {
    let file_url = string_field(body, "fileUrl").unwrap_or_default();
    let failure = (file_url.starts_with(&format!("{}/media/", app.origin))
        && media::uploaded_bytes(app, &file_url).is_none())
    .then(|| {
        (
            "FILE_NOT_ACCESSIBLE".to_string(),
            format!("Could not read the media at {file_url}: nothing was uploaded there"),
        )
    });
    let id = start_job(
        app,
        NewJob {
            kind: JobKind::Transcription,
            name: format!("transcription:{file_url}"),
            input: JobInput::Transcription { file_url },
            failure,
            webhook: string_field(body, "webhook"),
        },
    );
    Reply::Ok(json!({"data": {"jobId": id}}))
}

/// `POST /v2/transcription/highlights`: a summary job.
fn create_video_summary(app: &Arc<App>, body: &Value) -> Reply {
    let transcript = body.get("transcript").cloned().unwrap_or(Value::Null);
    let highlight_duration = body
        .get("highlight_duration")
        .and_then(Value::as_f64)
        .filter(|d| d.is_finite() && *d > 0.0)
        .unwrap_or(30.0);
    let name = format!("summary:{}", short(&transcript.to_string(), 40));
    let id = start_job(
        app,
        NewJob {
            kind: JobKind::Summary,
            name,
            input: JobInput::Summary {
                transcript,
                highlight_duration,
            },
            failure: None,
            webhook: string_field(body, "webhook"),
        },
    );
    Reply::Ok(json!({"data": {"jobId": id}}))
}

/// `POST /video/from-template`: a storyboard job from a stored template.
/// Every other string field of the body replaces `{{field}}` in the
/// template's scene texts.
fn create_video_from_template(app: &Arc<App>, body: &Value) -> Reply {
    let template_id = string_field(body, "templateId").unwrap_or_default();
    let Some(template) = app.store().templates.get(&template_id).cloned() else {
        return Reply::not_found("Template", &template_id);
    };
    let video_name = string_field(body, "videoName")
        .or_else(|| string_field(&template, "name"))
        .unwrap_or_else(|| format!("template {template_id}"));
    let mut scenes = template
        .get("scenes")
        .and_then(Value::as_array)
        .cloned()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| vec![json!({"text": video_name.clone()})]);
    if let Some(vars) = body.as_object() {
        for scene in &mut scenes {
            if let Some(Value::String(text)) = scene.get_mut("text") {
                for (key, value) in vars {
                    if let Value::String(v) = value {
                        *text = text.replace(&format!("{{{{{key}}}}}"), v);
                    }
                }
            }
        }
    }
    let request = json!({"videoName": video_name, "scenes": scenes});
    let render_params = storyboard_render_params(&request, &video_name);
    let failure = failure_for(app, render_params.get("scenes"));
    let name = string_field(body, "videoName").unwrap_or_else(|| format!("template:{template_id}"));
    let id = start_job(
        app,
        NewJob {
            kind: JobKind::Storyboard,
            name,
            input: JobInput::Video { render_params },
            failure,
            webhook: string_field(body, "webhook"),
        },
    );
    Reply::Ok(json!({"success": true, "data": {"jobId": id}}))
}

/// How long a job of `kind` runs, the time factor applied.
fn scaled_duration(app: &App, kind: JobKind) -> Duration {
    let d = &app.config.durations;
    app.config.scaled(match kind {
        JobKind::Storyboard => d.storyboard,
        JobKind::Render => d.render,
        JobKind::Transcription => d.transcription,
        JobKind::Summary => d.summary,
    })
}
