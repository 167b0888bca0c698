//! Files: signed upload URLs (`generate_upload_url`, then a `PUT` of the
//! bytes to `/upload/<key>`, outside LowCodeAPI and its token), the hosted
//! copies under `/media/<key>/<name>`, and the outputs of finished jobs
//! (`/videos/<id>.mp4|jpg|mp3|srt|vtt|txt`, `/preview/<id>`, `/share/<id>`;
//! gone once the job is cleaned).

use super::envelope::Reply;
use super::jobs::{JobKind, Phase};
use super::routes::header_str;
use super::state::{App, Upload};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::time::Instant;

/// Largest upload accepted (512 MiB).
pub(crate) const UPLOAD_LIMIT: usize = 512 << 20;

/// Characters kept as they are in a URL path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `POST /media/generateurl`: announces an upload of `fileName` with
/// `contentType` and answers where to `PUT` it and where it will be hosted.
pub(crate) fn generate_upload_url(app: &App, body: &Value) -> Reply {
    let file_name = body.get("fileName").and_then(Value::as_str).unwrap_or("");
    let content_type = body
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut store = app.store();
    let key = store.new_id();
    let signature = store.token_hex();
    let url = format!(
        "{}/media/{key}/{}",
        app.origin,
        utf8_percent_encode(file_name, SEGMENT)
    );
    let signed_url = format!("{}/upload/{key}?signature={signature}", app.origin);
    store.uploads.insert(
        key.clone(),
        Upload {
            content_type: content_type.to_string(),
            signature,
            url: url.clone(),
            bytes: None,
        },
    );
    Reply::Ok(json!({"success": true, "data": {"signedUrl": signed_url, "url": url, "key": key}}))
}

/// The bytes uploaded for a hosted `url`, if any.
pub(crate) fn uploaded_bytes(app: &App, url: &str) -> Option<Bytes> {
    let store = app.store();
    if let Some(upload) = store.uploads.values().find(|u| u.url == url) {
        return upload.bytes.clone();
    }
    // Also accept the URL spelled differently: find the key after `/media/`.
    let rest = url.strip_prefix(&app.origin)?.strip_prefix("/media/")?;
    let key = rest.split('/').next()?;
    store.uploads.get(key)?.bytes.clone()
}

fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_string(),
    )
        .into_response()
}

/// Compares two media types, ignoring case and surrounding blanks.
fn same_media_type(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// `PUT /upload/<key>?signature=...`: stores the body (streamed, up to
/// [`UPLOAD_LIMIT`]). The signature must match (else 403) and the
/// `Content-Type` must be the one announced (else 400).
pub(crate) async fn put_upload(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
    req: Request,
) -> Response {
    let signature = req
        .uri()
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned())
        .and_then(|mut pairs| pairs.find(|(k, _)| k == "signature"))
        .map(|(_, v)| v);
    let expected_type = {
        let store = app.store();
        let Some(upload) = store.uploads.get(&key) else {
            return plain(StatusCode::NOT_FOUND, "NoSuchUpload: unknown upload key");
        };
        if signature.as_deref() != Some(upload.signature.as_str()) {
            return plain(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch: the signature is missing or wrong",
            );
        }
        upload.content_type.clone()
    };
    let given_type = header_str(req.headers().get(header::CONTENT_TYPE)).unwrap_or("");
    if !same_media_type(given_type, &expected_type) {
        return plain(
            StatusCode::BAD_REQUEST,
            &format!(
                "Content-Type {given_type:?} does not match the signed content type {expected_type:?}"
            ),
        );
    }
    let mut stream = req.into_body().into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return plain(StatusCode::BAD_REQUEST, "the upload body broke off");
        };
        if buf.len() + chunk.len() > UPLOAD_LIMIT {
            return plain(StatusCode::PAYLOAD_TOO_LARGE, "EntityTooLarge");
        }
        buf.extend_from_slice(&chunk);
    }
    let etag = format!("\"{:016x}\"", fnv1a(&buf));
    {
        let mut store = app.store();
        match store.uploads.get_mut(&key) {
            Some(upload) => upload.bytes = Some(Bytes::from(buf)),
            None => return plain(StatusCode::NOT_FOUND, "NoSuchUpload: unknown upload key"),
        }
    }
    app.count(|c| c.uploads += 1);
    let mut response = StatusCode::OK.into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// A 64-bit FNV-1a hash, for ETags.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `GET /media/<key>/<name>`: the uploaded bytes with their content type.
pub(crate) async fn get_media(
    State(app): State<Arc<App>>,
    Path((key, _name)): Path<(String, String)>,
) -> Response {
    let found = {
        let store = app.store();
        store
            .uploads
            .get(&key)
            .and_then(|u| u.bytes.clone().map(|b| (u.content_type.clone(), b)))
    };
    match found {
        Some((content_type, bytes)) => {
            let mut response = Response::new(Body::from(bytes));
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            response
        }
        None => plain(StatusCode::NOT_FOUND, "NoSuchKey"),
    }
}

