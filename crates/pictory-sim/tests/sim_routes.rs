//! The simulator's routing and request pipeline per profile: every
//! operation in the URL formats served, `at_` tokens and LowCodeAPI's 401,
//! unknown routes (LowCodeAPI's JSON 404, or the other bodies
//! `UnknownRoute` selects), the job-route switch, envelopes, the redirect of
//! a bare `/pictory`, and validation.

mod sim_support;

use pictory::{Error, OPERATIONS, OperationSpec, UrlFormat};
use pictory_sim::{SimConfig, SimProfile, Simulator, UnknownRoute};
use reqwest::Method;
use serde_json::{Value, json};
use sim_support::{err_body, fixture, http, keys, ok_body};

const PROFILES: [SimProfile; 2] = [SimProfile::Hosted, SimProfile::OpenSource];

/// The configuration a profile's constructor gives.
fn config(profile: SimProfile) -> SimConfig {
    match profile {
        SimProfile::Hosted => SimConfig::hosted(),
        SimProfile::OpenSource => SimConfig::open_source(),
    }
}

/// Asserts LowCodeAPI's unknown-route answer: 404, JSON `{"message": "Not Found"}`.
async fn assert_unknown_route(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 404, "{what}");
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "{what}: {ct}");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v, fixture("lowcodeapi/unknown-route-404.json"), "{what}");
}

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
        "render_video" => fixture("starts/render-request-classic.json"),
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
            for p in op.wire_path_params {
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
    let sim = pictory_sim::start(SimConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let token = sim.token().to_string();
    let mut expected = 0;
    // LowCodeAPI's face: the operations it proxies (Pictory's newer ones
    // are served on Pictory's face only, `contract_sim.rs`).
    for op in OPERATIONS
        .iter()
        .filter(|op| op.served_by != pictory::ServedBy::PictoryOnly)
    {
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
                    text.contains(ODD_ID) || text.contains("t1") || text.contains("JOB_NOT_FOUND"),
                    "{} {fmt}: {text}",
                    op.id
                );
                assert!(v["data"]["error"].is_object(), "{} {fmt}: {text}", op.id);
            } else {
                ok_body(SimProfile::Hosted, &v);
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
async fn open_source_serves_only_the_old_format_of_path_operations() {
    let sim = pictory_sim::start(SimConfig::open_source()).await.unwrap();
    let http = reqwest::Client::new();
    let token = sim.token().to_string();
    let mut unknown = 0;
    for op in OPERATIONS {
        let formats: &[UrlFormat] = if op.path_params.is_empty() {
            &[UrlFormat::New]
        } else {
            &[UrlFormat::New, UrlFormat::Old]
        };
        for format in formats {
            let (status, ct, body) = send(&http, &sim, op, *format, "x1", &token).await;
            let v: Value = serde_json::from_str(&body).unwrap();
            let what = format!("{} {}: {status} {body}", op.id, format.as_str());
            assert!(ct.starts_with("application/json"), "{what}");
            let routed = !op.path_params.is_empty() && *format == UrlFormat::Old;
            let proxied = op.served_by != pictory::ServedBy::PictoryOnly;
            if op.id == "get_job" || !proxied || (!op.path_params.is_empty() && !routed) {
                // New format of a path operation, the job route (off), or
                // an operation LowCodeAPI does not proxy.
                assert_eq!(status, 404, "{what}");
                assert_eq!(v, fixture("lowcodeapi/unknown-route-404.json"), "{what}");
                unknown += 1;
            } else {
                assert_eq!(v["provider"], "pictory", "{what}");
            }
        }
    }
    let counters = sim.counters();
    assert_eq!(counters.route_not_found, unknown);
    assert_eq!(
        unknown,
        12 + 30 + 6,
        "11 new-format path routes and the old-format job route; the 30 \
         operations LowCodeAPI does not proxy, 6 of them in both formats"
    );
    assert_eq!(counters.requests_for("get_template", "new"), 0);
    assert_eq!(counters.requests_for("get_template", "old"), 1);
}

#[tokio::test]
async fn the_job_route_is_a_switch() {
    let http = reqwest::Client::new();
    for (profile, job_route) in [
        (SimProfile::OpenSource, false),
        (SimProfile::OpenSource, true),
        (SimProfile::Hosted, false),
        (SimProfile::Hosted, true),
    ] {
        let sim = pictory_sim::start(SimConfig {
            job_route,
            ..config(profile)
        })
        .await
        .unwrap();
        let op = OperationSpec::find("get_job").unwrap();
        for format in [UrlFormat::New, UrlFormat::Old] {
            let what = format!("{profile:?} job_route={job_route} {}", format.as_str());
            let resp = http
                .get(op_url(&sim, op, format, "nope", sim.token()))
                .send()
                .await
                .unwrap();
            let served = job_route && (format == UrlFormat::Old || profile == SimProfile::Hosted);
            if served {
                assert_eq!(resp.status(), 404, "{what}");
                let v: Value = resp.json().await.unwrap();
                let error = err_body(profile, &v);
                let job = fixture("lowcodeapi/pictory-error-envelope-404.json")["error"].clone();
                let inner = if profile == SimProfile::OpenSource {
                    error
                } else {
                    json!({"success": error["success"], "data": error["data"]})
                };
                assert_eq!(inner, job, "{what}");
            } else {
                assert_unknown_route(resp, &what).await;
            }
        }
    }
}

#[tokio::test]
async fn tokens_need_the_at_prefix_and_get_lowcodeapis_401() {
    for profile in PROFILES {
        let sim = pictory_sim::start(SimConfig {
            tokens: vec!["at_a".into(), "b".into()],
            ..config(profile)
        })
        .await
        .unwrap();
        let http = reqwest::Client::new();
        let url = format!("{}/pictoryapis/v1/templates", sim.base_url());
        // "b" is listed but lacks the prefix: LowCodeAPI never accepts it.
        for (query, echoed) in [
            ("", None),
            ("?api_token=wrong", Some("wrong")),
            ("?api_token=", Some("")),
            ("?api_token=b", Some("b")),
        ] {
            let resp = http.get(format!("{url}{query}")).send().await.unwrap();
            assert_eq!(resp.status(), 401, "{profile:?} {query}");
            let mut v: Value = resp.json().await.unwrap();
            match profile {
                SimProfile::OpenSource => {
                    // The server echoes the request, the token included.
                    let logging = v["error"]["logging"].take();
                    assert_eq!(logging["query"]["api_token"], json!(echoed), "{query}");
                    assert_eq!(logging["path"], "/pictory/pictoryapis/v1/templates");
                    assert_eq!(logging["method"], "GET");
                    assert_eq!(logging["status_code"], 401);
                    assert!(logging["headers"]["host"].is_string(), "{logging}");
                    v["error"]["logging"] = json!({});
                    assert_eq!(v, fixture("lowcodeapi/401-bad-token.json"))
                }
                SimProfile::Hosted => {
                    assert_eq!(v["data"]["error"]["code"], 401);
                    assert_eq!(
                        v["data"]["error"]["message"],
                        fixture("lowcodeapi/401-bad-token.json")["message"]
                    );
                }
            }
        }
        // A token with the prefix that no account holds: the open-source
        // server's 403; the hosted profile keeps the 401.
        for token in ["at_", "at_nope"] {
            let resp = http
                .get(format!("{url}?api_token={token}"))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let v: Value = resp.json().await.unwrap();
            match profile {
                SimProfile::OpenSource => {
                    assert_eq!(status, 403, "{token}");
                    assert_eq!(v, fixture("lowcodeapi/403-unknown-token.json"));
                }
                SimProfile::Hosted => assert_eq!(status, 401, "{token}"),
            }
        }
        let resp = http
            .get(format!("{url}?api_token=at_a"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let counters = sim.counters();
        assert_eq!(counters.unauthorized, 6);
        assert_eq!(counters.requests_for("list_templates", "new"), 7);
        // Through the client (no path parameter, so any URL mode): a typed error.
        let client = sim
            .client_builder()
            .token("at_nope-wrong-token")
            .build()
            .unwrap();
        let err = client.api().list_templates().send().await.unwrap_err();
        // Refused either way: the open-source server's 403, the hosted 401.
        let status = match profile {
            SimProfile::OpenSource => 403,
            SimProfile::Hosted => 401,
        };
        assert!(
            matches!(
                err,
                Error::Unauthorized {
                    credential: "LOWCODEAPI_API_TOKEN",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(status));
        let client = sim.client_builder().token("wrong-token").build().unwrap();
        let err = client.api().list_templates().send().await.unwrap_err();
        assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    }
    // The default token fits both profiles.
    assert!(SimConfig::hosted().tokens[0].starts_with("at_"));
    assert_eq!(SimConfig::open_source().tokens, SimConfig::default().tokens);
}

#[tokio::test]
async fn the_open_source_server_passes_path_values_to_pictory_again_in_the_query() {
    for (profile, expected) in [
        (
            SimProfile::OpenSource,
            "/pictoryapis/v1/templates/t-1?templateId=t-1",
        ),
        (SimProfile::Hosted, "/pictoryapis/v1/templates/t-1"),
    ] {
        let sim = pictory_sim::start(config(profile)).await.unwrap();
        let client = sim
            .client_builder()
            .url_mode(pictory::UrlMode::OldOnly)
            .build()
            .unwrap();
        assert_eq!(sim.forwarded("get_template"), None);
        let err = client
            .api()
            .get_template()
            .template_id("t-1")
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
        assert_eq!(sim.forwarded("get_template").as_deref(), Some(expected));
        // The token never travels on.
        client.api().list_templates().send().await.unwrap();
        assert_eq!(
            sim.forwarded("list_templates").as_deref(),
            Some("/pictoryapis/v1/templates")
        );
    }
}

#[tokio::test]
async fn unknown_urls_and_wrong_methods_answer_lowcodeapis_json_404() {
    for profile in PROFILES {
        let sim = pictory_sim::start(config(profile)).await.unwrap();
        let http = reqwest::Client::new();
        let base = sim.base_url();
        let resp = http
            .get(format!("{base}/nope?api_token=at_sim-token"))
            .send()
            .await
            .unwrap();
        assert_unknown_route(resp, "unknown URL").await;
        let resp = http
            .delete(format!(
                "{base}/pictoryapis/v1/templates?api_token=at_sim-token"
            ))
            .send()
            .await
            .unwrap();
        assert_unknown_route(resp, "wrong method").await;
        let resp = http
            .get(format!("{}/elsewhere", sim.origin()))
            .send()
            .await
            .unwrap();
        assert_unknown_route(resp, "outside /pictory").await;
        assert_eq!(sim.counters().route_not_found, 3);
        assert!(sim.counters().requests.is_empty());
    }
}

#[tokio::test]
async fn other_unknown_route_bodies_can_be_chosen() {
    let http = reqwest::Client::new();
    for (kind, content_type, body) in [
        (
            UnknownRoute::Html,
            "text/html; charset=utf-8",
            pictory_sim::express_404_body("GET", "/pictory/nope"),
        ),
        (
            UnknownRoute::Text,
            "text/plain; charset=utf-8",
            "Not Found".to_string(),
        ),
        (UnknownRoute::Empty, "", String::new()),
    ] {
        let sim = pictory_sim::start(SimConfig {
            unknown_route: kind,
            ..SimConfig::open_source()
        })
        .await
        .unwrap();
        let resp = http
            .get(format!("{}/nope?api_token=at_sim-token", sim.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{kind:?}");
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert_eq!(ct, content_type, "{kind:?}");
        assert_eq!(resp.text().await.unwrap(), body, "{kind:?}");
    }
}

#[tokio::test]
async fn a_bare_pictory_path_redirects_to_the_web_ui() {
    for profile in PROFILES {
        let sim = pictory_sim::start(config(profile)).await.unwrap();
        let http = http();
        for path in ["", "/", "?api_token=at_sim-token"] {
            let resp = http
                .get(format!("{}{path}", sim.base_url()))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 302, "{path}");
            let location = resp.headers()["location"].to_str().unwrap().to_string();
            assert!(!location.contains("api_token"), "{location}");
            let page = http.get(&location).send().await.unwrap();
            assert_eq!(page.status(), 200);
            assert!(page.text().await.unwrap().contains("LowCodeAPI"));
        }
        assert!(sim.counters().requests.is_empty());
    }
}

#[tokio::test]
async fn disabled_new_format_behind_an_html_404_and_the_client_falls_back() {
    let sim = pictory_sim::start(SimConfig {
        new_format: false,
        unknown_route: UnknownRoute::Html,
        ..SimConfig::hosted()
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
        pictory_sim::express_404_body("GET", "/pictory/pictoryapis/v1/templates/abc")
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
        .send()
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
async fn open_source_client_falls_back_on_the_json_404() {
    let sim = pictory_sim::start(SimConfig {
        job_route: true,
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    let client = sim.client().unwrap();
    let err = client
        .api()
        .get_job()
        .job_id("missing")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::JobNotFound { .. } | Error::NotFound { .. }),
        "{err:?}"
    );
    assert_eq!(client.remembered_format("get_job"), Some(UrlFormat::Old));
}

#[tokio::test]
async fn old_format_without_the_value_is_a_400() {
    let sim = pictory_sim::start(SimConfig::default()).await.unwrap();
    let url = format!(
        "{}/pictoryapis/v1/templates/templateid?api_token=at_sim-token",
        sim.base_url()
    );
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    let error = err_body(SimProfile::Hosted, &v);
    assert_eq!(error["code"], "INVALID_REQUEST_BODY");
    assert_eq!(
        error["fields"],
        json!([{"name": "templateId", "errors": "is required"}])
    );
    assert_eq!(sim.counters().requests_for("get_template", "old"), 1);
}

#[tokio::test]
async fn each_profile_wraps_success_and_errors_in_its_envelope() {
    for profile in PROFILES {
        let sim = pictory_sim::start(config(profile)).await.unwrap();
        let http = reqwest::Client::new();
        let url = format!(
            "{}/pictoryapis/v1/video/storyboard?api_token=at_sim-token",
            sim.base_url()
        );
        let ok: Value = http
            .post(&url)
            .json(&fixture("starts/storyboard-classic-request.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let bad = http
            .post(&url)
            .json(&json!({"scenes": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        let bad: Value = bad.json().await.unwrap();
        let started = ok_body(profile, &ok);
        assert_eq!(
            keys(&started),
            keys(&fixture("starts/job-started-data-jobId.json"))
        );
        assert!(started["data"]["jobId"].is_string());
        let error = err_body(profile, &bad);
        assert!(
            keys(&error).is_superset(&keys(&fixture("errors/pictory-400-validation.json"))),
            "{error}"
        );
        assert_eq!(error["code"], "INVALID_REQUEST_BODY");
        assert_eq!(error["fields"][0]["name"], "videoName");
        assert!(error["fields"][0]["errors"].is_string());
        if profile == SimProfile::OpenSource {
            let documented = fixture("lowcodeapi/success-result-envelope.json");
            assert_eq!(keys(&ok), keys(&documented));
            assert_eq!(ok["message"], documented["message"]);
            assert_eq!(ok["response_headers"], documented["response_headers"]);
            assert_eq!(
                keys(&bad),
                keys(&fixture("lowcodeapi/pictory-error-envelope-404.json"))
            );
            assert_eq!(bad["message"], "Request validation failed");
        } else {
            assert_eq!(keys(&bad), keys(&json!({"data": 1})));
            assert_eq!(keys(&bad["data"]), keys(&json!({"error": 1})));
        }
        // The client reads both the same way (no path parameter here).
        let client = sim.client().unwrap();
        let resp = client
            .api()
            .create_storyboard()
            .body_map(|b| b.extra(serde_json::Map::new()))
            .body_map(|b| {
                b.video_name(Some("w".to_string()))
                    .scenes(vec![serde_json::from_value(json!({"text": "Hi"})).unwrap()])
            })
            .send()
            .await
            .unwrap();
        assert!(resp.payload()["jobId"].is_string(), "{:?}", resp.raw());
    }
}

#[tokio::test]
async fn validation_errors_name_the_fields() {
    let sim = pictory_sim::start(SimConfig::default()).await.unwrap();
    let client = sim.client().unwrap();
    let err = client
        .api()
        .create_storyboard()
        .body_map(|b| b.extra(serde_json::Map::new()))
        .body_map(|b| {
            b.language(Some("en".to_string())).scenes(vec![
                serde_json::from_value(json!({"voiceOver": true})).unwrap(),
            ])
        })
        .send()
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
        "{}/pictoryapis/v1/awsconnections?api_token=at_sim-token",
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
    let error = err_body(SimProfile::Hosted, &v);
    let names: Vec<&str> = error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for field in ["name", "awsAccountId", "awsRegion", "enabled"] {
        assert!(names.contains(&field), "{names:?}");
    }
    // A body that is not JSON, and one too deep to parse: typed 400s.
    for body in ["{not json".to_string(), "[".repeat(100_000)] {
        let resp = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
    }
    assert_eq!(sim.counters().jobs_created.len(), 0);
}
