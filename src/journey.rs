//! The one journey engine: every flow (text → preview → render → video,
//! template → video, transcription, summary) and every bulk item runs its
//! steps here, so they share every option ([`FlowOptions`]: the wait plan,
//! webhooks, progress, edited render params, the render webhook).
//!
//! A journey tells a [`Steps`] what happens as it happens: the intent to
//! create a job (before the request is sent), the job created, a create
//! that failed, a job that finished or failed. Flows use [`NoSteps`]; the
//! journal (feature `journal`) records each step durably, so a bulk item
//! resumes from where it stopped ([`At`]).
//!
//! Waits: the [`WaitPlan`] is decided before the first create (so a client
//! that could never learn how a job ended creates nothing). A job created
//! here with a webhook callback waits on it; any other job (one created in
//! an earlier run) is polled, which needs job reads.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::flows::{FlowOptions, Stage, VideoResult};
use crate::jobs::{Job, JobHandle, JobId, JobOutput, PreviewOutput, RenderOutput, find_job_id};
use crate::raw::types::StoryboardV2;
use crate::response::Response;
use crate::storyboard::StoryboardRequest;
use crate::waiting::{JobReads, WaitPlan};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use serde_json::Value;

/// What a journey reports as it goes. Every method may fail; an error
/// stops the journey (an `intent` error before anything is sent).
pub(crate) trait Steps: Sync {
    /// Before the request that creates `stage`'s job is sent.
    fn intent(&self, stage: Stage) -> BoxFuture<'_, Result<()>>;
    /// The request that creates `stage`'s job answered with `id`.
    fn started<'a>(&'a self, stage: Stage, id: &'a JobId) -> BoxFuture<'a, Result<()>>;
    /// The request that creates `stage`'s job failed with `error` (nothing
    /// was created, or it may have been).
    fn create_failed<'a>(&'a self, stage: Stage, error: &'a Error) -> BoxFuture<'a, Result<()>>;
    /// `stage`'s job completed with `output`.
    fn finished<'a>(&'a self, stage: Stage, output: &'a JobOutput) -> BoxFuture<'a, Result<()>>;
    /// `stage`'s job ended in failure (failed, cleaned, unknown id).
    fn job_failed<'a>(&'a self, stage: Stage, error: &'a Error) -> BoxFuture<'a, Result<()>>;
}

/// A journey nobody records (the one-call flows).
pub(crate) struct NoSteps;

fn done<'a>() -> BoxFuture<'a, Result<()>> {
    Box::pin(std::future::ready(Ok(())))
}

impl Steps for NoSteps {
    fn intent(&self, _: Stage) -> BoxFuture<'_, Result<()>> {
        done()
    }
    fn started<'a>(&'a self, _: Stage, _: &'a JobId) -> BoxFuture<'a, Result<()>> {
        done()
    }
    fn create_failed<'a>(&'a self, _: Stage, _: &'a Error) -> BoxFuture<'a, Result<()>> {
        done()
    }
    fn finished<'a>(&'a self, _: Stage, _: &'a JobOutput) -> BoxFuture<'a, Result<()>> {
        done()
    }
    fn job_failed<'a>(&'a self, _: Stage, _: &'a Error) -> BoxFuture<'a, Result<()>> {
        done()
    }
}

