//! One-call journeys, each as "start" (returns the job id, for webhook users)
//! and "and wait" (returns the typed output):
//! text → storyboard preview → render → video; preview only; transcription
//! and summary; local file upload; templates.

use crate::call::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::jobs::{
    Job, JobHandle, JobId, JobOutput, PollingBackoff, PollingErrorPolicy, PreviewOutput,
    RenderOutput, RenderParams, SummaryOutput, TranscriptionOutput, find_job_id,
};
use crate::response::Response;
use crate::storyboard::StoryboardRequest;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;

/// Which step of a journey a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The storyboard preview job.
    Preview,
    /// The render job.
    Render,
    /// The transcription job.
    Transcription,
    /// The summary job.
    Summary,
}

/// A progress callback: the stage and the job's latest reading.
pub type ProgressFn = Arc<dyn Fn(Stage, &Job) + Send + Sync>;
/// Edits a preview's `renderParams` before rendering (see [`RenderParams`]'s
/// accessors; every key not edited is sent back as received).
pub type EditRenderParams = Arc<dyn Fn(&mut RenderParams) + Send + Sync>;

/// How a journey waits and renders. `Default` = the client's default
/// polling policies, no callback, render the preview as is.
#[derive(Clone, Default)]
pub struct FlowOptions {
    /// When to read job status; default [`crate::jobs::ExponentialBackoff::default`].
    pub backoff: Option<Arc<dyn PollingBackoff>>,
    /// Which errors to ride through, and the deadline of each wait.
    pub errors: Option<PollingErrorPolicy>,
    /// Called with every change of every job.
    pub on_progress: Option<ProgressFn>,
    /// Render with edited `renderParams` (`render_video`) instead of
    /// rendering the preview as is (`render_storyboard`).
    pub edit_render_params: Option<EditRenderParams>,
    /// Webhook for the render job (your own receiver; to have the flow wait
    /// on webhooks, use [`FlowOptions::webhooks`] instead).
    pub render_webhook: Option<String>,
    /// Wait on webhooks through this hub instead of polling: every job of
    /// the flow is created with a callback URL of the hub, and each wait
    /// ends when its webhook arrives (see [`crate::webhooks`]).
    #[cfg(feature = "webhooks")]
    pub webhooks: Option<crate::webhooks::WebhookHub>,
}

impl std::fmt::Debug for FlowOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("FlowOptions");
        f.field("backoff", &self.backoff)
            .field("errors", &self.errors)
            .field("on_progress", &self.on_progress.is_some())
            .field("edit_render_params", &self.edit_render_params.is_some())
            .field("render_webhook", &self.render_webhook);
        #[cfg(feature = "webhooks")]
        f.field("webhooks", &self.webhooks);
        f.finish()
    }
}

impl FlowOptions {
    /// Calls `f` with every change of every job (feed a progress bar).
    pub fn on_progress(mut self, f: impl Fn(Stage, &Job) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// Polls with `backoff`.
    pub fn backoff(mut self, backoff: impl PollingBackoff + 'static) -> Self {
        self.backoff = Some(Arc::new(backoff));
        self
    }

    /// Uses `policy` for polling errors and deadlines.
    pub fn error_policy(mut self, policy: PollingErrorPolicy) -> Self {
        self.errors = Some(policy);
        self
    }

    /// Waits on webhooks received by `hub` instead of polling: each job is
    /// created with one of the hub's callback URLs and its wait ends when
    /// the webhook arrives (confirmed by one job read when the proxy has a
    /// job route; a slow safety poll covers a lost post). Mount the hub's
    /// router where its public base URL points.
    #[cfg(feature = "webhooks")]
    pub fn webhooks(mut self, hub: crate::webhooks::WebhookHub) -> Self {
        self.webhooks = Some(hub);
        self
    }

    /// Refuses, before any job is created, a render webhook the flow
    /// could not send (it waits through a hub, and a job has one webhook).
    fn check_render_webhook(&self) -> Result<()> {
        #[cfg(feature = "webhooks")]
        if self.webhooks.is_some() && self.render_webhook.is_some() {
            return Err(two_webhooks("render_storyboard", "render_webhook"));
        }
        Ok(())
    }

    /// A callback for the next job, when the flow waits on webhooks.
    fn expect(&self) -> Result<Expect> {
        #[cfg(feature = "webhooks")]
        if let Some(hub) = &self.webhooks {
            return hub.callback().map(Some);
        }
        Ok(None)
    }

    /// Renders with the preview's `renderParams` edited by `f`, sent whole
    /// to `render_video` (instead of rendering the preview as is).
    pub fn edit_render_params(
        mut self,
        f: impl Fn(&mut RenderParams) + Send + Sync + 'static,
    ) -> Self {
        self.edit_render_params = Some(Arc::new(f));
        self
    }
}

/// The webhook a flow's next job is created with and waited on (none when
/// the flow polls).
#[cfg(feature = "webhooks")]
type Expect = Option<crate::webhooks::Callback>;
#[cfg(not(feature = "webhooks"))]
type Expect = Option<std::convert::Infallible>;

/// The callback URL to create a job with, if any.
fn expect_url(expect: &Expect) -> Option<&str> {
    #[cfg(feature = "webhooks")]
    return expect.as_ref().map(|cb| cb.url());
    #[cfg(not(feature = "webhooks"))]
    return expect.as_ref().map(|never| match *never {});
}

/// A job has one webhook: `what` is set and the flow waits through a hub.
fn two_webhooks(operation: &'static str, what: &str) -> Error {
    Error::InvalidRequest {
        operation,
        message: format!(
            "{what} is set and the flow waits on webhooks through a hub; a job has one webhook: remove one of them"
        ),
    }
}

/// `given` (a webhook the caller set) or the flow's own; both is an error,
/// since a job has one webhook.
fn one_webhook<'a>(
    operation: &'static str,
    given: Option<&'a str>,
    expect: &'a Expect,
) -> Result<Option<&'a str>> {
    match (given, expect_url(expect)) {
        (Some(_), Some(_)) => Err(two_webhooks(operation, "a webhook")),
        (given, flow) => Ok(given.or(flow)),
    }
}

