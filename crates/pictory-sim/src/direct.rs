//! Pictory's own API beyond what LowCodeAPI proxies, served on the
//! simulator's Pictory face only (the LowCodeAPI face answers its routing
//! 404 for these): the v2 storyboard and render routes, element edits,
//! jobs and projects page by page, the look-ups every v2 render depends on
//! (video brands, text styles, smart layouts, avatars, music, stock media),
//! AI Studio, Vimeo connections, the quota and the AI-credit ledger.
//!
//! Bodies are those of `tests/fixtures/pictory-docs/` (account, avatars,
//! branding, music, media, aistudio, vimeo, projects, v2). Lists with a page
//! key answer [`PAGE_SIZE`] items a page, in a fixed order, with an opaque
//! key for the next page (absent or `null` on the last). The quota's use
//! grows as jobs complete: a finished render adds its length in minutes
//! (rounded up), a finished transcription one minute, an AI Studio job its
//! documented AI credits.

use super::envelope::Reply;
use super::jobs::{JobKind, Phase};
use super::state::App;
use axum::http::StatusCode;
use pictory::wire::V2_SCENE_SOURCES as SCENE_SOURCES;
use serde_json::{Value, json};
use tokio::time::Instant;

/// Items per page of every list with a page key.
pub const PAGE_SIZE: usize = 10;

/// The video brand kits the simulator knows (the documented ones).
pub(crate) const VIDEO_BRANDS: &[(&str, &str)] = &[
    ("eb67b4ba-0eef-41fa-a772-d9675cc3645c", "Default Brand"),
    ("a1b2c3d4-e5f6-7890-abcd-ef1234567890", "Corporate Blue"),
    ("f8e7d6c5-b4a3-9281-7065-43210fedcba9", "Modern Minimalist"),
    ("12345678-90ab-cdef-1234-567890abcdef", "Bold & Vibrant"),
];

/// The text styles the simulator knows.
pub(crate) const TEXT_STYLES: &[(&str, &str)] = &[
    ("8f3deae9-fe38-4c53-8be0-616bef1da916", "Navy blue"),
    ("8b715161-182a-4ef4-8130-b04873f464f6", "Indigo ink"),
    ("6d9cc665-8087-4587-ab6d-f9d7d01f82c4", "Default"),
    ("4111e523-eb9c-41a2-b17b-c312694ce4eb", "Sleek"),
    (
        "fc2737ae-d88b-4914-8b8d-5152d94dc3f6",
        "Black Traditional Caption",
    ),
];

/// The smart layouts the simulator knows.
pub(crate) const SMART_LAYOUTS: &[(&str, &str)] = &[
    ("202507141030549677ylq8k8gu44vy1y", "Modern minimalist"),
    (
        "20250813042630669e658e159aa60455692c1dad5473adhg7",
        "Kinetic",
    ),
    ("20250813042630669e658e159aa60455692c1dad5473adaa3", "Chic"),
    (
        "20250813042630669e658e159aa60455692c1dad5473adcf7",
        "Wanderlust",
    ),
    (
        "20250813042630669e658e159aa60455692c1dad5473adtd3",
        "Bulletin",
    ),
];

/// Avatar people (25, so their list has three pages), two looks each.
const AVATAR_NAMES: &[&str] = &[
    "Annie", "Brandon", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
    "Kira", "Luca", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tara", "Umar",
    "Vera", "Wes", "Xia", "Yusuf",
];

const MOODS: &[&str] = &[
    "Passionate",
    "Funny / Silly",
    "Gentle / Soft",
    "Calm / Serene",
    "Happy / Bright",
    "Upbeat / Cheerful",
];
const GENRES: &[&str] = &[
    "Downtempo",
    "Country Rock",
    "Electric Blues",
    "Indie Rock",
    "Techno",
];
const GENRE_GROUPS: &[&str] = &["Cinematic", "Electronic", "Rock", "Country", "Pop"];
const INSTRUMENTS: &[&str] = &["Piano", "Guitar - Acoustic", "Synth", "Drum Kit", "Strings"];
const PURPOSES: &[&str] = &["Corporate / Business", "Wedding", "Technology", "Road Trip"];

