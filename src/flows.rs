//! One-call journeys, each as "start" (returns the job id, for webhook users)
//! and "and wait" (returns the typed output):
//! text → storyboard preview → render → video; preview only; transcription
//! and summary; local file upload; templates. Every "and wait" form runs on
//! the one journey engine (`journey.rs`): its wait plan is decided before
//! anything is created ([`Client::wait_plan`]).

use crate::client::Client;
use crate::error::{Error, Result};
use crate::jobs::{
    Job, JobId, JobOutput, PollingBackoff, PollingErrorPolicy, PreviewOutput, RenderOutput,
    RenderParams, SummaryOutput, TranscriptionOutput,
};
use crate::journey::{At, Journey, NoSteps, Source, job_id_of, pick_render};
use crate::raw::types::StoryboardV2;
use crate::storyboard::StoryboardRequest;
use serde_json::{Value, json};
use std::sync::Arc;

/// Which step of a journey a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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

impl Stage {
    /// The stage's name: `preview`, `render`, `transcription`, `summary`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Preview => "preview",
            Stage::Render => "render",
            Stage::Transcription => "transcription",
            Stage::Summary => "summary",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A progress callback: the stage and the job's latest reading.
pub(crate) type ProgressFn = Arc<dyn Fn(Stage, &Job) + Send + Sync>;
/// Called with each job's id as soon as the job is created.
pub(crate) type CreatedFn = Arc<dyn Fn(Stage, &JobId) + Send + Sync>;
/// Edits a preview's `renderParams` before rendering (see [`RenderParams`]'s
/// accessors; every key not edited is sent back as received).
pub(crate) type EditRenderParams = Arc<dyn Fn(&mut RenderParams) + Send + Sync>;

/// Element edits of a v2 preview, from the preview (see
/// [`FlowOptions::edit_elements`]).
pub(crate) type EditElements =
    Arc<dyn Fn(&PreviewOutput) -> Vec<crate::raw::types::StoryboardElement> + Send + Sync>;

/// How a journey waits and renders. `Default` = the client's default
/// polling policies, no callback, render the preview as is.
#[derive(Clone, Default)]
pub struct FlowOptions {
    /// When to read job status; default [`crate::jobs::ExponentialBackoff::default`].
    pub(crate) backoff: Option<Arc<dyn PollingBackoff>>,
    /// Which errors to ride through, and the deadline of each wait.
    pub(crate) errors: Option<PollingErrorPolicy>,
    /// Called with every change of every job.
    pub(crate) on_progress: Option<ProgressFn>,
    /// Called with each job's id as soon as the job is created.
    pub(crate) on_job_created: Option<CreatedFn>,
    /// Render with edited `renderParams` (`render_video`) instead of
    /// rendering the preview as is (`render_storyboard`).
    pub(crate) edit_render_params: Option<EditRenderParams>,
    /// Element edits sent to a finished v2 preview before it is rendered.
    pub(crate) edit_elements: Option<EditElements>,
    /// Webhook for the render job (your own receiver; to have the flow wait
    /// on webhooks, use [`FlowOptions::webhooks`] instead).
    pub(crate) render_webhook: Option<String>,
    /// Wait on webhooks through this hub instead of polling: every job of
    /// the flow is created with a callback URL of the hub, and each wait
    /// ends when its webhook arrives (see [`crate::webhooks`]).
    #[cfg(feature = "webhooks")]
    pub(crate) webhooks: Option<crate::webhooks::WebhookHub>,
}

impl std::fmt::Debug for FlowOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("FlowOptions");
        f.field("backoff", &self.backoff)
            .field("errors", &self.errors)
            .field("on_progress", &self.on_progress.is_some())
            .field("on_job_created", &self.on_job_created.is_some())
            .field("edit_render_params", &self.edit_render_params.is_some())
            .field("edit_elements", &self.edit_elements.is_some())
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

    /// Calls `f` with each job's id as soon as the job is created (before
    /// it is waited for): keep it, print it, so the job can be found again
    /// if the wait is interrupted.
    pub fn on_job_created(mut self, f: impl Fn(Stage, &JobId) + Send + Sync + 'static) -> Self {
        self.on_job_created = Some(Arc::new(f));
        self
    }

    /// The public base URL of the webhook receiver, when the flow waits on
    /// webhooks.
    pub(crate) fn webhook_base_url(&self) -> Option<String> {
        #[cfg(feature = "webhooks")]
        if let Some(hub) = &self.webhooks {
            return Some(hub.base_url().to_string());
        }
        None
    }

