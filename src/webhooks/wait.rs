//! A wait that ends when the job's webhook arrives: the post is confirmed
//! with one job read (unless the hub trusts tagged bodies, or the proxy has
//! no job route), and a slow safety poll covers a lost post.

use super::hub::{Callback, JobRoute};
use crate::error::{Error, Result};
use crate::jobs::{Job, JobHandle, JobOutput};
use std::time::Duration;
use tokio::time::Instant;

/// Delay before trying a failed confirming read again (doubling, capped at
/// the safety-poll interval).
const CONFIRM_RETRY: Duration = Duration::from_secs(2);

impl JobHandle {
    /// Waits for this job through `callback` (whose URL the job was
    /// created with): returns when its webhook reports the end, confirmed
    /// by one job read when the proxy has a job route. While no webhook
    /// comes, the job is read every [`WebhookHub::safety_poll`] in case the
    /// post was lost; the error policy's deadline bounds the whole wait.
    ///
    /// Behind a proxy without a job route (LowCodeAPI's open-source server)
    /// the tagged post is the only news; if none comes in time the error is
    /// [`Error::WebhookNotReceived`].
    ///
    /// [`WebhookHub::safety_poll`]: super::WebhookHub::safety_poll
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
    let start = Instant::now();
    let deadline = start.checked_add(policy.time_limit);
    let far = || Instant::now() + Duration::from_secs(86_400 * 365);
    let end = deadline.unwrap_or_else(far);
    let mut state = WaitState::default();
    let mut next_read = start
        .checked_add(hub.inner.safety_poll)
        .unwrap_or_else(far)
        .min(end);
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
                    // An older reading, after one that reported the end, is
                    // stale news.
                    if state.unconfirmed.is_none() {
                        state.report(&job, on_change);
                    }
                    continue;
                }
                if hub.inner.trust_body || hub.job_route() == JobRoute::Absent {
                    state.report(&job, on_change);
                    return finish(job);
                }
                // Reported only once confirmed: a progress bar never shows
                // an end a read then denies.
                // One read confirms what the post says.
                state.unconfirmed = Some(job);
                next_read = Instant::now();
            }
            _ = tokio::time::sleep_until(next_read) => {
                let now = Instant::now();
                if now >= end {
                    return Err(state.deadline_error(handle, start, hub.job_route()));
                }
                if hub.job_route() == JobRoute::Absent {
                    match state.unconfirmed.take() {
                        Some(job) => {
                            state.report(&job, on_change);
                            return finish(job);
                        }
                        None => { next_read = end; continue; }
                    }
                }
                match handle.read(deadline).await {
                    Ok(job) => {
                        hub.learn_job_route(JobRoute::Present);
                        state.reads += 1;
                        state.errors = 0;
                        state.report(&job, on_change);
                        if job.state.is_terminal() {
                            return finish(job);
                        }
                        if state.unconfirmed.take().is_some() {
                            tracing::warn!(job = %handle.id(), status = job.state.name(), "a webhook reported the end, but the job reads otherwise; waiting on");
                        }
                        next_read = Instant::now().checked_add(hub.inner.safety_poll).unwrap_or(end).min(end);
                    }
                    Err(Error::RouteNotFound { .. }) => {
                        hub.learn_job_route(JobRoute::Absent);
                        if let Some(job) = state.unconfirmed.take() {
                            state.report(&job, on_change);
                            return finish(job);
                        }
                        next_read = end;
                    }
                    Err(e) => {
                        state.reads += 1;
                        state.errors += 1;
                        if !policy.rides_through(&e, state.errors) {
                            return Err(e);
                        }
                        let retry = if state.unconfirmed.is_some() {
                            CONFIRM_RETRY.saturating_mul(1 << state.errors.min(16)).min(hub.inner.safety_poll)
                        } else {
                            hub.inner.safety_poll
                        };
                        let retry = retry.max(e.retry_after().unwrap_or_default());
                        next_read = Instant::now().checked_add(retry).unwrap_or(end).min(end);
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

#[derive(Default)]
struct WaitState {
    reads: u32,
    errors: u32,
    /// A tagged post that reported the end, waiting for its confirming read.
    unconfirmed: Option<Job>,
    last: Option<(String, Option<f64>)>,
    /// The callback's queue is closed.
    closed: bool,
}

impl WaitState {
    fn report(&mut self, job: &Job, on_change: &mut (dyn FnMut(&Job) + Send)) {
        let key = (job.state.name().to_string(), job.state.progress());
        if self.last.as_ref() != Some(&key) {
            self.last = Some(key);
            on_change(job);
        }
    }

    fn deadline_error(&self, handle: &JobHandle, start: Instant, route: JobRoute) -> Error {
        let elapsed = start.elapsed();
        if route == JobRoute::Absent {
            return Error::WebhookNotReceived {
                job_id: handle.id().to_string(),
                elapsed,
            };
        }
        Error::JobDeadline {
            job_id: handle.id().to_string(),
            elapsed,
            polls: self.reads,
            last_status: self.last.as_ref().map(|(s, _)| s.clone()),
            rate_limited: None,
        }
    }
}