/// The avatar look ids (`avatarId`s) the simulator knows.
pub(crate) fn avatar_look_ids() -> impl Iterator<Item = String> {
    AVATAR_NAMES.iter().flat_map(|n| {
        [
            format!("{n}_expressive1_public"),
            format!("{n}_expressive2_public"),
        ]
    })
}

fn names(list: &[&str]) -> Reply {
    Reply::Ok(json!(list))
}

/// The query value of `name`, when given and not empty.
pub(crate) fn query<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// An opaque page key for `offset` (base64-looking, as Pictory's are).
fn page_key(offset: usize) -> String {
    let text = format!("{{\"offset\":{offset}}}");
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The offset a page key names; `None` for a key the simulator never gave.
fn offset_of(key: &str) -> Option<usize> {
    let bytes: Option<Vec<u8>> = (0..key.len())
        .step_by(2)
        .map(|i| {
            key.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    text.strip_prefix("{\"offset\":")?
        .strip_suffix('}')?
        .parse()
        .ok()
}

/// One page of `items` from the page `key` (the first page without one):
/// the items and the next page's key, if more follow. An unknown key is a
/// `400`.
fn page(items: Vec<Value>, key: Option<&str>) -> Result<(Vec<Value>, Option<String>), Reply> {
    let start = match key {
        None => 0,
        Some(k) => {
            offset_of(k).ok_or_else(|| Reply::invalid_field("nextPageKey", "is not a page key"))?
        }
    };
    let next = (start.saturating_add(PAGE_SIZE) < items.len()).then(|| page_key(start + PAGE_SIZE));
    Ok((
        items.into_iter().skip(start).take(PAGE_SIZE).collect(),
        next,
    ))
}

/// `{"items": page, <next_key>: key or null}`.
fn paged(items: Vec<Value>, key: Option<&str>, items_key: &str, next_key: &str) -> Reply {
    match page(items, key) {
        Ok((items, next)) => Reply::Ok(json!({ (items_key): items, (next_key): next })),
        Err(reply) => reply,
    }
}

// ---- look-ups ---------------------------------------------------------------

pub(crate) fn list_video_brands() -> Reply {
    Reply::Ok(json!(
        VIDEO_BRANDS
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name}))
            .collect::<Vec<_>>()
    ))
}

pub(crate) fn list_text_styles() -> Reply {
    Reply::Ok(json!(
        TEXT_STYLES
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name}))
            .collect::<Vec<_>>()
    ))
}

pub(crate) fn list_smart_layouts() -> Reply {
    let items: Vec<Value> = SMART_LAYOUTS
        .iter()
        .map(|(id, name)| json!({"templateId": id, "templateName": name, "schemaVersion": "v3"}))
        .collect();
    Reply::Ok(json!({ "items": items }))
}

pub(crate) fn list_avatars(app: &App, key: Option<&str>) -> Reply {
    let items: Vec<Value> = AVATAR_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let look = |n: u8, what: &str| {
                let id = format!("{name}_expressive{n}_public");
                json!({
                    "id": id,
                    "name": format!("{name} in {what}"),
                    "previewImage": format!("{}/avatars/{id}/previewImage.webp", app.origin),
                    "previewVideo": format!("{}/avatars/{id}/previewVideo_blurred.webm", app.origin),
                })
            };
            json!({
                "id": format!("{:032x}", 0xa0a7_u128 + i as u128),
                "name": name,
                "gender": if i % 2 == 0 { json!("Female") } else { json!("Male") },
                "looks": [look(1, "Tan Jacket"), look(2, "Grey Suit")],
            })
        })
        .collect();
    paged(items, key, "items", "nextPageKey")
}

pub(crate) fn list_music_moods() -> Reply {
    names(MOODS)
}
pub(crate) fn list_music_genres() -> Reply {
    names(GENRES)
}
pub(crate) fn list_music_genre_groups() -> Reply {
    names(GENRE_GROUPS)
}
pub(crate) fn list_music_instruments() -> Reply {
    names(INSTRUMENTS)
}
pub(crate) fn list_music_purposes() -> Reply {
    names(PURPOSES)
}

