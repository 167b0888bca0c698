//! `pictory bulk`: every row of a CSV or JSON Lines file text → preview →
//! render, through the library's journal (`pictory::journal`), so that
//! running the same command again resumes the batch.

use crate::Session;
use crate::cli::BulkArgs;
use crate::commands::{announce_plan, check_music, flow_options, storyboard, usage};
use crate::report::{Failure, Reporter, one_line};
use pictory::Stage;
use pictory::journal::{BulkItem, BulkRun, ItemOutcome, Journal, JournalStage};
use pictory::storyboard::Scene;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;

/// The fields of a row, in CSV header order.
const COLUMNS: [&str; 4] = ["name", "text", "voice", "music"];

/// One row as written (CSV cells under the header, or a JSON object).
/// Required fields are checked after reading, so that every format names
/// the same problem the same way.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    voice: Option<String>,
    #[serde(default)]
    music: Option<f64>,
}

/// The rows of a file, each with its line number.
type Rows = Result<Vec<(u64, Row)>, Failure>;

/// Reads and checks the whole batch: nothing is sent unless every row is
/// good. Each error is a usage error naming the file and the line.
pub fn load(args: &BulkArgs) -> Result<Vec<BulkItem>, Failure> {
    let file = &args.file;
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let read: fn(&Path, &str) -> Rows = match ext.as_deref() {
        Some("csv") => read_csv,
        Some("jsonl") => read_jsonl,
        _ => {
            return Err(usage(format!(
                "{}: give a .csv or a .jsonl file",
                file.display()
            )));
        }
    };
    let content = std::fs::read_to_string(file)
        .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
    // A byte-order mark, as spreadsheet exports write, is not part of the data.
    let content = content.strip_prefix('\u{feff}').unwrap_or(&content);
    let rows = read(file, content)?;
    items(file, rows, args)
}

/// A usage error about `line` of `file`.
fn at(file: &Path, line: u64, what: impl std::fmt::Display) -> Failure {
    usage(format!("{}: line {line}: {what}", file.display()))
}

fn read_csv(file: &Path, content: &str) -> Rows {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::Headers)
        .from_reader(content.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| at(file, 1, csv_error(&e, &csv::StringRecord::new())))?
        .clone();
    let mut seen = Vec::new();
    for column in &headers {
        if !COLUMNS.contains(&column) {
            return Err(at(
                file,
                1,
                format!(
                    "unknown column {column:?} (the columns are {})",
                    COLUMNS.join(", ")
                ),
            ));
        }
        if seen.contains(&column) {
            return Err(at(file, 1, format!("column {column:?} appears twice")));
        }
        seen.push(column);
    }
    for required in ["name", "text"] {
        if !seen.contains(&required) {
            return Err(at(
                file,
                1,
                format!("the header has no {required:?} column (name and text are required)"),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            at(file, line, csv_error(&e, &headers))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let row: Row = record
            .deserialize(Some(&headers))
            .map_err(|e| at(file, line, csv_error(&e, &headers)))?;
        rows.push((line, row));
    }
    Ok(rows)
}

/// The csv crate's message without the position it repeats (the caller
/// names the line), with the column named.
fn csv_error(e: &csv::Error, headers: &csv::StringRecord) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let column = err
                .field()
                .and_then(|i| headers.get(usize::try_from(i).ok()?));
            match column {
                Some(column) => format!("column {column:?}: {}", err.kind()),
                None => err.to_string(),
            }
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8: {err}"),
        _ => e.to_string(),
    }
}

fn read_jsonl(file: &Path, content: &str) -> Rows {
    let mut rows = Vec::new();
    for (index, text) in content.lines().enumerate() {
        let line = index as u64 + 1;
        if text.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(text).map_err(|e| {
            // serde_json counts from the start of this line alone.
            let message = e.to_string();
            let message = message.rsplit_once(" at line ").map_or(&*message, |m| m.0);
            at(
                file,
                line,
                format!(
                    "not a JSON object with the fields {} ({message}, column {})",
                    COLUMNS.join(", "),
                    e.column()
                ),
            )
        })?;
        rows.push((line, row));
    }
    Ok(rows)
}

/// A value that is there and not blank, trimmed.
fn present(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The checked items: names present and unique, texts present, volumes
/// between 0 and 1, every storyboard valid. `--voice` and `--music` fill
/// rows that have none.
fn items(file: &Path, rows: Vec<(u64, Row)>, args: &BulkArgs) -> Result<Vec<BulkItem>, Failure> {
    let mut lines: HashMap<String, u64> = HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let name = present(row.name).ok_or_else(|| at(file, line, "no name (required)"))?;
        let text = present(row.text)
            .ok_or_else(|| at(file, line, format!("{name:?}: no text (required)")))?;
        if let Some(first) = lines.insert(name.clone(), line) {
            return Err(at(
                file,
                line,
                format!(
                    "the name {name:?} is also on line {first} (each name is the video's journal key: make it unique)"
                ),
            ));
        }
        let music = row.music.or(args.music);
        check_music(&format!("{}: line {line}: music", file.display()), music)?;
        let voice = present(row.voice).or_else(|| args.voice.clone());
        let request = storyboard(&name, Scene::text(text), voice.as_deref(), music);
        request
            .validate()
            .map_err(|e| at(file, line, format!("{name:?}: {e}")))?;
        items.push(BulkItem::new(name, request));
    }
    if items.is_empty() {
        return Err(usage(format!("{}: no rows", file.display())));
    }
    Ok(items)
}

