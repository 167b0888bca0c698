//! [`Client`]: the entry point. Configure it with [`ClientBuilder`] or
//! [`Client::from_env`]; call any operation with [`Client::api`] and
//! [`Call::call`](crate::Call::call).

use crate::error::{Error, Result};
use crate::fallback::{FormatMemory, UrlFormat, UrlMode};
use crate::operations::OperationSpec;
use crate::retry::RetryPolicy;
use crate::transport::{HookState, Shared};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

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
            .field("url_mode", &self.shared().mode)
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

    /// The `reqwest::Client` requests go through.
    pub fn http(&self) -> &reqwest::Client {
        progenitor_client::ClientInfo::client(&self.raw)
    }

    /// The URL format this client has found to work for an operation, if any.
    pub fn remembered_format(&self, operation: &str) -> Option<UrlFormat> {
        OperationSpec::find(operation).and_then(|op| self.shared().formats.get(op))
    }

    /// Requests this client (and its clones) sent to LowCodeAPI so far,
    /// retries and format fallbacks included.
    pub fn requests_sent(&self) -> u64 {
        self.shared()
            .sends
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Re-sends the retry policy made so far (not counting format fallbacks).
    pub fn retries_made(&self) -> u64 {
        self.shared()
            .retries
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// `text` with this client's token (and any `api_token=` value) removed.
    pub(crate) fn redact(&self, text: &str) -> String {
        crate::error::redact(
            text,
            secrecy::ExposeSecret::expose_secret(&self.shared().token),
        )
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
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
    url_mode: UrlMode,
    user_agent: Option<String>,
    http: Option<reqwest::Client>,
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

    /// Use this `reqwest::Client` (its own timeouts and user agent apply;
    /// [`timeout`](Self::timeout) and [`user_agent`](Self::user_agent) are ignored).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client; [`Error::Config`] names what is wrong.
    pub fn build(self) -> Result<Client> {
        let token = self.token.ok_or_else(|| Error::Config {
            message: format!("no API token: call ClientBuilder::token or set {TOKEN_ENV}"),
        })?;
        let base = self
            .base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let base = base.trim_end_matches('/').to_string();
        // Shown in errors: never with the token in it.
        let shown = crate::error::redact(&base, secrecy::ExposeSecret::expose_secret(&token));
        let parsed = url::Url::parse(&base).map_err(|e| Error::Config {
            message: format!("base URL {shown:?} is not a URL: {e}"),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
            return Err(Error::Config {
                message: format!("base URL {shown:?} must be http(s) and have no query"),
            });
        }
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .timeout(self.timeout.unwrap_or(Duration::from_secs(30)))
                .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
                .user_agent(self.user_agent.unwrap_or_else(|| {
                    concat!("pictory-rs/", env!("CARGO_PKG_VERSION")).to_string()
                }))
                .build()
                .map_err(|e| Error::Config {
                    message: format!("cannot build the HTTP client: {e}"),
                })?,
        };
        let shared = Shared {
            token,
            retry: self.retry.unwrap_or_default(),
            mode: self.url_mode,
            formats: FormatMemory::default(),
            base_path: parsed.path().trim_end_matches('/').to_string(),
            sends: Default::default(),
            retries: Default::default(),
        };
        let raw = crate::raw::Client::new_with_client(&base, http, HookState(Arc::new(shared)));
        Ok(Client { raw })
    }
}