/// `POST /music/search`: tracks whose title holds `query` and that carry
/// every listed mood (the other filters are accepted and not applied),
/// `pageSize` (20-100) a page.
pub(crate) fn search_music(app: &App, body: &Value) -> Reply {
    let tracks: Vec<Value> = (0..45)
        .map(|i| {
            let title = ["Bio Journey", "Dusty Road Trip", "Calm Waters"][i % 3];
            json!({
                "id": 100 + i,
                "title": format!("{title} {}", i + 1),
                "audioUrl": format!("{}/music/{}.mp3", app.origin, 100 + i),
                "duration": 120 + (i * 7) % 90,
                "genres": [GENRES[i % GENRES.len()]],
                "instruments": [INSTRUMENTS[i % INSTRUMENTS.len()]],
                "moods": [MOODS[i % MOODS.len()], MOODS[(i + 3) % MOODS.len()]],
                "purposes": [PURPOSES[i % PURPOSES.len()]],
            })
        })
        .collect();
    let query = body
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_lowercase();
    let moods: Vec<&str> = body
        .get("mood")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let page = body.get("page").and_then(Value::as_u64).unwrap_or(1).max(1) as usize;
    let size = body.get("pageSize").and_then(Value::as_u64).unwrap_or(20) as usize;
    let found: Vec<Value> = tracks
        .into_iter()
        .filter(|t| {
            t["title"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .contains(&query)
        })
        .filter(|t| {
            moods.iter().all(|m| {
                t["moods"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == m))
            })
        })
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .collect();
    Reply::Ok(json!({ "items": found }))
}

/// `GET /media/search?keyword=&category=`: three stock assets about the keyword.
pub(crate) fn search_media(app: &App, query_pairs: &[(String, String)]) -> Reply {
    let Some(keyword) = query(query_pairs, "keyword") else {
        return Reply::invalid_field("keyword", "is required");
    };
    let results: Vec<Value> = (0..3)
        .map(|i| {
            let id = 10_900_066 + i;
            let kind = if i == 2 { "image" } else { "video" };
            json!({
                "assetId": id,
                "id": id,
                "duration": if kind == "video" { json!(15) } else { json!(0) },
                "keyword": keyword,
                "mediaDescription": format!("Stock {kind} {} about {keyword}", i + 1),
                "mediaType": kind,
                "preview": {"jpg": format!("{}/stock/{id}.jpg", app.origin), "url": format!("{}/stock/{id}.mp4", app.origin)},
                "thumbnail": {"jpg": format!("{}/stock/{id}-t.jpg", app.origin), "url": format!("{}/stock/{id}-t.mp4", app.origin)},
                "searchLibrary": if i == 1 { "getty" } else { "story_blocks" },
            })
        })
        .collect();
    Reply::Ok(json!({"data": {"page": 1, "searchResults": results}}))
}

// ---- jobs, projects ---------------------------------------------------------

/// `GET /jobs?nextPageKey=`: every job's current body, newest first.
pub(crate) fn list_jobs(app: &App, key: Option<&str>) -> Reply {
    let now = Instant::now();
    let store = app.store();
    let mut jobs: Vec<_> = store.jobs.values().collect();
    jobs.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
    let items: Vec<Value> = jobs.iter().map(|j| j.body(now, &app.origin)).collect();
    drop(store);
    paged(items, key, "items", "nextPageKey")
}

/// `GET /projects?pagekey=`: the saved projects (seeded ones first).
pub(crate) fn list_projects(app: &App, key: Option<&str>) -> Reply {
    let items: Vec<Value> = app
        .store()
        .projects
        .items
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.value["projectName"],
                "source": "script",
                "projectPreview": r.value["thumbnail"],
                "savedDate": r.value["saveDate"],
                "schemaVersion": "v3",
                "type": "project",
            })
        })
        .collect();
    paged(items, key, "items", "pageKey")
}

