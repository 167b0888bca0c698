//! Webhooks as a way to finish jobs (feature `webhooks`): a verified
//! receiver, and waits that complete when Pictory posts.
//!
//! Pictory posts a job's final body to the job's `webhook` URL and signs
//! nothing. A [`WebhookHub`] hands out one callback URL per job, carrying
//! an unguessable tag (HMAC-SHA256 with the hub's secret over a per-job
//! nonce); the hub's [`router`](WebhookHub::router) (or
//! [`serve`](WebhookHub::serve)) refuses posts without a valid tag and hands
//! the others to the wait that expects them. Give the hub to the flows with
//! [`FlowOptions::webhooks`](crate::FlowOptions::webhooks), or use
//! [`WebhookHub::callback`] and [`JobHandle::wait_for_webhook`](crate::jobs::JobHandle::wait_for_webhook)
//! for a job you start yourself.
//!
//! Behind LowCodeAPI's open-source server, which has no job-status route,
//! webhooks are the only way to learn that a job ended.

mod hub;
mod server;
mod tag;
pub(crate) mod wait;

pub use hub::{Callback, WebhookHub, WebhookHubBuilder};
pub use server::WebhookServer;
