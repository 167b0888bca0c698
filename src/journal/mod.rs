//! Bulk runs that survive a crash (cargo feature `journal`): a durable
//! [`Journal`] (one SQLite file) of what each item of a batch has reached,
//! and [`BulkRun`], which drives every item text → preview → render → video
//! through it.
//!
//! Every job-creating request is preceded by a committed *intent* and its
//! job id is committed as soon as the answer arrives, before anything else
//! is done. Re-running the same batch with the same journal after a crash
//! (even `kill -9`) therefore skips finished items, waits again on the jobs
//! it recorded, and never re-sends a create whose outcome is unknown
//! (intent recorded, no job id): such an item is reported as
//! [`ItemOutcome::PossiblyProcessed`] — Pictory may have created (and
//! billed) its job — until you ask for it to be created again with
//! [`BulkRun::recreate_possibly_processed`].
//!
//! The journal file is the whole truth: every commit is in the main file
//! when it returns (a rollback journal, no write-ahead log), one run at a
//! time drives it, it is checked on open (its marks, SQLite's integrity
//! check, each row's checksum and stage) and refused untouched otherwise,
//! and each key remembers the request it was started with: a changed one is
//! [`ItemOutcome::Changed`], made again only with
//! [`BulkRun::replace_changed`]. See [`Journal`].
//!
//! ```no_run
//! use pictory::journal::{BulkItem, BulkRun, Journal};
//! use pictory::storyboard::{Scene, StoryboardRequest};
//! # async fn demo() -> pictory::Result<()> {
//! let client = pictory::Client::from_env()?;
//! let journal = Journal::open("videos.journal")?;
//! let items = (1..=3).map(|i| {
//!     let key = format!("video-{i:03}");
//!     let request = StoryboardRequest::new(&key).scene(Scene::text("Hello"));
//!     BulkItem::new(key, request)
//! });
//! let report = BulkRun::new(client, journal).concurrency(8).run(items).await;
//! for (key, outcome) in report.outcomes() {
//!     println!("{key}: {outcome}");
//! }
//! assert!(report.all_finished());
//! # Ok(()) }
//! ```

mod fingerprint;
mod run;
mod store;

pub use run::{BulkItem, BulkReport, BulkRun, ItemOutcome};

use crate::error::{Error, Result};
use crate::jobs::JobId;
use fingerprint::Fingerprint;
use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// How far an item has come. The `...Requested` stages are the intents:
/// the create request was about to be sent, and no job id came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalStage {
    /// Known, nothing created (a create was refused before processing;
    /// [`Record::error`] says why). Re-running creates it.
    New,
    /// The storyboard request was (about to be) sent; no job id recorded.
    PreviewRequested,
    /// The storyboard job exists ([`Record::preview_job`]).
    PreviewStarted,
    /// The preview is ready ([`Record::preview_url`], when Pictory gave
    /// one); no render requested.
    Previewed,
    /// The render request was (about to be) sent; no job id recorded.
    RenderRequested,
    /// The render job exists ([`Record::render_job`]).
    RenderStarted,
    /// The video is ready ([`Record::video_url`]).
    Finished,
    /// A job failed (or its output was cleaned); [`Record::error`] says why.
    Failed,
}

impl JournalStage {
    const ALL: [JournalStage; 8] = [
        JournalStage::New,
        JournalStage::PreviewRequested,
        JournalStage::PreviewStarted,
        JournalStage::Previewed,
        JournalStage::RenderRequested,
        JournalStage::RenderStarted,
        JournalStage::Finished,
        JournalStage::Failed,
    ];

