//! Templates: created from a `.pictai` project file (the spec's multipart
//! form with the file field `pictoryprojectfile`, or Pictory's raw
//! `application/octet-stream` body), answered bare as Pictory does
//! (`tests/fixtures/pictory-docs/templates/`), and turned into storyboard
//! requests for `create_video_from_template`.
//!
//! The simulator reads a project file that is a JSON object for `name`,
//! `language`, `audio`, `variables` and `scenes` (each `{"text"}` or
//! `{"subtitles": [{"text"}]}`; texts may hold `{{name}}` placeholders).
//! Any other file makes a template without scenes.

use super::envelope::Reply;
use super::ops::{FormPart, Input};
use super::state::App;
use serde_json::{Map, Value, json};

/// The form field holding a template's project file.
pub(crate) const TEMPLATE_FILE_FIELD: &str = "pictoryprojectfile";

/// The texts of a template or project scene: `text`, else its subtitles.
fn scene_text(scene: &Value) -> String {
    if let Some(text) = scene.get("text").and_then(Value::as_str) {
        return text.to_string();
    }
    scene
        .get("subtitles")
        .and_then(Value::as_array)
        .map(|subs| {
            subs.iter()
                .filter_map(|s| s.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// The `{{name}}` placeholders in `text`.
fn placeholders(text: &str) -> Vec<String> {
    text.split("{{")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once("}}")
                .map(|(name, _)| name.trim().to_string())
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// Pictory's scene objects for the given texts.
fn scenes_of(template_id: &str, texts: &[String], origin: &str) -> Vec<Value> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            json!({
                "sceneId": format!("{template_id}-s{}", i + 1),
                "subtitles": [{"text": text}],
                "backgroundVisual": {"type": "video", "url": format!("{origin}/stock/{}.mp4", i + 1)},
            })
        })
        .collect()
}

/// The stored template (the shape `get_template` answers, `depricated`
/// spelling included) from a project file and the form's text fields.
fn template_from(
    app: &App,
    id: &str,
    project: &Value,
    file_name: Option<&str>,
    fields: &Map<String, Value>,
) -> Value {
    let text = |key: &str| {
        fields
            .get(key)
            .or_else(|| project.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let name = text("name")
        .or_else(|| {
            file_name
                .and_then(|f| f.rsplit_once('.'))
                .map(|(stem, _)| stem.to_string())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Untitled template".to_string());
    let texts: Vec<String> = project
        .get("scenes")
        .and_then(Value::as_array)
        .map(|s| s.iter().map(scene_text).collect())
        .unwrap_or_default();
    let variables = match project.get("variables") {
        Some(Value::Object(vars)) => Value::Object(vars.clone()),
        _ => Value::Object(
            texts
                .iter()
                .flat_map(|t| placeholders(t))
                .map(|n| (n.clone(), Value::String(n.to_uppercase())))
                .collect(),
        ),
    };
    let origin = &app.origin;
    json!({
        "templateId": id,
        "name": name,
        "language": text("language").unwrap_or_else(|| "en".into()),
        "published": true,
        "depricated": false,
        "backgroundMusic": {"enabled": true, "musicUrl": format!("{origin}/stock/music.mp3"), "volume": 0.1},
        "voiceOver": {"enabled": true, "aiVoices": [{"speaker": "3108", "speed": 100, "amplificationLevel": 0}]},
        "scenes": scenes_of(id, &texts, origin),
        "variables": variables,
        "schemaVersion": "v3",
        "project": format!("{origin}/templates/{id}/project.json"),
        "structure": format!("{origin}/templates/{id}/structure.json"),
    })
}

/// The shape `create_template` answers (`deprecated`, `audio`).
fn created_view(stored: &Value) -> Value {
    let mut view = list_item(stored);
    view["audio"] = json!({
        "musicUrl": stored.pointer("/backgroundMusic/musicUrl").cloned().unwrap_or(Value::Null),
        "musicVolume": 50,
        "aiVoice": {"voiceId": "en-US-Standard-A", "speed": 100},
    });
    view["scenes"] = stored["scenes"].clone();
    view["variables"] = stored["variables"].clone();
    view
}

/// One item of `list_templates`' `items`.
fn list_item(stored: &Value) -> Value {
    json!({
        "templateId": stored["templateId"],
        "name": stored["name"],
        "language": stored["language"],
        "published": stored["published"],
        "deprecated": stored["depricated"],
    })
}

/// `POST /templates`: the project file from a multipart form or a raw body;
/// answers the bare created template.
pub(crate) fn create(app: &App, input: Input) -> Reply {
    let missing = || {
        Reply::invalid_field(
            TEMPLATE_FILE_FIELD,
            "is required (a .pictai project file, as multipart/form-data or application/octet-stream)",
        )
    };
    let (bytes, file_name, fields) = match input {
        Input::Form(parts) => {
            let Some(file) = parts
                .iter()
                .find(|p| p.name == TEMPLATE_FILE_FIELD && !p.bytes.is_empty())
            else {
                return missing();
            };
            let fields: Map<String, Value> = parts
                .iter()
                .filter(|p| p.name != TEMPLATE_FILE_FIELD)
                .filter_map(|p: &FormPart| {
                    let text = std::str::from_utf8(&p.bytes).ok()?;
                    Some((p.name.clone(), Value::String(text.to_string())))
                })
                .collect();
            (file.bytes.clone(), file.file_name.clone(), fields)
        }
        Input::Bytes(bytes) if !bytes.is_empty() => (bytes, None, Map::new()),
        _ => return missing(),
    };
    let project: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let id = app.store().new_id();
    let stored = template_from(app, &id, &project, file_name.as_deref(), &fields);
    let answer = created_view(&stored);
    app.store().templates.insert(id, stored);
    Reply::Ok(answer)
}

/// `GET /templates`: `{"items": [...]}`.
pub(crate) fn list(app: &App) -> Reply {
    let items: Vec<Value> = app
        .store()
        .templates
        .values()
        .iter()
        .map(list_item)
        .collect();
    Reply::Ok(json!({"items": items}))
}

/// `GET /templates/{templateId}`: the bare template.
pub(crate) fn get(app: &App, id: &str) -> Reply {
    match app.store().templates.get(id) {
        Some(t) => Reply::Ok(t.clone()),
        None => Reply::not_found("Template", id),
    }
}

/// `PUT /templates/{templateId}`: replaces `name`, `language`, `published`,
/// `variables` and `scenes` when given; answers the bare template.
pub(crate) fn update(app: &App, id: &str, body: &Value) -> Reply {
    let mut store = app.store();
    let Some(template) = store.templates.get_mut(id) else {
        return Reply::not_found("Template", id);
    };
    for key in ["name", "language", "published", "variables"] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            template[key] = v.clone();
        }
    }
    if let Some(scenes) = body.get("scenes").and_then(Value::as_array) {
        let texts: Vec<String> = scenes.iter().map(scene_text).collect();
        template["scenes"] = Value::Array(scenes_of(id, &texts, &app.origin));
    }
    Reply::Ok(template.clone())
}

/// `DELETE /templates/{templateId}`.
pub(crate) fn delete(app: &App, id: &str) -> Reply {
    match app.store().templates.remove(id) {
        Some(_) => Reply::Ok(json!({"templateId": id, "deleted": true})),
        None => Reply::not_found("Template", id),
    }
}

/// The storyboard request a video from template `id` makes: one scene per
/// template scene, `{{name}}` filled from `variables` (then the template's
/// own). `None` if there is no such template.
pub(crate) fn video_request(app: &App, id: &str, variables: Option<&Value>) -> Option<Value> {
    let template = app.store().templates.get(id).cloned()?;
    let mut values = Map::new();
    for source in [template.get("variables"), variables] {
        if let Some(Value::Object(vars)) = source {
            values.extend(vars.clone());
        }
    }
    let fill = |text: &str| {
        values.iter().fold(text.to_string(), |t, (k, v)| {
            let v = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            t.replace(&format!("{{{{{k}}}}}"), &v)
        })
    };
    let name = template["name"].as_str().unwrap_or_default().to_string();
    let mut scenes: Vec<Value> = template["scenes"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| json!({"text": fill(&scene_text(s))}))
                .collect()
        })
        .unwrap_or_default();
    if scenes.is_empty() {
        scenes.push(json!({"text": name}));
    }
    Some(json!({"videoName": name, "language": template["language"], "scenes": scenes}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found() {
        assert_eq!(placeholders("Hi {{Name}}, {{ day }} {{}}"), ["Name", "day"]);
        assert!(placeholders("no {{ end").is_empty());
    }
}
