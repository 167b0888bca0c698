//! [`BulkRun`]: many text → video journeys, each item driven through the
//! [`Journal`] from wherever it stopped, on the one journey engine (the
//! flows' own), with the journal recording each step.

use super::fingerprint::Fingerprint;
use super::{Claim, Conflict, Journal, JournalStage, Record, changed};
use crate::error::Error;
use crate::jobs::{JobId, JobOutput, PreviewOutput};
use crate::journey::{At, Journey, Source, Steps};
use crate::storyboard::StoryboardRequest;
use crate::{Client, FlowOptions, Stage, WaitPlan};
use futures_util::future::BoxFuture;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

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
#[non_exhaustive]
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
    /// The journal started this key with another request (its storyboard
    /// request's fingerprint differs) and nothing was sent for it: the
    /// journal's jobs belong to the old request. Run it with
    /// [`BulkRun::replace_changed`] to start a new video for the key — the
    /// old one may already be billed — or give it another key.
    Changed {
        /// How far the item had come with its old request.
        stage: JournalStage,
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
            ItemOutcome::Changed { stage } => write!(
                f,
                "changed: the journal started this key with another request (at stage {}); not sent: replace it explicitly to start a new video for it (the old one may already be billed)",
                stage.as_str()
            ),
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
    replace: bool,
    quota_check: bool,
}

impl BulkRun {
    /// A run of `client`'s flows through `journal`: 8 items at a time,
    /// default [`FlowOptions`], possibly-processed items not re-created,
    /// changed items not replaced.
    pub fn new(client: Client, journal: Journal) -> BulkRun {
        BulkRun {
            client,
            journal,
            concurrency: 8,
            options: FlowOptions::default(),
            recreate: false,
            replace: false,
            quota_check: true,
        }
    }

    /// At most `n` items in progress at a time (at least 1).
    pub fn concurrency(mut self, n: usize) -> BulkRun {
        self.concurrency = n.max(1);
        self
    }

    /// How every item's journey runs: the same options as a flow's
    /// (polling, deadlines, progress and job-created callbacks, webhooks,
    /// edited render params, a render webhook).
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

    /// Starts again the items whose request changed since the journal
    /// started their key (reported [`ItemOutcome::Changed`] otherwise):
    /// **starts a new video for that key; the old one may already be
    /// billed.** The journal then forgets the key's old jobs. Off by default.
    pub fn replace_changed(mut self, yes: bool) -> BulkRun {
        self.replace = yes;
        self
    }

    /// Whether [`run`](Self::run) reads the quota first (default: yes, when
    /// the client has Pictory's key, which the quota needs): a batch that
    /// clearly exceeds the video minutes left ([`QuotaEstimate`]) is then
    /// refused with [`Error::QuotaExceeded`] before anything is created.
    ///
    /// [`QuotaEstimate`]: crate::QuotaEstimate
    pub fn quota_check(mut self, yes: bool) -> BulkRun {
        self.quota_check = yes;
        self
    }