/// The result of text → video.
#[derive(Debug, Clone)]
pub struct VideoResult {
    /// The storyboard (preview) job.
    pub preview_job: JobId,
    /// The preview.
    pub preview: PreviewOutput,
    /// The render job.
    pub render_job: JobId,
    /// The video.
    pub video: RenderOutput,
}

/// The new job's id from a job-starting call. The id is all a flow needs,
/// so an answer that does not fit its generated type still yields it from
/// the raw body ([`Error::ResponseShape`] keeps it).
fn job_id_of<T>(answer: Result<Response<T>>) -> Result<JobId> {
    match answer {
        Ok(resp) => job_id_in(resp.operation(), resp.status(), resp.raw()),
        Err(Error::ResponseShape {
            operation,
            status,
            raw,
            ..
        }) => job_id_in(operation, status, &raw),
        Err(e) => Err(e),
    }
}

fn job_id_in(operation: &'static str, status: u16, raw: &Value) -> Result<JobId> {
    find_job_id(raw)?.ok_or_else(|| Error::UndecodableBody {
        operation,
        status: Some(status),
        reason: "no job id (jobId / job_id) in the response".into(),
        snippet: crate::envelope::truncate(&raw.to_string(), 200),
    })
}

fn wrong_output(job: &JobId, want: &str, got: &JobOutput) -> Error {
    Error::UndecodableBody {
        operation: "get_job",
        status: None,
        reason: format!("job {job} completed without {want}"),
        snippet: crate::envelope::truncate(&format!("{got:?}"), 200),
    }
}

fn to_body<T: serde::de::DeserializeOwned>(operation: &'static str, v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::InvalidRequest {
        operation,
        message: e.to_string(),
    })
}

impl Client {
    fn handle(&self, id: &JobId, opts: &FlowOptions) -> JobHandle {
        let mut h = self.job(id);
        if let Some(b) = &opts.backoff {
            h = h.with_backoff(SharedBackoff(b.clone()));
        }
        if let Some(e) = &opts.errors {
            h = h.with_error_policy(e.clone());
        }
        h
    }

    /// Waits for `id`, reporting changes to the callback.
    pub async fn wait_for(
        &self,
        id: &JobId,
        stage: Stage,
        opts: &FlowOptions,
    ) -> Result<JobOutput> {
        let handle = self.handle(id, opts);
        let Some(cb) = &opts.on_progress else {
            return handle.wait().await;
        };
        let mut changes = Box::pin(handle.progress());
        while let Some(item) = changes.next().await {
            let job = item?;
            cb(stage, &job);
            if let Some(outcome) = job.into_outcome() {
                return outcome;
            }
        }
        unreachable!("a progress stream ends with a terminal state or an error")
    }

