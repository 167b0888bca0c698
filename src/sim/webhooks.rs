//! Webhooks: when a job request carries `webhook`, Pictory POSTs the job's
//! final body (the documented job body, in the configured variant) there. The simulator does the same, but only to loopback
//! hosts (`127.0.0.1`, `localhost`, `[::1]`), so tests never reach out to
//! the network; other URLs are accepted and silently not called.

use super::state::App;
use std::sync::Arc;
use tokio::time::Instant;

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

/// POSTs job `job_id`'s body to `url` at `due`, unless the simulator shuts
/// down first.
pub(crate) fn schedule(app: Arc<App>, job_id: String, url: String, due: Instant) {
    if !is_loopback(&url) {
        return;
    }
    let mut shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let body = {
            let store = app.store();
            store
                .jobs
                .get(&job_id)
                .map(|job| job.final_body(&app.origin))
        };
        let Some(body) = body else { return };
        // No pooling: the client is used once, and no idle timer is left behind.
        let Ok(client) = reqwest::Client::builder().pool_max_idle_per_host(0).build() else {
            return;
        };
        let delivered = tokio::select! {
            result = client.post(&url).json(&body).send() => result.is_ok(),
            _ = shutdown.wait_for(|stop| *stop) => false,
        };
        if delivered {
            app.count(|c| c.webhooks_delivered += 1);
        }
    });
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
