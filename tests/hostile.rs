//! The request pipeline attacked from outside, through the public API only,
//! with small hostile HTTP/1.1 servers (`hostile_support`): redirects,
//! route-escaping path values, re-sends of POST/PUT, huge and endless
//! bodies, absurd `Retry-After`s, token echoes and deadlines. Servers count
//! what they receive; tests that wait run on paused tokio time.

mod hostile_support;

use hostile_support::{Hostile, Recorded, Reply};
use pictory::jobs::{
    AdaptiveBackoff, FixedInterval, JobId, JobState, PollingErrorPolicy, parse_webhook,
};
use pictory::raw::types;
use pictory::{Client, ClientBuilder, Error, Response, RetryPolicy, TransportKind};
use proptest::prelude::*;
use serde_json::json;
use std::time::Duration;

/// A token with characters that change under every encoding.
const TOKEN: &str = "at_SENT/nel+tok\"9";
/// A part of the token that no message of the crate contains by itself.
const TOKEN_CORE: &str = "SENT";

// ---------------------------------------------------------------- helpers

fn builder(base: &str) -> ClientBuilder {
    Client::builder().token(TOKEN).base_url(base)
}

/// A client with no HTTP timers, for paused time.
fn paused(base: &str) -> Client {
    builder(base).without_timeouts().build().unwrap()
}

async fn storyboard(client: &Client) -> pictory::Result<Response<types::JobStarted>> {
    client
        .api()
        .create_storyboard()
        .body_map(|b| {
            b.video_name(Some("v".into()))
                .scenes(vec![serde_json::from_value(json!({"text": "hi"})).unwrap()])
                .extra(serde_json::Map::new())
        })
        .send()
        .await
}

/// A PUT (render a storyboard preview).
async fn render_put(client: &Client) -> pictory::Result<Response<types::JobStarted>> {
    client
        .api()
        .render_storyboard()
        .job_id("j1")
        .body(pictory::raw::types::RenderStoryboardBody::default())
        .send()
        .await
}

async fn list_brands(client: &Client) -> pictory::Result<Response<types::BrandList>> {
    client.api().list_brands().send().await
}

async fn delete_template(client: &Client, id: &str) -> pictory::Result<Response<types::Deleted>> {
    client.api().delete_template().template_id(id).send().await
}

