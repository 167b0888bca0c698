//! Transcription and summary (highlights) results, read permissively: one
//! odd sentence or word is skipped or read with defaults, never an error.

use super::fields::{bool_at, num_at, str_at};
use serde_json::Value;

/// One word of a transcript (or a pause marker).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Word {
    /// `uid`.
    pub uid: Option<String>,
    /// `word`: the text, with its punctuation; empty for a pause.
    pub text: String,
    /// `start_time`, seconds from the start of the media.
    pub start: Option<f64>,
    /// `end_time`, seconds.
    pub end: Option<f64>,
    /// `speakerId`, as text (Pictory sends a number).
    pub speaker_id: Option<String>,
    /// `sentence_index`.
    pub sentence_index: Option<u64>,
    /// `is_pause`: a silence marker rather than a word.
    pub is_pause: bool,
    /// `pause_size`, for pause markers: a category (Pictory documents
    /// `"small"`) or a length in seconds, as sent.
    pub pause_size: Option<PauseSize>,
    /// `highlight`: chosen by a summary (highlights) job.
    pub highlight: bool,
}

impl Word {
    fn read(v: &Value) -> Option<Word> {
        v.is_object().then(|| Word {
            uid: str_at(v, "uid"),
            text: str_at(v, "word").unwrap_or_default(),
            start: num_at(v, "start_time"),
            end: num_at(v, "end_time"),
            speaker_id: str_at(v, "speakerId"),
            sentence_index: num_at(v, "sentence_index")
                .filter(|n| *n >= 0.0 && n.fract() == 0.0)
                .map(|n| n as u64),
            is_pause: bool_at(v, "is_pause").unwrap_or(false),
            pause_size: PauseSize::read(v.get("pause_size")),
            highlight: bool_at(v, "highlight").unwrap_or(false),
        })
    }
}

/// A pause marker's `pause_size`. Pictory documents it as a category
/// (`"small"`); other bodies give a number (seconds). Both are accepted;
/// serialized back as sent (a string or a number).
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
#[non_exhaustive]
pub enum PauseSize {
    /// A category as sent, e.g. `small`.
    Category(String),
    /// A length in seconds (a number, or a string holding one).
    Seconds(f64),
}

impl PauseSize {
    fn read(v: Option<&Value>) -> Option<PauseSize> {
        match v? {
            Value::Number(n) => n.as_f64().filter(|n| n.is_finite()).map(PauseSize::Seconds),
            Value::String(s) => {
                let s = s.trim();
                match s.parse::<f64>() {
                    Ok(n) if n.is_finite() => Some(PauseSize::Seconds(n)),
                    _ if s.is_empty() => None,
                    _ => Some(PauseSize::Category(s.to_string())),
                }
            }
            _ => None,
        }
    }

    /// The category, when one was sent (`small`).
    pub fn category(&self) -> Option<&str> {
        match self {
            PauseSize::Category(c) => Some(c),
            PauseSize::Seconds(_) => None,
        }
    }

    /// The length in seconds, when a number was sent.
    pub fn seconds(&self) -> Option<f64> {
        match self {
            PauseSize::Seconds(n) => Some(*n),
            PauseSize::Category(_) => None,
        }
    }
}

/// One sentence of a transcript.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Sentence {
    /// `uid`.
    pub uid: Option<String>,
    /// `speakerId`, as text.
    pub speaker_id: Option<String>,
    /// The words and pause markers, in order (entries that are not objects
    /// are skipped).
    pub words: Vec<Word>,
}

impl Sentence {
    fn read(v: &Value) -> Option<Sentence> {
        v.is_object().then(|| Sentence {
            uid: str_at(v, "uid"),
            speaker_id: str_at(v, "speakerId"),
            words: v
                .get("words")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Word::read)
                .collect(),
        })
    }

    /// The sentence's text: its words (pauses left out) joined by spaces.
    pub fn text(&self) -> String {
        join_words(self.words.iter())
    }
}

fn join_words<'a>(words: impl Iterator<Item = &'a Word>) -> String {
    words
        .filter(|w| !w.is_pause && !w.text.is_empty())
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `mediaInfo` of a transcription: what is known of the source media. Pictory
/// names its parts only loosely (duration, dimensions, aspect ratio), so
/// each is read from the likely keys; the object itself is in `raw`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct MediaInfo {
    /// `duration`, seconds.
    pub duration_secs: Option<f64>,
    /// `width` (or `dimensions.width`), pixels.
    pub width: Option<f64>,
    /// `height` (or `dimensions.height`), pixels.
    pub height: Option<f64>,
    /// `aspectRatio` (or `aspect_ratio`), as sent, e.g. `16:9`.
    pub aspect_ratio: Option<String>,
    /// The `mediaInfo` object as received.
    pub raw: Value,
}

