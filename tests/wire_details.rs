//! Wire details that running the crate against LowCodeAPI's open-source
//! server and Pictory's documented bodies showed: Pictory's message nested
//! in LowCodeAPI's error envelope, a finished transcription without
//! `srt`/`vtt`/`txt`, a job's payload without the envelope, `-` in path
//! values, `pause_size` as a category, and the open-source server's 403 for
//! an unknown `at_` token and its 401 that echoes the token.

mod common;
mod hostile_support;

use common::{SENTINEL_TOKEN, json_response, scripted};
use hostile_support::{Hostile, Reply};
use pictory::jobs::{FixedInterval, JobId, JobOutput, JobState, PauseSize};
use pictory::{Client, Error, FlowOptions, OPERATIONS, UrlMode};
use pictory_sim::{JobVariants, SimConfig};
use serde_json::{Value, json};
use std::time::Duration;

fn fixture(path: &str) -> Value {
    let file = format!(
        "{}/tests/fixtures/pictory-docs/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

/// LowCodeAPI's open-source server around a Pictory error body, as its
/// `errorResponse` builds it: Pictory's status, its whole body under
/// `error`, and the stand-in message when Pictory's body has no top-level one.
fn oss_error(pictory_body: Value) -> Value {
    let message = pictory_body
        .get("message")
        .cloned()
        .unwrap_or_else(|| json!("Error received from the pictory API"));
    json!({
        "message": message,
        "provider": "pictory",
        "error": pictory_body,
        "headers": {"content-type": "application/json; charset=utf-8"},
    })
}

/// LowCodeAPI's open-source server around a successful Pictory body.
fn oss_result(pictory_body: Value) -> Value {
    json!({
        "message": "Request completed",
        "provider": "pictory",
        "result": pictory_body,
        "response_headers": {"content-type": "application/json; charset=utf-8", "x-amzn-requestid": "r-1"},
    })
}

// ---- Pictory's message inside LowCodeAPI's error envelope ----

#[tokio::test]
async fn pictorys_message_nested_in_lowcodeapis_error_envelope_surfaces() {
    let cases: Vec<(u16, Value, &str, Option<&str>)> = vec![
        // `templates get missing` against the open-source server: the body
        // the issue quotes.
        (
            404,
            oss_error(
                json!({"success": false, "error": {"error_message": "Template not found", "error_code": 404}}),
            ),
            "Template not found",
            Some("404"),
        ),
        // A failed-job shape under `error`.
        (
            404,
            fixture("lowcodeapi/pictory-error-envelope-404.json"),
            "JOB_NOT_FOUND",
            Some("5000"),
        ),
        // Pictory's old shape with a validation problem.
        (
            400,
            oss_error(
                json!({"success": false, "error": {"error_message": "Invalid voice Jackzon", "error_code": 890}}),
            ),
            "Invalid voice Jackzon",
            Some("890"),
        ),
        // Pictory's newer shape: its own top-level message is the envelope's.
        (
            400,
            oss_error(fixture("errors/pictory-400-validation.json")),
            "Request validation failed",
            Some("INVALID_REQUEST_BODY"),
        ),
        // The provider page's envelope holding the open-source stand-in and
        // Pictory's body beneath it.
        (
            404,
            json!({"data": {"error": {"message": "Error received from the pictory API", "code": "ERROR",
                "error": {"success": false, "error": {"error_message": "Template not found", "error_code": 404}}}}}),
            "Template not found",
            Some("ERROR"),
        ),
    ];
    for (status, body, message, code) in cases {
        let b = body.clone();
        let (server, _) = scripted(move |_, _| json_response(status, b.clone())).await;
        let client = common::client_for(&server.url("/pictory"));
        let err = client
            .api()
            .get_template()
            .template_id("missing")
            .send()
            .await
            .unwrap_err();
        let response = match &err {
            Error::NotFound { response, .. } if status == 404 => response,
            Error::BadRequest { response, .. } if status == 400 => response,
            other => panic!("{body}: {other:?}"),
        };
        assert_eq!(response.message.as_deref(), Some(message), "{body}");
        assert_eq!(response.code.as_deref(), code, "{body}");
        let shown = err.to_string();
        assert!(shown.contains(message), "{shown}");
        assert!(!shown.contains("Error received from"), "{shown}");
    }
}

// ---- a finished transcription without srt / vtt / txt ----

#[tokio::test]
async fn the_documented_finished_transcription_reads_with_its_outputs_absent() {
    let documented = fixture("jobs/transcription-completed-no-job-id.json");
    let answer = oss_result(documented.clone());
    let (server, _) = scripted(move |_, _| json_response(200, answer.clone())).await;
    let client = common::client_for(&server.url("/pictory"));
    let id = "6830fe00-872b-4e96-86b5-e4b527f0295b";

    // The generated type takes it.
    let typed = client.api().get_job().job_id(id).send().await.unwrap();
    assert_eq!(typed.payload(), &documented["data"]);

    // The poller types it: a transcription, the outputs it lacks absent,
    // the caller's id kept.
    let job = client.job(id).poll().await.unwrap();
    assert_eq!(job.id, Some(JobId::from(id)));
    let JobState::Completed(JobOutput::Transcription(t)) = &job.state else {
        panic!("{:?}", job.state)
    };
    assert_eq!((&t.srt, &t.vtt, &t.text), (&None, &None, &None));
    assert_eq!(t.sentences[0].text(), "Once again,");
    // Pictory's payload, without LowCodeAPI's envelope or the upstream headers.
    assert_eq!(job.payload(), &documented["data"]);
    assert!(!job.payload().to_string().contains("response_headers"));
}

#[tokio::test]
async fn a_transcription_flow_against_the_documented_shape_gives_the_transcript_only() {
    let sim = pictory_sim::start(SimConfig {
        time_factor: 0.0005,
        jobs: JobVariants {
            transcription_without_job_id: true,
            transcription_transcript_only: true,
            ..JobVariants::default()
        },
        ..SimConfig::hosted()
    })
    .await
    .unwrap();
    let client = sim.client().unwrap();
    let opts = FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(10)));
    let (job, out) = client
        .transcribe("https://example.invalid/talk.mp4", "en-US", &opts)
        .await
        .unwrap();
    assert!(!job.as_str().is_empty());
    assert!(!out.sentences.is_empty());
    assert_eq!((out.srt, out.vtt, out.text), (None, None, None));
    assert!(out.media_info.is_none());
}

