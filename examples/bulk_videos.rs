//! Ten videos at once, at most four in flight; one failure does not stop the rest.
//!
//! `cargo run --example bulk_videos --features simulator`

mod common;

use pictory::FlowOptions;
use pictory::jobs::ExponentialBackoff;
use pictory::storyboard::{Scene, StoryboardRequest};
use std::process::ExitCode;
use std::time::Duration;

#[tokio::main]
async fn main() -> ExitCode {
    let (client, _sim) = match common::client().await {
        Ok(c) => c,
        Err(e) => {
            common::report(&e);
            return ExitCode::FAILURE;
        }
    };
    let requests: Vec<StoryboardRequest> = (1..=10)
        .map(|i| {
            StoryboardRequest::new(format!("bulk video {i}"))
                .scene(Scene::text(format!("This is video number {i}.")))
        })
        .collect();
    let opts = FlowOptions::default().backoff(ExponentialBackoff {
        initial: Duration::from_millis(300),
        multiplier: 1.5,
        max: Duration::from_secs(5),
    });
    let results = pictory::bulk::run_bounded(requests, 4, |r| {
        let (client, opts) = (client.clone(), opts.clone());
        async move {
            (
                r.video_name.clone(),
                client.text_to_video_with(&r, &opts).await,
            )
        }
    })
    .await;
    let mut failed = 0;
    for (name, result) in &results {
        match result {
            Ok(v) => println!("{name}: {}", v.video.video_url),
            Err(e) => {
                failed += 1;
                common::report(e)
            }
        }
    }
    println!("{} of {} succeeded", results.len() - failed, results.len());
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