impl MediaInfo {
    fn read(v: &Value) -> Option<MediaInfo> {
        let dims = v.get("dimensions").unwrap_or(&Value::Null);
        v.is_object().then(|| MediaInfo {
            duration_secs: num_at(v, "duration"),
            width: num_at(v, "width").or_else(|| num_at(dims, "width")),
            height: num_at(v, "height").or_else(|| num_at(dims, "height")),
            aspect_ratio: str_at(v, "aspectRatio").or_else(|| str_at(v, "aspect_ratio")),
            raw: v.clone(),
        })
    }
}

/// A completed transcription job.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct TranscriptionOutput {
    /// The sentences with their words (`transcript`).
    pub sentences: Vec<Sentence>,
    /// `transcript` exactly as sent: pass it to
    /// [`Client::summarize`](crate::Client::summarize) unchanged.
    pub transcript: Value,
    /// `txt`: the plain text.
    pub text: Option<String>,
    /// `srt`: subtitles (a URL or the text, as sent).
    pub srt: Option<String>,
    /// `vtt`: WebVTT subtitles (a URL or the text, as sent).
    pub vtt: Option<String>,
    /// `mediaInfo`, when given.
    pub media_info: Option<MediaInfo>,
    /// The job's `data` as received.
    pub raw: Value,
}

impl TranscriptionOutput {
    /// Reads a completed job's `data` carrying `transcript` or `txt`.
    pub(crate) fn read(data: &Value) -> TranscriptionOutput {
        let transcript = data.get("transcript").cloned().unwrap_or(Value::Null);
        TranscriptionOutput {
            sentences: transcript
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Sentence::read)
                .collect(),
            transcript,
            text: str_at(data, "txt"),
            srt: str_at(data, "srt"),
            vtt: str_at(data, "vtt"),
            media_info: data.get("mediaInfo").and_then(MediaInfo::read),
            raw: data.clone(),
        }
    }

    /// Whether any word carries `highlight: true` (a summary's result).
    pub(crate) fn has_highlights(&self) -> bool {
        self.words().any(|w| w.highlight)
    }

    fn words(&self) -> impl Iterator<Item = &Word> {
        self.sentences.iter().flat_map(|s| s.words.iter())
    }

    /// The highlighted words grouped into contiguous time ranges, in order.
    /// A range runs over consecutive highlighted words (across sentences);
    /// any word or pause not highlighted ends it. Words without both
    /// `start_time` and `end_time` are left out and end no range.
    pub fn highlight_ranges(&self) -> Vec<HighlightRange> {
        let mut ranges: Vec<(f64, f64, Vec<&Word>)> = Vec::new();
        let mut open = false;
        for w in self.words() {
            let (Some(start), Some(end)) = (w.start, w.end) else {
                continue;
            };
            if !w.highlight {
                open = false;
                continue;
            }
            match ranges.last_mut() {
                Some(r) if open => {
                    r.0 = r.0.min(start);
                    r.1 = r.1.max(end);
                    r.2.push(w);
                }
                _ => ranges.push((start, end, vec![w])),
            }
            open = true;
        }
        ranges
            .into_iter()
            .map(|(start, end, words)| HighlightRange {
                start,
                end,
                text: join_words(words.into_iter()),
            })
            .collect()
    }
}

/// One contiguous stretch of a summary: highlighted words and their times.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct HighlightRange {
    /// Seconds from the start of the media.
    pub start: f64,
    /// Seconds from the start of the media.
    pub end: f64,
    /// The highlighted words (pauses left out), joined by spaces.
    pub text: String,
}

/// A completed summary (highlights) job: Pictory returns the transcript
/// again with `highlight: true` on the chosen words; the summary is those
/// words, grouped into time ranges.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct SummaryOutput {
    /// The highlighted stretches, in order.
    pub ranges: Vec<HighlightRange>,
    /// The whole returned transcript (its `raw` is the job's `data`).
    pub transcription: TranscriptionOutput,
}

