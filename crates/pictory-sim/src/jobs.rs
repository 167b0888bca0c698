//! Pictory's jobs: what each kind was asked to do, where it stands at a
//! given instant (`tokio::time`, so paused-time tests work) and the body
//! `GET /jobs/{job_id}` answers with, in the shapes of
//! `tests/fixtures/pictory-docs/jobs/` as [`JobVariants`] selects.

use super::config::JobVariants;
use super::{preview, transcript};
use pictory::wire::{JOB_ID_KEYS, StatusWord};
use serde_json::{Map, Value, json};
use std::time::Duration;
use tokio::time::Instant;

/// The kinds of job, as counted in [`Counters::jobs_created`](super::Counters::jobs_created).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobKind {
    /// A storyboard (preview).
    Storyboard,
    /// A video render.
    Render,
    /// A transcription.
    Transcription,
    /// Highlights (a video summary) of a transcript.
    Summary,
    /// An AI Studio image.
    AiImage,
    /// An AI Studio video.
    AiVideo,
}

impl JobKind {
    /// The counter key.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JobKind::Storyboard => "storyboard",
            JobKind::Render => "render",
            JobKind::Transcription => "transcription",
            JobKind::Summary => "summary",
            JobKind::AiImage => "ai_image",
            JobKind::AiVideo => "ai_video",
        }
    }
}

/// What a job works on.
#[derive(Debug, Clone)]
pub(crate) enum JobInput {
    /// The render parameters a storyboard yields or a render uses (opaque:
    /// classic `{audio, output, scenes, ...}` or element-based).
    Video { render_params: Value },
    /// The media a transcription reads.
    Transcription {
        file_url: String,
        media_type: String,
    },
    /// The transcript to highlight and the wanted highlight length (s).
    Summary {
        transcript: Value,
        highlight_duration: f64,
    },
    /// An AI Studio request (the body as sent, webhook removed).
    Ai { request: Value },
}

/// The times of a job, already multiplied by the time factor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// How long it reports `pending` before it runs.
    pub(crate) pending: Duration,
    /// How long it runs.
    pub(crate) run: Duration,
    /// How long after its end its data is kept; `None` is forever.
    pub(crate) retention: Option<Duration>,
}

/// One job.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) kind: JobKind,
    pub(crate) created: Instant,
    pub(crate) timing: Timing,
    /// `(error_code, error_message)` when the job is to fail.
    pub(crate) failure: Option<(String, String)>,
    pub(crate) input: JobInput,
    /// Which documented body shapes to answer with.
    pub(crate) variants: JobVariants,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Phase {
    /// Queued, not started.
    Pending,
    /// Running; the share of its run that has passed, in `[0, 1)`.
    Running(f64),
    /// Finished successfully.
    Completed,
    /// Finished with an error.
    Failed,
    /// Finished, and its data removed after the retention period.
    Cleaned,
}

/// A render's progress shows from this share of its run on.
const RENDER_STARTS_AT: f64 = 0.1;

impl Job {
    /// When the job starts its run.
    fn started(&self) -> Option<Instant> {
        self.created.checked_add(self.timing.pending)
    }

    /// When the job ends; `None` if never (an absurd duration).
    pub(crate) fn due(&self) -> Option<Instant> {
        self.started()?.checked_add(self.timing.run)
    }

    /// When the job's data is removed; `None` if never.
    fn cleaned_at(&self) -> Option<Instant> {
        self.due()?.checked_add(self.timing.retention?)
    }

    /// The job's phase at `now`.
    pub(crate) fn phase(&self, now: Instant) -> Phase {
        if self.cleaned_at().is_some_and(|at| now >= at) {
            return Phase::Cleaned;
        }
        if self.due().is_some_and(|due| now >= due) {
            return self.outcome();
        }
        let Some(started) = self.started().filter(|s| now >= *s) else {
            return Phase::Pending;
        };
        let elapsed = now.saturating_duration_since(started).as_secs_f64();
        let total = self.timing.run.as_secs_f64();
        Phase::Running(if total > 0.0 {
            (elapsed / total).clamp(0.0, 1.0)
        } else {
            0.0
        })
    }

    /// How the job ends: completed, or failed when it was set to.
    fn outcome(&self) -> Phase {
        if self.failure.is_some() {
            Phase::Failed
        } else {
            Phase::Completed
        }
    }

    /// The render parameters of a video job.
    pub(crate) fn render_params(&self) -> Option<&Value> {
        match &self.input {
            JobInput::Video { render_params } => Some(render_params),
            _ => None,
        }
    }

