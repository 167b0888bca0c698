//! A local LowCodeAPI + Pictory simulator for the
//! [`pictory`](https://docs.rs/pictory) client: an axum server on
//! `127.0.0.1` that answers every operation of the spec the way the real
//! proxy and service do (see `tests/fixtures/wire-facts.md` and the
//! documented bodies in `tests/fixtures/pictory-docs/` in the repository),
//! so clients, flows and tests run offline and fast. The [`polling`] module
//! simulates job timelines in virtual time to compare polling policies.
//!
//! ```no_run
//! use pictory_sim::SimConfig;
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = pictory_sim::start(SimConfig { time_factor: 0.001, ..SimConfig::hosted() }).await?;
//! let client = sim.client()?; // token and base URL already set
//! let job = client.api().get_job().job_id("nope").send().await;
//! assert!(job.is_err()); // JOB_NOT_FOUND
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! What it does, request by request:
//!
//! - **Profiles** ([`SimProfile`]): `Hosted` (LowCodeAPI's provider page,
//!   `{"data": X}` envelopes, both URL formats, a job route; the default)
//!   or `OpenSource` (LowCodeAPI's open-source server, `{"message",
//!   "provider", "result"|"error", ...}` envelopes, old URL format only for
//!   path-parameter operations, no job route unless [`SimConfig::job_route`]).
//! - **Routes** come from [`pictory::OPERATIONS`]: each operation is served at
//!   `/pictory<path>` (new format, `/templates/abc`) and, when it has path
//!   parameters, at `/pictory<old_format_path>` with the values in the query
//!   under the parameters' own names (old format, `/templates/templateid?templateId=abc`;
//!   a missing value → 400). A route not served, an unknown URL or a wrong
//!   method answers as [`SimConfig::unknown_route`] says (by default
//!   LowCodeAPI's JSON `404 {"message": "Not Found"}`). A bare `/pictory`
//!   answers `302` to a web-UI page (clients must not follow it).
//! - **Token**: `api_token` must start with `at_` and be one of
//!   [`SimConfig::tokens`], else LowCodeAPI's 401 (under `OpenSource`, a
//!   listed-nowhere `at_` token gets the server's 403 `Invalid api_token`,
//!   and the 401 echoes the request, token included, in `error.logging`).
//! - **Rate limit** ([`SimConfig::rate_limit`], off by default): requests
//!   per second per token beyond it answer `429` with `Retry-After`.
//! - **Faults** ([`FaultPlan`]): 429/5xx before processing, dropped or
//!   truncated bodies after it, plus latency; seeded and reproducible.
//! - **Validation**: JSON bodies are checked against the operation's request
//!   schema from the normalized spec and Pictory's own rules (a storyboard
//!   needs `videoName` and scenes with `text`, `articleUrl` or `backgroundUri`);
//!   failures answer Pictory's `400 {"code": "INVALID_REQUEST_BODY", "message", "fields": [{"name", "errors"}]}`.
//!   The last JSON body of each operation is kept ([`Simulator::received`]).
//! - **Jobs** (storyboard, render, transcription, summary) run on
//!   `tokio::time`, so `#[tokio::test(start_paused = true)]` tests finish at
//!   once; `GET /jobs/{job_id}` answers Pictory's documented bodies
//!   (`pending`, `in-progress`, render progress, `completed` with the
//!   preview and classic `renderParams`, video URLs or a timed transcript,
//!   `failed`, `cleaned`), in the variants [`JobVariants`] selects.
//!   `POST /video/render` takes a preview's `renderParams` as its body,
//!   classic or element-based. A scene text containing
//!   [`SimConfig::fail_marker`] makes the job fail with `TEXT_TO_VIDEO_FAILED`.
//!   A `webhook` on a loopback host receives the final job body.
//! - **Uploads**: `generate_upload_url` returns a signed URL on the
//!   simulator (no token needed); the bytes `PUT` there are served back at
//!   the returned `url` and readable with [`Simulator::uploaded`].
//! - **Resources**: templates (a `.pictai` file as multipart field
//!   `pictoryprojectfile` or a raw `application/octet-stream` body), brands,
//!   AWS connections and voice-over tracks are stored with ids and answered
//!   in Pictory's bare shapes where it uses them; unknown ids answer a JSON 404.
//!   The voice list starts with three AI voices (Jackson, Joanna, Fiona), so
//!   a voice can be looked up offline.
//!
//! [`Simulator::counters`] tells what happened (requests per operation and
//! format, jobs per kind and per name, faults, uploads, 401s).

