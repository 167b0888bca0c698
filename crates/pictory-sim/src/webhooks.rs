//! Webhooks: when a job request carries `webhook`, Pictory POSTs the job's
//! final body (the documented job body, in the configured variant) there.
//! The simulator does the same, but only to loopback hosts (`127.0.0.1`,
//! `localhost`, `[::1]`), so tests never reach out to the network; other
//! URLs are accepted and silently not called. [`WebhookFaults`] delays,
//! duplicates, loses, forges and reorders posts.

use super::config::WebhookFaults;
use super::state::App;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::time::Instant;

/// The video URL forged webhook posts claim
/// ([`WebhookFaults::forge`]); a wait that returns it trusted a forgery.
pub const FORGED_VIDEO_URL: &str = "https://forged.invalid/video.mp4";

/// Whether `url` points at this machine.
pub(crate) fn is_loopback(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// One post to make.
struct Post {
    url: String,
    body: Value,
    forged: bool,
}

/// POSTs job `job_id`'s body to `url` at `due` (plus the configured
/// faults), unless the simulator shuts down first.
pub(crate) fn schedule(app: Arc<App>, job_id: String, url: String, due: Instant) {
    if !is_loopback(&url) {
        return;
    }
    let faults = app.config.webhooks.clone();
    let seq = app.webhook_seq.fetch_add(1, Ordering::Relaxed) + 1;
    if faults.lose_every > 0 && seq.is_multiple_of(u64::from(faults.lose_every)) {
        app.count(|c| c.webhooks_lost += 1);
        return;
    }
    let mut shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        let due = due.checked_add(faults.delay).unwrap_or(due);
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let Some(posts) = plan(&app, &faults, &job_id, &url) else {
            return;
        };
        let Some(client) = client(&app) else { return };
        for post in posts {
            let answered = tokio::select! {
                result = client.post(&post.url).json(&post.body).send() => result.ok().map(|r| r.status().is_success()),
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            app.count(|c| match (post.forged, answered) {
                (true, Some(true)) => c.webhooks_forged_accepted += 1,
                (true, _) => {}
                (false, Some(true)) => c.webhooks_delivered += 1,
                (false, _) => c.webhooks_refused += 1,
            });
        }
    });
}

/// The posts for one job's end, in order: forgeries, the real post, its
/// duplicates, then the stale reading.
fn plan(app: &App, faults: &WebhookFaults, job_id: &str, url: &str) -> Option<Vec<Post>> {
    let (body, stale) = {
        let store = app.store();
        let job = store.jobs.get(job_id)?;
        (job.final_body(&app.origin), job.running_body(&app.origin))
    };
    let mut posts = Vec::new();
    if faults.forge {
        let mut forged = body.clone();
        forged["success"] = Value::Bool(true);
        forged["data"] = serde_json::json!({
            "status": "completed",
            "videoURL": FORGED_VIDEO_URL,
            "preview": FORGED_VIDEO_URL,
            "renderParams": {"forged": true},
        });
        let mut wrong_tag = url.to_string();
        if let Some(last) = wrong_tag.pop() {
            wrong_tag.push(if last == '0' { '1' } else { '0' });
        }
        let no_tag = url.rsplit_once('/').map(|(head, _)| head.to_string());
        for target in [Some(wrong_tag), no_tag].into_iter().flatten() {
            app.count(|c| c.webhooks_forged += 1);
            posts.push(Post {
                url: target,
                body: forged.clone(),
                forged: true,
            });
        }
    }
    for _ in 0..=faults.duplicates {
        posts.push(Post {
            url: url.to_string(),
            body: body.clone(),
            forged: false,
        });
    }
    if faults.stale_after {
        posts.push(Post {
            url: url.to_string(),
            body: stale,
            forged: false,
        });
    }
    Some(posts)
}

/// The posting client: no pooling (no idle timer outlives the simulator),
/// no redirects.
fn client(app: &App) -> Option<reqwest::Client> {
    app.webhook_client
        .get_or_init(|| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .ok()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts() {
        assert!(is_loopback("http://127.0.0.1:9/hook"));
        assert!(is_loopback("http://localhost/hook"));
        assert!(is_loopback("http://[::1]:8080/"));
        assert!(!is_loopback("https://example.test/hook"));
        assert!(!is_loopback("not a url"));
    }
}
