//! Checks on a v2 (element-based) storyboard before it is sent: what
//! Pictory refuses is refused here, with nothing sent; what Pictory accepts
//! but its own helper documents as a footgun is a [`V2Warning`].

use crate::client::Client;
use crate::error::{Error, Result};
use crate::raw::types::StoryboardV2;
use crate::wire::V2_SCENE_SOURCES as CONTENT_SOURCES;
use futures_util::TryStreamExt;
use serde_json::Value;

/// Something Pictory accepts in a v2 storyboard that its documentation
/// warns about ("pitfalls" of Pictory's agent helper).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum V2Warning {
    /// No `voiceOver` (or `voiceOver.enabled` false): the video is silent.
    SilentVideo,
    /// `backgroundMusic` without `volume`: the music plays at full volume.
    MusicAtFullVolume,
}

impl std::fmt::Display for V2Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            V2Warning::SilentVideo => {
                "no voiceOver: the video will be silent (set voiceOver with enabled and aiVoices)"
            }
            V2Warning::MusicAtFullVolume => {
                "backgroundMusic without volume: the music plays at full volume (set volume, 0 to 1)"
            }
        })
    }
}

fn refuse(operation: &'static str, message: String) -> Error {
    Error::InvalidRequest { operation, message }
}

fn present(v: &Value, key: &str) -> bool {
    v.get(key).is_some_and(|x| match x {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        _ => true,
    })
}

/// Checks a v2 storyboard for `operation` (`create_storyboard_v2` or
/// `render_storyboard_video_v2`): [`Error::InvalidRequest`] for what Pictory
/// refuses (no scenes and no `templateId`; a scene with more than one
/// content source of `story`, `storyCoPilot`, `blogUrl`, `pptUrl`,
/// `audioUrl`, `videoUrl`, or with none and no background; `brandId` with
/// `brandName`; an `avatar` without `voiceOver.enabled`), else the
/// documented footguns it has. Nothing is sent.
pub fn check_v2(operation: &'static str, request: &StoryboardV2) -> Result<Vec<V2Warning>> {
    let body = serde_json::to_value(request).map_err(|e| refuse(operation, e.to_string()))?;
    let scenes = body
        .get("scenes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if scenes.is_empty() && !present(&body, "templateId") {
        return Err(refuse(
            operation,
            "a v2 storyboard needs at least one scene (or a templateId)".into(),
        ));
    }
    for (i, scene) in scenes.iter().enumerate() {
        let sources: Vec<&str> = CONTENT_SOURCES
            .iter()
            .copied()
            .filter(|k| present(scene, k))
            .collect();
        match sources.as_slice() {
            [_] => {}
            [] if present(scene, "background") => {}
            [] => {
                return Err(refuse(
                    operation,
                    format!(
                        "scenes[{i}] has no content source: give exactly one of {}",
                        CONTENT_SOURCES.join(", ")
                    ),
                ));
            }
            many => {
                return Err(refuse(
                    operation,
                    format!(
                        "scenes[{i}] has {} content sources ({}): each scene takes exactly one",
                        many.len(),
                        many.join(", ")
                    ),
                ));
            }
        }
    }
    if present(&body, "brandId") && present(&body, "brandName") {
        return Err(refuse(
            operation,
            "brandId and brandName together are refused by Pictory: give one (brandId from `pictory brands --video`)".into(),
        ));
    }
    let voice_on = body.pointer("/voiceOver/enabled") == Some(&Value::Bool(true));
    if present(&body, "avatar") && !voice_on {
        return Err(refuse(
            operation,
            "an avatar speaks the narration: set voiceOver.enabled (and its aiVoices)".into(),
        ));
    }
    let mut warnings = Vec::new();
    if !voice_on {
        warnings.push(V2Warning::SilentVideo);
    }
    if let Some(music) = body.get("backgroundMusic").filter(|m| m.is_object()) {
        let off = music.get("enabled") == Some(&Value::Bool(false));
        if !off && !present(music, "volume") {
            warnings.push(V2Warning::MusicAtFullVolume);
        }
    }
    Ok(warnings)
}

