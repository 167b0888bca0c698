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
use crate::operations::OperationSpec;
use crate::pipeline::{Delivered, Failed, Host, Pipeline, Target};

/// The operation that reads a job.
const JOB_READ: &str = "get_job";

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

impl Pipeline {
    /// Sends operation `op` to the service it goes to: a job read as
    /// [`Client::job_reads`] decided, everything else to LowCodeAPI when a
    /// token is set, else to Pictory.
    ///
    /// A job read on a client that has not decided yet is itself the
    /// probe: it goes to LowCodeAPI, and its answer decides (a routing 404
    /// in every URL format: no route, so the read goes to Pictory when the
    /// key is set, else [`Error::NoJobReads`]).
    pub(crate) async fn send<F, Fut>(
        &self,
        op: &'static OperationSpec,
        deadline: Option<tokio::time::Instant>,
        make: F,
    ) -> std::result::Result<Delivered, Failed>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<reqwest::Request>>,
    {
        if op.id != JOB_READ {
            let host = match self.lowcodeapi {
                Some(_) => Host::LowCodeApi,
                None => Host::Pictory,
            };
            return self.run(Target::Operation(op, host), deadline, make).await;
        }
        let decided = match (self.job_reads.get(), &self.lowcodeapi) {
            (Some(reads), _) => *reads,
            (None, None) => JobReads::Direct,
            (None, Some(_)) => {
                let answer = self
                    .run(Target::Operation(op, Host::LowCodeApi), deadline, &make)
                    .await;
                let settled = match &answer {
                    Ok(_) => Some((true, true)),
                    Err(failed) => route_shown(&failed.error),
                };
                let Some((has_route, decisive)) = settled else {
                    return answer;
                };
                let reads = self.decide(has_route, decisive);
                if reads == JobReads::Proxy {
                    return answer;
                }
                reads
            }
        };
        match decided {
            JobReads::Proxy => {
                self.run(Target::Operation(op, Host::LowCodeApi), deadline, make)
                    .await
            }
            JobReads::Direct => {
                self.run(Target::Operation(op, Host::Pictory), deadline, make)
                    .await
            }
            JobReads::Unavailable => Err(Error::NoJobReads { operation: op.id }.into()),
        }
    }

    /// The decision from what a read showed of the proxy's job route,
    /// remembered when `decisive` (the first one wins if another task
    /// decided meanwhile).
    fn decide(&self, has_route: bool, decisive: bool) -> JobReads {
        let reads = reads_for(has_route, self.pictory.is_some());
        if !decisive {
            return reads;
        }
        if self.job_reads.set(reads).is_ok() {
            tracing::info!(decision = ?reads, "job reads: {reads}");
        }
        self.job_reads.get().copied().unwrap_or(reads)
    }

    /// One read of job `id`, `via` a host (`None`: as [`Pipeline::send`]
    /// routes it), within `deadline`: the job's body as Pictory sent it
    /// (LowCodeAPI's envelope removed).
    pub(crate) async fn read_job(
        &self,
        id: &crate::jobs::JobId,
        deadline: Option<tokio::time::Instant>,
        via: Option<Host>,
    ) -> Result<serde_json::Value> {
        let op = OperationSpec::find(JOB_READ).ok_or_else(|| Error::Config {
            message: format!("this build's spec has no {JOB_READ} operation"),
        })?;
        let id = id.checked()?;
        let segment = crate::path::encode_segment(id.as_str()).to_string();
        let url = format!(
            "{}{}",
            self.factory_base,
            op.path.replace("{job_id}", &segment)
        );
        let make = || {
            std::future::ready(
                self.http
                    .get(&url)
                    .build()
                    .map_err(|e| Error::InvalidRequest {
                        operation: op.id,
                        message: e.without_url().to_string(),
                    }),
            )
        };
        let delivered = match via {
            Some(host) => self.run(Target::Operation(op, host), deadline, make).await,
            None => self.send(op, deadline, make).await,
        }?;
        let response = crate::call::decode::<serde_json::Value>(op.id, delivered)?;
        Ok(response.body().clone())
    }
}

/// Where reads go, from whether the proxy has a job route and whether a
/// Pictory key is set.
fn reads_for(has_route: bool, has_key: bool) -> JobReads {
    match (has_route, has_key) {
        (true, _) => JobReads::Proxy,
        (false, true) => JobReads::Direct,
        (false, false) => JobReads::Unavailable,
    }
}

/// What an error from a job read through LowCodeAPI shows of its job
/// route, and whether that is decisive enough to remember: an answer from
/// Pictory (the route exists), LowCodeAPI's own unknown-route answer in
/// every URL format tried (it does not), a routing 404 from something in
/// front of LowCodeAPI (HTML, text, nothing: it does not, this time; not
/// remembered, since a load balancer's passing 404 proves nothing about the
/// proxy), or nothing settled.
pub(crate) fn route_shown(e: &Error) -> Option<(bool, bool)> {
    match e {
        Error::JobNotFound { .. } | Error::NotFound { .. } | Error::BadRequest { .. } => {
            Some((true, true))
        }
        Error::RouteNotFound { response, .. } => Some((
            false,
            crate::wire::is_unknown_route(response.body.as_bytes()),
        )),
        _ => None,
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
    match pipeline
        .read_job(&probe, None, Some(Host::LowCodeApi))
        .await
    {
        Ok(_) => Ok((true, true)),
        Err(e) => route_shown(&e).ok_or(e),
    }
}
