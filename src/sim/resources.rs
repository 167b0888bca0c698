//! Stored resources with ids: templates (created from a multipart project
//! file), brands, AWS connections and voice-over tracks. Unknown ids get
//! Pictory's JSON 404.

use super::envelope::Reply;
use super::ops::FormPart;
use super::state::{App, Collection, Store};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// The form field holding a template's project file.
pub(crate) const TEMPLATE_FILE_FIELD: &str = "pictoryprojectfile";

/// AWS connections per page of `list_aws_connections`.
const AWS_PAGE_SIZE: usize = 20;

fn ok(data: Value) -> Reply {
    Reply::Ok(json!({"success": true, "data": data}))
}

/// Copies the listed keys of `body` that are present into `target`.
fn merge(target: &mut Value, body: &Value, keys: &[&str]) {
    for key in keys {
        if let Some(v) = body.get(*key) {
            target[*key] = v.clone();
        }
    }
}

fn get_in(app: &App, pick: fn(&Store) -> &Collection, what: &str, id: &str) -> Reply {
    match pick(&app.store()).get(id) {
        Some(v) => ok(v.clone()),
        None => Reply::not_found(what, id),
    }
}

fn delete_in(
    app: &App,
    pick: fn(&mut Store) -> &mut Collection,
    what: &str,
    id_key: &str,
    id: &str,
) -> Reply {
    match pick(&mut app.store()).remove(id) {
        Some(_) => ok(json!({(id_key): id, "deleted": true})),
        None => Reply::not_found(what, id),
    }
}

// ---- templates -------------------------------------------------------------