fn error<T: std::fmt::Debug>(result: pictory::Result<T>) -> Error {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

/// `%2F` → `%2f`; letters outside escapes unchanged.
fn lower_hex(s: &str) -> String {
    let mut out = String::new();
    let mut left = 0;
    for c in s.chars() {
        if c == '%' {
            left = 2;
            out.push(c);
        } else if left > 0 {
            left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Every character as `\u00XX`.
fn unicode_escaped(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            if upper {
                format!("\\u{:04X}", c as u32)
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect()
}

/// The token as it sits in the request's query (form-urlencoded).
fn form_encoded() -> String {
    url::form_urlencoded::byte_serialize(TOKEN.as_bytes()).collect()
}

/// The token with every non-alphanumeric byte percent-encoded.
fn fully_encoded() -> String {
    percent_encoding::utf8_percent_encode(TOKEN, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The token as JSON string content (`"` escaped).
fn json_inner() -> String {
    let quoted = serde_json::to_string(TOKEN).unwrap();
    quoted[1..quoted.len() - 1].to_string()
}

/// The forms a server may echo the token in, each valid inside a JSON
/// string literal.
fn echo_forms() -> Vec<String> {
    vec![
        json_inner(),
        json_inner().replace('/', "\\/"),
        unicode_escaped(TOKEN, true),
        unicode_escaped(TOKEN, false),
        form_encoded(),
        lower_hex(&form_encoded()),
        fully_encoded(),
        lower_hex(&fully_encoded()),
        // A mix: JSON escape, lower-case and upper-case percent escapes.
        "at_SENT\\u002Fnel%2btok%229".to_string(),
    ]
}

/// The forms that must never appear in anything the crate shows.
fn shown_forms() -> Vec<String> {
    let mut forms = echo_forms();
    forms.push(TOKEN.to_string());
    forms.push(TOKEN_CORE.to_string());
    forms.push(unicode_escaped(TOKEN_CORE, true));
    forms.push(unicode_escaped(TOKEN_CORE, false));
    forms
}

#[track_caller]
fn assert_token_free(what: &str, text: &str) {
    for form in shown_forms() {
        assert!(
            !text.contains(&form),
            "{what} shows the token as {form:?}: {text}"
        );
    }
}

/// A JSON object echoing the token in every form, as body text.
fn echoing_json() -> String {
    let fields: Vec<String> = echo_forms()
        .iter()
        .enumerate()
        .map(|(i, f)| format!("\"echo{i}\": \"{f}\", \"{f}\": {i}"))
        .collect();
    format!(
        "{{\"success\": true, \"data\": {{\"jobId\": \"j1\", {}}}}}",
        fields.join(", ")
    )
}

/// A job wait with `time_limit` and a fixed interval.
fn wait_policy(time_limit: Duration) -> PollingErrorPolicy {
    PollingErrorPolicy::default()
        .attempt_limit(8)
        .time_limit(time_limit)
}

/// A file in the temp dir, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("hostile-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[track_caller]
fn assert_no_referer(requests: &[Recorded]) {
    for r in requests {
        assert_eq!(r.header("referer"), None, "{} {}", r.method, r.target);
    }
}

// ------------------------------------------------------- 1. redirects

#[tokio::test]
async fn redirects_are_never_followed_and_their_location_is_redacted() {
    let elsewhere = Hostile::start(|_, _| Reply::json(200, &json!({"data": {"jobId": "x"}}))).await;
    let location = format!(
        "{}/steal/{}?api_token={}&raw={TOKEN}&lower={}",
        elsewhere.url,
        fully_encoded(),
        form_encoded(),
        lower_hex(&form_encoded())
    );
    for status in [301u16, 302, 303, 307, 308] {
        let location = location.clone();
        let server =
            Hostile::start(move |_, _| Reply::with(status, &[("Location", &location)], "")).await;
        let client = paused(&server.base());
        for (method, result) in [
            ("POST", storyboard(&client).await.map(|_| ())),
            ("GET", list_brands(&client).await.map(|_| ())),
        ] {
            let err = error(result);
            let Error::Redirect {
                status: got,
                location: Some(shown),
                ..
            } = &err
            else {
                panic!("{status} on {method}: expected Redirect with a location, got {err:?}");
            };
            assert_eq!(*got, status, "{method}");
            assert_eq!(err.status(), Some(status));
            assert!(err.to_string().contains(&status.to_string()), "{err}");
            assert!(shown.contains("/steal/"), "the location is shown: {shown}");
            assert_token_free("the redirect location", shown);
            assert_token_free("the redirect's Display", &err.to_string());
            assert_token_free("the redirect's Debug", &format!("{err:?}"));
        }
        assert_eq!(server.count(), 2, "{status}: one request per call");
        assert_no_referer(&server.requests());
    }
    assert_eq!(elsewhere.connections(), 0, "the Location was never visited");
}

/// Your own `reqwest::ClientBuilder` (`ClientBuilder::http_client`) is used (its
/// default headers arrive), but it cannot turn on redirects, a `Referer` or
/// another `User-Agent`: what keeps the token safe always wins.
#[tokio::test]
async fn your_own_http_builder_cannot_follow_redirects() {
    let elsewhere = Hostile::start(|_, _| Reply::json(200, &json!({"data": []}))).await;
    let location = format!("{}/steal?api_token={}", elsewhere.url, form_encoded());
    let server = Hostile::start(move |_, _| Reply::with(302, &[("Location", &location)], "")).await;
    let mut headers = pictory::reqwest::header::HeaderMap::new();
    headers.insert("x-app", "mine".parse().unwrap());
    let http = pictory::reqwest::Client::builder()
        .redirect(pictory::reqwest::redirect::Policy::limited(10))
        .referer(true)
        .user_agent("not-this-agent")
        .default_headers(headers);
    let client = builder(&server.base())
        .http_client(http)
        .without_timeouts()
        .build()
        .unwrap();
    let err = error(list_brands(&client).await.map(|_| ()));
    assert!(
        matches!(err, Error::Redirect { status: 302, .. }),
        "{err:?}"
    );
    assert_eq!(elsewhere.connections(), 0, "the Location was never visited");
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    let header = |name: &str| {
        sent[0]
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        header("x-app").as_deref(),
        Some("mine"),
        "the caller's settings apply"
    );
    assert!(header("user-agent").unwrap().starts_with("pictory-rs/"));
    assert_no_referer(&sent);
}

#[tokio::test]
async fn signed_upload_put_never_follows_a_redirect_nor_carries_the_token() {
    let elsewhere = Hostile::start(|_, _| Reply::with(200, &[], "")).await;
    let location = format!("{}/steal", elsewhere.url);
    let storage =
        Hostile::start(move |_, _| Reply::with(307, &[("Location", &location)], "")).await;
    let signed = format!("{}/bucket/file.mp4?X-Sig=abc", storage.url);
    let proxy = Hostile::start(move |_, _| {
        Reply::json(
            200,
            &json!({"success": true, "data": {"signedUrl": signed, "url": "https://cdn.example/file.mp4"}}),
        )
    })
    .await;
    let file = TempFile::new("upload.mp4", b"video bytes");
    let client = paused(&proxy.base());
    let err = error(client.upload_file(&file.0, "video/mp4", |_, _| {}).await);
    assert!(
        matches!(err, Error::Redirect { status: 307, .. }),
        "{err:?}"
    );
    assert_eq!(storage.count(), 1);
    let put = &storage.requests()[0];
    assert_eq!(put.method, "PUT");
    assert_eq!(put.body, b"video bytes");
    assert_token_free("the signed PUT", &put.as_text());
    assert_no_referer(&storage.requests());
    assert_eq!(elsewhere.connections(), 0);
}

// ------------------------------------------------------ 2. path values

/// Values that would leave the route if they reached a URL unchanged.
const ESCAPING_IDS: &[&str] = &[
    r"..\awsconnections\victim",
    "../awsconnections/victim",
    "a/b",
    "%2F",
    "a%2Fb",
    "%2e%2e",
    "..",
    ".",
    "",
    "\t",
    "a\tb",
    "a\nb",
    "a\rb",
    "\0",
    "\u{7f}",
    "\u{1b}[31m",
    "a b",
    "\u{a0}",
    "\u{2028}",
];

#[tokio::test]
async fn path_values_that_could_change_the_route_are_refused_before_sending() {
    let server = Hostile::start(|_, _| Reply::json(200, &json!({"data": {}}))).await;
    let auto = paused(&server.base());
    let old = builder(&server.base())
        .url_mode(pictory::UrlMode::OldOnly)
        .without_timeouts()
        .build()
        .unwrap();
    for id in ESCAPING_IDS {
        for client in [&auto, &old] {
            let err = error(delete_template(client, id).await);
            assert!(
                matches!(err, Error::InvalidRequest { .. }),
                "{id:?}: {err:?}"
            );
            assert_token_free("an InvalidRequest", &err.to_string());
            let err = error(client.job(*id).poll().await);
            assert!(
                matches!(err, Error::InvalidRequest { .. }),
                "job {id:?}: {err:?}"
            );
        }
    }
    assert_eq!(server.connections(), 0, "{:?}", server.requests());
}

#[test]
fn job_ids_from_webhooks_that_could_change_a_route_are_refused() {
    for id in [
        r"..\x", "../x", "a/b", "a?b", "a#b", "%2e%2e", "..", ".", "a b",
    ] {
        assert!(JobId::parse(id).is_err(), "{id:?}");
        let body = json!({"job_id": id, "success": true, "data": {"status": "in-progress"}});
        let err = parse_webhook(body.to_string().as_bytes()).unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest { .. }),
            "{id:?}: {err:?}"
        );
        let nested = json!({"success": true, "data": {"jobId": id, "status": "completed",
            "videoURL": "https://x/v.mp4"}});
        assert!(
            parse_webhook(nested.to_string().as_bytes()).is_err(),
            "{id:?} under data.jobId"
        );
    }
    let ok = json!({"job_id": "981e84c8-bd06", "data": {"status": "in-progress"}});
    let job = parse_webhook(ok.to_string().as_bytes()).unwrap();
    assert_eq!(job.id.unwrap().as_str(), "981e84c8-bd06");
}

/// Arbitrary strings, and strings made of the characters that move routes.
fn path_values() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        '.',
        '.',
        '/',
        '\\',
        '%',
        '?',
        '#',
        '2',
        'e',
        'E',
        'f',
        'F',
        'a',
        ' ',
        '\t',
        '+',
        '&',
        '=',
        ';',
        '~',
        '[',
        ']',
        '|',
        '^',
        '\'',
        '"',
        '<',
        '`',
        '{',
        'é',
        '日',
        '\u{0}',
        '\u{7f}',
        '\u{a0}',
        '\u{202e}',
        '\u{2028}',
        '\u{ff0e}',
        '\u{ff0f}',
        '\u{fe52}',
        '\u{1f600}',
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(tricky, 0..12).prop_map(String::from_iter),
    ]
}

/// Values with URL syntax in them that are still one safe segment: they
/// must arrive intact.
const AWKWARD_IDS: &[&str] = &[
    "a?b",
    "a#b",
    "?",
    "#",
    "...",
    "a.b",
    "a+b",
    "a&b=c",
    "a;b",
    "[x]",
    "a|b",
    "'",
    "\"",
    "{x}",
    "`",
    "<x>",
    "ü",
    "日本",
    "\u{ff0e}\u{ff0e}",
    "\u{202e}x",
    "\u{1f600}",
];

/// The clients of the path-value property: default (new format first) and
/// old format only.
struct PathClients {
    server: Hostile,
    new: Client,
    old: Client,
}

impl PathClients {
    fn start(rt: &tokio::runtime::Runtime) -> PathClients {
        rt.block_on(async {
            let server = Hostile::start(|_, _| Reply::json(200, &json!({"data": {}}))).await;
            let old = builder(&server.base())
                .url_mode(pictory::UrlMode::OldOnly)
                .without_timeouts()
                .build()
                .unwrap();
            let new = paused(&server.base());
            PathClients { server, new, old }
        })
    }

    /// Deletes template `value` in both formats: either refused with nothing
    /// sent, or sent once to exactly the route with exactly `value`.
    /// `Ok(true)` when it was sent.
    fn check(&self, rt: &tokio::runtime::Runtime, value: &str) -> Result<bool, TestCaseError> {
        let mut was_sent = false;
        for (format, client) in [("new", &self.new), ("old", &self.old)] {
            let before = self.server.count();
            let result = rt.block_on(delete_template(client, value));
            let sent = self.server.requests().split_off(before);
            match result {
                Err(Error::InvalidRequest { .. }) => {
                    prop_assert!(
                        sent.is_empty(),
                        "{format} {value:?}: refused yet sent {sent:?}"
                    );
                }
                Ok(_) => {
                    prop_assert_eq!(sent.len(), 1, "{} {:?}", format, value);
                    let r = &sent[0];
                    prop_assert_eq!(&r.method, "DELETE");
                    if format == "new" {
                        let seg = r.path().strip_prefix("/pictory/pictoryapis/v1/templates/");
                        prop_assert!(seg.is_some(), "{value:?} sent to {}", r.target);
                        let seg = seg.unwrap_or_default();
                        prop_assert!(!seg.contains('/'), "{value:?} sent to {}", r.target);
                        let decoded = percent_encoding::percent_decode_str(seg).decode_utf8();
                        prop_assert_eq!(
                            decoded.as_deref().ok(),
                            Some(value),
                            "sent to {}",
                            r.target
                        );
                    } else {
                        prop_assert_eq!(r.path(), "/pictory/pictoryapis/v1/templates/templateid");
                        prop_assert_eq!(r.query_values("templateId"), vec![value.to_string()]);
                    }
                    prop_assert_eq!(r.query_values("api_token"), vec![TOKEN.to_string()]);
                    was_sent = true;
                }
                Err(other) => prop_assert!(false, "{format} {value:?}: {other:?}"),
            }
        }
        Ok(was_sent)
    }
}

#[test]
fn any_path_value_is_refused_unsent_or_arrives_as_exactly_its_own_segment() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let clients = PathClients::start(&rt);
    for value in AWKWARD_IDS {
        let sent = clients.check(&rt, value).unwrap_or_else(|e| panic!("{e}"));
        assert!(sent, "{value:?} is a safe segment and must be sent");
    }
    for value in ESCAPING_IDS {
        let sent = clients.check(&rt, value).unwrap_or_else(|e| panic!("{e}"));
        assert!(!sent, "{value:?} must be refused");
    }
    let config = ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let before = clients.server.count();
    if let Err(e) = runner.run(&path_values(), |value| clients.check(&rt, &value).map(drop)) {
        panic!("{e}");
    }
    let sent = clients.server.count() - before;
    assert!(
        sent >= 100,
        "only {sent} of 600 calls were sent: the property says little"
    );
}

// ------------------------------------------------------- 3. re-sends

#[tokio::test(start_paused = true)]
async fn post_and_put_are_not_resent_after_a_5xx() {
    for status in [500u16, 502, 503, 504] {
        let server = Hostile::start(move |_, _| {
            Reply::json(status, &json!({"message": "upstream trouble"}))
        })
        .await;
        let client = paused(&server.base());
        for (method, result) in [
            ("POST", storyboard(&client).await),
            ("PUT", render_put(&client).await),
        ] {
            let err = error(result);
            assert!(
                matches!(err, Error::PossiblyProcessed { status: Some(s), .. } if s == status),
                "{status} on {method}: {err:?}"
            );
            assert!(!err.is_transient(), "{err:?}");
        }
        let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(methods, ["POST", "PUT"], "{status}: each sent once");
    }
}

#[tokio::test(start_paused = true)]
async fn post_and_put_are_not_resent_after_a_reset_after_sending() {
    let server = Hostile::start(|_, _| Reply::Close).await;
    let client = paused(&server.base());
    for (method, result) in [
        ("POST", storyboard(&client).await),
        ("PUT", render_put(&client).await),
    ] {
        let err = error(result);
        assert!(
            matches!(err, Error::PossiblyProcessed { status: None, .. }),
            "{method}: {err:?}"
        );
        assert_token_free("a reset's error", &format!("{err} {err:?}"));
    }
    assert_eq!(server.count(), 2, "each sent once");
    // A GET after the same reset is re-sent.
    let err = error(list_brands(&client).await);
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Reset,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 6);
}

#[tokio::test(start_paused = true)]
async fn post_is_not_resent_after_a_success_body_cut_short_or_a_timeout() {
    let cut = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\": {\"jo".to_vec();
    let server = Hostile::start(move |_, _| Reply::Raw(cut.clone())).await;
    let client = paused(&server.base());
    let err = error(storyboard(&client).await);
    assert!(matches!(err, Error::PossiblyProcessed { .. }), "{err:?}");
    assert_eq!(server.count(), 1, "a cut answer is not re-sent");
    // Timers armed: the attempt times out with the request sent.
    let server = Hostile::start(|_, _| Reply::Hang).await;
    let client = builder(&server.base())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = error(storyboard(&client).await);
    assert!(
        matches!(err, Error::PossiblyProcessed { status: None, .. }),
        "{err:?}"
    );
    assert_eq!(server.count(), 1, "a POST that timed out is not re-sent");
    let err = error(list_brands(&client).await);
    assert!(matches!(err, Error::Timeout { attempts: 4, .. }), "{err:?}");
    assert_eq!(server.count(), 5, "a GET that timed out is re-sent");
}

#[tokio::test(start_paused = true)]
async fn post_and_put_are_resent_after_429() {
    let server = Hostile::start(|n, _| match n % 2 {
        0 => Reply::with(429, &[("Retry-After", "2")], "slow down"),
        _ => Reply::json(200, &json!({"data": {"jobId": "j1"}})),
    })
    .await;
    let client = paused(&server.base());
    storyboard(&client).await.unwrap();
    render_put(&client).await.unwrap();
    let requests = server.requests();
    let methods: Vec<&str> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["POST", "POST", "PUT", "PUT"]);
    assert_eq!(requests[0].body, requests[1].body, "the same body re-sent");
    assert!(!requests[0].body.is_empty());
}

