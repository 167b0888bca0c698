//! [`Client`]: the entry point. Configure it with [`ClientBuilder`] or
//! [`Client::from_env`]; call any operation with [`Client::api`] and
//! [`Call::call`](crate::Call::call).

use crate::error::{Error, Result};
use crate::fallback::{FormatMemory, UrlFormat, UrlMode};
use crate::hooks::HookState;
use crate::operations::OperationSpec;
use crate::pipeline::{DEFAULT_BODY_LIMIT, Pipeline};
use crate::redact::{Redactor, token_problem};
use crate::retry::{RateLimitPolicy, RetryPolicy};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;

/// The largest download when none is set (16 GiB).
const DEFAULT_DOWNLOAD_LIMIT: u64 = 16 << 30;

/// The whole-request timeout of one attempt when none is set.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The environment variable holding the LowCodeAPI token.
pub const TOKEN_ENV: &str = "LOWCODEAPI_API_TOKEN";
/// The environment variable that overrides the base URL.
pub const BASE_URL_ENV: &str = "LOWCODEAPI_BASE_URL";
/// LowCodeAPI's Pictory endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.lowcodeapi.com/pictory";

/// A Pictory client through LowCodeAPI. Cheap to clone (the state is shared)
/// and safe to use from many tasks at once. Its `Debug` never shows the token.
#[derive(Clone)]
pub struct Client {
    raw: crate::raw::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("token", &"[REDACTED]")
            .field("url_mode", &self.pipeline().mode)
            .finish()
    }
}

impl Client {
    /// A builder with the defaults: base URL [`DEFAULT_BASE_URL`], 30 s
    /// request timeout, 10 s connect timeout, [`RetryPolicy::default`],
    /// [`UrlMode::Auto`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client from `LOWCODEAPI_API_TOKEN` (required) and
    /// `LOWCODEAPI_BASE_URL` (optional), with the other defaults.
    pub fn from_env() -> Result<Client> {
        let token = std::env::var(TOKEN_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| Error::Config {
                message: format!("{TOKEN_ENV} is not set: export your LowCodeAPI API token in it"),
            })?;
        let mut builder = Client::builder().token(token);
        if let Some(base) = std::env::var(BASE_URL_ENV)
            .ok()
            .filter(|b| !b.trim().is_empty())
        {
            builder = builder.base_url(base);
        }
        builder.build()
    }

    /// The generated client: one builder method per operation. Finish a
    /// builder with [`Call::call`](crate::Call::call) to get this crate's
    /// `Result`.
    pub fn api(&self) -> &crate::raw::Client {
        &self.raw
    }

