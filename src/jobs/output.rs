//! What a completed job produced, typed by what its `data` carries (a
//! finished body may have no `status`; its output tells the kind).

use super::fields::{num_at, str_at};
use super::render_params::RenderParams;
use super::transcript::{SummaryOutput, TranscriptionOutput};
use serde_json::Value;

/// What a completed job produced, typed by kind; each keeps the raw JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum JobOutput {
    /// A storyboard preview: review it, then render.
    Preview(PreviewOutput),
    /// A rendered video.
    Render(RenderOutput),
    /// A transcription.
    Transcription(TranscriptionOutput),
    /// A summary: a transcript with highlighted words.
    Summary(SummaryOutput),
    /// A completed job of a shape this crate does not recognise (its `data`).
    Other(Value),
}

impl JobOutput {
    /// What kind of output this is, in words (for errors).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            JobOutput::Preview(_) => "a preview",
            JobOutput::Render(_) => "a video",
            JobOutput::Transcription(_) => "a transcript",
            JobOutput::Summary(_) => "a summary",
            JobOutput::Other(_) => "an output of a kind this crate does not know",
        }
    }
}

/// A completed storyboard (preview) job.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct PreviewOutput {
    /// `preview`: the preview page URL.
    pub preview_url: Option<String>,
    /// `renderParams`, when it is a JSON object: send it (edited or not) to
    /// [`Client::start_render`](crate::Client::start_render).
    pub render_params: Option<RenderParams>,
    /// The job's `data` as received (newer bodies also carry `storyboard`
    /// and project details here).
    pub raw: Value,
}

/// A completed render job.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct RenderOutput {
    /// The video file: `videoURL`, else `shareVideoURL` (older responses
    /// carry the .mp4 only there).
    pub video_url: String,
    /// `videoShareURL`: the share page on video.pictory.ai.
    pub share_page_url: Option<String>,
    /// `thumbnail`: the thumbnail image.
    pub thumbnail: Option<String>,
    /// `srtFile`: subtitles as SRT.
    pub srt_file: Option<String>,
    /// `vttFile`: subtitles as WebVTT.
    pub vtt_file: Option<String>,
    /// `txtFile`: the narration as text.
    pub txt_file: Option<String>,
    /// `audioURL`: the audio track.
    pub audio_url: Option<String>,
    /// `videoDuration`, seconds.
    pub duration_secs: Option<f64>,
    /// `aiCreditsUsed`.
    pub ai_credits_used: Option<f64>,
    /// The job's `data` as received.
    pub raw: Value,
}

impl RenderOutput {
    fn read(data: &Value) -> Option<RenderOutput> {
        let video_url = str_at(data, "videoURL").or_else(|| str_at(data, "shareVideoURL"))?;
        Some(RenderOutput {
            video_url,
            share_page_url: str_at(data, "videoShareURL"),
            thumbnail: str_at(data, "thumbnail"),
            srt_file: str_at(data, "srtFile"),
            vtt_file: str_at(data, "vttFile"),
            txt_file: str_at(data, "txtFile"),
            audio_url: str_at(data, "audioURL"),
            duration_secs: num_at(data, "videoDuration"),
            ai_credits_used: num_at(data, "aiCreditsUsed"),
            raw: data.clone(),
        })
    }
}

/// Types a job's `data` by what it carries: a video URL (render),
/// `renderParams` or `preview` (preview), any of `transcript`, `txt`,
/// `srt` or `vtt` (transcription, each part optional; a summary when a
/// word is highlighted), else [`JobOutput::Other`].
pub(crate) fn classify_output(data: &Value) -> JobOutput {
    if let Some(render) = RenderOutput::read(data) {
        return JobOutput::Render(render);
    }
    if data.get("renderParams").is_some() || data.get("preview").is_some() {
        return JobOutput::Preview(PreviewOutput {
            preview_url: str_at(data, "preview"),
            render_params: data
                .get("renderParams")
                .and_then(|p| RenderParams::new(p.clone()).ok()),
            raw: data.clone(),
        });
    }
    if ["transcript", "txt", "srt", "vtt"]
        .iter()
        .any(|k| data.get(k).is_some())
    {
        let t = TranscriptionOutput::read(data);
        return if t.has_highlights() {
            JobOutput::Summary(SummaryOutput::from(t))
        } else {
            JobOutput::Transcription(t)
        };
    }
    JobOutput::Other(data.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outputs_by_kind() {
        let JobOutput::Render(r) = classify_output(&json!({
            "videoURL": "v.mp4", "videoShareURL": "page", "shareVideoURL": "old.mp4",
            "audioURL": "a.mp3", "videoDuration": "12.5", "aiCreditsUsed": 3
        })) else {
            panic!("not a render")
        };
        assert_eq!(r.video_url, "v.mp4");
        assert_eq!(r.share_page_url.as_deref(), Some("page"));
        assert_eq!(r.audio_url.as_deref(), Some("a.mp3"));
        assert_eq!(
            (r.duration_secs, r.ai_credits_used),
            (Some(12.5), Some(3.0))
        );
        let JobOutput::Render(old) = classify_output(&json!({"shareVideoURL": "only.mp4"})) else {
            panic!("not a render")
        };
        assert_eq!(
            (old.video_url.as_str(), old.share_page_url),
            ("only.mp4", None)
        );

        let JobOutput::Preview(p) =
            classify_output(&json!({"preview": "p", "renderParams": "odd"}))
        else {
            panic!("not a preview")
        };
        assert_eq!(
            (p.preview_url.as_deref(), p.render_params),
            (Some("p"), None)
        );

        assert!(matches!(
            classify_output(&json!({"txt": "hi"})),
            JobOutput::Transcription(_)
        ));
        // Any one of a transcription's outputs makes one; the others are absent.
        let JobOutput::Transcription(t) = classify_output(&json!({"srt": "1\n00:00:00,000"}))
        else {
            panic!("not a transcription")
        };
        assert_eq!(
            (t.srt.as_deref(), t.vtt.as_deref(), t.text.as_deref()),
            (Some("1\n00:00:00,000"), None, None)
        );
        assert!(t.sentences.is_empty());
        let hl = json!({"transcript": [{"words": [{"word": "a", "start_time": 0, "end_time": 1, "highlight": true}]}]});
        let JobOutput::Summary(s) = classify_output(&hl) else {
            panic!("not a summary")
        };
        assert_eq!(s.ranges.len(), 1);
        assert_eq!(s.transcription.raw, hl);
        assert_eq!(
            classify_output(&json!({"x": 1})),
            JobOutput::Other(json!({"x": 1}))
        );
    }
}
