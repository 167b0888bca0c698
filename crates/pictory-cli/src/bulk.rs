//! `pictory bulk`: every row of a CSV or JSON Lines file text → preview →
//! render, through the library's journal (`pictory::journal`), so that
//! running the same command again resumes the batch.

use crate::Session;
use crate::cli::BulkArgs;
use crate::commands::{announce_plan, check_music, flow_options, storyboard, usage};
use crate::report::{Failure, Reporter, one_line};
use pictory::Stage;
use pictory::journal::{BulkItem, BulkRun, Conflict, ItemOutcome, Journal, JournalStage};
use pictory::storyboard::Scene;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// A checked batch: each name with the line it is on (to tell repeats
/// apart, and to see the file unchanged when it is read again to run).
/// Nothing else of the file is kept: the rows are read again, one at a
/// time, as the run goes.
#[derive(Debug, Default)]
pub struct Batch {
    lines: HashMap<Box<str>, u64>,
    /// What the batch is expected to use of the quota.
    pub estimate: pictory::QuotaEstimate,
}

/// Reads and checks the whole batch, one row at a time: nothing is sent
/// unless every row is good. Each error is a usage error naming the file
/// and the line. Memory: the row being read, and each name with its line.
pub fn check(args: &BulkArgs) -> Result<Batch, Failure> {
    let file = &args.file;
    let mut rows = RowReader::open(file)?;
    let mut lines: HashMap<Box<str>, u64> = HashMap::new();
    let mut estimate = pictory::QuotaEstimate::default();
    while let Some((line, row)) = rows.next_row()? {
        let item = item(file, line, row, args, |name| lines.get(name).copied())?;
        estimate.add(&item.request);
        lines.insert(item.key.into_boxed_str(), line);
    }
    if lines.is_empty() {
        return Err(usage(format!("{}: no rows", file.display())));
    }
    Ok(Batch { lines, estimate })
}

/// A usage error about `line` of `file`.
fn at(file: &Path, line: u64, what: impl std::fmt::Display) -> Failure {
    usage(format!("{}: line {line}: {what}", file.display()))
}

/// The rows of a batch file, read one at a time, each with its line.
struct RowReader {
    file: PathBuf,
    format: Format,
}

enum Format {
    Csv {
        reader: csv::Reader<BufReader<File>>,
        headers: csv::StringRecord,
        record: csv::ByteRecord,
    },
    Jsonl {
        reader: BufReader<File>,
        /// The line last read.
        line: u64,
        buffer: Vec<u8>,
    },
}

