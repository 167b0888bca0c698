//! The journal under hostile conditions (issue #20, rows 1–6): two runs at
//! once, a journal copied without its side files, a changed request under
//! a started key, a damaged index, another application's database, a row
//! edited to promise what it does not hold. Jobs are counted at the
//! simulator: nothing may be created twice, and a refused journal sends
//! nothing.
#![cfg(all(feature = "journal", unix))]

use pictory::jobs::FixedInterval;
use pictory::journal::{BulkItem, BulkRun, ItemOutcome, Journal, JournalStage};
use pictory::storyboard::{Scene, StoryboardRequest};
use pictory::{Error, FlowOptions, RetryPolicy, Stage};
use pictory_sim::{SimConfig, Simulator};
use std::path::{Path, PathBuf};
use std::time::Duration;

async fn sim() -> Simulator {
    Simulator::start(SimConfig {
        time_factor: 0.001,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// A folder of its own, removed at the end.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        let dir = std::env::temp_dir().join(format!(
            "pictory-journal-hostile-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn item(key: &str, text: &str) -> BulkItem {
    BulkItem::new(key, StoryboardRequest::new(key).scene(Scene::text(text)))
}

fn items() -> Vec<BulkItem> {
    ["video-001", "video-002", "video-003"]
        .into_iter()
        .map(|k| item(k, "Hello"))
        .collect()
}

fn options() -> FlowOptions {
    FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(10)))
}

fn run_with(sim: &Simulator, journal: &Journal, options: FlowOptions) -> BulkRun {
    let client = sim
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    BulkRun::new(client, journal.clone()).options(options)
}

fn run(sim: &Simulator, journal: &Journal) -> BulkRun {
    run_with(sim, journal, options())
}

fn jobs(sim: &Simulator) -> (u64, u64) {
    let c = sim.counters();
    (c.jobs_of("storyboard"), c.jobs_of("render"))
}

/// `Journal::open(path)` refused with one line that contains `words`.
fn refused(path: &Path, words: &str) -> String {
    match Journal::open(path) {
        Err(Error::Journal { message }) => {
            assert!(
                message.contains(words) && !message.contains('\n'),
                "{message}"
            );
            message
        }
        other => panic!("{} was opened: {other:?}", path.display()),
    }
}

/// A finished batch of three in a journal at `path` (closed again).
async fn finished_batch(sim: &Simulator, path: &Path) {
    let journal = Journal::open(path).unwrap();
    let report = run(sim, &journal).run(items()).await;
    assert!(report.all_finished(), "{report:?}");
}

/// Row 1: two runs at once over clones of one journal, same keys. Only
/// one drives the journal; the other is refused and creates nothing.
#[tokio::test]
async fn two_runs_at_once_over_clones_of_one_journal_create_each_job_once() {
    let sim = sim().await;
    let dir = Dir::new();
    let journal = Journal::open(dir.path("batch.journal")).unwrap();
    // Another connection to the file, even in this process and through
    // another path, is refused while it is open.
    let link = dir.path("link.journal");
    std::os::unix::fs::symlink(dir.path("batch.journal"), &link).unwrap();
    refused(&link, "in use by another run");
    refused(&dir.path("batch.journal"), "in use by another run");
    let (first, second) = (run(&sim, &journal), run(&sim, &journal.clone()));
    let (a, b) = tokio::join!(first.run(items()), second.run(items()));
    assert_eq!(jobs(&sim), (3, 3), "each key's jobs created once");
    // Which run drives is the polling order's choice; the other is refused.
    let (driver, other) = if a.all_finished() { (a, b) } else { (b, a) };
    assert!(driver.all_finished(), "{driver:?}");
    for (key, outcome) in other.outcomes() {
        assert!(
            matches!(outcome, ItemOutcome::Interrupted { error: Error::Journal { message } }
                if message.contains("another run")),
            "{key}: {outcome:?}"
        );
    }
    // Once the first run is over, a run of a clone may drive it again.
    let after = run(&sim, &journal.clone()).run(items()).await;
    assert!(after.all_finished(), "{after:?}");
    assert_eq!(jobs(&sim), (3, 3));
    // The stream form takes the journal too, for as long as it lives.
    let streaming = run(&sim, &journal);
    let stream = streaming.outcomes(items());
    let refused = run(&sim, &journal).run(items()).await;
    assert!(
        refused
            .outcomes()
            .iter()
            .all(|(_, o)| matches!(o, ItemOutcome::Interrupted { .. })),
        "{refused:?}"
    );
    drop(stream);
    assert!(run(&sim, &journal).run(items()).await.all_finished());
}

