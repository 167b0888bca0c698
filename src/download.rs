//! Downloading a job's output files (the rendered .mp4 above all) to a
//! local path.
//!
//! - **Never the token:** the file URL goes to its host as an external
//!   request through the one pipeline: no LowCodeAPI token, no URL-format
//!   logic. A URL that contains the token is refused before anything is
//!   sent.
//! - **No half-written files, nothing written through:** the crate's one
//!   safe writer ([`OutputFile`]): the body is streamed to a temporary file
//!   beside the destination (`.<name>.<random>.part`, created exclusively,
//!   same directory, so the final rename is atomic) and put in place only
//!   when complete and synced to disk; only a regular file is written or
//!   replaced. On any error the temporary file is removed and the
//!   destination is untouched.
//! - **Checked size:** the byte count must match `Content-Length` (or the
//!   total of `Content-Range`); a body that ends early is
//!   [`DownloadProblem::Truncated`], one that grows past it or changes size
//!   between attempts is [`DownloadProblem::SizeMismatch`].
//! - **Resumed:** when the connection breaks (or the body ends early) the
//!   download continues with `Range: bytes=<received>-`. A `206` whose
//!   `Content-Range` starts exactly there is appended; a `200` (the host
//!   ignores ranges) starts the file over; any other range is refused.
//!   Resumes wait as the client's [`RetryPolicy`](crate::RetryPolicy)
//!   says; an attempt that got further than any before resets its count.
//! - **Redirects:** file hosts (S3, CloudFront) may redirect. Up to
//!   [`MAX_REDIRECTS`] are followed, to `http(s)` URLs only and never from
//!   `https` down to `http`. Nothing secret travels with them: download
//!   requests carry no token and no credentials, only `Range`.
//! - **Same version:** a resume sends `If-Range` with the first answer's
//!   strong `ETag` (else `Last-Modified`): a file changed on the host
//!   answers whole and starts over; a `206` naming another version is
//!   [`DownloadProblem::Changed`]. A redirect to a URL carrying the token
//!   is not followed.
//! - **Time and size:** the answer's head must come within the client's
//!   request timeout; the body then may take as long as a large video
//!   takes, each read waiting at most [`READ_IDLE_TIMEOUT`] for data (not
//!   with clients built `without_timeouts`), up to the client's
//!   [`max_download_bytes`](crate::ClientBuilder::max_download_bytes)
//!   ([`DownloadProblem::TooLarge`]).

use crate::client::Client;
use crate::error::{Error, Result};
use crate::files::{OutputFile, TempFile, WriteProblem};
use crate::jobs::RenderOutput;
use crate::pipeline::stream::Streamed;
use reqwest::header::{ACCEPT_RANGES, CONTENT_RANGE, ETAG, IF_RANGE, LAST_MODIFIED, RANGE};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio::time::Instant;

/// The operation name downloads carry in errors.
const OP: &str = "download";

/// Most redirects followed by one download.
pub(crate) const MAX_REDIRECTS: u32 = 5;

/// Longest wait for the next piece of a download's body.
pub(crate) const READ_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A per-request limit for download requests, replacing the client's
/// whole-request timeout (idle reads are cut by [`READ_IDLE_TIMEOUT`]).
const REQUEST_LIMIT: Duration = Duration::from_secs(24 * 3600);

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Downloaded {
    /// Where the file is now.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// How many times the download continued with a `Range` request.
    pub resumed: u32,
    /// How many times it started over (the host ignored a range).
    pub restarted: u32,
}

/// Why a download produced no file ([`Error::Download`]). Non-2xx answers
/// are the usual status errors ([`Error::NotFound`] for a missing file,
/// [`Error::Server`], ...) with the operation `download`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownloadProblem {
    /// The body ended (or the connection broke) before all bytes came,
    /// and no resume the retry policy allowed completed it.
    Truncated {
        /// Bytes received.
        received: u64,
        /// Bytes announced, when the host said.
        expected: Option<u64>,
    },
    /// More bytes came than announced, or the announced size changed
    /// between attempts (the file changed on the host).
    SizeMismatch {
        /// The size first announced.
        expected: u64,
        /// What the host later sent or announced.
        received: u64,
    },
    /// A `206` answer whose `Content-Range` does not continue where the
    /// download stopped.
    RangeMismatch {
        /// The offset asked for.
        asked_from: u64,
        /// The `Content-Range` received (or `missing`).
        content_range: String,
    },
    /// The file is larger than the client's
    /// [`max_download_bytes`](crate::ClientBuilder::max_download_bytes)
    /// (announced so, or sent past it).
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The host answered a resume with bytes of another version of the
    /// file (its `ETag` or `Last-Modified` changed).
    Changed,
    /// Too many redirects, or one to a URL this client does not follow.
    Redirect {
        /// Why it was not followed.
        reason: String,
    },
    /// Writing the file failed (disk full, no permission, ...).
    Io {
        /// What the OS said.
        message: String,
    },
}

