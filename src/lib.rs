//! Rust bindings for [Pictory](https://pictory.ai)'s AI video generation
//! through [LowCodeAPI](https://lowcodeapi.com).
//!
//! Two layers, kept apart:
//! - [`raw`]: the low-level client generated at build time from
//!   `spec/pictory.normalized.json` by progenitor (one builder per
//!   operation, progenitor's own types);
//! - the hand-written layer: [`Client`] (credentials, new → old URL
//!   fallback, retries), [`Client::api`] (one typed builder per operation,
//!   generated from the same spec, whose `send()` decodes envelopes and
//!   returns typed [`Error`]s), jobs, flows, downloads.
//!
//! The headline journey, text → preview → render → an `.mp4` on disk:
//!
//! ```no_run
//! use pictory::Client;
//! use pictory::storyboard::{Scene, StoryboardRequest};
//! # async fn demo() -> pictory::Result<()> {
//! // LOWCODEAPI_API_TOKEN, and PICTORY_API_KEY to read jobs from Pictory
//! // directly (LowCodeAPI's own server has no job-status route).
//! let client = Client::from_env()?;
//! let request = StoryboardRequest::new("Launch")
//!     .scene(Scene::text("Our new app is out. Here is what it does."));
//! let video = client.text_to_video(&request).await?;
//! eprintln!("render job {}", video.render_job);
//! let saved = client
//!     .download_video(&video.video, "launch.mp4", |bytes, total| {
//!         eprintln!("{bytes} of {total:?} bytes")
//!     })
//!     .await?;
//! println!("{}", saved.path.display());
//! # Ok(()) }
//! ```
//!
//! Any operation of the spec, typed: `client.api().list_templates().send().await?`.
//! The [`Client`]'s documentation lists its methods in one table.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
pub mod bulk;
mod client;
mod download;
mod dynamic;
mod envelope;
mod error;
mod fallback;
mod files;
mod flows;
mod hooks;
pub mod jobs;
#[cfg(feature = "journal")]
#[cfg_attr(docsrs, doc(cfg(feature = "journal")))]
pub mod journal;
mod journey;
mod operations;
pub(crate) mod pages;
mod path;
mod pipeline;
mod quota;
pub mod raw;
mod redact;
mod response;
mod retry;
pub mod schema;
pub mod storyboard;
mod typed;
mod upload;
mod waiting;
#[cfg(feature = "webhooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhooks")))]
pub mod webhooks;
pub mod wire;

pub use client::{Client, ClientBuilder};
pub use download::{DownloadProblem, Downloaded};
pub use envelope::{Envelope, FieldError};
pub use error::{Error, ErrorResponse, Result, TransportKind};
pub use fallback::{UrlFormat, UrlMode};
pub use files::{OutputFile, WriteProblem};
pub use flows::{FlowOptions, Stage, VideoResult};
pub use operations::{BodyKind, OPERATIONS, OperationSpec, ServedBy};
pub use pages::Pages;
pub use path::PathValue;
pub use quota::QuotaEstimate;
/// The HTTP library the client runs on, at the version it uses: for
/// [`ClientBuilder::http_client`] (your own proxy, certificates, pool settings).
pub use reqwest;
pub use response::{ApiResponse, Response};
pub use retry::{DefaultRetryRule, RateLimitPolicy, RetryPolicy, RetryRule};
pub use upload::{TemplateUpload, UploadedFile};
pub use waiting::{JobReads, WaitPlan};

/// The README's examples, compiled as doc tests (they use the webhook
/// receiver, the journal and the simulator crate `pictory-sim`, a
/// dev-dependency, so they run with those features on, as the README's test
/// command does).
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "webhooks", feature = "journal"))]
pub struct ReadmeDoctests;

/// The guide's examples, compiled as doc tests like the README's.
#[doc = include_str!("../GUIDE.md")]
#[cfg(all(doctest, feature = "webhooks", feature = "journal"))]
pub struct GuideDoctests;