#[tokio::test(start_paused = true)]
async fn post_is_resent_after_connection_refused() {
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/pictory", listener.local_addr().unwrap())
    };
    let client = paused(&refused);
    let err = error(storyboard(&client).await);
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Connect,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.requests_sent(), 4);
    assert_eq!(client.retries_made(), 3);
    assert_token_free("a connect error", &format!("{err} {err:?}"));
}

#[tokio::test(start_paused = true)]
async fn get_and_delete_are_retried_after_502_and_503() {
    let server = Hostile::start(|n, _| match n {
        0 => Reply::json(502, &json!({"message": "bad gateway"})),
        1 => Reply::with(503, &[("Content-Type", "text/html")], "<h1>down</h1>"),
        3 => Reply::json(503, &json!({"message": "unavailable"})),
        _ => Reply::json(200, &json!({"data": {"ok": true}})),
    })
    .await;
    let client = paused(&server.base());
    list_brands(&client).await.unwrap();
    delete_template(&client, "t1").await.unwrap();
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["GET", "GET", "GET", "DELETE", "DELETE"]);
}

#[tokio::test(start_paused = true)]
async fn template_file_post_is_resent_after_429_but_not_after_502() {
    let file = TempFile::new("template.pictai", b"PICTAI-PROJECT-BYTES");
    let server = Hostile::start(|n, _| match n {
        0 => Reply::with(429, &[("Retry-After", "1")], ""),
        1 => Reply::json(200, &json!({"templateId": "t1"})),
        _ => Reply::json(502, &json!({"message": "bad gateway"})),
    })
    .await;
    let client = paused(&server.base());
    for how in [
        pictory::TemplateUpload::Multipart,
        pictory::TemplateUpload::OctetStream,
    ] {
        let before = server.count();
        let result = client.create_template_from_file(&file.0, how).await;
        if before == 0 {
            result.unwrap();
            assert_eq!(server.count(), 2, "{how:?}: re-sent after the 429");
        } else {
            let err = error(result);
            assert!(
                matches!(err, Error::PossiblyProcessed { .. }),
                "{how:?}: {err:?}"
            );
            assert_eq!(server.count(), before + 1, "{how:?}: not re-sent");
        }
    }
    for r in server.requests() {
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            body.contains("PICTAI-PROJECT-BYTES"),
            "whole file each time"
        );
        assert_eq!(r.query_values("api_token"), vec![TOKEN.to_string()]);
    }
}

