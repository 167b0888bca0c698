//! Downloads (src/download.rs, src/pipeline/stream.rs) and the shared 429
//! gate (src/pipeline/throttle.rs) against a small hostile server, from an
//! adversarial review: the tests marked "was a defect" failed on the first
//! version; the `sound_*` tests pin down behaviour found correct.

use pictory::{Client, DownloadProblem, Error, RetryPolicy, WriteProblem};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "tok_review_SECRET_0123456789abcdef";

/// What the tiny server does with one request.
enum Act {
    /// Write these bytes, then close.
    Send(Vec<u8>),
    /// Write these bytes, then keep the connection open without a word.
    SendThenHang(Vec<u8>),
}

type Handler = dyn Fn(usize, &str) -> Act + Send + Sync;

struct Server {
    base: String,
    heads: Arc<Mutex<Vec<String>>>,
}

async fn serve(handler: impl Fn(usize, &str) -> Act + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let handler: Arc<Handler> = Arc::new(handler);
    let count = Arc::new(AtomicUsize::new(0));
    let h2 = heads.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (handler, heads, count) = (handler.clone(), h2.clone(), count.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut piece = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut piece).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&piece[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                heads.lock().unwrap().push(head.clone());
                let n = count.fetch_add(1, Ordering::SeqCst);
                match handler(n, &head) {
                    Act::Send(bytes) => {
                        let _ = sock.write_all(&bytes).await;
                        let _ = sock.shutdown().await;
                    }
                    Act::SendThenHang(bytes) => {
                        let _ = sock.write_all(&bytes).await;
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                }
            });
        }
    });
    Server { base, heads }
}

fn response(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn client(base: &str, retry: RetryPolicy) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(base)
        .retry_policy(retry)
        .build()
        .unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect()
}

/// A fresh directory, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    let dir = std::env::temp_dir().join(format!(
        "review_download_{}_{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

// ---------------------------------------------------------------- throttle

/// Was a defect: `Throttle::acquire_slow` counts the request in flight
/// (`in_flight.fetch_add`) *before* sleeping until its paced slot, and only
/// a `Permit` gives it back. A request future dropped during that sleep (a
/// caller's `tokio::time::timeout`, `select!`, or the pipeline's own
/// `timeout_at(deadline)` in `admit`) leaks the slot for good. Once the
/// leaked slots fill the (small, post-429) in-flight window, every later
/// request of the client waits forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttle_slot_is_given_back_when_a_request_is_dropped_during_its_paced_wait() {
    paced_scenario(true).await;
}

/// Control for the test above: the same sequence without the two dropped
/// requests passes, so the hang there is the leak.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sound_throttle_control_without_dropped_requests() {
    paced_scenario(false).await;
}

async fn paced_scenario(drop_two: bool) {
    let server = serve(|n, _| {
        if n == 0 {
            Act::Send(response(
                "429 Too Many Requests",
                &["Retry-After: 1", "Content-Length: 0"],
                b"",
            ))
        } else {
            Act::Send(response(
                "200 OK",
                &["Content-Type: application/json", "Content-Length: 2"],
                b"{}",
            ))
        }
    })
    .await;
    let client = client(&server.base, RetryPolicy::none());
    let get = |c: Client| async move { c.api().get_job().job_id("job-1").send().await };
    // The 429: pause 1 s, then paced at 1/s, window 1.
    let first = get(client.clone()).await;
    assert!(first.is_err());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // One answered request (window grows to 2; next slot 1 s away).
    let _ = get(client.clone()).await;
    // Two requests given paced slots, dropped while waiting for them.
    if drop_two {
        let (c1, c2) = (client.clone(), client.clone());
        let a = tokio::spawn(tokio::time::timeout(Duration::from_millis(300), get(c1)));
        let b = tokio::spawn(tokio::time::timeout(Duration::from_millis(300), get(c2)));
        assert!(a.await.unwrap().is_err(), "expected to be cut while paced");
        assert!(b.await.unwrap().is_err(), "expected to be cut while paced");
    }
    // Nothing is in flight now: this one must start within a few pace gaps.
    let after = tokio::time::timeout(Duration::from_secs(8), get(client.clone())).await;
    assert!(
        after.is_ok(),
        "a request waited 8 s with nothing in flight: in-flight slots leaked by dropped requests"
    );
}

// ---------------------------------------------------------------- downloads

