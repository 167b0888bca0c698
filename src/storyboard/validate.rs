//! Checks on a storyboard request before it is sent: required fields,
//! ranges, and extras that would shadow a named field.

use super::{OP, Scene, Segment, StoryboardRequest};
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// The top-level keys the builders name.
pub(super) const REQUEST_FIELDS: [&str; 11] = [
    "videoName",
    "videoDescription",
    "language",
    "webhook",
    "brandLogo",
    "autoHighlightKeywords",
    "audio",
    "textStyles",
    "scenes",
    "videoWidth",
    "videoHeight",
];

/// The scene keys the builders name.
pub(super) const SCENE_FIELDS: [&str; 25] = [
    "text",
    "articleUrl",
    "backgroundUri",
    "backgroundType",
    "backgroundVideoSegments",
    "loopBackgroundVideo",
    "muteBackgroundVideo",
    "backgroundVisualFilter",
    "voiceOver",
    "voiceOverUri",
    "voiceOverSegment",
    "subtitles",
    "splitTextOnNewLine",
    "splitTextOnPeriod",
    "minimumDuration",
    "caption",
    "captionLanguage",
    "mediaSearchQuery",
    "fontFamily",
    "fontSize",
    "textColor",
    "textBackgroundColor",
    "keywordColor",
    "pptUrl",
    "awsConnectionId",
];

/// Older spellings of named scene fields: an extra under one of them would
/// send the same setting twice.
const SCENE_ALIASES: [&str; 2] = ["article_url", "minDuration"];

fn bad(field: impl std::fmt::Display, why: impl std::fmt::Display) -> Result<()> {
    Err(Error::InvalidRequest {
        operation: OP,
        message: format!("{field}: {why}"),
    })
}

fn present(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.trim().is_empty())
}

fn extras(at: &str, extra: &Map<String, Value>, named: &[&str]) -> Result<()> {
    match extra.keys().find(|k| named.contains(&k.as_str())) {
        Some(k) => bad(
            format!("{at}{k}"),
            "is a named field: set it through the builder, not as an extra",
        ),
        None => Ok(()),
    }
}

fn segment(field: String, s: &Segment) -> Result<()> {
    if !(s.start.is_finite() && s.end.is_finite() && s.start >= 0.0 && s.start < s.end) {
        return bad(
            field,
            format!("needs 0 <= start < end, not {}..{}", s.start, s.end),
        );
    }
    Ok(())
}

fn font_size(field: String, size: Option<f64>) -> Result<()> {
    match size {
        Some(s) if !(s.is_finite() && s > 0.0) => bad(field, format!("must be positive, not {s}")),
        _ => Ok(()),
    }
}

fn scene(i: usize, s: &Scene) -> Result<()> {
    let at = |f: &str| format!("scenes[{i}].{f}");
    if !present(&s.text) && !present(&s.article_url) && !present(&s.background_uri) {
        return bad(
            format!("scenes[{i}]"),
            "needs text, articleUrl or backgroundUri",
        );
    }
    if let Some(t) = s
        .background_type
        .as_deref()
        .filter(|t| !matches!(*t, "image" | "video"))
    {
        return bad(
            at("backgroundType"),
            format!("must be image or video, not {t:?}"),
        );
    }
    if !s.background_video_segments.is_empty() && s.background_type.as_deref() == Some("image") {
        return bad(
            at("backgroundVideoSegments"),
            "needs a video background, not an image",
        );
    }
    for (j, seg) in s.background_video_segments.iter().enumerate() {
        segment(at(&format!("backgroundVideoSegments[{j}]")), seg)?;
    }
    if let Some(seg) = &s.voice_over_segment {
        segment(at("voiceOverSegment"), seg)?;
    }
    if let Some(d) = s.minimum_duration.filter(|d| !(d.is_finite() && *d >= 0.0)) {
        return bad(at("minimumDuration"), format!("must be 0 or more, not {d}"));
    }
    font_size(at("fontSize"), s.font_size)?;
    if let Some(f) = &s.background_visual_filter
        && f.category.trim().is_empty()
    {
        return bad(at("backgroundVisualFilter.category"), "is required");
    }
    let named: Vec<&str> = SCENE_FIELDS.iter().chain(&SCENE_ALIASES).copied().collect();
    extras(&format!("scenes[{i}]."), &s.extra, &named)
}

/// Checks the whole request; the first problem, naming its field.
pub(super) fn request(r: &StoryboardRequest) -> Result<()> {
    if r.video_name.trim().is_empty() {
        return bad("videoName", "is required");
    }
    if r.scenes.is_empty() {
        return bad("scenes", "at least one scene is required");
    }
    for (i, s) in r.scenes.iter().enumerate() {
        scene(i, s)?;
    }
    if let Some(audio) = &r.audio {
        if let Some(v) = audio
            .background_music_volume
            .filter(|v| !(0.0..=1.0).contains(v))
        {
            return bad(
                "audio.backGroundMusicVolume",
                format!("must be within 0-1, not {v}"),
            );
        }
        if let Some(voice) = &audio.ai_voice_over {
            if voice.speaker.trim().is_empty() {
                return bad("audio.aiVoiceOver.speaker", "is required");
            }
            if let Some(speed) = voice.speed.filter(|s| !(50..=200).contains(s)) {
                return bad(
                    "audio.aiVoiceOver.speed",
                    format!("must be within 50-200, not {speed}"),
                );
            }
            if let Some(a) = voice.amplify_level.filter(|a| !(-1.0..=1.0).contains(a)) {
                return bad(
                    "audio.aiVoiceOver.amplifyLevel",
                    format!("must be within -1..1, not {a}"),
                );
            }
        }
    }
    if let Some(styles) = &r.text_styles {
        font_size("textStyles.fontSize".into(), styles.font_size)?;
    }
    if let Some(logo) = &r.brand_logo
        && logo.url.trim().is_empty()
    {
        return bad("brandLogo.url", "is required");
    }
    if r.video_width == Some(0) || r.video_height == Some(0) {
        return bad("videoWidth/videoHeight", "must be positive");
    }
    extras("", &r.extra, &REQUEST_FIELDS)
}
