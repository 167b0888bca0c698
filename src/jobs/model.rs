//! Typed jobs, parsed tolerantly from every shape Pictory and LowCodeAPI use:
//! the job id under `jobId` or `job_id`, at the top level or inside `data`,
//! or absent; LowCodeAPI's envelope around Pictory's body or none; a
//! finished body with or without a `status`.

use super::fields::{num_at, str_at};
use super::id::JobId;
use super::output::{JobOutput, classify_output};
use crate::envelope::unwrap_success;
use crate::error::{Error, Result};
use crate::wire::{JOB_ID_KEYS, StatusWord};
use serde_json::Value;

/// Where a job is.
// One reading per poll: the size of a completed output is not worth a box
// that every `match` on `Completed(JobOutput::...)` would have to see through.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum JobState {
    /// `pending`: queued, not started.
    Pending,
    /// `in-progress`: running. Once rendering has started Pictory adds
    /// `renderProgress`, `renderProgressMessage` and `renderState`.
    InProgress {
        /// Percent done (`renderProgress`, else `progress`). A finite value
        /// outside 0-100 is clamped into it; a non-finite one (NaN, inf) is
        /// unknown (`None`), as is a missing one.
        progress: Option<f64>,
        /// `renderProgressMessage`, e.g. "Generating video".
        message: Option<String>,
        /// `renderState`, e.g. "RUNNING".
        state: Option<String>,
    },
    /// `completed`, or no status with an output present: the output, typed.
    Completed(JobOutput),
    /// `failed`.
    Failed {
        /// Pictory's `error_code`, e.g. `TEXT_TO_VIDEO_FAILED`.
        code: String,
        /// Pictory's `error_message`.
        message: String,
    },
    /// `cleaned`: Pictory removed the job's data after its retention period;
    /// the output is gone for good (terminal).
    Cleaned,
    /// A status word Pictory does not document, kept rather than rejected
    /// (not terminal: a wait goes on until its deadline).
    Unknown {
        /// The status as sent.
        status: String,
    },
}

/// The status word (see [`JobState::name`]).
impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl JobState {
    /// Completed, failed or cleaned: nothing will change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobState::Completed(_) | JobState::Failed { .. } | JobState::Cleaned
        )
    }

    /// The reported progress while in progress; 100 when completed.
    pub fn progress(&self) -> Option<f64> {
        match self {
            JobState::InProgress { progress, .. } => *progress,
            JobState::Completed(_) => Some(100.0),
            _ => None,
        }
    }

    /// The status word: `pending`, `in-progress`, `completed`, `failed`,
    /// `cleaned`, or the unknown status as sent.
    pub fn name(&self) -> &str {
        let word = match self {
            JobState::Pending => StatusWord::Pending,
            JobState::InProgress { .. } => StatusWord::InProgress,
            JobState::Completed(_) => StatusWord::Completed,
            JobState::Failed { .. } => StatusWord::Failed,
            JobState::Cleaned => StatusWord::Cleaned,
            JobState::Unknown { status } => return status,
        };
        word.as_str()
    }
}

/// One reading of a job.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Job {
    /// The job id: the caller's when polling; from the body for a webhook,
    /// `None` when the body carries none (Pictory's documented finished
    /// transcription has none).
    pub id: Option<JobId>,
    /// Its state.
    pub state: JobState,
    /// The body it was read from (LowCodeAPI's envelope included).
    pub raw: Value,
}

impl Job {
    /// Pictory's payload: the body without LowCodeAPI's envelope (no
    /// `provider`, no upstream `response_headers`), and Pictory's `data`
    /// when its body is `{"success": ..., "data": ...}`. The same JSON
    /// [`Response::payload`](crate::Response::payload) gives for the answer
    /// [`raw`](Self::raw) came in.
    pub fn payload(&self) -> &Value {
        crate::envelope::payload(unwrap_success(&self.raw).0)
    }

