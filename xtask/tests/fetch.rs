//! `cargo xtask spec fetch` against a local server: the openapi document, and
//! the fallback to the definition document.

mod common;

use common::*;
use httpmock::prelude::*;
use serde_json::Value;

/// The keys of an object, in document order.
fn keys(v: &Value) -> Vec<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

#[test]
fn fetch_stores_the_openapi_document_and_its_provenance() {
    let served = openapi_fixture();
    let server = MockServer::start();
    let openapi = server.mock(|when, then| {
        when.method(GET).path("/pictory/openapi");
        then.status(200)
            .header("content-type", "application/json")
            .body(&served);
    });
    let definition = server.mock(|when, then| {
        when.method(GET).path("/pictory/definition");
        then.status(200)
            .header("content-type", "application/json")
            .body(definition_fixture());
    });
    let scratch = Scratch::new("fetch-openapi");
    let dir = scratch.spec_copy();

    let run = spec("fetch", &dir, &["--base-url", &server.base_url()]);
    assert!(run.success, "fetch failed: {run:?}");
    assert_eq!(openapi.calls(), 1);
    assert_eq!(
        definition.calls(),
        0,
        "no fallback when the first document is good"
    );
    assert!(
        !run.stdout.contains("fell back"),
        "unexpected fallback: {}",
        run.stdout
    );

    // The raw file is the served document re-pretty-printed, key order kept.
    let raw_text = std::fs::read_to_string(dir.join(RAW)).unwrap();
    let served_doc = parse(&served);
    let mut expected_text = serde_json::to_string_pretty(&served_doc).unwrap();
    expected_text.push('\n');
    assert_eq!(
        raw_text, expected_text,
        "raw file is not the re-printed fixture"
    );
    let raw_doc = parse(raw_text.as_bytes());
    assert_eq!(raw_doc, served_doc);
    assert_eq!(keys(&raw_doc), keys(&served_doc), "top-level key order");
    assert_eq!(
        keys(&raw_doc["paths"]),
        keys(&served_doc["paths"]),
        "path order"
    );
    let first_path = keys(&served_doc["paths"])[0].clone();
    let first_op = &served_doc["paths"][&first_path]["post"];
    assert_eq!(
        keys(&raw_doc["paths"][&first_path]["post"]),
        keys(first_op),
        "operation key order"
    );

    // Provenance: variant, source URL, SHA-256 and size of the served bytes.
    let prov = parse(&std::fs::read(dir.join(PROVENANCE)).unwrap());
    assert_eq!(prov["variant"], "openapi");
    assert_eq!(
        prov["source"],
        Value::from(format!("{}/pictory/openapi", server.base_url()))
    );
    assert_eq!(prov["sha256"], Value::from(sha256_hex(&served)));
    assert_eq!(prov["bytes"], Value::from(served.len()));
    assert_eq!(prov["fallback_reason"], Value::Null);
    assert!(
        prov["fetched_at"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z')),
        "fetched_at: {}",
        prov["fetched_at"]
    );

    // The other files are untouched.
    for name in [OVERLAY, NORMALIZED] {
        assert_eq!(
            std::fs::read(dir.join(name)).unwrap(),
            std::fs::read(std::path::Path::new(SPEC_DIR).join(name)).unwrap(),
            "{name} changed"
        );
    }
    assert_eq!(
        snapshot(&dir).len(),
        4,
        "no temporary file left behind: {:?}",
        snapshot(&dir).keys().collect::<Vec<_>>()
    );
}

#[test]
fn fetch_falls_back_to_the_definition_document_on_404_and_normalizes_identically() {
    let served = definition_fixture();
    let server = MockServer::start();
    let openapi = server.mock(|when, then| {
        when.method(GET).path("/pictory/openapi");
        then.status(404)
            .header("content-type", "text/plain")
            .body("Not Found");
    });
    let definition = server.mock(|when, then| {
        when.method(GET).path("/pictory/definition");
        then.status(200)
            .header("content-type", "application/json")
            .body(&served);
    });
    let scratch = Scratch::new("fetch-fallback");
    let dir = scratch.spec_copy();

    let run = spec("fetch", &dir, &["--base-url", &server.base_url()]);
    assert!(run.success, "fetch failed: {run:?}");
    assert_eq!(openapi.calls(), 1);
    assert_eq!(definition.calls(), 1);
    assert!(
        run.stdout.contains("fell back"),
        "stdout does not mention the fallback: {}",
        run.stdout
    );
    assert!(run.stdout.contains("404"), "stdout: {}", run.stdout);

    let prov = parse(&std::fs::read(dir.join(PROVENANCE)).unwrap());
    assert_eq!(prov["variant"], "definition");
    assert_eq!(
        prov["source"],
        Value::from(format!("{}/pictory/definition", server.base_url()))
    );
    assert_eq!(prov["sha256"], Value::from(sha256_hex(&served)));
    assert!(
        prov["fallback_reason"]
            .as_str()
            .is_some_and(|r| r.contains("404")),
        "fallback_reason: {}",
        prov["fallback_reason"]
    );
    assert_eq!(
        parse(&std::fs::read(dir.join(RAW)).unwrap()),
        parse(&served)
    );

    // The old-format document normalizes to exactly the committed document.
    let run = spec("normalize", &dir, &[]);
    assert!(run.success, "normalize failed: {run:?}");
    let committed = std::fs::read(std::path::Path::new(SPEC_DIR).join(NORMALIZED)).unwrap();
    let produced = std::fs::read(dir.join(NORMALIZED)).unwrap();
    assert!(
        produced == committed,
        "normalize(definition) differs from the committed {NORMALIZED}"
    );
    let run = spec("check", &dir, &[]);
    assert!(run.success, "check failed after the fallback: {run:?}");
}
