//! Typed storyboard requests: builders for the `create_storyboard` body with
//! exactly Pictory's field names (the classic API's), validated before
//! anything is sent.
//!
//! Pictory strips unknown fields silently, so a typo is never reported: the
//! builders name every documented field, and [`StoryboardRequest::extra`] /
//! [`Scene::extra`] carry any field they do not name (a key that collides
//! with a named field is refused by [`StoryboardRequest::validate`]).

use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::{Map, Value};

mod v2;
mod validate;

pub use v2::{V2Warning, check_v2};

const OP: &str = "create_storyboard";

/// A text-to-video storyboard request. Build with [`StoryboardRequest::new`],
/// add [`Scene`]s, then pass to [`Client::text_to_video`](crate::Client::text_to_video)
/// or [`Client::start_storyboard`](crate::Client::start_storyboard).
///
/// ```
/// use pictory::storyboard::{AiVoice, Audio, Scene, StoryboardRequest, TextStyles};
/// let request = StoryboardRequest::new("Launch video")
///     .scene(Scene::text("Meet the new product.").subtitles(true))
///     .audio(Audio::default().ai_voice(AiVoice::new("Jackson")).background_music(0.1))
///     .text_styles(TextStyles { font_family: Some("Roboto".into()), ..Default::default() })
///     .extra("saveProject", true) // a field these builders do not name
///     .size(1920, 1080);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
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
    /// The default text style of every scene.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_styles: Option<TextStyles>,
    /// The scenes, in order (at least one).
    pub scenes: Vec<Scene>,
    /// Width in pixels (sent as a string, as LowCodeAPI's spec declares).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_string")]
    pub video_width: Option<u32>,
    /// Height in pixels (sent as a string).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_string")]
    pub video_height: Option<u32>,
    /// Top-level fields these builders do not name, sent as given (see
    /// [`StoryboardRequest::extra`]).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn as_string<S: serde::Serializer>(v: &Option<u32>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(n) => s.serialize_str(&n.to_string()),
        None => s.serialize_none(),
    }
}

/// A whole number goes on the wire as an integer (`20`, not `20.0`), as
/// Pictory's examples write them; anything else as a float.
fn compact<S: serde::Serializer>(v: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if v.fract() == 0.0 && v.abs() <= EXACT {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

fn compact_opt<S: serde::Serializer>(
    v: &Option<f64>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(n) => compact(n, s),
        None => s.serialize_none(),
    }
}

/// The default text style (`textStyles`) of every scene.
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TextStyles {
    /// Text colour, e.g. `#FFFF00`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
    /// Text background colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_background_color: Option<String>,
    /// Font family, e.g. `Roboto`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_family: Option<String>,
    /// Font name, e.g. `Serif`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_name: Option<String>,
    /// Font size (positive).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "compact_opt"
    )]
    pub font_size: Option<f64>,
    /// `top`, `middle` or `bottom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vertical_alignment: Option<String>,
    /// `left`, `center` or `right`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizontal_alignment: Option<String>,
}

/// A stretch of a media file, in seconds (`{start, end}`, start < end).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Segment {
    /// Start, seconds (0 or more).
    #[serde(serialize_with = "compact")]
    pub start: f64,
    /// End, seconds (after `start`).
    #[serde(serialize_with = "compact")]
    pub end: f64,
}

impl Segment {
    /// The stretch from `start` to `end` seconds.
    pub fn new(start: f64, end: f64) -> Self {
        Segment { start, end }
    }
}

/// A filter on the stock visuals Pictory picks (`backgroundVisualFilter`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
pub struct VisualFilter {
    /// A visual category, e.g. `Technology`.
    pub category: String,
}

