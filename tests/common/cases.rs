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
    ]
}