impl RowReader {
    /// Opens `file` (a .csv or a .jsonl), past a byte-order mark, and
    /// checks a CSV header.
    fn open(file: &Path) -> Result<RowReader, Failure> {
        let ext = file
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let csv = match ext.as_deref() {
            Some("csv") => true,
            Some("jsonl") => false,
            _ => {
                return Err(usage(format!(
                    "{}: give a .csv or a .jsonl file",
                    file.display()
                )));
            }
        };
        let cannot = |e: std::io::Error| usage(format!("cannot read {}: {e}", file.display()));
        let mut reader = BufReader::new(File::open(file).map_err(cannot)?);
        // A byte-order mark, as spreadsheet exports write, is not part of the data.
        if reader
            .fill_buf()
            .map_err(cannot)?
            .starts_with(b"\xEF\xBB\xBF")
        {
            reader.consume(3);
        }
        let format = if csv {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::Headers)
                .from_reader(reader);
            let headers = csv_headers(file, &mut reader)?;
            Format::Csv {
                reader,
                headers,
                record: csv::ByteRecord::new(),
            }
        } else {
            Format::Jsonl {
                reader,
                line: 0,
                buffer: Vec::new(),
            }
        };
        Ok(RowReader {
            file: file.to_path_buf(),
            format,
        })
    }

    /// The next row and its line; `None` at the end.
    fn next_row(&mut self) -> Result<Option<(u64, Row)>, Failure> {
        let file = self.file.as_path();
        match &mut self.format {
            Format::Csv {
                reader,
                headers,
                record,
            } => {
                let more = reader.read_byte_record(record).map_err(|e| {
                    let line = e.position().map_or(0, |p| p.line());
                    at(file, line, csv_error(&e, headers))
                })?;
                if !more {
                    return Ok(None);
                }
                let line = record.position().map_or(0, |p| p.line());
                let text = csv::StringRecord::from_byte_record(record.clone()).map_err(|e| {
                    let column = e.utf8_error().field();
                    let column = headers.get(column).unwrap_or("?");
                    at(
                        file,
                        line,
                        format!(
                            "column {column:?}: not UTF-8 (an invalid byte after {} valid bytes)",
                            e.utf8_error().valid_up_to()
                        ),
                    )
                })?;
                let row: Row = text
                    .deserialize(Some(headers))
                    .map_err(|e| at(file, line, csv_error(&e, headers)))?;
                Ok(Some((line, row)))
            }
            Format::Jsonl {
                reader,
                line,
                buffer,
            } => loop {
                buffer.clear();
                let read = reader
                    .read_until(b'\n', buffer)
                    .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
                if read == 0 {
                    return Ok(None);
                }
                *line += 1;
                let text = std::str::from_utf8(buffer).map_err(|e| {
                    at(
                        file,
                        *line,
                        format!(
                            "not UTF-8 (an invalid byte after {} valid bytes)",
                            e.valid_up_to()
                        ),
                    )
                })?;
                if text.trim().is_empty() {
                    continue;
                }
                let row: Row = serde_json::from_str(text).map_err(|e| {
                    // serde_json counts from the start of this line alone.
                    let message = e.to_string();
                    let message = message.rsplit_once(" at line ").map_or(&*message, |m| m.0);
                    at(
                        file,
                        *line,
                        format!(
                            "not a JSON object with the fields {} ({message}, column {})",
                            COLUMNS.join(", "),
                            e.column()
                        ),
                    )
                })?;
                return Ok(Some((*line, row)));
            },
        }
    }
}

/// Reads and checks a CSV header: known columns, each once, name and text
/// among them.
fn csv_headers(
    file: &Path,
    reader: &mut csv::Reader<BufReader<File>>,
) -> Result<csv::StringRecord, Failure> {
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
    Ok(headers)
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

/// A value that is there and not blank, trimmed.
fn present(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The item of the row on `line`, checked: name present and not on an
/// earlier line (`earlier` says where a name was seen first), text
/// present, volume between 0 and 1, a valid storyboard. `--voice` and
/// `--music` fill a row that has none.
fn item(
    file: &Path,
    line: u64,
    row: Row,
    args: &BulkArgs,
    earlier: impl FnOnce(&str) -> Option<u64>,
) -> Result<BulkItem, Failure> {
    let name = present(row.name).ok_or_else(|| at(file, line, "no name (required)"))?;
    let text =
        present(row.text).ok_or_else(|| at(file, line, format!("{name:?}: no text (required)")))?;
    if let Some(first) = earlier(&name) {
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
    Ok(BulkItem::new(name, request))
}

/// The items of a checked batch, read again from its file one at a time
/// as the run takes them. A row that no longer passes the check, or is
/// not where the check saw it (the file changed since), ends the items;
/// the error is kept in `stopped`.
struct Items<'a> {
    rows: RowReader,
    args: &'a BulkArgs,
    batch: &'a Batch,
    stopped: &'a Mutex<Option<Failure>>,
}

impl Items<'_> {
    fn open<'a>(
        args: &'a BulkArgs,
        batch: &'a Batch,
        stopped: &'a Mutex<Option<Failure>>,
    ) -> Result<Items<'a>, Failure> {
        Ok(Items {
            rows: RowReader::open(&args.file)?,
            args,
            batch,
            stopped,
        })
    }

    /// The next item with its line, checked again.
    fn next_item(&mut self) -> Result<Option<(u64, BulkItem)>, Failure> {
        let Some((line, row)) = self.rows.next_row()? else {
            return Ok(None);
        };
        let file = self.args.file.as_path();
        let checked = |name: &str| self.batch.lines.get(name).copied();
        let item = item(file, line, row, self.args, |name| {
            checked(name).filter(|first| *first < line)
        })?;
        if checked(&item.key) != Some(line) {
            return Err(at(
                file,
                line,
                format!(
                    "{:?} is not where the check found it: the file changed since it was checked",
                    item.key
                ),
            ));
        }
        Ok(Some((line, item)))
    }
}

