//! Pictory's jobs: what each kind was asked to do, how far along it is at a
//! given instant (`tokio::time`, so paused-time tests work), and the body
//! `GET /jobs/{job_id}` answers with.

use serde_json::{Value, json};
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
    /// A text summary of a transcript.
    Summary,
}

impl JobKind {
    /// The counter key.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JobKind::Storyboard => "storyboard",
            JobKind::Render => "render",
            JobKind::Transcription => "transcription",
            JobKind::Summary => "summary",
        }
    }
}

/// What a job works on.
#[derive(Debug, Clone)]
pub(crate) enum JobInput {
    /// The render parameters (`{audio, output, scenes}`) a storyboard yields
    /// or a render uses.
    Video { render_params: Value },
    /// The media a transcription reads.
    Transcription { file_url: String },
    /// The transcript to summarise and the wanted highlight length (s).
    Summary {
        transcript: Value,
        highlight_duration: f64,
    },
}

/// One job.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) kind: JobKind,
    pub(crate) created: Instant,
    /// Already multiplied by the time factor.
    pub(crate) duration: Duration,
    /// `(error_code, error_message)` when the job is to fail.
    pub(crate) failure: Option<(String, String)>,
    pub(crate) input: JobInput,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Phase {
    /// Still running; the share of its duration that has passed, in `[0, 1)`.
    Running(f64),
    /// Finished successfully.
    Completed,
    /// Finished with an error.
    Failed,
}

/// Seconds of video per scene.
const SECONDS_PER_SCENE: f64 = 10.0;

impl Job {
    /// When the job finishes; `None` if never (an absurd duration).
    pub(crate) fn due(&self) -> Option<Instant> {
        self.created.checked_add(self.duration)
    }

    /// The job's phase at `now`.
    pub(crate) fn phase(&self, now: Instant) -> Phase {
        let done = self.due().is_some_and(|due| now >= due);
        if done {
            return if self.failure.is_some() {
                Phase::Failed
            } else {
                Phase::Completed
            };
        }
        let elapsed = now.saturating_duration_since(self.created).as_secs_f64();
        let total = self.duration.as_secs_f64();
        Phase::Running(if total > 0.0 {
            (elapsed / total).clamp(0.0, 1.0)
        } else {
            0.0
        })
    }

    /// The render parameters of a video job.
    pub(crate) fn render_params(&self) -> Option<&Value> {
        match &self.input {
            JobInput::Video { render_params } => Some(render_params),
            _ => None,
        }
    }

    /// Scene texts of a video job.
    fn scene_texts(&self) -> Vec<String> {
        scene_texts(self.render_params().and_then(|p| p.get("scenes")))
    }

    /// The length of a rendered video, in seconds.
    pub(crate) fn video_duration(&self) -> f64 {
        let scenes = self
            .render_params()
            .and_then(|p| p.get("scenes"))
            .and_then(Value::as_array)
            .map_or(1, |s| s.len().max(1));
        scenes as f64 * SECONDS_PER_SCENE
    }

    /// Pictory's body for `GET /jobs/{job_id}` at `now`; `origin` is the
    /// simulator's `http://127.0.0.1:PORT`, for the URLs of outputs.
    pub(crate) fn body(&self, now: Instant, origin: &str) -> Value {
        match self.phase(now) {
            Phase::Running(share) => {
                let mut data = json!({"status": "in-progress"});
                if share >= 0.1 {
                    data["renderProgress"] = json!(((share * 100.0).floor() as u64).min(99));
                    data["renderProgressMessage"] = json!("Generating video");
                    data["renderState"] = json!("RUNNING");
                }
                json!({"job_id": self.id, "success": true, "data": data})
            }
            Phase::Failed => {
                let (code, message) = self.failure.clone().unwrap_or_default();
                json!({
                    "job_id": self.id,
                    "success": false,
                    "data": {"status": "failed", "error_code": code, "error_message": message}
                })
            }
            Phase::Completed => {
                let data = self.outputs(origin);
                json!({"job_id": self.id, "success": true, "data": data})
            }
        }
    }

    /// The `data` of a completed job.
    fn outputs(&self, origin: &str) -> Value {
        let id = &self.id;
        match (self.kind, &self.input) {
            (JobKind::Storyboard, JobInput::Video { render_params }) => json!({
                "status": "completed",
                "preview": format!("{origin}/preview/{id}"),
                "renderParams": render_params,
            }),
            (JobKind::Render, _) => json!({
                "status": "completed",
                "renderProgress": 100,
                "videoURL": format!("{origin}/videos/{id}.mp4"),
                "videoShareURL": format!("{origin}/share/{id}"),
                "shareVideoURL": format!("{origin}/share/{id}"),
                "thumbnail": format!("{origin}/videos/{id}.jpg"),
                "srtFile": format!("{origin}/videos/{id}.srt"),
                "vttFile": format!("{origin}/videos/{id}.vtt"),
                "txtFile": format!("{origin}/videos/{id}.txt"),
                "videoDuration": self.video_duration(),
            }),
            (_, JobInput::Transcription { file_url }) => {
                let sentences = transcript_sentences(file_url);
                let txt = sentences.join(" ");
                json!({
                    "status": "completed",
                    "transcript": timed_transcript(&sentences),
                    "txt": txt,
                    "highlight": [
                        {"duration": 30, "text": sentences[..2].join(" ")},
                        {"duration": 60, "text": txt},
                    ],
                })
            }
            (
                _,
                JobInput::Summary {
                    transcript,
                    highlight_duration,
                },
            ) => {
                let text = transcript_text(transcript);
                // Roughly 2.5 spoken words per second.
                let words = ((highlight_duration.max(1.0) * 2.5) as usize).max(5);
                let highlight = text.split_whitespace().take(words).collect::<Vec<_>>();
                json!({
                    "status": "completed",
                    "highlight": highlight.join(" "),
                    "summary": format!("Summary: {}", short(&text, 200)),
                })
            }
            (_, JobInput::Video { .. }) => json!({"status": "completed"}),
        }
    }

