//! What the tool shows: progress bars on a terminal, plain stage lines
//! otherwise (both on stderr), results on stdout (JSON with `--json`), and
//! every failure as one line.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use pictory::jobs::{Job, JobId, JobState};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Why the tool stops: a usage or configuration error (exit 2), a failed
/// call or job (exit 1), or Ctrl-C (exit 130).
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments or unreadable input: nothing was sent.
    Usage(String),
    /// The API, a job or the download failed.
    Api(pictory::Error),
    /// Some items of a batch did not finish (the message counts them).
    Unfinished(String),
    /// An output file was not written, though requests were sent: the
    /// destination was refused when the file was put in place, or the job
    /// to download has not finished (the message says why and what to do).
    Unwritten(String),
    /// Ctrl-C: the message names the jobs created and how to resume.
    Interrupted(String),
}

impl From<pictory::Error> for Failure {
    fn from(e: pictory::Error) -> Self {
        Failure::Api(e)
    }
}

impl Failure {
    /// The failure's kind for `--json` errors: `usage`, `unfinished`,
    /// `interrupted`, `unwritten`, or the library error's
    /// [`kind`](pictory::Error::kind).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Usage(_) => "usage",
            Failure::Api(e) => e.kind(),
            Failure::Unfinished(_) => "unfinished",
            Failure::Interrupted(_) => "interrupted",
            Failure::Unwritten(..) => "unwritten",
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            // Nothing was sent: the configuration or the input is wrong.
            Failure::Api(
                pictory::Error::Config { .. }
                | pictory::Error::NoJobReads { .. }
                | pictory::Error::NeedsPictoryKey { .. }
                | pictory::Error::QuotaExceeded { .. }
                | pictory::Error::InvalidRequest { .. },
            ) => 2,
            Failure::Api(_) | Failure::Unfinished(_) | Failure::Unwritten(_) => 1,
            Failure::Interrupted(_) => 130,
        }
    }
}

/// Writes `text` and a newline to stdout. A reader that went away
/// (`pictory operations | head -1`) ends the tool quietly with status 0;
/// any other failure to write (a full disk) is one error line and status 1,
/// never a panic.
pub fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("pictory: error: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// A secret as sent, and as a server or a log may show it: percent-encoded
/// (upper and lower case, `+`-form), JSON-escaped.
fn encoded_forms(secret: &str) -> Vec<String> {
    let upper = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let lower = upper
        .split('%')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 || part.len() < 2 {
                part.to_string()
            } else {
                format!("{}{}", part[..2].to_ascii_lowercase(), &part[2..])
            }
        })
        .collect::<Vec<_>>()
        .join("%");
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_string();
    let mut forms = vec![secret.to_string(), upper, lower, form, json];
    forms.sort();
    forms.dedup();
    // Longest first, so a longer form is removed before a shorter one inside it.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms
}

/// A JSON value as a table cell (strings without quotes, on one line).
pub fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => one_line(s),
        other => one_line(&other.to_string()),
    }
}

/// Text on one line: control characters (newlines included) become spaces.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The shared output settings.
#[derive(Clone)]
pub struct Reporter {
    json: bool,
    bars: Option<MultiProgress>,
    /// The token and the key, when set: removed from anything printed (the
    /// library never puts them in its errors; this is a second guard).
    secrets: Arc<[String]>,
    /// The jobs created so far (stage, id), for Ctrl-C and errors.
    created: Arc<Mutex<Vec<(pictory::Stage, JobId)>>>,
}

impl Reporter {
    pub fn new(json: bool) -> Reporter {
        let bars = std::io::stderr()
            .is_terminal()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        let secrets = [pictory::Client::TOKEN_ENV, pictory::Client::PICTORY_KEY_ENV]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .map(|t| t.trim().to_string())
            .filter(|t| t.len() >= 4)
            .flat_map(|t| encoded_forms(&t))
            .collect::<Vec<_>>()
            .into();
        Reporter {
            json,
            bars,
            secrets,
            created: Arc::default(),
        }
    }

    /// Notes a job created (`preview job: <id>` on stderr) and keeps it.
    pub fn job_created(&self, stage: pictory::Stage, id: &JobId) {
        self.note(&format!("{stage} job: {id}"));
        self.created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((stage, id.clone()));
    }

