//! [`BulkRun`]: many text → video journeys, each item driven through the
//! [`Journal`] from wherever it stopped, on the public flow pieces
//! ([`Client::start_storyboard`], [`Client::start_render_from_preview`],
//! [`Client::wait_for`]).

use super::{Journal, JournalStage, Record};
use crate::error::{Error, TransportKind};
use crate::jobs::{JobId, JobOutput};
use crate::storyboard::StoryboardRequest;
use crate::{Client, FlowOptions, Stage};

/// One item of a batch: its key (unique in the journal, e.g. the video's
/// name) and what to create.
#[derive(Debug, Clone)]
pub struct BulkItem {
    /// The journal key.
    pub key: String,
    /// The storyboard to preview and render.
    pub request: StoryboardRequest,
}

impl BulkItem {
    /// An item with `key` and `request`.
    pub fn new(key: impl Into<String>, request: StoryboardRequest) -> BulkItem {
        BulkItem {
            key: key.into(),
            request,
        }
    }
}

/// Where one item stands after a run.
#[derive(Debug)]
pub enum ItemOutcome {
    /// The video is ready (now or in an earlier run).
    Finished {
        /// The storyboard (preview) job.
        preview_job: Option<JobId>,
        /// The render job.
        render_job: Option<JobId>,
        /// The video file.
        video_url: String,
    },
    /// A job failed, or its output was cleaned (now or in an earlier run);
    /// the item is not tried again under this key.
    Failed {
        /// What went wrong.
        error: String,
    },
    /// A create request of `stage` was sent (or about to be) and its
    /// outcome is unknown: Pictory may have created — and billed — the
    /// job. It is not sent again unless
    /// [`BulkRun::recreate_possibly_processed`] is set (which may bill
    /// twice). Check Pictory's dashboard first.
    PossiblyProcessed {
        /// The step whose create is in doubt ([`Stage::Preview`] or [`Stage::Render`]).
        stage: Stage,
        /// What is known (the error met, when it happened in this run).
        detail: Option<String>,
    },
    /// Stopped before the end by an error that leaves the item resumable
    /// (a refused create, a wait that gave up, a journal error): running
    /// the batch again continues from where it stopped.
    Interrupted {
        /// The error.
        error: Error,
    },
}

impl ItemOutcome {
    /// Whether the video is ready.
    pub fn is_finished(&self) -> bool {
        matches!(self, ItemOutcome::Finished { .. })
    }
}

impl std::fmt::Display for ItemOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemOutcome::Finished { video_url, .. } => write!(f, "finished {video_url}"),
            ItemOutcome::Failed { error } => write!(f, "failed: {error}"),
            ItemOutcome::PossiblyProcessed { stage, detail } => {
                let step = match stage {
                    Stage::Render => "render",
                    _ => "storyboard",
                };
                write!(
                    f,
                    "possibly processed: the {step} request may have created (and billed) a job whose id is unknown; not sent again"
                )?;
                match detail {
                    Some(d) => write!(f, " ({d})"),
                    None => Ok(()),
                }
            }
            ItemOutcome::Interrupted { error } => write!(f, "interrupted (run again): {error}"),
        }
    }
}

/// The outcome of every item, in the order given.
#[derive(Debug)]
pub struct BulkReport {
    outcomes: Vec<(String, ItemOutcome)>,
}

impl BulkReport {
    /// Each item's key and outcome, in the order given.
    pub fn outcomes(&self) -> &[(String, ItemOutcome)] {
        &self.outcomes
    }

    /// Whether every item is finished.
    pub fn all_finished(&self) -> bool {
        self.outcomes.iter().all(|(_, o)| o.is_finished())
    }

    /// The keys of the items reported possibly processed.
    pub fn possibly_processed(&self) -> Vec<&str> {
        self.outcomes
            .iter()
            .filter(|(_, o)| matches!(o, ItemOutcome::PossiblyProcessed { .. }))
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

/// Drives a batch through a [`Journal`]: at most
/// [`concurrency`](Self::concurrency) items at a time, each from the stage
/// the journal holds for its key (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct BulkRun {
    client: Client,
    journal: Journal,
    concurrency: usize,
    options: FlowOptions,
    recreate: bool,
}

impl BulkRun {
    /// A run of `client`'s flows through `journal`: 8 items at a time,
    /// default [`FlowOptions`], possibly-processed items not re-created.
    pub fn new(client: Client, journal: Journal) -> BulkRun {
        BulkRun {
            client,
            journal,
            concurrency: 8,
            options: FlowOptions::default(),
            recreate: false,
        }
    }

