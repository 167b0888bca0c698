//! Where each operation goes (issue #23): an operation LowCodeAPI does not
//! serve is refused before sending by a client without Pictory's key
//! (`Error::NeedsPictoryKey`, naming the operation and `PICTORY_API_KEY`),
//! and goes to Pictory directly, with the raw key, from a client that has
//! one. Requests are counted at the servers.

mod common;

use common::cases::{ID, cases};
use common::{SENTINEL_KEY, SENTINEL_TOKEN, json_response, scripted};
use pictory::{Client, Error, OPERATIONS, OperationSpec, ServedBy};
use serde_json::json;

fn pictory_only() -> Vec<&'static OperationSpec> {
    OPERATIONS
        .iter()
        .filter(|op| op.served_by == ServedBy::PictoryOnly)
        .collect()
}

/// The path and query values `call_operation` needs for `op`.
fn params(op: &OperationSpec) -> Vec<(&'static str, &'static str)> {
    op.path_params.iter().map(|p| (*p, "x1")).collect()
}

fn assert_needs_key(err: &Error, op: &str) {
    match err {
        Error::NeedsPictoryKey { operation } => assert_eq!(*operation, op),
        other => panic!("{op}: expected NeedsPictoryKey, got {other:?}"),
    }
    assert!(err.nothing_was_sent(), "{op}");
    assert!(!err.is_transient(), "{op}");
    let text = err.to_string();
    assert!(text.contains(op), "{text}");
    assert!(text.contains("PICTORY_API_KEY"), "{text}");
}

#[test]
fn thirty_operations_are_served_by_pictory_only() {
    let ids: Vec<&str> = pictory_only().iter().map(|op| op.id).collect();
    assert_eq!(ids.len(), 30, "{ids:?}");
    for id in [
        "get_quota",
        "list_avatars",
        "create_storyboard_v2",
        "list_jobs",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    // The classic operations LowCodeAPI proxies are not among them.
    for id in ["create_storyboard", "list_templates", "get_job"] {
        assert!(!ids.contains(&id), "{id}");
    }
}

#[tokio::test]
async fn a_lowcodeapi_only_client_refuses_every_pictory_only_operation_before_sending() {
    let (server, log) = scripted(|_, _| json_response(200, json!({"data": {}}))).await;
    let client = common::client_for(&server.url("/pictory"));
    let all = cases();
    for op in pictory_only() {
        // The typed builder.
        let case = all
            .iter()
            .find(|(id, _)| *id == op.id)
            .unwrap_or_else(|| panic!("{}: no case", op.id))
            .1;
        let err = case(client.clone(), ID).await.unwrap_err();
        assert_needs_key(&err, op.id);
        // By id, as `pictory call` sends it.
        let err = client
            .call_operation(op.id, &params(op), None)
            .await
            .unwrap_err();
        assert_needs_key(&err, op.id);
    }
    // A page walk fails on its first page, the same way.
    use futures_util::StreamExt;
    let mut walk = client.api().list_jobs().items();
    let first = walk.next().await.unwrap().unwrap_err();
    assert_needs_key(&first, "list_jobs");
    assert!(walk.next().await.is_none());
    let err = client.quota().await.unwrap_err();
    assert_needs_key(&err, "get_quota");
    assert_eq!(
        log.lock().unwrap().len(),
        0,
        "nothing may be sent: {:?}",
        log.lock().unwrap()
    );
}

#[tokio::test]
async fn a_client_with_the_key_sends_them_to_pictory_and_nothing_to_lowcodeapi() {
    let (lowcodeapi, lca_log) = scripted(|_, _| json_response(200, json!({"data": {}}))).await;
    let (pictory, pictory_log) = scripted(|_, req| {
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if auth == SENTINEL_KEY {
            json_response(200, json!({"success": true, "data": {}}))
        } else {
            json_response(401, json!({"message": "Unauthorized"}))
        }
    })
    .await;
    let client = Client::builder()
        .token(SENTINEL_TOKEN)
        .base_url(lowcodeapi.url("/pictory"))
        .pictory_key(SENTINEL_KEY)
        .pictory_base_url(pictory.base_url())
        .build()
        .unwrap();
    let ops = pictory_only();
    for op in &ops {
        client
            .call_operation(op.id, &params(op), None)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", op.id));
    }
    assert_eq!(lca_log.lock().unwrap().len(), 0);
    let sent = pictory_log.lock().unwrap().clone();
    assert_eq!(sent.len(), ops.len(), "{sent:?}");
    for (line, op) in sent.iter().zip(&ops) {
        let route = op.path.split('{').next().unwrap_or_default();
        assert!(line.contains(route), "{}: {line}", op.id);
        assert!(!line.contains("api_token"), "{line}");
        assert!(!line.contains(SENTINEL_TOKEN), "{line}");
    }
    // A classic operation still goes through LowCodeAPI.
    client.api().list_templates().send().await.unwrap();
    assert_eq!(lca_log.lock().unwrap().len(), 1);
}