    /// Runs every item to its end or to the first thing that stops it;
    /// one item's trouble does not stop the others.
    /// A key given twice is run once; its repeats are reported
    /// [`ItemOutcome::Interrupted`] (two drivers of one key could create
    /// its jobs twice).
    ///
    /// Every key is checked against the journal first
    /// ([`Journal::conflicts`]): when the journal started a key with
    /// another request, nothing is sent for any item — the changed ones are
    /// reported [`ItemOutcome::Changed`], the others
    /// [`ItemOutcome::Interrupted`] — unless
    /// [`replace_changed`](Self::replace_changed) is set.
    ///
    /// How jobs are waited for is decided next ([`Client::wait_plan`]):
    /// when jobs could never be waited for (no job reads, no webhooks),
    /// every item is [`ItemOutcome::Interrupted`] with
    /// [`Error::NoJobReads`] and nothing is created. Only one run drives a
    /// journal at a time: while another run (of a clone of this journal)
    /// is under way, every item is [`ItemOutcome::Interrupted`] and nothing
    /// is created. With the quota check on (see
    /// [`quota_check`](Self::quota_check)), a batch that clearly exceeds
    /// the quota, or whose quota cannot be read, is refused the same way,
    /// every item [`ItemOutcome::Interrupted`] and nothing created.
    pub async fn run(&self, items: impl IntoIterator<Item = BulkItem>) -> BulkReport {
        // Claimed before anything else: of two runs started together, the
        // first one polled drives the journal and the other is refused.
        let claim = self.journal.claim();
        let items: Vec<BulkItem> = items.into_iter().collect();
        let refused = match claim {
            None => Some(refuse_all(&items, busy())),
            Some(_) => match self.refusal(&items).await {
                Some(refused) => Some(refused),
                None => self.over_quota(&items).await,
            },
        };
        let outcomes = match refused {
            Some(refused) => refused,
            None => {
                let mut ended: Vec<(usize, String, ItemOutcome)> =
                    futures_util::StreamExt::collect(self.drive_all(claim, items)).await;
                ended.sort_by_key(|(index, _, _)| *index);
                ended.into_iter().map(|(_, key, o)| (key, o)).collect()
            }
        };
        BulkReport { outcomes }
    }

    /// Each item's outcome when the batch clearly exceeds the quota or the
    /// quota cannot be read; `None` when it fits, when the check is off, or
    /// when the client has no Pictory key to read the quota with.
    async fn over_quota(&self, items: &[BulkItem]) -> Option<Vec<(String, ItemOutcome)>> {
        if !self.quota_check || items.is_empty() {
            return None;
        }
        let estimate = crate::QuotaEstimate::for_requests(items.iter().map(|i| &i.request));
        match self.client.check_quota(&estimate).await {
            Ok(_) | Err(Error::NeedsPictoryKey { .. }) => None,
            Err(e) => Some(refuse_all(items, e)),
        }
    }

    /// Each item's outcome when the batch must not start: some keys'
    /// requests changed (and are not to be replaced), or the journal could
    /// not be read. `None` when the batch may run.
    async fn refusal(&self, items: &[BulkItem]) -> Option<Vec<(String, ItemOutcome)>> {
        if self.replace {
            return None;
        }
        let mut seen = std::collections::HashSet::new();
        let firsts = items.iter().filter(|item| seen.insert(item.key.as_str()));
        let conflicts = match self.journal.conflicts(firsts).await {
            Ok(c) if c.is_empty() => return None,
            Ok(c) => c,
            Err(e) => return Some(refuse_all(items, e)),
        };
        let changed: std::collections::HashMap<&str, &Conflict> =
            conflicts.iter().map(|c| (c.key.as_str(), c)).collect();
        let mut reported = std::collections::HashSet::new();
        let all = items.iter().map(|item| {
            let key = item.key.as_str();
            let outcome = match changed.get(key) {
                Some(c) if reported.insert(key) => ItemOutcome::Changed { stage: c.stage },
                _ => ItemOutcome::Interrupted {
                    error: Error::Journal {
                        message: format!(
                            "not run: the journal started {} key(s) of this batch with another request (see their outcomes); nothing was sent",
                            conflicts.len()
                        ),
                    },
                },
            };
            (item.key.clone(), outcome)
        });
        Some(all.collect())
    }

