//! Typed jobs, parsed tolerantly from every shape Pictory and LowCodeAPI use:
//! the job id under `jobId` or `job_id`, at the top level or inside `data`;
//! LowCodeAPI's envelope around Pictory's body or none.

use crate::envelope::unwrap_success;
use crate::error::{Error, Result};
use serde_json::Value;

/// A Pictory job id.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct JobId(pub String);

impl JobId {
    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for JobId {
    fn from(s: &str) -> Self {
        JobId(s.to_string())
    }
}

impl From<String> for JobId {
    fn from(s: String) -> Self {
        JobId(s)
    }
}

impl From<&JobId> for JobId {
    fn from(id: &JobId) -> Self {
        id.clone()
    }
}

/// Where a job is.
#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    /// Still running. `progress` is Pictory's `renderProgress` (0-100) once
    /// rendering has started.
    InProgress {
        /// Percent done, when reported.
        progress: Option<f64>,
        /// `renderProgressMessage`, e.g. "Generating video".
        message: Option<String>,
        /// `renderState`, e.g. "RUNNING".
        state: Option<String>,
    },
    /// Finished; the output is typed by kind.
    Completed(JobOutput),
    /// Ended in failure.
    Failed {
        /// Pictory's `error_code`, e.g. `TEXT_TO_VIDEO_FAILED`.
        code: String,
        /// Pictory's `error_message`.
        message: String,
    },
    /// A status this crate does not know, kept rather than rejected.
    Unknown {
        /// The status as sent.
        status: String,
    },
}

impl JobState {
    /// Completed or failed.
    pub fn is_terminal(&self) -> bool {
        matches!(self, JobState::Completed(_) | JobState::Failed { .. })
    }

    /// The reported progress, when in progress (100 when completed).
    pub fn progress(&self) -> Option<f64> {
        match self {
            JobState::InProgress { progress, .. } => *progress,
            JobState::Completed(_) => Some(100.0),
            _ => None,
        }
    }

    /// A short name: `in-progress`, `completed`, `failed` or the unknown status.
    pub fn name(&self) -> &str {
        match self {
            JobState::InProgress { .. } => "in-progress",
            JobState::Completed(_) => "completed",
            JobState::Failed { .. } => "failed",
            JobState::Unknown { status } => status,
        }
    }
}

/// One reading of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The job id.
    pub id: JobId,
    /// Its state.
    pub state: JobState,
    /// The body it was read from (LowCodeAPI's envelope included).
    pub raw: Value,
}

impl Job {
    /// `Some(Ok(output))` when completed, `Some(Err(`[`Error::JobFailed`]`))`
    /// when failed, `None` while the job is still going.
    pub fn into_outcome(self) -> Option<Result<JobOutput>> {
        match self.state {
            JobState::Completed(output) => Some(Ok(output)),
            JobState::Failed { code, message } => Some(Err(Error::JobFailed {
                operation: "get_job",
                job_id: self.id.0,
                code,
                message,
            })),
            _ => None,
        }
    }
}

/// What a completed job produced, typed by kind; each keeps the raw JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutput {
    /// A storyboard preview: review it, then render.
    Preview(PreviewOutput),
    /// A rendered video.
    Render(RenderOutput),
    /// A transcription (v2 also carries highlights/summaries).
    Transcription(TranscriptionOutput),
    /// A video summary.
    Summary(SummaryOutput),
    /// A completed job of a shape this crate does not recognise.
    Other(Value),
}

/// A completed storyboard (preview) job.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewOutput {
    /// The preview URL.
    pub preview_url: Option<String>,
    /// `renderParams` (`audio`, `output`, `scenes`): the body for a render call.
    pub render_params: Value,
    /// The job's `data` as received.
    pub raw: Value,
}

/// A completed render job.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOutput {
    /// The .mp4 (`videoURL`).
    pub video_url: String,
    /// The share page (`videoShareURL`, or the older `shareVideoURL`).
    pub share_url: Option<String>,
    /// The thumbnail image.
    pub thumbnail: Option<String>,
    /// Subtitles as SRT.
    pub srt_file: Option<String>,
    /// Subtitles as WebVTT.
    pub vtt_file: Option<String>,
    /// The transcript as text.
    pub txt_file: Option<String>,
    /// The duration in seconds.
    pub duration_secs: Option<f64>,
    /// The job's `data` as received.
    pub raw: Value,
}

/// One AI highlight/summary of a given length.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    /// The target length in seconds, when given.
    pub duration_secs: Option<f64>,
    /// The text.
    pub text: String,
}

/// A completed transcription job.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptionOutput {
    /// The sentence objects (with words and times), as sent.
    pub transcript: Value,
    /// The plain text (`txt`), when given.
    pub text: Option<String>,
    /// AI highlights/summaries (v2), when given.
    pub highlights: Vec<Highlight>,
    /// The job's `data` as received.
    pub raw: Value,
}