    /// The render parameters of a video job, to change (element edits).
    pub(crate) fn render_params_mut(&mut self) -> Option<&mut Value> {
        match &mut self.input {
            JobInput::Video { render_params } => Some(render_params),
            _ => None,
        }
    }

    /// What a finished AI Studio job made, as its list shows it.
    pub(crate) fn ai_item(&self, origin: &str) -> Option<Value> {
        let JobInput::Ai { request } = &self.input else {
            return None;
        };
        let id = &self.id;
        let field =
            |k: &str, default: &str| request.get(k).cloned().unwrap_or_else(|| json!(default));
        let mut item = json!({
            "id": id,
            "prompt": field("prompt", ""),
            "aspectRatio": field("aspectRatio", "16:9"),
            "createdDate": "2026-04-04T06:03:38.665Z",
            "width": 1280,
            "height": 720,
        });
        if self.kind == JobKind::AiImage {
            item["url"] = json!(format!("{origin}/ai/{id}.png"));
            item["model"] = field("model", "seedream3.0");
            for k in ["style", "referenceImageUrl"] {
                if let Some(v) = request.get(k) {
                    item[k] = v.clone();
                }
            }
        } else {
            item["url"] = json!(format!("{origin}/videos/{id}.mp4"));
            item["model"] = field("model", "pixverse5.5");
            item["duration"] = field("duration", "5s");
            item["previewImageUrl"] = json!(format!("{origin}/ai/{id}_preview.jpg"));
            item["thumbnailImageUrl"] = json!(format!("{origin}/ai/{id}_thumbnail.jpg"));
            item["lastFrameImageUrl"] = json!(format!("{origin}/ai/{id}_last_frame.png"));
            for k in ["firstFrameImageUrl", "referenceImageUrls", "extendVideoUrl"] {
                if let Some(v) = request.get(k) {
                    item[k] = v.clone();
                }
            }
        }
        Some(item)
    }

    /// The AI credits a finished AI Studio job used, at Pictory's
    /// documented rates (per image; per second of video).
    pub(crate) fn ai_credits(&self) -> f64 {
        let JobInput::Ai { request } = &self.input else {
            return 0.0;
        };
        let model = request.get("model").and_then(Value::as_str);
        match self.kind {
            JobKind::AiImage => match model.unwrap_or("seedream3.0") {
                "flux-schnell" => 0.6,
                "nanobanana" => 4.0,
                "nanobanana-pro" => 14.0,
                _ => 2.0,
            },
            _ => {
                let secs: f64 = request
                    .get("duration")
                    .and_then(Value::as_str)
                    .and_then(|d| d.trim_end_matches('s').parse().ok())
                    .unwrap_or(5.0);
                let rate = match model.unwrap_or("pixverse5.5") {
                    "veo3.1" => 20.0,
                    "veo3.1_fast" => 10.0,
                    _ => 1.6,
                };
                secs * rate
            }
        }
    }

    /// Pictory's body for `GET /jobs/{job_id}` at `now`; `origin` is the
    /// simulator's `http://127.0.0.1:PORT`, for the URLs of outputs.
    pub(crate) fn body(&self, now: Instant, origin: &str) -> Value {
        self.body_in(self.phase(now), origin)
    }

    /// The body Pictory posts to a webhook when the job ends (retention
    /// does not apply: the post goes out at the end).
    pub(crate) fn final_body(&self, origin: &str) -> Value {
        self.body_in(self.outcome(), origin)
    }

    /// The body of the job halfway through its run (an older reading than
    /// the final one, for out-of-order webhook posts).
    pub(crate) fn running_body(&self, origin: &str) -> Value {
        self.body_in(Phase::Running(0.5), origin)
    }

    fn body_in(&self, phase: Phase, origin: &str) -> Value {
        let status = |word: StatusWord| json!({"status": word.as_str()});
        match phase {
            Phase::Pending => self.wrap(true, status(StatusWord::Pending)),
            Phase::Running(share) => {
                let mut data = status(StatusWord::InProgress);
                if self.kind == JobKind::Render && share >= RENDER_STARTS_AT {
                    data["renderProgress"] = json!(((share * 100.0).floor() as u64).min(99));
                    data["renderProgressMessage"] = json!("Generating video");
                    data["renderState"] = json!("RUNNING");
                }
                self.wrap(true, data)
            }
            Phase::Failed => {
                let (code, message) = self.failure.clone().unwrap_or_default();
                let mut data = status(StatusWord::Failed);
                data["error_code"] = json!(code);
                data["error_message"] = json!(message);
                self.wrap(false, data)
            }
            Phase::Cleaned => self.wrap(true, status(StatusWord::Cleaned)),
            Phase::Completed => self.completed(origin),
        }
    }

