//! A tiny hostile HTTP/1.1 server for `tests/hostile.rs`.
//!
//! It listens on 127.0.0.1, reads each request (head bounded, body by
//! `Content-Length` or chunked), records it exactly as received (the raw
//! request target included), and answers with a scripted [`Reply`]: fixed
//! bytes, a huge body generated on the fly, an endless chunked stream, no
//! answer at all, or a closed connection. Every answer says
//! `Connection: close`. The server stops when its [`Hostile`] is dropped.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Longest request head read.
const HEAD_MAX: usize = 64 << 10;
/// Largest request body read.
const BODY_MAX: usize = 32 << 20;
/// Size of one generated write.
const PIECE: usize = 64 << 10;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`...
    pub method: String,
    /// The request target exactly as sent: path and query.
    pub target: String,
    /// Header names (lower-cased) and values.
    pub headers: Vec<(String, String)>,
    /// The body (chunked bodies decoded).
    pub body: Vec<u8>,
}

impl Recorded {
    /// The raw path (before any `?`).
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The raw query (after the first `?`), empty when there is none.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// The decoded values of query parameter `key`.
    pub fn query_values(&self, key: &str) -> Vec<String> {
        url::form_urlencoded::parse(self.query().as_bytes())
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
            .collect()
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Everything received, as text (for "is the token in there" checks).
    pub fn as_text(&self) -> String {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!(
            "{} {}\n{}\n\n{}",
            self.method,
            self.target,
            headers.join("\n"),
            String::from_utf8_lossy(&self.body)
        )
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// These bytes, then close.
    Raw(Vec<u8>),
    /// `head`, then `prefix`, `fill` bytes of `x` generated on the fly, and
    /// `suffix`; then close. Never allocates the body.
    Streamed {
        head: Vec<u8>,
        prefix: Vec<u8>,
        fill: u64,
        suffix: Vec<u8>,
    },
    /// `head` (chunked), then chunks until the client goes away.
    Endless { head: Vec<u8> },
    /// No answer; the connection stays open until the server stops.
    Hang,
    /// Close the connection without answering.
    Close,
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Whatever",
    }
}

fn head(status: u16, headers: &[(&str, &str)], length: Option<u64>) -> String {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nConnection: close\r\n",
        reason(status)
    );
    if let Some(length) = length {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

impl Reply {
    /// `status` with `headers` and `body` (no `Content-Length` for 204).
    pub fn with(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Reply {
        let body = body.into();
        let length = (status != 204).then_some(body.len() as u64);
        let mut bytes = head(status, headers, length).into_bytes();
        bytes.extend_from_slice(&body);
        Reply::Raw(bytes)
    }

    /// A JSON body given as text (for hand-made escapes).
    pub fn json_text(status: u16, text: &str) -> Reply {
        Reply::with(status, &[("Content-Type", "application/json")], text)
    }

    /// A JSON body.
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::json_text(status, &value.to_string())
    }

    /// A huge body, announced by `Content-Length`, generated on the fly.
    pub fn huge(status: u16, content_type: &str, prefix: &str, fill: u64, suffix: &str) -> Reply {
        let length = prefix.len() as u64 + fill + suffix.len() as u64;
        Reply::Streamed {
            head: head(status, &[("Content-Type", content_type)], Some(length)).into_bytes(),
            prefix: prefix.as_bytes().to_vec(),
            fill,
            suffix: suffix.as_bytes().to_vec(),
        }
    }

    /// An endless chunked body.
    pub fn endless(status: u16, content_type: &str) -> Reply {
        let headers = [
            ("Content-Type", content_type),
            ("Transfer-Encoding", "chunked"),
        ];
        Reply::Endless {
            head: head(status, &headers, None).into_bytes(),
        }
    }
}

type Script = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// A running hostile server.
pub struct Hostile {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    written: Arc<AtomicU64>,
    accepted: Arc<AtomicUsize>,
    _stop: watch::Sender<()>,
    accept: JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        // Dropping `_stop` ends every connection task.
        self.accept.abort();
    }
}

impl Hostile {
    /// Starts a server that answers request number `n` (from 0) with
    /// `script(n, request)`.
    pub async fn start(
        script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let written = Arc::new(AtomicU64::new(0));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = watch::channel(());
        let script: Arc<Script> = Arc::new(script);
        let counter = Arc::new(AtomicUsize::new(0));
        let shared = (log.clone(), written.clone(), accepted.clone());
        let accept = tokio::spawn(async move {
            let (log, written, accepted) = shared;
            while let Ok((stream, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let conn = Connection {
                    script: script.clone(),
                    counter: counter.clone(),
                    log: log.clone(),
                    written: written.clone(),
                };
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = conn.serve(stream) => {}
                        _ = stopped.changed() => {}
                    }
                });
            }
        });
        Hostile {
            url,
            log,
            written,
            accepted,
            _stop: stop,
            accept,
        }
    }

    /// The LowCodeAPI-style base URL: `http://127.0.0.1:PORT/pictory`.
    pub fn base(&self) -> String {
        format!("{}/pictory", self.url)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests were received.
    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// Connections accepted (a request may never have been read on some).
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Body bytes written by streamed and endless replies.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

struct Connection {
    script: Arc<Script>,
    counter: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<Recorded>>>,
    written: Arc<AtomicU64>,
}

impl Connection {
    async fn serve(self, stream: TcpStream) {
        let mut reader = BufReader::new(stream);
        let Some(request) = read_request(&mut reader).await else {
            return;
        };
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let reply = (self.script)(n, &request);
        self.log.lock().unwrap().push(request);
        let stream = reader.get_mut();
        match reply {
            Reply::Raw(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
            }
            Reply::Streamed {
                head,
                prefix,
                fill,
                suffix,
            } => {
                let _ = self.stream_body(stream, head, prefix, fill, suffix).await;
            }
            Reply::Endless { head } => {
                let _ = self.endless(stream, head).await;
            }
            Reply::Hang => std::future::pending::<()>().await,
            Reply::Close => drop(reader),
        }
    }

    async fn stream_body(
        &self,
        stream: &mut TcpStream,
        head: Vec<u8>,
        prefix: Vec<u8>,
        fill: u64,
        suffix: Vec<u8>,
    ) -> std::io::Result<()> {
        stream.write_all(&head).await?;
        stream.write_all(&prefix).await?;
        let piece = vec![b'x'; PIECE];
        let mut left = fill;
        while left > 0 {
            let n = left.min(PIECE as u64) as usize;
            stream.write_all(&piece[..n]).await?;
            self.written.fetch_add(n as u64, Ordering::SeqCst);
            left -= n as u64;
        }
        stream.write_all(&suffix).await?;
        stream.shutdown().await
    }

    async fn endless(&self, stream: &mut TcpStream, head: Vec<u8>) -> std::io::Result<()> {
        stream.write_all(&head).await?;
        let mut chunk = format!("{PIECE:x}\r\n").into_bytes();
        chunk.extend(std::iter::repeat_n(b'x', PIECE));
        chunk.extend_from_slice(b"\r\n");
        loop {
            stream.write_all(&chunk).await?;
            self.written.fetch_add(PIECE as u64, Ordering::SeqCst);
        }
    }
}

/// Reads one request; `None` if the client went away or sent nonsense.
async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut seen = 0usize;
    let mut line = String::new();
    head_line(reader, &mut line, &mut seen).await?;
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        head_line(reader, &mut line, &mut seen).await?;
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            line.clear();
            reader.read_line(&mut line).await.ok()?;
            let size = usize::from_str_radix(line.trim().split(';').next()?, 16).ok()?;
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    line.clear();
                    reader.read_line(&mut line).await.ok()?;
                    if line.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            if body.len() + size > BODY_MAX {
                return None;
            }
            let start = body.len();
            body.resize(start + size + 2, 0);
            reader.read_exact(&mut body[start..]).await.ok()?;
            body.truncate(start + size);
        }
    } else if let Some(length) = get("content-length") {
        let length: usize = length.parse().ok()?;
        if length > BODY_MAX {
            return None;
        }
        body.resize(length, 0);
        reader.read_exact(&mut body).await.ok()?;
    }
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

/// Reads one line of the request head, keeping the head within [`HEAD_MAX`].
async fn head_line(
    reader: &mut BufReader<TcpStream>,
    line: &mut String,
    seen: &mut usize,
) -> Option<()> {
    line.clear();
    let n = reader.read_line(line).await.ok()?;
    *seen += n;
    (n > 0 && *seen <= HEAD_MAX).then_some(())
}