    /// At most `n` items in progress at a time (at least 1).
    pub fn concurrency(mut self, n: usize) -> BulkRun {
        self.concurrency = n.max(1);
        self
    }

    /// How jobs are waited for (polling, deadlines, progress callback).
    /// The render is always of the preview as is.
    pub fn options(mut self, options: FlowOptions) -> BulkRun {
        self.options = options;
        self
    }

    /// Sends again the create requests whose outcome is unknown (items
    /// reported [`ItemOutcome::PossiblyProcessed`]). Pictory may then
    /// create — and bill — a second job for such an item. Off by default.
    pub fn recreate_possibly_processed(mut self, yes: bool) -> BulkRun {
        self.recreate = yes;
        self
    }

    /// Runs every item to its end or to the first thing that stops it;
    /// one item's trouble does not stop the others.
    /// A key given twice is run once; its repeats are reported
    /// [`ItemOutcome::Interrupted`] (two drivers of one key could create
    /// its jobs twice).
    pub async fn run(&self, items: impl IntoIterator<Item = BulkItem>) -> BulkReport {
        let mut seen = std::collections::HashSet::new();
        let items: Vec<(bool, BulkItem)> = items
            .into_iter()
            .map(|item| (seen.insert(item.key.clone()), item))
            .collect();
        let outcomes = crate::bulk::run_bounded(items, self.concurrency, |(first, item)| async move {
            let outcome = if !first {
                Err(Error::Journal {
                    message: format!(
                        "key {:?} appears more than once in the batch; only its first item was run",
                        item.key
                    ),
                })
            } else {
                self.drive(&item).await
            };
            let outcome = outcome.unwrap_or_else(|error| ItemOutcome::Interrupted { error });
            (item.key, outcome)
        })
        .await;
        BulkReport { outcomes }
    }

    /// Moves one item on until it is finished, failed or stopped. `Err`
    /// only for errors that leave the journal as it was (resumable).
    async fn drive(&self, item: &BulkItem) -> crate::Result<ItemOutcome> {
        let key = item.key.as_str();
        let mut record = self.journal.get(key).await?;
        loop {
            let stage = record.as_ref().map_or(JournalStage::New, |r| r.stage);
            record = Some(match stage {
                JournalStage::New => match self.create(key, Stage::Preview, item, None).await? {
                    Ok(r) => r,
                    Err(outcome) => return Ok(outcome),
                },
                JournalStage::PreviewRequested | JournalStage::RenderRequested
                    if !self.recreate =>
                {
                    return Ok(ItemOutcome::PossiblyProcessed {
                        stage: step_of(stage),
                        detail: record.and_then(|r| r.error),
                    });
                }
                JournalStage::PreviewRequested => {
                    match self.create(key, Stage::Preview, item, None).await? {
                        Ok(r) => r,
                        Err(outcome) => return Ok(outcome),
                    }
                }
                JournalStage::PreviewStarted => {
                    let id = job(&record, Stage::Preview)?;
                    match self
                        .client
                        .wait_for(&id, Stage::Preview, &self.options)
                        .await
                    {
                        Ok(JobOutput::Preview(p)) => {
                            self.journal.previewed(key, p.preview_url).await?
                        }
                        Ok(other) => {
                            return self.fail(key, wrong_output(&id, "a preview", &other)).await;
                        }
                        Err(e) if is_terminal(&e) => return self.fail(key, e).await,
                        Err(e) => return Err(e),
                    }
                }
                JournalStage::Previewed | JournalStage::RenderRequested => {
                    let preview = job(&record, Stage::Preview)?;
                    match self
                        .create(key, Stage::Render, item, Some(&preview))
                        .await?
                    {
                        Ok(r) => r,
                        Err(outcome) => return Ok(outcome),
                    }
                }
                JournalStage::RenderStarted => {
                    let id = job(&record, Stage::Render)?;
                    match self
                        .client
                        .wait_for(&id, Stage::Render, &self.options)
                        .await
                    {
                        Ok(JobOutput::Render(v)) => self.journal.finished(key, v.video_url).await?,
                        Ok(other) => {
                            return self.fail(key, wrong_output(&id, "a video", &other)).await;
                        }
                        Err(e) if is_terminal(&e) => return self.fail(key, e).await,
                        Err(e) => return Err(e),
                    }
                }
                JournalStage::Finished => {
                    let r = record.unwrap_or_else(|| unreachable!("a stage comes from a record"));
                    return Ok(ItemOutcome::Finished {
                        preview_job: r.preview_job,
                        render_job: r.render_job,
                        video_url: r.video_url.unwrap_or_default(),
                    });
                }
                JournalStage::Failed => {
                    let error = record
                        .and_then(|r| r.error)
                        .unwrap_or_else(|| "failed".into());
                    return Ok(ItemOutcome::Failed { error });
                }
            });
        }
    }