/// How one item ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Finished,
    Failed,
    PossiblyProcessed,
    Interrupted,
}

/// One item's end, as shown and as JSON.
struct Ended {
    kind: Kind,
    /// `key: outcome`, on one line.
    line: String,
    json: Value,
}

impl Ended {
    /// Describes `outcome`; a finished item's preview URL is read back from
    /// the journal (the outcome carries the video's only).
    async fn of(journal: &Journal, key: &str, outcome: &ItemOutcome) -> Ended {
        let line = one_line(&format!("{key}: {outcome}"));
        let (kind, json) = match outcome {
            ItemOutcome::Finished {
                preview_job,
                render_job,
                video_url,
            } => {
                let preview_url = journal
                    .get(key)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|r| r.preview_url);
                (
                    Kind::Finished,
                    json!({
                        "key": key,
                        "outcome": "finished",
                        "preview_job": preview_job,
                        "render_job": render_job,
                        "preview_url": preview_url,
                        "video_url": video_url,
                    }),
                )
            }
            ItemOutcome::Failed { error } => (
                Kind::Failed,
                json!({"key": key, "outcome": "failed", "error": error}),
            ),
            ItemOutcome::PossiblyProcessed { stage, detail } => {
                let step = match stage {
                    Stage::Render => "render",
                    _ => "storyboard",
                };
                (
                    Kind::PossiblyProcessed,
                    json!({
                        "key": key,
                        "outcome": "possibly_processed",
                        "step": step,
                        "detail": detail,
                    }),
                )
            }
            ItemOutcome::Interrupted { error } => (
                Kind::Interrupted,
                json!({"key": key, "outcome": "interrupted", "error": error.to_string()}),
            ),
            // An outcome this tool does not know yet: not finished.
            other => (
                Kind::Interrupted,
                json!({"key": key, "outcome": "interrupted", "error": other.to_string()}),
            ),
        };
        Ended { kind, line, json }
    }
}

/// The built-in simulator starts empty each run: jobs that an earlier run
/// recorded, unfinished, are unknown to it. Says so once.
async fn warn_about_earlier_jobs(reporter: &Reporter, journal: &Journal) {
    let Ok(records) = journal.records().await else {
        return;
    };
    let stopped = records
        .iter()
        .filter(|r| {
            !matches!(
                r.stage,
                JournalStage::New | JournalStage::Finished | JournalStage::Failed
            )
        })
        .count();
    if stopped > 0 {
        reporter.note(&format!(
            "{stopped} item(s) of this journal stopped mid-way in an earlier run; the built-in simulator starts empty each run and does not know their jobs (set {} to resume against Pictory)",
            pictory::Client::TOKEN_ENV
        ));
    }
}

pub async fn run(
    session: &Session,
    reporter: &Reporter,
    args: BulkArgs,
    items: Vec<BulkItem>,
) -> Result<(), Failure> {
    let journal = Journal::open(&args.journal)?;
    let total = items.len();
    reporter.note(&format!(
        "bulk: {total} video(s) from {}, journal {}",
        args.file.display(),
        args.journal.display()
    ));
    if session.sim.is_some() {
        warn_about_earlier_jobs(reporter, &journal).await;
    }
    let opts = flow_options(session, reporter);
    announce_plan(session, reporter, &opts).await?;
    let run = BulkRun::new(session.client.clone(), journal.clone())
        .concurrency(usize::from(args.concurrency))
        .options(opts)
        .recreate_possibly_processed(args.recreate_possibly_processed);
    let progress = reporter.items(total as u64);
    // Each outcome shows as its item ends.
    let mut stream = std::pin::pin!(run.outcomes(items));
    let mut ended: Vec<(usize, Ended)> = Vec::with_capacity(total);
    while let Some((index, key, outcome)) = futures_util::StreamExt::next(&mut stream).await {
        let e = Ended::of(&journal, &key, &outcome).await;
        progress.ended(&e.line, e.kind == Kind::Finished);
        ended.push((index, e));
    }
    ended.sort_by_key(|(index, _)| *index);
    let ended: Vec<Ended> = ended.into_iter().map(|(_, e)| e).collect();
    progress.finish();

    let count = |kind: Kind| ended.iter().filter(|e| e.kind == kind).count();
    let (finished, failed, possibly, interrupted) = (
        count(Kind::Finished),
        count(Kind::Failed),
        count(Kind::PossiblyProcessed),
        count(Kind::Interrupted),
    );
    for e in &ended {
        reporter.line(&e.line);
    }
    reporter.value(&json!({
        "journal": args.journal,
        "items": ended.iter().map(|e| &e.json).collect::<Vec<_>>(),
        "totals": {
            "items": total,
            "finished": finished,
            "failed": failed,
            "possibly_processed": possibly,
            "interrupted": interrupted,
        },
    }));
    if finished == total {
        reporter.line(&format!("{finished} of {total} videos finished"));
        return Ok(());
    }
    let mut summary = format!(
        "{finished} of {total} videos finished; {failed} failed (not retried under the same name), \
         {interrupted} interrupted (run the same command again to continue), \
         {possibly} possibly processed"
    );
    if possibly > 0 {
        summary.push_str(
            " (Pictory may have created and billed their jobs: check its dashboard, then run \
             again with --recreate-possibly-processed to create them again, which may bill twice)",
        );
    }
    Err(Failure::Unfinished(summary))
}