    /// Runs every item like [`run`](Self::run), and yields each item's
    /// outcome as soon as that item ends (with its position in `items`
    /// and its key), for progress displays that show items as they finish.
    ///
    /// `items` is read as the run goes (at most
    /// [`concurrency`](Self::concurrency) items held at a time, and each
    /// key once, to tell repeats apart), so a batch of any size runs in
    /// little memory. Each item is checked against the journal just before
    /// it starts: a changed one is reported [`ItemOutcome::Changed`] and
    /// nothing is sent for it, but the others run; to refuse the whole
    /// batch when any key changed, check first with
    /// [`Journal::conflicts`] (as [`run`](Self::run) does). It does not
    /// read the quota (the items are not known in advance): call
    /// [`Client::check_quota`] first, as `pictory bulk` does.
    pub fn outcomes<'a, I>(
        &'a self,
        items: I,
    ) -> impl futures_core::Stream<Item = (usize, String, ItemOutcome)> + Send + 'a
    where
        I: IntoIterator<Item = BulkItem>,
        I::IntoIter: Send + 'a,
    {
        self.drive_all(self.journal.claim(), items)
    }

    /// The items' outcomes as they end, driven under `claim` (`None`:
    /// another run drives the journal, and every item is refused).
    fn drive_all<'a, I>(
        &'a self,
        claim: Option<Claim>,
        items: I,
    ) -> impl futures_core::Stream<Item = (usize, String, ItemOutcome)> + Send + 'a
    where
        I: IntoIterator<Item = BulkItem>,
        I::IntoIter: Send + 'a,
    {
        use futures_util::StreamExt;
        let planned = async move {
            match claim {
                Some(claim) => Ok((self.client.wait_plan(&self.options).await?, claim)),
                None => Err(busy()),
            }
        };
        let mut items = Some(items.into_iter().enumerate());
        futures_util::stream::once(planned).flat_map(move |plan| {
            // `once` yields one plan: the items are taken the one time.
            let items = items.take().into_iter().flatten();
            match plan {
                Err(e) => {
                    let template = again(&e);
                    let mut first = Some(e);
                    futures_util::stream::iter(items.map(move |(index, item)| {
                        let error = first.take().unwrap_or_else(|| again(&template));
                        (index, item.key, ItemOutcome::Interrupted { error })
                    }))
                    .boxed()
                }
                Ok((plan, claim)) => {
                    let mut seen = std::collections::HashSet::new();
                    futures_util::stream::iter(items)
                        .map(move |(index, item)| {
                            // Held for as long as the items are driven.
                            let _driving = &claim;
                            let first = seen.insert(item.key.clone());
                            let plan = plan.clone();
                            async move {
                                let outcome = if !first {
                                    Err(Error::Journal {
                                        message: format!(
                                            "key {:?} appears more than once in the batch; only its first item was run",
                                            item.key
                                        ),
                                    })
                                } else {
                                    self.drive(&plan, &item).await
                                };
                                let outcome = outcome
                                    .unwrap_or_else(|error| ItemOutcome::Interrupted { error });
                                (index, item.key, outcome)
                            }
                        })
                        .buffer_unordered(self.concurrency)
                        .boxed()
                }
            }
        })
    }

    /// Moves one item on until it is finished, failed or stopped. `Err`
    /// only for errors that leave the journal as it was (resumable).
    async fn drive(&self, plan: &WaitPlan, item: &BulkItem) -> crate::Result<ItemOutcome> {
        let key = item.key.as_str();
        let request = Fingerprint::of(&item.request)?;
        let row = self.journal.row(key).await?;
        let replacing = row.as_ref().is_some_and(|r| changed(r, &request));
        let record = row.map(|r| r.record);
        let stage = record.as_ref().map_or(JournalStage::New, |r| r.stage);
        if replacing && !self.replace {
            return Ok(ItemOutcome::Changed { stage });
        }
        let preview_of = |r: &Record| {
            r.preview_url.clone().map(|url| PreviewOutput {
                preview_url: Some(url),
                render_params: None,
                raw: serde_json::Value::Null,
            })
        };
        let at = match (stage, &record) {
            _ if replacing => At::Start,
            (JournalStage::New, _) => At::Start,
            (JournalStage::PreviewRequested | JournalStage::RenderRequested, _)
                if !self.recreate =>
            {
                return Ok(ItemOutcome::PossiblyProcessed {
                    stage: step_of(stage),
                    detail: record.and_then(|r| r.error),
                });
            }
            (JournalStage::PreviewRequested, _) => At::Start,
            (JournalStage::PreviewStarted, _) => At::Preview(job(&record, Stage::Preview)?),
            (JournalStage::Previewed | JournalStage::RenderRequested, Some(r)) => {
                At::Previewed(job(&record, Stage::Preview)?, preview_of(r))
            }
            (JournalStage::RenderStarted, Some(r)) => At::Render {
                preview_job: job(&record, Stage::Preview)?,
                preview: preview_of(r),
                render_job: job(&record, Stage::Render)?,
            },
            (JournalStage::Finished, Some(r)) => {
                return Ok(ItemOutcome::Finished {
                    preview_job: r.preview_job.clone(),
                    render_job: r.render_job.clone(),
                    video_url: r.video_url.clone().ok_or_else(|| damaged(r))?,
                });
            }
            (JournalStage::Failed, Some(r)) => {
                let error = r.error.clone().ok_or_else(|| damaged(r))?;
                return Ok(ItemOutcome::Failed { error });
            }
            (_, None) => unreachable!("a stage other than New comes from a record"),
        };
        let recorder = Recorder {
            journal: &self.journal,
            key,
            request,
            replacing: AtomicBool::new(replacing),
            ended: Mutex::new(None),
        };
        let journey = Journey::with_plan(&self.client, &self.options, plan.clone(), &recorder);
        let outcome = journey.video(&Source::Storyboard(&item.request), at).await;
        let ended = recorder
            .ended
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        match (outcome, ended) {
            (Ok(video), _) => Ok(ItemOutcome::Finished {
                preview_job: Some(video.preview_job),
                render_job: Some(video.render_job),
                video_url: video.video.video_url,
            }),
            (Err(e), Some(Ended::JobFailed)) => Ok(ItemOutcome::Failed {
                error: e.to_string(),
            }),
            (Err(e), Some(Ended::Refused)) => Ok(ItemOutcome::Interrupted { error: e }),
            (Err(e), Some(Ended::PossiblyProcessed(stage))) => Ok(ItemOutcome::PossiblyProcessed {
                stage,
                detail: Some(e.to_string()),
            }),
            (Err(e), Some(Ended::Unrecorded(stage, id))) => Ok(ItemOutcome::PossiblyProcessed {
                stage,
                detail: Some(format!(
                    "job {id} was created but could not be journalled: {e}"
                )),
            }),
            (Err(e), None) => Err(e),
        }
    }
}

