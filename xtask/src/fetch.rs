//! `cargo xtask spec fetch`: get LowCodeAPI's document (or read a local file),
//! validate it, and store it with its provenance — or change nothing.

use crate::files::{PROVENANCE, RAW, SpecDir};
use crate::normalize::validate_openapi_shape;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;

/// LowCodeAPI's backend, where the spec is served.
pub const DEFAULT_BASE_URL: &str = "https://backend.lowcodeapi.com";

/// What to fetch from.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// `{base}/pictory/openapi`, then `{base}/pictory/definition`.
    pub base_url: String,
    /// Read this file instead of fetching.
    pub from_file: Option<PathBuf>,
    /// Per-request timeout.
    pub timeout: Duration,
}

/// A validated document, ready to store.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The bytes as received.
    pub bytes: Vec<u8>,
    /// The parsed document (key order preserved).
    pub doc: Value,
    /// The URL or file it came from.
    pub source: String,
    /// `openapi` (new-format paths) or `definition` (old-format paths).
    pub variant: &'static str,
    /// Why the first choice was not used, when the fallback was taken.
    pub fallback_reason: Option<String>,
}

enum Failure {
    /// Worth trying the other document (404, not JSON, not OpenAPI).
    TryOther(String),
    /// Not worth it (timeout, refused, 5xx): stop.
    Fatal(String),
}

/// Fetches (or reads) and validates; writes nothing.
pub async fn fetch(opts: &FetchOptions) -> Result<Fetched, String> {
    if let Some(path) = &opts.from_file {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc = parse_document(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(Fetched {
            variant: detect_variant(&doc),
            bytes,
            doc,
            source: path.display().to_string(),
            fallback_reason: None,
        });
    }
    let http = reqwest::Client::builder()
        .timeout(opts.timeout)
        .connect_timeout(opts.timeout)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let base = opts.base_url.trim_end_matches('/');
    let first = format!("{base}/pictory/openapi");
    match get_document(&http, &first).await {
        Ok((bytes, doc)) => Ok(Fetched {
            bytes,
            doc,
            source: first,
            variant: "openapi",
            fallback_reason: None,
        }),
        Err(Failure::Fatal(reason)) => Err(format!("{first}: {reason}")),
        Err(Failure::TryOther(why)) => {
            let second = format!("{base}/pictory/definition");
            match get_document(&http, &second).await {
                Ok((bytes, doc)) => Ok(Fetched {
                    bytes,
                    doc,
                    source: second,
                    variant: "definition",
                    fallback_reason: Some(why),
                }),
                Err(Failure::Fatal(r) | Failure::TryOther(r)) => {
                    Err(format!("{first}: {why}; fallback {second}: {r}"))
                }
            }
        }
    }
}

async fn get_document(http: &reqwest::Client, url: &str) -> Result<(Vec<u8>, Value), Failure> {
    let resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| Failure::Fatal(describe(&e)))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Err(Failure::TryOther("HTTP 404".into()));
    }
    if !status.is_success() {
        return Err(Failure::Fatal(format!("HTTP {}", status.as_u16())));
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| Failure::Fatal(format!("body cut off: {}", describe(&e))))?
        .to_vec();
    let doc = parse_document(&bytes).map_err(Failure::TryOther)?;
    Ok((bytes, doc))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection failed (refused or unreachable)".into()
    } else {
        // Walk to the root cause for a readable one-liner.
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            msg = s.to_string();
            src = s.source();
        }
        msg
    }
}

/// Parses and validates bytes as an OpenAPI document, with a one-line reason.
pub fn parse_document(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the body is not UTF-8 text".to_string())?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err("empty body".into());
    }
    if trimmed.starts_with('<') {
        return Err("HTML instead of JSON".into());
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            format!("truncated JSON ({e})")
        } else {
            format!("not JSON ({e})")
        }
    })?;
    validate_openapi_shape(&doc).map_err(|e| format!("not an OpenAPI document: {e}"))?;
    Ok(doc)
}

/// `definition` when templated parameters appear as plain segments.
fn detect_variant(doc: &Value) -> &'static str {
    let paths = doc.get("paths").and_then(Value::as_object);
    let templated = paths.is_some_and(|p| p.keys().any(|k| k.contains('{')));
    let has_path_params = paths.is_some_and(|p| {
        p.values()
            .filter_map(Value::as_object)
            .flat_map(|i| i.values())
            .any(|op| {
                op.get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|ps| ps.iter().any(|x| x.get("in") == Some(&json!("path"))))
            })
    });
    if !templated && has_path_params {
        "definition"
    } else {
        "openapi"
    }
}

/// Stores a fetched document and its provenance, both or neither.
pub fn store(dir: &SpecDir, fetched: &Fetched) -> Result<(), String> {
    dir.write_all_atomic(&stored_files(fetched))
}

/// The raw document (pretty-printed, key order kept) and its provenance,
/// as [`store`] writes them.
pub fn stored_files(fetched: &Fetched) -> Vec<(&'static str, Vec<u8>)> {
    let mut raw = serde_json::to_string_pretty(&fetched.doc).expect("a Value always serializes");
    raw.push('\n');
    let sha = Sha256::digest(&fetched.bytes);
    let provenance = json!({
        "source": fetched.source,
        "variant": fetched.variant,
        "fetched_at": humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        "sha256": format!("{sha:x}"),
        "bytes": fetched.bytes.len(),
        "fallback_reason": fetched.fallback_reason,
    });
    let mut prov = serde_json::to_string_pretty(&provenance).expect("a Value always serializes");
    prov.push('\n');
    vec![(RAW, raw.into_bytes()), (PROVENANCE, prov.into_bytes())]
}
