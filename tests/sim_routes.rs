//! The simulator's routing and request pipeline: every operation in both
//! URL formats, tokens, disabled formats (Express's HTML 404), envelopes
//! and validation.
#![cfg(feature = "simulator")]

use pictory::sim::{self, SimConfig, SimEnvelope, Simulator};
use pictory::{Call, Error, OPERATIONS, OperationSpec, UrlFormat};
use reqwest::Method;
use serde_json::{Value, json};

/// A path value that needs encoding.
const ODD_ID: &str = "id 7/ü?x";

/// Percent-encodes one path segment.
fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `(content type, body)` of a multipart form with one file field.
fn multipart(field: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "sim-boundary-7f3a9c";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A valid JSON body for each JSON-body operation.
fn sample_body(op: &str) -> Value {
    match op {
        "update_brand" => json!({"color": "#ff0000"}),
        "create_brand" => json!({"name": "Acme"}),
        "create_aws_connection" => json!({
            "name": "conn", "awsAccountId": "123456789012", "awsRegion": "us-east-1", "enabled": true
        }),
        "update_aws_connection" => json!({"version": 1}),
        "generate_upload_url" => json!({"fileName": "clip.mp4", "contentType": "video/mp4"}),
        "update_template" => json!({"scenes": []}),
        "create_video_from_template" => json!({"templateId": "t1"}),
        "render_video" => json!({"scenes": [{"text": "Hello"}]}),
        "render_storyboard" => json!({}),
        "create_storyboard" => json!({"videoName": "demo", "scenes": [{"text": "Hello"}]}),
        "add_voiceover_track" => json!({
            "accent": "british", "age": "adult", "engine": "elevenlabs", "gender": "female",
            "language": "en", "name": "Narrator", "service": "elevenlabs", "voiceId": "v-1"
        }),
        "create_transcription" => json!({"fileUrl": "https://example.test/v.mp4"}),
        "create_video_summary" => json!({"transcript": [{"sentence": "Hi."}]}),
        _ => json!({}),
    }
}

/// The URL of `op` in `format` with every path value `value`.
fn op_url(
    sim: &Simulator,
    op: &OperationSpec,
    format: UrlFormat,
    value: &str,
    token: &str,
) -> String {
    let mut url = match format {
        UrlFormat::New => {
            let mut path = op.path.to_string();
            for p in op.path_params {
                path = path.replace(&format!("{{{p}}}"), &seg(value));
            }
            url::Url::parse(&format!("{}{path}", sim.base_url())).unwrap()
        }
        UrlFormat::Old => {
            let mut url =
                url::Url::parse(&format!("{}{}", sim.base_url(), op.old_format_path())).unwrap();
            for p in op.path_params {
                url.query_pairs_mut().append_pair(p, value);
            }
            url
        }
    };
    url.query_pairs_mut().append_pair("api_token", token);
    url.to_string()
}

/// Sends `op` in `format`; returns status, content type and body text.
async fn send(
    http: &reqwest::Client,
    sim: &Simulator,
    op: &OperationSpec,
    format: UrlFormat,
    value: &str,
    token: &str,
) -> (u16, String, String) {
    let method = Method::from_bytes(op.method.as_bytes()).unwrap();
    let mut req = http.request(method, op_url(sim, op, format, value, token));
    req = match op.id {
        "create_template" => {
            let (ct, body) = multipart("pictoryprojectfile", "promo.pictai", b"project");
            req.header("content-type", ct).body(body)
        }
        _ if op.method == "POST" || op.method == "PUT" => req.json(&sample_body(op.id)),
        _ => req,
    };
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, resp.text().await.unwrap())
}