    /// Waits for `id` and takes the output `pick` accepts; any other kind
    /// of output is [`Error::UndecodableBody`] naming what was wanted.
    async fn wait_kind<T>(
        &self,
        (id, expect): (JobId, Expect),
        stage: Stage,
        opts: &FlowOptions,
        want: &str,
        pick: impl FnOnce(JobOutput) -> std::result::Result<T, Box<JobOutput>>,
    ) -> Result<(JobId, T)> {
        let output = match expect {
            None => self.wait_for(&id, stage, opts).await?,
            #[cfg(feature = "webhooks")]
            Some(callback) => {
                let on_progress = opts.on_progress.clone();
                let mut report = move |job: &Job| {
                    if let Some(cb) = &on_progress {
                        cb(stage, job);
                    }
                };
                crate::webhooks::wait::wait(&self.handle(&id, opts), callback, &mut report).await?
            }
        };
        match pick(output) {
            Ok(t) => Ok((id, t)),
            Err(other) => Err(wrong_output(&id, want, &other)),
        }
    }

    async fn wait_preview(
        &self,
        started: (JobId, Expect),
        opts: &FlowOptions,
    ) -> Result<(JobId, PreviewOutput)> {
        self.wait_kind(
            started,
            Stage::Preview,
            opts,
            "a preview",
            |out| match out {
                JobOutput::Preview(p) => Ok(p),
                other => Err(Box::new(other)),
            },
        )
        .await
    }

    /// Starts a storyboard (preview) job; validated first, nothing sent if invalid.
    pub async fn start_storyboard(&self, request: &StoryboardRequest) -> Result<JobId> {
        let body = request.into_raw()?;
        job_id_of(self.api().create_storyboard().body(body).call().await)
    }

    /// Storyboard → preview: the preview URL and `renderParams`, for review
    /// before spending render credits.
    pub async fn preview(
        &self,
        request: &StoryboardRequest,
        opts: &FlowOptions,
    ) -> Result<(JobId, PreviewOutput)> {
        let expect = opts.expect()?;
        one_webhook("create_storyboard", request.webhook.as_deref(), &expect)?;
        let id = match expect_url(&expect) {
            Some(url) => self.start_storyboard(&request.clone().webhook(url)).await?,
            None => self.start_storyboard(request).await?,
        };
        self.wait_preview((id, expect), opts).await
    }

    /// Renders a completed preview as is (`render_storyboard`).
    pub async fn start_render_from_preview(
        &self,
        preview_job: &JobId,
        webhook: Option<&str>,
    ) -> Result<JobId> {
        let body = crate::raw::types::RenderStoryboardBody {
            webhook: webhook.map(str::to_string),
        };
        job_id_of(
            self.api()
                .render_storyboard()
                .job_id(preview_job.checked()?.as_str())
                .body(body)
                .call()
                .await,
        )
    }

    /// Renders from `render_params` (`render_video`): the whole object is
    /// the body, every key exactly as in the [`RenderParams`] (as a preview
    /// returned it, plus any edits), with `webhook` set when given.
    pub async fn start_render(
        &self,
        render_params: &RenderParams,
        webhook: Option<&str>,
    ) -> Result<JobId> {
        let mut body = render_params.object()?.clone();
        if let Some(w) = webhook {
            body.insert("webhook".into(), json!(w));
        }
        job_id_of(self.api().render_video().body(body).call().await)
    }

    /// Renders a completed preview (as is, or with edited params) and waits.
    pub async fn render_preview(
        &self,
        preview_job: &JobId,
        preview: &PreviewOutput,
        opts: &FlowOptions,
    ) -> Result<(JobId, RenderOutput)> {
        let expect = opts.expect()?;
        let webhook = one_webhook("render_storyboard", opts.render_webhook.as_deref(), &expect)?;
        let id = match &opts.edit_render_params {
            None => self.start_render_from_preview(preview_job, webhook).await?,
            Some(edit) => {
                let mut params =
                    preview
                        .render_params
                        .clone()
                        .ok_or_else(|| Error::InvalidRequest {
                            operation: "render_video",
                            message: format!(
                                "preview job {preview_job} has no renderParams object to edit"
                            ),
                        })?;
                edit(&mut params);
                self.start_render(&params, webhook).await?
            }
        };
        self.wait_kind(
            (id, expect),
            Stage::Render,
            opts,
            "a video",
            |out| match out {
                JobOutput::Render(r) => Ok(r),
                other => Err(Box::new(other)),
            },
        )
        .await
    }

    /// Text → storyboard preview → render → the final video, with the default options.
    pub async fn text_to_video(&self, request: &StoryboardRequest) -> Result<VideoResult> {
        self.text_to_video_with(request, &FlowOptions::default())
            .await
    }

