//! Typed storyboard requests: builders for the `create_storyboard` body with
//! exactly Pictory's field names, validated before anything is sent.

use crate::error::{Error, Result};
use serde::Serialize;

const OP: &str = "create_storyboard";

/// A text-to-video storyboard request. Build with [`StoryboardRequest::new`],
/// add [`Scene`]s, then pass to [`Client::text_to_video`](crate::Client::text_to_video)
/// or [`Client::start_storyboard`](crate::Client::start_storyboard).
///
/// ```
/// use pictory::storyboard::{AiVoice, Audio, Scene, StoryboardRequest};
/// let request = StoryboardRequest::new("Launch video")
///     .scene(Scene::text("Meet the new product.").subtitles(true))
///     .audio(Audio::default().ai_voice(AiVoice::new("Jackson")).background_music(0.1))
///     .size(1920, 1080);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StoryboardRequest {
    /// The output video's name (required).
    pub video_name: String,
    /// A description (Pictory says this will be deprecated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_description: Option<String>,
    /// Language, e.g. `en`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Pictory POSTs the job result here when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    /// The brand logo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_logo: Option<BrandLogo>,
    /// Highlight keywords in subtitles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_highlight_keywords: Option<bool>,
    /// Voice-over and background music.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<Audio>,
    /// The scenes, in order (at least one).
    pub scenes: Vec<Scene>,
    /// Width in pixels (sent as a string, as LowCodeAPI's spec declares).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_string")]
    pub video_width: Option<u32>,
    /// Height in pixels (sent as a string).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_string")]
    pub video_height: Option<u32>,
}

fn as_string<S: serde::Serializer>(v: &Option<u32>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(n) => s.serialize_str(&n.to_string()),
        None => s.serialize_none(),
    }
}

/// One scene: at least one of `text`, `article_url` or `background_uri`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Scene {
    /// The scene's text (narrated and shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// An article to summarise into scenes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_url: Option<String>,
    /// A background image or video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_uri: Option<String>,
    /// `image` or `video`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_type: Option<String>,
    /// Narrate this scene with the AI voice-over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_over: Option<bool>,
    /// Show subtitles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitles: Option<bool>,
    /// Split the text into scenes at new lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_text_on_new_line: Option<bool>,
    /// Split the text into scenes at periods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_text_on_period: Option<bool>,
    /// Minimum duration in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_duration: Option<f64>,
    /// A caption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// What to search stock media for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_search_query: Option<String>,
    /// Font family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_family: Option<String>,
    /// Font size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_size: Option<f64>,
    /// Text colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
    /// Text background colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_background_color: Option<String>,
    /// Keyword highlight colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword_color: Option<String>,
    /// A PowerPoint to build scenes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ppt_url: Option<String>,
}

impl Scene {
    /// A scene with text.
    pub fn text(text: impl Into<String>) -> Self {
        Scene {
            text: Some(text.into()),
            ..Default::default()
        }
    }

    /// A scene summarising an article.
    pub fn article(url: impl Into<String>) -> Self {
        Scene {
            article_url: Some(url.into()),
            ..Default::default()
        }
    }

    /// A scene with a background image or video only.
    pub fn background(uri: impl Into<String>, kind: impl Into<String>) -> Self {
        Scene {
            background_uri: Some(uri.into()),
            background_type: Some(kind.into()),
            ..Default::default()
        }
    }

    /// Narrate with the AI voice-over.
    pub fn voice_over(mut self, on: bool) -> Self {
        self.voice_over = Some(on);
        self
    }

    /// Show subtitles.
    pub fn subtitles(mut self, on: bool) -> Self {
        self.subtitles = Some(on);
        self
    }

    /// Split the text into scenes at periods.
    pub fn split_on_period(mut self, on: bool) -> Self {
        self.split_text_on_period = Some(on);
        self
    }

    /// Minimum duration in seconds.
    pub fn minimum_duration(mut self, secs: f64) -> Self {
        self.minimum_duration = Some(secs);
        self
    }
}

/// Voice-over and background music.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Audio {
    /// Let Pictory choose background music.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_background_music: Option<bool>,
    /// A background music file.
    #[serde(rename = "backGroundMusicUri", skip_serializing_if = "Option::is_none")]
    pub background_music_uri: Option<String>,
    /// Background music volume, 0-1 (Pictory's default 0.1).
    #[serde(
        rename = "backGroundMusicVolume",
        skip_serializing_if = "Option::is_none"
    )]
    pub background_music_volume: Option<f64>,
    /// The AI voice-over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_voice_over: Option<AiVoice>,
    /// A recorded voice-over file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_over_uri: Option<String>,
    /// Sync the recorded voice-over to the scenes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_sync_voice_over: Option<bool>,
}

impl Audio {
    /// Narrate with an AI voice.
    pub fn ai_voice(mut self, voice: AiVoice) -> Self {
        self.ai_voice_over = Some(voice);
        self
    }

    /// Automatic background music at `volume` (0-1).
    pub fn background_music(mut self, volume: f64) -> Self {
        self.auto_background_music = Some(true);
        self.background_music_volume = Some(volume);
        self
    }
}

/// An AI voice-over.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AiVoice {
    /// The speaker's name, e.g. `Jackson`.
    pub speaker: String,
    /// Speed, 50-200 (100 is normal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<u32>,
    /// Loudness, -1 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amplify_level: Option<f64>,
}

impl AiVoice {
    /// A speaker at normal speed.
    pub fn new(speaker: impl Into<String>) -> Self {
        AiVoice {
            speaker: speaker.into(),
            speed: None,
            amplify_level: None,
        }
    }

