//! The hub: where callback URLs come from and where posts are checked and
//! handed to the wait that expects them.

use super::tag::{self, Tagger};
use crate::error::{Error, Result};
use crate::jobs::{Job, parse_job};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Posts kept for one job until its wait reads them; more are dropped
/// (Pictory posts once per job; the rest are duplicates or noise).
const QUEUE: usize = 8;

/// The shortest safety-poll interval accepted.
const MIN_SAFETY_POLL: Duration = Duration::from_millis(100);

/// Receives Pictory's webhook posts and hands each to the wait that expects
/// it. Cheap to clone; all clones share one registry. Built once, with
/// [`WebhookHub::new`] or [`WebhookHub::builder`], and never changed
/// afterwards, so every clone (a router, a server, the flows) agrees.
///
/// Pictory signs nothing, so every callback URL the hub hands out carries a
/// random nonce and a tag (HMAC-SHA256 with the hub's secret over the
/// nonce): a post without a valid tag is refused with 401. A tagged post is
/// still only data: by default a wait confirms it with a job read when the
/// proxy has a job route ([`WebhookHubBuilder::trust_tagged_body`] turns
/// that off).
///
/// ```
/// use std::time::Duration;
/// let hub = pictory::webhooks::WebhookHub::builder("https://app.example.com/hooks/pictory")
///     .safety_poll(Duration::from_secs(300))
///     .build()?;
/// let callback = hub.callback()?;
/// assert!(callback.url().starts_with("https://app.example.com/hooks/pictory/"));
/// # Ok::<(), pictory::Error>(())
/// ```
#[derive(Clone)]
pub struct WebhookHub {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// The public base URL, without a trailing slash.
    base: String,
    /// The base URL's path, without a trailing slash ("" for the root).
    path: String,
    tagger: Tagger,
    pub(crate) safety_poll: Duration,
    pub(crate) trust_body: bool,
    pub(crate) body_limit: usize,
    /// Bytes of post bodies being read at once, in KiB permits: a post
    /// reserves its size (announced, else the body limit) before its body
    /// is read; beyond the budget it gets 503 with `Retry-After`.
    pub(crate) bodies: Arc<tokio::sync::Semaphore>,
    waiting: Mutex<HashMap<String, mpsc::Sender<Job>>>,
}

impl std::fmt::Debug for WebhookHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookHub")
            .field("base_url", &self.inner.base)
            .field("secret", &"<redacted>")
            .field("safety_poll", &self.inner.safety_poll)
            .field("trust_tagged_body", &self.inner.trust_body)
            .field("body_limit", &self.inner.body_limit)
            .field("waiting", &self.waiting())
            .finish()
    }
}

/// Settings of a [`WebhookHub`], from [`WebhookHub::builder`].
pub struct WebhookHubBuilder {
    base: String,
    secret: Option<Vec<u8>>,
    safety_poll: Duration,
    trust_body: bool,
    body_limit: usize,
    bodies_in_flight: usize,
}

impl std::fmt::Debug for WebhookHubBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookHubBuilder")
            .field("base_url", &self.base)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("safety_poll", &self.safety_poll)
            .field("trust_tagged_body", &self.trust_body)
            .field("body_limit", &self.body_limit)
            .field("bodies_in_flight", &self.bodies_in_flight)
            .finish()
    }
}

impl WebhookHubBuilder {
    /// Your own secret (at least 16 bytes) instead of a random one, so that
    /// callback URLs stay valid across restarts of your process. Keep it as
    /// secret as the API token.
    pub fn secret(mut self, secret: &[u8]) -> Self {
        self.secret = Some(secret.to_vec());
        self
    }

    /// How often a wait reads the job while no webhook came, in case one
    /// was lost (default 5 minutes, at least 100 ms; the wait's deadline
    /// still applies).
    pub fn safety_poll(mut self, every: Duration) -> Self {
        self.safety_poll = every.max(MIN_SAFETY_POLL);
        self
    }