    /// `Some(Ok(output))` when completed; `Some(Err(`[`Error::JobFailed`]`))`
    /// when failed; `Some(Err(`[`Error::JobCleaned`]`))` when cleaned; `None`
    /// while the job is still going. The errors' `job_id` is empty when the
    /// job has no id.
    pub fn into_outcome(self) -> Option<Result<JobOutput>> {
        let job_id = || self.id.clone().map(JobId::into_string).unwrap_or_default();
        match self.state {
            JobState::Completed(output) => Some(Ok(output)),
            JobState::Failed { code, message } => Some(Err(Error::JobFailed {
                operation: "get_job",
                job_id: job_id(),
                code,
                message,
            })),
            JobState::Cleaned => Some(Err(Error::JobCleaned { job_id: job_id() })),
            _ => None,
        }
    }
}

/// Finds a job id in a start response or job body, whatever the shape:
/// `jobId` / `job_id` at the top level, inside `data` or `data.data`, with
/// or without LowCodeAPI's envelope. `Ok(None)` when there is none; an id
/// that is not a safe path segment is [`Error::InvalidRequest`] (see
/// [`JobId::parse`]).
pub fn find_job_id(body: &Value) -> Result<Option<JobId>> {
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
        .find_map(|v| JOB_ID_KEYS.iter().find_map(|k| str_at(v, k)))
        .map(|id| JobId::parse(&id))
        .transpose()
}

/// Parses a job body (from `get_job` or a webhook). When `id` is given (the
/// caller polled that id) it is the job's id, whatever the body says;
/// otherwise the body's id, if any, is read and checked. `JOB_NOT_FOUND` is
/// [`Error::JobNotFound`]; a body that is neither a status nor an output
/// is [`Error::UndecodableBody`].
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
    let job_id = match id {
        Some(id) => Some(id.clone()),
        None => find_job_id(body)?,
    };
    let error_message = str_at(data, "error_message").or_else(|| str_at(pictory, "error_message"));
    if crate::wire::is_job_not_found(body) {
        return Err(Error::JobNotFound {
            job_id: job_id.map(JobId::into_string).unwrap_or_default(),
        });
    }
    let status = str_at(data, "status");
    let failed_marks =
        pictory.get("success") == Some(&Value::Bool(false)) || error_message.is_some();
    let state = match status.as_deref().map(|s| (s, StatusWord::parse(s))) {
        Some((_, Some(StatusWord::Pending))) => JobState::Pending,
        Some((_, Some(StatusWord::InProgress))) => JobState::InProgress {
            progress: progress(data),
            message: str_at(data, "renderProgressMessage"),
            state: str_at(data, "renderState"),
        },
        Some((_, Some(StatusWord::Completed))) => JobState::Completed(classify_output(data)),
        Some((_, Some(StatusWord::Failed))) => failed(data, pictory),
        Some((_, Some(StatusWord::Cleaned))) => JobState::Cleaned,
        Some((other, None)) => JobState::Unknown {
            status: other.to_string(),
        },
        None if failed_marks => failed(data, pictory),
        // Older finished previews carry no status: the output tells.
        None => match classify_output(data) {
            JobOutput::Other(_) => {
                return Err(undecodable(
                    "the job body has no status and no output",
                    body,
                ));
            }
            output => JobState::Completed(output),
        },
    };
    Ok(Job {
        id: job_id,
        state,
        raw: body.clone(),
    })
}

