//! Sending local files: a file to Pictory's storage (a signed-URL PUT) and
//! a `.pictai` project file as a new template. Both go through the one
//! pipeline; each attempt re-opens the file, so a re-send carries the whole
//! file again. A path that is not a readable regular file fails before any
//! request is sent.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::operations::OperationSpec;
use crate::pipeline::Target;
use crate::response::ApiResponse;
use std::path::Path;

/// A file uploaded to Pictory's storage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct UploadedFile {
    /// The hosted URL: use it as `fileUrl` for transcription.
    pub url: String,
    /// Bytes sent.
    pub bytes: u64,
}

/// How [`Client::create_template_from_file`] sends the `.pictai` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum TemplateUpload {
    /// `multipart/form-data` with the file in the field
    /// `pictoryprojectfile`, as LowCodeAPI's spec declares. The default,
    /// since requests go through LowCodeAPI.
    #[default]
    Multipart,
    /// The raw file bytes as `application/octet-stream`, as Pictory
    /// documents its own endpoint.
    OctetStream,
}

/// Opens `path` and checks it is a regular file; returns its length.
async fn file_len(operation: &'static str, path: &Path) -> Result<u64> {
    let io = |message: String| Error::Io {
        operation,
        path: path.display().to_string(),
        message,
    };
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| io(e.to_string()))?;
    let meta = file.metadata().await.map_err(|e| io(e.to_string()))?;
    if !meta.is_file() {
        return Err(io("not a regular file".into()));
    }
    Ok(meta.len())
}

/// A streamed body of the file at `path`, opened afresh; with `sent`, the
/// bytes handed to the connection so far are published there (from 0 on
/// each attempt).
async fn file_body(
    operation: &'static str,
    path: &Path,
    sent: Option<tokio::sync::watch::Sender<u64>>,
) -> Result<reqwest::Body> {
    use futures_util::StreamExt;
    let file = tokio::fs::File::open(path).await.map_err(|e| Error::Io {
        operation,
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let mut total = 0u64;
    if let Some(sent) = &sent {
        sent.send_replace(0);
    }
    let stream = tokio_util::io::ReaderStream::new(file).inspect(move |chunk| {
        if let (Some(sent), Ok(chunk)) = (&sent, chunk) {
            total += chunk.len() as u64;
            sent.send_replace(total);
        }
    });
    Ok(reqwest::Body::wrap_stream(stream))
}

fn file_name(path: &Path, default: &str) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| default.to_string())
}

fn build_error(operation: &'static str, e: reqwest::Error) -> Error {
    Error::InvalidRequest {
        operation,
        message: e.without_url().to_string(),
    }
}

impl Client {
    /// Uploads a local file: `generate_upload_url`, then an HTTP PUT of the
    /// bytes, streamed from disk, to the signed URL with `content_type`
    /// (the LowCodeAPI token is never sent there). The PUT is idempotent,
    /// so it is retried under the retry policy. Returns the hosted URL.
    /// `progress(sent, total)` is called as the bytes go out (from 0 again
    /// when an attempt is re-sent); pass `|_, _| {}` for none.
    ///
    /// ```no_run
    /// # async fn demo(client: pictory::Client) -> pictory::Result<()> {
    /// let file = client
    ///     .upload_file("talk.mp4", "video/mp4", |sent, total| eprintln!("{sent} of {total} bytes"))
    ///     .await?;
    /// println!("{}", file.url);
    /// # Ok(()) }
    /// ```
    pub async fn upload_file(
        &self,
        path: impl AsRef<Path>,
        content_type: &str,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<UploadedFile> {
        const OP: &str = "upload_file";
        let path = path.as_ref();
        let len = file_len(OP, path).await?;
        let resp = self
            .api()
            .generate_upload_url()
            .body_map(|b| {
                b.file_name(file_name(path, "upload"))
                    .content_type(content_type.to_string())
            })
            .send()
            .await?;
        let upload = resp.value();
        let (Some(signed), Some(url)) = (upload.signed_url(), upload.url()) else {
            return Err(Error::UndecodableBody {
                operation: "generate_upload_url",
                status: Some(resp.status()),
                reason: "no data.signedUrl / data.url in the answer".into(),
                snippet: crate::envelope::truncate(&resp.body().to_string(), 200),
            });
        };
        let url = url.to_string();
        let pipeline = self.pipeline();
        let (sent, mut sent_so_far) = tokio::sync::watch::channel(0u64);
        let make = || async {
            pipeline
                .http
                .put(signed)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .header(reqwest::header::CONTENT_LENGTH, len)
                .body(file_body(OP, path, Some(sent.clone())).await?)
                .build()
                .map_err(|e| build_error(OP, e))
        };
        let target = Target::External {
            name: OP,
            idempotent: true,
        };
        progress(0, len);
        let mut shown = 0;
        let run = pipeline.run(target, None, make);
        tokio::pin!(run);
        // The upload runs here; each change of the count reaches `progress`.
        loop {
            tokio::select! {
                result = &mut run => {
                    result?;
                    break;
                }
                Ok(()) = sent_so_far.changed() => {
                    shown = *sent_so_far.borrow_and_update();
                    progress(shown, len);
                }
            }
        }
        if shown != len {
            progress(len, len);
        }
        Ok(UploadedFile { url, bytes: len })
    }

    /// Creates a template from a `.pictai` project file, streamed from
    /// disk, sent as `how` says. A POST: re-sent only when it provably did
    /// not reach the proxy (connection refused, or 429).
    pub async fn create_template_from_file(
        &self,
        path: impl AsRef<Path>,
        how: TemplateUpload,
    ) -> Result<ApiResponse> {
        let op = OperationSpec::find("create_template").ok_or_else(|| Error::InvalidRequest {
            operation: "create_template",
            message: "this build's spec has no create_template operation".into(),
        })?;
        let path = path.as_ref();
        let len = file_len(op.id, path).await?;
        let pipeline = self.pipeline();
        let url = format!("{}{}", self.base_url(), op.path);
        let make = || async {
            let request = pipeline.http.post(&url);
            let body = file_body(op.id, path, None).await?;
            let request = match how {
                TemplateUpload::Multipart => {
                    let part = reqwest::multipart::Part::stream_with_length(body, len)
                        .file_name(file_name(path, "project.pictai"))
                        .mime_str("application/octet-stream")
                        .map_err(|e| build_error(op.id, e))?;
                    let form = reqwest::multipart::Form::new().part("pictoryprojectfile", part);
                    request.multipart(form)
                }
                TemplateUpload::OctetStream => request
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .header(reqwest::header::CONTENT_LENGTH, len)
                    .body(body),
            };
            request.build().map_err(|e| build_error(op.id, e))
        };
        let delivered = pipeline.send(op, None, make).await?;
        crate::response::decode(op.id, delivered)
    }
}