impl std::fmt::Display for DownloadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DownloadProblem::Truncated {
                received,
                expected: Some(expected),
            } => write!(f, "truncated: {received} of {expected} bytes received"),
            DownloadProblem::Truncated {
                received,
                expected: None,
            } => write!(f, "truncated after {received} bytes"),
            DownloadProblem::SizeMismatch { expected, received } => write!(
                f,
                "size mismatch: {expected} bytes announced, then {received}"
            ),
            DownloadProblem::RangeMismatch {
                asked_from,
                content_range,
            } => write!(
                f,
                "asked to resume from byte {asked_from}, got Content-Range {content_range:?}"
            ),
            DownloadProblem::TooLarge { limit } => {
                write!(f, "larger than the download limit of {limit} bytes")
            }
            DownloadProblem::Changed => {
                write!(f, "the file changed on the host while it was downloaded")
            }
            DownloadProblem::Redirect { reason } => write!(f, "redirect not followed: {reason}"),
            DownloadProblem::Io { message } => write!(f, "I/O error: {message}"),
        }
    }
}

/// A `206` answer's `Content-Range: bytes <start>-<end>/<total>`.
fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    (start <= end).then_some((start, end, total))
}

/// Whether a redirect from `from` to `to` may be followed.
fn redirect_allowed(from: &url::Url, to: &url::Url) -> std::result::Result<(), String> {
    match (from.scheme(), to.scheme()) {
        (_, "https") | ("http", "http") => {}
        ("https", "http") => return Err("from https down to http".into()),
        (_, other) => return Err(format!("to a {other:?} URL")),
    }
    if !to.username().is_empty() || to.password().is_some() {
        return Err("to a URL with credentials".into());
    }
    Ok(())
}

impl Client {
    /// Downloads a finished render's video (its
    /// [`video_url`](RenderOutput::video_url)) to `path`; see
    /// [`download`](Self::download).
    pub async fn download_video(
        &self,
        render: &RenderOutput,
        path: impl AsRef<Path>,
        progress: impl FnMut(u64, Option<u64>),
    ) -> Result<Downloaded> {
        self.download(&render.video_url, path, progress).await
    }

    /// Downloads the file at `url` (a job's output: video, thumbnail,
    /// subtitles) to `path`, replacing it atomically once the whole file
    /// has arrived. `progress(bytes, total)` is called as bytes arrive
    /// (`total` when the host announced it; `bytes` goes back to 0 if the
    /// download starts over). Never sent: the token or the key (a URL that
    /// contains either is refused). The file is streamed to a temporary
    /// file beside `path` and renamed into place when complete; a broken
    /// connection resumes with `Range` (and `If-Range`, so a changed file
    /// starts over); up to 5 redirects are followed, never from `https` to
    /// `http`; the answer's head must come within the client's request
    /// timeout, then each read within 60 s, up to
    /// [`max_download_bytes`](crate::ClientBuilder::max_download_bytes).
    /// Failures are [`Error::Download`] with a [`DownloadProblem`], or the
    /// usual status errors; `path` is then untouched.
    ///
    /// ```no_run
    /// # async fn demo(client: pictory::Client, render: pictory::jobs::RenderOutput) -> pictory::Result<()> {
    /// let done = client
    ///     .download_video(&render, "video.mp4", |bytes, total| {
    ///         eprintln!("{bytes} of {total:?} bytes");
    ///     })
    ///     .await?;
    /// println!("{} bytes in {}", done.bytes, done.path.display());
    /// # Ok(()) }
    /// ```
    ///
    /// An existing regular file at `path` is replaced; anything else there
    /// (a directory, a symlink, a FIFO, a device) is refused
    /// ([`Error::Write`]) before anything is sent. To refuse existing files
    /// too, use [`download_to`](Self::download_to).
    pub async fn download(
        &self,
        url: &str,
        path: impl AsRef<Path>,
        progress: impl FnMut(u64, Option<u64>),
    ) -> Result<Downloaded> {
        let out = OutputFile::new(path.as_ref()).replace(true);
        self.download_to(url, &out, progress).await
    }