    /// The name stored in the journal, e.g. `preview_requested`.
    pub fn as_str(self) -> &'static str {
        match self {
            JournalStage::New => "new",
            JournalStage::PreviewRequested => "preview_requested",
            JournalStage::PreviewStarted => "preview_started",
            JournalStage::Previewed => "previewed",
            JournalStage::RenderRequested => "render_requested",
            JournalStage::RenderStarted => "render_started",
            JournalStage::Finished => "finished",
            JournalStage::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<JournalStage> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether a create was sent for this stage and its outcome is unknown.
    pub fn is_possibly_processed(self) -> bool {
        matches!(
            self,
            JournalStage::PreviewRequested | JournalStage::RenderRequested
        )
    }
}

/// One item as the journal holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The item's key, chosen by the caller.
    pub key: String,
    /// How far it has come.
    pub stage: JournalStage,
    /// The storyboard (preview) job, once created.
    pub preview_job: Option<JobId>,
    /// The render job, once created.
    pub render_job: Option<JobId>,
    /// The preview page, once ready.
    pub preview_url: Option<String>,
    /// The video file, once ready.
    pub video_url: Option<String>,
    /// The last error met (a failed job, a refused or unknown create).
    pub error: Option<String>,
    /// When the item was first written.
    pub created_at: SystemTime,
    /// When it was last written.
    pub updated_at: SystemTime,
}

/// A key the journal started with another request than the one given now
/// (see [`Journal::conflicts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Conflict {
    /// The item's key.
    pub key: String,
    /// How far the item had come with the request it was started with.
    pub stage: JournalStage,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?}: its request changed since the journal started it (now at stage {})",
            self.key,
            self.stage.as_str()
        )
    }
}

/// The journal of a batch: one SQLite file, one row per item key.
///
/// **One file.** Each write is one committed transaction with a rollback
/// journal (`journal_mode=DELETE`) and `synchronous=FULL`: when a write
/// returns, it is in the main file, on disk, and survives a crash of the
/// process or the machine; a copy of that file alone is the whole journal.
///
/// **One run at a time.** The file is locked while a `Journal` is open: a
/// second `Journal::open` of it (in this process, through another path, or
/// in another process) fails with [`Error::Journal`]. Clones share the one
/// connection, and only one [`BulkRun`] at a time drives a journal: a
/// second run started while one is under way reports every item
/// [`ItemOutcome::Interrupted`] and creates nothing.
///
/// **Checked.** A file is opened only if it is a pictory journal (marked by
/// SQLite's `application_id` and `user_version`) that passes SQLite's
/// integrity check and whose every row matches its checksum and holds what
/// its stage promises; an empty file becomes a journal. Anything else —
/// another application's database, a damaged or edited journal — is
/// refused with [`Error::Journal`] and left as it was.
///
/// **What was asked.** Each row keeps the SHA-256 of the canonical JSON of
/// its item's storyboard request: a key started with one request is never
/// taken for another ([`Journal::conflicts`], [`ItemOutcome::Changed`]).
#[derive(Clone)]
pub struct Journal {
    conn: Arc<Mutex<Connection>>,
    /// Set while a [`BulkRun`] drives this journal.
    running: Arc<AtomicBool>,
}

/// The right to drive a journal, held by one run; given back on drop.
pub(crate) struct Claim(Arc<AtomicBool>);

impl Drop for Claim {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens the journal at `path`, creating it if needed. [`Error::Journal`]
    /// if it cannot be opened, another run has it open, it is not a
    /// pictory journal, or it is damaged (see [`Journal`]); such a file is
    /// left as it was.
    pub fn open(path: impl AsRef<Path>) -> Result<Journal> {
        Ok(Journal {
            conn: Arc::new(Mutex::new(store::open(path.as_ref())?)),
            running: Arc::default(),
        })
    }