/// `GET /projects/{projectid}`.
pub(crate) fn get_project(app: &App, id: &str) -> Reply {
    match app.store().projects.get(id) {
        Some(p) => {
            let mut p = p.clone();
            if let Some(o) = p.as_object_mut() {
                o.remove("renderParams");
            }
            Reply::Ok(p)
        }
        None => Reply::not_found("Project", id),
    }
}

/// A stored project as `GET /v2/projects/{projectid}` answers it.
pub(crate) fn project_body(
    id: &str,
    name: &str,
    thumbnail: &str,
    saved: &str,
    scenes: Value,
    render_params: Value,
) -> Value {
    json!({
        "project_id": id,
        "projectName": name,
        "projectType": "1",
        "source": "script",
        "step": "STORYBOARD",
        "schemaVersion": "v3",
        "layout": "16:9",
        "scriptLanguage": "en",
        "thumbnail": thumbnail,
        "saveDate": saved,
        "scenes": scenes,
        "renderParams": render_params,
    })
}

/// Stores a project made from a v2 storyboard (`saveProject: true`) and
/// returns its id.
pub(crate) fn save_project(app: &App, name: &str, render_params: &Value) -> String {
    let mut store = app.store();
    let id = store.new_id().replace('-', "");
    let project = project_body(
        &id,
        name,
        &format!("{}/preview/{id}.jpg", app.origin),
        "2026-01-19T09:23:21.131Z",
        render_params
            .get("sceneMarkers")
            .cloned()
            .unwrap_or(json!([])),
        render_params.clone(),
    );
    store.projects.insert(id.clone(), project);
    id
}

/// The render parameters of a stored project, for `render_project`.
pub(crate) fn project_render_params(app: &App, id: &str) -> Option<(String, Value)> {
    let store = app.store();
    let p = store.projects.get(id)?;
    Some((
        p["projectName"].as_str().unwrap_or(id).to_string(),
        p.get("renderParams").cloned().unwrap_or_else(|| json!({})),
    ))
}

/// `PUT /v2/video/storyboard/{jobid}/elements`: changes existing elements
/// of a completed v2 preview (ids it does not have: `400`); `204`.
pub(crate) fn update_elements(app: &App, job_id: &str, body: &Value) -> Reply {
    let mut store = app.store();
    let Some(job) = store.jobs.get_mut(job_id) else {
        return Reply::job_not_found();
    };
    if job.kind != JobKind::Storyboard || job.phase(Instant::now()) != Phase::Completed {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "STORYBOARD_NOT_READY",
            format!("storyboard job {job_id} is not a completed preview"),
        );
    }
    let Some(elements) = job
        .render_params_mut()
        .and_then(|p| p.get_mut("elements"))
        .and_then(Value::as_array_mut)
    else {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "NOT_ELEMENT_BASED",
            format!("storyboard job {job_id} has no elements (a classic preview)"),
        );
    };
    let changes = body.as_array().cloned().unwrap_or_default();
    for (i, change) in changes.iter().enumerate() {
        let id = change.get("id").and_then(Value::as_str).unwrap_or("");
        if !elements.iter().any(|e| e["id"] == id) {
            return Reply::invalid_field(
                &format!("[{i}].id"),
                &format!(
                    "{id:?} is not an element of this storyboard (only existing elements can be updated)"
                ),
            );
        }
    }
    for change in changes {
        let id = change["id"].clone();
        if let (Some(target), Some(fields)) = (
            elements.iter_mut().find(|e| e["id"] == id),
            change.as_object(),
        ) {
            for (k, v) in fields {
                target[k.as_str()] = v.clone();
            }
        }
    }
    Reply::NoContent
}

// ---- AI Studio --------------------------------------------------------------