/// `POST /templates` (multipart): stores the project file's description.
/// A project file that is a JSON object with `scenes` gives the template
/// those scenes (their texts may hold `{{variable}}` placeholders that
/// `create_video_from_template` fills in); any other file gives none.
pub(crate) fn create_template(app: &App, parts: Vec<FormPart>) -> Reply {
    let Some(file) = parts
        .iter()
        .find(|p| p.name == TEMPLATE_FILE_FIELD && !p.bytes.is_empty())
    else {
        return Reply::invalid_field(TEMPLATE_FILE_FIELD, "is required (a .pictai project file)");
    };
    let project: Value = serde_json::from_slice(&file.bytes).unwrap_or(Value::Null);
    let scenes = project
        .get("scenes")
        .filter(|s| s.is_array())
        .cloned()
        .unwrap_or_else(|| json!([]));
    let file_name = file.file_name.clone().unwrap_or_default();
    let mut fields = Map::new();
    for part in parts.iter().filter(|p| p.name != TEMPLATE_FILE_FIELD) {
        if let Ok(text) = std::str::from_utf8(&part.bytes) {
            fields.insert(part.name.clone(), Value::String(text.to_string()));
        }
    }
    let name = fields
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            project
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(|| file_name.rsplit_once('.').map(|(stem, _)| stem.to_string()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Untitled template".to_string());
    let mut store = app.store();
    let id = store.new_id();
    let template = json!({
        "templateId": id,
        "name": name,
        "fileName": file_name,
        "contentType": file.content_type,
        "size": file.bytes.len(),
        "scenes": scenes,
        "fields": fields,
    });
    store.templates.insert(id.clone(), template);
    Reply::Ok(json!({"data": {"templateId": id}}))
}

/// `GET /templates`.
pub(crate) fn list_templates(app: &App) -> Reply {
    ok(Value::Array(app.store().templates.values()))
}

/// `GET /templates/{templateId}`.
pub(crate) fn get_template(app: &App, id: &str) -> Reply {
    get_in(app, |s| &s.templates, "Template", id)
}

/// `PUT /templates/{templateId}`: replaces the scenes when given.
pub(crate) fn update_template(app: &App, id: &str, body: &Value) -> Reply {
    let mut store = app.store();
    let Some(template) = store.templates.get_mut(id) else {
        return Reply::not_found("Template", id);
    };
    if let Some(scenes) = body.get("scenes").filter(|s| !s.is_null()) {
        template["scenes"] = scenes.clone();
    }
    ok(template.clone())
}

/// `DELETE /templates/{templateId}`.
pub(crate) fn delete_template(app: &App, id: &str) -> Reply {
    delete_in(app, |s| &mut s.templates, "Template", "templateId", id)
}

// ---- brands ----------------------------------------------------------------

const BRAND_FIELDS: &[&str] = &["name", "description", "color", "fonts", "font"];

/// `GET /brands/editvideo`.
pub(crate) fn list_brands(app: &App) -> Reply {
    ok(Value::Array(app.store().brands.values()))
}

/// `POST /brands/editvideo`.
pub(crate) fn create_brand(app: &App, body: &Value) -> Reply {
    let mut store = app.store();
    let id = store.new_id();
    let mut brand = json!({"brandId": id});
    merge(&mut brand, body, BRAND_FIELDS);
    store.brands.insert(id.clone(), brand.clone());
    ok(brand)
}

/// `GET /brands/editvideo/{brandId}`.
pub(crate) fn get_brand(app: &App, id: &str) -> Reply {
    get_in(app, |s| &s.brands, "Brand", id)
}

/// `PUT /brands/editvideo/{brandId}`.
pub(crate) fn update_brand(app: &App, id: &str, body: &Value) -> Reply {
    let mut store = app.store();
    let Some(brand) = store.brands.get_mut(id) else {
        return Reply::not_found("Brand", id);
    };
    merge(brand, body, BRAND_FIELDS);
    ok(brand.clone())
}

/// `DELETE /brands/editvideo/{brandId}`.
pub(crate) fn delete_brand(app: &App, id: &str) -> Reply {
    delete_in(app, |s| &mut s.brands, "Brand", "brandId", id)
}

// ---- AWS connections -------------------------------------------------------

const AWS_FIELDS: &[&str] = &[
    "name",
    "description",
    "enabled",
    "awsAccountId",
    "awsRegion",
];

/// `GET /awsconnections?pageKey=...`: pages of 20; `nextPageKey` is the id
/// of the next page's first connection (null on the last page). An unknown
/// `pageKey` gives an empty page.
pub(crate) fn list_aws_connections(app: &App, page_key: Option<&str>) -> Reply {
    let store = app.store();
    let items = &store.aws_connections.items;
    let start = match page_key.filter(|k| !k.is_empty()) {
        None => 0,
        Some(key) => items
            .iter()
            .position(|r| r.id == key)
            .unwrap_or(items.len()),
    };
    let page: Vec<Value> = items
        .iter()
        .skip(start)
        .take(AWS_PAGE_SIZE)
        .map(|r| r.value.clone())
        .collect();
    let next = items.get(start + AWS_PAGE_SIZE).map(|r| r.id.clone());
    ok(json!({"items": page, "nextPageKey": next}))
}

/// `POST /awsconnections`.
pub(crate) fn create_aws_connection(app: &App, body: &Value) -> Reply {
    let mut store = app.store();
    let id = store.new_id();
    let mut connection = json!({"connectionId": id, "version": 1});
    merge(&mut connection, body, AWS_FIELDS);
    store.aws_connections.insert(id.clone(), connection.clone());
    ok(connection)
}

/// `GET /awsconnections/{connectionid}`.
pub(crate) fn get_aws_connection(app: &App, id: &str) -> Reply {
    get_in(app, |s| &s.aws_connections, "AWS connection", id)
}

/// `PUT /awsconnections/{connectionid}`: optimistic concurrency — the
/// body's `version` must equal the stored one (else `409 VERSION_CONFLICT`);
/// the stored version then goes up by one.
pub(crate) fn update_aws_connection(app: &App, id: &str, body: &Value) -> Reply {
    let mut store = app.store();
    let Some(connection) = store.aws_connections.get_mut(id) else {
        return Reply::not_found("AWS connection", id);
    };
    let current = connection["version"].as_f64().unwrap_or(1.0);
    let given = body.get("version").and_then(Value::as_f64);
    if given != Some(current) {
        return Reply::error(
            StatusCode::CONFLICT,
            "VERSION_CONFLICT",
            format!("AWS connection {id} is at version {current}"),
        );
    }
    merge(connection, body, AWS_FIELDS);
    connection["version"] = json!(current as u64 + 1);
    ok(connection.clone())
}

/// `DELETE /awsconnections/{connectionid}`.
pub(crate) fn delete_aws_connection(app: &App, id: &str) -> Reply {
    delete_in(
        app,
        |s| &mut s.aws_connections,
        "AWS connection",
        "connectionId",
        id,
    )
}

// ---- voice-over tracks -----------------------------------------------------

/// `GET /voiceovers/tracks`.
pub(crate) fn list_voiceover_tracks(app: &App) -> Reply {
    ok(Value::Array(app.store().voiceover_tracks.values()))
}

/// `POST /voiceovers/tracks`.
pub(crate) fn add_voiceover_track(app: &App, body: &Value) -> Reply {
    let mut store = app.store();
    let id = store.new_id();
    let mut track = body.clone();
    track["trackId"] = json!(id);
    store.voiceover_tracks.insert(id.clone(), track.clone());
    ok(track)
}