    /// One create, journalled: the intent committed first, the job id
    /// committed as soon as it arrives. `Ok(Err(outcome))` when the item
    /// stops here.
    async fn create(
        &self,
        key: &str,
        stage: Stage,
        item: &BulkItem,
        preview: Option<&JobId>,
    ) -> crate::Result<std::result::Result<Record, ItemOutcome>> {
        let (intent, before) = match stage {
            Stage::Render => (JournalStage::RenderRequested, JournalStage::Previewed),
            _ => (JournalStage::PreviewRequested, JournalStage::New),
        };
        self.journal.intend(key, intent).await?;
        let answer = match preview {
            Some(preview) => self.client.start_render_from_preview(preview, None).await,
            None => self.client.start_storyboard(&item.request).await,
        };
        match answer {
            Ok(id) => match self.journal.started(key, stage, &id).await {
                Ok(record) => Ok(Ok(record)),
                // The intent stays: the next run reports the item.
                Err(e) => Ok(Err(ItemOutcome::PossiblyProcessed {
                    stage,
                    detail: Some(format!(
                        "job {id} was created but could not be journalled: {e}"
                    )),
                })),
            },
            Err(e) if nothing_created(&e) => {
                self.journal.refused(key, before, &e).await?;
                Ok(Err(ItemOutcome::Interrupted { error: e }))
            }
            Err(e) => {
                let detail = e.to_string();
                // Best effort: the intent alone already says enough.
                let _ = self.journal.note(key, &e).await;
                Ok(Err(ItemOutcome::PossiblyProcessed {
                    stage,
                    detail: Some(detail),
                }))
            }
        }
    }

    async fn fail(&self, key: &str, error: Error) -> crate::Result<ItemOutcome> {
        self.journal.failed(key, &error).await?;
        Ok(ItemOutcome::Failed {
            error: error.to_string(),
        })
    }
}

/// The step whose create an intent stage is about.
fn step_of(stage: JournalStage) -> Stage {
    match stage {
        JournalStage::RenderRequested => Stage::Render,
        _ => Stage::Preview,
    }
}

/// The recorded job of `stage`; a record without it is a damaged journal.
fn job(record: &Option<Record>, stage: Stage) -> crate::Result<JobId> {
    let found = record.as_ref().and_then(|r| match stage {
        Stage::Render => r.render_job.clone(),
        _ => r.preview_job.clone(),
    });
    found.ok_or_else(|| Error::Journal {
        message: format!(
            "item {:?} is at {:?} without its job id",
            record.as_ref().map(|r| r.key.as_str()).unwrap_or(""),
            record.as_ref().map(|r| r.stage)
        ),
    })
}

fn wrong_output(id: &JobId, want: &str, got: &JobOutput) -> Error {
    Error::UndecodableBody {
        operation: "get_job",
        status: None,
        reason: format!("job {id} completed without {want}"),
        snippet: crate::envelope::truncate(&format!("{got:?}"), 200),
    }
}

/// Whether a wait's error ends the item for good (the job failed, was
/// cleaned or is unknown); other errors leave it resumable.
fn is_terminal(e: &Error) -> bool {
    matches!(
        e,
        Error::JobFailed { .. } | Error::JobCleaned { .. } | Error::JobNotFound { .. }
    )
}

/// Whether a failed create certainly created nothing: refused before it
/// was processed (any 4xx, 429 included; a redirect; a request that was
/// never sent or could not connect). Anything else — 5xx, timeouts,
/// resets, an answer without a readable job id — may have created a job.
pub(crate) fn nothing_created(e: &Error) -> bool {
    match e {
        Error::InvalidRequest { .. } | Error::Config { .. } | Error::Redirect { .. } => true,
        Error::Transport {
            kind: TransportKind::Connect,
            ..
        } => true,
        Error::Unauthorized { .. }
        | Error::Forbidden { .. }
        | Error::NotFound { .. }
        | Error::RouteNotFound { .. }
        | Error::BadRequest { .. }
        | Error::RateLimited { .. }
        | Error::UnexpectedStatus { .. } => e.status().is_some_and(|s| (400..500).contains(&s)),
        _ => false,
    }
}
