//! The simulator's stored things: signed uploads, templates (multipart),
//! brands, AWS connections and voice-over tracks.
#![cfg(feature = "simulator")]

use pictory::sim::{self, SimConfig, Simulator};
use pictory::{Call, Error};
use serde_json::{Value, json};

/// `(content type, body)` of a multipart form: text fields, then one file.
fn multipart(texts: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "sim-boundary-7f3a9c";
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((field, file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn url(sim: &Simulator, path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{}{path}{sep}api_token={}", sim.base_url(), sim.token())
}

/// Sends and returns status and Pictory's body (the `result` of the envelope, or the `error`).
async fn call(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    let inner = if status == 200 {
        v["result"].clone()
    } else {
        v["error"].clone()
    };
    (status, inner)
}

#[tokio::test]
async fn upload_round_trip_through_a_signed_url() {
    let sim = sim::start(SimConfig {
        time_factor: 0.0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = sim.client().unwrap();
    let resp = client
        .api()
        .generate_upload_url()
        .body_map(|b| b.file_name("my clip.mp4").content_type("video/mp4"))
        .call()
        .await
        .unwrap();
    let signed = resp.body()["data"]["signedUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let hosted = resp.body()["data"]["url"].as_str().unwrap().to_string();
    assert!(
        signed.starts_with(&format!("{}/upload/", sim.origin())),
        "{signed}"
    );
    assert!(signed.contains("?signature="));
    assert!(hosted.starts_with(&format!("{}/media/", sim.origin())));
    assert!(hosted.ends_with("/my%20clip.mp4"), "{hosted}");
    assert_eq!(sim.uploaded(&hosted), None);

    let http = reqwest::Client::new();
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    // Wrong content type, wrong signature: refused, nothing stored.
    let resp = http
        .put(&signed)
        .header("content-type", "image/png")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let forged = signed.split('?').next().unwrap().to_string() + "?signature=0";
    let resp = http
        .put(&forged)
        .header("content-type", "video/mp4")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(sim.uploaded(&hosted), None);
    // Streamed body, no token needed.
    let stream = futures_util::stream::iter(
        bytes
            .chunks(65_536)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let resp = http
        .put(&signed)
        .header("content-type", "video/mp4")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("etag"));
    assert_eq!(sim.uploaded(&hosted).as_deref(), Some(&bytes[..]));
    let got = reqwest::get(&hosted).await.unwrap();
    assert_eq!(got.headers()["content-type"], "video/mp4");
    assert_eq!(got.bytes().await.unwrap(), bytes);
    assert_eq!(sim.counters().uploads, 1);

    // The hosted URL is a usable fileUrl; an announced but empty one fails.
    let t = client
        .api()
        .create_transcription()
        .body_map(|b| b.file_url(Some(hosted.clone())))
        .call()
        .await
        .unwrap();
    let t = t.body()["data"]["jobId"].as_str().unwrap().to_string();
    let done = client.api().get_job().job_id(&t).call().await.unwrap();
    assert_eq!(done.body()["data"]["status"], "completed");
    let empty = client
        .api()
        .generate_upload_url()
        .body_map(|b| b.file_name("never.mp4").content_type("video/mp4"))
        .call()
        .await
        .unwrap();
    let never = empty.body()["data"]["url"].as_str().unwrap().to_string();
    let t = client
        .api()
        .create_transcription()
        .body_map(|b| b.file_url(Some(never)))
        .call()
        .await
        .unwrap();
    let t = t.body()["data"]["jobId"].as_str().unwrap().to_string();
    let failed = client.api().get_job().job_id(&t).call().await.unwrap();
    assert_eq!(failed.body()["data"]["error_code"], "FILE_NOT_ACCESSIBLE");
}

#[tokio::test]
async fn templates_are_created_from_a_multipart_project_file() {
    let sim = sim::start(SimConfig {
        time_factor: 0.0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let project = json!({"scenes": [{"text": "Hello {{customer}}"}]}).to_string();
    let (ct, body) = multipart(
        &[("name", "Promo")],
        Some(("pictoryprojectfile", "promo.pictai", project.as_bytes())),
    );
    let (status, created) = call(
        http.post(url(&sim, "/pictoryapis/v1/templates"))
            .header("content-type", ct)
            .body(body),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"]["templateId"].as_str().unwrap().to_string();

    let (status, got) = call(http.get(url(&sim, &format!("/pictoryapis/v1/templates/{id}")))).await;
    assert_eq!(status, 200);
    assert_eq!(got["data"]["name"], "Promo");
    assert_eq!(got["data"]["fileName"], "promo.pictai");
    // Old format, through the query.
    let (status, old) = call(http.get(url(
        &sim,
        &format!("/pictoryapis/v1/templates/templateid?templateId={id}"),
    )))
    .await;
    assert_eq!((status, &old), (200, &got));
    let (_, list) = call(http.get(url(&sim, "/pictoryapis/v1/templates"))).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);

    // A video from the template: a storyboard job with the variables filled in.
    let client = sim.client().unwrap();
    let resp = client
        .api()
        .create_video_from_template()
        .body(serde_json::Map::from_iter([
            ("templateId".to_string(), json!(id)),
            ("customer".to_string(), json!("Ada")),
        ]))
        .call()
        .await
        .unwrap();
    let job = resp.payload()["jobId"].as_str().unwrap().to_string();
    let done = client.api().get_job().job_id(&job).call().await.unwrap();
    assert_eq!(
        done.body()["data"]["renderParams"]["scenes"][0]["text"],
        "Hello Ada"
    );
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);

    // Update, delete, then 404s.
    let (status, updated) = call(
        http.put(url(&sim, &format!("/pictoryapis/v1/templates/{id}")))
            .json(&json!({"scenes": [{"text": "New"}]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["data"]["scenes"][0]["text"], "New");
    let (status, _) =
        call(http.delete(url(&sim, &format!("/pictoryapis/v1/templates/{id}")))).await;
    assert_eq!(status, 200);
    let err = client
        .api()
        .get_template()
        .template_id(&id)
        .call()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = client
        .api()
        .create_video_from_template()
        .body(serde_json::Map::from_iter([(
            "templateId".to_string(),
            json!(id),
        )]))
        .call()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");

    // No file field, or not multipart at all: 400.
    let (ct, body) = multipart(&[("name", "x")], Some(("otherfile", "a.pictai", b"x")));
    let (status, error) = call(
        http.post(url(&sim, "/pictoryapis/v1/templates"))
            .header("content-type", ct)
            .body(body),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["fields"][0]["name"], "pictoryprojectfile");
    let (status, _) = call(
        http.post(url(&sim, "/pictoryapis/v1/templates"))
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn brands_aws_connections_and_voiceover_tracks_are_stored() {
    let sim = sim::start(SimConfig::default()).await.unwrap();
    let http = reqwest::Client::new();

    let (_, brand) = call(
        http.post(url(&sim, "/pictoryapis/v1/brands/editvideo"))
            .json(&json!({"name": "Acme", "color": "#123456"})),
    )
    .await;
    let brand_id = brand["data"]["brandId"].as_str().unwrap().to_string();
    let (status, updated) = call(
        http.put(url(
            &sim,
            &format!("/pictoryapis/brands/editvideo/{brand_id}"),
        ))
        .json(&json!({"color": "#ffffff"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["data"]["color"], "#ffffff");
    assert_eq!(updated["data"]["name"], "Acme");
    let (_, brands) = call(http.get(url(&sim, "/pictoryapis/v1/brands/editvideo"))).await;
    assert_eq!(brands["data"].as_array().unwrap().len(), 1);
    let (status, _) = call(http.delete(url(
        &sim,
        &format!("/pictoryapis/brands/editvideo/brandid?brandId={brand_id}"),
    )))
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(http.get(url(
        &sim,
        &format!("/pictoryapis/brands/editvideo/{brand_id}"),
    )))
    .await;
    assert_eq!(status, 404);

    let mut ids = Vec::new();
    for i in 0..25 {
        let (status, conn) = call(http.post(url(&sim, "/pictoryapis/v1/awsconnections")).json(
            &json!({"name": format!("c{i}"), "awsAccountId": "123456789012", "awsRegion": "eu-west-1", "enabled": true}),
        ))
        .await;
        assert_eq!(status, 200, "{conn}");
        ids.push(conn["data"]["connectionId"].as_str().unwrap().to_string());
    }
    let (_, page1) = call(http.get(url(&sim, "/pictoryapis/v1/awsconnections"))).await;
    assert_eq!(page1["data"]["items"].as_array().unwrap().len(), 20);
    let next = page1["data"]["nextPageKey"].as_str().unwrap().to_string();
    let (_, page2) = call(http.get(url(
        &sim,
        &format!("/pictoryapis/v1/awsconnections?pageKey={next}"),
    )))
    .await;
    assert_eq!(page2["data"]["items"].as_array().unwrap().len(), 5);
    assert!(page2["data"]["nextPageKey"].is_null());
    // Optimistic versions: a stale version is a 409.
    let conn = format!("/pictoryapis/v1/awsconnections/{}", ids[0]);
    let (status, v2) = call(
        http.put(url(&sim, &conn))
            .json(&json!({"version": 1, "enabled": false})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v2["data"]["version"], 2);
    assert_eq!(v2["data"]["enabled"], false);
    let (status, conflict) = call(http.put(url(&sim, &conn)).json(&json!({"version": 1}))).await;
    assert_eq!(
        (status, conflict["code"].as_str()),
        (409, Some("VERSION_CONFLICT"))
    );
    let (status, bad) = call(
        http.post(url(&sim, "/pictoryapis/v1/awsconnections"))
            .json(&json!({"name": "x", "awsAccountId": "12", "awsRegion": "r", "enabled": true})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(bad["fields"][0]["name"], "awsAccountId");

    let client = sim.client().unwrap();
    client
        .api()
        .add_voiceover_track()
        .body_map(|b| {
            b.age("adult")
                .name("Narrator")
                .accent("british")
                .engine("elevenlabs")
                .gender("female")
                .service("elevenlabs")
                .voice_id("v-1")
                .language("en")
        })
        .call()
        .await
        .unwrap();
    let tracks = client.api().list_voiceover_tracks().call().await.unwrap();
    assert_eq!(tracks.payload()[0]["name"], "Narrator");
    assert!(tracks.payload()[0]["trackId"].is_string());
}