/// The AI Studio items (images or videos) of finished jobs, newest first.
pub(crate) fn list_ai(app: &App, kind: JobKind, key: Option<&str>) -> Reply {
    let now = Instant::now();
    let store = app.store();
    let mut jobs: Vec<_> = store
        .jobs
        .values()
        .filter(|j| j.kind == kind && j.phase(now) == Phase::Completed)
        .collect();
    jobs.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
    let items: Vec<Value> = jobs.iter().filter_map(|j| j.ai_item(&app.origin)).collect();
    drop(store);
    let reply = paged(items, key, "items", "nextPageKey");
    // AI Studio lists leave `nextPageKey` out on the last page.
    match reply {
        Reply::Ok(mut body) => {
            if body["nextPageKey"].is_null()
                && let Some(o) = body.as_object_mut()
            {
                o.remove("nextPageKey");
            }
            Reply::Ok(body)
        }
        other => other,
    }
}

// ---- Vimeo ------------------------------------------------------------------

const VIMEO_FIELDS: &[&str] = &["name", "description", "enabled", "clientIdentifier"];

/// `POST /vimeo-connections`: stored without its secrets; answers as documented.
pub(crate) fn create_vimeo_connection(app: &App, body: &Value) -> Reply {
    let mut store = app.store();
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    if store
        .vimeo_connections
        .items
        .iter()
        .any(|r| r.value["name"] == name)
    {
        return Reply::error(
            StatusCode::CONFLICT,
            "DUPLICATE_NAME",
            format!("a Vimeo connection named {name:?} exists"),
        );
    }
    let id = store.token_hex() + &store.token_hex();
    let mut answer = json!({"connectionId": id, "version": 1});
    for key in VIMEO_FIELDS {
        if let Some(v) = body.get(*key) {
            answer[*key] = v.clone();
        }
    }
    let mut stored = answer.clone();
    stored["type"] = json!("VIMEO");
    stored["createdDate"] = json!("2025-12-22T15:56:12.309Z");
    stored["updatedDate"] = json!("2025-12-22T15:56:12.309Z");
    store.vimeo_connections.insert(id, stored);
    Reply::Ok(answer)
}

pub(crate) fn list_vimeo_connections(app: &App, key: Option<&str>) -> Reply {
    let items = app.store().vimeo_connections.values();
    match page(items, key) {
        Ok((items, Some(next))) => Reply::Ok(json!({"Items": items, "nextPageKey": next})),
        Ok((items, None)) => Reply::Ok(json!({ "Items": items })),
        Err(reply) => reply,
    }
}

pub(crate) fn get_vimeo_connection(app: &App, id: &str) -> Reply {
    match app.store().vimeo_connections.get(id) {
        Some(v) => Reply::Ok(v.clone()),
        None => Reply::not_found("Vimeo connection", id),
    }
}

// ---- account ----------------------------------------------------------------

/// Minutes a finished render of `seconds` counts against the quota.
fn billed_minutes(seconds: f64) -> f64 {
    (seconds / 60.0).ceil().max(1.0)
}

/// `GET /quota`: the configured starting use plus what finished jobs used.
pub(crate) fn get_quota(app: &App) -> Reply {
    let q = app.config.quota;
    let now = Instant::now();
    let (mut video, mut transcription, mut credits) = (0.0, 0.0, 0.0);
    for job in app.store().jobs.values() {
        if !matches!(job.phase(now), Phase::Completed | Phase::Cleaned) {
            continue;
        }
        match job.kind {
            JobKind::Render => {
                video += billed_minutes(
                    job.render_params()
                        .map(super::preview::video_duration)
                        .unwrap_or(10.0),
                )
            }
            JobKind::Transcription => transcription += 1.0,
            JobKind::AiImage | JobKind::AiVideo => credits += job.ai_credits(),
            _ => {}
        }
    }
    let usage = |used: f64, limit: f64| json!({"used": used, "limit": limit});
    Reply::Ok(json!({
        "videoMinutes": usage(q.video_minutes_used + video, q.video_minutes_limit),
        "transcriptionMinutes": usage(q.transcription_minutes_used + transcription, q.transcription_minutes_limit),
        "elevenLabsVoiceOverMinutes": usage(q.voice_over_minutes_used, q.voice_over_minutes_limit),
        "aiCredits": usage(q.ai_credits_used + credits, q.ai_credits_limit),
    }))
}