/// The rendered video: a real, tiny MP4 (160×90 H.264, one blue frame
/// lasting a second, 866 bytes; made with ffmpeg's `color` source), so a
/// downloaded demo plays. A unit test below checks its box structure.
pub(crate) const DEMO_MP4: &[u8] = include_bytes!("demo.mp4");

/// Bytes that start like an MP3 file (an ID3 tag), for a rendered audio track.
fn fake_mp3(id: &str) -> Vec<u8> {
    let mut out = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    out.extend_from_slice(format!("pictory simulator audio {id}").as_bytes());
    out
}

/// Bytes that start and end like a JPEG file, for a thumbnail.
fn fake_jpeg(id: &str) -> Vec<u8> {
    let mut out = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00".to_vec();
    out.extend_from_slice(format!("thumbnail {id}").as_bytes());
    out.extend_from_slice(b"\xFF\xD9");
    out
}

/// Download faults asked for in a file URL's query, `?fault=a,b`:
/// - `cut:N`: an answer whose bytes start before byte `N` stops after byte
///   `N` (the connection closes early; `Content-Length` still announces
///   the whole range), so a client must resume;
/// - `cut-first:N`: the same, only for the first GET of that file;
/// - `ignore-range`: `Range` is ignored (always `200` with the whole file);
/// - `grow`: a `206` announces a total one byte larger than the file;
/// - `redirect`: answers `302` to the same URL without this fault.
#[derive(Debug, Default, Clone, Copy)]
struct FileFaults {
    cut: Option<u64>,
    cut_first: Option<u64>,
    ignore_range: bool,
    grow: bool,
    redirect: bool,
}

impl FileFaults {
    fn parse(query: Option<&str>) -> FileFaults {
        let mut f = FileFaults::default();
        let faults = query
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned())
            .into_iter()
            .flatten()
            .filter(|(k, _)| k == "fault")
            .flat_map(|(_, v)| v.split(',').map(str::to_owned).collect::<Vec<_>>());
        for fault in faults {
            match fault.split_once(':') {
                Some(("cut", n)) => f.cut = n.parse().ok(),
                Some(("cut-first", n)) => f.cut_first = n.parse().ok(),
                _ if fault == "ignore-range" => f.ignore_range = true,
                _ if fault == "grow" => f.grow = true,
                _ if fault == "redirect" => f.redirect = true,
                _ => {}
            }
        }
        f
    }
}

/// A `Range: bytes=<start>-[<end>]` header, as an inclusive range within
/// `len` bytes; `Err(())` when it cannot be satisfied.
fn byte_range(header: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None; // multiple ranges: answer the whole file
    }
    let (start, end) = spec.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end = match end.trim() {
        "" => len.saturating_sub(1),
        e => e.parse::<u64>().ok()?.min(len.saturating_sub(1)),
    };
    Some(if start >= len || start > end {
        Err(())
    } else {
        Ok((start, end))
    })
}

