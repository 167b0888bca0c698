//! The HTTP side: an axum `Router` to mount in your server, or a small
//! server of its own.

use super::hub::{Receipt, WebhookHub};
use crate::error::{Error, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::net::SocketAddr;
use std::time::Duration;

/// How long a tagged post's body may take to arrive.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

impl WebhookHub {
    /// An axum router that receives the hub's callbacks at
    /// `<base path>/{nonce}/{tag}` (the path of the public base URL).
    /// Merge it into your app; behind a proxy that strips a prefix, nest it
    /// instead so the paths line up.
    ///
    /// Answers: 200 for a tagged job body (also for a duplicate; for a
    /// callback no wait expects any more without reading the body), 401 for
    /// a bad or missing tag (the body is not read), 400 for a body that is
    /// not a job body, 413 past
    /// [`WebhookHubBuilder::body_limit`](super::WebhookHubBuilder::body_limit),
    /// 408 when the body takes more than 30 s, 503 with `Retry-After` when
    /// the bodies being read already fill
    /// [`WebhookHubBuilder::bodies_in_flight`](super::WebhookHubBuilder::bodies_in_flight).
    ///
    /// ```no_run
    /// use axum::{Router, routing::get};
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let hub = pictory::webhooks::WebhookHub::new("https://app.example.com/hooks/pictory")?;
    /// let app = Router::new()
    ///     .route("/health", get(|| async { "ok" }))
    ///     .merge(hub.router());
    /// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    /// tokio::spawn(async move { axum::serve(listener, app).await });
    /// # Ok(()) }
    /// ```
    pub fn router(&self) -> Router {
        let base = self.base_path();
        let missing_tag = post(|| async { reply(Receipt::unauthorized()) });
        let mut router = Router::new()
            .route(&self.route_path(), post(receive))
            .route(&format!("{base}/{{nonce}}"), missing_tag.clone());
        if !base.is_empty() {
            router = router.route(base, missing_tag);
        }
        router.with_state(self.clone())
    }

    /// Serves [`WebhookHub::router`] alone on `addr` (e.g. `0.0.0.0:8080`)
    /// until the returned [`WebhookServer`] is dropped. A bind failure is
    /// [`Error::Io`]. The server sets no connection or header timeouts
    /// (axum's `serve` has none); facing the internet, put it behind a
    /// reverse proxy that does, or mount the router in your own server.
    pub async fn serve(&self, addr: &str) -> Result<WebhookServer> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| io_error(addr, e))?;
        let local_addr = listener.local_addr().map_err(|e| io_error(addr, e))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = self.router();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(WebhookServer {
            local_addr,
            _stop: stop,
        })
    }
}

fn io_error(addr: &str, e: std::io::Error) -> Error {
    Error::Io {
        operation: "webhooks",
        path: addr.to_string(),
        message: format!("cannot listen: {e}"),
    }
}

async fn receive(
    State(hub): State<WebhookHub>,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Response {
    // A path that does not even decode (not UTF-8) carries no valid tag.
    let Ok(Path((nonce, tag))) = path else {
        return reply(Receipt::unauthorized());
    };
    if let Err(answer) = hub.admit(&nonce, &tag) {
        return reply(answer);
    }
    // The bytes this body may take, reserved before it is read: all posts
    // together stay within the hub's budget.
    let limit = hub.inner.body_limit;
    let announced = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return reply(Receipt::too_large());
    }
    let reserve = announced.map_or(limit, |n| n as usize);
    let permits = u32::try_from(super::hub::kib(reserve)).unwrap_or(u32::MAX);
    let Ok(_reserved) = hub.inner.bodies.clone().try_acquire_many_owned(permits) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "1")],
            "too many webhook bodies are being read; try again",
        )
            .into_response();
    };
    // A body that cannot be read within the limit (too long, or cut off)
    // is refused whole; one that trickles in is given up on.
    let read = tokio::time::timeout(
        BODY_TIMEOUT,
        axum::body::to_bytes(body, hub.inner.body_limit),
    );
    match read.await {
        Ok(Ok(bytes)) => reply(hub.deliver(&nonce, &bytes)),
        Ok(Err(_)) => reply(Receipt::too_large()),
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            "the body did not arrive in time",
        )
            .into_response(),
    }
}

fn reply(receipt: Receipt) -> Response {
    let status = StatusCode::from_u16(receipt.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, receipt.message).into_response()
}

/// A running webhook server from [`WebhookHub::serve`]; dropping it stops
/// the server.
#[derive(Debug)]
pub struct WebhookServer {
    local_addr: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl WebhookServer {
    /// The address it listens on (the port, when you asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}
