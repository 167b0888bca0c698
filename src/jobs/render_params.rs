//! `renderParams`: the body a completed preview hands back for rendering,
//! kept as the JSON it arrived as, with typed accessors for common edits.
//!
//! Pictory documents `renderParams` as opaque: edit it and send it back
//! whole. Two shapes occur:
//! - **classic**: `{audio, output, scenes, next_generation_video, containsTextToImage}`,
//!   scenes nested as `scenes[].sub_scenes[].text_lines[].text`;
//! - **element-based** (newer API): `{output, elements, sceneMarkers, subtitles}`.
//!
//! [`RenderParams`] wraps the object itself: every key, known or not, stays
//! exactly as received unless an accessor (or [`RenderParams::as_value_mut`])
//! changes it, and [`Client::start_render`](crate::Client::start_render)
//! sends the whole object.

use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Which `renderParams` layout a value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum RenderParamsLayout {
    /// Classic: a `scenes` array.
    Classic,
    /// Element-based: an `elements` array.
    ElementBased,
    /// Neither key: only the generic accessors apply.
    Other,
}

/// One text of a `renderParams`, in document order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct TextLine {
    /// Classic: the index of the scene in `scenes`. Element-based: the
    /// index of the element in `elements`.
    pub scene: usize,
    /// The text as it will be rendered.
    pub text: String,
}

/// A preview's `renderParams`, JSON-preserving (see the module docs).
///
/// ```
/// use pictory::jobs::RenderParams;
/// let mut p = RenderParams::new(serde_json::json!({
///     "output": {"name": "a.mp4", "width": 1920, "height": 1080},
///     "scenes": [{"sub_scenes": [{"text_lines": [{"text": "Hello"}]}]}],
///     "next_generation_video": true,
/// })).unwrap();
/// p.set_output_name("b.mp4");
/// assert!(p.set_text_line(0, "Hi there"));
/// assert_eq!(p.as_value()["scenes"][0]["sub_scenes"][0]["text_lines"][0]["text"], "Hi there");
/// assert_eq!(p.as_value()["next_generation_video"], true); // untouched keys stay
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct RenderParams(Value);

impl RenderParams {
    /// Wraps `value`, which must be a JSON object ([`Error::InvalidRequest`]
    /// otherwise).
    pub fn new(value: Value) -> Result<RenderParams> {
        let params = RenderParams(value);
        params.object()?;
        Ok(params)
    }

    /// The object, or [`Error::InvalidRequest`] when an edit through
    /// [`RenderParams::as_value_mut`] replaced it with something else.
    pub(crate) fn object(&self) -> Result<&Map<String, Value>> {
        self.0.as_object().ok_or_else(|| Error::InvalidRequest {
            operation: "render_video",
            message: format!(
                "renderParams must be a JSON object, not {}",
                crate::envelope::truncate(&self.0.to_string(), 60)
            ),
        })
    }

    /// The whole object, as it will be sent.
    pub fn as_value(&self) -> &Value {
        &self.0
    }

    /// The whole object, for edits no accessor covers. Keep it an object:
    /// [`Client::start_render`](crate::Client::start_render) refuses anything else.
    pub fn as_value_mut(&mut self) -> &mut Value {
        &mut self.0
    }

    /// The whole object.
    pub fn into_value(self) -> Value {
        self.0
    }

    /// Classic, element-based or other.
    pub fn layout(&self) -> RenderParamsLayout {
        if self.0.get("scenes").is_some_and(Value::is_array) {
            RenderParamsLayout::Classic
        } else if self.0.get("elements").is_some_and(Value::is_array) {
            RenderParamsLayout::ElementBased
        } else {
            RenderParamsLayout::Other
        }
    }

    /// `output.name`, the output file's name (both layouts).
    pub fn output_name(&self) -> Option<&str> {
        self.0.pointer("/output/name").and_then(Value::as_str)
    }

    /// Sets `output.name`, creating `output` if needed; other keys stay.
    pub fn set_output_name(&mut self, name: impl Into<String>) {
        self.object_at(&["output"])
            .insert("name".into(), Value::String(name.into()));
    }

