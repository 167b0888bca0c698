//! A local LowCodeAPI + Pictory simulator (cargo feature `simulator`): an
//! axum server on `127.0.0.1` that answers every operation of the spec the
//! way the real proxy and service do (see `shared/reference/wire-facts.md`),
//! so clients, flows and tests run offline and fast.
//!
//! ```no_run
//! use pictory::sim::{self, SimConfig};
//! use pictory::Call;
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = sim::start(SimConfig { time_factor: 0.001, ..SimConfig::default() }).await?;
//! let client = sim.client()?; // token and base URL already set
//! let job = client.api().get_job().job_id("nope").call().await;
//! assert!(job.is_err()); // JOB_NOT_FOUND
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! What it does, request by request:
//!
//! - **Routes** come from [`crate::OPERATIONS`]: each operation is served at
//!   `/pictory<path>` (new format, `/templates/abc`) and, when it has path
//!   parameters, at `/pictory<old_format_path>` with the values in the query
//!   under the parameters' own names (old format, `/templates/templateid?templateId=abc`;
//!   a missing value → 400). A disabled format, an unknown URL or a wrong
//!   method answers Express's HTML page `404 Cannot GET /pictory/...`.
//! - **Token**: `api_token` must be one of [`SimConfig::tokens`], else 401.
//! - **Faults** ([`FaultPlan`]): 429/5xx before processing, dropped or
//!   truncated bodies after it, plus latency; seeded and reproducible.
//! - **Validation**: JSON bodies are checked against the operation's request
//!   schema from the normalized spec and Pictory's own rules (a storyboard
//!   needs `videoName` and scenes with `text`, `articleUrl` or `backgroundUri`);
//!   failures answer `400 {"code": "VALIDATION_ERROR", "message", "fields": [...]}`.
//! - **Jobs** (storyboard, render, transcription, summary) run on
//!   `tokio::time`, so `#[tokio::test(start_paused = true)]` tests finish at
//!   once; `GET /jobs/{job_id}` reports progress, then outputs (preview and
//!   `renderParams`, video URLs, transcript...). A scene text containing
//!   [`SimConfig::fail_marker`] makes the job fail with `TEXT_TO_VIDEO_FAILED`.
//!   A `webhook` on a loopback host receives the final job body.
//! - **Uploads**: `generate_upload_url` returns a signed URL on the
//!   simulator (no token needed); the bytes `PUT` there are served back at
//!   the returned `url` and readable with [`Simulator::uploaded`].
//! - **Resources**: templates (multipart create with the file field
//!   `pictoryprojectfile`), brands, AWS connections and voice-over tracks are
//!   stored with ids; unknown ids answer a JSON 404.
//! - **Envelopes**: every answer is wrapped as [`SimConfig::envelope`] says.
//!
//! [`Simulator::counters`] tells what happened (requests per operation and
//! format, jobs per kind and per name, faults, uploads, 401s).

mod config;
mod counters;
mod envelope;
mod faults;
mod jobs;
mod media;
mod ops;
mod resources;
mod routes;
mod schema;
mod state;
mod webhooks;

pub use config::{FaultPlan, JobDurations, SimConfig, SimEnvelope};
pub use counters::Counters;
pub use envelope::express_404_body;

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

/// Starts a simulator on `127.0.0.1` with an OS-chosen port, serving on the
/// current tokio runtime, and returns once it accepts connections.
///
/// Fails if no port can be bound, or if the embedded spec yields a schema
/// or route the simulator cannot hold (an `InvalidData` error naming it).
pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
    Simulator::start(config).await
}

impl Simulator {
    /// Same as [`start`].
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let schemas = schema::Schemas::compile().map_err(invalid)?;
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
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

    /// The first accepted token (`"sim-token"` by default; empty if
    /// [`SimConfig::tokens`] is empty, which makes every request a 401).
    pub fn token(&self) -> &str {
        self.app
            .config
            .tokens
            .first()
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The configuration it was started with.
    pub fn config(&self) -> &SimConfig {
        &self.app.config
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.app.counters()
    }

    /// The bytes `PUT` to the signed URL whose hosted `url` (from
    /// `generate_upload_url`'s answer) is given; `None` before the upload.
    pub fn uploaded(&self, url: &str) -> Option<Vec<u8>> {
        media::uploaded_bytes(&self.app, url).map(|b| b.to_vec())
    }

    /// A [`crate::ClientBuilder`] with this simulator's token and base URL
    /// set; add a retry policy, URL mode or HTTP client, then `build()`.
    /// For `start_paused` tests pass an HTTP client built with
    /// `reqwest::Client::builder().pool_idle_timeout(None)`.
    pub fn client_builder(&self) -> crate::ClientBuilder {
        crate::Client::builder()
            .token(self.token())
            .base_url(self.base_url())
    }

    /// A client for this simulator with default settings.
    pub fn client(&self) -> crate::Result<crate::Client> {
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
