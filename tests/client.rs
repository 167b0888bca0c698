//! The hand-written client layer against httpmock and raw sockets: URL-format
//! fallback, envelopes, typed errors, retries, and bad input of every kind.
//! Waits run on paused tokio time: no test sleeps for real.

mod common;

use common::cases::{ID, cases};
use common::{
    RawBehaviour, SENTINEL_TOKEN, html_404, json_response, paused_client, raw_server, refused_url,
    scripted,
};
use httpmock::HttpMockResponse;
use pictory::{Client, Error, OPERATIONS, RetryPolicy, TransportKind, UrlFormat, UrlMode};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use std::time::Duration;

/// An operation with path parameters that may go through LowCodeAPI (the
/// URL formats are LowCodeAPI's; Pictory-only operations never go there).
fn lowcodeapi_path_op(op: &pictory::OperationSpec) -> bool {
    !op.path_params.is_empty() && op.served_by != pictory::ServedBy::PictoryOnly
}

#[tokio::test]
async fn old_format_only_server_every_path_operation_falls_back_once_then_goes_direct() {
    // LowCodeAPI with only old-format routes: `/templates/templateid?templateId=...`.
    let (server, log) = scripted(|_, req| {
        let path = req.uri().path().to_string();
        let query = req.query_params();
        for op in OPERATIONS.iter().filter(|op| lowcodeapi_path_op(op)) {
            let old = format!("/pictory{}", op.old_format_path());
            let has_values = op
                .wire_path_params
                .iter()
                .all(|p| query.iter().any(|(k, v)| k == p && v == ID));
            if path == old && req.method().as_str() == op.method && has_values {
                return json_response(200, json!({"data": {"op": op.id}}));
            }
        }
        html_404()
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    let path_ops: Vec<_> = OPERATIONS
        .iter()
        .filter(|op| lowcodeapi_path_op(op))
        .collect();
    assert_eq!(
        path_ops.len(),
        11,
        "the spec has 11 operations with path parameters that LowCodeAPI may serve"
    );
    for op in path_ops {
        let case = cases().into_iter().find(|(id, _)| *id == op.id).unwrap().1;
        let before = log.lock().unwrap().len();
        let first = case(client.clone(), ID)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", op.id));
        assert_eq!(first, json!({"op": op.id}));
        assert_eq!(
            log.lock().unwrap().len() - before,
            2,
            "{}: new then old format",
            op.id
        );
        assert_eq!(client.remembered_format(op.id), Some(UrlFormat::Old));
        let before = log.lock().unwrap().len();
        case(client.clone(), ID).await.unwrap();
        let requests = log.lock().unwrap()[before..].to_vec();
        assert_eq!(
            requests.len(),
            1,
            "{}: the second call goes straight to the old format",
            op.id
        );
        assert!(
            requests[0].contains(&op.old_format_path()),
            "{}: {requests:?}",
            op.id
        );
    }
}

#[tokio::test]
async fn pictory_json_404_is_not_found_and_is_not_resent() {
    let (server, log) = scripted(|_, _| {
        json_response(
            404,
            json!({"message": "Request failed", "provider": "pictory",
            "error": {"code": "TEMPLATE_NOT_FOUND", "message": "Template does not exist"}}),
        )
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    let err = client
        .api()
        .get_template()
        .template_id("nope")
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::NotFound {
            operation,
            response,
        } => {
            assert_eq!(*operation, "get_template");
            assert_eq!(response.code.as_deref(), Some("TEMPLATE_NOT_FOUND"));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert_eq!(log.lock().unwrap().len(), 1);
    assert_eq!(
        client.remembered_format("get_template"),
        Some(UrlFormat::New)
    );
}

#[tokio::test]
async fn routing_404_in_both_formats_names_the_operation_and_the_ways_out() {
    let (server, log) = scripted(|_, _| html_404()).await;
    let client = common::client_for(&server.url("/pictory"));
    let err = client
        .api()
        .get_template()
        .template_id("t1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::RouteNotFound {
                operation: "get_template",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("both the new and the old URL format"),
        "{err}"
    );
    assert_eq!(log.lock().unwrap().len(), 2);
    // A job read meeting the same proxy: no job route, no Pictory key, so
    // jobs cannot be read at all; the error names both ways out.
    let err = client
        .api()
        .get_job()
        .job_id("j1")
        .send()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::NoJobReads {
                operation: "get_job"
            }
        ),
        "{err:?}"
    );
    assert!(
        text.contains("PICTORY_API_KEY") && text.contains("webhook"),
        "{text}"
    );
    assert_eq!(log.lock().unwrap().len(), 4);
    // An HTML 404 comes from in front of LowCodeAPI (its own router answers
    // JSON), so it proves nothing lasting: the next read asks again.
    let again = client.job("j2").poll().await.unwrap_err();
    assert!(matches!(again, Error::NoJobReads { .. }), "{again:?}");
    assert_eq!(log.lock().unwrap().len(), 6);
}

#[tokio::test]
async fn operations_without_path_parameters_are_never_resent_for_format_reasons() {
    let (server, log) = scripted(|_, _| html_404()).await;
    let client = common::client_for(&server.url("/pictory"));
    let err = client.api().list_templates().send().await.unwrap_err();
    assert!(matches!(err, Error::RouteNotFound { .. }), "{err:?}");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn url_modes_new_only_and_old_only() {
    let (server, log) = scripted(|_, _| html_404()).await;
    for mode in [UrlMode::NewOnly, UrlMode::OldOnly] {
        let client = Client::builder()
            .token(common::SENTINEL_TOKEN)
            .base_url(server.url("/pictory"))
            .url_mode(mode)
            .build()
            .unwrap();
        client
            .api()
            .get_brand()
            .brand_id("b1")
            .send()
            .await
            .unwrap_err();
    }
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 2);
    assert!(
        log[0].contains("/pictoryapis/brands/editvideo/b1?"),
        "{log:?}"
    );
    assert!(
        log[1].contains("/pictoryapis/brands/editvideo/brandid?") && log[1].contains("brandId=b1"),
        "{log:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limited_then_ok_waits_the_advertised_delay() {
    let (server, log) = scripted(|n, _| match n {
        0 => HttpMockResponse::builder()
            .status(429)
            .header("retry-after", "7")
            .body("slow down")
            .build(),
        _ => json_response(200, json!({"jobId": "j-1"})),
    })
    .await;
    let client = paused_client(&server.url("/pictory"));
    let start = tokio::time::Instant::now();
    let real = std::time::Instant::now();
    // A POST: 429 means Pictory did not take it, so it is safe to re-send.
    let resp = client
        .api()
        .create_storyboard()
        .body_map(|b| b.extra(serde_json::Map::new()))
        .body_map(|b| b.video_name(Some("v".into())))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.payload(), &json!({"jobId": "j-1"}));
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(7) && waited < Duration::from_secs(8),
        "waited {waited:?}"
    );
    assert!(real.elapsed() < Duration::from_secs(5), "no real sleeping");
    assert_eq!(log.lock().unwrap().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn rate_limited_with_http_date_and_without_retry_after() {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    let (server, log) = scripted(move |_, _| {
        HttpMockResponse::builder()
            .status(429)
            .header("retry-after", date.as_str())
            .body("{}")
            .build()
    })
    .await;
    let client = paused_client(&server.url("/pictory"));
    let err = client.api().list_brands().send().await.unwrap_err();
    match err {
        // An hour is beyond the 60 s the client waits out by itself.
        Error::RateLimited {
            retry_after: Some(d),
            ..
        } => assert!(
            d > Duration::from_secs(3500) && d <= Duration::from_secs(3600),
            "{d:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(log.lock().unwrap().len(), 1);

    let (server, log) =
        scripted(|_, _| HttpMockResponse::builder().status(429).body("").build()).await;
    let client = paused_client(&server.url("/pictory"));
    let err = client.api().list_brands().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_after: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(log.lock().unwrap().len(), 4, "max_attempts = 4 by default");
}

#[tokio::test(start_paused = true)]
async fn server_500_empty_body_post_is_possibly_processed_get_is_retried() {
    let (server, log) = scripted(|_, _| HttpMockResponse::builder().status(500).build()).await;
    let client = paused_client(&server.url("/pictory"));
    let err = client
        .api()
        .render_video()
        .body(serde_json::Map::from_iter([(
            "webhook".to_string(),
            serde_json::json!("https://h"),
        )]))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::PossiblyProcessed {
                status: Some(500),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        log.lock().unwrap().len(),
        1,
        "a POST is never re-sent after a 500"
    );
    let err = client.api().get_job().job_id("j").send().await.unwrap_err();
    assert!(matches!(err, Error::Server { .. }), "{err:?}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(log.lock().unwrap().len(), 1 + 4);
}

#[tokio::test(start_paused = true)]
async fn bad_gateway_and_unavailable_are_not_resent_for_posts_but_are_for_gets() {
    for status in [502u16, 503] {
        let (server, log) = scripted(move |n, _| match n {
            0 => HttpMockResponse::builder().status(status).build(),
            _ => json_response(200, json!({"data": {"job_id": "r1"}})),
        })
        .await;
        let client = paused_client(&server.url("/pictory"));
        let err = client
            .api()
            .render_video()
            .body(serde_json::Map::new())
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::PossiblyProcessed { status: Some(s), .. } if s == status),
            "{err:?}"
        );
        assert_eq!(
            log.lock().unwrap().len(),
            1,
            "a POST after {status} is not re-sent"
        );
        let job = client.api().get_job().job_id("j").send().await;
        assert!(job.is_ok(), "{job:?}");
        assert_eq!(log.lock().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn unauthorized_with_each_envelope_shape() {
    let bodies = [
        (json!({"data": {"error": {"message": "Invalid API token", "code": "UNAUTHORIZED"}}}).to_string(), Some("Invalid API token")),
        (json!({"message": "API token required", "provider": "pictory", "error": {"message": "no token"}}).to_string(), Some("API token required")),
        (json!({"code": "401", "message": "Unauthorized", "fields": []}).to_string(), Some("Unauthorized")),
        ("<html><body>Unauthorized</body></html>".to_string(), Some("Unauthorized")),
        (String::new(), None),
    ];
    for (body, message) in bodies {
        let b = body.clone();
        let (server, _) = scripted(move |_, _| {
            HttpMockResponse::builder()
                .status(401)
                .body(b.as_str())
                .build()
        })
        .await;
        let client = common::client_for(&server.url("/pictory"));
        let err = client.api().list_templates().send().await.unwrap_err();
        match &err {
            Error::Unauthorized { response, .. } => {
                assert_eq!(response.status, 401);
                assert_eq!(response.message.as_deref(), message, "body {body}");
            }
            other => panic!("body {body}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn bad_request_keeps_pictory_field_messages() {
    let (server, _) = scripted(|_, _| {
        json_response(
            400,
            json!({"code": "VALIDATION_ERROR", "message": "Invalid request",
            "fields": [{"name": "videoName", "errors": ["is required"]}]}),
        )
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    let err = client
        .api()
        .create_storyboard()
        .body_map(|b| b.extra(serde_json::Map::new()))
        .body_map(|b| b)
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::BadRequest {
            fields, response, ..
        } => {
            assert_eq!(fields[0].name, "videoName");
            assert_eq!(fields[0].errors, vec!["is required"]);
            assert_eq!(response.code.as_deref(), Some("VALIDATION_ERROR"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("videoName: is required"));
}

#[tokio::test]
async fn undecodable_bodies_truncated_empty_and_wrong_shape() {
    let (server, _) = scripted(|n, _| match n {
        0 => HttpMockResponse::builder()
            .status(200)
            .header("content-type", "application/json")
            .body("{\"data\": {\"job")
            .build(),
        1 => HttpMockResponse::builder()
            .status(200)
            .header("content-type", "application/json")
            .body("")
            .build(),
        _ => json_response(200, json!({"data": ["not", "an", "object"]})),
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    let err = client.api().get_job().job_id("j").send().await.unwrap_err();
    assert!(
        matches!(&err, Error::UndecodableBody { status: Some(200), reason, .. } if reason.contains("truncated")),
        "{err:?}"
    );
    let err = client.api().get_job().job_id("j").send().await.unwrap_err();
    assert!(
        matches!(&err, Error::UndecodableBody { reason, .. } if reason == "empty body"),
        "{err:?}"
    );
    // A job read whose body is not a job: a typed error, the body kept.
    let err = client.api().get_job().job_id("j").send().await.unwrap_err();
    assert!(
        matches!(&err, Error::ResponseShape { status: 200, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.raw_body(),
        Some(&json!({"data": ["not", "an", "object"]})),
        "the raw body is kept"
    );
}

#[tokio::test(start_paused = true)]
async fn connection_reset_mid_body_post_is_not_resent_get_is_retried() {
    let server = raw_server(RawBehaviour::CutMidBody);
    let client = paused_client(&format!("{}/pictory", server.url));
    let err = client
        .api()
        .create_storyboard()
        .body_map(|b| b.extra(serde_json::Map::new()))
        .body_map(|b| b)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::PossiblyProcessed { status: None, .. }),
        "{err:?}"
    );
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    let err = client.api().get_job().job_id("j").send().await.unwrap_err();
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
    assert_eq!(server.connections.load(Ordering::SeqCst), 1 + 4);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = raw_server(RawBehaviour::NeverAnswer);
    let fast = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(2));
    let client = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(format!("{}/pictory", server.url))
        .timeout(Duration::from_millis(150))
        .retry_policy(fast)
        .build()
        .unwrap();
    let err = client
        .api()
        .create_transcription()
        .body_map(|b| b)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PossiblyProcessed { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    let err = client.api().list_templates().send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 4, .. }), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_retried_then_reported() {
    let client = paused_client(&format!("{}/pictory", refused_url()));
    let err = client
        .api()
        .create_storyboard()
        .body_map(|b| b.extra(serde_json::Map::new()))
        .body_map(|b| b)
        .send()
        .await
        .unwrap_err();
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
}

#[tokio::test]
async fn missing_path_parameter_is_an_invalid_request_and_nothing_is_sent() {
    let (server, log) = scripted(|_, _| json_response(200, json!({}))).await;
    let client = common::client_for(&server.url("/pictory"));
    let err = client.api().get_template().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidRequest {
                operation: "get_template",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(log.lock().unwrap().is_empty());
}

#[tokio::test]
async fn path_values_a_url_cannot_carry_are_refused_and_nothing_is_sent() {
    let (server, log) = scripted(|_, _| json_response(200, json!({}))).await;
    let client = common::client_for(&server.url("/pictory"));
    for id in ["", ".", ".."] {
        let err = client
            .api()
            .delete_template()
            .template_id(id)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidRequest {
                    operation: "delete_template",
                    ..
                }
            ),
            "{id:?}: {err:?}"
        );
    }
    assert!(log.lock().unwrap().is_empty(), "{:?}", log.lock().unwrap());
    client
        .api()
        .get_template()
        .template_id("a.b")
        .send()
        .await
        .unwrap();
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn configuration_errors_are_typed() {
    let err = Client::builder().build().unwrap_err();
    assert!(
        matches!(err, Error::Config { .. }) && err.to_string().contains("LOWCODEAPI_API_TOKEN")
    );
    let err = Client::builder()
        .token("t")
        .base_url("not a url")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    let err = Client::builder()
        .token("t")
        .base_url("ftp://h/pictory")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[tokio::test]
async fn success_envelopes_data_result_and_bare() {
    let inner = json!({"success": true, "data": {"preview": "https://p"}});
    let bodies = [
        json!({"data": inner}),
        json!({"message": "Request completed", "provider": "pictory", "result": inner, "response_headers": {}}),
        inner.clone(),
    ];
    for body in bodies {
        let b = body.clone();
        let (server, _) = scripted(move |_, _| json_response(200, b.clone())).await;
        let client = common::client_for(&server.url("/pictory"));
        let resp = client.api().get_job().job_id("j").send().await.unwrap();
        assert_eq!(resp.payload(), &json!({"preview": "https://p"}), "{body}");
        assert_eq!(resp.raw(), &body);
    }
}

/// A missing job is `JobNotFound` whichever way it is read, whatever
/// status and envelope Pictory's `JOB_NOT_FOUND` comes in.
#[tokio::test]
async fn a_missing_job_is_the_same_error_through_call_and_poll() {
    let not_found =
        json!({"success": false, "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}});
    let answers = [
        (200, json!({"data": not_found.clone()})),
        (
            404,
            json!({"message": "Error received from the pictory API", "provider": "pictory", "error": not_found.clone(), "headers": {}}),
        ),
        (
            400,
            json!({"message": "Error received from the pictory API", "provider": "pictory", "error": not_found}),
        ),
    ];
    for (status, body) in answers {
        let (server, log) = scripted(move |_, _| json_response(status, body.clone())).await;
        let client = common::client_for(&server.url("/pictory"));
        let called = client
            .api()
            .get_job()
            .job_id("j-9")
            .send()
            .await
            .unwrap_err();
        let polled = client.job("j-9").poll().await.unwrap_err();
        for err in [&called, &polled] {
            assert!(
                matches!(err, Error::JobNotFound { job_id } if job_id == "j-9"),
                "{status}: {err:?}"
            );
        }
        assert_eq!(log.lock().unwrap().len(), 2, "{status}: not re-sent");
    }
}

/// A request's content type and body.
type Received = (String, Vec<u8>);

/// The template upload, in both forms, is re-sent after a 429 (nothing was
/// processed) with the whole file again, read afresh; after a 503 it is not
/// re-sent (a POST that may have reached Pictory).
#[tokio::test(start_paused = true)]
async fn template_upload_is_resent_whole_after_429_but_not_after_503() {
    let dir = std::env::temp_dir().join(format!("pictory-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("project.pictai");
    let content = b"PK\x03\x04 a project file".repeat(1000);
    std::fs::write(&path, &content).unwrap();
    for how in [
        pictory::TemplateUpload::Multipart,
        pictory::TemplateUpload::OctetStream,
    ] {
        let bodies: Arc<Mutex<Vec<Received>>> = Arc::default();
        let sink = bodies.clone();
        let (server, _) = scripted(move |n, req| {
            let ct = req
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            sink.lock().unwrap().push((ct, req.body().to_vec()));
            match n {
                0 => HttpMockResponse::builder()
                    .status(429)
                    .header("retry-after", "2")
                    .build(),
                _ => json_response(200, json!({"templateId": "t1", "name": "x"})),
            }
        })
        .await;
        let client = paused_client(&server.url("/pictory"));
        let resp = client.create_template_from_file(&path, how).await.unwrap();
        assert_eq!(resp.payload()["templateId"], "t1");
        let bodies = bodies.lock().unwrap();
        assert_eq!(bodies.len(), 2, "{how:?}");
        for (ct, body) in bodies.iter() {
            match how {
                pictory::TemplateUpload::OctetStream => {
                    assert_eq!(ct, "application/octet-stream");
                    assert_eq!(body, &content);
                }
                pictory::TemplateUpload::Multipart => {
                    assert!(ct.starts_with("multipart/form-data"), "{ct}");
                    let text = String::from_utf8_lossy(body);
                    assert!(text.contains("name=\"pictoryprojectfile\""));
                    assert!(body.windows(content.len()).any(|w| w == content.as_slice()));
                }
                other => panic!("a way of uploading this test does not know: {other:?}"),
            }
        }
    }
    let (server, log) = scripted(|_, _| HttpMockResponse::builder().status(503).build()).await;
    let client = paused_client(&server.url("/pictory"));
    let err = client
        .create_template_from_file(&path, pictory::TemplateUpload::OctetStream)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PossiblyProcessed { .. }), "{err:?}");
    assert_eq!(log.lock().unwrap().len(), 1);
    let err = client
        .create_template_from_file(&dir, pictory::TemplateUpload::OctetStream)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "a directory: {err:?}");
    let err = client
        .upload_file(&dir, "video/mp4", |_, _| {})
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "a directory: {err:?}");
    assert_eq!(log.lock().unwrap().len(), 1, "nothing sent for a directory");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An empty answer from Pictory, however the proxy carries it (a 204, a
/// `null` or an empty string as LowCodeAPI's `result`), is the answer
/// type's empty value, not an error.
#[tokio::test]
async fn empty_answers_decode_to_the_empty_value() {
    let answers = [
        (204, None),
        (
            200,
            Some(json!({"message": "Request completed", "provider": "pictory", "result": ""})),
        ),
        (
            200,
            Some(json!({"message": "Request completed", "provider": "pictory", "result": null})),
        ),
        (200, Some(json!({"data": null}))),
    ];
    for (status, body) in answers {
        let (server, _) = scripted(move |_, _| match &body {
            Some(b) => json_response(status, b.clone()),
            None => HttpMockResponse::builder().status(status).build(),
        })
        .await;
        let client = common::client_for(&server.url("/pictory"));
        let deleted = client
            .api()
            .delete_template()
            .template_id("t1")
            .send()
            .await;
        assert!(deleted.is_ok(), "{status} {deleted:?}");
        let tracks = client.api().list_voiceover_tracks().send().await.unwrap();
        assert!(tracks.value().is_empty(), "{status}");
    }
}

/// A job body with `null` where a value is not there yet (Pictory does
/// this) decodes into the typed job; the raw body keeps the nulls.
#[tokio::test]
async fn null_fields_in_a_job_body_decode() {
    let body = json!({"job_id": "j1", "success": true, "data": {
        "status": "in-progress", "renderParams": null, "preview": null,
        "transcript": null, "mediaInfo": null, "renderProgress": null}});
    let (server, _) = scripted(move |_, _| json_response(200, json!({"data": body.clone()}))).await;
    let client = common::client_for(&server.url("/pictory"));
    let job = client.api().get_job().job_id("j1").send().await.unwrap();
    assert!(job.raw().to_string().contains("null"));
    assert_eq!(job.value().job_id().unwrap().unwrap().to_string(), "j1");
    let read = client.job("j1").poll().await.unwrap();
    assert_eq!(read.state.name(), "in-progress");
}

/// An answer that does not fit its generated type is a typed error that
/// keeps the raw body; a job body with an odd field is still a job reading
/// for the poller, which reads the raw body.
#[tokio::test]
async fn answers_off_their_type_keep_the_raw_body() {
    let (server, _) = scripted(move |_, req| {
        if req.uri().path().contains("/templates/") {
            json_response(
                200,
                json!({"data": {"templateId": "t1", "variables": "not a map"}}),
            )
        } else {
            json_response(
                200,
                json!({"data": {"job_id": "j1", "success": true,
                "data": {"status": "in-progress", "renderParams": "not an object"}}}),
            )
        }
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    let err = client
        .api()
        .get_template()
        .template_id("t1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseShape { status: 200, .. }),
        "{err:?}"
    );
    assert_eq!(err.raw_body().unwrap()["data"]["variables"], "not a map");
    let read = client.job("j1").poll().await.unwrap();
    assert_eq!(read.state.name(), "in-progress");
}

/// `pictory::raw` (progenitor's client) is usable on its own: its `send()`
/// runs through the same pipeline (token, URL formats, redaction) and is
/// honest about its error type: progenitor's, built from the answer the
/// pipeline read, which never carries the token.
#[tokio::test]
async fn the_raw_client_sends_through_the_pipeline_with_progenitors_types() {
    let (server, log) = scripted(|_, req| {
        if req.uri().path().ends_with("/templates/t1") {
            json_response(200, json!({"data": {"templateId": "t1", "name": "One"}}))
        } else {
            json_response(
                404,
                json!({"message": "Template not found", "provider": "pictory", "error": {"success": false, "error": {"error_message": "Template not found", "error_code": 404}}}),
            )
        }
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    let ok = client
        .raw()
        .get_template()
        .template_id("t1")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    // progenitor decodes the body it is handed as it would any answer: the
    // envelope is the proxy's, so the typed value sees LowCodeAPI's shape.
    let _typed: &pictory::raw::types::Template = &ok;
    let err = client
        .raw()
        .get_template()
        .template_id("missing")
        .send()
        .await
        .unwrap_err();
    match &err {
        pictory::raw::Error::ErrorResponse(r) => assert_eq!(r.status().as_u16(), 404),
        pictory::raw::Error::UnexpectedResponse(r) => assert_eq!(r.status().as_u16(), 404),
        other => panic!("{other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(common::SENTINEL_TOKEN), "{shown}");
    // An unsafe path value is refused by progenitor's builder; the
    // pipeline is never reached.
    let before = log.lock().unwrap().len();
    let refused = client.raw().get_template().template_id("../x").send().await;
    assert!(refused.is_err());
    assert_eq!(log.lock().unwrap().len(), before);
}

/// A client's `Debug` says which credentials it holds (each masked), its
/// URL mode and policies, and never a secret: what a user printing it to
/// find a misconfiguration needs.
#[test]
fn debug_names_the_credentials_held_and_masks_them() {
    let lowcodeapi_only = format!("{:?}", common::client_for("http://127.0.0.1:9/pictory"));
    assert!(
        lowcodeapi_only.contains(r#"token: Some("[REDACTED]")"#)
            && lowcodeapi_only.contains("pictory_key: None")
            && lowcodeapi_only.contains("url_mode: Auto")
            && lowcodeapi_only.contains("retry: RetryPolicy"),
        "{lowcodeapi_only}"
    );
    let both = format!("{:?}", common::direct_client_for("http://127.0.0.1:9"));
    assert!(
        both.contains(r#"pictory_key: Some("[REDACTED]")"#),
        "{both}"
    );
    for shown in [&lowcodeapi_only, &both] {
        assert!(!shown.contains(SENTINEL_TOKEN) && !shown.contains("SENTINEL-key"));
    }
}

/// A switch to the old URL format is not a retry: after the new format's
/// routing 404, the old format still gets every attempt the policy allows
/// (a 503 there is retried up to `max_attempts`, 4 by default).
#[tokio::test(start_paused = true)]
async fn a_format_switch_does_not_use_up_an_attempt() {
    let (server, log) = scripted(|_, req| {
        if req.uri().path().ends_with("/templates/templateid") {
            json_response(503, json!({"message": "upstream busy"}))
        } else {
            html_404()
        }
    })
    .await;
    let client = paused_client(&server.url("/pictory"));
    let err = client
        .api()
        .get_template()
        .template_id("t-1")
        .send()
        .await
        .unwrap_err();
    let requests = log.lock().unwrap().clone();
    assert!(err.is_transient(), "{err:?} {requests:?}");
    assert_eq!(
        requests.len(),
        5,
        "one new-format probe, then 4 attempts: {requests:?}"
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.contains("/templates/templateid"))
            .count(),
        4,
        "{requests:?}"
    );
}

/// Only the fallback remembers a URL format: an operation without path
/// parameters has one form, and a fixed URL mode never learns.
#[tokio::test]
async fn a_format_is_remembered_only_where_auto_mode_chose_it() {
    let (server, _log) = scripted(|_, _| json_response(200, json!({"data": {"ok": true}}))).await;
    let auto = common::client_for(&server.url("/pictory"));
    auto.api().list_brands().send().await.unwrap();
    assert_eq!(auto.remembered_format("list_brands"), None);
    auto.api()
        .get_template()
        .template_id("t-1")
        .send()
        .await
        .unwrap();
    assert_eq!(auto.remembered_format("get_template"), Some(UrlFormat::New));
    for mode in [UrlMode::NewOnly, UrlMode::OldOnly] {
        let fixed = Client::builder()
            .token(SENTINEL_TOKEN)
            .base_url(server.url("/pictory"))
            .url_mode(mode)
            .build()
            .unwrap();
        fixed
            .api()
            .get_template()
            .template_id("t-1")
            .send()
            .await
            .unwrap();
        assert_eq!(fixed.remembered_format("get_template"), None, "{mode:?}");
    }
}

/// A transport error says what happened, its causes included (the
/// operating system's words for a refused connection), on one line.
#[tokio::test]
async fn a_transport_error_names_its_cause() {
    let client = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(refused_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.api().list_brands().send().await.unwrap_err();
    match &err {
        Error::Transport {
            kind: TransportKind::Connect,
            message,
            ..
        } => {
            assert!(message.contains("error sending request"), "{message}");
            assert!(
                message.to_lowercase().contains("connection refused"),
                "{message}"
            );
            assert!(!message.contains('\n'), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