// -------------------------------------------------- 4. bounded memory

const MIB: usize = 1 << 20;

fn limited(base: &str) -> Client {
    builder(base).max_body_bytes(MIB).build().unwrap()
}

#[tokio::test]
async fn huge_content_length_is_refused_without_reading_the_body() {
    let server = Hostile::start(|_, _| Reply::huge(200, "application/json", "", 1 << 31, "")).await;
    let client = limited(&server.base());
    let started = std::time::Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(20), list_brands(&client)).await;
    let err = error(result.expect("returns without reading 2 GiB"));
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                status: 200,
                limit: MIB,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        server.written() < 32 * MIB as u64,
        "the server wrote {} bytes",
        server.written()
    );
    assert_eq!(server.count(), 1, "not re-sent");
}

#[tokio::test]
async fn endless_chunked_success_body_is_cut_at_the_limit() {
    let server = Hostile::start(|_, _| Reply::endless(200, "application/json")).await;
    let client = limited(&server.base());
    let result = tokio::time::timeout(Duration::from_secs(20), list_brands(&client)).await;
    let err = error(result.expect("an endless body ends the call"));
    assert!(
        matches!(err, Error::BodyTooLarge { status: 200, .. }),
        "{err:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = server.written();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.written(), written, "the connection was dropped");
    assert!(
        written < 64 * MIB as u64,
        "the server wrote {written} bytes"
    );
}

#[tokio::test]
async fn fifty_megabyte_error_message_is_kept_short() {
    let server = Hostile::start(|_, _| {
        Reply::huge(
            400,
            "application/json",
            "{\"message\": \"",
            50 * MIB as u64,
            "\"}",
        )
    })
    .await;
    let client = limited(&server.base());
    let result = tokio::time::timeout(Duration::from_secs(20), list_brands(&client)).await;
    let err = error(result.expect("returns without reading 50 MB"));
    assert_eq!(err.status(), Some(400), "{err:?}");
    assert!(err.to_string().len() < 8 << 10, "{}", err.to_string().len());
    assert!(format!("{err:?}").len() < 16 << 10);
    let body = err.body().expect("the start of the body is kept");
    assert!(!body.is_empty() && body.len() < 4 << 10, "{}", body.len());
    assert!(server.written() < 32 * MIB as u64);
}

#[tokio::test]
async fn many_long_field_errors_are_kept_short_in_display() {
    let long = "e".repeat(520);
    let fields: Vec<_> = (0..34)
        .map(
            |i| json!({"name": format!("{i}{}", "n".repeat(520)), "errors": vec![long.clone(); 9]}),
        )
        .collect();
    let body = json!({"code": "INVALID_REQUEST_BODY", "message": "bad", "fields": fields});
    assert!(
        body.to_string().len() < 256 << 10,
        "within the error-body limit"
    );
    let server = Hostile::start(move |_, _| Reply::json(400, &body)).await;
    let client = limited(&server.base());
    let err = error(list_brands(&client).await);
    assert!(!err.field_errors().is_empty(), "{err:?}");
    let shown = err.to_string().len();
    assert!(shown < 8 << 10, "Display is {shown} bytes");
}

// ------------------------------------------------------- 5. no panics

#[tokio::test(start_paused = true)]
async fn absurd_retry_after_is_a_typed_error_without_panic() {
    let patient = RetryPolicy::default()
        .max_retry_after(Duration::MAX)
        .total_budget(Duration::MAX);
    for after in ["18446744073709551615", "99999999999999999999999"] {
        let server = Hostile::start(move |_, _| {
            Reply::with(429, &[("Retry-After", after)], "{\"message\": \"slow\"}")
        })
        .await;
        let client = builder(&server.base())
            .retry_policy(patient.clone())
            .without_timeouts()
            .build()
            .unwrap();
        let real = std::time::Instant::now();
        for (method, call) in [
            (
                "GET",
                tokio::spawn({
                    let c = client.clone();
                    async move { list_brands(&c).await.map(|_| ()) }
                }),
            ),
            (
                "POST",
                tokio::spawn({
                    let c = client.clone();
                    async move { storyboard(&c).await.map(|_| ()) }
                }),
            ),
        ] {
            let result = call
                .await
                .unwrap_or_else(|e| panic!("{after} on {method}: {e}"));
            let err = error(result);
            assert_eq!(err.status(), Some(429), "{after} on {method}: {err:?}");
            assert!(err.retry_after().is_some(), "{err:?}");
            let _ = (err.to_string(), format!("{err:?}"));
        }
        assert!(
            real.elapsed() < Duration::from_secs(10),
            "returned promptly"
        );
        assert!(server.count() <= 8, "{} requests", server.count());
    }
}

#[tokio::test(start_paused = true)]
async fn unbounded_job_wait_survives_a_hundred_in_progress_reads() {
    let server = Hostile::start(|_, _| {
        Reply::json(
            200,
            &json!({"success": true, "data": {"status": "in-progress"}}),
        )
    })
    .await;
    let client = paused(&server.base());
    let handle = client
        .job("j1")
        .with_backoff(AdaptiveBackoff::default())
        .with_error_policy(wait_policy(Duration::MAX));
    // 100 reads at most 30 s apart take under an hour; stop after four.
    let wait = tokio::spawn(async move {
        tokio::time::timeout(Duration::from_secs(4 * 3600), handle.wait()).await
    });
    match wait.await {
        Err(join) => panic!("the wait panicked after {} reads: {join}", server.count()),
        Ok(Ok(outcome)) => panic!("the wait ended: {outcome:?}"),
        Ok(Err(_elapsed)) => {}
    }
    assert!(server.count() >= 100, "{} reads", server.count());
}

// ------------------------------------------------ 6. the token never leaks

#[tokio::test]
async fn token_echoed_in_a_json_success_body_never_shows() {
    let body = echoing_json();
    assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok());
    let server = Hostile::start(move |_, _| Reply::json_text(200, &body)).await;
    let client = paused(&server.base());
    let brands = list_brands(&client).await.unwrap();
    let started = storyboard(&client).await.unwrap();
    for (debug, raw, payload) in [
        (format!("{brands:?}"), brands.raw(), brands.payload()),
        (format!("{started:?}"), started.raw(), started.payload()),
    ] {
        assert_token_free("the response's Debug", &debug);
        assert_token_free("the raw body", &raw.to_string());
        assert_token_free("the payload", &payload.to_string());
        assert!(
            raw.to_string().contains("[REDACTED]"),
            "the echoes were there and were masked: {raw}"
        );
    }
    // The token did go to the server: it is the echo that was masked.
    assert_eq!(
        server.requests()[0].query_values("api_token"),
        vec![TOKEN.to_string()]
    );
}