    /// When `true`, a tagged post that reports the end of a job ends the
    /// wait without a confirming job read. The tag proves only that the
    /// sender knew the callback URL; choose this when the URL stays private
    /// between you and Pictory. Default `false` (confirm when the proxy has
    /// a job route; without one the tagged body is all there is).
    pub fn trust_tagged_body(mut self, trust: bool) -> Self {
        self.trust_body = trust;
        self
    }

    /// The largest post accepted (default 32 MiB, room for a long
    /// transcript); a larger one gets 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The most bytes of post bodies read at once, all posts together
    /// (default 64 MiB): a post reserves its announced size (or the body
    /// limit when it announces none) before its body is read, and beyond
    /// this budget gets `503` with `Retry-After: 1`, unread. At least the
    /// body limit.
    pub fn bodies_in_flight(mut self, bytes: usize) -> Self {
        self.bodies_in_flight = bytes;
        self
    }

    /// The hub. A base URL that is not an absolute `http(s)` URL, that has
    /// a query, fragment or credentials, or a path no router can serve
    /// (empty segments, segments starting with `:` or `*`), or a secret
    /// shorter than 16 bytes, is [`Error::Config`].
    pub fn build(self) -> Result<WebhookHub> {
        let bad = |why: &str| Error::Config {
            message: format!("webhooks: the public base URL {why}"),
        };
        let url = url::Url::parse(&self.base).map_err(|_| bad("is not a URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(bad("must be an absolute http(s) URL"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not have a query or fragment"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not carry credentials"));
        }
        let base = url.as_str().trim_end_matches('/').to_string();
        let path = url.path().trim_end_matches('/').to_string();
        // The path becomes a route: no empty segments, nothing a router
        // reads as a capture or wildcard.
        if path
            .split('/')
            .skip(1)
            .any(|seg| seg.is_empty() || seg.starts_with([':', '*']) || seg.contains(['{', '}']))
        {
            return Err(bad(
                "has a path a router cannot serve (empty segments, or segments starting with ':' or '*')",
            ));
        }
        let secret = match self.secret {
            Some(secret) if secret.len() < tag::MIN_SECRET_BYTES => {
                return Err(Error::Config {
                    message: format!(
                        "webhooks: the secret must have at least {} bytes",
                        tag::MIN_SECRET_BYTES
                    ),
                });
            }
            Some(secret) => secret,
            None => tag::random_bytes(32).map_err(|e| Error::Config {
                message: format!("webhooks: no random source for the secret ({e})"),
            })?,
        };
        Ok(WebhookHub {
            inner: Arc::new(Inner {
                base,
                path,
                tagger: Tagger::new(&secret),
                safety_poll: self.safety_poll,
                trust_body: self.trust_body,
                body_limit: self.body_limit,
                bodies: Arc::new(tokio::sync::Semaphore::new(kib(self
                    .bodies_in_flight
                    .max(self.body_limit)))),
                waiting: Mutex::new(HashMap::new()),
            }),
        })
    }
}

/// `bytes` in KiB permits (rounded up, at most what a semaphore holds).
pub(crate) fn kib(bytes: usize) -> usize {
    bytes
        .div_ceil(1024)
        .clamp(1, tokio::sync::Semaphore::MAX_PERMITS)
}

/// What the receiver answered a post, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Receipt {
    pub status: u16,
    pub message: &'static str,
}

impl Receipt {
    fn new(status: u16, message: &'static str) -> Receipt {
        Receipt { status, message }
    }

    pub(crate) fn unauthorized() -> Receipt {
        Receipt::new(401, "bad or missing webhook tag")
    }

    pub(crate) fn too_large() -> Receipt {
        Receipt::new(413, "the body is larger than the hub's limit")
    }

    pub(crate) fn not_expected() -> Receipt {
        Receipt::new(200, "no wait expects this callback any more; ignored")
    }
}

