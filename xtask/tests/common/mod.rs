//! Shared helpers for the xtask integration tests: a fresh temporary copy of
//! `spec/`, a runner for the real binary, snapshots of a directory, and raw
//! 127.0.0.1 servers for the cases a mock HTTP server cannot produce.

#![allow(dead_code)] // each test file uses a different subset

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The repository's committed `spec/`.
pub const SPEC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec");
/// The served-document fixtures.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

pub const RAW: &str = "lowcodeapi-pictory.raw.json";
pub const PROVENANCE: &str = "provenance.json";
pub const OVERLAY: &str = "overlay.json";
pub const NORMALIZED: &str = "pictory.normalized.json";

/// How long one run of the binary may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// A uniquely named scratch directory under the system temp dir, removed on drop.
pub struct Scratch {
    pub root: PathBuf,
}

impl Scratch {
    pub fn new(label: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let root = std::env::temp_dir().join(format!(
            "xtask-test-{}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            label
        ));
        std::fs::create_dir_all(&root).expect("create the scratch directory");
        Scratch { root }
    }

    /// A fresh copy of the committed `spec/` inside this scratch directory.
    pub fn spec_copy(&self) -> PathBuf {
        let dir = self.root.join("spec");
        std::fs::create_dir_all(&dir).expect("create the spec copy");
        for entry in std::fs::read_dir(SPEC_DIR).expect("read the committed spec/") {
            let entry = entry.expect("a spec/ entry");
            if entry.file_type().expect("file type").is_file() {
                std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy a spec file");
            }
        }
        // The copy must hold the four committed files.
        for name in [RAW, PROVENANCE, OVERLAY, NORMALIZED] {
            assert!(dir.join(name).is_file(), "spec copy lacks {name}");
        }
        dir
    }

    /// Writes a file in the scratch directory (outside the spec copy).
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.root.join(name);
        std::fs::write(&p, bytes).expect("write a scratch file");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Every file in `dir` (dot-files included, so a left-over temporary shows).
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read the spec dir")
        .map(|e| {
            let e = e.expect("a dir entry");
            let bytes = std::fs::read(e.path()).expect("read a spec file");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

/// A fixture's bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).expect("read a fixture")
}

pub fn openapi_fixture() -> Vec<u8> {
    fixture("lowcodeapi-pictory.openapi.json")
}

pub fn definition_fixture() -> Vec<u8> {
    fixture("lowcodeapi-pictory.definition.json")
}

pub fn parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("valid JSON")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// The non-empty lines of stderr.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

/// Runs the real `xtask` binary with `args`; proxies are disabled so that a
/// request to 127.0.0.1 can never leave the machine.
pub fn xtask(args: &[&str]) -> Run {
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "*").env("no_proxy", "*");
    let mut child = cmd.spawn().expect("start the xtask binary");
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the xtask binary") {
            break status;
        }
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("xtask {args:?} did not finish within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        success: status.success(),
        code: status.code(),
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
        elapsed: start.elapsed(),
    }
}

/// `xtask spec <command> --spec-dir <dir> <extra...>`.
pub fn spec(command: &str, dir: &Path, extra: &[&str]) -> Run {
    let dir = dir.to_str().expect("a UTF-8 temp path");
    let mut args = vec!["spec", command, "--spec-dir", dir];
    args.extend_from_slice(extra);
    xtask(&args)
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn refused_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = l.local_addr().expect("local addr").port();
    drop(l);
    port
}

/// A raw HTTP server on 127.0.0.1 that hands every connection to `handler`
/// on its own thread; stopped (and its threads joined) on drop.
pub struct RawServer {
    pub port: u16,
    stop: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
}

impl RawServer {
    pub fn start<F>(handler: F) -> RawServer
    where
        F: Fn(TcpStream, &AtomicBool) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let stop = Arc::new(AtomicBool::new(false));
        let handler = Arc::new(handler);
        let stop2 = stop.clone();
        let accept_thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).expect("blocking stream");
                        let h = handler.clone();
                        let s = stop2.clone();
                        workers.push(std::thread::spawn(move || h(stream, &s)));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => break,
                }
            }
            for w in workers {
                let _ = w.join();
            }
        });
        RawServer {
            port,
            stop,
            accept_thread: Some(accept_thread),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads a request's head (up to the blank line), so that closing the socket
/// afterwards is a clean FIN rather than a reset over unread bytes.
pub fn read_request_head(stream: &mut TcpStream) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    }
}

/// A server that accepts connections and never answers (until stopped).
pub fn silent_server() -> RawServer {
    RawServer::start(|stream, stop| {
        let _held = stream;
        while !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
    })
}

/// A server that promises `Content-Length: 100000`, sends 10 bytes, and closes.
pub fn cut_off_server() -> RawServer {
    RawServer::start(|mut stream, _| {
        read_request_head(&mut stream);
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        );
        let _ = stream.write_all(br#"{"openapi""#);
        let _ = stream.flush();
        let _ = stream.shutdown(std::net::Shutdown::Both);
    })
}

/// The committed raw document, parsed (key order kept).
pub fn committed_raw() -> Value {
    parse(&std::fs::read(Path::new(SPEC_DIR).join(RAW)).expect("read the committed raw spec"))
}

/// Renames path parameter `old` to `new` in the path item at `path` (its
/// key and every parameter declared in it), as an upstream rename would.
pub fn rename_path_param(doc: &mut Value, path: &str, old: &str, new: &str) {
    let paths = doc["paths"].as_object_mut().expect("paths");
    let index = paths
        .keys()
        .position(|k| k == path)
        .unwrap_or_else(|| panic!("no path {path}"));
    let mut item = paths.shift_remove(path).expect("the path item");
    for op in item.as_object_mut().expect("a path item").values_mut() {
        for p in op["parameters"].as_array_mut().into_iter().flatten() {
            if p["in"] == "path" && p["name"] == old {
                p["name"] = Value::from(new);
            }
        }
    }
    let renamed = path.replace(&format!("{{{old}}}"), &format!("{{{new}}}"));
    paths.shift_insert(index, renamed, item);
}

/// Adds `GET /pictoryapis/v1/music/tracks` ("List Music Tracks", a `genre`
/// query parameter, only a 401 response): an operation the overlay does not
/// know.
pub fn add_music_tracks(doc: &mut Value) {
    doc["paths"].as_object_mut().expect("paths").insert(
        "/pictoryapis/v1/music/tracks".into(),
        serde_json::json!({"get": {
            "tags": ["Music API"],
            "summary": "List Music Tracks",
            "parameters": [{"name": "genre", "in": "query", "schema": {"type": "string"}}],
            "responses": {"401": {"description": "API token required",
                "content": {"application/json": {}}}},
            "security": [{"ApiToken": []}]
        }}),
    );
}

/// `doc` as the file `update --from-file` reads.
pub fn pretty(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).expect("a Value serializes");
    s.push('\n');
    s
}

/// Reads and parses one JSON file of `dir`.
pub fn read_json(dir: &Path, name: &str) -> Value {
    parse(&std::fs::read(dir.join(name)).expect("read a spec file"))
}

/// Writes `v` as `name` in `dir`, as [`pretty`] prints it.
pub fn write_json(dir: &Path, name: &str, v: &Value) {
    std::fs::write(dir.join(name), pretty(v)).expect("write a spec file");
}
