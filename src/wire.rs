//! Facts about the wire: what LowCodeAPI and Pictory put in their answers,
//! as this crate reads them. The simulator (the `pictory-sim` crate) builds
//! its answers from the same facts, so neither keeps its own copy of a rule
//! (see `tests/fixtures/wire-facts.md` and the documented bodies in
//! `tests/fixtures/pictory-docs/` in the repository).

use serde_json::Value;

/// The message of LowCodeAPI's catch-all answer to an unknown route:
/// HTTP 404 with `{"message": "Not Found"}` and no `provider` key.
pub const UNKNOWN_ROUTE_MESSAGE: &str = "Not Found";

/// LowCodeAPI's server accepts only tokens that start with this.
pub const TOKEN_PREFIX: &str = "at_";

/// The message of LowCodeAPI's answer to a token that has the [`TOKEN_PREFIX`]
/// but that no LowCodeAPI account holds: HTTP 403 with
/// `{"message": "Invalid api_token", "provider": "pictory", "error": {"code": 403}}`
/// (a token without the prefix, or none, gets 401 instead).
pub const UNKNOWN_TOKEN_MESSAGE: &str = "Invalid api_token";

/// Whether an error `message` from LowCodeAPI says it does not know the
/// token ([`UNKNOWN_TOKEN_MESSAGE`], any case).
pub(crate) fn is_unknown_token(message: &str) -> bool {
    message.trim().eq_ignore_ascii_case(UNKNOWN_TOKEN_MESSAGE)
}

/// The keys a job id is documented under, each at the top level of
/// Pictory's body or inside its `data`.
pub const JOB_ID_KEYS: [&str; 2] = ["job_id", "jobId"];

/// The content sources of a v2 storyboard's scene: each scene takes exactly
/// one of them (or a background alone), per Pictory's request schema.
pub const V2_SCENE_SOURCES: [&str; 6] = [
    "story",
    "storyCoPilot",
    "blogUrl",
    "pptUrl",
    "audioUrl",
    "videoUrl",
];

/// Whether `body` is LowCodeAPI's own unknown-route answer
/// (`{"message": "Not Found"}`, no `provider`): the proof that LowCodeAPI's router (rather
/// than a load balancer or CDN in front of it) has no such route.
pub(crate) fn is_unknown_route(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| {
        v.as_object().is_some_and(|o| {
            o.get("message").and_then(Value::as_str) == Some(UNKNOWN_ROUTE_MESSAGE)
                && !o.contains_key("provider")
        })
    })
}

/// Whether an error body positively came from Pictory (through LowCodeAPI):
/// LowCodeAPI's provider envelope (a `provider` key; on the provider page,
/// `{"data": {"error": {...}}}`), or a Pictory error body (`success: false`,
/// an `error_code`, or `code` together with `fields`), at the top level or
/// under `error` / `data`. Anything else (JSON without these marks, HTML,
/// text, nothing) never reached Pictory.
pub(crate) fn is_pictory_answer(body: &Value) -> bool {
    let provider_page = body
        .get("data")
        .and_then(|d| d.get("error"))
        .is_some_and(Value::is_object);
    fn marked(v: &Value, depth: u8) -> bool {
        let Some(obj) = v.as_object() else {
            return false;
        };
        if obj.get("success") == Some(&Value::Bool(false))
            || obj.contains_key("error_code")
            || (obj.contains_key("code") && obj.contains_key("fields"))
        {
            return true;
        }
        depth > 0
            && ["error", "data"]
                .iter()
                .filter_map(|k| obj.get(*k))
                .any(|inner| marked(inner, depth - 1))
    }
    body.get("provider").is_some() || provider_page || marked(body, 2)
}

/// Pictory's answer for an unknown job id: `error_message` (or `message`)
/// `JOB_NOT_FOUND`, with `error_code` `"5000"`, in any envelope and under
/// any HTTP status (Pictory documents none).
pub const JOB_NOT_FOUND: &str = "JOB_NOT_FOUND";

