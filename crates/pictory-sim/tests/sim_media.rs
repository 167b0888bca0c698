//! The simulator's stored things: signed uploads, templates (multipart or
//! raw octet-stream upload, bare bodies), brands, AWS connections and
//! voice-over tracks (bare bodies), compared with the documented shapes.

mod sim_support;

use pictory_sim::{SimConfig, SimProfile};
use serde_json::{Value, json};
use sim_support::{fixture, keys, url};

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

/// Sends and returns status and Pictory's body (inside the Hosted
/// envelope: `data`, or `data.error` for an error).
async fn call(req: reqwest::RequestBuilder) -> (u16, Value) {
    let (status, v) = sim_support::send(req).await;
    let inner = if status == 200 {
        sim_support::ok_body(SimProfile::Hosted, &v)
    } else {
        sim_support::err_body(SimProfile::Hosted, &v)
    };
    (status, inner)
}

#[tokio::test]
async fn upload_round_trip_through_a_signed_url() {
    let sim = pictory_sim::start(SimConfig {
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
        .send()
        .await
        .unwrap();
    assert_eq!(
        keys(&resp.body()["data"]),
        keys(&fixture("media/generateurl-response.json")["data"])
    );
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
        .send()
        .await
        .unwrap();
    let t = t.body()["data"]["jobId"].as_str().unwrap().to_string();
    let done = client.api().get_job().job_id(&t).send().await.unwrap();
    assert_eq!(done.body()["data"]["status"], "completed");
    let empty = client
        .api()
        .generate_upload_url()
        .body_map(|b| b.file_name("never.mp4").content_type("video/mp4"))
        .send()
        .await
        .unwrap();
    let never = empty.body()["data"]["url"].as_str().unwrap().to_string();
    let t = client
        .api()
        .create_transcription()
        .body_map(|b| b.file_url(Some(never)))
        .send()
        .await
        .unwrap();
    let t = t.body()["data"]["jobId"].as_str().unwrap().to_string();
    let failed = client.api().get_job().job_id(&t).send().await.unwrap();
    assert_eq!(failed.body()["data"]["error_code"], "FILE_NOT_ACCESSIBLE");
}

#[tokio::test]
async fn templates_upload_as_multipart_or_octet_stream_and_answer_bare_bodies() {
    let sim = pictory_sim::start(SimConfig {
        time_factor: 0.0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let templates = url(&sim, "/pictoryapis/v1/templates");
    let project = json!({"scenes": [{"text": "Hello {{customer}}"}]}).to_string();
    let (ct, body) = multipart(
        &[("name", "Promo")],
        Some(("pictoryprojectfile", "promo.pictai", project.as_bytes())),
    );
    let (status, created) = call(http.post(&templates).header("content-type", ct).body(body)).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        keys(&created),
        keys(&fixture("templates/create-response.json"))
    );
    assert_eq!(created["name"], "Promo");
    assert_eq!(created["variables"], json!({"customer": "CUSTOMER"}));
    let id = created["templateId"].as_str().unwrap().to_string();

    // Pictory's documented upload: the raw file bytes.
    let raw_project = json!({"name": "Raw", "scenes": [{"subtitles": [{"text": "Hi {{Name}}"}]}]});
    let (status, raw) = call(
        http.post(&templates)
            .header("content-type", "application/octet-stream")
            .body(raw_project.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{raw}");
    assert_eq!(keys(&raw), keys(&fixture("templates/create-response.json")));
    assert_eq!(raw["name"], "Raw");
    let (status, binary) = call(
        http.post(&templates)
            .header("content-type", "application/octet-stream")
            .body(vec![0u8, 159, 146, 150]),
    )
    .await;
    assert_eq!(status, 200, "any file is a template: {binary}");
    assert_eq!(binary["scenes"], json!([]));

    let one = format!("/pictoryapis/v1/templates/{id}");
    let (status, got) = call(http.get(url(&sim, &one))).await;
    assert_eq!(status, 200);
    assert_eq!(keys(&got), keys(&fixture("templates/get-response.json")));
    assert_eq!(got["depricated"], false, "the documented spelling");
    assert_eq!(
        got["scenes"][0]["subtitles"][0]["text"],
        "Hello {{customer}}"
    );
    // Old format, through the query.
    let (status, old) = call(http.get(url(
        &sim,
        &format!("/pictoryapis/v1/templates/templateid?templateId={id}"),
    )))
    .await;
    assert_eq!((status, &old), (200, &got));
    let (_, list) = call(http.get(&templates)).await;
    let documented = fixture("templates/list-response.json");
    assert_eq!(keys(&list), keys(&documented));
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    assert_eq!(keys(&list["items"][0]), keys(&documented["items"][0]));

    // A video from the template: a storyboard job with the variables filled in.
    let mut request = fixture("templates/from-template-request.json");
    request["templateId"] = json!(id);
    request["variables"] = json!({"customer": "Ada"});
    let (status, started) = call(
        http.post(url(&sim, "/pictoryapis/v1/video/from-template"))
            .json(&request),
    )
    .await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(
        keys(&started),
        keys(&fixture("starts/job-started-data-jobId.json"))
    );
    let job = started["data"]["jobId"].as_str().unwrap().to_string();
    let (_, done) = call(http.get(url(&sim, &format!("/pictoryapis/v1/jobs/{job}")))).await;
    assert_eq!(
        done["data"]["renderParams"]["scenes"][0]["sub_scenes"][0]["text_lines"][0]["text"],
        "Hello Ada"
    );
    assert_eq!(sim.counters().jobs_of("storyboard"), 1);

    // Update, delete, then 404s.
    let (status, updated) = call(
        http.put(url(&sim, &one))
            .json(&json!({"scenes": [{"text": "New"}]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["scenes"][0]["subtitles"][0]["text"], "New");
    let (status, _) = call(http.delete(url(&sim, &one))).await;
    assert_eq!(status, 200);
    let (status, _) = call(http.get(url(&sim, &one))).await;
    assert_eq!(status, 404);
    let (status, _) = call(
        http.post(url(&sim, "/pictoryapis/v1/video/from-template"))
            .json(&request),
    )
    .await;
    assert_eq!(status, 404);

    // No file field, an empty raw body, or JSON: 400 naming the field.
    let (ct, body) = multipart(&[("name", "x")], Some(("otherfile", "a.pictai", b"x")));
    for req in [
        http.post(&templates).header("content-type", ct).body(body),
        http.post(&templates)
            .header("content-type", "application/octet-stream"),
        http.post(&templates).json(&json!({"name": "x"})),
    ] {
        let (status, error) = call(req).await;
        assert_eq!(status, 400, "{error}");
        assert_eq!(error["fields"][0]["name"], "pictoryprojectfile");
    }
}

#[tokio::test]
async fn brands_aws_connections_and_voiceover_tracks_are_stored() {
    let sim = pictory_sim::start(SimConfig::default()).await.unwrap();
    let http = reqwest::Client::new();

    let (_, brand) = call(
        http.post(url(&sim, "/pictoryapis/v1/brands/editvideo"))
            .json(&fixture("brands/create-request.json")),
    )
    .await;
    let brand_id = brand["data"]["brandId"].as_str().unwrap().to_string();
    let (status, updated) = call(
        http.put(url(
            &sim,
            &format!("/pictoryapis/brands/editvideo/{brand_id}"),
        ))
        .json(&json!({"description": "New"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["data"]["description"], "New");
    assert_eq!(updated["data"]["name"], "My App Branding");
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

    // AWS connections: bare bodies, `{"Items": [...]}` lists.
    let mut ids = Vec::new();
    for i in 0..25 {
        let (status, conn) = call(http.post(url(&sim, "/pictoryapis/v1/awsconnections")).json(
            &json!({"name": format!("c{i}"), "description": "d", "awsAccountId": "123456789012", "awsRegion": "eu-west-1", "enabled": true}),
        ))
        .await;
        assert_eq!(status, 200, "{conn}");
        assert_eq!(keys(&conn), keys(&fixture("aws/create-response.json")));
        ids.push(conn["connectionId"].as_str().unwrap().to_string());
    }
    let (_, page1) = call(http.get(url(&sim, "/pictoryapis/v1/awsconnections"))).await;
    assert_eq!(page1["Items"].as_array().unwrap().len(), 20);
    let documented = fixture("aws/list-response.json");
    assert_eq!(keys(&page1["Items"][0]), keys(&documented["Items"][0]));
    let next = page1["nextPageKey"].as_str().unwrap().to_string();
    let (_, page2) = call(http.get(url(
        &sim,
        &format!("/pictoryapis/v1/awsconnections?pageKey={next}"),
    )))
    .await;
    assert_eq!(keys(&page2), keys(&documented), "the last page: Items only");
    assert_eq!(page2["Items"].as_array().unwrap().len(), 5);
    let conn = format!("/pictoryapis/v1/awsconnections/{}", ids[0]);
    let (status, got) = call(http.get(url(&sim, &conn))).await;
    assert_eq!(status, 200);
    assert_eq!(keys(&got), keys(&fixture("aws/get-response.json")));
    // Optimistic versions: a stale version is a 409.
    let (status, v2) = call(
        http.put(url(&sim, &conn))
            .json(&fixture("aws/update-request.json")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(keys(&v2), keys(&fixture("aws/update-response.json")));
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["name"], "UpdatedConnectionName");
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

    // Voice-over tracks: a bare object, then a bare array.
    let (status, added) = call(
        http.post(url(&sim, "/pictoryapis/v1/voiceovers/tracks"))
            .json(&fixture("voiceovers/add-request.json")),
    )
    .await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(keys(&added), keys(&fixture("voiceovers/add-response.json")));
    assert!(added["id"].is_u64());
    let (_, tracks) = call(http.get(url(&sim, "/pictoryapis/v1/voiceovers/tracks"))).await;
    let documented = fixture("voiceovers/list-response.json");
    // The seeded voices (Jackson and the documented ones), then the new track.
    let tracks = tracks.as_array().unwrap();
    let names: Vec<&str> = tracks.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["Jackson", "Joanna", "Fiona", "Arnold"]);
    for track in tracks {
        assert_eq!(keys(track), keys(&documented[0]), "{track}");
    }
}
