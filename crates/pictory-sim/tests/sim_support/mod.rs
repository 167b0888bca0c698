//! Helpers shared by the simulator's tests (`tests/sim_*.rs`): documented
//! bodies, envelopes per profile, raw URLs.
#![allow(dead_code)] // each test crate uses a different subset

use pictory_sim::{SimProfile, Simulator};
use serde_json::Value;
use std::collections::BTreeSet;

/// A documented body from the repository's `tests/fixtures/pictory-docs/`.
pub fn fixture(path: &str) -> Value {
    let file = format!(
        "{}/../../tests/fixtures/pictory-docs/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

/// The keys of a JSON object (empty for anything else).
pub fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Pictory's body inside a success envelope of `profile`.
pub fn ok_body(profile: SimProfile, envelope: &Value) -> Value {
    match profile {
        SimProfile::Hosted => {
            assert_eq!(
                keys(envelope),
                keys(&serde_json::json!({"data": 1})),
                "{envelope}"
            );
            envelope["data"].clone()
        }
        SimProfile::OpenSource => {
            assert_eq!(envelope["provider"], "pictory", "{envelope}");
            envelope["result"].clone()
        }
    }
}

/// The error object inside an error envelope of `profile`.
pub fn err_body(profile: SimProfile, envelope: &Value) -> Value {
    match profile {
        SimProfile::Hosted => envelope["data"]["error"].clone(),
        SimProfile::OpenSource => {
            assert_eq!(envelope["provider"], "pictory", "{envelope}");
            envelope["error"].clone()
        }
    }
}

/// `<base URL><path>` with the simulator's token added to the query.
pub fn url(sim: &Simulator, path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{}{path}{sep}api_token={}", sim.base_url(), sim.token())
}

/// Sends `req`; returns the status and the JSON body (`Null` if none).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// An HTTP client without idle timers (for paused-time tests) that never
/// follows redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(None)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