/// How an item's journey ended, when it ended at a create or a job's end
/// (anything else leaves the item resumable as it is).
enum Ended {
    /// A job failed, was cleaned or is unknown: recorded as failed.
    JobFailed,
    /// A create was refused before it was processed: nothing was created.
    Refused,
    /// A create may have been processed: its intent stays.
    PossiblyProcessed(Stage),
    /// A job was created but its id could not be journalled.
    Unrecorded(Stage, JobId),
}

/// The journal's side of a journey: each step recorded for one key.
struct Recorder<'a> {
    journal: &'a Journal,
    key: &'a str,
    /// The fingerprint of the item's request, kept with each intent.
    request: Fingerprint,
    /// Whether the next storyboard intent replaces a changed item.
    replacing: AtomicBool,
    ended: Mutex<Option<Ended>>,
}

impl Recorder<'_> {
    fn end(&self, ended: Ended) {
        *self.ended.lock().unwrap_or_else(|e| e.into_inner()) = Some(ended);
    }
}

impl Steps for Recorder<'_> {
    fn intent(&self, stage: Stage) -> BoxFuture<'_, crate::Result<()>> {
        Box::pin(async move {
            let intent = match stage {
                Stage::Render => JournalStage::RenderRequested,
                _ => JournalStage::PreviewRequested,
            };
            let written = if intent == JournalStage::PreviewRequested
                && self.replacing.swap(false, Ordering::AcqRel)
            {
                self.journal.replace(self.key, self.request).await
            } else {
                self.journal.intend(self.key, intent, self.request).await
            };
            written.map(drop)
        })
    }

    fn started<'a>(&'a self, stage: Stage, id: &'a JobId) -> BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            match self.journal.started(self.key, stage, id).await {
                Ok(_) => Ok(()),
                // The intent stays: the next run reports the item.
                Err(e) => {
                    self.end(Ended::Unrecorded(stage, id.clone()));
                    Err(e)
                }
            }
        })
    }

    fn create_failed<'a>(
        &'a self,
        stage: Stage,
        error: &'a Error,
    ) -> BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            if nothing_created(error) {
                let before = match stage {
                    Stage::Render => JournalStage::Previewed,
                    _ => JournalStage::New,
                };
                self.journal.refused(self.key, before, error).await?;
                self.end(Ended::Refused);
            } else {
                // Best effort: the intent alone already says enough.
                let _ = self.journal.note(self.key, error).await;
                self.end(Ended::PossiblyProcessed(stage));
            }
            Ok(())
        })
    }

    fn finished<'a>(
        &'a self,
        stage: Stage,
        output: &'a JobOutput,
    ) -> BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            // Another kind of output than the step's is not recorded: the
            // journey reports it as the job's failure next.
            match (stage, output) {
                (Stage::Preview, JobOutput::Preview(p)) => {
                    self.journal
                        .previewed(self.key, p.preview_url.clone())
                        .await
                }
                (Stage::Render, JobOutput::Render(v)) => {
                    self.journal.finished(self.key, v.video_url.clone()).await
                }
                _ => return Ok(()),
            }
            .map(drop)
        })
    }

    fn job_failed<'a>(
        &'a self,
        _stage: Stage,
        error: &'a Error,
    ) -> BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            self.journal.failed(self.key, error).await?;
            self.end(Ended::JobFailed);
            Ok(())
        })
    }
}