#![deny(missing_docs)]

mod config;
mod counters;
mod direct;
mod envelope;
mod faults;
mod jobs;
mod media;
mod ops;
pub mod polling;
mod preview;
mod ratelimit;
mod resources;
mod routes;
mod schema;
mod secrets;
mod state;
mod templates;
mod transcript;
mod webhooks;

pub use config::{
    FaultPlan, JobDurations, JobVariants, SimConfig, SimProfile, SimQuota, UnknownRoute,
    WebhookFaults,
};
pub use counters::Counters;
pub use direct::PAGE_SIZE;
pub use envelope::express_404_body;
pub use ratelimit::RateLimit;
pub use webhooks::FORGED_VIDEO_URL;

use state::App;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running simulator. Start one with [`start`]; it serves until
/// [`shutdown`](Self::shutdown) or until dropped (dropping stops accepting
/// at once and lets in-flight requests finish).
#[derive(Debug)]
pub struct Simulator {
    app: Arc<App>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Why a simulator did not start: no port could be bound, or the embedded
/// spec yields a schema or route the simulator cannot hold (an
/// `InvalidData` error naming it). Converts with `?` into
/// [`pictory::Error`] (as [`Error::Config`](pictory::Error::Config))
/// and into [`std::io::Error`].
#[derive(Debug)]
pub struct StartError(std::io::Error);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot start the simulator: {}", self.0)
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl From<std::io::Error> for StartError {
    fn from(e: std::io::Error) -> Self {
        StartError(e)
    }
}

impl From<StartError> for std::io::Error {
    fn from(e: StartError) -> Self {
        e.0
    }
}

impl From<StartError> for pictory::Error {
    fn from(e: StartError) -> Self {
        pictory::Error::Config {
            message: e.to_string(),
        }
    }
}

/// Starts a simulator on `127.0.0.1` with an OS-chosen port, serving on the
/// current tokio runtime, and returns once it accepts connections.
///
/// Fails with a [`StartError`] (which `?` turns into a
/// [`pictory::Error`] or a [`std::io::Error`]).
pub async fn start(config: SimConfig) -> Result<Simulator, StartError> {
    Simulator::start(config).await
}

impl Simulator {
    /// Same as [`start`].
    pub async fn start(config: SimConfig) -> Result<Simulator, StartError> {
        Simulator::start_on(config, SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts a simulator listening on `addr` (port 0: the OS chooses), for
    /// a simulator that other processes use (`pictory sim serve`). Its base
    /// URLs name the address it listens on; listening beyond loopback makes
    /// its token and key readable to anyone who can reach it (they are the
    /// simulator's own, never real ones).
    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> Result<Simulator, StartError> {
        let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let schemas = schema::Schemas::compile().map_err(invalid)?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let mut addr = listener.local_addr()?;
        if addr.ip().is_unspecified() {
            // Listening everywhere: the URLs name loopback, which reaches it.
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let (stop, stopped) = watch::channel(false);
        let app = Arc::new(App::new(
            config,
            format!("http://{addr}"),
            schemas,
            stopped.clone(),
        ));
        let router = routes::router(app.clone()).map_err(invalid)?;
        let mut signal = stopped;
        let server = axum::serve(listener, router).with_graceful_shutdown(async move {
            // Resolves on `true` and when the sender is gone.
            let _ = signal.wait_for(|stop| *stop).await;
        });
        let task = tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::warn!("pictory simulator stopped: {e}");
            }
        });
        Ok(Simulator {
            app,
            addr,
            stop,
            task: Some(task),
        })
    }

    /// The base URL to give a client: `http://127.0.0.1:PORT/pictory`.
    pub fn base_url(&self) -> String {
        self.app.base_url()
    }

