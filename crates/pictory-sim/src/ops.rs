//! What each operation does, once a request has passed the token check,
//! the fault plan and validation: a dispatch by operation id, and the
//! operations that start jobs.

use super::counters::bump;
use super::envelope::Reply;
use super::jobs::{Job, JobInput, JobKind, Phase, Timing};
use super::state::App;
use super::{direct, media, preview, resources, templates, webhooks};
use axum::body::Bytes;
use axum::http::StatusCode;
use pictory::OperationSpec;
use pictory::wire::JOB_ID_KEYS;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::time::Instant;

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub(crate) struct FormPart {
    pub(crate) name: String,
    pub(crate) file_name: Option<String>,
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
    /// Raw bytes (`application/octet-stream`).
    Bytes(Bytes),
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
        "create_template" => templates::create(app, input),
        "list_templates" => templates::list(app),
        "get_template" => templates::get(app, param("templateId")),
        "update_template" => templates::update(app, param("templateId"), &body),
        "delete_template" => templates::delete(app, param("templateId")),
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
        // Pictory's own API, beyond LowCodeAPI (direct.rs).
        "create_storyboard_v2" => create_storyboard_v2(app, &body),
        "render_storyboard_video_v2" => render_storyboard_video_v2(app, &body),
        "render_preview_v2" => render_storyboard(app, param("storyboardjobid"), &body),
        "render_video_v2" => render_video(app, &body),
        "render_project" => render_project(app, param("projectid")),
        "update_storyboard_elements" => direct::update_elements(app, param("jobid"), &body),
        "list_jobs" => direct::list_jobs(app, direct::query(query, "nextPageKey")),
        "list_projects" => direct::list_projects(app, direct::query(query, "pagekey")),
        "get_project" => direct::get_project(app, param("projectid")),
        "create_highlights_from_job" => create_highlights_from_job(app, param("jobId"), &body),
        "list_video_brands" => direct::list_video_brands(),
        "list_text_styles" => direct::list_text_styles(),
        "list_smart_layouts" => direct::list_smart_layouts(),
        "list_avatars" => direct::list_avatars(app, direct::query(query, "nextPageKey")),
        "search_music" => direct::search_music(app, &body),
        "list_music_moods" => direct::list_music_moods(),
        "list_music_genres" => direct::list_music_genres(),
        "list_music_genre_groups" => direct::list_music_genre_groups(),
        "list_music_instruments" => direct::list_music_instruments(),
        "list_music_purposes" => direct::list_music_purposes(),
        "search_media" => direct::search_media(app, query),
        "create_ai_image" => create_ai(app, JobKind::AiImage, &body),
        "create_ai_video" => create_ai(app, JobKind::AiVideo, &body),
        "list_ai_images" => {
            direct::list_ai(app, JobKind::AiImage, direct::query(query, "nextPageKey"))
        }
        "list_ai_videos" => {
            direct::list_ai(app, JobKind::AiVideo, direct::query(query, "nextPageKey"))
        }
        "create_vimeo_connection" => direct::create_vimeo_connection(app, &body),
        "list_vimeo_connections" => {
            direct::list_vimeo_connections(app, direct::query(query, "nextPageKey"))
        }
        "get_vimeo_connection" => direct::get_vimeo_connection(app, param("connectionid")),
        "get_quota" => direct::get_quota(app),
        "get_ai_credits_usage" => direct::get_ai_credits_usage(query),
        // An operation the simulator does not model yet: a plain success.
        other => Reply::Ok(json!({"success": true, "data": {"operation": other}})),
    }
}

