//! `pictory v2`: a video through Pictory's v2 (element-based) API, Pictory
//! direct: text (or a v2 storyboard file) → preview → render → an .mp4, a
//! direct render (`--direct`), or a saved project rendered (`--project`).
//! The library's checks run first (what Pictory refuses: exit 2, nothing
//! sent; its footguns: one warning line each), then the ids given are
//! checked against the look-ups that return them.

use crate::Session;
use crate::cli::V2Args;
use crate::commands::{Stages, announce_plan, first_words, flow_options, save_video, usage};
use crate::report::{Failure, Reporter};
use pictory::raw::types::StoryboardV2;
use serde_json::{Map, Value, json};

/// The v2 storyboard the arguments describe (a file, or text and flags).
fn storyboard(args: &V2Args) -> Result<StoryboardV2, Failure> {
    let mut body = match (&args.storyboard, &args.text) {
        (Some(path), None) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("--storyboard: cannot read {}: {e}", path.display())))?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| usage(format!("--storyboard: {} is not JSON: {e}", path.display())))?;
            match value {
                Value::Object(map) => map,
                _ => {
                    return Err(usage(format!(
                        "--storyboard: {} is not a JSON object",
                        path.display()
                    )));
                }
            }
        }
        (None, Some(text)) if !text.trim().is_empty() => {
            let mut map = Map::new();
            map.insert("scenes".into(), json!([{ "story": text.trim() }]));
            map
        }
        (None, Some(_)) => return Err(usage("the text is empty")),
        _ => return Err(usage("give a text or --storyboard FILE (a v2 storyboard)")),
    };
    if let Some(name) = &args.name {
        body.insert("videoName".into(), json!(name));
    }
    if !body.contains_key("videoName") {
        // The text's first words, as `pictory video` names its videos.
        let name = first_words(args.text.as_deref().unwrap_or("video"));
        body.insert("videoName".into(), json!(name));
    }
    if let Some(voice) = &args.sound.voice {
        body.insert(
            "voiceOver".into(),
            json!({"enabled": true, "aiVoices": [{"speaker": voice}]}),
        );
    }
    if let Some(volume) = args.sound.music {
        body.insert(
            "backgroundMusic".into(),
            json!({"enabled": true, "autoMusic": true, "volume": volume}),
        );
    }
    for (key, value) in [
        ("brandId", &args.brand),
        ("smartLayoutId", &args.layout),
        ("subtitleStyleId", &args.style),
    ] {
        if let Some(v) = value {
            body.insert(key.into(), json!(v));
        }
    }
    if let Some(avatar) = &args.avatar {
        body.insert("avatar".into(), json!({ "avatarId": avatar }));
    }
    if args.save_project {
        body.insert("saveProject".into(), json!(true));
    }
    serde_json::from_value(Value::Object(body))
        .map_err(|e| usage(format!("not a v2 storyboard: {e}")))
}

pub async fn video(session: &Session, reporter: &Reporter, args: V2Args) -> Result<(), Failure> {
    let client = &session.client;
    let stages = Stages::new(reporter);
    let opts = stages.options(flow_options(session, reporter));
    let outcome = if let Some(project) = &args.project {
        if args.text.is_some() || args.storyboard.is_some() {
            return Err(usage(
                "--project renders a saved project: give no text nor --storyboard",
            ));
        }
        announce_plan(session, reporter, &opts).await?;
        client
            .render_saved_project(project, &opts)
            .await
            .map(|(render_job, video)| (None, render_job, video))
    } else {
        let request = storyboard(&args)?;
        let operation = if args.direct {
            "render_storyboard_video_v2"
        } else {
            "create_storyboard_v2"
        };
        for warning in pictory::storyboard::check_v2(operation, &request)? {
            reporter.note(&format!("warning: {warning}"));
        }
        client.check_storyboard_v2_ids(&request).await?;
        announce_plan(session, reporter, &opts).await?;
        if args.direct {
            client
                .render_storyboard_v2(&request, &opts)
                .await
                .map(|(render_job, video)| (None, render_job, video))
        } else {
            client
                .text_to_video_v2(&request, &opts)
                .await
                .map(|v| (Some(v.preview_job), v.render_job, v.video))
        }
    };
    let (preview_job, render_job, video) = stages.settle(outcome)?;
    let saved = save_video(
        session,
        reporter,
        &video,
        &crate::commands::output_file(&args.save.out, args.save.force),
    )
    .await?;
    reporter.value(&json!({
        "preview_job_id": preview_job,
        "render_job_id": render_job,
        "video_url": video.video_url,
        "file": saved.path,
        "bytes": saved.bytes,
    }));
    Ok(())
}
