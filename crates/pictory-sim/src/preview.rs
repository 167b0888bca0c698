//! Render parameters: the classic `renderParams` a storyboard (preview) job
//! yields from its request (`{audio, output, scenes, next_generation_video,
//! containsTextToImage}` with nested `sub_scenes` / `text_lines` /
//! `background.src`, as in `tests/fixtures/pictory-docs/starts/render-request-classic.json`),
//! and what the simulator reads back from any render parameters, classic or
//! element-based (`{output, elements, sceneMarkers, subtitles}`): the texts,
//! the number of scenes, the video's length and its caption files.

use serde_json::{Map, Value, json};

/// Seconds of video per scene when a scene does not say.
const SECONDS_PER_SCENE: f64 = 10.0;

/// How deep [`texts`] looks into nested scenes.
const MAX_DEPTH: u8 = 24;

/// A number given as a JSON number or a numeric string.
fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite() && *x >= 0.0)
}

/// A non-empty string field.
fn text_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// One classic render scene from one storyboard request scene.
fn classic_scene(scene: &Value, index: usize, origin: &str) -> Value {
    let seconds = number(scene.get("minimumDuration"))
        .or_else(|| number(scene.get("minDuration")))
        .unwrap_or(SECONDS_PER_SCENE);
    let (url, library) = match text_field(scene, "backgroundUri") {
        Some(uri) => (uri.to_string(), "user"),
        None => (format!("{origin}/stock/{}.mp4", index + 1), "story_blocks"),
    };
    let flag = |key: &str| scene.get(key).and_then(Value::as_bool).unwrap_or(true);
    let text_lines: Vec<Value> = text_field(scene, "text")
        .map(|text| {
            json!({
                "text": text,
                "text_animation": [
                    {"animation": "slide-in-left", "source": "templates", "speed": 1.4, "type": "start"}
                ],
            })
        })
        .into_iter()
        .collect();
    json!({
        "background": {
            "src": [{
                "url": url,
                "asset_id": 347_545_000 + index,
                "type": text_field(scene, "backgroundType").unwrap_or("video"),
                "library": library,
                "mode": "fit",
                "frame": null,
                "loop_video": flag("loopBackgroundVideo"),
                "mute": flag("muteBackgroundVideo"),
            }],
            "color": "rgba(255,255,255,255)",
            "bg_animation": {"animation": "pan-right"},
        },
        "time": seconds,
        "keywords": [],
        "sub_scenes": [{
            "time": seconds,
            "location": {"start_x": 50, "start_y": 929.28},
            "displayItems": [],
            "text_lines": text_lines,
        }],
    })
}

/// The classic `renderParams` of a storyboard request (`videoName`,
/// `videoDescription`, `videoWidth`/`videoHeight`, `audio`, `scenes`).
/// `origin` is the simulator's, for placeholder stock visuals.
pub(crate) fn classic_render_params(request: &Value, origin: &str) -> Value {
    let name = text_field(request, "videoName").unwrap_or_default();
    let dimension = |key: &str, default: f64| number(request.get(key)).unwrap_or(default) as u64;
    let output = json!({
        "name": format!("{name}.mp4"),
        "description": text_field(request, "videoDescription").unwrap_or(name),
        "format": "mp4",
        "title": name,
        "width": dimension("videoWidth", 1920.0),
        "height": dimension("videoHeight", 1080.0),
    });
    let mut audio = Map::new();
    audio.insert("video_volume".into(), json!(1));
    if let Some(Value::Object(given)) = request.get("audio") {
        audio.extend(given.clone());
    }
    let scenes: Vec<Value> = request
        .get("scenes")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(i, s)| classic_scene(s, i, origin))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "audio": audio,
        "output": output,
        "scenes": scenes,
        "next_generation_video": true,
        "containsTextToImage": false,
    })
}

/// The part of render parameters that holds the scenes: `scenes` (classic
/// or a storyboard request), else `elements` (element-based).
fn scene_items(params: &Value) -> Option<&Vec<Value>> {
    ["scenes", "elements"]
        .iter()
        .find_map(|k| params.get(*k).and_then(Value::as_array))
}