    /// `output.width` and `output.height` in pixels, when both are numbers
    /// (or numeric strings).
    pub fn size(&self) -> Option<(u32, u32)> {
        let dim = |key: &str| -> Option<u32> {
            match self.0.get("output")?.get(key)? {
                Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        };
        Some((dim("width")?, dim("height")?))
    }

    /// Sets `output.width` and `output.height`; other keys stay.
    pub fn set_size(&mut self, width: u32, height: u32) {
        let output = self.object_at(&["output"]);
        output.insert("width".into(), width.into());
        output.insert("height".into(), height.into());
    }

    /// The AI voice-over speaker, read at `audio.aiVoiceOver.speaker` (the
    /// name the storyboard request uses). `None` when absent: a classic
    /// renderParams may instead carry the rendered narration as `audio.tts`,
    /// which changing the speaker here does not regenerate.
    pub fn voice_over_speaker(&self) -> Option<&str> {
        self.0
            .pointer("/audio/aiVoiceOver/speaker")
            .and_then(Value::as_str)
    }

    /// Sets `audio.aiVoiceOver.speaker`, creating the objects if needed;
    /// other keys stay.
    pub fn set_voice_over_speaker(&mut self, speaker: impl Into<String>) {
        self.object_at(&["audio", "aiVoiceOver"])
            .insert("speaker".into(), Value::String(speaker.into()));
    }

    /// Every text, in order. Classic: `scenes[].sub_scenes[].text_lines[].text`.
    /// Element-based: each `elements[].text` that is a string (the only
    /// text this crate knows element-based renderParams to carry; anything
    /// else is reachable through [`RenderParams::as_value_mut`]).
    pub fn text_lines(&self) -> Vec<TextLine> {
        self.text_pointers()
            .into_iter()
            .filter_map(|(scene, ptr)| {
                let text = self.0.pointer(&ptr)?.as_str()?.to_string();
                Some(TextLine { scene, text })
            })
            .collect()
    }

    /// Replaces text number `index` (as [`RenderParams::text_lines`] counts);
    /// `false` when there is no such text.
    pub fn set_text_line(&mut self, index: usize, text: impl Into<String>) -> bool {
        let Some((_, ptr)) = self.text_pointers().into_iter().nth(index) else {
            return false;
        };
        match self.0.pointer_mut(&ptr) {
            Some(slot) => {
                *slot = Value::String(text.into());
                true
            }
            None => false,
        }
    }

    /// JSON pointers to each string text, with its scene (or element) index.
    fn text_pointers(&self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let list = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
        match self.layout() {
            RenderParamsLayout::Classic => {
                for (s, scene) in list(self.0.get("scenes")).iter().enumerate() {
                    for (u, sub) in list(scene.get("sub_scenes")).iter().enumerate() {
                        for (l, line) in list(sub.get("text_lines")).iter().enumerate() {
                            if line.get("text").is_some_and(Value::is_string) {
                                out.push((
                                    s,
                                    format!("/scenes/{s}/sub_scenes/{u}/text_lines/{l}/text"),
                                ));
                            }
                        }
                    }
                }
            }
            RenderParamsLayout::ElementBased => {
                for (e, element) in list(self.0.get("elements")).iter().enumerate() {
                    if element.get("text").is_some_and(Value::is_string) {
                        out.push((e, format!("/elements/{e}/text")));
                    }
                }
            }
            RenderParamsLayout::Other => {}
        }
        out
    }

    /// The object at `path`, created (or replaced, if not an object) as needed.
    fn object_at(&mut self, path: &[&str]) -> &mut Map<String, Value> {
        let mut at = ensure_object(&mut self.0);
        for key in path {
            at = ensure_object(at.entry(key.to_string()).or_insert(Value::Null));
        }
        at
    }
}

/// `v` as an object, replacing it with an empty one first if it is not.
fn ensure_object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("replaced by an object just above"),
    }
}

impl TryFrom<Value> for RenderParams {
    type Error = Error;

    fn try_from(value: Value) -> Result<RenderParams> {
        RenderParams::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classic() -> RenderParams {
        RenderParams::new(json!({
            "audio": {"video_volume": 1, "tts": "t.mp3"},
            "output": {"name": "a.mp4", "width": 1920, "height": "1080", "format": "mp4"},
            "scenes": [
                {"sub_scenes": [{"text_lines": [{"text": "one", "text_animation": []}, {"text": "two"}]}]},
                {"time": 3, "sub_scenes": [{"text_lines": [{"text": "three"}]}]}
            ],
            "next_generation_video": true,
            "containsTextToImage": true
        }))
        .unwrap()
    }

    #[test]
    fn classic_accessors_edit_in_place_and_keep_every_other_key() {
        let mut p = classic();
        assert_eq!(p.layout(), RenderParamsLayout::Classic);
        assert_eq!(p.output_name(), Some("a.mp4"));
        assert_eq!(p.size(), Some((1920, 1080)));
        assert_eq!(
            p.text_lines(),
            vec![
                TextLine {
                    scene: 0,
                    text: "one".into()
                },
                TextLine {
                    scene: 0,
                    text: "two".into()
                },
                TextLine {
                    scene: 1,
                    text: "three".into()
                },
            ]
        );
        assert_eq!(p.voice_over_speaker(), None);
        p.set_output_name("b.mp4");
        p.set_size(1080, 1920);
        p.set_voice_over_speaker("Jackson");
        assert!(p.set_text_line(2, "THREE"));
        assert!(!p.set_text_line(3, "none"));
        let mut want = classic().into_value();
        want["output"]["name"] = json!("b.mp4");
        want["output"]["width"] = json!(1080);
        want["output"]["height"] = json!(1920);
        want["audio"]["aiVoiceOver"] = json!({"speaker": "Jackson"});
        want["scenes"][1]["sub_scenes"][0]["text_lines"][0]["text"] = json!("THREE");
        assert_eq!(p.as_value(), &want);
        assert_eq!(p.voice_over_speaker(), Some("Jackson"));
    }

    #[test]
    fn element_based_texts_and_non_objects() {
        let mut p = RenderParams::new(json!({
            "output": {}, "elements": [{"type": "text", "text": "hi"}, {"type": "image"}],
            "sceneMarkers": [], "subtitles": []
        }))
        .unwrap();
        assert_eq!(p.layout(), RenderParamsLayout::ElementBased);
        assert_eq!(
            p.text_lines(),
            vec![TextLine {
                scene: 0,
                text: "hi".into()
            }]
        );
        assert!(p.set_text_line(0, "hello"));
        assert_eq!(p.as_value()["elements"][0]["text"], "hello");
        assert_eq!(p.size(), None);
        assert!(RenderParams::new(json!([1])).is_err());
        assert!(RenderParams::try_from(json!("x")).is_err());
        // A non-object `output` is replaced only when an edit needs it.
        let mut odd = RenderParams::new(json!({"output": 5})).unwrap();
        assert_eq!(odd.output_name(), None);
        odd.set_output_name("n");
        assert_eq!(odd.as_value(), &json!({"output": {"name": "n"}}));
    }
}
