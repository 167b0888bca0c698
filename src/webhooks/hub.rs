//! The hub: where callback URLs come from and where posts are checked and
//! handed to the wait that expects them.

use super::tag::{self, Tagger};
use crate::error::{Error, Result};
use crate::jobs::{Job, parse_job};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Posts kept for one job until its wait reads them; more are dropped
/// (Pictory posts once per job; the rest are duplicates or noise).
const QUEUE: usize = 8;

/// Receives Pictory's webhook posts and hands each to the wait that expects
/// it. Cheap to clone; all clones share one registry.
///
/// Pictory signs nothing, so every callback URL the hub hands out carries a
/// random nonce and a tag (HMAC-SHA256 with the hub's secret over the
/// nonce): a post without a valid tag is refused with 401. A tagged post is
/// still only data: by default a wait confirms it with one job read when
/// the proxy has a job route ([`WebhookHub::trust_tagged_body`] turns that
/// off).
///
/// ```
/// use std::time::Duration;
/// let hub = pictory::webhooks::WebhookHub::new("https://app.example.com/hooks/pictory")?
///     .safety_poll(Duration::from_secs(300));
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
    /// What the hub learned about the proxy's job route (see [`JobRoute`]).
    job_route: AtomicU8,
    waiting: Mutex<HashMap<String, mpsc::Sender<Job>>>,
}

/// Whether the proxy answers `get_job`, as learned by the waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobRoute {
    Unknown = 0,
    Present = 1,
    Absent = 2,
}

impl std::fmt::Debug for WebhookHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookHub")
            .field("base_url", &self.inner.base)
            .field("secret", &"<redacted>")
            .field("safety_poll", &self.inner.safety_poll)
            .field("trust_tagged_body", &self.inner.trust_body)
            .field("waiting", &self.waiting())
            .finish()
    }
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
}

impl WebhookHub {
    /// A hub for callbacks under `public_base_url`, the address where
    /// Pictory can reach your application (`https://…`; `http://` for
    /// loopback tests), with a new random secret. Mount
    /// [`WebhookHub::router`] so that this URL's path reaches it, or run
    /// [`WebhookHub::serve`].
    ///
    /// A base URL that is not an absolute `http(s)` URL, or that has a
    /// query, fragment or credentials, is [`Error::Config`].
    pub fn new(public_base_url: &str) -> Result<WebhookHub> {
        let secret = tag::random_bytes(32).map_err(|e| Error::Config {
            message: format!("webhooks: no random source for the secret ({e})"),
        })?;
        Self::build(public_base_url, &secret)
    }

    /// As [`WebhookHub::new`], with your own secret (at least 16 bytes),
    /// so that callback URLs stay valid across restarts of your process.
    /// Keep it as secret as the API token.
    pub fn with_secret(public_base_url: &str, secret: &[u8]) -> Result<WebhookHub> {
        if secret.len() < tag::MIN_SECRET_BYTES {
            return Err(Error::Config {
                message: format!(
                    "webhooks: the secret must have at least {} bytes",
                    tag::MIN_SECRET_BYTES
                ),
            });
        }
        Self::build(public_base_url, secret)
    }

    fn build(public_base_url: &str, secret: &[u8]) -> Result<WebhookHub> {
        let bad = |why: &str| Error::Config {
            message: format!("webhooks: the public base URL {why}"),
        };
        let url = url::Url::parse(public_base_url).map_err(|_| bad("is not a URL"))?;
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
        Ok(WebhookHub {
            inner: Arc::new(Inner {
                base,
                path,
                tagger: Tagger::new(secret),
                safety_poll: Duration::from_secs(300),
                trust_body: false,
                body_limit: 32 << 20,
                job_route: AtomicU8::new(JobRoute::Unknown as u8),
                waiting: Mutex::new(HashMap::new()),
            }),
        })
    }