    /// [`download`](Self::download) to `out`, written by the crate's one
    /// safe writer ([`OutputFile`]): only a regular file is written, an
    /// existing one only when `out` allows replacing it
    /// ([`OutputFile::replace`]); the destination is checked before
    /// anything is sent and again when the complete file is put in place
    /// ([`Error::Write`] when refused; the destination is then untouched).
    ///
    /// ```no_run
    /// # async fn demo(client: pictory::Client, url: &str) -> pictory::Result<()> {
    /// let out = pictory::OutputFile::new("keep.mp4"); // never replaces keep.mp4
    /// client.download_to(url, &out, |_, _| {}).await?;
    /// # Ok(()) }
    /// ```
    pub async fn download_to(
        &self,
        url: &str,
        out: &OutputFile,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> Result<Downloaded> {
        let path = out.path();
        let pipeline = self.pipeline();
        let shown = pipeline.redact(url);
        if shown != url {
            return Err(Error::InvalidRequest {
                operation: OP,
                message: "the file URL contains the API token; it is not sent anywhere".into(),
            });
        }
        let mut url = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            // Credentials in the URL would be sent as Basic auth.
            .filter(|u| u.username().is_empty() && u.password().is_none())
            .ok_or_else(|| Error::InvalidRequest {
                operation: OP,
                message: format!(
                    "not an http(s) URL without credentials: {:?}",
                    crate::envelope::truncate(&shown, 200)
                ),
            })?;
        let fail = |problem: DownloadProblem| Error::Download {
            operation: OP,
            path: path.display().to_string(),
            problem,
        };
        let io = |e: std::io::Error| {
            fail(DownloadProblem::Io {
                message: e.to_string(),
            })
        };
        out.check_for(OP)?;
        let (temp, file) = TempFile::create(out, OP)?;
        let mut part = tokio::fs::File::from_std(file);

        let mut received: u64 = 0;
        let mut furthest: u64 = 0;
        let mut expected: Option<u64> = None;
        let mut ranges = true; // until the host says `Accept-Ranges: none`
        // The version of the file being downloaded (a strong `ETag`, else
        // `Last-Modified`), sent as `If-Range` so that a changed file
        // answers whole rather than spliced.
        let mut validator: Option<String> = None;
        let (mut attempts, mut redirects, mut resumed, mut restarted) = (0u32, 0u32, 0u32, 0u32);
        let mut since = Instant::now();
        loop {
            attempts += 1;
            let mut request = pipeline.http.get(url.clone());
            if pipeline.timers() {
                // Without timers (paused-time tests) there is no client
                // timeout to replace, and a timer could fire early.
                request = request.timeout(REQUEST_LIMIT);
            }
            let asked_from = (received > 0 && ranges).then_some(received);
            if let Some(from) = asked_from {
                request = request.header(RANGE, format!("bytes={from}-"));
                if let Some(v) = &validator {
                    request = request.header(IF_RANGE, v.as_str());
                }
            }
            let request = request.build().map_err(|e| Error::InvalidRequest {
                operation: OP,
                message: e.without_url().to_string(),
            })?;
            // The answer's head must come within the client's request
            // timeout (only the body may take longer, chunk by chunk).
            let opened = if pipeline.timers() {
                tokio::time::timeout(
                    pipeline.request_timeout,
                    pipeline.stream_external(OP, request, attempts),
                )
                .await
            } else {
                Ok(pipeline.stream_external(OP, request, attempts).await)
            };
            let Ok(opened) = opened else {
                let timeout = Error::Timeout {
                    operation: OP,
                    attempts,
                    sent: true,
                };
                match pipeline.stream_retry_delay(&timeout, attempts, since.elapsed()) {
                    Some(delay) => {
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    None => return Err(timeout),
                }
            };
            let mut response = match opened {
                Streamed::Open(response) => response,
                Streamed::Redirect { status, location } => {
                    redirects += 1;
                    attempts -= 1; // following a redirect is not a retry
                    let next = location
                        .as_deref()
                        .and_then(|l| url.join(l).ok())
                        .ok_or_else(|| {
                            fail(DownloadProblem::Redirect {
                                reason: format!("HTTP {status} without a usable Location"),
                            })
                        })?;
                    if redirects > MAX_REDIRECTS {
                        return Err(fail(DownloadProblem::Redirect {
                            reason: format!("more than {MAX_REDIRECTS} redirects"),
                        }));
                    }
                    redirect_allowed(&url, &next)
                        .map_err(|reason| fail(DownloadProblem::Redirect { reason }))?;
                    if pipeline.redact(next.as_str()) != next.as_str() {
                        return Err(fail(DownloadProblem::Redirect {
                            reason: "to a URL containing the API token".into(),
                        }));
                    }
                    url = next;
                    continue;
                }
                Streamed::Failed(error) => {
                    match pipeline.stream_retry_delay(&error, attempts, since.elapsed()) {
                        Some(delay) => {
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                        None => return Err(error),
                    }
                }
            };
            let status = response.status().as_u16();
            if response
                .headers()
                .get(ACCEPT_RANGES)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"none"))
            {
                ranges = false;
            }
            let answered_version = version_of(response.headers());
            if status == 206 {
                // A part of another version of the file cannot be used.
                if validator.is_some()
                    && answered_version.is_some()
                    && answered_version != validator
                {
                    return Err(fail(DownloadProblem::Changed));
                }
            } else {
                validator = answered_version;
            }
            // Where this answer's bytes start, and the total it announces.
            let announced = if status == 206 {
                let header = response
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok());
                let parsed = header.and_then(parse_content_range);
                match (asked_from, parsed) {
                    (Some(from), Some((start, _, total))) if start == from => total,
                    _ => {
                        return Err(fail(DownloadProblem::RangeMismatch {
                            asked_from: asked_from.unwrap_or(0),
                            content_range: header.unwrap_or("missing").to_string(),
                        }));
                    }
                }
            } else {
                if received > 0 {
                    // The host ignored the range (or none was asked): start over.
                    part.set_len(0).await.map_err(io)?;
                    part.seek(std::io::SeekFrom::Start(0)).await.map_err(io)?;
                    received = 0;
                    restarted += 1;
                    progress(0, expected);
                }
                response.content_length()
            };
            if announced.is_some_and(|total| total > pipeline.download_limit) {
                return Err(fail(DownloadProblem::TooLarge {
                    limit: pipeline.download_limit,
                }));
            }
            if let Some(total) = announced {
                match expected {
                    Some(first) if first != total => {
                        return Err(fail(DownloadProblem::SizeMismatch {
                            expected: first,
                            received: total,
                        }));
                    }
                    _ => expected = Some(total),
                }
            }
            if asked_from.is_some() && status == 206 {
                resumed += 1;
            }
            // Read the body; a break is resumed below.
            let broke = loop {
                let chunk = if pipeline.timers() {
                    match tokio::time::timeout(READ_IDLE_TIMEOUT, response.chunk()).await {
                        Ok(chunk) => chunk,
                        Err(_) => break true,
                    }
                } else {
                    response.chunk().await
                };
                match chunk {
                    Ok(Some(bytes)) => {
                        part.write_all(&bytes).await.map_err(io)?;
                        received = received.saturating_add(bytes.len() as u64);
                        if received > pipeline.download_limit {
                            return Err(fail(DownloadProblem::TooLarge {
                                limit: pipeline.download_limit,
                            }));
                        }
                        if received > furthest {
                            // New ground: failures are counted anew.
                            furthest = received;
                            attempts = 0;
                            since = Instant::now();
                        }
                        if let Some(total) = expected.filter(|t| received > *t) {
                            return Err(fail(DownloadProblem::SizeMismatch {
                                expected: total,
                                received,
                            }));
                        }
                        progress(received, expected);
                    }
                    Ok(None) => break false,
                    Err(_) => break true,
                }
            };
            let short = expected.is_some_and(|t| received < t);
            if !broke && !short {
                break;
            }
            let truncated = fail(DownloadProblem::Truncated { received, expected });
            match pipeline.stream_retry_delay(&truncated, attempts.max(1), since.elapsed()) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(truncated),
            }
        }
        part.flush().await.map_err(io)?;
        let file = part.into_std().await;
        let placed = out.clone();
        tokio::task::spawn_blocking(move || temp.commit(&placed, OP, file))
            .await
            .map_err(|e| {
                out.error(
                    OP,
                    WriteProblem::Io {
                        message: e.to_string(),
                    },
                )
            })??;
        Ok(Downloaded {
            path: path.to_path_buf(),
            bytes: received,
            resumed,
            restarted,
        })
    }
}