/// Was a defect: the download replaces the client's whole-request timeout by a
/// 24 h limit and cuts only *body* reads after `READ_IDLE_TIMEOUT`; the wait
/// for the answer's head has no limit but 24 h. A host that accepts the
/// connection and never answers hangs `download` for a day, even with a
/// client built with a 1 s timeout.
#[tokio::test]
async fn a_host_that_never_answers_is_given_up_on_at_the_client_timeout() {
    let server = serve(|_, _| Act::SendThenHang(Vec::new())).await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(&server.base)
        .timeout(Duration::from_secs(1))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let dir = tempdir();
    let dest = dir.path().join("v.mp4");
    let url = format!("{}/v.mp4", server.base);
    let done = tokio::time::timeout(
        Duration::from_secs(6),
        client.download(&url, &dest, |_, _| {}),
    )
    .await;
    assert!(
        done.is_ok(),
        "download still waiting for a head after 6 s (client timeout 1 s)"
    );
}

/// Was a defect: resuming sends `Range` without `If-Range` and never compares the
/// `ETag`/`Last-Modified` of the 206 with the first answer's: when the file
/// changed on the host between attempts (same size), the result is the
/// first half of version 1 glued to the second half of version 2, reported
/// as a success.
#[tokio::test]
async fn a_file_changed_on_the_host_is_not_spliced_on_resume() {
    let server = serve(|n, _| {
        if n == 0 {
            // v1: 20 bytes announced, 10 sent, connection dropped.
            Act::Send(response(
                "200 OK",
                &["Content-Length: 20", "ETag: \"v1\"", "Accept-Ranges: bytes"],
                &[b'a'; 10],
            ))
        } else {
            // The file is now v2 (same size).
            Act::Send(response(
                "206 Partial Content",
                &[
                    "Content-Length: 10",
                    "Content-Range: bytes 10-19/20",
                    "ETag: \"v2\"",
                ],
                &[b'b'; 10],
            ))
        }
    })
    .await;
    let client = client(&server.base, fast_retries());
    let dir = tempdir();
    let dest = dir.path().join("v.mp4");
    let url = format!("{}/v.mp4", server.base);
    let result = client.download(&url, &dest, |_, _| {}).await;
    let heads = server.heads.lock().unwrap().clone();
    let if_range = heads
        .iter()
        .skip(1)
        .any(|h| h.to_ascii_lowercase().contains("if-range:"));
    if let Ok(done) = &result {
        let bytes = std::fs::read(&done.path).unwrap();
        assert!(
            bytes.iter().all(|b| *b == bytes[0]),
            "spliced file reported as success: {:?} (If-Range sent: {if_range})",
            String::from_utf8_lossy(&bytes)
        );
    }
}

/// Was a defect: the temporary name is `.<name>.<16 hex>.part` (23 bytes more
/// than the destination's name): a valid destination name of 233..=255
/// bytes cannot be downloaded to (ENAMETOOLONG from the temp file).
#[tokio::test]
async fn a_long_destination_name_still_gets_a_temporary_file() {
    let server = serve(|_, _| Act::Send(response("200 OK", &["Content-Length: 3"], b"abc"))).await;
    let client = client(&server.base, fast_retries());
    let dir = tempdir();
    let name = format!("{}.mp4", "x".repeat(240));
    let dest = dir.path().join(&name);
    std::fs::write(&dest, b"old").expect("the destination name itself is valid");
    let url = format!("{}/v.mp4", server.base);
    let result = client.download(&url, &dest, |_, _| {}).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(std::fs::read(&dest).unwrap(), b"abc");
}

/// Was a defect: only the first URL is checked for the token; a
/// redirect's `Location` carrying it (e.g. a LowCodeAPI-hosted file URL
/// that forwards `?api_token=` to storage) is followed, so the token is sent
/// to a third host.
#[tokio::test]
async fn a_redirect_carrying_the_token_is_not_followed() {
    let storage = serve(|_, _| Act::Send(response("200 OK", &["Content-Length: 3"], b"abc"))).await;
    let target = format!("{}/f.mp4?api_token={TOKEN}", storage.base);
    let origin = serve(move |_, _| {
        Act::Send(response(
            "302 Found",
            &[&format!("Location: {target}"), "Content-Length: 0"],
            b"",
        ))
    })
    .await;
    let client = client(&origin.base, fast_retries());
    let dir = tempdir();
    let url = format!("{}/f.mp4", origin.base);
    let _ = client
        .download(&url, dir.path().join("f.mp4"), |_, _| {})
        .await;
    let seen = storage.heads.lock().unwrap().join("\n");
    assert!(
        !seen.contains(TOKEN),
        "the token reached the redirect target: {seen}"
    );
}

