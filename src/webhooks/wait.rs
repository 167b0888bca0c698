//! A wait that ends when the job's webhook arrives: the post is confirmed
//! with a job read (unless the hub trusts tagged bodies, or the proxy has
//! no job route), and a slow safety poll covers a lost post.

use super::hub::Callback;
use crate::error::{Error, Result};
use crate::jobs::{Job, JobHandle, JobOutput, WaitClock};
use std::time::Duration;
use tokio::time::Instant;

/// The first delay before reading again when a confirming read fails or
/// does not show the end yet (Pictory's read may lag its post); doubled
/// each time, capped by the safety-poll interval.
const CONFIRM_RETRY: Duration = Duration::from_secs(1);
/// Confirming reads for one post before it is set aside (the safety poll
/// and later posts still count).
const CONFIRM_TRIES: u32 = 5;
/// After a round of confirmations was spent, how long posts are set aside
/// before one may start a new round.
const ROUND_GAP: Duration = Duration::from_secs(30);
/// The shortest time between two reads of one wait, whatever is posted.
const MIN_READ_INTERVAL: Duration = Duration::from_secs(1);

impl JobHandle {
    /// Waits for this job through `callback` (whose URL the job was
    /// created with): returns when its webhook reports the end, confirmed
    /// by a job read when the proxy has a job route. While no webhook
    /// comes, the job is read every [`WebhookHubBuilder::safety_poll`] in
    /// case the post was lost (once before the deadline at the latest);
    /// the error policy's deadline bounds the whole wait.
    ///
    /// Behind a proxy without a job route (LowCodeAPI's open-source server)
    /// the tagged post is the only news; if none comes in time the error is
    /// [`Error::WebhookNotReceived`].
    ///
    /// [`WebhookHubBuilder::safety_poll`]: super::WebhookHubBuilder::safety_poll
    pub async fn wait_for_webhook(&self, callback: Callback) -> Result<JobOutput> {
        wait(self, callback, &mut |_| {}).await
    }
}

