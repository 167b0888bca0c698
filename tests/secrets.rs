//! The API token never appears in an error's `Display` or `Debug`, in the
//! client's `Debug`, or in tracing output — even when the server echoes the
//! full request URL (token included) back in its error bodies.

mod common;

use common::{RawBehaviour, SENTINEL_TOKEN, raw_server, refused_url};
use httpmock::{HttpMockResponse, MockServer};
use pictory::{Client, Error, RetryPolicy};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Answers by path, echoing the whole request URI (token included).
async fn echoing_server() -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.respond_with(|req| {
                let uri = req.uri().to_string();
                                let status = uri
                    .find("code")
                    .and_then(|i| uri.get(i + 4..i + 7))
                    .and_then(|d| d.parse::<u16>().ok())
                    .unwrap_or(200);
                let body = match status {
                    404 if uri.contains("html") => format!("<html><body><pre>Cannot GET {uri}</pre></body></html>"),
                    400 => json!({"code": uri, "message": uri, "fields": [{"name": uri, "errors": [uri]}]}).to_string(),
                    200 => format!("{{\"data\": \"{uri}"),
                    201 => json!({"data": {"uri": uri, "forms": encoded_forms()}}).to_string(),
                    302 => String::new(),
                    _ => json!({"message": format!("failed for {uri}"), "provider": "pictory", "error": {"code": uri, "message": uri}}).to_string(),
                };
                let mut b = HttpMockResponse::builder().status(status).body(body);
                if status == 429 {
                    b = b.header("retry-after", "3600");
                }
                if status == 302 {
                    b = b.header("location", format!("https://elsewhere.example{uri}"));
                }
                b.build()
            });
        })
        .await;
    server
}

