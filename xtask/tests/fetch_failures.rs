//! Every way `cargo xtask spec fetch` can fail leaves `spec/` byte-for-byte
//! unchanged, exits non-zero and says why on exactly one stderr line.

mod common;

use common::*;
use httpmock::prelude::*;
use std::path::PathBuf;
use std::time::Duration;

/// A fresh spec copy and its snapshot, taken before the failing run.
struct Case {
    scratch: Scratch,
    dir: PathBuf,
    before: std::collections::BTreeMap<String, Vec<u8>>,
}

impl Case {
    fn new(label: &str) -> Case {
        let scratch = Scratch::new(label);
        let dir = scratch.spec_copy();
        let before = snapshot(&dir);
        Case {
            scratch,
            dir,
            before,
        }
    }

    fn fetch(&self, extra: &[&str]) -> Run {
        spec("fetch", &self.dir, extra)
    }

    /// The run failed, changed nothing, and gave one line naming every cause.
    fn assert_failed_cleanly(&self, run: &Run, causes: &[&str]) {
        assert!(!run.success, "expected a failure, got success: {run:?}");
        assert_eq!(run.code, Some(1), "exit code: {run:?}");
        let after = snapshot(&self.dir);
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            self.before.keys().collect::<Vec<_>>(),
            "the set of files in the spec dir changed"
        );
        for (name, bytes) in &self.before {
            assert!(
                after[name] == *bytes,
                "{name} changed although fetch failed"
            );
        }
        let lines = run.stderr_lines();
        assert_eq!(
            lines.len(),
            1,
            "stderr should be one line, got: {:?}",
            run.stderr
        );
        for cause in causes {
            assert!(
                lines[0].contains(cause),
                "stderr {:?} does not mention {cause:?}",
                lines[0]
            );
        }
        assert!(
            !run.stdout.contains("fetched"),
            "stdout claims success: {}",
            run.stdout
        );
    }
}

/// Both endpoints answer `status` with `body`.
fn serve_both(server: &MockServer, status: u16, content_type: &str, body: &[u8]) {
    for path in ["/pictory/openapi", "/pictory/definition"] {
        server.mock(|when, then| {
            when.method(GET).path(path);
            then.status(status)
                .header("content-type", content_type)
                .body(body);
        });
    }
}

#[test]
fn connection_refused() {
    let case = Case::new("refused");
    let base = format!("http://127.0.0.1:{}", refused_port());
    let run = case.fetch(&["--base-url", &base, "--timeout", "5"]);
    case.assert_failed_cleanly(&run, &["connection failed", "/pictory/openapi"]);
}

#[test]
fn timeout() {
    let case = Case::new("timeout");
    let server = silent_server();
    let run = case.fetch(&["--base-url", &server.base_url(), "--timeout", "0.5"]);
    case.assert_failed_cleanly(&run, &["timed out", "/pictory/openapi"]);
    assert!(
        run.elapsed < Duration::from_secs(20),
        "the 0.5 s timeout took {:?}",
        run.elapsed
    );
}

#[test]
fn http_500() {
    let case = Case::new("http500");
    let server = MockServer::start();
    serve_both(&server, 500, "text/plain", b"Internal Server Error");
    let run = case.fetch(&["--base-url", &server.base_url()]);
    case.assert_failed_cleanly(&run, &["HTTP 500"]);
}

#[test]
fn http_503() {
    let case = Case::new("http503");
    let server = MockServer::start();
    serve_both(&server, 503, "text/plain", b"Service Unavailable");
    let run = case.fetch(&["--base-url", &server.base_url()]);
    case.assert_failed_cleanly(&run, &["HTTP 503"]);
}

#[test]
fn html_body_on_both_endpoints() {
    let case = Case::new("html");
    let server = MockServer::start();
    serve_both(
        &server,
        200,
        "text/html",
        b"<!DOCTYPE html>\n<html><head><title>Login</title></head>\n<body>Please sign in</body></html>\n",
    );
    let run = case.fetch(&["--base-url", &server.base_url()]);
    case.assert_failed_cleanly(
        &run,
        &[
            "HTML instead of JSON",
            "/pictory/openapi",
            "/pictory/definition",
        ],
    );
}

#[test]
fn truncated_json_on_both_endpoints() {
    let case = Case::new("truncated");
    let text = String::from_utf8(openapi_fixture()).unwrap();
    let mut half = text.len() / 2;
    while !text.is_char_boundary(half) {
        half -= 1;
    }
    let server = MockServer::start();
    serve_both(&server, 200, "application/json", &text.as_bytes()[..half]);
    let run = case.fetch(&["--base-url", &server.base_url()]);
    case.assert_failed_cleanly(
        &run,
        &["truncated JSON", "/pictory/openapi", "/pictory/definition"],
    );
}

#[test]
fn empty_body_on_both_endpoints() {
    let case = Case::new("empty");
    let server = MockServer::start();
    serve_both(&server, 200, "application/json", b"");
    let run = case.fetch(&["--base-url", &server.base_url()]);
    case.assert_failed_cleanly(
        &run,
        &["empty body", "/pictory/openapi", "/pictory/definition"],
    );
}

#[test]
fn json_that_is_not_openapi_on_both_endpoints() {
    let case = Case::new("not-openapi");
    let server = MockServer::start();
    serve_both(&server, 200, "application/json", br#"{"hello":1}"#);
    let run = case.fetch(&["--base-url", &server.base_url()]);
    case.assert_failed_cleanly(
        &run,
        &[
            "not an OpenAPI document",
            "openapi",
            "/pictory/openapi",
            "/pictory/definition",
        ],
    );
}

#[test]
fn document_without_paths_on_both_endpoints() {
    let case = Case::new("no-paths");
    let server = MockServer::start();
    serve_both(
        &server,
        200,
        "application/json",
        br#"{"openapi":"3.0.0","info":{"title":"x"},"paths":{}}"#,
    );
    let run = case.fetch(&["--base-url", &server.base_url()]);
    case.assert_failed_cleanly(
        &run,
        &[
            "not an OpenAPI document",
            "no paths",
            "/pictory/openapi",
            "/pictory/definition",
        ],
    );
}

#[test]
fn connection_closed_mid_body() {
    let case = Case::new("cut-off");
    let server = cut_off_server();
    let run = case.fetch(&["--base-url", &server.base_url(), "--timeout", "10"]);
    case.assert_failed_cleanly(&run, &["body cut off", "/pictory/openapi"]);
}

#[test]
fn from_file_that_does_not_exist() {
    let case = Case::new("missing-file");
    let missing = case.scratch.root.join("no-such-spec.json");
    let run = case.fetch(&["--from-file", missing.to_str().unwrap()]);
    case.assert_failed_cleanly(&run, &["cannot read", "no-such-spec.json"]);
}

#[test]
fn from_file_holding_html() {
    let case = Case::new("html-file");
    let file = case.scratch.write(
        "page.html",
        b"\n  <html><body><h1>502 Bad Gateway</h1></body></html>\n",
    );
    let run = case.fetch(&["--from-file", file.to_str().unwrap()]);
    case.assert_failed_cleanly(&run, &["HTML instead of JSON", "page.html"]);
}