/// Row 2: the run dies once every job is journalled; the journal's main
/// file alone, copied elsewhere, resumes the batch without a new job.
#[tokio::test]
async fn the_main_file_alone_holds_every_commit() {
    let sim = sim().await;
    let dir = Dir::new();
    let path = dir.path("batch.journal");
    let journal = Journal::open(&path).unwrap();
    // Each item's run dies while its render is waited for: every job
    // journalled, the journal never closed.
    for key in items() {
        let dies = options().on_progress(|stage, _| {
            if stage == Stage::Render {
                panic!("crash while rendering");
            }
        });
        let crashing = run_with(&sim, &journal, dies);
        let crashed = tokio::spawn(async move { crashing.run([key]).await }).await;
        assert!(crashed.is_err_and(|e| e.is_panic()));
    }
    assert_eq!(jobs(&sim), (3, 3));
    // As kill -9 leaves it: the journal still open, only the main file taken.
    let copy = dir.path("copy.journal");
    std::fs::copy(&path, &copy).unwrap();
    let had_wal = dir.path("batch.journal-wal").exists();
    drop(journal);
    let resumed = Journal::open(&copy).unwrap();
    for record in resumed.records().await.unwrap() {
        assert_eq!(record.stage, JournalStage::RenderStarted, "{record:?}");
    }
    let report = run(&sim, &resumed).run(items()).await;
    assert!(report.all_finished(), "{report:?}");
    assert_eq!(jobs(&sim), (3, 3), "nothing created again");
    assert!(!had_wal, "no write-ahead log");
}

/// Row 3: a key's request changed after it started: a conflict, nothing
/// sent, until the key is explicitly replaced.
#[tokio::test]
async fn a_changed_request_under_a_started_key_is_a_conflict_until_replaced() {
    let sim = sim().await;
    let dir = Dir::new();
    let journal = Journal::open(dir.path("batch.journal")).unwrap();
    let report = run(&sim, &journal).run(items()).await;
    assert!(report.all_finished());
    let old_video = journal.get("video-002").await.unwrap().unwrap().video_url;
    let mut changed = items();
    changed[1] = item("video-002", "Hello, changed");
    changed.push(item("video-004", "A new one"));
    let conflicts = journal.conflicts(&changed).await.unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].key, "video-002");
    assert_eq!(conflicts[0].stage, JournalStage::Finished);
    // The whole batch is refused: nothing sent, not even the new key.
    let report = run(&sim, &journal).run(changed.clone()).await;
    assert!(
        matches!(
            report.outcomes()[1].1,
            ItemOutcome::Changed {
                stage: JournalStage::Finished
            }
        ),
        "{report:?}"
    );
    assert!(!report.outcomes()[1].1.to_string().contains('\n'));
    assert!(
        matches!(report.outcomes()[3].1, ItemOutcome::Interrupted { .. }),
        "{report:?}"
    );
    assert_eq!(jobs(&sim), (3, 3), "nothing sent");
    // The requests the keys were started with are no conflict.
    assert!(journal.conflicts(&items()).await.unwrap().is_empty());
    // Replaced on request: a new video for the changed key, no other job.
    let report = run(&sim, &journal)
        .replace_changed(true)
        .run(changed.clone())
        .await;
    assert!(report.all_finished(), "{report:?}");
    assert_eq!(jobs(&sim), (5, 5), "video-002 again and video-004");
    let record = journal.get("video-002").await.unwrap().unwrap();
    assert_eq!(record.stage, JournalStage::Finished);
    assert_ne!(record.video_url, old_video);
    assert!(journal.conflicts(&changed).await.unwrap().is_empty());
}