impl From<TranscriptionOutput> for SummaryOutput {
    fn from(transcription: TranscriptionOutput) -> Self {
        SummaryOutput {
            ranges: transcription.highlight_ranges(),
            transcription,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn word(w: &str, s: f64, e: f64, hl: bool) -> Value {
        json!({"uid": w, "word": w, "start_time": s, "end_time": e, "speakerId": 1, "sentence_index": 0, "highlight": hl})
    }

    #[test]
    fn words_are_read_permissively() {
        let t = TranscriptionOutput::read(&json!({
            "transcript": [
                {"uid": "s1", "speakerId": 2, "words": [
                    {"uid": "w1", "word": "Hi", "start_time": "0.5", "end_time": 1, "speakerId": "2", "sentence_index": 0},
                    {"uid": "p", "word": "", "start_time": 1, "end_time": 1.5, "is_pause": true, "pause_size": 0.5},
                    {"word": "odd", "start_time": {"x": 1}, "sentence_index": -1},
                    7
                ]},
                "not a sentence"
            ],
            "txt": "Hi odd", "srt": "1\n00:00", "vtt": "WEBVTT",
            "mediaInfo": {"duration": 12.5, "dimensions": {"width": 1920, "height": "1080"}, "aspectRatio": "16:9"}
        }));
        assert_eq!(t.sentences.len(), 1);
        let s = &t.sentences[0];
        assert_eq!(
            (s.uid.as_deref(), s.speaker_id.as_deref()),
            (Some("s1"), Some("2"))
        );
        assert_eq!(s.words.len(), 3);
        assert_eq!(s.words[0].start, Some(0.5));
        assert_eq!(s.words[0].end, Some(1.0));
        assert!(s.words[1].is_pause && s.words[1].pause_size == Some(PauseSize::Seconds(0.5)));
        assert_eq!((s.words[2].start, s.words[2].sentence_index), (None, None));
        assert_eq!(s.text(), "Hi odd");
        assert_eq!(t.text.as_deref(), Some("Hi odd"));
        assert_eq!(
            (t.srt.as_deref(), t.vtt.as_deref()),
            (Some("1\n00:00"), Some("WEBVTT"))
        );
        let m = t.media_info.unwrap();
        assert_eq!(
            (m.duration_secs, m.width, m.height),
            (Some(12.5), Some(1920.0), Some(1080.0))
        );
        assert_eq!(m.aspect_ratio.as_deref(), Some("16:9"));
    }

    #[test]
    fn pause_size_is_a_category_or_seconds() {
        let pause = |size: Value| {
            let t = TranscriptionOutput::read(&json!({"transcript": [{"words": [
                {"word": "", "start_time": 1, "end_time": 1.4, "is_pause": true, "pause_size": size}
            ]}]}));
            t.sentences[0].words[0].pause_size.clone()
        };
        let small = pause(json!("small")).unwrap();
        assert_eq!(small, PauseSize::Category("small".into()));
        assert_eq!((small.category(), small.seconds()), (Some("small"), None));
        assert_eq!(serde_json::to_value(&small).unwrap(), json!("small"));
        let secs = pause(json!(0.4)).unwrap();
        assert_eq!((secs.category(), secs.seconds()), (None, Some(0.4)));
        assert_eq!(serde_json::to_value(&secs).unwrap(), json!(0.4));
        assert_eq!(pause(json!(" 0.25 ")), Some(PauseSize::Seconds(0.25)));
        assert_eq!(pause(json!("")), None);
        assert_eq!(pause(json!({"x": 1})), None);
        assert_eq!(pause(Value::Null), None);
    }

    #[test]
    fn highlighted_words_group_into_contiguous_ranges() {
        let t = TranscriptionOutput::read(&json!({"transcript": [
            {"words": [word("a", 0.0, 0.5, false), word("b", 0.5, 1.0, true), word("c", 1.0, 1.4, true)]},
            {"words": [word("d", 1.4, 2.0, true), word("e", 2.0, 2.5, false), word("f", 3.0, 3.5, true),
                json!({"word": "g", "highlight": true})]}
        ]}));
        assert!(t.has_highlights());
        let s = SummaryOutput::from(t);
        assert_eq!(
            s.ranges,
            vec![
                HighlightRange {
                    start: 0.5,
                    end: 2.0,
                    text: "b c d".into()
                },
                HighlightRange {
                    start: 3.0,
                    end: 3.5,
                    text: "f".into()
                },
            ]
        );
        let plain = TranscriptionOutput::read(
            &json!({"transcript": [{"words": [word("a", 0.0, 1.0, false)]}]}),
        );
        assert!(!plain.has_highlights());
        assert!(plain.highlight_ranges().is_empty());
    }
}