/// `GET /jobs/{job_id}`.
fn get_job(app: &App, job_id: &str) -> Reply {
    let store = app.store();
    match store.jobs.get(job_id) {
        Some(job) => Reply::Ok(job.body(Instant::now(), &app.origin)),
        None => Reply::job_not_found(),
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
    let config = &app.config;
    let d = &config.durations;
    let run = match new.kind {
        JobKind::Storyboard => d.storyboard,
        JobKind::Render => d.render,
        JobKind::Transcription => d.transcription,
        JobKind::Summary => d.summary,
        JobKind::AiImage | JobKind::AiVideo => d.storyboard,
    };
    let timing = Timing {
        pending: config.scaled(config.jobs.pending),
        run: config.scaled(run),
        retention: config.jobs.retention.map(|r| config.scaled(r)),
    };
    let (id, due) = {
        let mut store = app.store();
        let id = store.new_id();
        let job = Job {
            id: id.clone(),
            kind: new.kind,
            created: Instant::now(),
            timing,
            failure: new.failure,
            input: new.input,
            variants: config.jobs,
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

/// `job_id`, where render starts put the new id (under `data`).
const SNAKE_ID: &str = JOB_ID_KEYS[0];
/// `jobId`, where the other starts put it.
const CAMEL_ID: &str = JOB_ID_KEYS[1];

/// `{"success": true, "data": {<key>: id}}`, how most starts answer.
fn started(key: &str, id: String) -> Reply {
    Reply::Ok(json!({"success": true, "data": {(key): id}}))
}

/// The failure a video job with these render parameters is to end in, if
/// any scene text contains the fail marker.
fn failure_for(app: &App, render_params: &Value) -> Option<(String, String)> {
    let marker = &app.config.fail_marker;
    if marker.is_empty() {
        return None;
    }
    preview::texts(render_params)
        .iter()
        .any(|t| t.contains(marker.as_str()))
        .then(|| {
            (
                "TEXT_TO_VIDEO_FAILED".to_string(),
                format!("Scene text contains the failure marker {marker:?}"),
            )
        })
}

pub(crate) fn string_field(body: &Value, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Starts a storyboard (preview) job for a storyboard request.
fn start_storyboard(
    app: &Arc<App>,
    name: String,
    request: &Value,
    webhook: Option<String>,
) -> String {
    let render_params = preview::classic_render_params(request, &app.origin);
    let failure = failure_for(app, &render_params);
    start_job(
        app,
        NewJob {
            kind: JobKind::Storyboard,
            name,
            input: JobInput::Video { render_params },
            failure,
            webhook,
        },
    )
}

/// `POST /video/storyboard`: a storyboard job; the id at `data.jobId`, or
/// at the top level when [`JobVariants::storyboard_id_top_level`](super::JobVariants::storyboard_id_top_level).
fn create_storyboard(app: &Arc<App>, body: &Value) -> Reply {
    let name = string_field(body, "videoName").unwrap_or_default();
    let id = start_storyboard(app, name, body, string_field(body, "webhook"));
    if app.config.jobs.storyboard_id_top_level {
        Reply::Ok(json!({(CAMEL_ID): id}))
    } else {
        started(CAMEL_ID, id)
    }
}

/// `PUT /video/render/{job_id}`: renders a completed storyboard as is.
fn render_storyboard(app: &Arc<App>, storyboard_id: &str, body: &Value) -> Reply {
    let render_params = {
        let store = app.store();
        let Some(job) = store.jobs.get(storyboard_id) else {
            return Reply::job_not_found();
        };
        if job.kind != JobKind::Storyboard {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "INVALID_JOB",
                format!("job {storyboard_id} is not a storyboard job"),
            );
        }
        let refuse = |code: &str, what: &str| {
            Reply::error(
                StatusCode::BAD_REQUEST,
                code,
                format!("storyboard job {storyboard_id} {what}"),
            )
        };
        match job.phase(Instant::now()) {
            Phase::Completed => {}
            Phase::Pending | Phase::Running(_) => {
                return refuse("STORYBOARD_NOT_READY", "has not completed yet");
            }
            Phase::Failed => return refuse("STORYBOARD_FAILED", "failed"),
            Phase::Cleaned => return refuse("STORYBOARD_CLEANED", "was cleaned"),
        }
        job.render_params().cloned().unwrap_or_else(|| json!({}))
    };
    start_render(app, format!("render:{storyboard_id}"), render_params, body)
}

/// `POST /video/render`: the body is the preview's `renderParams` itself
/// (classic or element-based) plus `webhook`; rendered as received.
fn render_video(app: &Arc<App>, body: &Value) -> Reply {
    let mut render_params = body.clone();
    if let Some(obj) = render_params.as_object_mut() {
        obj.remove("webhook");
    }
    let label = render_params
        .pointer("/output/name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| preview::texts(&render_params).into_iter().next())
        .unwrap_or_default();
    start_render(app, format!("render:{label}"), render_params, body)
}

/// Starts a render job from `render_params` (failing if a scene carries the
/// fail marker) and answers with its id at `data.job_id`.
fn start_render(app: &Arc<App>, name: String, render_params: Value, body: &Value) -> Reply {
    let failure = failure_for(app, &render_params);
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
    started(SNAKE_ID, id)
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
    let media_type = string_field(body, "mediaType").unwrap_or_else(|| "video".into());
    let id = start_job(
        app,
        NewJob {
            kind: JobKind::Transcription,
            name: format!("transcription:{file_url}"),
            input: JobInput::Transcription {
                file_url,
                media_type,
            },
            failure,
            webhook: string_field(body, "webhook"),
        },
    );
    started(CAMEL_ID, id)
}

/// `POST /v2/transcription/highlights`: a summary job that marks words of
/// the transcript filling about `highlight_duration` seconds (default 30).
fn create_video_summary(app: &Arc<App>, body: &Value) -> Reply {
    let transcript = body.get("transcript").cloned().unwrap_or(Value::Null);
    let highlight_duration = body
        .get("highlight_duration")
        .and_then(Value::as_f64)
        .filter(|d| d.is_finite() && *d > 0.0)
        .unwrap_or(30.0);
    let name = format!(
        "summary:{}",
        transcript.to_string().chars().take(40).collect::<String>()
    );
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
    started(CAMEL_ID, id)
}

/// `POST /video/from-template`: a storyboard job from a stored template,
/// its `{{name}}` placeholders filled from the body's `variables` (the
/// template's own `variables` fill the rest).
fn create_video_from_template(app: &Arc<App>, body: &Value) -> Reply {
    let template_id = string_field(body, "templateId").unwrap_or_default();
    let Some(request) = templates::video_request(app, &template_id, body.get("variables")) else {
        return Reply::not_found("Template", &template_id);
    };
    let name = string_field(body, "videoName").unwrap_or_else(|| format!("template:{template_id}"));
    let id = start_storyboard(app, name, &request, string_field(body, "webhook"));
    started(CAMEL_ID, id)
}

/// `POST /v2/video/storyboard`: a preview job with element-based render
/// parameters; with `saveProject`, the project is saved too.
fn create_storyboard_v2(app: &Arc<App>, body: &Value) -> Reply {
    let (name, render_params) = v2_storyboard(app, body);
    let failure = failure_for(app, &render_params);
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
    started(CAMEL_ID, id)
}

/// A v2 storyboard's name and element-based render parameters; with
/// `saveProject`, the project is saved too.
fn v2_storyboard(app: &Arc<App>, body: &Value) -> (String, Value) {
    let name = string_field(body, "videoName").unwrap_or_default();
    let render_params = direct::element_render_params(body, &app.origin);
    if body.get("saveProject").and_then(Value::as_bool) == Some(true) {
        direct::save_project(app, &name, &render_params);
    }
    (name, render_params)
}

/// `POST /v2/video/storyboard/render`: one render job, no preview.
fn render_storyboard_video_v2(app: &Arc<App>, body: &Value) -> Reply {
    let (name, render_params) = v2_storyboard(app, body);
    let reply = start_render(app, format!("render:{name}"), render_params, body);
    // The direct render answers `data.jobId`, like the other v2 starts.
    match reply {
        Reply::Ok(v) => started(
            CAMEL_ID,
            v["data"][SNAKE_ID].as_str().unwrap_or_default().into(),
        ),
        other => other,
    }
}

/// `POST /v2/projects/{projectid}/render`.
fn render_project(app: &Arc<App>, project_id: &str) -> Reply {
    let Some((_, render_params)) = direct::project_render_params(app, project_id) else {
        return Reply::not_found("Project", project_id);
    };
    match start_render(
        app,
        format!("render:project:{project_id}"),
        render_params,
        &json!({}),
    ) {
        Reply::Ok(v) => started(
            CAMEL_ID,
            v["data"][SNAKE_ID].as_str().unwrap_or_default().into(),
        ),
        other => other,
    }
}

/// `POST /v2/transcription/{jobId}/highlights`: a summary job over the
/// transcript of a completed transcription job.
fn create_highlights_from_job(app: &Arc<App>, job_id: &str, body: &Value) -> Reply {
    let transcript = {
        let store = app.store();
        let Some(job) = store.jobs.get(job_id) else {
            return Reply::job_not_found();
        };
        if job.kind != JobKind::Transcription || job.phase(Instant::now()) != Phase::Completed {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "TRANSCRIPTION_NOT_READY",
                format!("job {job_id} is not a completed transcription"),
            );
        }
        job.body(Instant::now(), &app.origin)["data"]["transcript"].clone()
    };
    let mut summary = body.clone();
    summary["transcript"] = transcript;
    create_video_summary(app, &summary)
}

/// `POST /v1/aistudio/images` and `/videos`: an AI Studio job.
fn create_ai(app: &Arc<App>, kind: JobKind, body: &Value) -> Reply {
    let mut request = body.clone();
    if let Some(o) = request.as_object_mut() {
        o.remove("webhook");
    }
    let name = format!(
        "{}:{}",
        kind.as_str(),
        string_field(body, "prompt").unwrap_or_default()
    );
    let id = start_job(
        app,
        NewJob {
            kind,
            name,
            input: JobInput::Ai { request },
            failure: None,
            webhook: string_field(body, "webhook"),
        },
    );
    started(CAMEL_ID, id)
}
