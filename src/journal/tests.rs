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
        .intend("video-001", JournalStage::PreviewRequested)
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
