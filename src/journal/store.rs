//! The SQLite side of the journal: how a file is recognised as a journal
//! (and anything else refused untouched), the checks on open, the pragmas
//! that put every commit in the main file before it returns, and the
//! transitions, each checked against the stage it starts from.
//! Every function here is synchronous; [`super::Journal`] runs them off the
//! async threads.

use super::fingerprint::Fingerprint;
use super::{JournalStage, Record};
use crate::error::{Error, Result};
use crate::jobs::JobId;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Marks a pictory journal: SQLite's `application_id` ("PCTJ").
const APPLICATION_ID: i32 = 0x5043_544A;

/// The layout of the file this version writes and reads: SQLite's
/// `user_version`.
const LAYOUT: i32 = 1;

/// The one table. `request` is the item's [`Fingerprint`]; `checksum` the
/// SHA-256 of every other column ([`checksum`]).
const TABLE: &str = "CREATE TABLE items (
    key         TEXT PRIMARY KEY NOT NULL,
    stage       TEXT NOT NULL,
    request     TEXT NOT NULL,
    preview_job TEXT,
    render_job  TEXT,
    preview_url TEXT,
    video_url   TEXT,
    error       TEXT,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    checksum    TEXT NOT NULL
) STRICT";

/// The index SQLite keeps for the primary key.
const KEY_INDEX: &str = "sqlite_autoindex_items_1";

const COLUMNS: &str = "key, stage, request, preview_job, render_job, preview_url, video_url, error, created_ms, updated_ms, checksum";

pub(super) fn err(doing: &str, e: impl std::fmt::Display) -> Error {
    Error::Journal {
        message: one_line(&format!("{doing}: {e}")),
    }
}

/// `text` on one line (SQLite's reports may hold newlines).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One item as stored: its record and the fingerprint of its request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub(crate) record: Record,
    pub(crate) request: Fingerprint,
}

/// Why a file is not opened as a journal.
enum Refusal {
    /// SQLite's own error.
    Sqlite(rusqlite::Error),
    /// The file is not a journal of this version, or is damaged.
    Not(String),
}

impl From<rusqlite::Error> for Refusal {
    fn from(e: rusqlite::Error) -> Self {
        Refusal::Sqlite(e)
    }
}

/// Opens (or creates) the journal at `path`, for this connection alone.
///
/// The file is locked (SQLite's exclusive locking mode) before anything is
/// read, and stays locked until the connection closes: a second run, in
/// this process or another, is refused. A file is used only when it is a
/// pictory journal of this layout (its `application_id` and `user_version`,
/// its one table) that passes SQLite's integrity check and whose every row
/// matches its checksum and holds what its stage promises; an empty file
/// (or an SQLite database without tables or marks) becomes a journal.
/// Anything else is refused before anything is written to it.
///
/// Commits use a rollback journal (`journal_mode=DELETE`) with
/// `synchronous=FULL`: when a commit returns, it is in the main file, on
/// disk. The side file SQLite keeps next to it holds only the pages a
/// commit in progress replaces (to undo a torn write), never a commit.
pub(super) fn open(path: &Path) -> Result<Connection> {
    let shown = path.display();
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(err(&format!("cannot open {shown}"), "not a regular file"));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| err(&format!("cannot open {shown}"), e))?;
    match settle(&conn) {
        Ok(()) => Ok(conn),
        Err(Refusal::Not(why)) => Err(err(
            &format!("{shown} is refused"),
            format!("{why}; it was left as it was and nothing was sent"),
        )),
        Err(Refusal::Sqlite(e)) => {
            let doing = match e.sqlite_error_code() {
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                    format!("{shown} is in use by another run (one run per journal at a time)")
                }
                Some(ErrorCode::NotADatabase) => format!(
                    "{shown} is not a pictory journal (not an SQLite database); it was left as it was and nothing was sent"
                ),
                Some(ErrorCode::DatabaseCorrupt) => {
                    format!("{shown} is damaged; it was left as it was and nothing was sent")
                }
                _ => format!("cannot set up {shown}"),
            };
            Err(err(&doing, e))
        }
    }
}