#[tokio::test]
async fn a_job_that_completed_without_the_wanted_output_names_the_job_and_the_output() {
    let preview = json!({"job_id": "t-1", "success": true,
        "data": {"status": "completed", "preview": "https://example.invalid/p", "renderParams": {"scenes": []}}});
    let (server, _) = scripted(move |_, req| {
        if req.method().as_str() == "POST" {
            json_response(
                200,
                json!({"data": {"success": true, "data": {"jobId": "t-1"}}}),
            )
        } else {
            json_response(200, json!({"data": preview.clone()}))
        }
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    let opts = FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(10)));
    let err = client
        .transcribe("https://example.invalid/talk.mp4", "en-US", &opts)
        .await
        .unwrap_err();
    match &err {
        Error::MissingOutput {
            job_id,
            missing,
            found,
            ..
        } => {
            assert_eq!(job_id, "t-1");
            assert_eq!(missing, "a transcript");
            assert_eq!(found.as_deref(), Some("a preview"));
        }
        other => panic!("{other:?}"),
    }
    let shown = err.to_string();
    assert!(
        shown.contains("t-1") && shown.contains("a transcript"),
        "{shown}"
    );
    assert!(!shown.contains("undecodable"), "{shown}");
    assert!(!err.is_transient() && !err.may_have_been_processed());
}

// ---- pause_size: a category or a number ----

/// The documented transcription with a pause marker whose size is the
/// documented category.
fn transcript_with_pauses(size: Value) -> Value {
    let mut body = fixture("jobs/transcription-completed-no-job-id.json");
    let words = body["data"]["transcript"][0]["words"]
        .as_array_mut()
        .unwrap();
    words.insert(
        1,
        json!({"uid": "p1", "word": "", "start_time": 0.48, "end_time": 0.6, "speakerId": 1,
            "sentence_index": 0, "is_pause": true, "pause_size": size}),
    );
    body
}