#[tokio::test]
async fn token_echoed_in_a_non_json_success_body_never_shows() {
    let mut text = format!("echo {TOKEN} ");
    for form in echo_forms() {
        text.push_str(&format!("<{form}> "));
    }
    for content_type in ["text/plain", "text/html", "application/json"] {
        let text = text.clone();
        let server = Hostile::start(move |_, _| {
            Reply::with(200, &[("Content-Type", content_type)], text.as_str())
        })
        .await;
        let client = paused(&server.base());
        let err = error(list_brands(&client).await);
        assert!(
            matches!(err, Error::UndecodableBody { .. }),
            "{content_type}: {err:?}"
        );
        assert_token_free("UndecodableBody's Display", &err.to_string());
        assert_token_free("UndecodableBody's Debug", &format!("{err:?}"));
        assert_token_free("UndecodableBody's body()", err.body().unwrap_or_default());
    }
}

#[tokio::test]
async fn token_echoed_in_a_job_body_never_shows_in_the_job() {
    for form in echo_forms() {
        let body = format!(
            "{{\"success\": true, \"data\": {{\"status\": \"in-progress\", \
             \"renderProgressMessage\": \"{form}\", \"renderState\": \"{form}\", \"echo\": \"{form}\"}}}}"
        );
        let server = Hostile::start(move |_, _| Reply::json_text(200, &body)).await;
        let client = paused(&server.base());
        let job = client.job("j1").poll().await.unwrap();
        assert!(matches!(job.state, JobState::InProgress { .. }), "{job:?}");
        assert_token_free("the Job's Debug", &format!("{job:?}"));
        assert_token_free("the Job's raw body", &job.raw.to_string());
    }
}

