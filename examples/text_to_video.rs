//! Text → storyboard preview → render → the .mp4 downloaded, with a
//! progress bar.
//!
//! `cargo run --example text_to_video [-- OUT.mp4]`
//!
//! With `LOWCODEAPI_API_TOKEN` set it talks to LowCodeAPI (`LOWCODEAPI_BASE_URL`
//! to override), and with `PICTORY_API_KEY` it reads jobs from Pictory
//! directly (LowCodeAPI's own server has no job-status route); with
//! neither, to the built-in simulator. Before creating anything it says on
//! one line how it will wait for the jobs, or stops when it could not.
//!
//! With `PICTORY_WEBHOOK_ADDR` (the address to listen on, e.g. `0.0.0.0:8080`)
//! and `PICTORY_WEBHOOK_URL` (the public base URL that reaches it) set, it
//! waits through webhooks instead of polling (build with
//! `--features webhooks`):
//!
//! `PICTORY_WEBHOOK_ADDR=127.0.0.1:8787 PICTORY_WEBHOOK_URL=http://127.0.0.1:8787/hooks cargo run --example text_to_video --features webhooks`

mod common;

use indicatif::{ProgressBar, ProgressStyle};
use pictory::jobs::{AdaptiveBackoff, ExponentialBackoff, JobState};
use pictory::storyboard::{AiVoice, Audio, Scene, StoryboardRequest};
use pictory::{FlowOptions, Stage};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(saved) => {
            println!("{saved}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            common::report(&e);
            ExitCode::FAILURE
        }
    }
}

async fn run() -> pictory::Result<String> {
    let (client, sim) = common::client().await?;
    let request = StoryboardRequest::new("pictory-rs demo")
        .scene(
            Scene::text("Pictory turns text into videos.")
                .voice_over(true)
                .subtitles(true),
        )
        .scene(Scene::text("This one was made from Rust, in one call.").voice_over(true))
        .audio(
            Audio::default()
                .ai_voice(AiVoice::new("Jackson"))
                .background_music(0.1),
        );

    let bar = if std::io::stdout().is_terminal() {
        let bar = ProgressBar::new(100);
        bar.set_style(
            ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos:>3}%").expect("valid template"),
        );
        Some(bar)
    } else {
        None
    };
    let shown = bar.clone();
    let mut opts = FlowOptions::default().on_progress(move |stage, job| {
        let stage = stage.as_str();
        let percent = job.state.progress().unwrap_or(0.0);
        match &shown {
            Some(bar) => {
                bar.set_message(stage);
                bar.set_position(percent as u64);
            }
            None => {
                let detail = match &job.state {
                    JobState::InProgress {
                        message: Some(m), ..
                    } => format!(" ({m})"),
                    _ => String::new(),
                };
                println!("{stage}: {} {percent:.0}%{detail}", job.state.name());
            }
        }
    });
    // The simulator's jobs take seconds: poll faster than the real-service default.
    opts = if sim.is_some() {
        opts.backoff(ExponentialBackoff::new(
            Duration::from_millis(300),
            1.5,
            Duration::from_secs(2),
        ))
    } else {
        opts.backoff(AdaptiveBackoff::default())
    };
    // Each job's id as soon as it exists: the job can be found again.
    opts = opts.on_job_created(|stage: Stage, id| println!("{stage} job: {id}"));
    let (opts, _webhook_server) = webhooks(opts).await?;
    // How the jobs will be waited for, decided before anything is created.
    let plan = client.wait_plan(&opts).await?;
    println!("waiting for jobs: {plan}");
    let result = client.text_to_video_with(&request, &opts).await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let video = result?;
    if let Some(preview) = &video.preview.preview_url {
        println!("preview: {preview}");
    }
    println!(
        "video (job {}): {}",
        video.render_job, video.video.video_url
    );
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "text_to_video.mp4".into());
    let saved = client.download_video(&video.video, &out, |_, _| {}).await?;
    Ok(format!(
        "saved: {} ({} bytes)",
        saved.path.display(),
        saved.bytes
    ))
}

const WEBHOOK_ADDR: &str = "PICTORY_WEBHOOK_ADDR";
const WEBHOOK_URL: &str = "PICTORY_WEBHOOK_URL";

/// The two webhook variables, both set or neither.
fn webhook_env() -> pictory::Result<Option<(String, String)>> {
    let get = |name| {
        std::env::var(name)
            .ok()
            .filter(|v: &String| !v.trim().is_empty())
    };
    match (get(WEBHOOK_ADDR), get(WEBHOOK_URL)) {
        (Some(addr), Some(url)) => Ok(Some((addr, url))),
        (None, None) => Ok(None),
        (Some(_), None) | (None, Some(_)) => Err(pictory::Error::Config {
            message: format!(
                "set both {WEBHOOK_ADDR} (where to listen) and {WEBHOOK_URL} (the public base URL that reaches it), or neither"
            ),
        }),
    }
}

/// Waits through webhooks when asked: a hub for the public URL, listening
/// on the address (the server stops when the returned handle drops).
#[cfg(feature = "webhooks")]
async fn webhooks(
    opts: FlowOptions,
) -> pictory::Result<(FlowOptions, Option<pictory::webhooks::WebhookServer>)> {
    let Some((addr, url)) = webhook_env()? else {
        return Ok((opts, None));
    };
    let hub = pictory::webhooks::WebhookHub::new(&url)?;
    let server = hub.serve(&addr).await?;
    println!(
        "waiting through webhooks: listening on {}, callbacks under {url}",
        server.local_addr()
    );
    Ok((opts.webhooks(hub), Some(server)))
}

#[cfg(not(feature = "webhooks"))]
async fn webhooks(opts: FlowOptions) -> pictory::Result<(FlowOptions, Option<()>)> {
    match webhook_env()? {
        None => Ok((opts, None)),
        Some(_) => Err(pictory::Error::Config {
            message: format!(
                "{WEBHOOK_ADDR} is set, but this build has no webhook receiver: run with --features webhooks"
            ),
        }),
    }
}
