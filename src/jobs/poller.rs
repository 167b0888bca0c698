//! Waiting for a job: one status read, a wait until the end, or a stream of
//! changes for progress bars. Sleeps go through `tokio::time`, so tests pause
//! time; dropping a wait cancels it between reads.

use super::id::JobId;
use super::model::{Job, JobState, parse_job};
use super::output::JobOutput;
use super::policy::{
    ExponentialBackoff, PollContext, PollingBackoff, PollingErrorPolicy, ProgressSample,
};
use crate::client::Client;
use crate::error::{Error, Result};
use futures_core::Stream;
use std::sync::Arc;
use std::time::Duration;

/// The record of one wait that every backoff policy sees: reads made and
/// progress readings, handed to the policy as a [`PollContext`] (the policy
/// simulation, `pictory_sim::polling`, hands it the same).
#[derive(Debug, Clone, Default)]
pub(crate) struct PollTracker {
    polls: u32,
    progress: Vec<ProgressSample>,
}

impl PollTracker {
    /// Records a read at `at` (time since the wait began).
    pub fn record(&mut self, at: Duration, state: &JobState) {
        self.polls += 1;
        if let JobState::InProgress {
            progress: Some(p), ..
        } = state
        {
            self.progress.push(ProgressSample { at, percent: *p });
        }
    }

    /// Records a read that failed.
    pub fn record_error(&mut self) {
        self.polls += 1;
    }

    /// Reads made so far.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// The delay the policy asks for after a read at `elapsed`.
    pub fn next_delay(&self, backoff: &dyn PollingBackoff, elapsed: Duration) -> Duration {
        backoff.next_delay(&PollContext {
            polls: self.polls,
            elapsed,
            progress: &self.progress,
        })
    }
}

/// A job to read or wait for; from [`Client::job`].
#[derive(Debug, Clone)]
pub struct JobHandle {
    client: Client,
    id: JobId,
    backoff: Arc<dyn PollingBackoff>,
    errors: PollingErrorPolicy,
}

impl Client {
    /// A handle on job `id`, with the default policies
    /// ([`ExponentialBackoff::default`], [`PollingErrorPolicy::default`]).
    pub fn job(&self, id: impl Into<JobId>) -> JobHandle {
        JobHandle {
            client: self.clone(),
            id: id.into(),
            backoff: Arc::new(ExponentialBackoff::default()),
            errors: PollingErrorPolicy::default(),
        }
    }
}

impl JobHandle {
    /// The job id.
    pub fn id(&self) -> &JobId {
        &self.id
    }

    /// Uses `backoff` to choose when to read next.
    pub fn with_backoff(mut self, backoff: impl PollingBackoff + 'static) -> Self {
        self.backoff = Arc::new(backoff);
        self
    }

    /// Uses a shared `backoff` (a flow's options hand one to every wait).
    pub(crate) fn with_shared_backoff(mut self, backoff: Arc<dyn PollingBackoff>) -> Self {
        self.backoff = backoff;
        self
    }

    /// Uses `policy` for errors and the deadline.
    pub fn with_error_policy(mut self, policy: PollingErrorPolicy) -> Self {
        self.errors = policy;
        self
    }

    /// The error policy (deadline, errors ridden through).
    #[cfg(feature = "webhooks")]
    pub(crate) fn error_policy(&self) -> &PollingErrorPolicy {
        &self.errors
    }

    /// One status read. A failed or cleaned job is `Ok` with
    /// [`JobState::Failed`] / [`JobState::Cleaned`]; an unknown id is
    /// [`Error::JobNotFound`]; an id that is not a safe path segment is
    /// [`Error::InvalidRequest`] (nothing is sent).
    pub async fn poll(&self) -> Result<Job> {
        self.read(None).await
    }

    /// One status read that ends by `deadline`, retries included.
    pub(crate) async fn read(&self, deadline: Option<tokio::time::Instant>) -> Result<Job> {
        self.read_via(deadline, None).await
    }