impl WebhookHub {
    /// A hub for callbacks under `public_base_url`, the address where
    /// Pictory can reach your application (`https://…`; `http://` for
    /// loopback tests), with a new random secret and the default settings.
    /// Mount [`WebhookHub::router`] so that this URL's path reaches it, or
    /// run [`WebhookHub::serve`]. Errors as [`WebhookHubBuilder::build`].
    pub fn new(public_base_url: &str) -> Result<WebhookHub> {
        Self::builder(public_base_url).build()
    }

    /// Settings first (secret, safety poll, trust, body limit), then
    /// [`WebhookHubBuilder::build`].
    pub fn builder(public_base_url: &str) -> WebhookHubBuilder {
        WebhookHubBuilder {
            base: public_base_url.to_string(),
            secret: None,
            safety_poll: Duration::from_secs(300),
            trust_body: false,
            body_limit: 32 << 20,
            bodies_in_flight: 64 << 20,
        }
    }

    /// A new callback: pass [`Callback::url`] as the job's `webhook`, then
    /// wait with [`crate::jobs::JobHandle::wait_for_webhook`]. The flows do
    /// both when given the hub ([`crate::FlowOptions::webhooks`]). Dropping
    /// the callback forgets it: later posts to its URL are answered and
    /// ignored, without reading their bodies.
    pub fn callback(&self) -> Result<Callback> {
        let nonce = tag::new_nonce().map_err(|e| Error::Config {
            message: format!("webhooks: no random source for a nonce ({e})"),
        })?;
        let tag = self.inner.tagger.tag(&nonce);
        let (tx, rx) = mpsc::channel(QUEUE);
        self.registry().insert(nonce.clone(), tx);
        Ok(Callback {
            url: format!("{}/{nonce}/{tag}", self.inner.base),
            hub: self.clone(),
            nonce,
            rx,
        })
    }

    /// The public base URL callbacks are made under (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// Callbacks handed out and not yet dropped.
    pub fn waiting(&self) -> usize {
        self.registry().len()
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<Job>>> {
        lock(&self.inner.waiting)
    }

    /// The path (relative to the server root) of the route that receives
    /// posts, with `{nonce}` and `{tag}` captures.
    pub(crate) fn route_path(&self) -> String {
        format!("{}/{{nonce}}/{{tag}}", self.inner.path)
    }

    /// The path of the base URL ("" for the root).
    pub(crate) fn base_path(&self) -> &str {
        &self.inner.path
    }

    /// Checks the tag before anything else (the body is not read for a bad
    /// one), then whether a wait still expects the callback (the body is
    /// not read for a stale one either): `Err` is the answer to give.
    pub(crate) fn admit(&self, nonce: &str, tag: &str) -> std::result::Result<(), Receipt> {
        if !self.inner.tagger.verify(nonce, tag) {
            return Err(Receipt::unauthorized());
        }
        if !self.registry().contains_key(nonce) {
            return Err(Receipt::not_expected());
        }
        Ok(())
    }

    /// Handles the body of an admitted post: a job body is handed to the
    /// wait for `nonce` (if still there); anything else is 400.
    pub(crate) fn deliver(&self, nonce: &str, body: &[u8]) -> Receipt {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return Receipt::new(400, "the body is not JSON");
        };
        // Ids in the body are checked like any path value here.
        let job = match parse_job(&value, None) {
            Ok(job) => job,
            Err(_) => return Receipt::new(400, "the body is not a job body"),
        };
        let sender = self.registry().get(nonce).cloned();
        match sender {
            Some(tx) => {
                // A full queue means the wait has more posts than it needs.
                let _ = tx.try_send(job);
                Receipt::new(200, "accepted")
            }
            None => Receipt::not_expected(),
        }
    }
}

/// A lock whose poisoning (a panic elsewhere) leaves the data usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One expected webhook: its URL (the job's `webhook`) and the queue of
/// tagged posts to it. From [`WebhookHub::callback`].
pub struct Callback {
    url: String,
    pub(crate) hub: WebhookHub,
    nonce: String,
    pub(crate) rx: mpsc::Receiver<Job>,
}