/// What a video journey starts from.
pub(crate) enum Source<'a> {
    /// A storyboard request (`create_storyboard`).
    Storyboard(&'a StoryboardRequest),
    /// A v2 (element-based) storyboard (`create_storyboard_v2`), served by
    /// Pictory only; rendered with the v2 routes.
    StoryboardV2(&'a StoryboardV2),
    /// A template and its variables (`create_video_from_template`).
    Template {
        template_id: &'a str,
        variables: &'a serde_json::Map<String, Value>,
    },
}

/// Where a video journey stands (a bulk item resumed from its journal).
#[cfg_attr(not(feature = "journal"), allow(dead_code))] // resumed: the journal's
pub(crate) enum At {
    /// Nothing created yet.
    Start,
    /// The preview job exists; wait for it.
    Preview(JobId),
    /// The preview is done (its output, when known); create the render.
    Previewed(JobId, Option<PreviewOutput>),
    /// The render job exists (the preview's output, when known); wait for it.
    Render {
        preview_job: JobId,
        preview: Option<PreviewOutput>,
        render_job: JobId,
    },
}

/// The webhook a job was created with and is waited on (none when polled).
#[cfg(feature = "webhooks")]
pub(crate) type Expect = Option<crate::webhooks::Callback>;
#[cfg(not(feature = "webhooks"))]
pub(crate) type Expect = Option<std::convert::Infallible>;

/// The callback URL of an expectation, if any.
fn expect_url(expect: &Expect) -> Option<&str> {
    #[cfg(feature = "webhooks")]
    return expect.as_ref().map(|cb| cb.url());
    #[cfg(not(feature = "webhooks"))]
    return expect.as_ref().map(|never| match *never {});
}

/// A job has one webhook: `what` is set and the flow waits through a hub.
pub(crate) fn two_webhooks(operation: &'static str, what: &str) -> Error {
    Error::InvalidRequest {
        operation,
        message: format!(
            "{what} is set and the flow waits on webhooks through a hub; a job has one webhook: remove one of them"
        ),
    }
}

/// A running journey: the client, its options, the wait plan, the steps.
pub(crate) struct Journey<'a> {
    client: &'a Client,
    opts: &'a FlowOptions,
    plan: WaitPlan,
    steps: &'a dyn Steps,
}

