//! A resumable batch of videos: `video-001`, `video-002`, ... (the video's
//! name is its journal key), text → preview → render, a few at a time,
//! every step journalled. Kill it at any moment and run the same command
//! again: finished videos are skipped, started jobs are waited on again,
//! and no storyboard or render is ever requested twice.
//!
//! ```sh
//! cargo run --example bulk_videos --features journal -- --count 20 --journal videos.journal
//! ```
//!
//! Options: `--count N` (default 10), `--journal PATH` (default: a new
//! file in the temp directory, which does not resume), `--concurrency N`
//! (default 8), `--recreate-possibly-processed` (send again the creates
//! whose outcome is unknown; Pictory may bill them twice).
//!
//! Talks to LowCodeAPI with `LOWCODEAPI_API_TOKEN` (and `LOWCODEAPI_BASE_URL`)
//! when set, else to the built-in simulator. Exits 0 only when every video
//! is finished; 1 otherwise (each unfinished item says why); 2 on bad
//! arguments.

mod common;

use pictory::FlowOptions;
use pictory::jobs::ExponentialBackoff;
use pictory::journal::{BulkItem, BulkRun, ItemOutcome, Journal};
use pictory::storyboard::{Scene, StoryboardRequest};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

struct Args {
    count: usize,
    journal: Option<PathBuf>,
    concurrency: usize,
    recreate: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        count: 10,
        journal: None,
        concurrency: 8,
        recreate: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--count" => {
                args.count = value("--count")?
                    .parse()
                    .map_err(|e| format!("--count: {e}"))?
            }
            "--concurrency" => {
                args.concurrency = value("--concurrency")?
                    .parse()
                    .map_err(|e| format!("--concurrency: {e}"))?
            }
            "--journal" => args.journal = Some(PathBuf::from(value("--journal")?)),
            "--recreate-possibly-processed" => args.recreate = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "error: {e}\nusage: bulk_videos [--count N] [--journal PATH] [--concurrency N] [--recreate-possibly-processed]"
            );
            return ExitCode::from(2);
        }
    };
    let path = args.journal.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("bulk_videos-{}.journal", std::process::id()))
    });
    let journal = match Journal::open(&path) {
        Ok(j) => j,
        Err(e) => {
            common::report(&e);
            return ExitCode::FAILURE;
        }
    };
    println!("journal: {}", path.display());
    let (client, _sim) = match common::client().await {
        Ok(c) => c,
        Err(e) => {
            common::report(&e);
            return ExitCode::FAILURE;
        }
    };
    let items = (1..=args.count).map(|i| {
        let name = format!("video-{i:03}");
        let request =
            StoryboardRequest::new(&name).scene(Scene::text(format!("This is video number {i}.")));
        BulkItem::new(name, request)
    });
    let opts = FlowOptions::default().backoff(ExponentialBackoff::new(
        Duration::from_millis(300),
        1.5,
        Duration::from_secs(5),
    ));
    let report = BulkRun::new(client, journal)
        .concurrency(args.concurrency)
        .options(opts)
        .recreate_possibly_processed(args.recreate)
        .run(items)
        .await;
    let mut finished = 0;
    for (key, outcome) in report.outcomes() {
        let line = format!("{key}: {outcome}");
        // One line per item, whatever the error text holds.
        let line: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if let ItemOutcome::Finished { .. } = outcome {
            finished += 1;
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    let possibly = report.possibly_processed().len();
    println!(
        "{finished} of {} finished; {possibly} possibly processed{}",
        report.outcomes().len(),
        if possibly > 0 {
            " (check Pictory, then run again with --recreate-possibly-processed to create them again)"
        } else {
            ""
        }
    );
    if report.all_finished() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