    /// A text file of a completed render: `srt`, `vtt` or `txt`.
    pub(crate) fn caption_file(&self, ext: &str) -> Option<String> {
        let texts = self.scene_texts();
        let texts = if texts.is_empty() {
            vec![String::from("(no text)")]
        } else {
            texts
        };
        let stamp = |secs: f64, sep: char| {
            let ms = (secs * 1000.0) as u64;
            format!(
                "{:02}:{:02}:{:02}{sep}{:03}",
                ms / 3_600_000,
                ms / 60_000 % 60,
                ms / 1000 % 60,
                ms % 1000
            )
        };
        let cue = |i: usize, sep: char| {
            let start = i as f64 * SECONDS_PER_SCENE;
            format!(
                "{} --> {}",
                stamp(start, sep),
                stamp(start + SECONDS_PER_SCENE, sep)
            )
        };
        match ext {
            "txt" => Some(texts.join("\n") + "\n"),
            "srt" => Some(
                texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| format!("{}\n{}\n{t}\n\n", i + 1, cue(i, ',')))
                    .collect(),
            ),
            "vtt" => Some(
                std::iter::once("WEBVTT\n\n".to_string())
                    .chain(
                        texts
                            .iter()
                            .enumerate()
                            .map(|(i, t)| format!("{}\n{t}\n\n", cue(i, '.'))),
                    )
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// The `text` of every scene in a `scenes` array.
pub(crate) fn scene_texts(scenes: Option<&Value>) -> Vec<String> {
    scenes
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|s| s.get("text").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `s` cut to `max` characters.
pub(crate) fn short(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Three deterministic sentences about the media at `file_url`.
fn transcript_sentences(file_url: &str) -> Vec<String> {
    let name = file_url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .split('.')
        .next()
        .unwrap_or("");
    let name = if name.is_empty() { "this video" } else { name };
    vec![
        format!("Welcome to {name}."),
        "This transcript comes from the Pictory simulator.".to_string(),
        "Thank you for watching.".to_string(),
    ]
}

/// Pictory's transcript: sentences with start/end times and timed words.
fn timed_transcript(sentences: &[String]) -> Value {
    let mut t = 0.0_f64;
    let mut out = Vec::new();
    for sentence in sentences {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        let start = t;
        let mut timed = Vec::new();
        for word in &words {
            timed.push(json!({"word": word, "start": round2(t), "end": round2(t + 0.4)}));
            t += 0.5;
        }
        out.push(json!({
            "sentence": sentence,
            "start": round2(start),
            "end": round2(t),
            "words": timed,
        }));
        t += 0.3;
    }
    Value::Array(out)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The plain text of a transcript given as Pictory's sentence array, a
/// string, or anything else (its JSON).
pub(crate) fn transcript_text(transcript: &Value) -> String {
    match transcript {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|item| match item {
                    Value::String(s) => Some(s.clone()),
                    other => other
                        .get("sentence")
                        .or_else(|| other.get("text"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
                .collect();
            if parts.is_empty() {
                transcript.to_string()
            } else {
                parts.join(" ")
            }
        }
        other => other.to_string(),
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
            duration: Duration::from_secs(secs),
            failure: None,
            input,
        }
    }

    #[test]
    fn progress_appears_after_a_tenth_and_rises() {
        let j = job(
            JobKind::Render,
            JobInput::Video {
                render_params: json!({"scenes": [{"text": "a"}, {"text": "b"}]}),
            },
            100,
        );
        let at = |s: u64| j.body(j.created + Duration::from_secs(s), "http://h");
        assert_eq!(at(5)["data"], json!({"status": "in-progress"}));
        assert_eq!(at(10)["data"]["renderProgress"], 10);
        assert_eq!(at(55)["data"]["renderProgress"], 55);
        let done = at(100);
        assert_eq!(done["data"]["status"], "completed");
        assert_eq!(done["data"]["videoURL"], "http://h/videos/j1.mp4");
        assert_eq!(done["data"]["videoDuration"], 20.0);
        assert!(
            j.caption_file("srt")
                .unwrap()
                .contains("00:00:10,000 --> 00:00:20,000\nb")
        );
    }

    #[test]
    fn zero_duration_completes_at_once_and_failure_shows() {
        let mut j = job(
            JobKind::Transcription,
            JobInput::Transcription {
                file_url: "http://h/media/k/talk.mp4".into(),
            },
            0,
        );
        let body = j.body(j.created, "http://h");
        assert_eq!(body["data"]["status"], "completed");
        assert_eq!(
            body["data"]["transcript"][0]["sentence"],
            "Welcome to talk."
        );
        j.failure = Some(("TEXT_TO_VIDEO_FAILED".into(), "boom".into()));
        let body = j.body(j.created, "http://h");
        assert_eq!(body["success"], false);
        assert_eq!(body["data"]["error_code"], "TEXT_TO_VIDEO_FAILED");
    }

    #[test]
    fn transcript_text_reads_sentences() {
        assert_eq!(
            transcript_text(&json!([{"sentence": "Hi."}, {"sentence": "Bye."}])),
            "Hi. Bye."
        );
        assert_eq!(transcript_text(&json!("x")), "x");
    }
}
