//! Walking lists page by page (`Pages`): each spelling of the page key
//! (`nextPageKey`, `pageKey` sent back as `pagekey`, `LastEvaluatedKey`
//! beside `Items`) is followed, and every walk is bounded (a page limit, the
//! walk's deadline, a key sent twice). Requests are counted at the server.

mod common;

use common::{direct_client_for, json_response, scripted};
use futures_util::{StreamExt, TryStreamExt};
use pictory::Error;
use serde_json::{Value, json};
use std::time::Duration;

/// The value of query parameter `name` in a logged `METHOD /path?query`.
fn query_value(line: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(&format!("http://x{}", line.split_once(' ')?.1)).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn next_page_key_is_followed_to_the_last_page() {
    // Three pages of jobs; the key of page n+1 is "k<n>".
    let (server, log) = scripted(|_, req| {
        let page = req
            .query_params()
            .iter()
            .find(|(k, _)| k == "nextPageKey")
            .map(|(_, v)| v.trim_start_matches('k').parse::<usize>().unwrap())
            .unwrap_or(0);
        let items: Vec<Value> = (0..2)
            .map(|i| json!({"success": true, "data": {"jobId": format!("job-{page}-{i}"), "status": "completed"}}))
            .collect();
        let next = if page < 2 {
            json!(format!("k{}", page + 1))
        } else {
            Value::Null
        };
        json_response(200, json!({"items": items, "nextPageKey": next}))
    })
    .await;
    let client = direct_client_for(&server.base_url());
    let jobs: Vec<_> = client
        .api()
        .list_jobs()
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<String> = jobs
        .iter()
        .map(|j| {
            serde_json::to_value(j).unwrap()["data"]["jobId"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids,
        [
            "job-0-0", "job-0-1", "job-1-0", "job-1-1", "job-2-0", "job-2-1"
        ]
    );
    let sent = log.lock().unwrap().clone();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(query_value(&sent[0], "nextPageKey"), None);
    assert_eq!(query_value(&sent[1], "nextPageKey").as_deref(), Some("k1"));
    assert_eq!(query_value(&sent[2], "nextPageKey").as_deref(), Some("k2"));
    assert!(
        sent.iter()
            .all(|l| l.starts_with("GET /pictoryapis/v1/jobs"))
    );
}

#[tokio::test]
async fn projects_send_their_page_key_back_as_pagekey() {
    let (server, log) = scripted(|_, req| {
        let key = req
            .query_params()
            .into_iter()
            .find(|(k, _)| k == "pagekey")
            .map(|(_, v)| v);
        let (id, next) = match key.as_deref() {
            None => (json!("p-1"), json!("second page")),
            Some("second page") => (json!(1762768083800u64), Value::Null),
            Some(other) => panic!("unexpected key {other}"),
        };
        json_response(
            200,
            json!({"items": [{"id": id, "name": "P"}], "pageKey": next}),
        )
    })
    .await;
    let client = direct_client_for(&server.base_url());
    let projects: Vec<Value> = client
        .pages("list_projects", &[])
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    // Ids are strings (v3 projects) or integers (v2): both kept.
    assert_eq!(projects[0]["id"], "p-1");
    assert_eq!(projects[1]["id"], 1762768083800u64);
    let sent = log.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        query_value(&sent[1], "pagekey").as_deref(),
        Some("second page")
    );
}

#[tokio::test]
async fn dynamodb_style_items_and_last_evaluated_key_are_followed() {
    // AWS connections, through LowCodeAPI: `Items` and `LastEvaluatedKey`.
    let (server, log) = scripted(|_, req| {
        let key = req
            .query_params()
            .into_iter()
            .find(|(k, _)| k == "pageKey")
            .map(|(_, v)| v);
        let body = match key {
            None => json!({"Items": [{"connectionId": "c1"}], "LastEvaluatedKey": {"connectionId": "c1"}}),
            Some(k) => {
                assert_eq!(
                    serde_json::from_str::<Value>(&k).unwrap(),
                    json!({"connectionId": "c1"})
                );
                json!({"Items": [{"connectionId": "c2"}]})
            }
        };
        json_response(200, json!({ "data": body }))
    })
    .await;
    let client = common::client_for(&server.url("/pictory"));
    let all: Vec<_> = client
        .api()
        .list_aws_connections()
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<Option<String>> = all.iter().map(|c| c.connection_id.clone()).collect();
    assert_eq!(ids, [Some("c1".to_string()), Some("c2".to_string())]);
    assert_eq!(log.lock().unwrap().len(), 2);
}

/// A list that never ends: every page has a new key.
async fn endless() -> (
    httpmock::MockServer,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    scripted(|n, _| {
        json_response(
            200,
            json!({"items": [{"id": format!("a{n}"), "looks": []}], "nextPageKey": format!("k{n}")}),
        )
    })
    .await
}

#[tokio::test]
async fn a_walk_stops_at_its_page_limit_with_pages_left() {
    let (server, log) = endless().await;
    let client = direct_client_for(&server.base_url());
    let results: Vec<_> = client
        .api()
        .list_avatars()
        .items()
        .max_pages(3)
        .collect()
        .await;
    assert_eq!(results.len(), 4, "three items, then the error");
    assert!(results[..3].iter().all(Result::is_ok));
    match results[3].as_ref().unwrap_err() {
        Error::PagesLeft {
            operation, pages, ..
        } => {
            assert_eq!(*operation, "list_avatars");
            assert_eq!(*pages, 3);
        }
        other => panic!("expected PagesLeft, got {other:?}"),
    }
    assert_eq!(log.lock().unwrap().len(), 3, "no fourth page is asked for");
}

#[tokio::test]
async fn a_walk_whose_deadline_has_passed_sends_nothing() {
    let (server, log) = endless().await;
    let client = direct_client_for(&server.base_url());
    let results: Vec<_> = client
        .api()
        .list_avatars()
        .items()
        .within(Duration::ZERO)
        .collect()
        .await;
    assert_eq!(results.len(), 1, "{results:?}");
    let err = results[0].as_ref().unwrap_err();
    assert!(err.nothing_was_sent(), "{err:?}");
    assert_eq!(log.lock().unwrap().len(), 0);
}

#[tokio::test]
async fn a_key_sent_twice_ends_the_walk() {
    let (server, log) =
        scripted(|_, _| json_response(200, json!({"items": [{"id": "a"}], "nextPageKey": "same"})))
            .await;
    let client = direct_client_for(&server.base_url());
    let results: Vec<_> = client.api().list_ai_images().items().collect().await;
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(matches!(results[2], Err(Error::PagesLeft { pages: 2, .. })));
    assert_eq!(log.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn only_lists_with_a_page_key_can_be_walked() {
    let (server, log) = endless().await;
    let client = direct_client_for(&server.base_url());
    for (id, params) in [
        ("list_templates", &[][..]),
        ("get_quota", &[][..]),
        ("list_jobs", &[("nope", "1")][..]),
        ("no_such_operation", &[][..]),
    ] {
        let err = client.pages(id, params).unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{id}: {err:?}");
    }
    assert_eq!(log.lock().unwrap().len(), 0);
}

/// A page answered 503 once is retried inside the walk's deadline: the
/// deadline bounds the retries, it does not forbid them.
#[tokio::test]
async fn a_transient_failure_inside_the_deadline_is_retried() {
    let (server, log) = scripted(|n, _| {
        if n == 0 {
            json_response(503, json!({"message": "busy"}))
        } else {
            json_response(
                200,
                json!({"items": [{"success": true, "data": {"jobId": "job-1", "status": "completed"}}],
                       "nextPageKey": null}),
            )
        }
    })
    .await;
    let client = direct_client_for(&server.base_url());
    let jobs: Vec<_> = client
        .api()
        .list_jobs()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(log.lock().unwrap().len(), 2, "the 503, then its retry");
    assert_eq!(client.retries_made(), 1);
}
