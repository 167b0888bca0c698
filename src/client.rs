//! [`Client`]: the entry point. Configure it with [`ClientBuilder`] or
//! [`Client::from_env`]; call any operation with [`Client::api`] and the
//! builder's `send()`.

use crate::error::{Error, Result};
use crate::fallback::{FormatMemory, UrlFormat, UrlMode};
use crate::hooks::HookState;
use crate::operations::OperationSpec;
use crate::pipeline::{DEFAULT_BODY_LIMIT, Pipeline, Upstream};
use crate::redact::{Redactor, secret_problem};
use crate::retry::{RateLimitPolicy, RetryPolicy};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;

/// The largest download when none is set (16 GiB).
const DEFAULT_DOWNLOAD_LIMIT: u64 = 16 << 30;

/// The whole-request timeout of one attempt when none is set.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The connect timeout when none is set.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The environment variable holding the LowCodeAPI token.
pub(crate) const TOKEN_ENV: &str = "LOWCODEAPI_API_TOKEN";
/// The environment variable that overrides the base URL.
pub(crate) const BASE_URL_ENV: &str = "LOWCODEAPI_BASE_URL";
/// LowCodeAPI's Pictory endpoint.
pub(crate) const DEFAULT_BASE_URL: &str = "https://api.lowcodeapi.com/pictory";
/// The environment variable holding Pictory's own API key (`pictai_...`),
/// for direct requests to Pictory (job reads, when LowCodeAPI has no
/// job-status route).
pub(crate) const PICTORY_KEY_ENV: &str = "PICTORY_API_KEY";
/// The environment variable that overrides Pictory's base URL.
pub(crate) const PICTORY_BASE_URL_ENV: &str = "PICTORY_BASE_URL";
/// Pictory's API host; the spec's paths (`/pictoryapis/v1/...`) follow it.
pub(crate) const DEFAULT_PICTORY_BASE_URL: &str = "https://api.pictory.ai";

/// A Pictory client: through LowCodeAPI (a LowCodeAPI token), directly to
/// Pictory (Pictory's API key), or both (operations through LowCodeAPI,
/// job reads from Pictory when LowCodeAPI has no job-status route). Cheap
/// to clone (the state is shared) and safe to use from many tasks at once.
/// Its `Debug` never shows the token or the key.
///
/// Everything a client does, in one place (the methods live beside the
/// code they run):
///
/// | to | use |
/// |---|---|
/// | build one | [`Client::from_env`], [`Client::builder`] |
/// | call any operation, typed | [`Client::api`] (one builder per operation, `.send().await`) |
/// | call an operation named at run time | [`Client::call_operation`] |
/// | use progenitor's own client | [`Client::raw`] |
/// | make a video | [`Client::text_to_video`], [`Client::text_to_video_with`], [`Client::video_from_template`] |
/// | go step by step | [`Client::preview`], [`Client::render_preview`]; to start only: [`Client::start_storyboard`], [`Client::start_render_from_preview`], [`Client::start_render`], [`Client::start_video_from_template`] |
/// | transcribe, summarize | [`Client::transcribe`], [`Client::summarize`]; to start only: [`Client::start_transcription`], [`Client::start_summary`] |
/// | read or wait for a job | [`Client::job`] (then `poll`, `wait`, `progress`) |
/// | know how jobs are waited for | [`Client::job_reads`], [`Client::wait_plan`] |
/// | upload, download | [`Client::upload_file`], [`Client::create_template_from_file`], [`Client::download_video`], [`Client::download`] |
/// | observe it | [`Client::requests_sent`], [`Client::retries_made`], [`Client::remembered_format`], [`Client::base_url`] |
#[derive(Clone)]
pub struct Client {
    raw: crate::raw::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("pipeline", self.pipeline())
            .finish()
    }
}

