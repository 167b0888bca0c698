//! `pictory bulk` under hostile input (issue #20, rows 3 and 12): a row
//! changed under a name the journal already started, bytes that are not
//! UTF-8, and a 100,000-row file checked in bounded memory.

use pictory_sim::{SimConfig, Simulator};
use std::path::Path;
use std::process::Output;

mod common;

use common::{Dir, offline};

/// `pictory bulk FILE --journal JOURNAL EXTRA...` with `token` against
/// `sim` (or, without a simulator, with no token: the built-in one).
fn bulk(sim: Option<(&Simulator, &str)>, file: &Path, journal: &Path, extra: &[&str]) -> Output {
    let mut c = offline();
    if let Some((sim, token)) = sim {
        c.env("LOWCODEAPI_API_TOKEN", token)
            .env("LOWCODEAPI_BASE_URL", sim.base_url());
    }
    c.arg("bulk")
        .arg(file)
        .arg("--journal")
        .arg(journal)
        .args(extra);
    tokio::task::block_in_place(|| c.output().expect("the binary runs"))
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Exit 2 with one line on stderr that contains every one of `words`,
/// nothing on stdout.
fn refused_with(out: &Output, words: &[&str]) {
    let errors = stderr_lines(out);
    assert_eq!(out.status.code(), Some(2), "{errors:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    for word in words {
        assert!(errors[0].contains(word), "{word:?} not in {errors:?}");
    }
    assert!(out.stdout.is_empty());
}

/// Row 3: a row's text changed, its name kept, the same journal: one line,
/// exit 2, nothing sent; `--replace-changed` makes the new video.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_row_under_a_started_name_is_refused_until_replaced() {
    let token = "at_bulk-input-token";
    let sim = Simulator::start(SimConfig {
        time_factor: 0.001,
        tokens: vec![token.into()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let jobs = || {
        let c = sim.counters();
        (c.jobs_of("storyboard"), c.jobs_of("render"))
    };
    let dir = Dir::new("bulk-input");
    let journal = dir.join("batch.journal");
    let file = dir.file("batch.csv", b"name,text\na,One.\nb,Two.\nc,Three.\n");
    let out = bulk(Some((&sim, token)), &file, &journal, &[]);
    assert!(out.status.success(), "{:?}", stderr_lines(&out));
    assert_eq!(jobs(), (3, 3));
    let requests = sim.counters().requests.values().sum::<u64>();

    dir.file(
        "batch.csv",
        b"name,text\na,One.\nb,Two (changed).\nc,Three.\nd,Four.\n",
    );
    let out = bulk(Some((&sim, token)), &file, &journal, &[]);
    refused_with(&out, &["line 3", "\"b\"", "changed", "--replace-changed"]);
    assert_eq!(
        sim.counters().requests.values().sum::<u64>(),
        requests,
        "nothing sent"
    );

    let out = bulk(Some((&sim, token)), &file, &journal, &["--replace-changed"]);
    assert!(out.status.success(), "{:?}", stderr_lines(&out));
    assert_eq!(jobs(), (5, 5), "b made again, d made");
    let out = bulk(Some((&sim, token)), &file, &journal, &[]);
    assert!(out.status.success(), "{:?}", stderr_lines(&out));
    assert_eq!(jobs(), (5, 5), "nothing new");
}

/// A journal edited by another program (one byte of a video URL), a
/// journal in use by another run, and a file that is not a journal: one
/// line, exit 2, nothing sent, the file left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_that_cannot_be_trusted_is_refused_before_anything_is_sent() {
    let token = "at_bulk-journal-token";
    let sim = Simulator::start(SimConfig {
        time_factor: 0.001,
        tokens: vec![token.into()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = Dir::new("bulk-input");
    let journal = dir.join("batch.journal");
    let file = dir.file(
        "batch.csv",
        b"name,text
a,One.
b,Two.
",
    );
    let out = bulk(Some((&sim, token)), &file, &journal, &[]);
    assert!(out.status.success(), "{:?}", stderr_lines(&out));
    let requests = || sim.counters().requests.values().sum::<u64>();
    let sent = requests();

    let mut bytes = std::fs::read(&journal).unwrap();
    let at = bytes
        .windows(4)
        .rposition(|w| w == b".mp4")
        .expect("a video URL in the journal");
    bytes[at + 3] = b'5';
    std::fs::write(&journal, &bytes).unwrap();
    let out = bulk(Some((&sim, token)), &file, &journal, &[]);
    refused_with(&out, &["damaged", "nothing was sent"]);
    assert_eq!(std::fs::read(&journal).unwrap(), bytes, "left as it was");

    let other = dir.file("notes.journal", &b"not a journal at all. ".repeat(50));
    let out = bulk(Some((&sim, token)), &file, &other, &[]);
    refused_with(&out, &["not a pictory journal"]);
    assert_eq!(
        std::fs::read(&other).unwrap(),
        b"not a journal at all. ".repeat(50)
    );

    let held = dir.join("held.journal");
    let open = pictory::journal::Journal::open(&held).unwrap();
    let out = bulk(Some((&sim, token)), &file, &held, &[]);
    refused_with(&out, &["in use by another run"]);
    drop(open);
    assert_eq!(requests(), sent, "nothing sent");
}

/// Row 12: bytes that are not UTF-8 are named with their line, in CSV
/// (in a plain and in a quoted multi-line cell) and in JSON Lines.
#[test]
fn bytes_that_are_not_utf8_are_named_with_their_line() {
    let dir = Dir::new("bulk-input");
    let journal = dir.join("batch.journal");
    let cases: &[(&str, &[u8], &str)] = &[
        ("plain.csv", b"name,text\na,One.\nb,Tw\xffo.\n", "line 3"),
        (
            "quoted.csv",
            b"name,text\na,\"One\nstill one.\"\nb,\"Two\n\xc3\x28\"\n",
            "line 4",
        ),
        ("name.csv", b"name,text\n\xfe,One.\n", "line 2"),
        (
            "lines.jsonl",
            b"{\"name\": \"a\", \"text\": \"One.\"}\n\n{\"name\": \"b\", \"text\": \"T\xffwo.\"}\n",
            "line 3",
        ),
    ];
    for (name, content, line) in cases {
        let file = dir.file(name, content);
        let out = bulk(None, &file, &journal, &[]);
        refused_with(&out, &[line, "not UTF-8"]);
        assert!(!journal.exists(), "{name}: no journal written");
    }
}

/// Row 12: a 100,000-row CSV (6.6 MiB) is checked one row at a time: the
/// binary's peak memory stays far below the file's rows held at once (the
/// last row repeats a name, so the command stops after the check).
#[cfg(target_os = "linux")]
#[test]
fn a_100000_row_batch_is_checked_in_bounded_memory() {
    use std::io::Write;
    let dir = Dir::new("bulk-input");
    let path = dir.join("big.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(file, "name,text,voice,music").unwrap();
    for i in 1..=100_000 {
        writeln!(
            file,
            "video-{i:06},\"Pictory turns text into videos, row {i}.\",Jackson,0.1"
        )
        .unwrap();
    }
    writeln!(file, "video-000001,The name again.,,").unwrap();
    drop(file);
    let out = bulk(None, &path, &dir.join("big.journal"), &[]);
    refused_with(&out, &["line 100002", "also on line 2"]);
    // The largest resident set of any child this test process waited for
    // (the binary is its only one), in KiB on Linux.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage.
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    let peak_mib = usage.ru_maxrss / 1024;
    // Holding every row (as before) took about 300 MiB here.
    assert!(peak_mib < 80, "peak RSS {peak_mib} MiB for 100,000 rows");
}