    /// The base URL, e.g. `https://api.lowcodeapi.com/pictory`.
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&self.raw)
    }

    /// The URL format this client has found to work for an operation, if any.
    pub fn remembered_format(&self, operation: &str) -> Option<UrlFormat> {
        OperationSpec::find(operation).and_then(|op| self.pipeline().formats.get(op))
    }

    /// Requests this client (and its clones) sent to LowCodeAPI so far,
    /// retries and format fallbacks included.
    pub fn requests_sent(&self) -> u64 {
        self.pipeline()
            .sends
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Re-sends the retry policy made so far (not counting format fallbacks).
    pub fn retries_made(&self) -> u64 {
        self.pipeline()
            .retries
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn pipeline(&self) -> &Arc<Pipeline> {
        &progenitor_client::ClientInfo::inner(&self.raw).0
    }
}

/// Configures a [`Client`]. Every setting has a default except the token.
#[derive(Default)]
pub struct ClientBuilder {
    token: Option<SecretString>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    rate_limit: Option<RateLimitPolicy>,
    url_mode: UrlMode,
    user_agent: Option<String>,
    no_timers: bool,
    body_limit: Option<usize>,
    download_limit: Option<u64>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field("url_mode", &self.url_mode)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The LowCodeAPI token, sent as the `api_token` query parameter. Required.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// The base URL including the `/pictory` stem. Default [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The whole-request timeout of one attempt. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The connect timeout. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The retry policy. Default [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// What the client's clones do together on a 429. Default
    /// [`RateLimitPolicy::default`] (shared pause, paced release, adaptive
    /// in-flight limit).
    pub fn rate_limit_policy(mut self, policy: RateLimitPolicy) -> Self {
        self.rate_limit = Some(policy);
        self
    }

    /// Which URL format(s) to use. Default [`UrlMode::Auto`].
    pub fn url_mode(mut self, mode: UrlMode) -> Self {
        self.url_mode = mode;
        self
    }

    /// The `User-Agent`. Default `pictory-rs/<version>`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// The largest successful body read, in bytes; a larger one is
    /// [`Error::BodyTooLarge`](crate::Error::BodyTooLarge) and is not read.
    /// Default 32 MiB (a long transcript fits). Error bodies are read up
    /// to 256 KiB at most.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.body_limit = Some(limit);
        self
    }

    /// The largest file [`Client::download`] writes (default 16 GiB): a
    /// larger announced size, or a body that goes past it (a host that
    /// announces no size and does not stop), is
    /// [`DownloadProblem::TooLarge`](crate::download::DownloadProblem::TooLarge)
    /// and nothing is left on disk.
    pub fn max_download_bytes(mut self, limit: u64) -> Self {
        self.download_limit = Some(limit);
        self
    }

    /// No timers in the HTTP stack (no request or connect timeout, no idle
    /// pool sweep, and a job wait's deadline does not cut a read in flight),
    /// for tests on paused `tokio` time: only the client's own sleeps then
    /// move the clock. Not for production use.
    pub fn without_timeouts(mut self) -> Self {
        self.no_timers = true;
        self
    }

    /// Builds the client; [`Error::Config`] names what is wrong. A token
    /// that cannot be kept out of output safely is refused: empty, with
    /// whitespace, control or non-ASCII characters, or shorter than 8
    /// characters.
    pub fn build(self) -> Result<Client> {
        let token = self.token.ok_or_else(|| Error::Config {
            message: format!("no API token: call ClientBuilder::token or set {TOKEN_ENV}"),
        })?;
        if let Some(problem) = token_problem(token.expose_secret()) {
            return Err(Error::Config {
                message: problem.to_string(),
            });
        }
        let redactor = Redactor::new(token.expose_secret());
        let base = self
            .base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let base = base.trim_end_matches('/').to_string();
        // Shown in errors: never with the token in it.
        let shown = redactor.text(&base);
        let parsed = url::Url::parse(&base).map_err(|e| Error::Config {
            message: format!("base URL {shown:?} is not a URL: {e}"),
        })?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
            || !parsed.username().is_empty()
            || parsed.password().is_some()
        {
            return Err(Error::Config {
                message: format!(
                    "base URL {shown:?} must be http(s), without a query, fragment or credentials"
                ),
            });
        }
        let agent = self
            .user_agent
            .unwrap_or_else(|| concat!("pictory-rs/", env!("CARGO_PKG_VERSION")).to_string());
        // Redirects are never followed and no Referer is ever sent: the
        // token is in every URL.
        let mut http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .user_agent(agent);
        http = if self.no_timers {
            http.pool_idle_timeout(None)
        } else {
            http.timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
        };
        let http = http.build().map_err(|e| Error::Config {
            message: format!("cannot build the HTTP client: {}", e.without_url()),
        })?;
        let pipeline = Pipeline {
            http: http.clone(),
            token,
            redactor,
            retry: self.retry.unwrap_or_default(),
            mode: self.url_mode,
            formats: FormatMemory::default(),
            base_path: parsed.path().trim_end_matches('/').to_string(),
            body_limit: self.body_limit.unwrap_or(DEFAULT_BODY_LIMIT),
            timers: !self.no_timers,
            request_timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            download_limit: self.download_limit.unwrap_or(DEFAULT_DOWNLOAD_LIMIT),
            sends: Default::default(),
            retries: Default::default(),
            throttle: crate::pipeline::throttle::Throttle::new(self.rate_limit.unwrap_or_default()),
        };
        let raw = crate::raw::Client::new_with_client(&base, http, HookState(Arc::new(pipeline)));
        Ok(Client { raw })
    }
}
