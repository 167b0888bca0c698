//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod cases;

use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use pictory::Client;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A token no test output may ever contain.
pub const SENTINEL_TOKEN: &str = "SENTINEL-tok-7f3a9c";

/// The normalized spec, read at test time (not compiled in).
pub fn normalized_spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/pictory.normalized.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read the normalized spec"))
        .expect("the normalized spec is JSON")
}

/// `(id, method, path, operation object)` for every operation in the spec.
pub fn spec_operations(doc: &Value) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .expect("every operation has an id");
            out.push((
                id.to_string(),
                method.to_uppercase(),
                path.clone(),
                op.clone(),
            ));
        }
    }
    out
}

/// A Pictory API key no test output may ever contain.
pub const SENTINEL_KEY: &str = "pictai_SENTINEL-key-4b1e";

/// A client with both credentials on one mock server: LowCodeAPI at
/// `/pictory`, Pictory's own API at the root (`/pictoryapis/...`).
pub fn direct_client_for(server: &str) -> Client {
    Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(format!("{server}/pictory"))
        .pictory_key(SENTINEL_KEY)
        .pictory_base_url(server)
        .build()
        .expect("client builds")
}

/// A client for a mock server's `/pictory` base, retries without waiting.
pub fn client_for(base: &str) -> Client {
    Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(base)
        .build()
        .expect("client builds")
}

/// A raw TCP server on 127.0.0.1 for failures httpmock cannot produce.
pub struct RawServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// Connections accepted so far.
    pub connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// What a [`RawServer`] does with each connection.
#[derive(Clone, Copy)]
pub enum RawBehaviour {
    /// Reads the request, sends headers and part of the body, closes.
    CutMidBody,
    /// Reads the request and never answers (holds the socket for 30 s).
    NeverAnswer,
}

/// Starts a raw server; it stops when the test process ends.
pub fn raw_server(behaviour: RawBehaviour) -> RawServer {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf);
                match behaviour {
                    RawBehaviour::CutMidBody => {
                        let _ = stream.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\": {\"jo",
                        );
                        let _ = stream.flush();
                    }
                    RawBehaviour::NeverAnswer => {
                        std::thread::sleep(std::time::Duration::from_secs(30))
                    }
                }
            });
        }
    });
    RawServer { url, connections }
}

/// A port on 127.0.0.1 that refuses connections.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// A client with no reqwest timers (no timeout, no pool-idle sweep), so
/// paused time only advances through the client's own sleeps.
pub fn paused_client(base: &str) -> pictory::Client {
    pictory::Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(base)
        .without_timeouts()
        .build()
        .unwrap()
}

pub const EXPRESS_404: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Error</title></head>\n<body><pre>Cannot GET /pictory/x</pre></body>\n</html>\n";

pub fn html_404() -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(404)
        .header("content-type", "text/html; charset=utf-8")
        .body(EXPRESS_404)
        .build()
}

/// Pictory's answer for an unknown job (through LowCodeAPI's hosted
/// envelope): what a proxy with a job route answers a probe.
pub fn job_not_found() -> HttpMockResponse {
    json_response(
        404,
        serde_json::json!({"data": {"error": {"success": false, "data": {"status": "failed", "error_code": "5000", "error_message": "JOB_NOT_FOUND"}}}}),
    )
}

pub fn json_response(status: u16, body: serde_json::Value) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

/// A server that answers with `respond` for every request and logs the
/// path and query of each.
pub async fn scripted(
    respond: impl Fn(usize, &HttpMockRequest) -> HttpMockResponse + Send + Sync + 'static,
) -> (MockServer, Arc<Mutex<Vec<String>>>) {
    let server = MockServer::start_async().await;
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = log.clone();
    let n = AtomicUsize::new(0);
    server
        .mock_async(move |when, then| {
            when.any_request();
            then.respond_with(move |req| {
                sink.lock().unwrap().push(format!(
                    "{} {}",
                    req.method(),
                    req.uri()
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/")
                ));
                respond(n.fetch_add(1, Ordering::SeqCst), req)
            });
        })
        .await;
    (server, log)
}
