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

mod run;
mod store;

pub use run::{BulkItem, BulkReport, BulkRun, ItemOutcome};

use crate::error::{Error, Result};
use crate::jobs::JobId;
use rusqlite::Connection;
use std::path::Path;
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
    /// The preview is ready ([`Record::preview_url`]); no render requested.
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

/// The journal of a batch: one SQLite file, one row per item key.
///
/// Each write is one committed transaction in write-ahead-log mode with
/// `synchronous=FULL`: when a write returns, it survives a crash of the
/// process or the machine. The file is locked while a `Journal` is open,
/// so a second run on the same file fails with [`Error::Journal`] instead
/// of creating jobs twice. Cheap to clone (one shared connection).
#[derive(Clone)]
pub struct Journal {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens the journal at `path`, creating it if needed.
    /// [`Error::Journal`] if it cannot be opened or another process has it open.
    pub fn open(path: impl AsRef<Path>) -> Result<Journal> {
        Ok(Journal::with(store::open(path.as_ref())?))
    }

    fn with(conn: Connection) -> Journal {
        Journal {
            conn: Arc::new(Mutex::new(conn)),
        }
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
        let key = key.to_string();
        self.with_conn(move |c| store::get(c, &key)).await
    }

    /// Every record, ordered by key.
    pub async fn records(&self) -> Result<Vec<Record>> {
        self.with_conn(store::all).await
    }

    /// Commits the intent to send the create request of `stage`
    /// ([`JournalStage::PreviewRequested`] or [`JournalStage::RenderRequested`]).
    pub(crate) async fn intend(&self, key: &str, stage: JournalStage) -> Result<Record> {
        let key = key.to_string();
        self.with_conn(move |c| store::apply(c, &key, store::Write::Intent(stage)))
            .await
    }

    /// Commits the job id a create answered with.
    pub(crate) async fn started(
        &self,
        key: &str,
        stage: crate::Stage,
        id: &JobId,
    ) -> Result<Record> {
        let key = key.to_string();
        let id = id.clone();
        self.with_conn(move |c| {
            let write = match stage {
                crate::Stage::Render => store::Write::RenderStarted(&id),
                _ => store::Write::PreviewStarted(&id),
            };
            store::apply(c, &key, write)
        })
        .await
    }

    /// Commits the ready preview.
    pub(crate) async fn previewed(&self, key: &str, url: Option<String>) -> Result<Record> {
        let key = key.to_string();
        self.with_conn(move |c| store::apply(c, &key, store::Write::Previewed(url.as_deref())))
            .await
    }

    /// Commits the ready video.
    pub(crate) async fn finished(&self, key: &str, url: String) -> Result<Record> {
        let key = key.to_string();
        self.with_conn(move |c| store::apply(c, &key, store::Write::Finished(&url)))
            .await
    }

    /// Commits a failed job.
    pub(crate) async fn failed(&self, key: &str, error: &Error) -> Result<Record> {
        let (key, message) = (key.to_string(), error.to_string());
        self.with_conn(move |c| store::apply(c, &key, store::Write::Failed(&message)))
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
        let (key, message) = (key.to_string(), error.to_string());
        self.with_conn(move |c| store::apply(c, &key, store::Write::Refused(stage, &message)))
            .await
    }

    /// Keeps `error` on the item without moving it.
    pub(crate) async fn note(&self, key: &str, error: &Error) -> Result<Record> {
        let (key, message) = (key.to_string(), error.to_string());
        self.with_conn(move |c| store::apply(c, &key, store::Write::Note(&message)))
            .await
    }
}

#[cfg(test)]
mod tests;