/// Every `text` string in the scenes of `params` (a storyboard request's
/// scene texts, classic `text_lines`, element texts), in order.
pub(crate) fn texts(params: &Value) -> Vec<String> {
    fn walk(v: &Value, depth: u8, out: &mut Vec<String>) {
        if depth == 0 {
            return;
        }
        match v {
            Value::Array(items) => items.iter().for_each(|i| walk(i, depth - 1, out)),
            Value::Object(obj) => {
                for (k, inner) in obj {
                    match inner {
                        Value::String(s) if k == "text" && !s.is_empty() => out.push(s.clone()),
                        _ => walk(inner, depth - 1, out),
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(items) = scene_items(params) {
        for item in items {
            walk(item, MAX_DEPTH, &mut out);
        }
    }
    out
}

/// The number of scenes (at least 1): classic scenes, else element-based
/// `sceneMarkers`, else elements.
pub(crate) fn scene_count(params: &Value) -> usize {
    params
        .get("scenes")
        .or_else(|| params.get("sceneMarkers"))
        .or_else(|| params.get("elements"))
        .and_then(Value::as_array)
        .map_or(1, |s| s.len().max(1))
}

/// The video's length in seconds: the scenes' `time`s, or
/// [`SECONDS_PER_SCENE`] for each scene that gives none.
pub(crate) fn video_duration(params: &Value) -> f64 {
    match params.get("scenes").and_then(Value::as_array) {
        Some(scenes) if !scenes.is_empty() => scenes
            .iter()
            .map(|s| number(s.get("time")).unwrap_or(SECONDS_PER_SCENE))
            .sum(),
        _ => scene_count(params) as f64 * SECONDS_PER_SCENE,
    }
}

/// A caption file (`srt`, `vtt` or `txt`) with one cue of
/// [`SECONDS_PER_SCENE`] per text; `None` for another extension.
pub(crate) fn caption_file(texts: &[String], ext: &str) -> Option<String> {
    let none = [String::from("(no text)")];
    let texts = if texts.is_empty() { &none[..] } else { texts };
    let cues: Vec<(f64, f64, &str)> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let start = i as f64 * SECONDS_PER_SCENE;
            (start, start + SECONDS_PER_SCENE, t.as_str())
        })
        .collect();
    captions(&cues, ext)
}

/// A caption file (`srt`, `vtt` or `txt`) of `(start, end, text)` cues in
/// seconds; `None` for another extension.
pub(crate) fn captions(cues: &[(f64, f64, &str)], ext: &str) -> Option<String> {
    let stamp = |secs: f64, sep: char| {
        let ms = (secs.max(0.0) * 1000.0).round() as u64;
        format!(
            "{:02}:{:02}:{:02}{sep}{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    };
    let cue = |(start, end): (f64, f64), sep: char| {
        format!("{} --> {}", stamp(start, sep), stamp(end, sep))
    };
    match ext {
        "txt" => Some(cues.iter().map(|(_, _, t)| format!("{t}\n")).collect()),
        "srt" => Some(
            cues.iter()
                .enumerate()
                .map(|(i, (s, e, t))| format!("{}\n{}\n{t}\n\n", i + 1, cue((*s, *e), ',')))
                .collect(),
        ),
        "vtt" => Some(
            std::iter::once("WEBVTT\n\n".to_string())
                .chain(
                    cues.iter()
                        .map(|(s, e, t)| format!("{}\n{t}\n\n", cue((*s, *e), '.'))),
                )
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixture;

    /// Every key of `documented` is in `ours`, recursively through objects
    /// and the first item of arrays.
    fn has_documented_keys(ours: &Value, documented: &Value, at: &str) {
        match (ours, documented) {
            (Value::Object(o), Value::Object(d)) => {
                for (k, dv) in d {
                    let ov = o.get(k).unwrap_or_else(|| panic!("{at}.{k} missing"));
                    has_documented_keys(ov, dv, &format!("{at}.{k}"));
                }
            }
            (Value::Array(o), Value::Array(d)) if !d.is_empty() => {
                has_documented_keys(&o[0], &d[0], &format!("{at}[0]"))
            }
            _ => {}
        }
    }

    #[test]
    fn storyboard_yields_classic_render_params() {
        let request = fixture("starts/storyboard-classic-request.json");
        let params = classic_render_params(&request, "http://h");
        let mut documented = fixture("starts/render-request-classic.json");
        documented.as_object_mut().unwrap().remove("webhook");
        // `audio.tts` only comes with a voice-over render.
        documented["audio"].as_object_mut().unwrap().remove("tts");
        has_documented_keys(&params, &documented, "renderParams");
        assert_eq!(
            texts(&params),
            ["AI is poised to significantly impact educators and course creators."]
        );
        assert_eq!(
            params["scenes"][1]["background"]["src"][0]["url"],
            "https://example.invalid/clip.mp4"
        );
        assert_eq!(video_duration(&params), 20.0);
    }

    #[test]
    fn texts_of_any_shape() {
        let classic = fixture("starts/render-request-classic.json");
        assert_eq!(
            texts(&classic),
            ["In the North Pole, beneath the shimmering stars,"]
        );
        assert_eq!(video_duration(&classic), 7.368);
        let elements = json!({"elements": [{"type": "text", "text": "Hi"}, {"type": "video"}], "sceneMarkers": [0, 5]});
        assert_eq!(texts(&elements), ["Hi"]);
        assert_eq!(scene_count(&elements), 2);
        assert!(
            caption_file(&["a".into(), "b".into()], "srt")
                .unwrap()
                .contains("00:00:10,000 --> 00:00:20,000\nb")
        );
    }
}