    /// One status read through LowCodeAPI whatever the client decided
    /// (a webhook's confirmation tries the proxy's route every time).
    #[cfg(feature = "webhooks")]
    pub(crate) async fn read_through_proxy(
        &self,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<Job> {
        self.read_via(deadline, Some(crate::pipeline::Host::LowCodeApi))
            .await
    }

    async fn read_via(
        &self,
        deadline: Option<tokio::time::Instant>,
        via: Option<crate::pipeline::Host>,
    ) -> Result<Job> {
        // `JOB_NOT_FOUND` is already `Error::JobNotFound` (the pipeline's
        // one rule for it, `wire::is_job_not_found`).
        let body = read_job(self.client.pipeline(), &self.id, deadline, via).await?;
        parse_job(&body, Some(&self.id))
    }

    /// Reads until the job completes (its output), fails
    /// ([`Error::JobFailed`]) or is found cleaned ([`Error::JobCleaned`], at
    /// the first read that says so), within the error policy's deadline.
    pub async fn wait(&self) -> Result<JobOutput> {
        let mut run = PollRun::new(self.clone());
        loop {
            match run.next_change().await {
                Some(Ok(job)) => {
                    if let Some(outcome) = job.into_outcome() {
                        return outcome;
                    }
                }
                Some(Err(e)) => return Err(e),
                None => unreachable!("a run ends with a terminal state or an error"),
            }
        }
    }

    /// A stream of the job's changes (state or progress), ending after the
    /// terminal state or the first error not ridden through. Feed a progress
    /// bar with it.
    pub fn progress(&self) -> impl Stream<Item = Result<Job>> + Send + 'static {
        futures_util::stream::unfold(PollRun::new(self.clone()), |mut run| async move {
            run.next_change().await.map(|item| (item, run))
        })
    }
}

/// What every wait for a job keeps, whether it polls or waits on a
/// webhook: when it began and its deadline, the reads made, the errors in
/// a row, the last state seen; and the one way a wait runs out of time.
#[derive(Debug)]
pub(crate) struct WaitClock {
    start: tokio::time::Instant,
    limit: Duration,
    pub(crate) tracker: PollTracker,
    pub(crate) consecutive_errors: u32,
    last: Option<(String, Option<f64>)>,
}

impl WaitClock {
    /// A wait starting now, bounded by `policy`'s time limit.
    pub(crate) fn start(policy: &PollingErrorPolicy) -> WaitClock {
        WaitClock {
            start: tokio::time::Instant::now(),
            limit: policy.time_limit,
            tracker: PollTracker::default(),
            consecutive_errors: 0,
            last: None,
        }
    }

    /// When the wait began.
    #[cfg_attr(not(feature = "webhooks"), allow(dead_code))]
    pub(crate) fn started(&self) -> tokio::time::Instant {
        self.start
    }

    /// The wait's deadline (`None` when it is too far to be an instant).
    pub(crate) fn deadline(&self) -> Option<tokio::time::Instant> {
        self.start.checked_add(self.limit)
    }

    /// Time since the wait began.
    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Time left before the deadline (zero once it passed).
    pub(crate) fn remaining(&self) -> Duration {
        self.limit.saturating_sub(self.elapsed())
    }

    /// Whether the deadline has passed, or would have by the end of a
    /// wait of `after` (a 429's `Retry-After`) starting now.
    pub(crate) fn passed(&self, after: Option<Duration>) -> bool {
        self.elapsed().saturating_add(after.unwrap_or_default()) >= self.limit
    }

    /// Records a successful read; whether the state or progress changed
    /// since the last one.
    pub(crate) fn read(&mut self, job: &Job) -> bool {
        self.consecutive_errors = 0;
        self.tracker.record(self.elapsed(), &job.state);
        let key = (job.state.name().to_string(), job.state.progress());
        let changed = self.last.as_ref() != Some(&key);
        self.last = Some(key);
        changed
    }

    /// Records a failed read.
    pub(crate) fn failed(&mut self) {
        self.tracker.record_error();
        self.consecutive_errors += 1;
    }

    /// Whether `job` shows something not reported yet (without recording
    /// a read: a webhook's post).
    #[cfg_attr(not(feature = "webhooks"), allow(dead_code))]
    pub(crate) fn is_news(&mut self, job: &Job) -> bool {
        let key = (job.state.name().to_string(), job.state.progress());
        let news = self.last.as_ref() != Some(&key);
        self.last = Some(key);
        news
    }