/// The token as a server may echo it: raw, percent-encoded (upper and
/// lower hex), form-encoded, JSON-escaped.
fn encoded_forms() -> Vec<String> {
    let pct =
        percent_encoding::utf8_percent_encode(SENTINEL_TOKEN, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let json = serde_json::to_string(SENTINEL_TOKEN).unwrap();
    vec![
        SENTINEL_TOKEN.to_string(),
        pct.clone(),
        pct.replace("%2D", "%2d"),
        url::form_urlencoded::byte_serialize(SENTINEL_TOKEN.as_bytes()).collect(),
        json[1..json.len() - 1].to_string(),
        SENTINEL_TOKEN
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect(),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for form in encoded_forms() {
        assert!(
            !text.contains(&form),
            "{what} leaks the token ({form}): {text}"
        );
    }
}

#[tokio::test]
async fn no_error_variant_debug_print_or_trace_line_contains_the_token() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = echoing_server().await;
    let fast = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(2));
    let client = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(server.url("/pictory"))
        .retry_policy(fast.clone())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let mut errors: Vec<Error> = Vec::new();
    // One call per status, through get_template so the path carries it.
    for status in [
        "code401",
        "code403",
        "code404",
        "htmlcode404",
        "code400",
        "code429",
        "code503",
        "code409",
        "code302",
        "code200",
    ] {
        let e = client.api().get_template().template_id(status).send().await;
        if let Err(e) = e {
            errors.push(e);
        }
    }
    // A 2xx body echoing the token in every form: the response and its
    // Debug are clean.
    let echoed = client
        .api()
        .get_template()
        .template_id("code201")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.status(), 201);
    assert_clean("2xx Debug", &format!("{echoed:?} {echoed:#?}"));
    assert_clean("2xx raw", &echoed.raw().to_string());
    let forms = echoed.payload()["forms"].as_array().unwrap();
    assert_eq!(forms.len(), encoded_forms().len());
    for form in forms {
        assert_clean("2xx value", form.as_str().unwrap());
    }
    // A successful body over the limit.
    let small = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(server.url("/pictory"))
        .max_body_bytes(16)
        .build()
        .unwrap();
    errors.extend(
        small
            .api()
            .get_template()
            .template_id("code201")
            .send()
            .await
            .err(),
    );
    // Statuses on the last segment for operations without path parameters.
    let e = client
        .api()
        .render_video()
        .body(serde_json::Map::new())
        .send()
        .await; // 200 truncated
    errors.extend(e.err());
    let post_500 = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(server.url("/pictory/code500"))
        .build()
        .unwrap();
    errors.extend(
        post_500
            .api()
            .create_storyboard()
            .body_map(|b| b.extra(serde_json::Map::new()))
            .body_map(|b| b)
            .send()
            .await
            .err(),
    );
    // Transport errors: timeout, connect, reset; and a request that was never sent.
    let silent = raw_server(RawBehaviour::NeverAnswer);
    let slow = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(format!("{}/pictory", silent.url))
        .timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    errors.extend(slow.api().list_templates().send().await.err());
    errors.extend(
        slow.api()
            .create_storyboard()
            .body_map(|b| b.extra(serde_json::Map::new()))
            .body_map(|b| b)
            .send()
            .await
            .err(),
    );
    let refused = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(format!("{}/pictory", refused_url()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    errors.extend(refused.api().list_templates().send().await.err());
    let cut = raw_server(RawBehaviour::CutMidBody);
    let reset = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(format!("{}/pictory", cut.url))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    errors.extend(reset.api().list_templates().send().await.err());
    errors.extend(client.api().get_brand().send().await.err());
    errors.extend(
        Client::builder()
            .token(SENTINEL_TOKEN)
            .base_url(format!("http://h/?api_token={SENTINEL_TOKEN}"))
            .build()
            .err(),
    );

    // Job errors: a failed job whose message echoes the URL, an unknown job,
    // and a deadline.
    let jobs = MockServer::start_async().await;
    jobs.mock_async(|when, then| {
        when.any_request();
        then.respond_with(|req| {
            let uri = req.uri().to_string();
            let body = if uri.contains("/jobs/failed") {
                json!({"job_id": "failed", "success": false, "data": {"status": "failed", "error_code": uri, "error_message": uri}})
            } else if uri.contains("/jobs/cleaned") {
                json!({"job_id": "cleaned", "success": true, "data": {"status": "cleaned", "note": uri}})
            } else if uri.contains("/jobs/gone") {
                json!({"job_id": "gone", "success": false, "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}})
            } else {
                json!({"job_id": "slow", "success": true, "data": {"status": "in-progress", "renderProgressMessage": uri}})
            };
            HttpMockResponse::builder().status(200).body(body.to_string()).build()
        });
    })
    .await;
    let job_client = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(jobs.url("/pictory"))
        .build()
        .unwrap();
    let quick = pictory::jobs::FixedInterval::new(Duration::from_millis(5));
    errors.extend(
        job_client
            .job("failed")
            .with_backoff(quick)
            .wait()
            .await
            .err(),
    );
    errors.extend(
        job_client
            .job("cleaned")
            .with_backoff(quick)
            .wait()
            .await
            .err(),
    );
    errors.extend(
        job_client
            .job("gone")
            .with_backoff(quick)
            .wait()
            .await
            .err(),
    );
    let deadline =
        pictory::jobs::PollingErrorPolicy::default().time_limit(Duration::from_millis(30));
    errors.extend(
        job_client
            .job("slow")
            .with_backoff(quick)
            .with_error_policy(deadline)
            .wait()
            .await
            .err(),
    );

    errors.extend(
        client
            .upload_file("/nonexistent/clip.mp4", "video/mp4", |_, _| {})
            .await
            .err(),
    );

    let mut kinds: Vec<String> = Vec::new();
    for e in &errors {
        assert_clean("Display", &e.to_string());
        assert_clean("Debug", &format!("{e:?}"));
        assert_clean("alternate Debug", &format!("{e:#?}"));
        let kind = format!("{e:?}")
            .split([' ', '{', '('])
            .next()
            .unwrap()
            .to_string();
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds.sort();
    let expected = [
        "BadRequest",
        "BodyTooLarge",
        "Config",
        "Forbidden",
        "InvalidRequest",
        "JobCleaned",
        "JobDeadline",
        "JobFailed",
        "JobNotFound",
        "NotFound",
        "PossiblyProcessed",
        "RateLimited",
        "Redirect",
        "RouteNotFound",
        "Server",
        "Timeout",
        "Transport",
        "Unauthorized",
        "UndecodableBody",
        "UnexpectedStatus",
    ];
    for k in expected {
        assert!(
            kinds.iter().any(|x| x == k),
            "variant {k} not exercised; got {kinds:?}"
        );
    }

    assert_clean("Client Debug", &format!("{client:?} {:?}", client.api()));
    assert_clean(
        "ClientBuilder Debug",
        &format!("{:?}", Client::builder().token(SENTINEL_TOKEN)),
    );

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("pictory.request") && logs.contains("operation=\"get_template\""),
        "spans are emitted:\n{logs}"
    );
    assert_clean("tracing output", &logs);
}