/// One scene: at least one of `text`, `article_url` or `background_uri`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scene {
    /// The scene's text (narrated and shown); may hold SSML and `<strong>`
    /// keyword marks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// An article to summarise into scenes (`articleUrl`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_url: Option<String>,
    /// A background image or video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_uri: Option<String>,
    /// `image` or `video`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_type: Option<String>,
    /// The parts of the background video to use.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub background_video_segments: Vec<Segment>,
    /// Loop the background video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_background_video: Option<bool>,
    /// Mute the background video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mute_background_video: Option<bool>,
    /// Restrict the stock visuals Pictory picks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_visual_filter: Option<VisualFilter>,
    /// Narrate this scene with the AI voice-over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_over: Option<bool>,
    /// A recorded voice-over file for this scene.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_over_uri: Option<String>,
    /// The part of the recorded voice-over to use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_over_segment: Option<Segment>,
    /// Show subtitles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitles: Option<bool>,
    /// Split the text into scenes at new lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_text_on_new_line: Option<bool>,
    /// Split the text into scenes at periods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_text_on_period: Option<bool>,
    /// Minimum duration in seconds (`minimumDuration`; older docs say
    /// `minDuration`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "compact_opt"
    )]
    pub minimum_duration: Option<f64>,
    /// A caption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// The caption's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption_language: Option<String>,
    /// What to search stock media for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_search_query: Option<String>,
    /// Font family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_family: Option<String>,
    /// Font size (positive).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "compact_opt"
    )]
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
    /// The AWS connection (see the AWS connection operations) to read
    /// this scene's media from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_connection_id: Option<String>,
    /// Scene fields these builders do not name, sent as given (see
    /// [`Scene::extra`]).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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

    /// A scene with a background image or video only (`kind`: `image` or `video`).
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

    /// Narrate with a recorded file, optionally only the `segment` of it.
    pub fn voice_over_file(mut self, uri: impl Into<String>, segment: Option<Segment>) -> Self {
        self.voice_over_uri = Some(uri.into());
        self.voice_over_segment = segment;
        self
    }

    /// Show subtitles.
    pub fn subtitles(mut self, on: bool) -> Self {
        self.subtitles = Some(on);
        self
    }

    /// Split the text into scenes at new lines.
    pub fn split_on_new_line(mut self, on: bool) -> Self {
        self.split_text_on_new_line = Some(on);
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

    /// Uses the `start`-`end` seconds of the background video (call again
    /// for more segments).
    pub fn background_video_segment(mut self, start: f64, end: f64) -> Self {
        self.background_video_segments
            .push(Segment::new(start, end));
        self
    }

    /// Loops and/or mutes the background video.
    pub fn background_video_playback(mut self, looped: bool, muted: bool) -> Self {
        self.loop_background_video = Some(looped);
        self.mute_background_video = Some(muted);
        self
    }

    /// Picks stock visuals from `category`.
    pub fn visual_category(mut self, category: impl Into<String>) -> Self {
        self.background_visual_filter = Some(VisualFilter {
            category: category.into(),
        });
        self
    }

    /// A caption in `language`.
    pub fn caption(mut self, caption: impl Into<String>, language: Option<&str>) -> Self {
        self.caption = Some(caption.into());
        self.caption_language = language.map(str::to_string);
        self
    }

    /// Reads this scene's media through AWS connection `id`.
    pub fn aws_connection(mut self, id: impl Into<String>) -> Self {
        self.aws_connection_id = Some(id.into());
        self
    }

    /// Sends `key: value` in this scene, for a field these builders do not
    /// name. A key a field above already names is refused at validation.
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
}

/// Voice-over and background music.
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
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
        skip_serializing_if = "Option::is_none",
        serialize_with = "compact_opt"
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
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiVoice {
    /// The speaker's name, e.g. `Jackson`.
    pub speaker: String,
    /// Speed, 50-200 (100 is normal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<u32>,
    /// Loudness, -1 to 1.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "compact_opt"
    )]
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

    /// Loudness, -1 to 1.
    pub fn amplify_level(mut self, level: f64) -> Self {
        self.amplify_level = Some(level);
        self
    }
}