impl Callback {
    /// The URL to send as the job's `webhook`. It is the only credential of
    /// the callback: do not log it.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The tag stays out of logs.
        f.debug_struct("Callback")
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        self.hub.registry().remove(&self.nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(cb: &Callback) -> (String, String) {
        let mut it = cb.url().rsplitn(3, '/');
        let tag = it.next().unwrap().to_string();
        let nonce = it.next().unwrap().to_string();
        (nonce, tag)
    }

    #[test]
    fn base_urls_are_checked() {
        for bad in [
            "",
            "not a url",
            "ftp://x/",
            "https://x/?a=1",
            "https://x/#f",
            "https://u:p@x/",
            "mailto:a@b",
        ] {
            assert!(
                matches!(WebhookHub::new(bad), Err(Error::Config { .. })),
                "{bad}"
            );
        }
        assert!(
            WebhookHub::builder("https://x/")
                .secret(b"short")
                .build()
                .is_err()
        );
        let hub = WebhookHub::new("https://app.example.com/").unwrap();
        assert_eq!(hub.route_path(), "/{nonce}/{tag}");
        let hub = WebhookHub::new("https://app.example.com/a/b/").unwrap();
        assert_eq!(hub.route_path(), "/a/b/{nonce}/{tag}");
        for odd in [
            "https://x//a",
            "https://x/:a",
            "https://x/a/*b",
            "https://x/b//c",
        ] {
            assert!(WebhookHub::new(odd).is_err(), "{odd}");
        }
        // Whatever is accepted can be routed.
        for fine in [
            "https://x",
            "https://x/a%20b/c.d",
            "https://x/{a}",
            "https://x/a:b/~c",
        ] {
            let hub = WebhookHub::new(fine).unwrap();
            let _ = hub.router();
        }
        assert!(
            hub.callback()
                .unwrap()
                .url()
                .starts_with("https://app.example.com/a/b/")
        );
    }

    #[tokio::test]
    async fn tagged_posts_reach_their_wait_and_nothing_else_does() {
        let hub = WebhookHub::new("http://127.0.0.1:1/h").unwrap();
        let mut cb = hub.callback().unwrap();
        let (nonce, tag) = parts(&cb);
        assert!(hub.admit(&nonce, &tag).is_ok());
        assert_eq!(hub.admit(&nonce, "00").unwrap_err().status, 401);
        assert_eq!(hub.admit("", "").unwrap_err().status, 401);
        let body = br#"{"job_id":"j1","success":true,"data":{"status":"completed","videoURL":"https://v/1.mp4"}}"#;
        assert_eq!(hub.deliver(&nonce, body).status, 200);
        assert_eq!(hub.deliver(&nonce, b"<html>").status, 400);
        assert_eq!(
            hub.deliver(
                &nonce,
                br#"{"job_id":"../x","data":{"status":"completed"}}"#
            )
            .status,
            400
        );
        let job = cb.rx.recv().await.unwrap();
        assert_eq!(job.id.unwrap().as_str(), "j1");
        assert!(cb.rx.try_recv().is_err(), "only the good post is queued");
        assert_eq!(hub.waiting(), 1);
        drop(cb);
        assert_eq!(hub.waiting(), 0);
        // A late duplicate is answered and ignored, its body unread.
        assert_eq!(hub.admit(&nonce, &tag), Err(Receipt::not_expected()));
        assert_eq!(hub.deliver(&nonce, body).status, 200);
    }

    #[test]
    fn debug_shows_no_secret_and_no_tag() {
        let hub = WebhookHub::builder("https://x/h")
            .secret(b"super-secret-value-1234")
            .build()
            .unwrap();
        let cb = hub.callback().unwrap();
        let (_, tag) = parts(&cb);
        let printed = format!("{hub:?} {cb:?}");
        assert!(!printed.contains("super-secret"));
        assert!(!printed.contains(&tag));
    }
}