    /// The server's origin: `http://127.0.0.1:PORT` (upload, media and
    /// video URLs live here, outside `/pictory`).
    pub fn origin(&self) -> String {
        self.app.origin.clone()
    }

    /// The socket address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first accepted token (`"at_sim-token"` by default; empty if
    /// [`SimConfig::tokens`] is empty, which makes every request a 401).
    pub fn token(&self) -> &str {
        self.app
            .config
            .tokens
            .first()
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Pictory's own face: the base URL to give
    /// [`ClientBuilder::pictory_base_url`](pictory::ClientBuilder::pictory_base_url)
    /// (`http://127.0.0.1:PORT`; the spec's `/pictoryapis/...` paths follow).
    pub fn pictory_base_url(&self) -> String {
        self.app.origin.clone()
    }

    /// The first Pictory key its Pictory face accepts (`"pictai_sim-key"`
    /// by default; empty if [`SimConfig::pictory_keys`] is empty).
    pub fn pictory_key(&self) -> &str {
        self.app
            .config
            .pictory_keys
            .first()
            .map(String::as_str)
            .unwrap_or("")
    }

    /// A [`pictory::ClientBuilder`] for Pictory's face only (its key and
    /// base URL, no LowCodeAPI token): every operation goes to Pictory
    /// directly. Add `.token(sim.token()).base_url(sim.base_url())` for a
    /// client that talks to both (operations through LowCodeAPI, job reads
    /// from Pictory when the profile has no job route).
    pub fn pictory_client_builder(&self) -> pictory::ClientBuilder {
        pictory::Client::builder()
            .pictory_key(self.pictory_key())
            .pictory_base_url(self.pictory_base_url())
    }

    /// The configuration it was started with.
    pub fn config(&self) -> &SimConfig {
        &self.app.config
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.app.counters()
    }

    /// The last JSON body `operation` (an id of [`pictory::OPERATIONS`], e.g.
    /// `"render_video"`) received, as sent (before validation); `None` if it
    /// received none.
    pub fn received(&self, operation: &str) -> Option<serde_json::Value> {
        self.app.received(operation)
    }

    /// The path and query LowCodeAPI's face passed on to Pictory for the
    /// last request to `operation` that got past the token check, e.g.
    /// `/pictoryapis/v1/templates/abc?templateId=abc`; `None` if none did.
    /// The token is never in it. Under [`SimProfile::OpenSource`] path
    /// values arrive again as query parameters, as LowCodeAPI's
    /// open-source server sends them; Pictory ignores them.
    pub fn forwarded(&self, operation: &str) -> Option<String> {
        self.app.forwarded(operation)
    }

    /// The bytes `PUT` to the signed URL whose hosted `url` (from
    /// `generate_upload_url`'s answer) is given; `None` before the upload.
    pub fn uploaded(&self, url: &str) -> Option<Vec<u8>> {
        media::uploaded_bytes(&self.app, url).map(|b| b.to_vec())
    }

    /// A [`pictory::ClientBuilder`] with this simulator's token and base URL
    /// set; add a retry policy, URL mode or HTTP client, then `build()`.
    /// Under [`SimProfile::OpenSource`] only old-format URLs reach
    /// path-parameter operations: use `.url_mode(UrlMode::OldOnly)` unless
    /// you are testing the client's fallback.
    /// For `start_paused` tests pass an HTTP client built with
    /// `reqwest::Client::builder().pool_idle_timeout(None)`.
    pub fn client_builder(&self) -> pictory::ClientBuilder {
        pictory::Client::builder()
            .token(self.token())
            .base_url(self.base_url())
    }

    /// A client for this simulator with default settings.
    pub fn client(&self) -> pictory::Result<pictory::Client> {
        self.client_builder().build()
    }

    /// Stops the server and waits until its port is closed. In-flight
    /// requests finish; idle keep-alive connections are closed.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            // Dropping the accept loop closes the port; connection tasks
            // see it and shut down gracefully.
            task.abort();
        }
    }
}

/// A documented body from the repository's `tests/fixtures/pictory-docs/`,
/// for unit tests.
#[cfg(test)]
pub(crate) fn fixture(path: &str) -> serde_json::Value {
    let file = format!(
        "{}/../../tests/fixtures/pictory-docs/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}