#[tokio::test]
async fn every_operation_has_a_working_route_in_both_formats() {
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let token = sim.token().to_string();
    let mut expected = 0;
    for op in OPERATIONS {
        let formats: &[UrlFormat] = if op.path_params.is_empty() {
            assert_eq!(op.old_format_path(), op.path, "{}: one URL", op.id);
            &[UrlFormat::New]
        } else {
            &[UrlFormat::New, UrlFormat::Old]
        };
        for format in formats {
            let (status, ct, body) = send(&http, &sim, op, *format, ODD_ID, &token).await;
            let fmt = format.as_str();
            assert!(
                ct.starts_with("application/json"),
                "{} {fmt}: {status} {ct} {body}",
                op.id
            );
            assert!(
                status == 200 || status == 404,
                "{} {fmt}: {status} {body}",
                op.id
            );
            let v: Value = serde_json::from_str(&body).unwrap();
            if status == 404 {
                // A resource Pictory does not know, in JSON: the path value
                // arrived decoded in both formats.
                let text = v.to_string();
                assert!(
                    text.contains(ODD_ID) || text.contains("t1"),
                    "{} {fmt}: {text}",
                    op.id
                );
            } else {
                assert_eq!(v["provider"], "pictory", "{} {fmt}", op.id);
            }
            expected += 1;
            assert_eq!(
                sim.counters().requests_for(op.id, fmt),
                1,
                "{} {fmt}",
                op.id
            );
        }
    }
    let counters = sim.counters();
    assert_eq!(counters.requests.values().sum::<u64>(), expected);
    assert_eq!(counters.route_not_found, 0);
    assert_eq!(counters.unauthorized, 0);
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_in_both_envelopes() {
    for envelope in [SimEnvelope::Result, SimEnvelope::Data] {
        let sim = sim::start(SimConfig {
            envelope,
            tokens: vec!["a".into(), "b".into()],
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let http = reqwest::Client::new();
        let url = format!("{}/pictoryapis/v1/templates", sim.base_url());
        for query in ["", "?api_token=wrong", "?api_token="] {
            let resp = http.get(format!("{url}{query}")).send().await.unwrap();
            assert_eq!(resp.status(), 401);
            let v: Value = resp.json().await.unwrap();
            match envelope {
                SimEnvelope::Result => {
                    assert_eq!(v["provider"], "pictory");
                    assert_eq!(v["error"]["code"], "UNAUTHORIZED");
                }
                SimEnvelope::Data => assert_eq!(v["data"]["error"]["code"], "UNAUTHORIZED"),
            }
        }
        // Every configured token works.
        for token in ["a", "b"] {
            let resp = http
                .get(format!("{url}?api_token={token}"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
        }
        let counters = sim.counters();
        assert_eq!(counters.unauthorized, 3);
        assert_eq!(counters.requests_for("list_templates", "new"), 5);
        // Through the client: a typed error.
        let client = sim.client_builder().token("nope").build().unwrap();
        let err = client.api().list_templates().call().await.unwrap_err();
        assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn disabled_new_format_answers_like_express_and_the_client_falls_back() {
    let sim = sim::start(SimConfig {
        new_format: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let op = OperationSpec::find("get_template").unwrap();
    let url = op_url(&sim, op, UrlFormat::New, "abc", sim.token());
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        resp.text().await.unwrap(),
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /pictory/pictoryapis/v1/templates/abc</pre>\n</body>\n</html>\n"
    );
    // The old format works; routes without path parameters work too.
    let http = reqwest::Client::new();
    let (status, ct, _) = send(&http, &sim, op, UrlFormat::Old, "abc", sim.token()).await;
    assert_eq!((status, ct.starts_with("application/json")), (404, true));
    let list = OperationSpec::find("list_templates").unwrap();
    assert_eq!(
        send(&http, &sim, list, UrlFormat::New, "", sim.token())
            .await
            .0,
        200
    );
    let counters = sim.counters();
    assert_eq!(counters.route_not_found, 1);
    assert_eq!(counters.requests_for("get_template", "new"), 0);
    assert_eq!(counters.requests_for("get_template", "old"), 1);

    // The client tries new, gets the routing 404, goes old and remembers.
    let client = sim.client().unwrap();
    let err = client
        .api()
        .get_job()
        .job_id("missing")
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::JobNotFound { .. } | Error::NotFound { .. }),
        "{err:?}"
    );
    assert_eq!(client.remembered_format("get_job"), Some(UrlFormat::Old));
    assert_eq!(sim.counters().requests_for("get_job", "old"), 1);
}

#[tokio::test]
async fn disabled_old_format_unknown_routes_and_wrong_methods_are_express_404s() {
    let sim = sim::start(SimConfig {
        old_format: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let op = OperationSpec::find("get_brand").unwrap();
    let resp = reqwest::get(op_url(&sim, op, UrlFormat::Old, "b1", sim.token()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.text().await.unwrap(),
        sim::express_404_body("GET", "/pictory/pictoryapis/brands/editvideo/brandid")
    );
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}/nope?api_token=sim-token", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("<pre>Cannot GET /pictory/nope</pre>")
    );
    let resp = http
        .delete(format!(
            "{}/pictoryapis/v1/templates?api_token=sim-token",
            sim.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("<pre>Cannot DELETE /pictory/pictoryapis/v1/templates</pre>")
    );
    assert_eq!(sim.counters().route_not_found, 3);
    assert!(sim.counters().requests.is_empty());
}

#[tokio::test]
async fn old_format_without_the_value_is_a_400() {
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let url = format!(
        "{}/pictoryapis/v1/templates/templateid?api_token=sim-token",
        sim.base_url()
    );
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(
        v["error"]["fields"],
        json!([{"name": "templateId", "errors": ["is required"]}])
    );
    assert_eq!(sim.counters().requests_for("get_template", "old"), 1);
}

#[tokio::test]
async fn both_envelopes_wrap_success_and_errors() {
    for envelope in [SimEnvelope::Data, SimEnvelope::Result] {
        let sim = sim::start(SimConfig {
            envelope,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let http = reqwest::Client::new();
        let url = format!(
            "{}/pictoryapis/v1/video/storyboard?api_token=sim-token",
            sim.base_url()
        );
        let ok: Value = http
            .post(&url)
            .json(&json!({"videoName": "v", "scenes": [{"text": "Hi"}]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let bad = http
            .post(&url)
            .json(&json!({"scenes": [{"text": "Hi"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        let bad: Value = bad.json().await.unwrap();
        match envelope {
            SimEnvelope::Data => {
                assert_eq!(ok.as_object().unwrap().len(), 1);
                assert_eq!(ok["data"]["success"], true);
                assert!(ok["data"]["data"]["jobId"].is_string());
                let error = &bad["data"]["error"];
                assert_eq!(error["code"], "VALIDATION_ERROR");
                assert!(error["message"].as_str().unwrap().contains("videoName"));
                assert_eq!(error["fields"][0]["name"], "videoName");
            }
            SimEnvelope::Result => {
                assert_eq!(ok["message"], "Request completed");
                assert_eq!(ok["provider"], "pictory");
                assert_eq!(ok["response_headers"], json!({}));
                assert!(ok["result"]["data"]["jobId"].is_string());
                assert_eq!(bad["provider"], "pictory");
                assert_eq!(bad["error"]["code"], "VALIDATION_ERROR");
            }
        }
        // The client reads both the same way.
        let client = sim.client().unwrap();
        let resp = client
            .api()
            .create_storyboard()
            .body_map(|b| b.extra(serde_json::Map::new()))
            .body_map(|b| {
                b.video_name(Some("w".to_string()))
                    .scenes(vec![json!({"text": "Hi"})])
            })
            .call()
            .await
            .unwrap();
        assert!(resp.payload()["jobId"].is_string(), "{:?}", resp.raw());
    }
}

#[tokio::test]
async fn validation_errors_name_the_fields() {
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let client = sim.client().unwrap();
    let err = client
        .api()
        .create_storyboard()
        .body_map(|b| b.extra(serde_json::Map::new()))
        .body_map(|b| {
            b.language(Some("en".to_string()))
                .scenes(vec![json!({"voiceOver": true})])
        })
        .call()
        .await
        .unwrap_err();
    let Error::BadRequest {
        fields, response, ..
    } = &err
    else {
        panic!("expected BadRequest, got {err:?}");
    };
    assert_eq!(response.status, 400);
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["videoName", "scenes[0]"]);
    assert_eq!(fields[0].errors, ["is required"]);

    // Schema errors from the spec: types and required properties.
    let http = reqwest::Client::new();
    let url = format!(
        "{}/pictoryapis/v1/awsconnections?api_token=sim-token",
        sim.base_url()
    );
    let v: Value = http
        .post(&url)
        .json(&json!({"name": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for field in ["name", "awsAccountId", "awsRegion", "enabled"] {
        assert!(names.contains(&field), "{names:?}");
    }
    // A body that is not JSON.
    let resp = http
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(sim.counters().jobs_created.len(), 0);
}