/// The page size and the root page of the named index or table.
fn root_page(path: &Path, name: &str) -> (u64, u64) {
    let db = rusqlite::Connection::open(path).unwrap();
    let page_size: i64 = db.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    let root: i64 = db
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .unwrap();
    (page_size.try_into().unwrap(), root.try_into().unwrap())
}

/// Row 4: one byte of the primary key's index changed (a key in the index
/// no longer matches its row): refused on open, nothing sent.
#[tokio::test]
async fn a_journal_with_one_byte_of_its_index_changed_is_refused() {
    let sim = sim().await;
    let dir = Dir::new();
    let path = dir.path("batch.journal");
    finished_batch(&sim, &path).await;
    let (page_size, root) = root_page(&path, "sqlite_autoindex_items_1");
    let mut bytes = std::fs::read(&path).unwrap();
    let start = usize::try_from((root - 1) * page_size).unwrap();
    let page = &mut bytes[start..start + usize::try_from(page_size).unwrap()];
    let at = page
        .windows(9)
        .position(|w| w == b"video-002")
        .expect("the key in the index page");
    page[at + 8] = b'9';
    std::fs::write(&path, &bytes).unwrap();
    refused(&path, "damaged");
    assert_eq!(jobs(&sim), (3, 3), "nothing sent");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "left as it was");
}

/// Row 5: another application's SQLite database given as the journal:
/// refused, and left byte for byte as it was (no table added).
#[tokio::test]
async fn another_applications_database_is_refused_untouched() {
    let dir = Dir::new();
    let path = dir.path("customers.db");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO customers (name) VALUES ('Ada'), ('Grace');",
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    refused(&path, "not a pictory journal");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let entries: Vec<_> = std::fs::read_dir(&dir.0).unwrap().collect();
    assert_eq!(entries.len(), 1, "no side file left: {entries:?}");
    drop(entries);
    // Marked by another application, even without tables.
    let marked = dir.path("marked.db");
    {
        let db = rusqlite::Connection::open(&marked).unwrap();
        db.execute_batch("PRAGMA application_id = 42;").unwrap();
    }
    let before = std::fs::read(&marked).unwrap();
    refused(&marked, "not a pictory journal");
    assert_eq!(std::fs::read(&marked).unwrap(), before);
    // In write-ahead-log mode, with commits still in its `-wal` file (as
    // its application left it): neither file touched, no log checkpointed.
    let (wal_db, wal_copy) = (dir.path("wal.db"), dir.path("wal-copy.db"));
    {
        let db = rusqlite::Connection::open(&wal_db).unwrap();
        let mode: String = db
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        db.execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL);
             INSERT INTO orders (total) VALUES (1.5), (2.5);",
        )
        .unwrap();
        std::fs::copy(&wal_db, &wal_copy).unwrap();
        std::fs::copy(dir.path("wal.db-wal"), dir.path("wal-copy.db-wal")).unwrap();
    }
    let main_before = std::fs::read(&wal_copy).unwrap();
    let log_before = std::fs::read(dir.path("wal-copy.db-wal")).unwrap();
    assert!(!log_before.is_empty());
    refused(&wal_copy, "not a pictory journal");
    assert_eq!(std::fs::read(&wal_copy).unwrap(), main_before);
    assert_eq!(
        std::fs::read(dir.path("wal-copy.db-wal")).unwrap(),
        log_before
    );
    // Not SQLite at all.
    let text = dir.path("notes.txt");
    std::fs::write(
        &text,
        "not a database, but long enough to be read as one ".repeat(20),
    )
    .unwrap();
    let before = std::fs::read(&text).unwrap();
    refused(&text, "not a pictory journal");
    assert_eq!(std::fs::read(&text).unwrap(), before);
}

/// Row 6: a `finished` row without its video URL (edited by another
/// program) is an error, never a success.
#[tokio::test]
async fn a_finished_row_without_its_video_url_is_refused() {
    let sim = sim().await;
    let dir = Dir::new();
    let path = dir.path("batch.journal");
    finished_batch(&sim, &path).await;
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        let changed = db
            .execute(
                "UPDATE items SET video_url = NULL WHERE key = 'video-002'",
                [],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    let message = refused(&path, "video-002");
    assert!(message.contains("damaged"), "{message}");
    assert_eq!(jobs(&sim), (3, 3), "nothing sent");
}