    /// The jobs created so far.
    pub fn created(&self) -> Vec<(pictory::Stage, JobId)> {
        self.created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The secrets removed from `text`.
    fn scrub(&self, text: String) -> String {
        self.secrets
            .iter()
            .fold(text, |t, s| t.replace(s.as_str(), "[REDACTED]"))
    }

    pub fn json(&self) -> bool {
        self.json
    }

    fn clean(&self, text: &str) -> String {
        self.scrub(one_line(text))
    }

    /// A note on stderr (one line), kept clear of progress bars.
    pub fn note(&self, text: &str) {
        self.stderr(format!("pictory: {}", self.clean(text)));
    }

    /// A log event (`-v`, `RUST_LOG`) on stderr, secrets removed, kept
    /// clear of progress bars.
    pub fn log(&self, text: &str) {
        self.stderr(self.scrub(text.trim_end().to_string()));
    }

    fn stderr(&self, text: String) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(text);
            }
            None => eprintln!("{text}"),
        }
    }

    /// A result line on stdout (plain mode only).
    pub fn line(&self, text: &str) {
        if !self.json {
            print_out(&self.clean(text));
        }
    }

    /// The result as JSON on stdout (`--json` only).
    pub fn value(&self, value: &serde_json::Value) {
        if self.json {
            print_out(&self.clean(&value.to_string()));
        }
    }

    /// `rows` under `headers` as aligned columns (every line through
    /// [`line`](Self::line), so on a terminal or piped alike), or `value`
    /// with `--json`.
    pub fn table(&self, headers: &[&str], rows: &[Vec<String>], value: &serde_json::Value) {
        if self.json {
            self.value(value);
            return;
        }
        let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
        for row in rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<String>| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        self.line(&line(headers.iter().map(|h| h.to_uppercase()).collect()));
        for row in rows {
            self.line(&line(row.clone()));
        }
        if rows.is_empty() {
            self.line("(none)");
        }
    }

    /// A JSON payload: compact with `--json`, pretty otherwise.
    pub fn payload(&self, value: &serde_json::Value) {
        if self.json {
            self.value(value);
        } else {
            let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
            print_out(&self.scrub(pretty));
        }
    }

    /// The one line a failure prints on stderr.
    pub fn failure(&self, failure: &Failure) {
        let message = match failure {
            Failure::Usage(m)
            | Failure::Unfinished(m)
            | Failure::Unwritten(m)
            | Failure::Interrupted(m) => m.clone(),
            Failure::Api(e) => e.to_string(),
        };
        let message = self.clean(&message);
        if self.json {
            let mut v = serde_json::json!({
                "error": message,
                "kind": failure.kind(),
                "exit_code": failure.exit_code(),
            });
            if let Failure::Api(e) = failure {
                if let Some(op) = e.operation() {
                    v["operation"] = serde_json::json!(op);
                }
                if let Some(status) = e.status() {
                    v["status"] = serde_json::json!(status);
                }
            }
            let created = self.created();
            if !created.is_empty() {
                v["jobs"] = created
                    .iter()
                    .map(|(stage, id)| serde_json::json!({"stage": stage.as_str(), "job_id": id}))
                    .collect();
            }
            eprintln!("{}", self.scrub(v.to_string()));
        } else {
            if let Some(bars) = &self.bars {
                let _ = bars.clear();
            }
            eprintln!("pictory: error: {message}");
        }
    }

    /// A progress display for one job stage (0-100 %).
    pub fn stage(&self, name: &str) -> Stage {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new(100));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>10} [{bar:30.cyan/blue}] {pos:>3}% {msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(name.to_string());
            bar.set_message("starting");
            bar
        });
        Stage {
            name: name.to_string(),
            bar,
            last: Mutex::new(None),
            reporter: self.clone(),
        }
    }

    /// A progress display for a batch: a bar counting the items that ended
    /// (and how many of them finished), or one plain line per item.
    pub fn items(&self, total: u64) -> Items {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new(total));
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>10} [{bar:30.cyan/blue}] {pos}/{len} {msg} ({elapsed})",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix("videos");
            bar.enable_steady_tick(std::time::Duration::from_secs(1));
            bar
        });
        Items {
            bar,
            total,
            ended: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            reporter: self.clone(),
        }
    }

    /// A progress display for a download (bytes).
    pub fn download(&self) -> Transfer {
        self.transfer("download")
    }

    /// A progress display for bytes moving one way (`download`, `upload`).
    pub fn transfer(&self, name: &'static str) -> Transfer {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::no_length());
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>10} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {bytes_per_sec}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix(name);
            bar
        });
        Transfer {
            name,
            bar,
            reporter: self.clone(),
            shown: None,
        }
    }
}