/// The brand logo and where it sits.
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
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

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.video_description = Some(description.into());
        self
    }

    /// Sets the audio.
    pub fn audio(mut self, audio: Audio) -> Self {
        self.audio = Some(audio);
        self
    }

    /// Sets the default text style of every scene.
    pub fn text_styles(mut self, styles: TextStyles) -> Self {
        self.text_styles = Some(styles);
        self
    }

    /// Sets the brand logo.
    pub fn brand_logo(mut self, logo: BrandLogo) -> Self {
        self.brand_logo = Some(logo);
        self
    }

    /// Highlights keywords in subtitles (or not).
    pub fn auto_highlight_keywords(mut self, on: bool) -> Self {
        self.auto_highlight_keywords = Some(on);
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

    /// Sends `key: value` at the top level, for a field these builders do
    /// not name. A key a field above already names is refused at validation.
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Checks the request; the error ([`Error::InvalidRequest`]) names the
    /// field. Nothing is sent.
    pub fn validate(&self) -> Result<()> {
        validate::request(self)
    }

    /// Validates and converts into the generated body type. Every field set
    /// here reaches the wire: `textStyles` and the extras included.
    pub fn into_raw(&self) -> Result<crate::raw::types::CreateStoryboardBody> {
        self.validate()?;
        let invalid = |e: serde_json::Error| Error::InvalidRequest {
            operation: OP,
            message: e.to_string(),
        };
        serde_json::from_value(serde_json::to_value(self).map_err(invalid)?).map_err(invalid)
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

    fn every_field() -> (StoryboardRequest, Scene) {
        let scene = Scene {
            text: Some("t".into()),
            article_url: Some("a".into()),
            background_uri: Some("b".into()),
            background_type: Some("video".into()),
            background_video_segments: vec![Segment::new(0.0, 1.0)],
            loop_background_video: Some(true),
            mute_background_video: Some(true),
            background_visual_filter: Some(VisualFilter {
                category: "c".into(),
            }),
            voice_over: Some(true),
            voice_over_uri: Some("v".into()),
            voice_over_segment: Some(Segment::new(1.0, 2.0)),
            subtitles: Some(true),
            split_text_on_new_line: Some(true),
            split_text_on_period: Some(true),
            minimum_duration: Some(1.0),
            caption: Some("c".into()),
            caption_language: Some("en".into()),
            media_search_query: Some("q".into()),
            font_family: Some("f".into()),
            font_size: Some(1.0),
            text_color: Some("c".into()),
            text_background_color: Some("c".into()),
            keyword_color: Some("c".into()),
            ppt_url: Some("p".into()),
            aws_connection_id: Some("a".into()),
            extra: Map::new(),
        };
        let request = StoryboardRequest {
            video_name: "v".into(),
            video_description: Some("d".into()),
            language: Some("en".into()),
            webhook: Some("w".into()),
            brand_logo: Some(BrandLogo::default()),
            auto_highlight_keywords: Some(true),
            audio: Some(Audio::default()),
            text_styles: Some(TextStyles::default()),
            scenes: vec![scene.clone()],
            video_width: Some(1),
            video_height: Some(1),
            extra: Map::new(),
        };
        (request, scene)
    }

    #[test]
    fn the_named_field_lists_match_what_is_serialised() {
        let keys = |v: Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let sorted = |names: &[&str]| {
            let mut n: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            n.sort();
            n
        };
        let (request, scene) = every_field();
        assert_eq!(
            keys(serde_json::to_value(&request).unwrap()),
            sorted(&validate::REQUEST_FIELDS)
        );
        assert_eq!(
            keys(serde_json::to_value(&scene).unwrap()),
            sorted(&validate::SCENE_FIELDS)
        );
    }

    #[test]
    fn new_fields_and_extras_serialise_and_collisions_are_refused() {
        let r = StoryboardRequest::new("v")
            .text_styles(TextStyles {
                font_size: Some(20.0),
                vertical_alignment: Some("top".into()),
                ..Default::default()
            })
            .extra("saveProject", true)
            .scene(
                Scene::background("https://b/clip.mp4", "video")
                    .background_video_segment(0.0, 5.0)
                    .background_video_playback(true, false)
                    .visual_category("Technology")
                    .voice_over_file("https://b/vo.mp3", Some(Segment::new(1.0, 3.5)))
                    .caption("Hi", Some("en"))
                    .aws_connection("conn-1")
                    .extra("transition", json!({"type": "fade"})),
            );
        r.validate().unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"videoName": "v", "saveProject": true,
                "textStyles": {"fontSize": 20, "verticalAlignment": "top"},
                "scenes": [{"backgroundUri": "https://b/clip.mp4", "backgroundType": "video",
                    "backgroundVideoSegments": [{"start": 0, "end": 5}],
                    "loopBackgroundVideo": true, "muteBackgroundVideo": false,
                    "backgroundVisualFilter": {"category": "Technology"},
                    "voiceOverUri": "https://b/vo.mp3", "voiceOverSegment": {"start": 1, "end": 3.5},
                    "caption": "Hi", "captionLanguage": "en", "awsConnectionId": "conn-1",
                    "transition": {"type": "fade"}}]})
        );
        let raw = r.into_raw().unwrap();
        assert_eq!(
            raw.text_styles.as_ref().and_then(|t| t.font_size.clone()),
            Some(json!(20))
        );
        assert_eq!(raw.extra.get("saveProject"), Some(&json!(true)));

        let msg = |r: StoryboardRequest| r.validate().unwrap_err().to_string();
        let ok = || StoryboardRequest::new("v").scene(Scene::text("x"));
        assert!(msg(ok().extra("videoName", "again")).contains("videoName: is a named field"));
        assert!(
            msg(StoryboardRequest::new("v").scene(Scene::text("x").extra("minDuration", 3)))
                .contains("scenes[0].minDuration")
        );
        assert!(
            msg(StoryboardRequest::new("v").scene(Scene::text("x").extra("fontSize", 3)))
                .contains("scenes[0].fontSize")
        );
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
        let one = |s: Scene| msg(StoryboardRequest::new("v").scene(s));
        assert!(
            one(Scene::text("x").background_video_segment(5.0, 5.0))
                .contains("scenes[0].backgroundVideoSegments[0]")
        );
        assert!(
            one(Scene::background("u", "image").background_video_segment(0.0, 1.0))
                .contains("needs a video background")
        );
        assert!(one(Scene::background("u", "gif")).contains("backgroundType"));
        assert!(
            one(Scene::text("x").voice_over_file("u", Some(Segment::new(-1.0, 2.0))))
                .contains("voiceOverSegment")
        );
        assert!(one(Scene::text("x").visual_category(" ")).contains("category"));
        assert!(one(Scene::text("x").minimum_duration(f64::NAN)).contains("minimumDuration"));
        assert!(
            msg(StoryboardRequest::new("v")
                .scene(Scene::text("x"))
                .text_styles(TextStyles {
                    font_size: Some(0.0),
                    ..Default::default()
                }))
            .contains("textStyles.fontSize")
        );
    }
}