/// A completed video-summary job.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryOutput {
    /// The summary text, when given as one string.
    pub text: Option<String>,
    /// The highlights, when given as a list.
    pub highlights: Vec<Highlight>,
    /// The job's `data` as received.
    pub raw: Value,
}

fn str_at(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn num_at(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').parse().ok(),
        _ => None,
    }
}

/// Finds a job id in a start response or job body, whatever the shape.
pub fn find_job_id(body: &Value) -> Option<JobId> {
    let (pictory, _) = unwrap_success(body);
    let mut candidates = vec![pictory, body];
    if let Some(data) = pictory.get("data") {
        candidates.push(data);
        if let Some(inner) = data.get("data") {
            candidates.push(inner);
        }
    }
    candidates
        .into_iter()
        .find_map(|v| str_at(v, "jobId").or_else(|| str_at(v, "job_id")))
        .map(JobId)
}

fn highlights(v: &Value) -> Vec<Highlight> {
    let list = ["highlight", "highlights", "summaries"]
        .iter()
        .find_map(|k| v.get(*k)?.as_array().cloned());
    list.unwrap_or_default()
        .iter()
        .filter_map(|h| match h {
            Value::String(s) => Some(Highlight {
                duration_secs: None,
                text: s.clone(),
            }),
            Value::Object(_) => Some(Highlight {
                duration_secs: num_at(h, "duration").or_else(|| num_at(h, "highlight_duration")),
                text: str_at(h, "text")
                    .or_else(|| str_at(h, "summary"))
                    .or_else(|| str_at(h, "sentence"))?,
            }),
            _ => None,
        })
        .collect()
}

/// Types a completed job's `data` by what it carries.
pub fn classify_output(data: &Value) -> JobOutput {
    let raw = data.clone();
    if let Some(video_url) = str_at(data, "videoURL").or_else(|| str_at(data, "videoUrl")) {
        return JobOutput::Render(RenderOutput {
            video_url,
            share_url: str_at(data, "videoShareURL").or_else(|| str_at(data, "shareVideoURL")),
            thumbnail: str_at(data, "thumbnail"),
            srt_file: str_at(data, "srtFile"),
            vtt_file: str_at(data, "vttFile"),
            txt_file: str_at(data, "txtFile"),
            duration_secs: num_at(data, "videoDuration"),
            raw,
        });
    }
    if data.get("renderParams").is_some() || data.get("preview").is_some() {
        return JobOutput::Preview(PreviewOutput {
            preview_url: str_at(data, "preview").or_else(|| str_at(data, "previewURL")),
            render_params: data.get("renderParams").cloned().unwrap_or(Value::Null),
            raw,
        });
    }
    if data.get("transcript").is_some() || data.get("txt").is_some() {
        return JobOutput::Transcription(TranscriptionOutput {
            transcript: data.get("transcript").cloned().unwrap_or(Value::Null),
            text: str_at(data, "txt"),
            highlights: highlights(data),
            raw,
        });
    }
    if data.get("summary").is_some()
        || data.get("highlight").is_some()
        || data.get("highlights").is_some()
    {
        return JobOutput::Summary(SummaryOutput {
            text: str_at(data, "summary"),
            highlights: highlights(data),
            raw,
        });
    }
    JobOutput::Other(raw)
}

/// Parses a job body (from `get_job` or a webhook). `id` is used when the
/// body carries none. `JOB_NOT_FOUND` is [`Error::JobNotFound`].
pub fn parse_job(body: &Value, id: Option<&JobId>) -> Result<Job> {
    let (pictory, _) = unwrap_success(body);
    // LowCodeAPI error envelopes put Pictory's body under `error`.
    let pictory = match pictory.get("error") {
        Some(e) if e.is_object() && pictory.get("data").is_none() => e,
        _ => pictory,
    };
    let data = match pictory.get("data") {
        Some(d) if d.is_object() => d,
        _ => pictory,
    };
    let found = find_job_id(body).or_else(|| id.cloned());
    let Some(job_id) = found else {
        return Err(undecodable(
            "the body has no job id and none was given",
            body,
        ));
    };
    let error_message = str_at(data, "error_message").or_else(|| str_at(pictory, "error_message"));
    if error_message.as_deref() == Some("JOB_NOT_FOUND")
        || str_at(data, "message").as_deref() == Some("JOB_NOT_FOUND")
    {
        return Err(Error::JobNotFound { job_id: job_id.0 });
    }
    let status = str_at(data, "status").map(|s| s.to_ascii_lowercase());
    let success = pictory.get("success").and_then(Value::as_bool);
    let state = match status.as_deref() {
        Some("completed") | Some("complete") | Some("succeeded") | Some("success") => {
            JobState::Completed(classify_output(data))
        }
        Some("failed") | Some("error") => failed(data, pictory),
        None if success == Some(false) || error_message.is_some() => failed(data, pictory),
        Some("in-progress") | Some("in_progress") | Some("inprogress") | Some("pending")
        | Some("queued") | Some("running") | Some("processing") => JobState::InProgress {
            progress: num_at(data, "renderProgress").or_else(|| num_at(data, "progress")),
            message: str_at(data, "renderProgressMessage"),
            state: str_at(data, "renderState"),
        },
        Some(other) => JobState::Unknown {
            status: other.to_string(),
        },
        None => return Err(undecodable("the job body has no status", body)),
    };
    Ok(Job {
        id: job_id,
        state,
        raw: body.clone(),
    })
}