impl Client {
    /// The environment variable holding the LowCodeAPI token (`at_...`).
    pub const TOKEN_ENV: &'static str = TOKEN_ENV;
    /// The environment variable that overrides LowCodeAPI's base URL.
    pub const BASE_URL_ENV: &'static str = BASE_URL_ENV;
    /// LowCodeAPI's Pictory endpoint, the default base URL.
    pub const DEFAULT_BASE_URL: &'static str = DEFAULT_BASE_URL;
    /// The environment variable holding Pictory's own API key (`pictai_...`).
    pub const PICTORY_KEY_ENV: &'static str = PICTORY_KEY_ENV;
    /// The environment variable that overrides Pictory's base URL.
    pub const PICTORY_BASE_URL_ENV: &'static str = PICTORY_BASE_URL_ENV;
    /// Pictory's API host, the default Pictory base URL.
    pub const DEFAULT_PICTORY_BASE_URL: &'static str = DEFAULT_PICTORY_BASE_URL;

    /// A builder with the defaults: base URL [`Client::DEFAULT_BASE_URL`], 30 s
    /// request timeout, 10 s connect timeout, [`RetryPolicy::default`],
    /// [`UrlMode::Auto`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client from the environment: `LOWCODEAPI_API_TOKEN` and
    /// `LOWCODEAPI_BASE_URL` (optional) for LowCodeAPI, `PICTORY_API_KEY`
    /// and `PICTORY_BASE_URL` (optional) for Pictory itself, with the other
    /// defaults. At least one of the token and the key must be set.
    pub fn from_env() -> Result<Client> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let (token, key) = (var(TOKEN_ENV), var(PICTORY_KEY_ENV));
        if token.is_none() && key.is_none() {
            return Err(Error::Config {
                message: format!(
                    "{TOKEN_ENV} is not set: export your LowCodeAPI API token in it (or {PICTORY_KEY_ENV}, Pictory's API key, to talk to Pictory directly)"
                ),
            });
        }
        let mut builder = Client::builder();
        if let Some(token) = token {
            builder = builder.token(token);
        }
        if let Some(key) = key {
            builder = builder.pictory_key(key);
        }
        if let Some(base) = var(BASE_URL_ENV) {
            builder = builder.base_url(base);
        }
        if let Some(base) = var(PICTORY_BASE_URL_ENV) {
            builder = builder.pictory_base_url(base);
        }
        builder.build()
    }

    /// progenitor's generated client (`pictory::raw`), for callers who want
    /// its interface: its builders' `send()` runs through this client's
    /// pipeline too, but answers with progenitor's own types
    /// (`progenitor_client::Error`, which may print request URLs). Prefer
    /// [`Client::api`], which answers with this crate's [`Result`].
    pub fn raw(&self) -> &crate::raw::Client {
        &self.raw
    }

    /// The base URL of the generated client: LowCodeAPI's (e.g.
    /// `https://api.lowcodeapi.com/pictory`) when a token is set, else
    /// Pictory's.
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

    /// Whether the client has Pictory's API key (the operations only
    /// Pictory serves need it).
    pub(crate) fn has_pictory_key(&self) -> bool {
        self.pipeline().pictory.is_some()
    }

    pub(crate) fn pipeline(&self) -> &Arc<Pipeline> {
        &progenitor_client::ClientInfo::inner(&self.raw).0
    }
}

/// Configures a [`Client`]. Every setting has a default except the
/// credentials: a LowCodeAPI token, Pictory's API key, or both.
#[derive(Default)]
pub struct ClientBuilder {
    token: Option<SecretString>,
    base_url: Option<String>,
    pictory_key: Option<SecretString>,
    pictory_base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    rate_limit: Option<RateLimitPolicy>,
    url_mode: UrlMode,
    user_agent: Option<String>,
    job_reads: Option<crate::JobReads>,
    no_timers: bool,
    body_limit: Option<usize>,
    download_limit: Option<u64>,
    http: Option<reqwest::ClientBuilder>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field(
                "pictory_key",
                &self.pictory_key.as_ref().map(|_| "[REDACTED]"),
            )
            .field("pictory_base_url", &self.pictory_base_url)
            .field("url_mode", &self.url_mode)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The LowCodeAPI token (`at_...`), sent only to LowCodeAPI's base URL,
    /// as the `api_token` query parameter. Without it every operation goes
    /// to Pictory directly (and needs [`pictory_key`](Self::pictory_key)).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// The base URL including the `/pictory` stem. Default [`Client::DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Pictory's own API key (`pictai_...`), sent only to Pictory's base
    /// URL, raw in `Authorization` as Pictory documents. With a token as
    /// well, operations still go through LowCodeAPI and the key is used
    /// for job reads when LowCodeAPI has no job-status route (see
    /// [`Client::job_reads`]); without a token, everything goes to Pictory.
    pub fn pictory_key(mut self, key: impl Into<String>) -> Self {
        self.pictory_key = Some(SecretString::from(key.into()));
        self
    }