/// One stage's bar, or its plain lines.
pub struct Stage {
    name: String,
    bar: Option<ProgressBar>,
    last: Mutex<Option<(String, u64)>>,
    reporter: Reporter,
}

impl Stage {
    /// Shows a job reading.
    pub fn update(&self, job: &Job) {
        let percent = job.state.progress().unwrap_or(0.0).clamp(0.0, 100.0) as u64;
        let detail = match &job.state {
            JobState::InProgress {
                message: Some(m), ..
            } => format!("{} ({m})", job.state.name()),
            state => state.name().to_string(),
        };
        match &self.bar {
            Some(bar) => {
                bar.set_position(percent);
                bar.set_message(self.reporter.clean(&detail));
            }
            None => {
                // One line per change of state or message, and per quarter.
                let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
                let now = (detail.clone(), percent / 25);
                if last.as_ref() != Some(&now) {
                    self.reporter
                        .note(&format!("{}: {detail} {percent}%", self.name));
                    *last = Some(now);
                }
            }
        }
    }

    /// Ends the display: done or abandoned.
    pub fn finish(&self, ok: bool) {
        if let Some(bar) = &self.bar {
            if ok {
                bar.set_position(100);
                bar.finish_with_message("done");
            } else {
                bar.abandon_with_message("failed");
            }
        }
    }
}

/// A batch's bar, or its plain lines.
pub struct Items {
    bar: Option<ProgressBar>,
    total: u64,
    ended: AtomicU64,
    finished: AtomicU64,
    reporter: Reporter,
}

impl Items {
    /// One item ended: `line` says how; `finished` whether its video is ready.
    /// On a terminal the bar moves and only unfinished items get a line.
    pub fn ended(&self, line: &str, finished: bool) {
        let ended = self.ended.fetch_add(1, Ordering::Relaxed) + 1;
        let done = self
            .finished
            .fetch_add(u64::from(finished), Ordering::Relaxed)
            + u64::from(finished);
        match &self.bar {
            Some(bar) => {
                bar.set_position(ended);
                let rest = ended - done;
                bar.set_message(if rest == 0 {
                    format!("{done} finished")
                } else {
                    format!("{done} finished, {rest} not")
                });
                if !finished {
                    self.reporter.note(line);
                }
            }
            None => self
                .reporter
                .note(&format!("[{ended}/{}] {line}", self.total)),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

/// A transfer's bar, or its plain lines (one per quarter of the file).
pub struct Transfer {
    name: &'static str,
    bar: Option<ProgressBar>,
    reporter: Reporter,
    shown: Option<u64>,
}

impl Transfer {
    pub fn update(&mut self, bytes: u64, total: Option<u64>) {
        match &self.bar {
            Some(bar) => {
                if let Some(total) = total {
                    bar.set_length(total);
                }
                bar.set_position(bytes);
            }
            None => {
                let quarter = total
                    .filter(|t| *t > 0)
                    .map_or(0, |t| bytes.saturating_mul(4) / t);
                if self.shown.is_none_or(|s| quarter > s) {
                    let total = total.map_or("?".into(), |t| t.to_string());
                    self.reporter
                        .note(&format!("{}: {bytes} of {total} bytes", self.name));
                    self.shown = Some(quarter);
                }
            }
        }
    }

    pub fn finish(&self, ok: bool) {
        if let Some(bar) = &self.bar {
            if ok {
                bar.finish();
            } else {
                bar.abandon();
            }
        }
    }
}