impl Client {
    /// Checks the ids a v2 storyboard names against Pictory's look-ups
    /// ("never invent these ids"): `brandId` (`list_video_brands`),
    /// `subtitleStyleId` (`list_text_styles`), `smartLayoutId`
    /// (`list_smart_layouts`) and `avatar.avatarId` (every page of
    /// `list_avatars`). Only the look-ups the storyboard needs are read;
    /// an id they do not return is [`Error::InvalidRequest`] naming the
    /// field, and nothing is created. Served by Pictory only.
    pub async fn check_storyboard_v2_ids(&self, request: &StoryboardV2) -> Result<()> {
        const OP: &str = "create_storyboard_v2";
        let body = serde_json::to_value(request).map_err(|e| refuse(OP, e.to_string()))?;
        let given = |pointer: &str| {
            body.pointer(pointer)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
        };
        let unknown = |field: &str, id: &str, command: &str| {
            refuse(
                OP,
                format!("{field} {id:?} is not one Pictory returns (see `pictory {command}`)"),
            )
        };
        if let Some(id) = given("/brandId") {
            let brands = self.api().list_video_brands().send().await?.into_value();
            if !brands.iter().any(|b| b.id.as_deref() == Some(id.as_str())) {
                return Err(unknown("brandId", &id, "brands --video"));
            }
        }
        if let Some(id) = given("/subtitleStyleId") {
            let styles = self.api().list_text_styles().send().await?.into_value();
            if !styles.iter().any(|s| s.id.as_deref() == Some(id.as_str())) {
                return Err(unknown("subtitleStyleId", &id, "styles"));
            }
        }
        if let Some(id) = given("/smartLayoutId") {
            let layouts = self.api().list_smart_layouts().send().await?.into_value();
            if !layouts
                .items
                .iter()
                .any(|l| l.template_id.as_deref() == Some(id.as_str()))
            {
                return Err(unknown("smartLayoutId", &id, "layouts"));
            }
        }
        if let Some(id) = given("/avatar/avatarId") {
            let groups: Vec<_> = self.api().list_avatars().items().try_collect().await?;
            let known = groups
                .iter()
                .flat_map(|g| &g.looks)
                .any(|look| look.id.as_deref() == Some(id.as_str()));
            if !known {
                return Err(unknown("avatar.avatarId", &id, "avatars --all"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(v: Value) -> StoryboardV2 {
        serde_json::from_value(v).unwrap()
    }

    const OP: &str = "create_storyboard_v2";

    #[test]
    fn refusals() {
        for (body, needle) in [
            (json!({"scenes": []}), "at least one scene"),
            (json!({"scenes": [{"caption": "x"}]}), "no content source"),
            (
                json!({"scenes": [{"story": "a", "blogUrl": "https://e.test/b"}]}),
                "2 content sources",
            ),
            (
                json!({"brandId": "b", "brandName": "B", "scenes": [{"story": "a"}]}),
                "brandId and brandName",
            ),
            (
                json!({"avatar": {"avatarId": "x"}, "scenes": [{"story": "a"}]}),
                "voiceOver.enabled",
            ),
        ] {
            let err = check_v2(OP, &req(body.clone())).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidRequest { operation, .. } if *operation == OP),
                "{body}: {err:?}"
            );
            assert!(err.to_string().contains(needle), "{body}: {err}");
        }
    }

    #[test]
    fn warnings_and_what_passes() {
        let quiet = json!({"scenes": [{"story": "a"}], "backgroundMusic": {"enabled": true}});
        assert_eq!(
            check_v2(OP, &req(quiet)).unwrap(),
            [V2Warning::SilentVideo, V2Warning::MusicAtFullVolume]
        );
        let fine = json!({
            "templateId": "t1",
            "voiceOver": {"enabled": true, "aiVoices": [{"speaker": "Brian"}]},
            "backgroundMusic": {"enabled": true, "volume": 0.2},
            "scenes": [{"background": {"color": "#000"}}, {"videoUrl": "https://e.test/v.mp4"}]
        });
        assert_eq!(check_v2(OP, &req(fine)).unwrap(), []);
        let template_only = json!({"templateId": "t1", "voiceOver": {"enabled": true}});
        assert!(check_v2(OP, &req(template_only)).is_ok());
    }
}