    /// Pictory's base URL, before the spec's `/pictoryapis/...` paths.
    /// Default [`Client::DEFAULT_PICTORY_BASE_URL`].
    pub fn pictory_base_url(mut self, url: impl Into<String>) -> Self {
        self.pictory_base_url = Some(url.into());
        self
    }

    /// Where jobs are read from, when you know it (skips finding it out,
    /// see [`Client::job_reads`]): [`JobReads::Proxy`](crate::JobReads::Proxy)
    /// for a LowCodeAPI deployment with a job-status route (needs a token),
    /// [`JobReads::Direct`](crate::JobReads::Direct) for Pictory (needs the
    /// key), [`JobReads::Unavailable`](crate::JobReads::Unavailable) to wait
    /// on webhooks only. Default: found out on first need.
    pub fn job_reads(mut self, reads: crate::JobReads) -> Self {
        self.job_reads = Some(reads);
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
    /// [`Error::BodyTooLarge`] and is not read.
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

    /// Your own HTTP configuration: a [`reqwest::ClientBuilder`] with the
    /// proxy, root certificates, DNS resolver, local address, pool or TLS
    /// settings you need (reqwest is re-exported as `pictory::reqwest`). The
    /// client builds it after setting what keeps the secrets safe, which
    /// always wins: redirects are never followed and no `Referer` is sent
    /// (the token is in every LowCodeAPI URL, the key in every Pictory
    /// request), and the `User-Agent` is [`user_agent`](Self::user_agent)'s.
    /// [`timeout`](Self::timeout) and [`connect_timeout`](Self::connect_timeout)
    /// apply when you set them here; otherwise the builder's own (none,
    /// unless you set them on it). A built `reqwest::Client` is not taken,
    /// because whether it follows redirects cannot be checked.
    ///
    /// ```
    /// # fn demo() -> pictory::Result<()> {
    /// let http = pictory::reqwest::Client::builder().pool_max_idle_per_host(4);
    /// let client = pictory::Client::builder().token("at_your-token").http_client(http).build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn http_client(mut self, http: reqwest::ClientBuilder) -> Self {
        self.http = Some(http);
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

    /// Builds the client; [`Error::Config`] names what is wrong. Neither a
    /// token nor a key is refused, and so is a secret that cannot be kept
    /// out of output safely: empty, with whitespace, control or non-ASCII
    /// characters, or shorter than 8 characters. A Pictory key that is a
    /// LowCodeAPI token (`at_...`) is refused too.
    pub fn build(self) -> Result<Client> {
        let config = |message: String| Error::Config { message };
        if self.token.is_none() && self.pictory_key.is_none() {
            return Err(config(format!(
                "no credential: call ClientBuilder::token (or set {TOKEN_ENV}) for LowCodeAPI, or ClientBuilder::pictory_key (or set {PICTORY_KEY_ENV}) for Pictory"
            )));
        }
        if let Some(problem) = self
            .token
            .as_ref()
            .and_then(|t| secret_problem("the API token", t.expose_secret()))
        {
            return Err(config(problem));
        }
        if let Some(key) = &self.pictory_key {
            let key = key.expose_secret();
            if let Some(problem) = secret_problem("the Pictory API key", key) {
                return Err(config(problem));
            }
            if key.starts_with(crate::wire::TOKEN_PREFIX) {
                return Err(config(format!(
                    "the Pictory API key starts with {:?}: that is a LowCodeAPI token; give it as the token ({TOKEN_ENV}) and Pictory's own key (pictai_...) as {PICTORY_KEY_ENV}",
                    crate::wire::TOKEN_PREFIX
                )));
            }
        }
        let redactor = Redactor::new(
            self.token
                .iter()
                .chain(self.pictory_key.iter())
                .map(|s| s.expose_secret()),
        );
        let rate_limit = self.rate_limit.unwrap_or_default();
        let upstream = |secret: SecretString, base: Option<String>, default: &str| {
            let (base, base_path) = checked_base(&redactor, base.as_deref().unwrap_or(default))?;
            Ok::<_, Error>(Upstream {
                base,
                base_path,
                secret,
                throttle: crate::pipeline::throttle::Throttle::new(rate_limit.clone()),
            })
        };
        let lowcodeapi = match self.token {
            Some(token) => Some(upstream(token, self.base_url, DEFAULT_BASE_URL)?),
            None => None,
        };
        let pictory = match self.pictory_key {
            Some(key) => Some(upstream(
                key,
                self.pictory_base_url,
                DEFAULT_PICTORY_BASE_URL,
            )?),
            None => None,
        };
        match self.job_reads {
            Some(crate::JobReads::Proxy) if lowcodeapi.is_none() => {
                return Err(config(
                    "job reads through LowCodeAPI need a LowCodeAPI token".into(),
                ));
            }
            Some(crate::JobReads::Direct) if pictory.is_none() => {
                return Err(config(format!(
                    "job reads from Pictory need Pictory's API key ({PICTORY_KEY_ENV})"
                )));
            }
            _ => {}
        }
        let factory = lowcodeapi
            .as_ref()
            .or(pictory.as_ref())
            .expect("one credential was checked above");
        let (factory_base, factory_base_path) = (factory.base.clone(), factory.base_path.clone());
        let agent = self
            .user_agent
            .unwrap_or_else(|| concat!("pictory-rs/", env!("CARGO_PKG_VERSION")).to_string());
        // Redirects are never followed and no Referer is ever sent: the
        // token is in every LowCodeAPI URL, the key in every Pictory request.
        let own = self.http.is_some();
        let mut http = self
            .http
            .unwrap_or_default()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .user_agent(agent);
        http = if self.no_timers {
            http.pool_idle_timeout(None)
        } else {
            // The defaults, unless the caller's builder brings its own.
            let timeout = self.timeout.or((!own).then_some(DEFAULT_TIMEOUT));
            let connect = self
                .connect_timeout
                .or((!own).then_some(DEFAULT_CONNECT_TIMEOUT));
            if let Some(t) = timeout {
                http = http.timeout(t);
            }
            if let Some(t) = connect {
                http = http.connect_timeout(t);
            }
            http
        };
        let http = http.build().map_err(|e| Error::Config {
            message: format!("cannot build the HTTP client: {}", e.without_url()),
        })?;
        let pipeline = Pipeline {
            http: http.clone(),
            redactor,
            retry: self.retry.unwrap_or_default(),
            mode: self.url_mode,
            formats: FormatMemory::default(),
            lowcodeapi,
            pictory,
            factory_base: factory_base.clone(),
            factory_base_path,
            job_reads: tokio::sync::OnceCell::new_with(self.job_reads),
            probing: Default::default(),
            body_limit: self.body_limit.unwrap_or(DEFAULT_BODY_LIMIT),
            timers: !self.no_timers,
            request_timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            download_limit: self.download_limit.unwrap_or(DEFAULT_DOWNLOAD_LIMIT),
            sends: Default::default(),
            retries: Default::default(),
        };
        let raw =
            crate::raw::Client::new_with_client(&factory_base, http, HookState(Arc::new(pipeline)));
        Ok(Client { raw })
    }
}

/// A base URL checked and normalized: http(s), no query, fragment or
/// credentials; returned without a trailing slash, with its path.
fn checked_base(redactor: &Redactor, base: &str) -> Result<(String, String)> {
    let base = base.trim_end_matches('/');
    // Shown in errors: never with a secret in it.
    let shown = redactor.text(base);
    let parsed = url::Url::parse(base).map_err(|e| Error::Config {
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
    let normalized = parsed.as_str().trim_end_matches('/').to_string();
    Ok((normalized, parsed.path().trim_end_matches('/').to_string()))
}
