//! Transcripts as Pictory documents them: sentences
//! `{uid, speakerId, words: [{uid, word, start_time, end_time, speakerId, sentence_index}]}`
//! with pause markers (`is_pause: true`, an empty `word`, `pause_size`), the
//! outputs of a transcription job (`txt`, `srt`, `vtt`, `mediaInfo`), and
//! highlights: the transcript again with `highlight: true` on chosen words.

use super::preview::captions;
use super::state::uuid_from;
use serde_json::{Value, json};

/// Seconds each spoken word lasts, and the step from one word to the next.
const WORD_LENGTH: f64 = 0.4;
const WORD_STEP: f64 = 0.5;
/// The pause between two sentences, in seconds.
const PAUSE: f64 = 0.3;

/// A UUID-shaped id, the same for the same `seed` and `n`.
fn uid(seed: &str, n: usize) -> String {
    let hash = |bytes: &[u8], start: u64| {
        bytes.iter().fold(start, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let key = format!("{seed}/{n}");
    let high = hash(key.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let low = hash(key.as_bytes(), high);
    uuid_from((u128::from(high) << 64) | u128::from(low))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Three deterministic sentences about the media at `file_url`.
fn sentences(file_url: &str) -> Vec<String> {
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

/// The `data` of a completed transcription job of `file_url` (without
/// `status`): `transcript`, `txt`, `srt`, `vtt`, `mediaInfo`.
pub(crate) fn transcribe(job_id: &str, file_url: &str, media_type: &str) -> Value {
    let sentences = sentences(file_url);
    let mut t = 0.0_f64;
    let mut ids = 0;
    let mut next_uid = || {
        ids += 1;
        uid(job_id, ids)
    };
    let mut transcript = Vec::new();
    let mut cues = Vec::new();
    for (index, sentence) in sentences.iter().enumerate() {
        let start = t;
        let mut words = Vec::new();
        for word in sentence.split_whitespace() {
            words.push(json!({
                "uid": next_uid(),
                "word": word,
                "start_time": round2(t),
                "end_time": round2(t + WORD_LENGTH),
                "speakerId": 1,
                "sentence_index": index,
            }));
            t += WORD_STEP;
        }
        cues.push((round2(start), round2(t), sentence.as_str()));
        if index + 1 < sentences.len() {
            words.push(json!({
                "uid": next_uid(),
                "word": "",
                "start_time": round2(t),
                "end_time": round2(t + PAUSE),
                "speakerId": 1,
                "sentence_index": index,
                "is_pause": true,
                "pause_size": PAUSE,
            }));
            t += PAUSE;
        }
        transcript.push(json!({"uid": next_uid(), "speakerId": 1, "words": words}));
    }
    let mut media_info = json!({"duration": round2(t)});
    if media_type != "audio" {
        media_info["width"] = json!(1920);
        media_info["height"] = json!(1080);
        media_info["aspectRatio"] = json!("16:9");
    }
    json!({
        "transcript": transcript,
        "txt": sentences.join(" "),
        "srt": captions(&cues, "srt"),
        "vtt": captions(&cues, "vtt"),
        "mediaInfo": media_info,
    })
}

/// `transcript` (Pictory's sentence array) with `highlight: true` on the
/// first spoken words that fill about `seconds`, `highlight: false` on the
/// other spoken words; pause markers and anything that is not a sentence
/// array are left as they are.
pub(crate) fn highlight(transcript: &Value, seconds: f64) -> Value {
    let mut out = transcript.clone();
    let mut filled = 0.0;
    let words = out
        .as_array_mut()
        .into_iter()
        .flatten()
        .filter_map(|s| s.get_mut("words").and_then(Value::as_array_mut))
        .flatten();
    for word in words {
        let Some(obj) = word.as_object_mut() else {
            continue;
        };
        if obj.get("is_pause") == Some(&Value::Bool(true)) {
            continue;
        }
        let time = |k: &str| obj.get(k).and_then(Value::as_f64).filter(|x| x.is_finite());
        let length = match (time("start_time"), time("end_time")) {
            (Some(s), Some(e)) if e > s => e - s,
            _ => WORD_LENGTH,
        };
        let chosen = filled < seconds;
        if chosen {
            filled += length;
        }
        obj.insert("highlight".into(), Value::Bool(chosen));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_has_documented_words_and_pauses() {
        let data = transcribe("j", "https://x/talk.mp4", "video");
        let first = &data["transcript"][0];
        assert_eq!(first["words"][0]["word"], "Welcome");
        assert_eq!(first["words"][2]["word"], "talk.");
        let pause = &first["words"][3];
        assert_eq!(
            (pause["is_pause"].clone(), pause["word"].clone()),
            (json!(true), json!(""))
        );
        assert_eq!(pause["pause_size"], PAUSE);
        assert!(
            data["txt"]
                .as_str()
                .unwrap()
                .starts_with("Welcome to talk.")
        );
        assert!(
            data["srt"]
                .as_str()
                .unwrap()
                .starts_with("1\n00:00:00,000 --> 00:00:01,500\nWelcome to talk.")
        );
        assert_eq!(data["mediaInfo"]["aspectRatio"], "16:9");
        assert_eq!(data, transcribe("j", "https://x/talk.mp4", "video"));
        assert_ne!(first["uid"], first["words"][0]["uid"]);
    }

    #[test]
    fn highlights_fill_the_wanted_seconds() {
        let data = transcribe("j", "https://x/talk.mp4", "video");
        let marked = highlight(&data["transcript"], 1.0);
        let chosen: Vec<&str> = marked
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["words"].as_array().unwrap())
            .filter(|w| w["highlight"] == true)
            .map(|w| w["word"].as_str().unwrap())
            .collect();
        assert_eq!(chosen, ["Welcome", "to", "talk."]);
        assert_eq!(highlight(&json!("text"), 5.0), json!("text"));
    }
}