    fn with_inner(self, f: impl FnOnce(&mut Inner)) -> WebhookHub {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            base: shared.base.clone(),
            path: shared.path.clone(),
            tagger: shared.tagger.clone(),
            safety_poll: shared.safety_poll,
            trust_body: shared.trust_body,
            body_limit: shared.body_limit,
            job_route: AtomicU8::new(shared.job_route.load(Ordering::Relaxed)),
            waiting: Mutex::new(HashMap::new()),
        });
        f(&mut inner);
        WebhookHub {
            inner: Arc::new(inner),
        }
    }

    /// How often a wait reads the job while no webhook came, in case one
    /// was lost (default 5 minutes; the wait's deadline still applies).
    /// Configure the hub before handing out callbacks.
    pub fn safety_poll(self, every: Duration) -> WebhookHub {
        self.with_inner(|i| i.safety_poll = every.max(Duration::from_millis(1)))
    }

    /// When `true`, a tagged post that reports the end of a job ends the
    /// wait without the confirming job read. The tag proves only that the
    /// sender knew the callback URL; choose this when the URL stays private
    /// between you and Pictory. Default `false` (confirm when the proxy has
    /// a job route; without one the tagged body is all there is).
    pub fn trust_tagged_body(self, trust: bool) -> WebhookHub {
        self.with_inner(|i| i.trust_body = trust)
    }

    /// The largest post accepted (default 32 MiB, room for a long
    /// transcript); a larger one gets 413.
    pub fn body_limit(self, bytes: usize) -> WebhookHub {
        self.with_inner(|i| i.body_limit = bytes)
    }

    /// A new callback: pass [`Callback::url`] as the job's `webhook`, then
    /// wait with [`crate::jobs::JobHandle::wait_for_webhook`]. The flows do
    /// both when given the hub ([`crate::FlowOptions::webhooks`]). Dropping
    /// the callback forgets it: later posts to its URL are answered and
    /// ignored.
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

    /// Callbacks handed out and not yet dropped.
    pub fn waiting(&self) -> usize {
        self.registry().len()
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<Job>>> {
        // A poisoned lock only means a panic elsewhere; the map stays usable.
        self.inner
            .waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
    /// one).
    pub(crate) fn authorize(&self, nonce: &str, tag: &str) -> std::result::Result<(), Receipt> {
        if self.inner.tagger.verify(nonce, tag) {
            Ok(())
        } else {
            Err(Receipt::unauthorized())
        }
    }

    /// Handles the body of a post whose tag was checked: a job body is
    /// handed to the wait for `nonce` (if any); anything else is 400.
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
            None => Receipt::new(200, "no wait expects this callback any more; ignored"),
        }
    }

    pub(crate) fn job_route(&self) -> JobRoute {
        match self.inner.job_route.load(Ordering::Relaxed) {
            1 => JobRoute::Present,
            2 => JobRoute::Absent,
            _ => JobRoute::Unknown,
        }
    }

    pub(crate) fn learn_job_route(&self, route: JobRoute) {
        let before = self.inner.job_route.swap(route as u8, Ordering::Relaxed);
        if route == JobRoute::Absent && before != JobRoute::Absent as u8 {
            tracing::info!(
                "the proxy has no job-status route; waits end on webhooks alone (tagged bodies are trusted)"
            );
        }
    }
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
        assert!(WebhookHub::with_secret("https://x/", b"short").is_err());
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
        assert!(hub.authorize(&nonce, &tag).is_ok());
        assert_eq!(hub.authorize(&nonce, "00").unwrap_err().status, 401);
        assert_eq!(hub.authorize("", "").unwrap_err().status, 401);
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
        // A late duplicate is answered and ignored.
        assert_eq!(hub.deliver(&nonce, body).status, 200);
    }

    #[test]
    fn debug_shows_no_secret_and_no_tag() {
        let hub = WebhookHub::with_secret("https://x/h", b"super-secret-value-1234").unwrap();
        let cb = hub.callback().unwrap();
        let (_, tag) = parts(&cb);
        let printed = format!("{hub:?} {cb:?}");
        assert!(!printed.contains("super-secret"));
        assert!(!printed.contains(&tag));
    }
}
