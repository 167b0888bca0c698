//! One invocation per operation of the spec, shared by the contract and
//! fallback tests.

use pictory::Client;
use pictory::raw::types;
use serde_json::json;
use std::future::Future;
use std::pin::Pin;

/// A boxed call, its answer reduced to the JSON payload (every operation
/// has its own response type).
pub type Outcome = Pin<Box<dyn Future<Output = pictory::Result<serde_json::Value>> + Send>>;
/// One operation invoked with a path-parameter value.
pub type Case = fn(Client, &'static str) -> Outcome;

/// A path-parameter value that needs encoding.
pub const ID: &str = "id-7ü?x#;";

macro_rules! case {
    ($id:literal, |$c:ident, $v:ident| $call:expr) => {
        (
            $id,
            (|$c: Client, $v: &'static str| -> Outcome {
                Box::pin(async move {
                    let _ = $v;
                    $call.send().await.map(|r| r.payload().clone())
                })
            }) as Case,
        )
    };
}

pub fn cases() -> Vec<(&'static str, Case)> {
    vec![
        case!("create_aws_connection", |c, v| c
            .api()
            .create_aws_connection()
            .body_map(|b| b
                .name("conn")
                .enabled(true)
                .aws_region("us-east-1")
                .aws_account_id("123456789012")
                .description(Some("test".to_string())))),
        case!("list_aws_connections", |c, v| c
            .api()
            .list_aws_connections()
            .page_key("next page")),
        case!("get_aws_connection", |c, v| c
            .api()
            .get_aws_connection()
            .connectionid(v)),
        case!("update_aws_connection", |c, v| c
            .api()
            .update_aws_connection()
            .connectionid(v)
            .body_map(|b| b.version(2.0).enabled(Some(false)))),
        case!("delete_aws_connection", |c, v| c
            .api()
            .delete_aws_connection()
            .connectionid(v)),
        case!("generate_upload_url", |c, v| c
            .api()
            .generate_upload_url()
            .body_map(|b| b
                .file_name("clip.mp4")
                .content_type("video/mp4"))),
        case!("list_voiceover_tracks", |c, v| c
            .api()
            .list_voiceover_tracks()),
        case!("add_voiceover_track", |c, v| c
            .api()
            .add_voiceover_track()
            .body_map(|b| b
                .age("adult")
                .name("Narrator")
                .accent("british")
                .engine("elevenlabs")
                .gender("female")
                .service("elevenlabs")
                .voice_id("v-1")
                .language("en"))),
        case!("create_storyboard", |c, v| c
            .api()
            .create_storyboard()
            .body_map(|b| b.extra(serde_json::Map::new()))
            .body_map(|b| b
                .video_name(Some("demo".to_string()))
                .language(Some("en".to_string()))
                .scenes(vec![
                    serde_json::from_value(json!({"text": "Hello", "voiceOver": true})).unwrap()
                ]))),
        case!("render_video", |c, v| c.api().render_video().body(
            serde_json::Map::from_iter([
                ("webhook".to_string(), json!("https://example.test/hook")),
                ("scenes".to_string(), json!([{"text": "Hello"}])),
            ])
        )),
        case!("render_storyboard", |c, v| c
            .api()
            .render_storyboard()
            .job_id(v)
            .body(types::RenderStoryboardBody::default())),
        case!("create_video_summary", |c, v| c
            .api()
            .create_video_summary()
            .body_map(|b| b
                .highlight_duration(Some(30.0))
                .transcript(Some(json!([{"sentence": "Hi"}]))))),
        case!("create_transcription", |c, v| c
            .api()
            .create_transcription()
            .body_map(|b| b
                .file_url(Some("https://example.test/v.mp4".to_string()))
                .media_type(Some("video".to_string()))
                .language(Some("en-US".to_string())))),
        (
            "create_template",
            (|c: Client, _v: &'static str| -> Outcome {
                Box::pin(async move {
                    let dir = std::env::temp_dir().join(format!(
                        "pictory-case-{}-{}",
                        std::process::id(),
                        fastrand::u64(..)
                    ));
                    std::fs::create_dir_all(&dir).unwrap();
                    let path = dir.join("project.pictai");
                    std::fs::write(&path, b"PK\x03\x04 project").unwrap();
                    let result = c
                        .create_template_from_file(&path, pictory::TemplateUpload::Multipart)
                        .await;
                    let _ = std::fs::remove_dir_all(&dir);
                    result.map(|r| r.payload().clone())
                })
            }) as Case,
        ),
        case!("create_video_from_template", |c, v| c
            .api()
            .create_video_from_template()
            .body(serde_json::Map::from_iter([(
                "templateId".to_string(),
                json!("t1")
            )]))),
        case!("list_templates", |c, v| c.api().list_templates()),
        case!("update_template", |c, v| c
            .api()
            .update_template()
            .template_id(v)
            .body_map(|b| b.scenes(Some(json!([]))))),
        case!("get_template", |c, v| c.api().get_template().template_id(v)),
        case!("delete_template", |c, v| c
            .api()
            .delete_template()
            .template_id(v)),
        case!("create_brand", |c, v| c
            .api()
            .create_brand()
            .body_map(|b| b.name(Some("Acme".to_string())))),
        case!("list_brands", |c, v| c.api().list_brands()),
        case!("get_brand", |c, v| c.api().get_brand().brand_id(v)),
        case!("update_brand", |c, v| c
            .api()
            .update_brand()
            .brand_id(v)
            .body_map(|b| b.color(Some(json!("#ff0000"))))),
        case!("delete_brand", |c, v| c.api().delete_brand().brand_id(v)),
        case!("get_job", |c, v| c.api().get_job().job_id(v)),
        // Served by Pictory only (with PICTORY_API_KEY).
        case!("create_storyboard_v2", |c, v| c
            .api()
            .create_storyboard_v2()
            .body(
                serde_json::from_value::<types::StoryboardV2>(json!({
                    "videoName": "demo",
                    "voiceOver": {"enabled": true, "aiVoices": [{"speaker": "Brian"}]},
                    "scenes": [{"story": "Hello there."}]
                }))
                .unwrap()
            )),
        case!("render_storyboard_video_v2", |c, v| c
            .api()
            .render_storyboard_video_v2()
            .body(
                serde_json::from_value::<types::StoryboardV2>(json!({
                    "videoName": "demo",
                    "brandId": "brand-1",
                    "scenes": [{"blogUrl": "https://example.test/post"}]
                }))
                .unwrap()
            )),
        case!("render_preview_v2", |c, v| c
            .api()
            .render_preview_v2()
            .storyboardjobid(v)
            .body_map(
                |b| b.webhook(Some("https://example.test/hook".to_string()))
            )),
        case!("render_video_v2", |c, v| c.api().render_video_v2().body(
            serde_json::Map::from_iter([("elements".to_string(), json!([]))])
        )),
        case!("render_project", |c, v| c
            .api()
            .render_project()
            .projectid(v)),
        case!("update_storyboard_elements", |c, v| c
            .api()
            .update_storyboard_elements()
            .jobid(v)
            .body(vec![
                serde_json::from_value::<types::StoryboardElement>(json!({
                    "id": "e1", "elementType": "backgroundElement", "type": "image",
                    "startTime": 0, "duration": 4, "url": "https://example.test/a.jpg"
                }))
                .unwrap()
            ])),
        case!("list_jobs", |c, v| c.api().list_jobs().next_page_key("k 1")),
        case!("list_projects", |c, v| c
            .api()
            .list_projects()
            .pagekey("k 1")),
        case!("get_project", |c, v| c.api().get_project().projectid(v)),
        case!("create_highlights_from_job", |c, v| c
            .api()
            .create_highlights_from_job()
            .job_id(v)
            .body_map(|b| b.highlight_duration(Some(30.0)))),
        case!("list_video_brands", |c, v| c.api().list_video_brands()),
        case!("list_text_styles", |c, v| c.api().list_text_styles()),
        case!("list_smart_layouts", |c, v| c.api().list_smart_layouts()),
        case!("list_avatars", |c, v| c
            .api()
            .list_avatars()
            .next_page_key("k")),
        case!("search_music", |c, v| c.api().search_music().body_map(
            |b| b.query(Some("journey".to_string())).page(Some(1))
        )),
        case!("list_music_moods", |c, v| c.api().list_music_moods()),
        case!("list_music_genres", |c, v| c.api().list_music_genres()),
        case!("list_music_genre_groups", |c, v| c
            .api()
            .list_music_genre_groups()),
        case!("list_music_instruments", |c, v| c
            .api()
            .list_music_instruments()),
        case!("list_music_purposes", |c, v| c.api().list_music_purposes()),
        case!("search_media", |c, v| c
            .api()
            .search_media()
            .keyword("city at night")
            .category("video")),
        case!("create_ai_image", |c, v| c
            .api()
            .create_ai_image()
            .body_map(|b| b
                .prompt("A lighthouse at dawn")
                .model(Some("flux-schnell".to_string())))),
        case!("list_ai_images", |c, v| c.api().list_ai_images()),
        case!("create_ai_video", |c, v| c
            .api()
            .create_ai_video()
            .body_map(|b| b
                .prompt("Waves on a beach")
                .model(Some("pixverse5.5".to_string())))),
        case!("list_ai_videos", |c, v| c.api().list_ai_videos()),
        case!("create_vimeo_connection", |c, v| c
            .api()
            .create_vimeo_connection()
            .body_map(|b| b
                .name("vimeo")
                .enabled(true)
                .access_token("vimeo-access")
                .client_identifier("client-id")
                .client_secret("client-secret"))),
        case!("list_vimeo_connections", |c, v| c
            .api()
            .list_vimeo_connections()),
        case!("get_vimeo_connection", |c, v| c
            .api()
            .get_vimeo_connection()
            .connectionid(v)),
        case!("get_quota", |c, v| c.api().get_quota()),
        case!("get_ai_credits_usage", |c, v| c
            .api()
            .get_ai_credits_usage()
            .year(2026)
            .month(5)),
    ]
}