    /// Has Pictory POST the render job's result to `url` (your own
    /// receiver; to have the flow wait on webhooks, use
    /// [`FlowOptions::webhooks`] instead: a job has one webhook).
    pub fn render_webhook(mut self, url: impl Into<String>) -> Self {
        self.render_webhook = Some(url.into());
        self
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

    /// For a v2 journey ([`Client::text_to_video_v2`]): once the preview is
    /// done, `f` reads it (its `renderParams.elements`) and returns the
    /// elements to change, each with its `id`, `elementType`, `type`,
    /// `startTime`, `duration` and the changed fields; they are sent with
    /// `update_storyboard_elements` (Pictory changes existing elements only)
    /// before the preview is rendered. An empty list sends nothing. A
    /// classic (v1) journey with element edits is refused before anything
    /// is sent.
    pub fn edit_elements(
        mut self,
        f: impl Fn(&PreviewOutput) -> Vec<crate::raw::types::StoryboardElement> + Send + Sync + 'static,
    ) -> Self {
        self.edit_elements = Some(Arc::new(f));
        self
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

/// The body of a render from `render_params` (v1 or v2): the whole
/// object, with `webhook` set when given.
fn render_body(
    render_params: &RenderParams,
    webhook: Option<&str>,
) -> Result<serde_json::Map<String, Value>> {
    let mut body = render_params.object()?.clone();
    if let Some(w) = webhook {
        body.insert("webhook".into(), json!(w));
    }
    Ok(body)
}

/// [`crate::storyboard::check_v2`]: a refusal stops the flow before
/// anything is sent; each documented footgun is logged (`tracing`, warn).
fn checked_v2(operation: &'static str, request: &StoryboardV2) -> Result<()> {
    for warning in crate::storyboard::check_v2(operation, request)? {
        tracing::warn!(operation, "{warning}");
    }
    Ok(())
}

/// [`Error::NeedsPictoryKey`] for `operation` when the client has no
/// Pictory key: a flow of Pictory-only operations stops before the wait
/// plan is decided (which may send a probe) and before anything is created.
fn needs_key(client: &Client, operation: &'static str) -> Result<()> {
    if client.has_pictory_key() {
        Ok(())
    } else {
        Err(Error::NeedsPictoryKey { operation })
    }
}

fn to_body<T: serde::de::DeserializeOwned>(operation: &'static str, v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::InvalidRequest {
        operation,
        message: e.to_string(),
    })
}

impl Client {
    /// Starts a storyboard (preview) job; validated first, nothing sent if invalid.
    pub async fn start_storyboard(&self, request: &StoryboardRequest) -> Result<JobId> {
        let body = request.into_raw()?;
        job_id_of(self.api().create_storyboard().body(body).send().await)
    }

    /// Storyboard → preview: the preview URL and `renderParams`, for review
    /// before spending render credits.
    pub async fn preview(
        &self,
        request: &StoryboardRequest,
        opts: &FlowOptions,
    ) -> Result<(JobId, PreviewOutput)> {
        request.validate()?;
        let journey = Journey::new(self, opts, &NoSteps).await?;
        journey.preview(&Source::Storyboard(request)).await
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
                .send()
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
        let body = render_body(render_params, webhook)?;
        job_id_of(self.api().render_video().body(body).send().await)
    }

    /// Renders a completed preview (as is, or with edited params) and waits.
    pub async fn render_preview(
        &self,
        preview_job: &JobId,
        preview: &PreviewOutput,
        opts: &FlowOptions,
    ) -> Result<(JobId, RenderOutput)> {
        let journey = Journey::new(self, opts, &NoSteps).await?;
        journey.render(preview_job, Some(preview), false).await
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
        // Nothing is sent for an invalid request, not even the job-route probe.
        request.validate()?;
        let journey = Journey::new(self, opts, &NoSteps).await?;
        journey.video(&Source::Storyboard(request), At::Start).await
    }

    /// Starts a v2 (element-based) storyboard preview; the job's id.
    /// Served by Pictory only (`PICTORY_API_KEY`).
    pub async fn start_storyboard_v2(&self, request: &StoryboardV2) -> Result<JobId> {
        job_id_of(
            self.api()
                .create_storyboard_v2()
                .body(request.clone())
                .send()
                .await,
        )
    }

    /// Starts the render of a finished v2 preview as is
    /// (`PUT /v2/video/render/{id}`); the render job's id.
    pub async fn start_render_from_preview_v2(
        &self,
        preview_job: &JobId,
        webhook: Option<&str>,
    ) -> Result<JobId> {
        let body = crate::raw::types::RenderPreviewV2Body {
            webhook: webhook.map(str::to_string),
        };
        job_id_of(
            self.api()
                .render_preview_v2()
                .storyboardjobid(preview_job.checked()?.as_str())
                .body(body)
                .send()
                .await,
        )
    }

    /// Starts a render of a v2 preview's `renderParams` (edited), sent
    /// whole to `POST /v2/video/render`; the render job's id.
    pub async fn start_render_v2(
        &self,
        render_params: &RenderParams,
        webhook: Option<&str>,
    ) -> Result<JobId> {
        let body = render_body(render_params, webhook)?;
        job_id_of(self.api().render_video_v2().body(body).send().await)
    }