/// Whether `body` is Pictory's [`JOB_NOT_FOUND`] answer, at the top level or
/// under `error`, `data` or `result` (LowCodeAPI's envelopes).
pub(crate) fn is_job_not_found(body: &Value) -> bool {
    fn found(v: &Value, depth: u8) -> bool {
        let Some(obj) = v.as_object() else {
            return false;
        };
        ["error_message", "message"]
            .iter()
            .any(|k| obj.get(*k).and_then(Value::as_str) == Some(JOB_NOT_FOUND))
            || (depth > 0
                && ["error", "data", "result"]
                    .iter()
                    .filter_map(|k| obj.get(*k))
                    .any(|inner| found(inner, depth - 1)))
    }
    found(body, 3)
}

/// The job status words Pictory documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusWord {
    /// Queued, not started.
    Pending,
    /// Running.
    InProgress,
    /// Finished; the output is in the body.
    Completed,
    /// Ended in failure (`error_code`, `error_message`).
    Failed,
    /// The job's data was removed after Pictory's retention period.
    Cleaned,
}

impl StatusWord {
    /// Every word, in the order a job passes through them.
    pub const ALL: [StatusWord; 5] = [
        StatusWord::Pending,
        StatusWord::InProgress,
        StatusWord::Completed,
        StatusWord::Failed,
        StatusWord::Cleaned,
    ];

    /// The word as Pictory sends it.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusWord::Pending => "pending",
            StatusWord::InProgress => "in-progress",
            StatusWord::Completed => "completed",
            StatusWord::Failed => "failed",
            StatusWord::Cleaned => "cleaned",
        }
    }

    /// Reads a status word (case-insensitive).
    pub fn parse(word: &str) -> Option<StatusWord> {
        Self::ALL
            .into_iter()
            .find(|w| w.as_str().eq_ignore_ascii_case(word.trim()))
    }
}

/// A documented body from `tests/fixtures/pictory-docs/`, for unit tests.
#[cfg(test)]
pub(crate) fn fixture(path: &str) -> Value {
    let file = format!(
        "{}/tests/fixtures/pictory-docs/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_bodies_are_told_apart() {
        let unknown_route = fixture("lowcodeapi/unknown-route-404.json");
        assert!(!is_pictory_answer(&unknown_route));
        assert!(is_unknown_route(unknown_route.to_string().as_bytes()));
        for reached in [
            "lowcodeapi/pictory-error-envelope-404.json",
            "lowcodeapi/401-bad-token.json",
            "errors/pictory-400-validation.json",
            "jobs/failed.json",
            "lowcodeapi/provider-page-error-envelope.json",
        ] {
            assert!(is_pictory_answer(&fixture(reached)), "{reached}");
        }
        for missed in [
            json!({}),
            json!({"error": "Not Found"}),
            json!([1]),
            json!("x"),
        ] {
            assert!(!is_pictory_answer(&missed), "{missed}");
        }
        assert!(is_pictory_answer(
            &json!({"success": false, "error": {"error_message": "x", "error_code": 890}})
        ));
    }

    #[test]
    fn job_not_found_in_every_envelope() {
        assert!(is_job_not_found(&fixture(
            "lowcodeapi/pictory-error-envelope-404.json"
        )));
        let bare = json!({"success": false, "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}});
        assert!(is_job_not_found(&bare));
        assert!(is_job_not_found(&json!({"data": bare.clone()})));
        assert!(is_job_not_found(
            &json!({"provider": "pictory", "result": bare})
        ));
        assert!(!is_job_not_found(&fixture("jobs/failed.json")));
    }

    #[test]
    fn status_words_round_trip() {
        for w in StatusWord::ALL {
            assert_eq!(StatusWord::parse(w.as_str()), Some(w));
        }
        assert_eq!(
            StatusWord::parse("In-Progress"),
            Some(StatusWord::InProgress)
        );
        assert_eq!(StatusWord::parse("paused"), None);
    }
}