impl<'a> Journey<'a> {
    /// A journey whose wait plan is decided now, before anything is
    /// created ([`Error::NoJobReads`] when jobs could never be waited for).
    pub(crate) async fn new(
        client: &'a Client,
        opts: &'a FlowOptions,
        steps: &'a dyn Steps,
    ) -> Result<Journey<'a>> {
        let plan = client.wait_plan(opts).await?;
        Ok(Journey::with_plan(client, opts, plan, steps))
    }

    /// A journey with a plan decided earlier (a bulk run decides once).
    pub(crate) fn with_plan(
        client: &'a Client,
        opts: &'a FlowOptions,
        plan: WaitPlan,
        steps: &'a dyn Steps,
    ) -> Journey<'a> {
        Journey {
            client,
            opts,
            plan,
            steps,
        }
    }

    /// A callback for the next job, when the journey waits on webhooks.
    fn expect(&self) -> Result<Expect> {
        #[cfg(feature = "webhooks")]
        if let Some(hub) = &self.opts.webhooks {
            return hub.callback().map(Some);
        }
        Ok(None)
    }

    /// Creates `stage`'s job: the intent reported first, then `create`
    /// sent with the webhook the job gets (`given` by the caller, or the
    /// journey's own callback; both is an error, before anything is sent),
    /// then the id reported to the steps and the `on_job_created` callback.
    async fn create<F, Fut>(
        &self,
        stage: Stage,
        operation: &'static str,
        given: Option<&str>,
        create: F,
    ) -> Result<(JobId, Expect)>
    where
        F: FnOnce(Option<String>) -> Fut,
        Fut: std::future::Future<Output = Result<JobId>>,
    {
        let expect = self.expect()?;
        let webhook = match (given, expect_url(&expect)) {
            (Some(_), Some(_)) => return Err(two_webhooks(operation, "a webhook")),
            (given, ours) => given.or(ours).map(str::to_string),
        };
        self.steps.intent(stage).await?;
        match create(webhook).await {
            Ok(id) => {
                if let Some(cb) = &self.opts.on_job_created {
                    cb(stage, &id);
                }
                self.steps.started(stage, &id).await?;
                Ok((id, expect))
            }
            Err(e) => {
                self.steps.create_failed(stage, &e).await?;
                Err(e)
            }
        }
    }

    /// A handle on `id` with the options' polling policies.
    fn handle(&self, id: &JobId) -> JobHandle {
        let mut h = self.client.job(id.clone());
        if let Some(b) = &self.opts.backoff {
            h = h.with_shared_backoff(b.clone());
        }
        if let Some(e) = &self.opts.errors {
            h = h.with_error_policy(e.clone());
        }
        h
    }

    /// Waits for `id` (on its webhook when it has one, else by polling),
    /// reporting changes to the progress callback and the end to the steps.
    async fn wait(&self, stage: Stage, id: &JobId, expect: Expect) -> Result<JobOutput> {
        let outcome = self.wait_unreported(stage, id, expect).await;
        match &outcome {
            Ok(output) => self.steps.finished(stage, output).await?,
            Err(e) if is_job_end(e) => self.steps.job_failed(stage, e).await?,
            Err(_) => {}
        }
        outcome
    }

    async fn wait_unreported(&self, stage: Stage, id: &JobId, expect: Expect) -> Result<JobOutput> {
        let handle = self.handle(id);
        let on_progress = self.opts.on_progress.clone();
        #[cfg_attr(not(feature = "webhooks"), allow(unused_mut))]
        let mut report = move |job: &Job| {
            if let Some(cb) = &on_progress {
                cb(stage, job);
            }
        };
        match expect {
            #[cfg(feature = "webhooks")]
            Some(callback) => crate::webhooks::wait::wait(&handle, callback, &mut report).await,
            _ => {
                if self.plan.reads() == JobReads::Unavailable {
                    // A job created elsewhere (an earlier run) has no
                    // callback of this process: only a read could finish it.
                    return Err(Error::NoJobReads { operation: "wait" });
                }
                if self.opts.on_progress.is_none() {
                    return handle.wait().await;
                }
                let mut changes = Box::pin(handle.progress());
                while let Some(item) = changes.next().await {
                    let job = item?;
                    report(&job);
                    if let Some(outcome) = job.into_outcome() {
                        return outcome;
                    }
                }
                unreachable!("a progress stream ends with a terminal state or an error")
            }
        }
    }

    /// Waits for `id` and takes the output `pick` accepts; another kind of
    /// output is [`Error::MissingOutput`] naming what was wanted.
    async fn wait_kind<T>(
        &self,
        stage: Stage,
        (id, expect): (JobId, Expect),
        want: &str,
        pick: impl FnOnce(JobOutput) -> std::result::Result<T, Box<JobOutput>>,
    ) -> Result<(JobId, T)> {
        let output = self.wait(stage, &id, expect).await?;
        match pick(output) {
            Ok(t) => Ok((id, t)),
            Err(other) => {
                let e = wrong_output(&id, want, &other);
                self.steps.job_failed(stage, &e).await?;
                Err(e)
            }
        }
    }

    /// One job: created by `create`, waited for, its output picked.
    pub(crate) async fn one_job<T, F, Fut>(
        &self,
        stage: Stage,
        operation: &'static str,
        given_webhook: Option<&str>,
        create: F,
        want: &str,
        pick: impl FnOnce(JobOutput) -> std::result::Result<T, Box<JobOutput>>,
    ) -> Result<(JobId, T)>
    where
        F: FnOnce(Option<String>) -> Fut,
        Fut: std::future::Future<Output = Result<JobId>>,
    {
        let started = self.create(stage, operation, given_webhook, create).await?;
        self.wait_kind(stage, started, want, pick).await
    }

    /// Creates the preview of `source` and waits for it.
    pub(crate) async fn preview(&self, source: &Source<'_>) -> Result<(JobId, PreviewOutput)> {
        let client = self.client;
        let started = match source {
            Source::Storyboard(request) => {
                self.create(
                    Stage::Preview,
                    "create_storyboard",
                    request.webhook.as_deref(),
                    |webhook| async move {
                        match webhook {
                            Some(url) if request.webhook.is_none() => {
                                client
                                    .start_storyboard(&(*request).clone().webhook(url))
                                    .await
                            }
                            _ => client.start_storyboard(request).await,
                        }
                    },
                )
                .await?
            }
            Source::StoryboardV2(request) => {
                self.create(
                    Stage::Preview,
                    "create_storyboard_v2",
                    request.webhook.as_deref(),
                    |webhook| async move {
                        match webhook {
                            Some(url) if request.webhook.is_none() => {
                                let mut request = (*request).clone();
                                request.webhook = Some(url);
                                client.start_storyboard_v2(&request).await
                            }
                            _ => client.start_storyboard_v2(request).await,
                        }
                    },
                )
                .await?
            }
            Source::Template {
                template_id,
                variables,
            } => {
                self.create(
                    Stage::Preview,
                    "create_video_from_template",
                    None,
                    |webhook| async move {
                        client
                            .start_video_from_template(
                                template_id,
                                (*variables).clone(),
                                webhook.as_deref(),
                            )
                            .await
                    },
                )
                .await?
            }
        };
        self.wait_kind(Stage::Preview, started, "a preview", pick_preview)
            .await
    }

    /// Renders a finished preview (as is, or with the options' edits to its
    /// `renderParams`) and waits for the video; `v2`: a v2 preview, through
    /// the v2 routes (`render_preview_v2`, `render_video_v2`).
    pub(crate) async fn render(
        &self,
        preview_job: &JobId,
        preview: Option<&PreviewOutput>,
        v2: bool,
    ) -> Result<(JobId, RenderOutput)> {
        let client = self.client;
        let given = self.opts.render_webhook.as_deref();
        let started = match &self.opts.edit_render_params {
            None => {
                let operation = if v2 {
                    "render_preview_v2"
                } else {
                    "render_storyboard"
                };
                self.create(Stage::Render, operation, given, |webhook| async move {
                    if v2 {
                        client
                            .start_render_from_preview_v2(preview_job, webhook.as_deref())
                            .await
                    } else {
                        client
                            .start_render_from_preview(preview_job, webhook.as_deref())
                            .await
                    }
                })
                .await?
            }
            Some(edit) => {
                let operation = if v2 {
                    "render_video_v2"
                } else {
                    "render_video"
                };
                let read;
                let preview = match preview {
                    Some(p) => p,
                    None => {
                        // Resumed after the preview: read it again.
                        read = self.read_preview(preview_job, operation).await?;
                        &read
                    }
                };
                let mut params =
                    preview
                        .render_params
                        .clone()
                        .ok_or_else(|| Error::InvalidRequest {
                            operation,
                            message: format!(
                                "preview job {preview_job} has no renderParams object to edit"
                            ),
                        })?;
                edit(&mut params);
                let params = &params;
                self.create(Stage::Render, operation, given, |webhook| async move {
                    if v2 {
                        client.start_render_v2(params, webhook.as_deref()).await
                    } else {
                        client.start_render(params, webhook.as_deref()).await
                    }
                })
                .await?
            }
        };
        self.wait_kind(Stage::Render, started, "a video", pick_render)
            .await
    }

    /// Sends the options' element edits of a finished v2 preview
    /// (`update_storyboard_elements`), if any, before it is rendered.
    async fn edit_elements(
        &self,
        preview_job: &JobId,
        preview: Option<&PreviewOutput>,
    ) -> Result<()> {
        let Some(edit) = &self.opts.edit_elements else {
            return Ok(());
        };
        let read;
        let preview = match preview {
            Some(p) => p,
            None => {
                read = self
                    .read_preview(preview_job, "update_storyboard_elements")
                    .await?;
                &read
            }
        };
        let elements = edit(preview);
        if elements.is_empty() {
            return Ok(());
        }
        self.client
            .api()
            .update_storyboard_elements()
            .jobid(preview_job.checked()?.as_str())
            .body(elements)
            .send()
            .await?;
        Ok(())
    }

    /// A finished preview read once (a resumed render with edits needs its
    /// `renderParams`).
    async fn read_preview(&self, id: &JobId, operation: &'static str) -> Result<PreviewOutput> {
        if self.plan.reads() == JobReads::Unavailable {
            return Err(Error::NoJobReads { operation });
        }
        match self.handle(id).poll().await?.into_outcome() {
            Some(Ok(JobOutput::Preview(p))) => Ok(p),
            Some(Ok(other)) => Err(wrong_output(id, "a preview", &other)),
            Some(Err(e)) => Err(e),
            None => Err(Error::InvalidRequest {
                operation,
                message: format!("preview job {id} has not finished"),
            }),
        }
    }

    /// Source → preview → render → video, from wherever `at` says.
    pub(crate) async fn video(&self, source: &Source<'_>, at: At) -> Result<VideoResult> {
        if self.opts.render_webhook.is_some() && self.plan.webhook_url().is_some() {
            return Err(two_webhooks("render_storyboard", "render_webhook"));
        }
        let v2 = matches!(source, Source::StoryboardV2(_));
        if self.opts.edit_elements.is_some() && !v2 {
            return Err(Error::InvalidRequest {
                operation: "update_storyboard_elements",
                message: "element edits apply to v2 storyboards only (text_to_video_v2); edit a classic preview with edit_render_params".into(),
            });
        }
        let (preview_job, preview) = match at {
            At::Start => {
                let (id, p) = self.preview(source).await?;
                (id, Some(p))
            }
            At::Preview(id) => {
                let (id, p) = self
                    .wait_kind(Stage::Preview, (id, None), "a preview", pick_preview)
                    .await?;
                (id, Some(p))
            }
            At::Previewed(id, p) => (id, p),
            At::Render {
                preview_job,
                preview,
                render_job,
            } => {
                let (render_job, video) = self
                    .wait_kind(Stage::Render, (render_job, None), "a video", pick_render)
                    .await?;
                return Ok(result(preview_job, preview, render_job, video));
            }
        };
        if v2 {
            self.edit_elements(&preview_job, preview.as_ref()).await?;
        }
        let (render_job, video) = self.render(&preview_job, preview.as_ref(), v2).await?;
        Ok(result(preview_job, preview, render_job, video))
    }
}

