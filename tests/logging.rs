//! The learned URL format is logged once at info, and each attempt once
//! when it ends ("answered" or "no answer", with its time in ms). In its
//! own test binary:
//! tracing caches per-callsite interest process-wide, so a test that sets a
//! thread-local subscriber must not share the process with others hitting
//! the same callsite.

mod common;

use common::{html_404, json_response, scripted};
use serde_json::json;
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn the_learned_format_is_logged_once_at_info() {
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lines = Lines::default();
    let sink = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (server, _) = scripted(|_, req| {
        if req.uri().path().ends_with("/templateid") {
            json_response(200, json!({"data": {}}))
        } else {
            html_404()
        }
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    for _ in 0..3 {
        client
            .api()
            .get_template()
            .template_id("t")
            .send()
            .await
            .unwrap();
    }
    // A request that gets no answer (a refused connection).
    let unreachable = pictory::Client::builder()
        .token(common::SENTINEL_TOKEN)
        .base_url(common::refused_url())
        .retry_policy(pictory::RetryPolicy::none())
        .build()
        .unwrap();
    unreachable.api().list_brands().send().await.unwrap_err();
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    // The 404 of the new format, then three answers in the old one.
    let answered = text.lines().filter(|l| l.contains("answered")).count();
    assert_eq!(answered, 4, "{text}");
    let failed: Vec<&str> = text.lines().filter(|l| l.contains("no answer")).collect();
    assert_eq!(failed.len(), 1, "{text}");
    assert!(
        failed[0].contains("list_brands")
            && failed[0].contains("ms=")
            && failed[0].contains("error="),
        "{text}"
    );
    assert!(!text.contains(common::SENTINEL_TOKEN), "{text}");
    let learned: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("URL format; using it from now on"))
        .collect();
    assert_eq!(learned.len(), 1, "{text}");
    assert!(
        learned[0].contains("INFO")
            && learned[0].contains("get_template")
            && learned[0].contains("old")
    );
}