/// The version a response names: its strong `ETag`, else its
/// `Last-Modified` (weak ETags cannot be used in `If-Range`).
fn version_of(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    text(ETAG)
        .filter(|tag| !tag.starts_with("W/"))
        .or_else(|| text(LAST_MODIFIED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parsing() {
        assert_eq!(
            parse_content_range("bytes 10-99/100"),
            Some((10, 99, Some(100)))
        );
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, 0, None)));
        assert_eq!(parse_content_range("bytes 9-3/100"), None);
        assert_eq!(parse_content_range("items 0-3/4"), None);
        assert_eq!(parse_content_range("bytes x-3/4"), None);
    }

    #[test]
    fn redirects_followed_only_upward() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(redirect_allowed(&u("https://a/x"), &u("https://b/y")).is_ok());
        assert!(redirect_allowed(&u("http://a/x"), &u("https://b/y")).is_ok());
        assert!(redirect_allowed(&u("http://a/x"), &u("http://a/y")).is_ok());
        assert!(redirect_allowed(&u("https://a/x"), &u("http://a/y")).is_err());
        assert!(redirect_allowed(&u("https://a/x"), &u("ftp://a/y")).is_err());
        assert!(redirect_allowed(&u("https://a/x"), &u("https://u:p@a/y")).is_err());
    }
}