#[tokio::test]
async fn pause_size_is_read_as_a_category_or_a_number() {
    for (size, expected) in [
        (json!("small"), PauseSize::Category("small".into())),
        (json!(0.12), PauseSize::Seconds(0.12)),
    ] {
        let body = transcript_with_pauses(size.clone());
        let answer = json!({"data": body.clone()});
        let (server, log) = scripted(move |_, req| {
            if req.method().as_str() == "POST" {
                json_response(
                    200,
                    json!({"data": {"success": true, "data": {"jobId": "s-1"}}}),
                )
            } else {
                json_response(200, answer.clone())
            }
        })
        .await;
        let client = common::client_for(&server.url("/pictory"));
        // The generated type takes either (the overlay's schema): the
        // transcript is decoded, not dropped.
        let typed = client.api().get_job().job_id("j-1").send().await.unwrap();
        let decoded = serde_json::to_value(typed.value()).unwrap();
        assert_eq!(
            decoded["data"]["transcript"][0]["words"][1]["pause_size"], size,
            "{decoded}"
        );
        // The hand-written model keeps it as sent.
        let job = client.job("j-1").poll().await.unwrap();
        let JobState::Completed(JobOutput::Transcription(t)) = job.state else {
            panic!("{size}")
        };
        let pause = &t.sentences[0].words[1];
        assert!(pause.is_pause);
        assert_eq!(pause.pause_size.as_ref(), Some(&expected));
        assert_eq!(t.sentences[0].text(), "Once again,");
        // A summary sends the transcript back unchanged.
        let before = log.lock().unwrap().len();
        let started = client.start_summary(&t.transcript, 30.0, None).await;
        assert_eq!(started.unwrap(), JobId::from("s-1"), "{size}");
        assert_eq!(log.lock().unwrap().len(), before + 1);
    }
}

// ---- `-` in path values ----

/// A path value with `-` (a job id as Pictory makes them).
const DASHED: &str = "6830fe00-872b-4e96-86b5-e4b527f0295b";

/// The requests since `before` that carry [`DASHED`], after checking that
/// none carries `-` percent-encoded.
fn dashed_requests(server: &Hostile, before: usize, what: &str) -> Vec<String> {
    let sent: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.target.clone())
        .collect();
    for target in &sent {
        assert!(
            !target.to_ascii_lowercase().contains("%2d"),
            "{what}: `-` encoded in {target}"
        );
    }
    sent.into_iter().filter(|t| t.contains(DASHED)).collect()
}

#[tokio::test]
async fn every_route_puts_a_dash_in_a_path_value_on_the_wire_as_a_dash() {
    let server = Hostile::start(|_, _| {
        Reply::json(
            200,
            &json!({"data": {"job_id": DASHED, "success": true, "data": {"status": "in-progress"}}}),
        )
    })
    .await;
    let lowcodeapi = |mode: UrlMode| {
        Client::builder()
            .token(SENTINEL_TOKEN)
            .base_url(server.base())
            .url_mode(mode)
            .build()
            .unwrap()
    };
    let direct = Client::builder()
        .pictory_key("pictai_wire-details-key")
        .pictory_base_url(server.url.clone())
        .build()
        .unwrap();
    let clients = [
        ("new format", lowcodeapi(UrlMode::NewOnly)),
        ("old format", lowcodeapi(UrlMode::OldOnly)),
        ("Pictory directly", direct),
    ];
    let path_ops: Vec<_> = OPERATIONS
        .iter()
        .filter(|op| !op.path_params.is_empty())
        .collect();
    assert!(path_ops.len() >= 11);
    let cases = common::cases::cases();
    for (how, client) in &clients {
        for op in &path_ops {
            // LowCodeAPI does not proxy Pictory-only operations: such a
            // client refuses them unsent (tests/direct_routes.rs).
            if *how != "Pictory directly" && op.served_by == pictory::ServedBy::PictoryOnly {
                continue;
            }
            // The typed builder.
            let case = cases.iter().find(|(id, _)| *id == op.id).unwrap().1;
            let before = server.count();
            let _ = case(client.clone(), DASHED).await;
            let sent = dashed_requests(&server, before, &format!("{how} {} typed", op.id));
            assert_eq!(sent.len(), 1, "{how} {}: {sent:?}", op.id);
            // The same operation by its id.
            let params: Vec<(&str, &str)> = op.path_params.iter().map(|p| (*p, DASHED)).collect();
            let before = server.count();
            let _ = client.call_operation(op.id, &params, None).await;
            let by_id = dashed_requests(&server, before, &format!("{how} {} by id", op.id));
            assert_eq!(by_id, sent, "{how} {}: both ways alike", op.id);
        }
        // A job read through a handle (the poller).
        let before = server.count();
        let job = client.job(DASHED).poll().await;
        assert!(job.is_ok(), "{how}: {job:?}");
        let sent = dashed_requests(&server, before, &format!("{how} job read"));
        assert_eq!(sent.len(), 1, "{how}: {sent:?}");
        let (path, query) = sent[0].split_once('?').unwrap_or((&sent[0], ""));
        match *how {
            "old format" => {
                assert_eq!(path, "/pictory/pictoryapis/v1/jobs/job_id");
                assert!(
                    query.split('&').any(|p| p == format!("job_id={DASHED}")),
                    "{query}"
                );
            }
            "new format" => assert_eq!(path, format!("/pictory/pictoryapis/v1/jobs/{DASHED}")),
            _ => assert_eq!(path, format!("/pictoryapis/v1/jobs/{DASHED}")),
        }
    }
}