impl Iterator for Items<'_> {
    type Item = BulkItem;

    fn next(&mut self) -> Option<BulkItem> {
        match self.next_item() {
            Ok(next) => next.map(|(_, item)| item),
            Err(e) => {
                *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                None
            }
        }
    }
}

/// The keys of the batch whose request changed since the journal started
/// them, checked before anything is sent: `Err` is one line naming the
/// first such row, how many there are, and how to make them again.
async fn conflicts(args: &BulkArgs, batch: &Batch, journal: &Journal) -> Result<(), Failure> {
    let unused = Mutex::new(None);
    let mut items = Items::open(args, batch, &unused)?;
    let mut first: Option<(u64, Conflict)> = None;
    let mut count = 0usize;
    loop {
        let mut chunk = Vec::with_capacity(256);
        while chunk.len() < 256 {
            match items.next_item()? {
                Some(next) => chunk.push(next),
                None => break,
            }
        }
        if chunk.is_empty() {
            break;
        }
        let found = journal
            .conflicts(chunk.iter().map(|(_, item)| item))
            .await?;
        count += found.len();
        if first.is_none() {
            first = found.into_iter().next().map(|c| {
                let line = chunk
                    .iter()
                    .find(|(_, i)| i.key == c.key)
                    .map_or(0, |x| x.0);
                (line, c)
            });
        }
    }
    let Some((line, conflict)) = first else {
        return Ok(());
    };
    let others = match count - 1 {
        0 => String::new(),
        n => format!(" ({n} more row(s) changed too)"),
    };
    Err(at(
        &args.file,
        line,
        format!(
            "{:?} changed since the journal started it (it is at stage {}){others}; nothing was sent: \
             run again with --replace-changed to make new videos for the changed rows (their old videos \
             may already be billed), or give them new names",
            conflict.key,
            conflict.stage.as_str()
        ),
    ))
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
                        "preview_job_id": preview_job,
                        "render_job_id": render_job,
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
            ItemOutcome::Changed { .. } => (
                Kind::Interrupted,
                json!({"key": key, "outcome": "changed", "error": outcome.to_string()}),
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
    let Ok(counts) = journal.stage_counts().await else {
        return;
    };
    let stopped: u64 = counts
        .iter()
        .filter(|(stage, _)| {
            !matches!(
                stage,
                JournalStage::New | JournalStage::Finished | JournalStage::Failed
            )
        })
        .map(|(_, n)| n)
        .sum();
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
    batch: Batch,
) -> Result<(), Failure> {
    // A journal that cannot be used (in use, damaged, not a journal) is
    // refused before anything is sent: a usage error.
    let journal = Journal::open(&args.journal).map_err(|e| usage(e.to_string()))?;
    if !args.replace_changed {
        conflicts(&args, &batch, &journal).await?;
    }
    let total = batch.lines.len();
    reporter.note(&format!(
        "bulk: {total} video(s) from {}, journal {}",
        args.file.display(),
        args.journal.display()
    ));
    if session.sim.is_some() {
        warn_about_earlier_jobs(reporter, &journal).await;
    }
    // The quota, after every check that sends nothing (the file, the
    // journal, changed rows) and before anything is created.
    if !args.no_quota_check {
        crate::lookups::quota_check(session, reporter, &batch.estimate).await?;
    }
    let opts = flow_options(session, reporter);
    announce_plan(session, reporter, &opts).await?;
    let run = BulkRun::new(session.client.clone(), journal.clone())
        .concurrency(usize::from(args.concurrency))
        .options(opts)
        .recreate_possibly_processed(args.recreate_possibly_processed)
        .replace_changed(args.replace_changed);
    let stopped = Mutex::new(None);
    let items = Items::open(&args, &batch, &stopped)?;
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
    let stopped = stopped.lock().unwrap_or_else(|e| e.into_inner()).take();

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
    match stopped {
        Some(Failure::Usage(why)) => {
            return Err(Failure::Unfinished(format!(
                "{why}; the batch stopped there ({} of {total} rows ran): fix the file and run the same command again",
                ended.len()
            )));
        }
        Some(other) => return Err(other),
        None => {}
    }
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