fn result(
    preview_job: JobId,
    preview: Option<PreviewOutput>,
    render_job: JobId,
    video: RenderOutput,
) -> VideoResult {
    VideoResult {
        preview_job,
        preview: preview.unwrap_or(PreviewOutput {
            preview_url: None,
            render_params: None,
            raw: Value::Null,
        }),
        render_job,
        video,
    }
}

pub(crate) fn pick_render(out: JobOutput) -> std::result::Result<RenderOutput, Box<JobOutput>> {
    match out {
        JobOutput::Render(r) => Ok(r),
        other => Err(Box::new(other)),
    }
}

fn pick_preview(out: JobOutput) -> std::result::Result<PreviewOutput, Box<JobOutput>> {
    match out {
        JobOutput::Preview(p) => Ok(p),
        other => Err(Box::new(other)),
    }
}

/// Whether a wait's error is the job's own end (it failed, was cleaned,
/// or is unknown), as opposed to trouble reaching it.
pub(crate) fn is_job_end(e: &Error) -> bool {
    matches!(
        e,
        Error::JobFailed { .. } | Error::JobCleaned { .. } | Error::JobNotFound { .. }
    )
}

/// A job that completed with another kind of output than wanted: the
/// body was valid, the wanted output is not in it.
pub(crate) fn wrong_output(job: &JobId, want: &str, got: &JobOutput) -> Error {
    Error::MissingOutput {
        operation: "get_job",
        job_id: job.to_string(),
        missing: want.to_string(),
        found: Some(got.kind().to_string()),
    }
}

/// The new job's id from a job-starting call. The id is all a flow needs,
/// so an answer that does not fit its generated type still yields it from
/// the raw body ([`Error::ResponseShape`] keeps it).
pub(crate) fn job_id_of<T>(answer: Result<Response<T>>) -> Result<JobId> {
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