    /// A v2 storyboard → preview → (the options' element edits,
    /// [`FlowOptions::edit_elements`]) → render → the final video, through
    /// the same journey as [`Client::text_to_video_with`]: the same waits,
    /// progress, webhooks and render options. The storyboard is checked
    /// first ([`crate::storyboard::check_v2`]: what Pictory refuses is
    /// refused, nothing sent; its footguns are logged as warnings); to
    /// check its ids against the look-ups too, call
    /// [`Client::check_storyboard_v2_ids`]. Served by Pictory only: a
    /// client without `PICTORY_API_KEY` gets [`Error::NeedsPictoryKey`]
    /// before anything is created.
    pub async fn text_to_video_v2(
        &self,
        request: &StoryboardV2,
        opts: &FlowOptions,
    ) -> Result<VideoResult> {
        checked_v2("create_storyboard_v2", request)?;
        needs_key(self, "create_storyboard_v2")?;
        let journey = Journey::new(self, opts, &NoSteps).await?;
        journey
            .video(&Source::StoryboardV2(request), At::Start)
            .await
    }

    /// A v2 storyboard rendered directly, without a preview
    /// (`POST /v2/video/storyboard/render`), and waited for.
    pub async fn render_storyboard_v2(
        &self,
        request: &StoryboardV2,
        opts: &FlowOptions,
    ) -> Result<(JobId, RenderOutput)> {
        checked_v2("render_storyboard_video_v2", request)?;
        needs_key(self, "render_storyboard_video_v2")?;
        let journey = Journey::new(self, opts, &NoSteps).await?;
        let client = self;
        journey
            .one_job(
                Stage::Render,
                "render_storyboard_video_v2",
                request.webhook.as_deref(),
                |webhook| async move {
                    let mut request = request.clone();
                    if webhook.is_some() {
                        request.webhook = webhook;
                    }
                    job_id_of(
                        client
                            .api()
                            .render_storyboard_video_v2()
                            .body(request)
                            .send()
                            .await,
                    )
                },
                "a video",
                pick_render,
            )
            .await
    }

    /// A saved project (made in Pictory's app, or by a v2 storyboard with
    /// `saveProject`) rendered (`POST /v2/projects/{id}/render`) and
    /// waited for. Pictory takes no webhook for it, so it is waited for by
    /// polling: options that wait on webhooks are refused before sending.
    pub async fn render_saved_project(
        &self,
        project_id: &str,
        opts: &FlowOptions,
    ) -> Result<(JobId, RenderOutput)> {
        needs_key(self, "render_project")?;
        if opts.webhook_base_url().is_some() || opts.render_webhook.is_some() {
            return Err(Error::InvalidRequest {
                operation: "render_project",
                message: "Pictory's project render takes no webhook: wait by polling".into(),
            });
        }
        let journey = Journey::new(self, opts, &NoSteps).await?;
        let client = self;
        journey
            .one_job(
                Stage::Render,
                "render_project",
                None,
                |_| async move {
                    job_id_of(
                        client
                            .api()
                            .render_project()
                            .projectid(project_id)
                            .send()
                            .await,
                    )
                },
                "a video",
                pick_render,
            )
            .await
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
        job_id_of(self.api().create_transcription().body(body).send().await)
    }

    /// Transcribes the video at `file_url` and waits for the transcript.
    pub async fn transcribe(
        &self,
        file_url: &str,
        language: &str,
        opts: &FlowOptions,
    ) -> Result<(JobId, TranscriptionOutput)> {
        let journey = Journey::new(self, opts, &NoSteps).await?;
        journey
            .one_job(
                Stage::Transcription,
                "create_transcription",
                None,
                |webhook| async move {
                    self.start_transcription(file_url, language, webhook.as_deref())
                        .await
                },
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
        job_id_of(self.api().create_video_summary().body(body).send().await)
    }

    /// Summarises a transcript and waits: the result is the transcript with
    /// highlighted words, grouped into [`SummaryOutput::ranges`].
    pub async fn summarize(
        &self,
        transcript: &Value,
        duration_secs: f64,
        opts: &FlowOptions,
    ) -> Result<(JobId, SummaryOutput)> {
        let journey = Journey::new(self, opts, &NoSteps).await?;
        journey
            .one_job(
                Stage::Summary,
                "create_video_summary",
                None,
                |webhook| async move {
                    self.start_summary(transcript, duration_secs, webhook.as_deref())
                        .await
                },
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
                .send()
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
        let journey = Journey::new(self, opts, &NoSteps).await?;
        let source = Source::Template {
            template_id,
            variables: &variables,
        };
        journey.video(&source, At::Start).await
    }
}