// ---- the open-source server's token answers ----

/// A client of `sim` with `token`, in the old URL format (the only one
/// LowCodeAPI's open-source server serves for path parameters).
fn old_format_client(sim: &pictory_sim::Simulator, token: &str) -> Client {
    sim.client_builder()
        .token(token)
        .url_mode(UrlMode::OldOnly)
        .build()
        .unwrap()
}

/// Every form a token may be echoed in that must never be shown: as sent,
/// percent-encoded, JSON-escaped.
fn token_forms(token: &str) -> Vec<String> {
    let pct: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let all: String =
        percent_encoding::utf8_percent_encode(token, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let json = serde_json::to_string(token).unwrap();
    vec![
        token.to_string(),
        pct,
        all.clone(),
        all.to_ascii_lowercase(),
        json.trim_matches('"').to_string(),
    ]
}

fn assert_token_free(token: &str, what: &str, text: &str) {
    for form in token_forms(token) {
        assert!(
            !text.contains(&form),
            "{what} shows the token ({form}): {text}"
        );
    }
}

#[tokio::test]
async fn an_at_token_lowcodeapi_does_not_know_is_a_clear_typed_error() {
    // With the job route added (as LowCodeAPI's route file may one day
    // have it), so that a job read meets the token check too.
    let sim = pictory_sim::start(SimConfig {
        time_factor: 0.001,
        job_route: true,
        ..SimConfig::open_source()
    })
    .await
    .unwrap();
    let token = "at_r00000000000000000000000000000000";
    let client = old_format_client(&sim, token);
    let errors = vec![
        client.api().list_templates().send().await.unwrap_err(),
        client
            .call_operation("get_template", &[("templateId", "t-1")], None)
            .await
            .unwrap_err(),
        client.job("6830fe00-872b").poll().await.unwrap_err(),
    ];
    for err in errors {
        match &err {
            Error::Unauthorized {
                response,
                credential,
                ..
            } => {
                assert_eq!(*credential, "LOWCODEAPI_API_TOKEN");
                assert_eq!(response.status, 403);
                assert_eq!(response.message.as_deref(), Some("Invalid api_token"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(err.status(), Some(403));
        let shown = err.to_string();
        assert!(shown.contains("unauthorized"), "{shown}");
        assert!(shown.contains("Invalid api_token"), "{shown}");
        assert!(shown.contains("LOWCODEAPI_API_TOKEN"), "{shown}");
        assert!(!err.is_transient() && !err.may_have_been_processed());
        assert_token_free(token, "Display", &shown);
        assert_token_free(token, "Debug", &format!("{err:?}"));
    }
    assert!(sim.counters().unauthorized >= 3);
}

#[tokio::test]
async fn the_401_that_echoes_the_token_shows_it_nowhere() {
    let sim = pictory_sim::start(SimConfig::open_source()).await.unwrap();
    let http = reqwest::Client::new();
    for token in [
        "bad_token_12345",
        r#"no-prefix/"quoted"\back+plus&amp;<tag>%41"#,
    ] {
        // The server echoes it: in `error.logging.query`, JSON-escaped.
        let url = url::Url::parse_with_params(
            &format!("{}/pictoryapis/v1/templates", sim.base_url()),
            [("api_token", token)],
        )
        .unwrap();
        let resp = http.get(url).send().await.unwrap();
        assert_eq!(resp.status(), 401);
        let echoed: Value = resp.json().await.unwrap();
        assert_eq!(echoed["error"]["logging"]["query"]["api_token"], token);
        assert_eq!(
            echoed["error"]["logging"]["path"],
            "/pictory/pictoryapis/v1/templates"
        );

        // The client shows it in no output.
        let client = old_format_client(&sim, token);
        let errors = vec![
            client.api().list_templates().send().await.unwrap_err(),
            client
                .api()
                .get_template()
                .template_id("t-1")
                .send()
                .await
                .unwrap_err(),
            client
                .call_operation("list_brands", &[], None)
                .await
                .unwrap_err(),
        ];
        for err in errors {
            assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
            assert_token_free(token, "Display", &err.to_string());
            assert_token_free(token, "Debug", &format!("{err:?}"));
            assert_token_free(token, "alternate Debug", &format!("{err:#?}"));
            let body = err.body().unwrap();
            assert_token_free(token, "body()", body);
            // The one echo (`error.logging.query.api_token`) is masked,
            // once, and nothing else is.
            assert_eq!(body.matches("[REDACTED]").count(), 1, "{body}");
        }
    }
}