    /// Text → storyboard preview → render → the final video.
    pub async fn text_to_video_with(
        &self,
        request: &StoryboardRequest,
        opts: &FlowOptions,
    ) -> Result<VideoResult> {
        opts.check_render_webhook()?;
        let (preview_job, preview) = self.preview(request, opts).await?;
        let (render_job, video) = self.render_preview(&preview_job, &preview, opts).await?;
        Ok(VideoResult {
            preview_job,
            preview,
            render_job,
            video,
        })
    }

    /// Starts a v2 transcription of the video at `file_url`.
    pub async fn start_transcription(
        &self,
        file_url: &str,
        language: &str,
        webhook: Option<&str>,
    ) -> Result<JobId> {
        let body = json!({"fileUrl": file_url, "mediaType": "video", "language": language, "webhook": webhook});
        let body: crate::raw::types::CreateTranscriptionBody =
            to_body("create_transcription", body)?;
        job_id_of(self.api().create_transcription().body(body).call().await)
    }

    /// Transcribes the video at `file_url` and waits for the transcript.
    pub async fn transcribe(
        &self,
        file_url: &str,
        language: &str,
        opts: &FlowOptions,
    ) -> Result<(JobId, TranscriptionOutput)> {
        let expect = opts.expect()?;
        let id = self
            .start_transcription(file_url, language, expect_url(&expect))
            .await?;
        self.wait_kind(
            (id, expect),
            Stage::Transcription,
            opts,
            "a transcript",
            |out| match out {
                JobOutput::Transcription(t) => Ok(t),
                JobOutput::Summary(s) => Ok(s.transcription),
                other => Err(Box::new(other)),
            },
        )
        .await
    }

    /// Starts a summary (highlights) of about `duration_secs` from a
    /// transcript ([`TranscriptionOutput::transcript`], sent unchanged).
    pub async fn start_summary(
        &self,
        transcript: &Value,
        duration_secs: f64,
        webhook: Option<&str>,
    ) -> Result<JobId> {
        let body = json!({"transcript": transcript, "highlight_duration": duration_secs, "webhook": webhook});
        let body: crate::raw::types::CreateVideoSummaryBody =
            to_body("create_video_summary", body)?;
        job_id_of(self.api().create_video_summary().body(body).call().await)
    }

    /// Summarises a transcript and waits: the result is the transcript with
    /// highlighted words, grouped into [`SummaryOutput::ranges`].
    pub async fn summarize(
        &self,
        transcript: &Value,
        duration_secs: f64,
        opts: &FlowOptions,
    ) -> Result<(JobId, SummaryOutput)> {
        let expect = opts.expect()?;
        let id = self
            .start_summary(transcript, duration_secs, expect_url(&expect))
            .await?;
        self.wait_kind(
            (id, expect),
            Stage::Summary,
            opts,
            "a summary",
            |out| match out {
                JobOutput::Summary(s) => Ok(s),
                JobOutput::Transcription(t) => Ok(SummaryOutput::from(t)),
                other => Err(Box::new(other)),
            },
        )
        .await
    }

    /// Starts a video preview from a template: `variables` fill the
    /// template's `{{name}}` placeholders (sent as the body's `variables`,
    /// as Pictory documents), and `webhook` is called when the preview is
    /// ready.
    pub async fn start_video_from_template(
        &self,
        template_id: &str,
        variables: serde_json::Map<String, Value>,
        webhook: Option<&str>,
    ) -> Result<JobId> {
        let mut body = serde_json::Map::new();
        body.insert("templateId".into(), json!(template_id));
        body.insert("variables".into(), Value::Object(variables));
        if let Some(w) = webhook {
            body.insert("webhook".into(), json!(w));
        }
        job_id_of(
            self.api()
                .create_video_from_template()
                .body(body)
                .call()
                .await,
        )
    }

    /// Template → preview → render → video.
    pub async fn video_from_template(
        &self,
        template_id: &str,
        variables: serde_json::Map<String, Value>,
        opts: &FlowOptions,
    ) -> Result<VideoResult> {
        opts.check_render_webhook()?;
        let expect = opts.expect()?;
        let preview_job = self
            .start_video_from_template(template_id, variables, expect_url(&expect))
            .await?;
        let (preview_job, preview) = self.wait_preview((preview_job, expect), opts).await?;
        let (render_job, video) = self.render_preview(&preview_job, &preview, opts).await?;
        Ok(VideoResult {
            preview_job,
            preview,
            render_job,
            video,
        })
    }
}

/// Lets a shared policy be used where an owned one is expected.
#[derive(Debug)]
struct SharedBackoff(Arc<dyn PollingBackoff>);

impl PollingBackoff for SharedBackoff {
    fn next_delay(&self, ctx: &crate::jobs::PollContext<'_>) -> std::time::Duration {
        self.0.next_delay(ctx)
    }
}