#[tokio::test(start_paused = true)]
async fn token_echoed_as_job_status_never_shows_in_the_deadline_error() {
    for form in echo_forms() {
        let body = format!("{{\"success\": true, \"data\": {{\"status\": \"{form}\"}}}}");
        let server = Hostile::start(move |_, _| Reply::json_text(200, &body)).await;
        let client = paused(&server.base());
        let err = client
            .job("j1")
            .with_backoff(FixedInterval::new(Duration::from_secs(1)))
            .with_error_policy(wait_policy(Duration::from_secs(10)))
            .wait()
            .await
            .unwrap_err();
        let Error::JobDeadline {
            last_status: Some(status),
            ..
        } = &err
        else {
            panic!("{form}: expected a deadline with a last status, got {err:?}");
        };
        assert_token_free("the last status", status);
        assert_token_free("JobDeadline's Display", &err.to_string());
        assert_token_free("JobDeadline's Debug", &format!("{err:?}"));
        assert!(server.count() >= 5);
    }
}

#[tokio::test]
async fn token_echoed_in_a_success_header_never_shows() {
    let server = Hostile::start(|_, r| {
        let echo = r.target.clone();
        Reply::with(
            200,
            &[
                ("Content-Type", "application/json"),
                ("X-Request-Url", &echo),
                ("Set-Cookie", &format!("t={}", form_encoded())),
            ],
            "{\"data\": {}}",
        )
    })
    .await;
    let client = paused(&server.base());
    let resp = list_brands(&client).await.unwrap();
    assert_token_free("the response's Debug", &format!("{resp:?}"));
    assert_token_free("the response's headers", &format!("{:?}", resp.headers()));
}