/// The error the other items of a batch meet when its wait plan failed
/// (the first item gets the original): the same variant where it carries
/// no more than that (a journal error included), else a configuration error with its message.
fn again(e: &Error) -> Error {
    match e {
        Error::NoJobReads { operation } => Error::NoJobReads { operation },
        Error::QuotaExceeded {
            what,
            needed,
            remaining,
            items,
        } => Error::QuotaExceeded {
            what,
            needed: *needed,
            remaining: *remaining,
            items: *items,
        },
        Error::Journal { message } => Error::Journal {
            message: message.clone(),
        },
        other => Error::Config {
            message: other.to_string(),
        },
    }
}

/// Why a run is refused while another drives the journal.
fn busy() -> Error {
    Error::Journal {
        message: "another run is driving this journal in this process (one run per journal at a time); nothing was sent".into(),
    }
}

/// Every item of `items` interrupted by `e` (the first gets `e` itself).
fn refuse_all(items: &[BulkItem], e: Error) -> Vec<(String, ItemOutcome)> {
    let template = again(&e);
    let mut first = Some(e);
    items
        .iter()
        .map(|item| {
            let error = first.take().unwrap_or_else(|| again(&template));
            (item.key.clone(), ItemOutcome::Interrupted { error })
        })
        .collect()
}

/// The step whose create an intent stage is about.
fn step_of(stage: JournalStage) -> Stage {
    match stage {
        JournalStage::RenderRequested => Stage::Render,
        _ => Stage::Preview,
    }
}

/// A record that lacks what its stage promises.
fn damaged(record: &Record) -> Error {
    Error::Journal {
        message: format!(
            "item {:?} is damaged: it is at stage {} without what that stage records",
            record.key,
            record.stage.as_str()
        ),
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

/// Whether a failed create certainly created nothing: refused before it
/// was processed, or never sent (the error's own classification:
/// [`Error::may_have_been_processed`]). Anything else — a 5xx, a timeout,
/// a reset, an answer without a readable job id — may have created a job.
pub(crate) fn nothing_created(e: &Error) -> bool {
    !e.may_have_been_processed()
}