/// `GET /aicredits/usage?year=&month=`: `year` without `month` is `400`.
pub(crate) fn get_ai_credits_usage(query_pairs: &[(String, String)]) -> Reply {
    let year = query(query_pairs, "year");
    let month = query(query_pairs, "month");
    if year.is_some() && month.is_none() {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "month is required when year is provided",
        );
    }
    if let Some(m) = month
        && !m.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
    {
        return Reply::invalid_field("month", "must be between 1 and 12");
    }
    Reply::Ok(json!([
        {
            "transactionId": "20260508153648354912f9ebd4ef94b1baa469ae1179a3ead",
            "type": "debit", "amount": 0.6, "source": "Text-to-Image",
            "description": "Credits consumed by a text-to-image generation",
            "plan": "API Annual", "transactionDate": "2026-05-08T15:37:11.176Z"
        },
        {
            "transactionId": "20260501101259445721a0a11c9594db9b2577c844bc7338e",
            "type": "credit", "amount": 100, "source": "Monthly Reset",
            "description": "Credits reset at the start of the billing cycle",
            "plan": "API Annual", "transactionDate": "2026-05-01T10:12:59.445Z"
        }
    ]))
}

// ---- v2 storyboards: what Pictory refuses -----------------------------------

/// Pictory's rules for a v2 storyboard (preview or direct render), as
/// field errors.
pub(crate) fn storyboard_v2_rules(body: &Value, out: &mut Vec<(String, String)>) {
    let mut err = |name: &str, msg: &str| out.push((name.to_string(), msg.to_string()));
    let has = |k: &str| body.get(k).is_some_and(|v| !v.is_null());
    for (a, b) in [
        ("brandId", "brandName"),
        ("subtitleStyleId", "subtitleStyleName"),
        ("smartLayoutId", "smartLayoutName"),
    ] {
        if has(a) && has(b) {
            err(a, &format!("{a} and {b} cannot be used together"));
        }
    }
    if has("videoWidth") != has("videoHeight") {
        err(
            "videoWidth",
            "videoWidth and videoHeight must be given together",
        );
    }
    let known = |k: &str, list: &[(&str, &str)], by_name: bool| {
        body.get(k).and_then(Value::as_str).is_none_or(|v| {
            list.iter()
                .any(|(id, name)| if by_name { *name == v } else { *id == v })
        })
    };
    for (k, list, by_name) in [
        ("brandId", VIDEO_BRANDS, false),
        ("brandName", VIDEO_BRANDS, true),
        ("subtitleStyleId", TEXT_STYLES, false),
        ("subtitleStyleName", TEXT_STYLES, true),
        ("smartLayoutId", SMART_LAYOUTS, false),
        ("smartLayoutName", SMART_LAYOUTS, true),
    ] {
        if !known(k, list, by_name) {
            err(k, "is not one of the account's (see the look-up)");
        }
    }
    if let Some(avatar) = body.get("avatar").filter(|a| a.is_object()) {
        let id = avatar.get("avatarId").and_then(Value::as_str).unwrap_or("");
        if !avatar_look_ids().any(|l| l == id) {
            err(
                "avatar.avatarId",
                "is not an avatar look id (see GET /v1/avatars)",
            );
        }
        if body.pointer("/voiceOver/enabled") != Some(&Value::Bool(true)) {
            err("avatar", "requires voiceOver.enabled: true");
        }
    }
    let template = has("templateId");
    match body.get("scenes").and_then(Value::as_array) {
        None | Some(_) if template => {}
        None => err("scenes", "is required"),
        Some(scenes) if scenes.is_empty() => err("scenes", "must contain at least one scene"),
        Some(scenes) => {
            for (i, scene) in scenes.iter().enumerate() {
                let sources = SCENE_SOURCES
                    .iter()
                    .filter(|k| scene.get(**k).is_some_and(|v| !v.is_null()))
                    .count();
                let background = scene.get("background").is_some_and(Value::is_object);
                if sources > 1 || (sources == 0 && !background) {
                    err(
                        &format!("scenes[{i}]"),
                        "must have exactly one content source (story, storyCoPilot, blogUrl, pptUrl, audioUrl, videoUrl) or a background",
                    );
                }
            }
        }
    }
}