/// The wait, reporting every change to `on_change`.
pub(crate) async fn wait(
    handle: &JobHandle,
    mut callback: Callback,
    on_change: &mut (dyn FnMut(&Job) + Send),
) -> Result<JobOutput> {
    let hub = callback.hub.clone();
    let policy = handle.error_policy();
    let safety = hub.inner.safety_poll;
    let mut state = WaitState {
        clock: WaitClock::start(policy),
        unconfirmed: None,
        confirm_tries: 0,
        closed: false,
        no_job_route: false,
        last_read: None,
    };
    let start = state.clock.started();
    let deadline = state.clock.deadline();
    let far = || Instant::now() + Duration::from_secs(86_400 * 365);
    let end = deadline.unwrap_or_else(far);
    // Read once before the deadline at the latest: a lost webhook is then
    // found out (the job ended) or named (the proxy has no job route).
    let margin = (policy.time_limit / 10).min(Duration::from_secs(10));
    let last_chance = end.checked_sub(margin).unwrap_or(start);
    let mut next_read = start.checked_add(safety).unwrap_or(end).min(last_chance);
    loop {
        tokio::select! {
            biased;
            post = callback.rx.recv(), if !state.closed => {
                // The queue closes only if the hub forgot the callback;
                // then only reads are left.
                let Some(mut job) = post else { state.closed = true; continue };
                match &job.id {
                    Some(id) if id != handle.id() => {
                        tracing::warn!(job = %handle.id(), other = %id, "a webhook for another job was posted to this job's callback; ignored");
                        continue;
                    }
                    _ => job.id = Some(handle.id().clone()),
                }
                if !job.state.is_terminal() {
                    // Pictory posts when a job ends; anything else is
                    // unconfirmable and not shown.
                    tracing::debug!(job = %handle.id(), status = job.state.name(), "a webhook that does not report an end; ignored");
                    continue;
                }
                if hub.inner.trust_body {
                    state.report(&job, on_change);
                    return finish(job);
                }
                // Confirmed by a fresh read (what an earlier read showed of
                // the proxy may have been a passing fault), and reported
                // only then: a progress bar never shows an end a read
                // denies. Posts cannot drive reads: while a confirmation is
                // under way a repeated post only replaces the body waiting
                // for it; once its tries are spent, posts are set aside
                // (the safety poll still reads); and reads keep a minimum
                // interval.
                if state.unconfirmed.is_some() {
                    state.unconfirmed = Some(job);
                    continue;
                }
                if state.confirm_tries >= CONFIRM_TRIES {
                    // A new round of confirmations at most every
                    // ROUND_GAP after the last one was spent.
                    let spent = state.last_read.unwrap_or(start);
                    if Instant::now() < spent.checked_add(ROUND_GAP).unwrap_or(end) {
                        tracing::debug!(job = %handle.id(), "a webhook soon after its confirmations were spent; set aside");
                        continue;
                    }
                    state.confirm_tries = 0;
                }
                state.unconfirmed = Some(job);
                let soonest = state
                    .last_read
                    .and_then(|at| at.checked_add(MIN_READ_INTERVAL))
                    .unwrap_or_else(Instant::now);
                next_read = next_read.min(soonest.max(Instant::now()));
            }
            _ = tokio::time::sleep_until(next_read) => {
                let now = Instant::now();
                if now >= end {
                    return Err(state.deadline_error(handle));
                }
                // Without job reads (no route seen, no key) the proxy's
                // route is still tried each time: what the client saw of
                // it may have been a passing fault, and a confirmation
                // must not be skipped because of one.
                let read = match handle.read(deadline).await {
                    Err(Error::NoJobReads { .. }) => handle.read_through_proxy(deadline).await,
                    read => read,
                };
                let now = Instant::now();
                state.last_read = Some(now);
                let later = |d: Duration| now.checked_add(d).unwrap_or(end).min(end);
                match read {
                    Ok(job) => {
                        state.no_job_route = false;
                        let changed = state.clock.read(&job);
                        if changed {
                            on_change(&job);
                        }
                        if job.state.is_terminal() {
                            return finish(job);
                        }
                        next_read = match state.confirm_delay(safety) {
                            Some(retry) => later(retry),
                            None => {
                                if state.unconfirmed.take().is_some() {
                                    tracing::warn!(job = %handle.id(), status = job.state.name(), "a webhook reported the end, but the job still reads otherwise; waiting on");
                                }
                                // The last-chance read, unless it was this one.
                                if now < last_chance { later(safety).min(last_chance) } else { later(safety) }
                            }
                        };
                    }
                    Err(Error::RouteNotFound { .. } | Error::NoJobReads { .. }) => {
                        // No job reads (LowCodeAPI's open-source server and
                        // no Pictory key): the tagged post is all there is.
                        if !state.no_job_route {
                            tracing::info!(job = %handle.id(), "the proxy has no job-status route; the tagged webhook is taken as it is");
                        }
                        state.no_job_route = true;
                        if let Some(job) = state.unconfirmed.take() {
                            state.report(&job, on_change);
                            return finish(job);
                        }
                        next_read = if now < last_chance { later(safety).min(last_chance) } else { later(safety) };
                    }
                    Err(e) => {
                        state.clock.failed();
                        if !policy.rides_through(&e, state.clock.consecutive_errors) {
                            return Err(e);
                        }
                        let retry = state.confirm_delay(safety).unwrap_or(safety);
                        next_read = later(retry.max(e.retry_after().unwrap_or_default()));
                    }
                }
            }
        }
    }
}

fn finish(job: Job) -> Result<JobOutput> {
    job.into_outcome()
        .unwrap_or_else(|| unreachable!("only terminal jobs are finished"))
}

struct WaitState {
    /// The deadline, the reads, the last state reported: as a poll's.
    clock: WaitClock,
    /// A tagged post that reported the end, waiting for a confirming read.
    unconfirmed: Option<Job>,
    /// Confirming reads made for it.
    confirm_tries: u32,
    /// The callback's queue is closed.
    closed: bool,
    /// The last read met a proxy without a job route.
    no_job_route: bool,
    /// When the last read was made.
    last_read: Option<Instant>,
}

impl WaitState {
    /// While a post waits for confirmation and tries are left: the delay
    /// before the next confirming read (1 s, 2 s, 4 s, ..., at most the
    /// safety poll).
    fn confirm_delay(&mut self, safety: Duration) -> Option<Duration> {
        if self.unconfirmed.is_none() || self.confirm_tries >= CONFIRM_TRIES {
            return None;
        }
        let delay = CONFIRM_RETRY.saturating_mul(1 << self.confirm_tries.min(16));
        self.confirm_tries += 1;
        Some(delay.min(safety))
    }

    /// Shows `job` (a post taken as the end) when it is news.
    fn report(&mut self, job: &Job, on_change: &mut (dyn FnMut(&Job) + Send)) {
        if self.clock.is_news(job) {
            on_change(job);
        }
    }

    /// The deadline's error: the poll's, or, behind a proxy without a job
    /// route, [`Error::WebhookNotReceived`].
    fn deadline_error(&self, handle: &JobHandle) -> Error {
        if self.no_job_route {
            return Error::WebhookNotReceived {
                job_id: handle.id().to_string(),
                elapsed: self.clock.elapsed(),
            };
        }
        self.clock.deadline_error(handle.id(), None)
    }
}