/// `renderProgress` (else `progress`): clamped into 0-100 when finite,
/// unknown otherwise.
fn progress(data: &Value) -> Option<f64> {
    num_at(data, "renderProgress")
        .or_else(|| num_at(data, "progress"))
        .map(|p| p.clamp(0.0, 100.0))
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
/// typed [`Job`] polling gives. The body may carry no job id
/// ([`Job::id`] is then `None`); an id it carries is checked with
/// [`JobId::parse`].
///
/// ```
/// let body = br#"{"job_id":"j1","success":true,"data":{"status":"completed","videoURL":"https://v/1.mp4"}}"#;
/// let job = pictory::jobs::parse_webhook(body).unwrap();
/// assert_eq!(job.id.as_ref().map(|id| id.as_str()), Some("j1"));
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
    use crate::jobs::PreviewOutput;
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
            assert_eq!(
                find_job_id(&body).unwrap(),
                Some(JobId::from("a")),
                "{body}"
            );
        }
        assert_eq!(find_job_id(&json!({"data": {}})).unwrap(), None);
        assert!(matches!(
            find_job_id(&json!({"jobId": "../../oauth2"})),
            Err(Error::InvalidRequest { .. })
        ));
    }

    fn state(body: Value) -> JobState {
        parse_job(&body, None).unwrap().state
    }

    #[test]
    fn job_states() {
        assert_eq!(
            state(
                json!({"job_id": "j", "success": true, "data": {"status": "in-progress", "renderProgress": 40, "renderProgressMessage": "Generating video", "renderState": "RUNNING"}})
            ),
            JobState::InProgress {
                progress: Some(40.0),
                message: Some("Generating video".into()),
                state: Some("RUNNING".into())
            }
        );
        assert_eq!(
            state(json!({"job_id": "j", "data": {"status": "pending"}})),
            JobState::Pending
        );
        assert_eq!(
            state(json!({"job_id": "j", "data": {"status": "Cleaned"}})),
            JobState::Cleaned
        );
        assert_eq!(
            state(
                json!({"data": {"job_id": "j", "success": false, "data": {"status": "failed", "error_code": "TEXT_TO_VIDEO_FAILED", "error_message": "boom"}}})
            ),
            JobState::Failed {
                code: "TEXT_TO_VIDEO_FAILED".into(),
                message: "boom".into()
            }
        );
        assert_eq!(
            state(json!({"job_id": "j", "data": {"status": "paused"}})),
            JobState::Unknown {
                status: "paused".into()
            }
        );
        let e = parse_job(&json!({"job_id": "j", "success": false, "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}}), None).unwrap_err();
        assert!(matches!(e, Error::JobNotFound { ref job_id } if job_id == "j"));
        let e = parse_job(&json!({"job_id": "j", "data": {}}), None).unwrap_err();
        assert!(matches!(e, Error::UndecodableBody { .. }));
    }

    #[test]
    fn progress_is_clamped_or_unknown() {
        let p = |v: Value| {
            state(json!({"job_id": "j", "data": {"status": "in-progress", "renderProgress": v}}))
                .progress()
        };
        assert_eq!(p(json!(140)), Some(100.0));
        assert_eq!(p(json!(-3)), Some(0.0));
        assert_eq!(p(json!("55.5")), Some(55.5));
        assert_eq!(p(json!("NaN")), None);
        assert_eq!(p(json!("-inf")), None);
        assert_eq!(p(json!(null)), None);
    }

    #[test]
    fn no_status_with_output_is_completed_and_the_callers_id_wins() {
        let body = json!({"job_id": "from-body", "data": {"preview": "p", "renderParams": {"scenes": []}}});
        let job = parse_job(&body, Some(&JobId::from("mine"))).unwrap();
        assert_eq!(job.id, Some(JobId::from("mine")));
        assert!(matches!(
            job.state,
            JobState::Completed(JobOutput::Preview(PreviewOutput { ref preview_url, .. })) if preview_url.as_deref() == Some("p")
        ));
        // A body id that is unsafe is refused unless the caller knows the id.
        let bad = json!({"job_id": "a/b", "data": {"status": "in-progress"}});
        assert!(matches!(
            parse_job(&bad, None),
            Err(Error::InvalidRequest { .. })
        ));
        assert!(parse_job(&bad, Some(&JobId::from("a"))).is_ok());
        // No id anywhere: fine, and said so.
        let job = parse_job(&json!({"data": {"status": "completed", "txt": "hi"}}), None).unwrap();
        assert_eq!(job.id, None);
        let cleaned = parse_job(&json!({"data": {"status": "cleaned"}}), None).unwrap();
        assert_eq!(cleaned.payload(), &json!({"status": "cleaned"}));
        assert!(
            matches!(cleaned.into_outcome(), Some(Err(Error::JobCleaned { ref job_id })) if job_id.is_empty())
        );
    }
}