    /// Speed, 50-200.
    pub fn speed(mut self, speed: u32) -> Self {
        self.speed = Some(speed);
        self
    }
}

/// The brand logo and where it sits.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BrandLogo {
    /// The logo image.
    pub url: String,
    /// `top`, `middle` or `bottom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vertical_alignment: Option<String>,
    /// `left`, `center` or `right`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizontal_alignment: Option<String>,
}

impl StoryboardRequest {
    /// A request for a video named `video_name`.
    pub fn new(video_name: impl Into<String>) -> Self {
        StoryboardRequest {
            video_name: video_name.into(),
            ..Default::default()
        }
    }

    /// Adds a scene.
    pub fn scene(mut self, scene: Scene) -> Self {
        self.scenes.push(scene);
        self
    }

    /// Sets the audio.
    pub fn audio(mut self, audio: Audio) -> Self {
        self.audio = Some(audio);
        self
    }

    /// Sets the brand logo.
    pub fn brand_logo(mut self, logo: BrandLogo) -> Self {
        self.brand_logo = Some(logo);
        self
    }

    /// Sets the language, e.g. `en`.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Sets the webhook Pictory calls when the preview is ready.
    pub fn webhook(mut self, url: impl Into<String>) -> Self {
        self.webhook = Some(url.into());
        self
    }

    /// Sets the video size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.video_width = Some(width);
        self.video_height = Some(height);
        self
    }

    /// Checks the request; the error names the field. Nothing is sent.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: String, why: &str| {
            Err(Error::InvalidRequest {
                operation: OP,
                message: format!("{field}: {why}"),
            })
        };
        if self.video_name.trim().is_empty() {
            return bad("videoName".into(), "is required");
        }
        if self.scenes.is_empty() {
            return bad("scenes".into(), "at least one scene is required");
        }
        let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        for (i, s) in self.scenes.iter().enumerate() {
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
                    format!("scenes[{i}].backgroundType"),
                    &format!("must be image or video, not {t:?}"),
                );
            }
        }
        if let Some(audio) = &self.audio {
            if let Some(v) = audio
                .background_music_volume
                .filter(|v| !(0.0..=1.0).contains(v))
            {
                return bad(
                    "audio.backGroundMusicVolume".into(),
                    &format!("must be within 0-1, not {v}"),
                );
            }
            if let Some(voice) = &audio.ai_voice_over {
                if voice.speaker.trim().is_empty() {
                    return bad("audio.aiVoiceOver.speaker".into(), "is required");
                }
                if let Some(speed) = voice.speed.filter(|s| !(50..=200).contains(s)) {
                    return bad(
                        "audio.aiVoiceOver.speed".into(),
                        &format!("must be within 50-200, not {speed}"),
                    );
                }
                if let Some(a) = voice.amplify_level.filter(|a| !(-1.0..=1.0).contains(a)) {
                    return bad(
                        "audio.aiVoiceOver.amplifyLevel".into(),
                        &format!("must be within -1..1, not {a}"),
                    );
                }
            }
        }
        if let Some(logo) = &self.brand_logo
            && logo.url.trim().is_empty()
        {
            return bad("brandLogo.url".into(), "is required");
        }
        if self.video_width == Some(0) || self.video_height == Some(0) {
            return bad("videoWidth/videoHeight".into(), "must be positive");
        }
        Ok(())
    }

    /// Validates and converts into the generated body type, which stays
    /// usable for anything these builders do not cover.
    pub fn into_raw(&self) -> Result<crate::raw::types::CreateStoryboardBody> {
        self.validate()?;
        let value = serde_json::to_value(self).map_err(|e| Error::InvalidRequest {
            operation: OP,
            message: e.to_string(),
        })?;
        serde_json::from_value(value).map_err(|e| Error::InvalidRequest {
            operation: OP,
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialises_to_pictory_field_names() {
        let r = StoryboardRequest::new("v")
            .scene(Scene::text("Hi").voice_over(true))
            .audio(
                Audio::default()
                    .ai_voice(AiVoice::new("Jackson").speed(120))
                    .background_music(0.2),
            )
            .brand_logo(BrandLogo {
                url: "https://l".into(),
                ..Default::default()
            })
            .size(1080, 1920);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"videoName": "v", "scenes": [{"text": "Hi", "voiceOver": true}],
                "audio": {"autoBackgroundMusic": true, "backGroundMusicVolume": 0.2, "aiVoiceOver": {"speaker": "Jackson", "speed": 120}},
                "brandLogo": {"url": "https://l"}, "videoWidth": "1080", "videoHeight": "1920"})
        );
        let raw = r.into_raw().unwrap();
        assert_eq!(raw.video_name.as_deref(), Some("v"));
    }

    #[test]
    fn validation_names_the_field() {
        let msg = |r: StoryboardRequest| r.validate().unwrap_err().to_string();
        assert!(msg(StoryboardRequest::new(" ").scene(Scene::text("x"))).contains("videoName"));
        assert!(msg(StoryboardRequest::new("v")).contains("scenes"));
        assert!(
            msg(StoryboardRequest::new("v")
                .scene(Scene::text("x"))
                .scene(Scene::default()))
            .contains("scenes[1]")
        );
        let loud = Audio::default().background_music(1.5);
        assert!(
            msg(StoryboardRequest::new("v")
                .scene(Scene::text("x"))
                .audio(loud))
            .contains("backGroundMusicVolume")
        );
        let fast = Audio::default().ai_voice(AiVoice::new("J").speed(300));
        assert!(
            msg(StoryboardRequest::new("v")
                .scene(Scene::text("x"))
                .audio(fast))
            .contains("speed")
        );
    }
}
