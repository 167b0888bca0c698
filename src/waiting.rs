//! How a client waits for jobs, decided once per client before anything
//! billable is created.
//!
//! A job's end can be learned two ways: by reading the job
//! (`GET /pictoryapis/v1/jobs/{job_id}`) or from the webhook Pictory posts.
//! Reads go through LowCodeAPI when its proxy has a job-status route (its
//! own server mounts none for Pictory), else to Pictory directly when
//! Pictory's API key is set. [`Client::job_reads`] finds that out once, by
//! reading a job id that cannot exist: Pictory's `JOB_NOT_FOUND` (or any
//! answer that reached Pictory) means the route exists; LowCodeAPI's
//! routing 404 in both URL formats means it does not. No job is created.
//!
//! [`Client::wait_plan`] then picks the wait of a flow: webhooks when the
//! flow has a receiver ([`FlowOptions::webhooks`](crate::FlowOptions)), else
//! polling when jobs can be read, else [`Error::NoJobReads`] — before any
//! job is created.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::pipeline::{Host, Pipeline, route_shown};

/// A job id that cannot exist, read to learn whether the proxy has a job
/// route (a UUID, as Pictory's ids are, that no job is ever given).
pub(crate) const PROBE_JOB_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Where a client reads jobs from, decided once per client
/// ([`Client::job_reads`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobReads {
    /// Through LowCodeAPI's job-status route.
    Proxy,
    /// From Pictory directly, with Pictory's API key (LowCodeAPI has no
    /// job-status route, or no LowCodeAPI token is set).
    Direct,
    /// Nowhere: LowCodeAPI has no job-status route and no Pictory key is
    /// set. Only webhooks can tell how a job ended.
    Unavailable,
}

impl std::fmt::Display for JobReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JobReads::Proxy => "read through LowCodeAPI's job-status route",
            JobReads::Direct => "read from Pictory directly with PICTORY_API_KEY",
            JobReads::Unavailable => {
                "not readable (LowCodeAPI has no job-status route and no PICTORY_API_KEY is set)"
            }
        })
    }
}

/// How a flow waits for its jobs: from [`Client::wait_plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitPlan {
    reads: JobReads,
    webhooks: Option<String>,
}

impl WaitPlan {
    /// Where jobs are read from (polling, or confirming a webhook).
    pub fn reads(&self) -> JobReads {
        self.reads
    }

    /// The public base URL of the webhook receiver the flow waits on, when
    /// it waits on webhooks.
    pub fn webhook_url(&self) -> Option<&str> {
        self.webhooks.as_deref()
    }
}

impl std::fmt::Display for WaitPlan {
    /// One line, e.g. `polling: jobs read from Pictory directly with PICTORY_API_KEY`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.webhooks, self.reads) {
            (None, reads) => write!(f, "polling: jobs {reads}"),
            (Some(url), JobReads::Unavailable) => write!(
                f,
                "webhooks at {url}: each post is taken as it comes (LowCodeAPI has no job-status route and no PICTORY_API_KEY is set to confirm it)"
            ),
            (Some(url), reads) => {
                write!(
                    f,
                    "webhooks at {url}, each end confirmed by one job {reads}"
                )
            }
        }
    }
}

impl Client {
    /// Where this client reads jobs from, found out once (the first call
    /// may send one read of a job id that cannot exist; nothing is
    /// created) and remembered for the client's lifetime and its clones:
    ///
    /// - LowCodeAPI's job-status route, when the proxy has one;
    /// - else Pictory directly, when Pictory's API key is set (also when
    ///   no LowCodeAPI token is set at all);
    /// - else [`JobReads::Unavailable`].
    ///
    /// An answer that settles nothing (a connection failure, a 5xx, a 401)
    /// is returned as the error and not remembered.
    pub async fn job_reads(&self) -> Result<JobReads> {
        let pipeline = self.pipeline();
        if let Some(reads) = pipeline.job_reads.get() {
            return Ok(*reads);
        }
        // One probe at a time: clones asking together wait for its answer.
        let _probing = pipeline.probing.lock().await;
        if let Some(reads) = pipeline.job_reads.get() {
            return Ok(*reads);
        }
        let (has_route, decisive) = probe_job_route(pipeline).await?;
        Ok(pipeline.decide(has_route, decisive))
    }

    /// How a flow with `opts` waits for its jobs: on webhooks when
    /// `opts` has a receiver, else by polling when jobs can be read (see
    /// [`job_reads`](Self::job_reads)). [`Error::NoJobReads`] when neither
    /// is possible; flows call this before they create anything.
    pub async fn wait_plan(&self, opts: &crate::FlowOptions) -> Result<WaitPlan> {
        let reads = self.job_reads().await?;
        let webhooks = opts.webhook_base_url();
        if webhooks.is_none() && reads == JobReads::Unavailable {
            return Err(Error::NoJobReads {
                operation: "wait_plan",
            });
        }
        Ok(WaitPlan { reads, webhooks })
    }
}

/// Reads a job id that cannot exist through LowCodeAPI: whether the proxy
/// has a job route, and whether the answer is decisive (see
/// [`route_shown`]). A client without a token has no proxy to ask.
async fn probe_job_route(pipeline: &Pipeline) -> Result<(bool, bool)> {
    if pipeline.lowcodeapi.is_none() {
        return Ok((false, true));
    }
    let probe = crate::jobs::JobId::from(PROBE_JOB_ID);
    match crate::jobs::read_job(pipeline, &probe, None, Some(Host::LowCodeApi)).await {
        Ok(_) => Ok((true, true)),
        Err(e) => route_shown(&e).ok_or(e),
    }
}
