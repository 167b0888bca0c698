//! The journal's own rules, without a server: the file lock, stage names,
//! what counts as nothing created. The resumable run against the simulator
//! is in `tests/journal.rs`.

use super::*;

#[tokio::test]
async fn a_journal_file_survives_reopening_and_is_locked_while_open() {
    let dir = std::env::temp_dir().join(format!(
        "pictory-journal-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("batch.journal");
    let journal = Journal::open(&path).unwrap();
    journal
        .intend(
            "video-001",
            JournalStage::PreviewRequested,
            Fingerprint::digest(&[b"request"]),
        )
        .await
        .unwrap();
    let second = Journal::open(&path);
    assert!(
        matches!(&second, Err(Error::Journal { message }) if message.contains("in use by another run")),
        "a second run must not share the journal: {second:?}"
    );
    drop(journal);
    let reopened = Journal::open(&path).unwrap();
    let records = reopened.records().await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].stage, JournalStage::PreviewRequested);
    drop(reopened);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A journal file in a folder of its own, removed at the end.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new() -> Dir {
        let dir = std::env::temp_dir().join(format!(
            "pictory-journal-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A row at `stage` with both jobs and the given video URL, as only a
/// program other than this one would write it.
fn row(stage: JournalStage, video_url: Option<&str>) -> store::Row {
    let now = std::time::SystemTime::now();
    store::Row {
        record: Record {
            key: "video-001".into(),
            stage,
            preview_job: Some(JobId::parse("00000000-0000-4000-8000-000000000001").unwrap()),
            render_job: Some(JobId::parse("00000000-0000-4000-8000-000000000002").unwrap()),
            preview_url: None,
            video_url: video_url.map(str::to_string),
            error: None,
            created_at: now,
            updated_at: now,
        },
        request: Fingerprint::digest(&[b"request"]),
    }
}

/// Rows whose checksum is right but whose stage promises what they do not
/// hold: the journal is refused on open, and no such row is ever written.
#[test]
fn a_row_that_does_not_hold_what_its_stage_promises_is_refused() {
    for (stage, video_url) in [
        (JournalStage::Finished, None),
        (JournalStage::Finished, Some("")),
        (JournalStage::Finished, Some("  ")),
    ] {
        let dir = Dir::new();
        let path = dir.0.join("batch.journal");
        let conn = store::open(&path).unwrap();
        let bad = row(stage, video_url);
        assert!(store::holds(&bad).is_err(), "{bad:?}");
        store::put(&conn, &bad).unwrap();
        drop(conn);
        let opened = Journal::open(&path);
        assert!(
            matches!(&opened, Err(Error::Journal { message })
                if message.contains("without its video URL") && !message.contains('\n')),
            "{stage:?} {video_url:?}: {opened:?}"
        );
    }
    // A render job that ends without a URL is never recorded as finished.
    let at_render = row(JournalStage::RenderStarted, None);
    let finished = store::next(
        Some(&at_render),
        "video-001",
        &store::Write::Finished(String::new()),
        std::time::SystemTime::now(),
    );
    assert!(finished.is_err(), "{finished:?}");
}

#[test]
fn stages_round_trip_through_their_names() {
    for stage in JournalStage::ALL {
        assert_eq!(JournalStage::parse(stage.as_str()), Some(stage));
    }
    assert_eq!(JournalStage::parse("bogus"), None);
}

#[test]
fn only_refusals_before_processing_count_as_nothing_created() {
    use run::nothing_created;
    let possibly = Error::PossiblyProcessed {
        operation: "create_storyboard",
        status: Some(502),
        reason: "x".into(),
    };
    assert!(!nothing_created(&possibly));
    let invalid = Error::InvalidRequest {
        operation: "create_storyboard",
        message: "x".into(),
    };
    assert!(nothing_created(&invalid));
    let timeout = Error::Timeout {
        operation: "create_storyboard",
        attempts: 1,
        sent: true,
    };
    assert!(!nothing_created(&timeout));
    // Waiting at the rate-limit gate until the deadline: never sent.
    let unsent = Error::Timeout {
        operation: "create_storyboard",
        attempts: 1,
        sent: false,
    };
    assert!(nothing_created(&unsent));
}
