//! Stored resources with ids: brands (in Pictory's `{"success", "data"}`
//! body), AWS connections and voice-over tracks (bare bodies, as in
//! `tests/fixtures/pictory-docs/{aws,voiceovers}`). Templates are in
//! `templates.rs`. Unknown ids get Pictory's JSON 404.

use super::envelope::Reply;
use super::state::{App, Collection, Store};
use axum::http::StatusCode;
use serde_json::{Value, json};

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

/// The fields a caller sets on an AWS connection.
const AWS_FIELDS: &[&str] = &[
    "name",
    "description",
    "enabled",
    "awsAccountId",
    "awsRegion",
];

/// The current time as Pictory writes dates: `2025-12-17T08:06:56.862Z`.
fn iso_now() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let days = (secs / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// What create and update answer: the connection without `type` and dates.
fn aws_answer(stored: &Value) -> Value {
    let mut answer = stored.clone();
    if let Some(obj) = answer.as_object_mut() {
        for key in ["type", "createdDate", "updatedDate"] {
            obj.remove(key);
        }
    }
    answer
}

/// `GET /awsconnections?pageKey=...`: `{"Items": [...]}` in pages of 20;
/// when more follow, `nextPageKey` (a simulator invention: Pictory documents
/// no paging key) is the id of the next page's first connection. An unknown
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
    let mut answer = json!({"Items": page});
    if let Some(next) = items.get(start.saturating_add(AWS_PAGE_SIZE)) {
        answer["nextPageKey"] = json!(next.id);
    }
    Reply::Ok(answer)
}

/// `POST /awsconnections`: answers the bare connection (version 1).
pub(crate) fn create_aws_connection(app: &App, body: &Value) -> Reply {
    let mut store = app.store();
    let id = store.new_id();
    let now = iso_now();
    let mut connection = json!({
        "connectionId": id, "type": "AWS", "enabled": true,
        "createdDate": now, "updatedDate": now, "version": 1,
    });
    merge(&mut connection, body, AWS_FIELDS);
    store.aws_connections.insert(id, connection.clone());
    Reply::Ok(aws_answer(&connection))
}

/// `GET /awsconnections/{connectionid}`: the bare connection.
pub(crate) fn get_aws_connection(app: &App, id: &str) -> Reply {
    match app.store().aws_connections.get(id) {
        Some(v) => Reply::Ok(v.clone()),
        None => Reply::not_found("AWS connection", id),
    }
}

/// `PUT /awsconnections/{connectionid}`: optimistic concurrency — the
/// body's `version` must equal the stored one (else `409 VERSION_CONFLICT`);
/// the stored version then goes up by one. Answers the bare connection.
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
    connection["updatedDate"] = json!(iso_now());
    Reply::Ok(aws_answer(connection))
}

/// `DELETE /awsconnections/{connectionid}`.
pub(crate) fn delete_aws_connection(app: &App, id: &str) -> Reply {
    match app.store().aws_connections.remove(id) {
        Some(_) => Reply::Ok(json!({"connectionId": id, "deleted": true})),
        None => Reply::not_found("AWS connection", id),
    }
}

// ---- voice-over tracks -----------------------------------------------------

/// The fields of a track that come from the request as they are.
const TRACK_FIELDS: &[&str] = &[
    "accent", "engine", "gender", "language", "name", "sample", "service",
];

/// The AI voices every simulator starts with, so a voice can be looked up
/// offline (`pictory voices list`): the two of Pictory's documented list
/// answer (`GET /v1/voiceovers/tracks`) and, in the same shape, Jackson,
/// the speaker of Pictory's documented storyboard example (its details
/// here are the simulator's own). Ids below 10,000, apart from added tracks.
pub(crate) fn seeded_voices() -> Vec<(String, Value)> {
    let voices = [
        json!({
            "accent": "American accent", "category": "standard", "engine": "neural",
            "gender": "male", "id": 1000, "language": "en-US", "name": "Jackson",
            "sample": "https://pictory-static.pictorycontent.com/polly/samples/Jackson_100_sample.mp3",
            "service": "aws", "ssmlHelp": "https://docs.pictory.ai/docs/supported-ssml-tags#category-b",
            "ssmlSupportCategory": "B", "voice": "Jackson"
        }),
        json!({
            "accent": "American accent", "category": "standard", "engine": "neural",
            "gender": "female", "id": 1001, "language": "en-US", "name": "Joanna",
            "sample": "https://pictory-static.pictorycontent.com/polly/samples/Joanna_100_sample.mp3",
            "service": "aws", "ssmlHelp": "https://docs.pictory.ai/docs/supported-ssml-tags#category-b",
            "ssmlSupportCategory": "B", "voice": "Joanna"
        }),
        json!({
            "accent": "British accent", "category": "standard", "engine": "WaveNet",
            "gender": "female", "id": 1034, "language": "en-GB", "name": "Fiona",
            "sample": "https://pictory-static.pictorycontent.com/google/samples/Fiona.mp3",
            "service": "google", "ssmlHelp": "https://docs.pictory.ai/docs/supported-ssml-tags#category-c",
            "ssmlSupportCategory": "C", "voice": "en-GB-Wavenet-A_FEMALE"
        }),
    ];
    voices
        .into_iter()
        .map(|v| (v["id"].to_string(), v))
        .collect()
}

/// `GET /voiceovers/tracks`: a bare JSON array.
pub(crate) fn list_voiceover_tracks(app: &App) -> Reply {
    Reply::Ok(Value::Array(app.store().voiceover_tracks.values()))
}

/// `POST /voiceovers/tracks`: stores the track with a numeric `id` and
/// answers it bare (without `voice`, as Pictory's add response).
pub(crate) fn add_voiceover_track(app: &App, body: &Value) -> Reply {
    let mut store = app.store();
    let id = store.new_number();
    let mut track = json!({
        "id": id,
        "category": "standard",
        "ssmlHelp": "https://docs.pictory.ai/docs/supported-ssml-tags#category-c",
        "ssmlSupportCategory": "C",
    });
    merge(&mut track, body, TRACK_FIELDS);
    let answer = track.clone();
    track["voice"] = body.get("voiceId").cloned().unwrap_or(Value::Null);
    store.voiceover_tracks.insert(id.to_string(), track);
    Reply::Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_look_like_pictorys() {
        let now = iso_now();
        assert_eq!(now.len(), "2025-12-17T08:06:56.862Z".len(), "{now}");
        assert!(now.starts_with("20") && now.ends_with('Z'), "{now}");
        assert_eq!(&now[10..11], "T");
    }
}