/// Locks, recognises, checks and sets up the file (see [`open`]).
fn settle(conn: &Connection) -> std::result::Result<(), Refusal> {
    // A refused database in write-ahead-log mode keeps its log as it was.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.busy_timeout(Duration::ZERO)?;
    conn.pragma_update(None, "trusted_schema", "OFF")?;
    conn.pragma_update(None, "cell_size_check", "ON")?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    // The exclusive lock first: nothing is read before it is held.
    conn.execute_batch("BEGIN EXCLUSIVE")?;
    let checked = recognise(conn).and_then(|new| {
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(Refusal::Not("it cannot be written (read-only)".into()));
        }
        if new {
            conn.execute_batch(&format!(
                "{TABLE}; PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {LAYOUT};"
            ))?;
        }
        Ok(())
    });
    match checked {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    let mode: String = conn.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(Refusal::Not(format!(
            "its journal mode cannot be set to delete (it is {mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// Whether the locked file is a new journal (`true`: empty, nothing to
/// lose) or a sound journal of this layout (`false`); anything else is a
/// [`Refusal`]. Reads only.
fn recognise(conn: &Connection) -> std::result::Result<bool, Refusal> {
    let application: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let layout: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let objects = {
        let mut stmt =
            conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    if application == 0 && layout == 0 && objects.is_empty() {
        return Ok(true);
    }
    if application == 0 && objects.iter().any(|o| o.0 == "table" && o.1 == "items") {
        return Err(Refusal::Not(
            "it is not a journal of this version (an unmarked journal of an earlier pictory version, or another application's database): finish its batch with the version that wrote it, or start a new journal".into(),
        ));
    }
    if application != APPLICATION_ID {
        let tables: Vec<&str> = objects
            .iter()
            .filter(|o| o.0 == "table")
            .map(|o| o.1.as_str())
            .take(5)
            .collect();
        return Err(Refusal::Not(format!(
            "it is not a pictory journal (an SQLite database of another application: application id {application:#x}, tables {tables:?})"
        )));
    }
    if layout > LAYOUT {
        return Err(Refusal::Not(format!(
            "it was written by a newer version of pictory (journal layout {layout}; this version reads layout {LAYOUT})"
        )));
    }
    let expected = [
        ("table", "items", "items", Some(TABLE)),
        ("index", KEY_INDEX, "items", None),
    ];
    let same = objects.len() == expected.len()
        && objects
            .iter()
            .zip(expected)
            .all(|(o, e)| (o.0.as_str(), o.1.as_str(), o.2.as_str(), o.3.as_deref()) == e);
    if layout != LAYOUT || !same {
        return Err(Refusal::Not(format!(
            "it is damaged: it is marked as a pictory journal (layout {layout}) but its tables are not a journal's"
        )));
    }
    let verdict: String = conn.query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))?;
    if verdict != "ok" {
        return Err(Refusal::Not(format!(
            "it is damaged (SQLite's integrity check: {verdict})"
        )));
    }
    each(conn, |_| Ok(())).map_err(|e| match e {
        Error::Journal { message } => Refusal::Not(message),
        other => Refusal::Not(other.to_string()),
    })?;
    Ok(false)
}

fn ms_of(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn time_of(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// A row's columns as stored, before their meaning is checked.
struct Columns<'a> {
    key: &'a str,
    stage: &'a str,
    request: &'a str,
    preview_job: Option<&'a str>,
    render_job: Option<&'a str>,
    preview_url: Option<&'a str>,
    video_url: Option<&'a str>,
    error: Option<&'a str>,
    created_ms: i64,
    updated_ms: i64,
}

/// The SHA-256 of a row's columns (each text absent, or its length and
/// bytes; then both times): any change to a row that was not written
/// here shows.
fn checksum(c: &Columns<'_>) -> String {
    let mut bytes = Vec::with_capacity(256);
    for text in [
        Some(c.key),
        Some(c.stage),
        Some(c.request),
        c.preview_job,
        c.render_job,
        c.preview_url,
        c.video_url,
        c.error,
    ] {
        match text {
            None => bytes.push(0),
            Some(t) => {
                bytes.push(1);
                bytes.extend_from_slice(&(t.len() as u64).to_be_bytes());
                bytes.extend_from_slice(t.as_bytes());
            }
        }
    }
    bytes.extend_from_slice(&c.created_ms.to_be_bytes());
    bytes.extend_from_slice(&c.updated_ms.to_be_bytes());
    Fingerprint::digest(&[b"pictory journal: row v1\n", &bytes]).hex()
}

/// A stored row read back: its checksum verified, its values parsed, its
/// stage's promises kept. `Err` names the key (as far as it could be read)
/// and what is wrong.
fn decode(r: &rusqlite::Row<'_>) -> std::result::Result<Row, (String, String)> {
    let key: String = r.get(0).map_err(|e| ("?".to_string(), e.to_string()))?;
    let fail = |why: String| (key.clone(), why);
    let text = |i: usize| r.get::<_, String>(i).map_err(|e| fail(e.to_string()));
    let maybe = |i: usize| {
        r.get::<_, Option<String>>(i)
            .map_err(|e| fail(e.to_string()))
    };
    let number = |i: usize| r.get::<_, i64>(i).map_err(|e| fail(e.to_string()));
    let (stage, request) = (text(1)?, text(2)?);
    let (preview_job, render_job) = (maybe(3)?, maybe(4)?);
    let (preview_url, video_url, error) = (maybe(5)?, maybe(6)?, maybe(7)?);
    let (created_ms, updated_ms, stored) = (number(8)?, number(9)?, text(10)?);
    let columns = Columns {
        key: &key,
        stage: &stage,
        request: &request,
        preview_job: preview_job.as_deref(),
        render_job: render_job.as_deref(),
        preview_url: preview_url.as_deref(),
        video_url: video_url.as_deref(),
        error: error.as_deref(),
        created_ms,
        updated_ms,
    };
    if checksum(&columns) != stored {
        return Err(fail(
            "it does not match its checksum (changed outside pictory, or damaged)".into(),
        ));
    }
    let stage =
        JournalStage::parse(&stage).ok_or_else(|| fail(format!("unknown stage {stage:?}")))?;
    let request = Fingerprint::parse(&request)
        .ok_or_else(|| fail("its request fingerprint is not a SHA-256".into()))?;
    let job = |id: Option<String>, what: &str| {
        id.map(|id| {
            JobId::parse(&id).map_err(|_| fail(format!("its {what} job id {id:?} is not a job id")))
        })
        .transpose()
    };
    if created_ms < 0 || updated_ms < 0 {
        return Err(fail("its times are negative".into()));
    }
    let row = Row {
        record: Record {
            key: key.clone(),
            stage,
            preview_job: job(preview_job, "storyboard")?,
            render_job: job(render_job, "render")?,
            preview_url,
            video_url,
            error,
            created_at: time_of(created_ms),
            updated_at: time_of(updated_ms),
        },
        request,
    };
    holds(&row).map_err(fail)?;
    Ok(row)
}

/// Whether `row` holds what its stage promises, and nothing a later stage
/// would add.
pub(super) fn holds(row: &Row) -> std::result::Result<(), String> {
    use JournalStage::*;
    let r = &row.record;
    let stage = r.stage.as_str();
    let need = |present: bool, what: &str| {
        if present {
            Ok(())
        } else {
            Err(format!("it is at stage {stage} without {what}"))
        }
    };
    let never = |present: bool, what: &str| {
        if present {
            Err(format!("it is at stage {stage} with {what}"))
        } else {
            Ok(())
        }
    };
    let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let (preview, render) = (r.preview_job.is_some(), r.render_job.is_some());
    let (preview_url, video) = (r.preview_url.is_some(), r.video_url.is_some());
    match r.stage {
        New | PreviewRequested => never(
            preview || render || preview_url || video,
            "a job or a URL recorded",
        ),
        PreviewStarted => {
            need(preview, "its storyboard job id")?;
            never(render || preview_url || video, "a later stage's data")
        }
        Previewed | RenderRequested => {
            need(preview, "its storyboard job id")?;
            never(render || video, "a render job or a video")
        }
        RenderStarted => {
            need(preview, "its storyboard job id")?;
            need(render, "its render job id")?;
            never(video, "a video")
        }
        Finished => {
            need(preview, "its storyboard job id")?;
            need(render, "its render job id")?;
            need(filled(&r.video_url), "its video URL")
        }
        Failed => need(filled(&r.error), "the error it failed with"),
    }
}

/// Reads `key`'s row.
pub(super) fn get(conn: &Connection, key: &str) -> Result<Option<Row>> {
    let read = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM items WHERE key = ?1"),
            [key],
            |r| Ok(decode(r)),
        )
        .optional()
        .map_err(|e| err(&format!("cannot read item {key:?}"), e))?;
    read.transpose().map_err(damaged)
}

/// A row that failed [`decode`].
fn damaged((key, why): (String, String)) -> Error {
    err(&format!("item {key:?} is damaged"), why)
}

/// Calls `f` with every row, ordered by key; stops at the first error.
pub(super) fn each(conn: &Connection, mut f: impl FnMut(Row) -> Result<()>) -> Result<()> {
    let reading = |e: rusqlite::Error| err("cannot read the items", e);
    let mut stmt = conn
        .prepare(&format!("SELECT {COLUMNS} FROM items ORDER BY key"))
        .map_err(reading)?;
    let mut rows = stmt.query([]).map_err(reading)?;
    while let Some(r) = rows.next().map_err(reading)? {
        f(decode(r).map_err(damaged)?)?;
    }
    Ok(())
}

/// How many items are at each stage.
pub(super) fn stage_counts(conn: &Connection) -> Result<Vec<(JournalStage, u64)>> {
    let mut counts = Vec::new();
    each(conn, |row| {
        match counts.iter_mut().find(|(s, _)| *s == row.record.stage) {
            Some((_, n)) => *n += 1,
            None => counts.push((row.record.stage, 1)),
        }
        Ok(())
    })?;
    counts.sort_by_key(|(s, _)| JournalStage::ALL.iter().position(|x| x == s));
    Ok(counts)
}

/// What a transition writes.
#[derive(Debug)]
pub(super) enum Write {
    /// A create request is about to be sent for `stage`'s step
    /// ([`JournalStage::PreviewRequested`] or [`JournalStage::RenderRequested`]),
    /// for the request with this fingerprint.
    Intent(JournalStage, Fingerprint),
    /// A storyboard request is about to be sent for a key whose request
    /// changed: the item starts again from nothing (asked for explicitly).
    Replace(Fingerprint),
    /// The storyboard job exists.
    PreviewStarted(JobId),
    /// The preview is ready.
    Previewed(Option<String>),
    /// The render job exists.
    RenderStarted(JobId),
    /// The video is ready.
    Finished(String),
    /// The job failed for good.
    Failed(String),
    /// A create was refused before anything was processed: back to
    /// `stage`, with the reason.
    Refused(JournalStage, String),
    /// An error to keep without changing the stage.
    Note(String),
}

/// The row `write` makes of `current` (`None`: no row yet) at `now`, or
/// why it may not be written: each transition starts from the stages it
/// follows, an intent keeps the request the item was started with, and
/// the result holds what its stage promises.
pub(super) fn next(
    current: Option<&Row>,
    key: &str,
    write: &Write,
    now: SystemTime,
) -> std::result::Result<Row, String> {
    use JournalStage::*;
    let from = current.map(|r| r.record.stage);
    let allowed: &[JournalStage] = match write {
        Write::Intent(PreviewRequested, _) => &[New, PreviewRequested],
        Write::Intent(RenderRequested, _) => &[Previewed, RenderRequested],
        Write::Intent(other, _) => return Err(format!("{} is not an intent", other.as_str())),
        Write::Replace(_) => &JournalStage::ALL,
        Write::PreviewStarted(_) => &[PreviewRequested],
        Write::Previewed(_) => &[PreviewStarted],
        Write::RenderStarted(_) => &[RenderRequested],
        Write::Finished(_) => &[RenderStarted],
        Write::Failed(_) => &[PreviewStarted, RenderStarted],
        Write::Refused(New, _) => &[PreviewRequested],
        Write::Refused(Previewed, _) => &[RenderRequested],
        Write::Refused(other, _) => {
            return Err(format!(
                "a refused create cannot lead to {}",
                other.as_str()
            ));
        }
        Write::Note(_) => &[PreviewRequested, RenderRequested],
    };
    let starts_anew = matches!(
        (write, from),
        (Write::Replace(_), _) | (Write::Intent(PreviewRequested, _), None)
    );
    if !starts_anew && !from.is_some_and(|s| allowed.contains(&s)) {
        return Err(match from {
            None => "no such item (was the journal changed by something else?)".into(),
            Some(s) => format!(
                "it is at stage {}, which this step does not follow",
                s.as_str()
            ),
        });
    }
    let mut row = match (current, starts_anew) {
        (Some(r), false) => r.clone(),
        (current, _) => Row {
            record: Record {
                key: key.to_string(),
                stage: New,
                preview_job: None,
                render_job: None,
                preview_url: None,
                video_url: None,
                error: None,
                created_at: current.map_or(now, |r| r.record.created_at),
                updated_at: now,
            },
            request: Fingerprint::digest(&[]),
        },
    };
    let r = &mut row.record;
    let text = |message: &str| {
        Some(if message.trim().is_empty() {
            "failed".to_string()
        } else {
            message.to_string()
        })
    };
    match write {
        Write::Intent(stage, request) => {
            // Nothing was created for a new item: its request may change.
            if from.is_some_and(|s| s != New) && row.request != *request {
                return Err("its request changed since it was started".into());
            }
            row.request = *request;
            r.stage = *stage;
            r.error = None;
        }
        Write::Replace(request) => {
            row.request = *request;
            r.stage = PreviewRequested;
        }
        Write::PreviewStarted(id) => {
            r.stage = PreviewStarted;
            r.preview_job = Some(id.clone());
            r.error = None;
        }
        Write::Previewed(url) => {
            r.stage = Previewed;
            r.preview_url = url.clone();
        }
        Write::RenderStarted(id) => {
            r.stage = RenderStarted;
            r.render_job = Some(id.clone());
            r.error = None;
        }
        Write::Finished(url) => {
            r.stage = Finished;
            r.video_url = Some(url.clone());
            r.error = None;
        }
        Write::Failed(message) => {
            r.stage = Failed;
            r.error = text(message);
        }
        Write::Refused(stage, message) => {
            r.stage = *stage;
            r.error = text(message);
        }
        Write::Note(message) => r.error = text(message),
    }
    r.updated_at = now;
    holds(&row)?;
    Ok(row)
}

/// Applies `write` to `key` in one committed transaction and returns the
/// record as it now is.
pub(super) fn apply(conn: &Connection, key: &str, write: &Write) -> Result<Record> {
    let doing = format!("cannot write item {key:?}");
    let sqlite = |e: rusqlite::Error| err(&doing, e);
    let tx = conn.unchecked_transaction().map_err(sqlite)?;
    let current = get(&tx, key)?;
    let row =
        next(current.as_ref(), key, write, SystemTime::now()).map_err(|why| err(&doing, why))?;
    put(&tx, &row).map_err(sqlite)?;
    tx.commit().map_err(sqlite)?;
    Ok(row.record)
}

/// Writes `row` with its checksum.
pub(super) fn put(conn: &Connection, row: &Row) -> rusqlite::Result<()> {
    let r = &row.record;
    let request = row.request.hex();
    let columns = Columns {
        key: &r.key,
        stage: r.stage.as_str(),
        request: &request,
        preview_job: r.preview_job.as_ref().map(JobId::as_str),
        render_job: r.render_job.as_ref().map(JobId::as_str),
        preview_url: r.preview_url.as_deref(),
        video_url: r.video_url.as_deref(),
        error: r.error.as_deref(),
        created_ms: ms_of(r.created_at),
        updated_ms: ms_of(r.updated_at),
    };
    let sum = checksum(&columns);
    conn.execute(
        &format!(
            "INSERT INTO items ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT(key) DO UPDATE SET stage = excluded.stage, request = excluded.request,
               preview_job = excluded.preview_job, render_job = excluded.render_job,
               preview_url = excluded.preview_url, video_url = excluded.video_url,
               error = excluded.error, created_ms = excluded.created_ms,
               updated_ms = excluded.updated_ms, checksum = excluded.checksum"
        ),
        params![
            columns.key,
            columns.stage,
            columns.request,
            columns.preview_job,
            columns.render_job,
            columns.preview_url,
            columns.video_url,
            columns.error,
            columns.created_ms,
            columns.updated_ms,
            sum
        ],
    )?;
    Ok(())
}