/// Element-based render parameters for a v2 storyboard request:
/// `{output, elements, sceneMarkers, subtitles}`.
pub(crate) fn element_render_params(request: &Value, origin: &str) -> Value {
    const SECONDS: f64 = 10.0;
    let scenes = request
        .get("scenes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut elements = Vec::new();
    let mut markers = Vec::new();
    for (i, scene) in scenes.iter().enumerate() {
        let start = i as f64 * SECONDS;
        let text = SCENE_SOURCES
            .iter()
            .find_map(|k| scene.get(*k).and_then(Value::as_str))
            .unwrap_or("")
            .to_string();
        let n = i + 1;
        elements.push(json!({
            "id": format!("backgroundElement_{n:04}"),
            "elementType": "backgroundElement",
            "type": "video",
            "startTime": start,
            "duration": SECONDS,
            "url": format!("{origin}/stock/{n}.mp4"),
            "loop": true,
            "mute": true,
        }));
        elements.push(json!({
            "id": format!("SceneText_{n:04}"),
            "elementType": "SceneText",
            "type": "text",
            "startTime": start,
            "duration": SECONDS,
            "text": text,
        }));
        markers.push(json!({"start": start, "end": start + SECONDS}));
    }
    let total = scenes.len() as f64 * SECONDS;
    if request.pointer("/voiceOver/enabled") == Some(&Value::Bool(true)) {
        elements.push(json!({
            "id": "voiceOver", "elementType": "audioElement", "type": "audio",
            "startTime": 0.0, "duration": total, "url": format!("{origin}/audio/voice-over.mp3"),
        }));
    }
    if request.pointer("/backgroundMusic/enabled") == Some(&Value::Bool(true)) {
        let volume = request
            .pointer("/backgroundMusic/volume")
            .cloned()
            .unwrap_or(json!(1.0));
        elements.push(json!({
            "id": "bgMusic", "elementType": "audioElement", "type": "audio",
            "startTime": 0.0, "duration": total, "volume": volume,
            "url": request.pointer("/backgroundMusic/musicUrl").cloned()
                .unwrap_or_else(|| json!(format!("{origin}/music/auto.mp3"))),
        }));
    }
    json!({
        "output": {
            "name": request.get("videoName").cloned().unwrap_or(json!("video")),
            "width": request.get("videoWidth").cloned().unwrap_or(json!(1920)),
            "height": request.get("videoHeight").cloned().unwrap_or(json!(1080)),
            "format": "mp4",
        },
        "elements": elements,
        "sceneMarkers": markers,
        "subtitles": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_keys_round_trip_and_unknown_keys_are_refused() {
        assert_eq!(offset_of(&page_key(30)), Some(30));
        assert_eq!(offset_of("nonsense"), None);
        let items: Vec<Value> = (0..25).map(|i| json!(i)).collect();
        let (first, next) = page(items.clone(), None).unwrap();
        assert_eq!(first.len(), PAGE_SIZE);
        let (second, next) = page(items.clone(), next.as_deref()).unwrap();
        assert_eq!(second[0], json!(10));
        let (third, next) = page(items.clone(), next.as_deref()).unwrap();
        assert_eq!((third.len(), next), (5, None));
        assert!(page(items, Some("zz")).is_err());
    }

    #[test]
    fn v2_rules() {
        let mut out = Vec::new();
        storyboard_v2_rules(
            &json!({"brandId": VIDEO_BRANDS[0].0, "brandName": "x", "scenes": [{"story": "a", "blogUrl": "b"}, {}]}),
            &mut out,
        );
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["brandId", "brandName", "scenes[0]", "scenes[1]"]);
        let mut out = Vec::new();
        storyboard_v2_rules(
            &json!({"videoName": "v", "scenes": [{"story": "a"}, {"background": {"color": "rgb(0,0,0)"}}]}),
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
    }
}