    /// The error of a wait that ran out of time ([`Error::JobDeadline`]);
    /// `rate_limited`: a 429 asked to wait past the deadline.
    pub(crate) fn deadline_error(&self, job: &JobId, rate_limited: Option<Duration>) -> Error {
        Error::JobDeadline {
            job_id: job.to_string(),
            elapsed: self.elapsed(),
            polls: self.tracker.polls(),
            last_status: self.last.as_ref().map(|(s, _)| s.clone()),
            rate_limited,
        }
    }
}

/// One wait in progress.
struct PollRun {
    handle: JobHandle,
    clock: WaitClock,
    done: bool,
}

impl PollRun {
    fn new(handle: JobHandle) -> Self {
        PollRun {
            clock: WaitClock::start(&handle.errors),
            handle,
            done: false,
        }
    }

    /// Sleeps and reads until something changes; `None` after the end.
    async fn next_change(&mut self) -> Option<Result<Job>> {
        if self.done {
            return None;
        }
        let deadline = self.clock.deadline();
        loop {
            if self.clock.passed(None) {
                return Some(Err(self.deadline_error(None)));
            }
            let delay = self
                .clock
                .tracker
                .next_delay(self.handle.backoff.as_ref(), self.clock.elapsed());
            tokio::time::sleep(delay.min(self.clock.remaining())).await;
            // The read gets at most the time that is left.
            match self.handle.read(deadline).await {
                Ok(job) => {
                    let changed = self.clock.read(&job);
                    if job.state.is_terminal() {
                        self.done = true;
                        return Some(Ok(job));
                    }
                    if changed {
                        return Some(Ok(job));
                    }
                }
                Err(e) => {
                    self.clock.failed();
                    if self.clock.passed(e.retry_after()) && e.is_transient() {
                        return Some(Err(self.deadline_error(e.retry_after())));
                    }
                    if !self
                        .handle
                        .errors
                        .rides_through(&e, self.clock.consecutive_errors)
                    {
                        self.done = true;
                        return Some(Err(e));
                    }
                    tracing::debug!(job = %self.handle.id, error = %e, "status read failed; polling on");
                    if let Some(after) = e.retry_after() {
                        tokio::time::sleep(after).await;
                    }
                }
            }
        }
    }

    fn deadline_error(&mut self, rate_limited: Option<Duration>) -> Error {
        self.done = true;
        self.clock.deadline_error(&self.handle.id, rate_limited)
    }
}

/// One read of job `id` through `pipeline`, `via` a host (`None`: as
/// `Pipeline::send` routes it), within `deadline`: the job's body as Pictory sent it
/// (LowCodeAPI's envelope removed).
pub(crate) async fn read_job(
    pipeline: &crate::pipeline::Pipeline,
    id: &JobId,
    deadline: Option<tokio::time::Instant>,
    via: Option<crate::pipeline::Host>,
) -> Result<serde_json::Value> {
    let op =
        crate::operations::OperationSpec::find(crate::operations::JOB_READ).ok_or_else(|| {
            Error::Config {
                message: format!(
                    "this build's spec has no {} operation",
                    crate::operations::JOB_READ
                ),
            }
        })?;
    let id = id.checked()?;
    let segment = crate::path::encode_segment(id.as_str()).to_string();
    let url = format!(
        "{}{}",
        pipeline.factory_base,
        op.path.replace("{job_id}", &segment)
    );
    let make = || {
        std::future::ready(
            pipeline
                .http
                .get(&url)
                .build()
                .map_err(|e| Error::InvalidRequest {
                    operation: op.id,
                    message: e.without_url().to_string(),
                }),
        )
    };
    let delivered = match via {
        Some(host) => {
            pipeline
                .run(crate::pipeline::Target::Operation(op, host), deadline, make)
                .await
        }
        None => pipeline.send(op, deadline, make).await,
    }?;
    let response = crate::response::decode::<serde_json::Value>(op.id, delivered)?;
    Ok(response.body().clone())
}
