//! Upload a local video file and transcribe it.
//!
//! `cargo run --example transcribe_file -- [PATH]`
//! (without PATH it writes a small sample file first).

mod common;

use pictory::FlowOptions;
use pictory::jobs::ExponentialBackoff;
use std::process::ExitCode;
use std::time::Duration;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            common::report(&e);
            ExitCode::FAILURE
        }
    }
}

async fn run() -> pictory::Result<()> {
    let (client, _sim) = common::client().await?;
    let path = match std::env::args().nth(1) {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let p = std::env::temp_dir().join("pictory-sample.mp4");
            std::fs::write(&p, vec![0u8; 64 * 1024]).map_err(|e| pictory::Error::Io {
                operation: "upload_file",
                path: p.display().to_string(),
                message: e.to_string(),
            })?;
            p
        }
    };
    let uploaded = client
        .upload_file(&path, "video/mp4", |sent, total| {
            eprintln!("uploaded {sent} of {total} bytes")
        })
        .await?;
    println!("uploaded {} bytes: {}", uploaded.bytes, uploaded.url);
    let opts = FlowOptions::default().backoff(ExponentialBackoff::new(
        Duration::from_millis(500),
        1.5,
        Duration::from_secs(15),
    ));
    let (job, transcript) = client.transcribe(&uploaded.url, "en-US", &opts).await?;
    println!("transcription job {job}:");
    for sentence in &transcript.sentences {
        println!("{}", sentence.text());
    }
    for h in transcript.highlight_ranges() {
        println!("highlight {:.1}-{:.1} s: {}", h.start, h.end, h.text);
    }
    Ok(())
}