fn failed(data: &Value, pictory: &Value) -> JobState {
    JobState::Failed {
        code: str_at(data, "error_code")
            .or_else(|| str_at(data, "code"))
            .or_else(|| str_at(pictory, "code"))
            .unwrap_or_else(|| "UNKNOWN".into()),
        message: str_at(data, "error_message")
            .or_else(|| str_at(data, "message"))
            .or_else(|| str_at(pictory, "message"))
            .unwrap_or_else(|| "the job failed without a message".into()),
    }
}

fn undecodable(reason: &str, body: &Value) -> Error {
    Error::UndecodableBody {
        operation: "get_job",
        status: None,
        reason: reason.to_string(),
        snippet: crate::envelope::truncate(&body.to_string(), 200),
    }
}

/// Parses a webhook body (Pictory POSTs the job's result) into the same
/// typed [`Job`] polling gives.
///
/// ```
/// let body = br#"{"job_id":"j1","success":true,"data":{"status":"completed","videoURL":"https://v/1.mp4"}}"#;
/// let job = pictory::jobs::parse_webhook(body).unwrap();
/// assert!(matches!(job.state, pictory::jobs::JobState::Completed(pictory::jobs::JobOutput::Render(_))));
/// ```
pub fn parse_webhook(body: &[u8]) -> Result<Job> {
    let value: Value = serde_json::from_slice(body).map_err(|e| Error::UndecodableBody {
        operation: "webhook",
        status: None,
        reason: format!("not JSON ({e})"),
        snippet: crate::envelope::truncate(&String::from_utf8_lossy(body), 200),
    })?;
    parse_job(&value, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn job_ids_from_every_start_shape() {
        for body in [
            json!({"jobId": "a"}),
            json!({"success": true, "data": {"jobId": "a"}}),
            json!({"data": {"job_id": "a"}}),
            json!({"data": {"data": {"jobId": "a"}}}),
            json!({"message": "ok", "provider": "pictory", "result": {"success": true, "data": {"jobId": "a"}}}),
        ] {
            assert_eq!(find_job_id(&body), Some(JobId::from("a")), "{body}");
        }
        assert_eq!(find_job_id(&json!({"data": {}})), None);
    }

    #[test]
    fn job_states() {
        let j = parse_job(&json!({"job_id": "j", "success": true, "data": {"status": "in-progress", "renderProgress": 40, "renderProgressMessage": "Generating video", "renderState": "RUNNING"}}), None).unwrap();
        assert_eq!(
            j.state,
            JobState::InProgress {
                progress: Some(40.0),
                message: Some("Generating video".into()),
                state: Some("RUNNING".into())
            }
        );
        let j = parse_job(&json!({"data": {"job_id": "j", "success": false, "data": {"status": "failed", "error_code": "TEXT_TO_VIDEO_FAILED", "error_message": "boom"}}}), None).unwrap();
        assert_eq!(
            j.state,
            JobState::Failed {
                code: "TEXT_TO_VIDEO_FAILED".into(),
                message: "boom".into()
            }
        );
        let j = parse_job(&json!({"job_id": "j", "data": {"status": "paused"}}), None).unwrap();
        assert_eq!(
            j.state,
            JobState::Unknown {
                status: "paused".into()
            }
        );
        let e = parse_job(&json!({"job_id": "j", "success": false, "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}}), None).unwrap_err();
        assert!(matches!(e, Error::JobNotFound { .. }));
        let e = parse_job(&json!({"job_id": "j", "data": {}}), None).unwrap_err();
        assert!(matches!(e, Error::UndecodableBody { .. }));
    }

    #[test]
    fn outputs_by_kind() {
        let render = classify_output(
            &json!({"status": "completed", "videoURL": "v.mp4", "shareVideoURL": "s", "videoDuration": 12.5}),
        );
        assert!(
            matches!(render, JobOutput::Render(RenderOutput { ref share_url, duration_secs: Some(d), .. }) if share_url.as_deref() == Some("s") && d == 12.5)
        );
        let preview = classify_output(&json!({"preview": "p", "renderParams": {"scenes": []}}));
        assert!(
            matches!(preview, JobOutput::Preview(PreviewOutput { ref preview_url, .. }) if preview_url.as_deref() == Some("p"))
        );
        let t = classify_output(
            &json!({"transcript": [], "txt": "hi", "highlight": [{"duration": 30, "text": "short"}]}),
        );
        assert!(
            matches!(t, JobOutput::Transcription(TranscriptionOutput { ref highlights, .. }) if highlights.len() == 1)
        );
        let s = classify_output(&json!({"summary": "sum"}));
        assert!(matches!(s, JobOutput::Summary(_)));
    }
}