#[tokio::test]
async fn token_percent_encoded_behind_json_escapes_never_shows() {
    // `\u0025` is `%`: after JSON decoding this is `at_SENT%2Fnel%2Btok%229`.
    let hidden = form_encoded().replace('%', "\\u0025");
    let body = format!("{{\"data\": {{\"echo\": \"{hidden}\"}}}}");
    let server = Hostile::start(move |_, _| Reply::json_text(200, &body)).await;
    let client = paused(&server.base());
    let resp = list_brands(&client).await.unwrap();
    assert_token_free("the raw body", &resp.raw().to_string());
    assert_token_free("the response's Debug", &format!("{resp:?}"));
}

#[test]
fn tokens_that_cannot_be_redacted_safely_are_refused() {
    for bad in [
        "",
        "short",
        "with space",
        "tab\tin-token",
        "tökenvalue-123",
        "new\nline-token",
        "at_\u{a0}nbsp-token",
    ] {
        let err = Client::builder().token(bad).build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{bad:?}: {err:?}");
        if bad.len() >= 8 {
            assert!(!err.to_string().contains(bad), "{bad:?} shown: {err}");
        }
    }
    assert!(Client::builder().token(TOKEN).build().is_ok());
}

// ---------------------------------------------------- 7. any 2xx is success

#[tokio::test]
async fn any_2xx_is_success() {
    for status in [201u16, 202] {
        let server =
            Hostile::start(move |_, _| Reply::json(status, &json!({"data": {"jobId": "j1"}})))
                .await;
        let client = paused(&server.base());
        let resp = storyboard(&client).await.unwrap();
        assert_eq!(resp.status(), status);
        assert_eq!(resp.payload(), &json!({"jobId": "j1"}));
        assert_eq!(server.count(), 1);
    }
    let server = Hostile::start(|_, _| Reply::with(204, &[], "")).await;
    let client = paused(&server.base());
    let resp = delete_template(&client, "t1").await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(server.count(), 1);
}