/// `GET /videos/<id>.<ext>`: an output of a completed render job, with
/// `Content-Length`, `Accept-Ranges: bytes` and single-range `Range`
/// support (`206` + `Content-Range`; `416` past the end), plus the
/// download faults of [`FileFaults`].
pub(crate) async fn get_video_file(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    req: Request,
) -> Response {
    let range = header_str(req.headers().get(header::RANGE)).map(str::to_owned);
    app.count(|c| {
        c.file_gets += 1;
        c.file_range_gets += u64::from(range.is_some());
    });
    let faults = FileFaults::parse(req.uri().query());
    if faults.redirect {
        let query: Vec<(String, String)> = req
            .uri()
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let kept: Vec<String> = query
            .iter()
            .map(|(k, v)| {
                let v = v
                    .split(',')
                    .filter(|f| *f != "redirect")
                    .collect::<Vec<_>>()
                    .join(",");
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair(k, &v)
                    .finish()
            })
            .collect();
        let location = format!("/videos/{file}?{}", kept.join("&"));
        return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    }
    let Some((id, ext)) = file.rsplit_once('.') else {
        return plain(StatusCode::NOT_FOUND, "Not found");
    };
    let (job, gets) = {
        let mut store = app.store();
        let gets = store.file_gets.entry(file.clone()).or_default();
        *gets += 1;
        let gets = *gets;
        (store.jobs.get(id).cloned(), gets)
    };
    let Some(job) =
        job.filter(|j| j.kind == JobKind::Render && j.phase(Instant::now()) == Phase::Completed)
    else {
        return plain(StatusCode::NOT_FOUND, "Not found");
    };
    let (content_type, bytes): (&str, Vec<u8>) = match ext {
        "mp4" => ("video/mp4", DEMO_MP4.to_vec()),
        "jpg" => ("image/jpeg", fake_jpeg(id)),
        "mp3" => ("audio/mpeg", fake_mp3(id)),
        "srt" => (
            "application/x-subrip",
            job.caption_file("srt").unwrap_or_default().into_bytes(),
        ),
        "vtt" => (
            "text/vtt",
            job.caption_file("vtt").unwrap_or_default().into_bytes(),
        ),
        "txt" => (
            "text/plain; charset=utf-8",
            job.caption_file("txt").unwrap_or_default().into_bytes(),
        ),
        _ => return plain(StatusCode::NOT_FOUND, "Not found"),
    };
    let len = bytes.len() as u64;
    let range = range
        .filter(|_| !faults.ignore_range)
        .and_then(|r| byte_range(&r, len));
    let (status, start, end) = match range {
        None => (StatusCode::OK, 0, len.saturating_sub(1)),
        Some(Ok((start, end))) => (StatusCode::PARTIAL_CONTENT, start, end),
        Some(Err(())) => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{len}"))],
            )
                .into_response();
        }
    };
    let body = if len == 0 {
        Bytes::new()
    } else {
        Bytes::from(bytes).slice(start as usize..=end as usize)
    };
    let announced = body.len() as u64;
    let cut_at = faults
        .cut
        .or(faults.cut_first.filter(|_| gets == 1))
        .filter(|n| start < *n && *n <= end);
    let mut response = match cut_at {
        // Send the bytes up to the cut, then break the body off.
        Some(n) => {
            let head = body.slice(..(n - start) as usize);
            let stream = futures_util::stream::unfold(Some(Some(head)), |state| async move {
                match state? {
                    Some(head) => Some((Ok::<_, std::io::Error>(head), Some(None))),
                    None => {
                        // Let the head reach the client before the break.
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        let cut = std::io::Error::other("cut by the download fault");
                        Some((Err(cut), None))
                    }
                }
            });
            Response::new(Body::from_stream(stream))
        }
        None => Response::new(Body::from(body)),
    };
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
    if status == StatusCode::PARTIAL_CONTENT {
        let total = len + u64::from(faults.grow);
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{total}")) {
            headers.insert(header::CONTENT_RANGE, v);
        }
    }
    response
}

/// `GET /preview/<id>` and `GET /share/<id>`: a small HTML page for a job.
pub(crate) async fn get_page(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let known = app
        .store()
        .jobs
        .get(&id)
        .is_some_and(|j| j.phase(Instant::now()) != Phase::Cleaned);
    if !known {
        return plain(StatusCode::NOT_FOUND, "Not found");
    }
    let safe: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<!DOCTYPE html>\n<html><head><title>Pictory simulator {safe}</title></head>\
             <body><h1>Video {safe}</h1></body></html>\n"
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boxes inside `bytes[from..to]`, as (type, start, end).
    fn boxes(bytes: &[u8], from: usize, to: usize) -> Vec<(String, usize, usize)> {
        let mut out = Vec::new();
        let mut at = from;
        while at < to {
            let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            assert!(size >= 8 && at + size <= to, "bad box at {at}");
            out.push((
                String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned(),
                at,
                at + size,
            ));
            at += size;
        }
        out
    }

    #[test]
    fn the_demo_video_is_a_well_formed_mp4_with_one_h264_track() {
        let top = boxes(DEMO_MP4, 0, DEMO_MP4.len());
        let kinds: Vec<&str> = top.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(kinds, ["ftyp", "moov", "free", "mdat"]);
        let (_, start, end) = &top[1];
        let in_moov = boxes(DEMO_MP4, start + 8, *end);
        let traks: Vec<_> = in_moov.iter().filter(|(k, _, _)| k == "trak").collect();
        assert_eq!(traks.len(), 1);
        let avc1 = memchr::memmem::find(DEMO_MP4, b"avc1").is_some()
            && memchr::memmem::find(DEMO_MP4, b"avcC").is_some();
        assert!(avc1, "an H.264 sample entry");
        assert!(top[3].2 - top[3].1 > 8, "mdat holds the frame");
    }

    #[test]
    fn byte_ranges() {
        assert_eq!(byte_range("bytes=10-", 100), Some(Ok((10, 99))));
        assert_eq!(byte_range("bytes=10-19", 100), Some(Ok((10, 19))));
        assert_eq!(byte_range("bytes=90-200", 100), Some(Ok((90, 99))));
        assert_eq!(byte_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(byte_range("bytes=5-3", 100), Some(Err(())));
        assert_eq!(byte_range("bytes=0-1,5-6", 100), None);
        assert_eq!(byte_range("items=0-1", 100), None);
    }
}