/// Was a defect: a body without `Content-Length` was written for as long as
/// the host sent it (no cap), so a hostile host could fill the disk. Now it
/// stops at the client's `max_download_bytes` with `TooLarge`, and nothing
/// is left on disk.
#[tokio::test]
async fn an_endless_body_without_length_stops_at_the_download_limit() {
    let server = serve(|_, _| {
        let mut body = response("200 OK", &["Content-Type: video/mp4"], b"");
        body.extend(std::iter::repeat_n(b'z', 8 << 20));
        // Close-delimited body, then the host just keeps the socket.
        Act::SendThenHang(body)
    })
    .await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(&server.base)
        .retry_policy(fast_retries())
        .max_download_bytes(1 << 20)
        .build()
        .unwrap();
    let dir = tempdir();
    let url = format!("{}/v.mp4", server.base);
    let done = tokio::time::timeout(
        Duration::from_secs(3),
        client.download(&url, dir.path().join("v.mp4"), |_, _| {}),
    )
    .await;
    let err = done.expect("stopped at the limit").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Download {
                problem: DownloadProblem::TooLarge { limit: 1048576 },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

// ----------------------------------------------------------- sound cases

/// A panic in the progress callback leaves no temporary file.
#[tokio::test]
async fn sound_panicking_progress_leaves_no_part_file() {
    let server = serve(|_, _| Act::Send(response("200 OK", &["Content-Length: 4"], b"abcd"))).await;
    let client = client(&server.base, fast_retries());
    let dir = tempdir();
    let dest = dir.path().join("v.mp4");
    let url = format!("{}/v.mp4", server.base);
    let task = tokio::spawn(async move {
        client
            .download(&url, &dest, |_, _| panic!("progress callback panics"))
            .await
    });
    assert!(task.await.unwrap_err().is_panic());
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

/// A download dropped mid-body leaves no temporary file and no destination.
#[tokio::test]
async fn sound_cancelled_download_leaves_nothing() {
    let server = serve(|_, _| {
        Act::SendThenHang(response(
            "200 OK",
            &["Content-Length: 1000000"],
            &[b'q'; 1000],
        ))
    })
    .await;
    let client = client(&server.base, fast_retries());
    let dir = tempdir();
    let dest = dir.path().join("v.mp4");
    let url = format!("{}/v.mp4", server.base);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut tx = Some(tx);
    let d2 = dest.clone();
    let task = tokio::spawn(async move {
        client
            .download(&url, &d2, move |_, _| {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(());
                }
            })
            .await
    });
    rx.await.unwrap();
    assert_eq!(leftovers(dir.path()).len(), 1);
    task.abort();
    let _ = task.await;
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
    assert!(!dest.exists());
}

/// A redirect loop ends with a typed redirect problem, no file left.
#[tokio::test]
async fn sound_redirect_loop_is_bounded() {
    let server = serve(|_, _| {
        Act::Send(response(
            "302 Found",
            &["Location: ./again", "Content-Length: 0"],
            b"",
        ))
    })
    .await;
    let client = client(&server.base, fast_retries());
    let dir = tempdir();
    let url = format!("{}/a/start", server.base);
    let err = client
        .download(&url, dir.path().join("v"), |_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Download {
                problem: DownloadProblem::Redirect { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.heads.lock().unwrap().len(), 6);
    assert!(leftovers(dir.path()).is_empty());
}

/// A destination that is a directory: refused before anything is sent
/// (only regular files are written), the directory and its contents
/// untouched, no temporary file left.
#[tokio::test]
async fn sound_directory_destination_is_refused() {
    let server = serve(|_, _| Act::Send(response("200 OK", &["Content-Length: 3"], b"abc"))).await;
    let client = client(&server.base, fast_retries());
    let dir = tempdir();
    let dest = dir.path().join("sub");
    std::fs::create_dir(&dest).unwrap();
    std::fs::write(dest.join("keep"), b"k").unwrap();
    let url = format!("{}/v.mp4", server.base);
    let err = client.download(&url, &dest, |_, _| {}).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Write {
                operation: "download",
                problem: WriteProblem::NotARegularFile {
                    kind: "a directory"
                },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(server.heads.lock().unwrap().is_empty(), "nothing was sent");
    assert_eq!(std::fs::read(dest.join("keep")).unwrap(), b"k");
    assert!(leftovers(dir.path()).is_empty());
}

/// A 206 whose `Content-Range` starts elsewhere is refused; the token never
/// travels with any download request; a token in the URL (percent-encoded)
/// is refused before sending.
#[tokio::test]
async fn sound_range_mismatch_and_token_hygiene() {
    let server = serve(|n, _| {
        if n == 0 {
            Act::Send(response("200 OK", &["Content-Length: 20"], &[b'a'; 10]))
        } else {
            Act::Send(response(
                "206 Partial Content",
                &["Content-Length: 10", "Content-Range: bytes 5-14/20"],
                &[b'b'; 10],
            ))
        }
    })
    .await;
    let client = client(&server.base, fast_retries());
    let dir = tempdir();
    let dest = dir.path().join("v.mp4");
    let url = format!("{}/v.mp4", server.base);
    let err = client.download(&url, &dest, |_, _| {}).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Download {
                problem: DownloadProblem::RangeMismatch { asked_from: 10, .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!dest.exists() && leftovers(dir.path()).is_empty());
    let heads = server.heads.lock().unwrap().join("\n");
    assert!(!heads.contains(TOKEN) && !heads.to_ascii_lowercase().contains("authorization"));
    let encoded = TOKEN.replace('_', "%5F");
    let bad = format!("{}/v.mp4?t={encoded}", server.base);
    let err = client.download(&bad, &dest, |_, _| {}).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(!format!("{err:?} {err}").contains(TOKEN));
}

/// Makes a FIFO (`mkfifo`) or a character device like /dev/null
/// (`mknod c 1 3`, root only) at `path`; `false` when the OS refused.
#[cfg(unix)]
fn make_special(path: &Path, device: bool) -> bool {
    let mut command = if device {
        let mut c = std::process::Command::new("mknod");
        c.arg(path).args(["c", "1", "3"]);
        c
    } else {
        let mut c = std::process::Command::new("mkfifo");
        c.arg(path);
        c
    };
    command
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Hostile destinations (#20): a FIFO, a device, a symlink to /dev/null or
/// to a file, a directory: refused with [`Error::Write`] before anything
/// is sent, each left as it was, nothing written through it. An existing
/// regular file is replaced by `download` (as asked for that path), never
/// by `download_to` without `replace`.
#[cfg(unix)]
#[tokio::test]
async fn hostile_destinations_are_refused_before_anything_is_sent() {
    use pictory::{OutputFile, WriteProblem};
    let server = serve(|_, _| Act::Send(response("200 OK", &["Content-Length: 3"], b"abc"))).await;
    let client = client(&server.base, fast_retries());
    let url = format!("{}/v.mp4", server.base);
    let dir = tempdir();
    let target = dir.path().join("precious");
    std::fs::write(&target, b"keep me").unwrap();
    let fifo = dir.path().join("fifo.mp4");
    assert!(make_special(&fifo, false), "mkfifo");
    let device = dir.path().join("null.mp4");
    let have_device = make_special(&device, true);
    if !have_device {
        eprintln!("mknod not permitted: the device case runs through a symlink only");
    }
    let to_null = dir.path().join("to-null.mp4");
    std::os::unix::fs::symlink("/dev/null", &to_null).unwrap();
    let to_file = dir.path().join("to-file.mp4");
    std::os::unix::fs::symlink(&target, &to_file).unwrap();
    let mut cases = vec![
        (&fifo, "a FIFO"),
        (&to_null, "a symlink"),
        (&to_file, "a symlink"),
    ];
    if have_device {
        cases.push((&device, "a character device"));
    }
    for (dest, kind) in cases {
        for replace in [false, true] {
            let out = OutputFile::new(dest).replace(replace);
            let err = client.download_to(&url, &out, |_, _| {}).await.unwrap_err();
            assert!(
                matches!(&err, Error::Write { problem: WriteProblem::NotARegularFile { kind: k }, .. } if *k == kind),
                "{dest:?}: {err:?}"
            );
        }
        let err = client.download(&url, dest, |_, _| {}).await.unwrap_err();
        assert!(matches!(err, Error::Write { .. }), "{dest:?}: {err:?}");
    }
    assert!(server.heads.lock().unwrap().is_empty(), "nothing was sent");
    use std::os::unix::fs::FileTypeExt;
    let kind = |p: &Path| std::fs::symlink_metadata(p).unwrap().file_type();
    assert!(kind(&fifo).is_fifo());
    if have_device {
        assert!(kind(&device).is_char_device());
    }
    assert!(kind(&to_null).is_symlink() && kind(&to_file).is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");

    // An existing regular file: kept without `replace`, replaced with it.
    let err = client
        .download_to(&url, &OutputFile::new(&target), |_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Write {
                problem: WriteProblem::Exists,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(server.heads.lock().unwrap().is_empty(), "nothing was sent");
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    let done = client
        .download_to(&url, &OutputFile::new(&target).replace(true), |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        (done.bytes, std::fs::read(&target).unwrap()),
        (3, b"abc".to_vec())
    );
    std::fs::write(&target, b"keep me").unwrap();
    client.download(&url, &target, |_, _| {}).await.unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"abc");
    assert!(leftovers(dir.path()).is_empty());
}