    /// `{"job_id", "success", "data"}`.
    fn wrap(&self, success: bool, data: Value) -> Value {
        json!({(JOB_ID_KEYS[0]): self.id, "success": success, "data": data})
    }

    /// The body of a completed job, in the variant configured.
    fn completed(&self, origin: &str) -> Value {
        let id = &self.id;
        let v = &self.variants;
        let completed = StatusWord::Completed.as_str();
        match &self.input {
            JobInput::Video { render_params } if self.kind == JobKind::Storyboard => {
                let mut data = Map::new();
                if !v.preview_without_status {
                    data.insert("status".into(), json!(completed));
                }
                data.insert("renderParams".into(), render_params.clone());
                data.insert("preview".into(), json!(format!("{origin}/preview/{id}")));
                self.wrap(true, Value::Object(data))
            }
            JobInput::Video { render_params } => {
                let file = |ext: &str| json!(format!("{origin}/videos/{id}.{ext}"));
                let mut data = json!({
                    "status": completed,
                    "progress": 100,
                    "thumbnail": file("jpg"),
                    "srtFile": file("srt"),
                    "vttFile": file("vtt"),
                    "txtFile": file("txt"),
                    "audioURL": file("mp3"),
                    "videoDuration": preview::video_duration(render_params),
                    "aiCreditsUsed": preview::scene_count(render_params) * 8,
                });
                if v.render_share_url_only {
                    data["shareVideoURL"] = file("mp4");
                } else {
                    data["videoURL"] = file("mp4");
                    data["videoShareURL"] = json!(format!("{origin}/share/{id}"));
                }
                self.wrap(true, data)
            }
            JobInput::Transcription {
                file_url,
                media_type,
            } => {
                let mut data = transcript::transcribe(id, file_url, media_type);
                if v.transcription_transcript_only {
                    data = json!({"transcript": data["transcript"].take()});
                }
                data["status"] = json!(completed);
                if v.transcription_without_job_id {
                    json!({"success": true, "data": data})
                } else {
                    self.wrap(true, data)
                }
            }
            JobInput::Summary {
                transcript,
                highlight_duration,
            } => self.wrap(
                true,
                json!({
                    "status": completed,
                    "transcript": transcript::highlight(transcript, *highlight_duration),
                }),
            ),
            JobInput::Ai { .. } => {
                let mut data = self.ai_item(origin).unwrap_or_else(|| json!({}));
                data["status"] = json!(completed);
                self.wrap(true, data)
            }
        }
    }

    /// A text file of a completed, not yet cleaned render: `srt`, `vtt` or `txt`.
    pub(crate) fn caption_file(&self, ext: &str) -> Option<String> {
        let texts = self.render_params().map(preview::texts).unwrap_or_default();
        preview::caption_file(&texts, ext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(kind: JobKind, input: JobInput, secs: u64) -> Job {
        Job {
            id: "j1".into(),
            kind,
            created: Instant::now(),
            timing: Timing {
                pending: Duration::from_secs(2),
                run: Duration::from_secs(secs),
                retention: Some(Duration::from_secs(50)),
            },
            failure: None,
            input,
            variants: JobVariants::default(),
        }
    }

    #[test]
    fn pending_then_progress_on_renders_then_cleaned() {
        let j = job(
            JobKind::Render,
            JobInput::Video {
                render_params: json!({"scenes": [{"text": "a"}, {"text": "b"}]}),
            },
            100,
        );
        let at = |s: u64| j.body(j.created + Duration::from_secs(s), "http://h");
        assert_eq!(at(1)["data"], json!({"status": "pending"}));
        assert_eq!(at(7)["data"], json!({"status": "in-progress"}));
        assert_eq!(at(12)["data"]["renderProgress"], 10);
        assert_eq!(at(57)["data"]["renderProgress"], 55);
        let done = at(102);
        assert_eq!(done["data"]["status"], "completed");
        assert_eq!(done["data"]["videoURL"], "http://h/videos/j1.mp4");
        assert_eq!(done["data"]["videoDuration"], 20.0);
        assert_eq!(at(152)["data"], json!({"status": "cleaned"}));
        assert_eq!(j.final_body("http://h"), done);
    }

    #[test]
    fn previews_never_report_progress() {
        let j = job(
            JobKind::Storyboard,
            JobInput::Video {
                render_params: json!({"scenes": []}),
            },
            10,
        );
        let body = j.body(j.created + Duration::from_secs(9), "http://h");
        assert_eq!(body["data"], json!({"status": "in-progress"}));
    }
}