// ---------------------------------------------------------- 8. deadlines

#[tokio::test(start_paused = true)]
async fn job_wait_deadline_cuts_a_read_that_never_answers() {
    let server = Hostile::start(|_, _| Reply::Hang).await;
    // Timers armed: the wait's deadline must cut the read in flight.
    let client = builder(&server.base()).build().unwrap();
    let start = tokio::time::Instant::now();
    let err = client
        .job("j1")
        .with_error_policy(wait_policy(Duration::from_secs(3)))
        .wait()
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    assert!(matches!(err, Error::JobDeadline { .. }), "{err:?}");
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(4),
        "ended after {elapsed:?} of paused time"
    );
}

#[tokio::test(start_paused = true)]
async fn long_retry_after_during_a_wait_ends_promptly_with_a_rate_limited_deadline() {
    let server = Hostile::start(|_, _| {
        Reply::with(429, &[("Retry-After", "3600")], "{\"message\": \"slow\"}")
    })
    .await;
    let client = paused(&server.base());
    let start = tokio::time::Instant::now();
    let err = client
        .job("j1")
        .with_error_policy(wait_policy(Duration::from_secs(60)))
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::JobDeadline { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.to_string().contains("rate limited"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.count(), 1);
}

/// A JSON success body of exactly `len` bytes.
fn body_of(len: usize) -> String {
    let start = r#"{"data": {"ok": true}, "pad": ""#;
    let end = r#""}"#;
    format!("{start}{}{end}", "x".repeat(len - start.len() - end.len()))
}

/// `body` sent chunked with status 200, in chunks of `sizes` bytes.
fn chunked(body: &str, sizes: &[usize]) -> Reply {
    chunked_with(200, body, sizes)
}

/// `body` sent chunked with `status`, in chunks of `sizes` bytes.
fn chunked_with(status: u16, body: &str, sizes: &[usize]) -> Reply {
    let mut bytes = format!("HTTP/1.1 {status} Whatever\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").into_bytes();
    let mut at = 0;
    for size in sizes {
        bytes.extend_from_slice(format!("{size:x}\r\n").as_bytes());
        bytes.extend_from_slice(&body.as_bytes()[at..at + size]);
        bytes.extend_from_slice(b"\r\n");
        at += size;
    }
    assert_eq!(at, body.len());
    bytes.extend_from_slice(b"0\r\n\r\n");
    Reply::Raw(bytes)
}

/// A server that answers `reply` once (then closes), and a client whose
/// body limit is `limit`.
async fn answers_once(reply: Reply, limit: usize) -> (Hostile, Client) {
    let reply = std::sync::Mutex::new(Some(reply));
    let server =
        Hostile::start(move |_, _| reply.lock().unwrap().take().unwrap_or(Reply::Close)).await;
    let client = builder(&server.base())
        .max_body_bytes(limit)
        .build()
        .unwrap();
    (server, client)
}

/// The body limit is inclusive: a body of exactly the limit is read
/// whole, announced or chunked, in one chunk or several; one byte more
/// is `BodyTooLarge`, announced or in a single chunk.
#[tokio::test]
async fn a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_not() {
    const LIMIT: usize = 64;
    let exact = body_of(LIMIT);
    let over = body_of(LIMIT + 1);
    let replies = [
        (Reply::json_text(200, &exact), true),
        (chunked(&exact, &[LIMIT]), true),
        (chunked(&exact, &[LIMIT / 2, LIMIT / 2]), true),
        (Reply::json_text(200, &over), false),
        (chunked(&over, &[LIMIT + 1]), false),
        (chunked(&over, &[LIMIT / 2, LIMIT / 2 + 1]), false),
    ];
    for (i, (reply, fits)) in replies.into_iter().enumerate() {
        let (server, client) = answers_once(reply, LIMIT).await;
        let result = list_brands(&client).await;
        if fits {
            assert!(result.is_ok(), "case {i}: {result:?}");
        } else {
            let err = error(result);
            assert!(
                matches!(
                    err,
                    Error::BodyTooLarge {
                        status: 200,
                        limit: LIMIT,
                        ..
                    }
                ),
                "case {i}: {err:?}"
            );
        }
        assert_eq!(server.count(), 1, "case {i}");
    }
}

/// An error body over the limit is cut exactly at the limit, wherever the
/// chunk that crosses it starts: the error keeps the first `limit` bytes.
#[tokio::test]
async fn an_error_body_is_cut_exactly_at_the_limit() {
    const LIMIT: usize = 64;
    let body = format!("{{\"message\": \"{}\"}}", "m".repeat(100));
    for sizes in [
        vec![body.len()],
        vec![10, body.len() - 10],
        vec![40, 30, body.len() - 70],
    ] {
        let (_server, client) = answers_once(chunked_with(400, &body, &sizes), LIMIT).await;
        let err = error(list_brands(&client).await);
        assert_eq!(err.status(), Some(400), "{sizes:?}: {err:?}");
        assert_eq!(err.body(), Some(&body[..LIMIT]), "{sizes:?}: {err:?}");
    }
}
