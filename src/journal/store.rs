//! The SQLite side of the journal: the schema, the pragmas that make each
//! write durable before it returns, and one statement per transition.
//! Every function here is synchronous; [`super::Journal`] runs them off the
//! async threads.

use super::{JournalStage, Record};
use crate::error::{Error, Result};
use crate::jobs::JobId;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS items (
    key         TEXT PRIMARY KEY NOT NULL,
    stage       TEXT NOT NULL,
    preview_job TEXT,
    render_job  TEXT,
    preview_url TEXT,
    video_url   TEXT,
    error       TEXT,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
) STRICT";

const COLUMNS: &str =
    "key, stage, preview_job, render_job, preview_url, video_url, error, created_ms, updated_ms";

pub(super) fn err(doing: &str, e: impl std::fmt::Display) -> Error {
    Error::Journal {
        message: format!("{doing}: {e}"),
    }
}

/// Opens (or creates) the journal at `path`: write-ahead log, a full sync
/// at every commit (a commit survives a crash of the process or of the
/// machine), and an exclusive lock held while the connection is open, so
/// two runs never share one journal.
pub(super) fn open(path: &std::path::Path) -> Result<Connection> {
    let shown = path.display();
    let conn = Connection::open(path).map_err(|e| err(&format!("cannot open {shown}"), e))?;
    configure(&conn).map_err(|e| {
        let busy = e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy);
        let doing = if busy {
            format!("{shown} is in use by another run (one run per journal at a time)")
        } else {
            format!("cannot set up {shown}")
        };
        err(&doing, e)
    })?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::ZERO)?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Takes the exclusive lock now, not at the first write.
    conn.execute_batch(&format!("BEGIN EXCLUSIVE; {SCHEMA}; COMMIT;"))?;
    Ok(())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn time_of(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn record_of(row: &Row<'_>) -> rusqlite::Result<Record> {
    let stage: String = row.get(1)?;
    let stage = JournalStage::parse(&stage).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            format!("unknown stage {stage:?}").into(),
        )
    })?;
    let job = |i: usize| -> rusqlite::Result<Option<JobId>> {
        Ok(row.get::<_, Option<String>>(i)?.map(JobId::from))
    };
    Ok(Record {
        key: row.get(0)?,
        stage,
        preview_job: job(2)?,
        render_job: job(3)?,
        preview_url: row.get(4)?,
        video_url: row.get(5)?,
        error: row.get(6)?,
        created_at: time_of(row.get(7)?),
        updated_at: time_of(row.get(8)?),
    })
}

pub(super) fn get(conn: &Connection, key: &str) -> Result<Option<Record>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM items WHERE key = ?1"),
        [key],
        record_of,
    )
    .optional()
    .map_err(|e| err(&format!("cannot read item {key:?}"), e))
}

pub(super) fn all(conn: &Connection) -> Result<Vec<Record>> {
    let read = || -> rusqlite::Result<Vec<Record>> {
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM items ORDER BY key"))?;
        let rows = stmt.query_map([], record_of)?;
        rows.collect()
    };
    read().map_err(|e| err("cannot read the items", e))
}

/// What a transition writes.
#[derive(Debug)]
pub(super) enum Write<'a> {
    /// A create request is about to be sent for `stage`'s step
    /// ([`JournalStage::PreviewRequested`] or [`JournalStage::RenderRequested`]).
    Intent(JournalStage),
    /// The storyboard job exists.
    PreviewStarted(&'a JobId),
    /// The preview is ready.
    Previewed(Option<&'a str>),
    /// The render job exists.
    RenderStarted(&'a JobId),
    /// The video is ready.
    Finished(&'a str),
    /// The job failed for good.
    Failed(&'a str),
    /// A create was refused before anything was processed: back to
    /// `stage`, with the reason.
    Refused(JournalStage, &'a str),
    /// An error to keep without changing the stage.
    Note(&'a str),
}

/// Applies `write` to `key` in one committed statement and returns the
/// record as it now is.
pub(super) fn apply(conn: &Connection, key: &str, write: Write<'_>) -> Result<Record> {
    let now = now_ms();
    let run = || -> rusqlite::Result<usize> {
        match write {
            Write::Intent(stage) => conn.execute(
                "INSERT INTO items (key, stage, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT(key) DO UPDATE SET stage = ?2, error = NULL, updated_ms = ?3",
                params![key, stage.as_str(), now],
            ),
            Write::PreviewStarted(id) => conn.execute(
                "UPDATE items SET stage = ?2, preview_job = ?3, error = NULL, updated_ms = ?4 WHERE key = ?1",
                params![key, JournalStage::PreviewStarted.as_str(), id.as_str(), now],
            ),
            Write::Previewed(url) => conn.execute(
                "UPDATE items SET stage = ?2, preview_url = ?3, updated_ms = ?4 WHERE key = ?1",
                params![key, JournalStage::Previewed.as_str(), url, now],
            ),
            Write::RenderStarted(id) => conn.execute(
                "UPDATE items SET stage = ?2, render_job = ?3, error = NULL, updated_ms = ?4 WHERE key = ?1",
                params![key, JournalStage::RenderStarted.as_str(), id.as_str(), now],
            ),
            Write::Finished(url) => conn.execute(
                "UPDATE items SET stage = ?2, video_url = ?3, error = NULL, updated_ms = ?4 WHERE key = ?1",
                params![key, JournalStage::Finished.as_str(), url, now],
            ),
            Write::Failed(message) => conn.execute(
                "UPDATE items SET stage = ?2, error = ?3, updated_ms = ?4 WHERE key = ?1",
                params![key, JournalStage::Failed.as_str(), message, now],
            ),
            Write::Refused(stage, message) => conn.execute(
                "UPDATE items SET stage = ?2, error = ?3, updated_ms = ?4 WHERE key = ?1",
                params![key, stage.as_str(), message, now],
            ),
            Write::Note(message) => conn.execute(
                "UPDATE items SET error = ?2, updated_ms = ?3 WHERE key = ?1",
                params![key, message, now],
            ),
        }
    };
    let changed = run().map_err(|e| err(&format!("cannot write item {key:?}"), e))?;
    if changed != 1 {
        return Err(err(
            &format!("cannot write item {key:?}"),
            "no such item (was the journal changed by something else?)",
        ));
    }
    get(conn, key)?.ok_or_else(|| err(&format!("item {key:?}"), "vanished after a write"))
}