    /// The right to drive this journal, unless a run already has it.
    pub(crate) fn claim(&self) -> Option<Claim> {
        self.running
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Claim(self.running.clone()))
    }

    /// Runs `f` on the connection on a blocking thread (a durable commit
    /// waits for the disk).
    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&guard)
        })
        .await
        .map_err(|e| store::err("journal task", e))?
    }

    /// The record of `key`, if the journal has one.
    pub async fn get(&self, key: &str) -> Result<Option<Record>> {
        Ok(self.row(key).await?.map(|row| row.record))
    }

    /// `key`'s row: its record and its request's fingerprint.
    pub(crate) async fn row(&self, key: &str) -> Result<Option<store::Row>> {
        let key = key.to_string();
        self.with_conn(move |c| store::get(c, &key)).await
    }

    /// Every record, ordered by key.
    pub async fn records(&self) -> Result<Vec<Record>> {
        self.with_conn(|c| {
            let mut all = Vec::new();
            store::each(c, |row| {
                all.push(row.record);
                Ok(())
            })?;
            Ok(all)
        })
        .await
    }

    /// How many items are at each stage (stages with none left out).
    pub async fn stage_counts(&self) -> Result<Vec<(JournalStage, u64)>> {
        self.with_conn(store::stage_counts).await
    }

    /// The items of `items` whose key the journal started with another
    /// request: an item past [`JournalStage::New`] whose storyboard
    /// request (its canonical JSON's SHA-256) differs. Sends nothing and
    /// writes nothing. A run reports such an item
    /// [`ItemOutcome::Changed`] and sends nothing for it unless
    /// [`BulkRun::replace_changed`] is set; [`BulkRun::run`] checks every
    /// key this way before it sends anything.
    pub async fn conflicts<'a>(
        &self,
        items: impl IntoIterator<Item = &'a BulkItem>,
    ) -> Result<Vec<Conflict>> {
        let asked = items
            .into_iter()
            .map(|item| Ok((item.key.clone(), Fingerprint::of(&item.request)?)))
            .collect::<Result<Vec<_>>>()?;
        self.with_conn(move |c| {
            let mut found = Vec::new();
            for (key, request) in asked {
                if let Some(row) = store::get(c, &key)?
                    && changed(&row, &request)
                {
                    let stage = row.record.stage;
                    found.push(Conflict { key, stage });
                }
            }
            Ok(found)
        })
        .await
    }

    /// Commits the intent to send the create request of `stage`
    /// ([`JournalStage::PreviewRequested`] or [`JournalStage::RenderRequested`])
    /// for the request with fingerprint `request`.
    pub(crate) async fn intend(
        &self,
        key: &str,
        stage: JournalStage,
        request: Fingerprint,
    ) -> Result<Record> {
        self.write(key, store::Write::Intent(stage, request)).await
    }

    /// Commits the intent to send the storyboard request of a key whose
    /// request changed: the item starts again, its earlier jobs forgotten.
    pub(crate) async fn replace(&self, key: &str, request: Fingerprint) -> Result<Record> {
        self.write(key, store::Write::Replace(request)).await
    }

    /// Commits the job id a create answered with.
    pub(crate) async fn started(
        &self,
        key: &str,
        stage: crate::Stage,
        id: &JobId,
    ) -> Result<Record> {
        let write = match stage {
            crate::Stage::Render => store::Write::RenderStarted(id.clone()),
            _ => store::Write::PreviewStarted(id.clone()),
        };
        self.write(key, write).await
    }

    /// Commits the ready preview.
    pub(crate) async fn previewed(&self, key: &str, url: Option<String>) -> Result<Record> {
        self.write(key, store::Write::Previewed(url)).await
    }

    /// Commits the ready video.
    pub(crate) async fn finished(&self, key: &str, url: String) -> Result<Record> {
        self.write(key, store::Write::Finished(url)).await
    }

    /// Commits a failed job.
    pub(crate) async fn failed(&self, key: &str, error: &Error) -> Result<Record> {
        self.write(key, store::Write::Failed(error.to_string()))
            .await
    }

    /// Commits that a create was refused before anything was processed:
    /// the item goes back to `stage`.
    pub(crate) async fn refused(
        &self,
        key: &str,
        stage: JournalStage,
        error: &Error,
    ) -> Result<Record> {
        self.write(key, store::Write::Refused(stage, error.to_string()))
            .await
    }

    /// Keeps `error` on the item without moving it.
    pub(crate) async fn note(&self, key: &str, error: &Error) -> Result<Record> {
        self.write(key, store::Write::Note(error.to_string())).await
    }

    /// Commits `write` to `key` (one transaction) and returns the record.
    async fn write(&self, key: &str, write: store::Write) -> Result<Record> {
        let key = key.to_string();
        self.with_conn(move |c| store::apply(c, &key, &write)).await
    }
}

/// Whether `row` was started with another request than `request`: past
/// [`JournalStage::New`] (something was sent) with another fingerprint.
pub(crate) fn changed(row: &store::Row, request: &Fingerprint) -> bool {
    row.record.stage != JournalStage::New && row.request != *request
}

#[cfg(test)]
mod tests;
