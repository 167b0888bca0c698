//! One decoder for every body shape LowCodeAPI and Pictory send: success
//! envelopes (`{"data": X}`, `{"message", "provider", "result": X}`, or X
//! itself, where X may be Pictory's `{"success": true, "data": Y}`) and error
//! bodies (`{"data": {"error": {...}}}`, `{"message", "provider", "error": ...}`,
//! Pictory's `{"code", "message", "fields": [...]}`, HTML, or nothing).

use serde_json::Value;

/// Which success envelope a body came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Envelope {
    /// `{"data": <Pictory's body>}` (LowCodeAPI's provider page).
    Data,
    /// `{"message", "provider", "result": <Pictory's body>, ...}` (LowCodeAPI's server).
    Result,
    /// Pictory's body with no envelope.
    Bare,
}

/// Removes LowCodeAPI's envelope: returns Pictory's own body and the envelope kind.
pub fn unwrap_success(body: &Value) -> (&Value, Envelope) {
    if let Some(obj) = body.as_object() {
        if let Some(result) = obj.get("result")
            && (obj.contains_key("provider") || obj.contains_key("message"))
        {
            return (result, Envelope::Result);
        }
        if obj.len() == 1
            && let Some(data) = obj.get("data")
        {
            return (data, Envelope::Data);
        }
    }
    (body, Envelope::Bare)
}

/// Pictory's body inside a body that came in `envelope`.
pub(crate) fn inside(body: &Value, envelope: Envelope) -> &Value {
    let key = match envelope {
        Envelope::Bare => return body,
        Envelope::Data => "data",
        Envelope::Result => "result",
    };
    body.get(key).unwrap_or(body)
}

/// The useful payload of Pictory's body: `data` when the body is Pictory's
/// `{"success": ..., "data": ...}` wrapper, else the body itself.
pub fn payload(pictory_body: &Value) -> &Value {
    match pictory_body.as_object() {
        Some(obj) if obj.contains_key("success") && obj.contains_key("data") => &obj["data"],
        _ => pictory_body,
    }
}

/// One field Pictory rejected, with its messages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// The field's name as sent (`videoName`, `scenes[0].text`, ...).
    pub name: String,
    /// What is wrong with it.
    pub errors: Vec<String>,
}

/// What an error body says, whatever its shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorDetails {
    /// Pictory's or LowCodeAPI's error code, when one is given.
    pub code: Option<String>,
    /// The human-readable message, when one is given.
    pub message: Option<String>,
    /// Per-field messages (Pictory's `fields`).
    pub fields: Vec<FieldError>,
    /// The body was JSON (an answer from LowCodeAPI or Pictory rather than
    /// a router's HTML page or nothing).
    pub is_json: bool,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether `message` is one of LowCodeAPI's stand-ins, used when the
/// error it wraps had no message of its own: `Error received from the
/// pictory API` (around an error body from Pictory without a top-level
/// `message`), `Request failed` and `Error processing the request`. A
/// message Pictory nested deeper says more, and wins over these.
pub(crate) fn is_placeholder(message: &str) -> bool {
    let m = message.trim();
    let received = m
        .strip_prefix("Error received from the ")
        .and_then(|rest| rest.strip_suffix(" API"))
        .is_some_and(|provider| !provider.is_empty() && !provider.contains(' '));
    received
        || m.eq_ignore_ascii_case("Request failed")
        || m.eq_ignore_ascii_case("Error processing the request")
}

/// Message candidates found while walking an error body, outermost first.
#[derive(Default)]
struct Messages {
    /// The first message that is not a placeholder.
    specific: Option<String>,
    /// The first placeholder, used when nothing more specific is found.
    placeholder: Option<String>,
}

impl Messages {
    fn offer(&mut self, message: Option<String>) {
        let Some(m) = message else { return };
        if is_placeholder(&m) {
            self.placeholder.get_or_insert(m);
        } else {
            self.specific.get_or_insert(m);
        }
    }
}

/// How deep the error readers go into nested `error` / `data` objects:
/// LowCodeAPI's envelope, Pictory's body and its `error` object, with room
/// to spare, so a hostile body cannot make the walk long.
const MAX_DEPTH: u8 = 6;

fn read_error_object(v: &Value, out: &mut ErrorDetails, messages: &mut Messages, depth: u8) {
    match v {
        Value::String(s) if !s.is_empty() => messages.offer(Some(s.clone())),
        Value::Object(obj) => {
            if out.code.is_none() {
                out.code = text(obj.get("code")).or_else(|| text(obj.get("error_code")));
            }
            messages.offer(text(obj.get("message")));
            messages.offer(text(obj.get("error_message")));
            if out.fields.is_empty()
                && let Some(fields) = obj.get("fields").and_then(Value::as_array)
            {
                out.fields = fields
                    .iter()
                    .filter_map(|f| {
                        let name = text(f.get("name"))?;
                        let errors = match f.get("errors") {
                            Some(Value::Array(a)) => {
                                a.iter().filter_map(|e| text(Some(e))).collect()
                            }
                            Some(other) => text(Some(other)).into_iter().collect(),
                            None => Vec::new(),
                        };
                        Some(FieldError { name, errors })
                    })
                    .collect();
            }
            if depth == 0 {
                return;
            }
            // Nested shapes: Pictory's body under LowCodeAPI's `error`
            // (`{"message", "provider", "error": {"success": false, "error": {...}}}`),
            // the provider page's `{"data": {"error": {...}}}`, a failed
            // job's `{"data": {"error_message", ...}}`.
            for key in ["error", "data"] {
                if let Some(inner) = obj.get(key) {
                    read_error_object(inner, out, messages, depth - 1);
                }
            }
            // LowCodeAPI's own errors carry their reason in `error.logging.message`
            // (beside an echo of the request, which is never read).
            if let Some(message) = obj.get("logging").and_then(|l| text(l.get("message"))) {
                messages.offer(Some(message));
            }
        }
        _ => {}
    }
}

/// Reads an error body of any shape. The message is the outermost one
/// that says something: LowCodeAPI's stand-ins (see [`is_placeholder`])
/// give way to Pictory's own message nested at any depth (`error.message`,
/// `error.error.error_message`, `error.data.error_message`,
/// `data.error.message`...). HTML pages yield their visible text
/// (Express: `Cannot GET /pictory/...`) as the message.
pub fn decode_error(body: &[u8]) -> ErrorDetails {
    let mut out = ErrorDetails::default();
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        out.is_json = v.is_object();
        let mut messages = Messages::default();
        read_error_object(&v, &mut out, &mut messages, MAX_DEPTH);
        out.message = messages.specific.or(messages.placeholder);
        return out;
    }
    let text = String::from_utf8_lossy(body);
    let visible = strip_tags(&text);
    if !visible.is_empty() {
        out.message = Some(visible);
    }
    out
}

/// The visible text of an HTML page (tags dropped, whitespace folded), cut short.
fn strip_tags(html: &str) -> String {
    let body = match (html.find("<body"), html.rfind("</body>")) {
        (Some(a), Some(b)) if a < b => &html[a..b],
        _ => html,
    };
    let mut out = String::new();
    let mut in_tag = false;
    for ch in body.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let folded = out.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&folded, 200)
}

/// Cuts `s` to at most `max` characters, marking the cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn success_envelopes() {
        let inner = json!({"success": true, "data": {"jobId": "j1"}});
        for (body, kind) in [
            (json!({"data": inner.clone()}), Envelope::Data),
            (
                json!({"message": "Request completed", "provider": "pictory", "result": inner.clone(), "response_headers": {}}),
                Envelope::Result,
            ),
            (inner.clone(), Envelope::Bare),
        ] {
            let (pictory, k) = unwrap_success(&body);
            assert_eq!(k, kind);
            assert_eq!(payload(pictory), &json!({"jobId": "j1"}));
        }
    }

    #[test]
    fn error_shapes() {
        let d =
            decode_error(br#"{"data":{"error":{"message":"Bad token","code":"UNAUTHORIZED"}}}"#);
        assert_eq!(
            (d.code.as_deref(), d.message.as_deref()),
            (Some("UNAUTHORIZED"), Some("Bad token"))
        );
        let d = decode_error(br#"{"message":"Request failed","provider":"pictory","error":{"code":"VALIDATION","message":"Invalid","fields":[{"name":"videoName","errors":["is required"]}]}}"#);
        assert_eq!(d.code.as_deref(), Some("VALIDATION"));
        // "Request failed" is LowCodeAPI's stand-in: Pictory's own message wins.
        assert_eq!(d.message.as_deref(), Some("Invalid"));
        assert_eq!(
            d.fields,
            vec![FieldError {
                name: "videoName".into(),
                errors: vec!["is required".into()]
            }]
        );
        let d = decode_error(
            b"<!DOCTYPE html><html><body><pre>Cannot GET /pictory/x</pre></body></html>",
        );
        assert_eq!(d.message.as_deref(), Some("Cannot GET /pictory/x"));
        assert!(!d.is_json);
        assert_eq!(decode_error(b""), ErrorDetails::default());
    }

    #[test]
    fn pictorys_message_surfaces_from_any_documented_depth() {
        let received = "Error received from the pictory API";
        for (body, code, message) in [
            // LowCodeAPI's server around Pictory's old error shape.
            (
                json!({"message": received, "provider": "pictory",
                    "error": {"success": false, "error": {"error_message": "Template not found", "error_code": 404}},
                    "headers": {"content-type": "application/json"}}),
                Some("404"),
                "Template not found",
            ),
            // ... around a failed job (the documented fixture's shape).
            (
                json!({"message": received, "provider": "pictory",
                    "error": {"success": false, "data": {"status": "failed", "error_code": "5000", "error_message": "JOB_NOT_FOUND"}}}),
                Some("5000"),
                "JOB_NOT_FOUND",
            ),
            // ... around Pictory's old shape without the success flag.
            (
                json!({"message": received, "provider": "pictory", "error": {"error": {"error_message": "Bad voice"}}}),
                None,
                "Bad voice",
            ),
            // The provider page's envelope, with LowCodeAPI's stand-in inside.
            (
                json!({"data": {"error": {"message": received, "code": "ERR",
                    "error": {"success": false, "error": {"error_message": "Brand not found", "error_code": 404}}}}}),
                Some("ERR"),
                "Brand not found",
            ),
            // Pictory's bare old shape.
            (
                json!({"success": false, "error": {"error_message": "Template not found", "error_code": 404}}),
                Some("404"),
                "Template not found",
            ),
            // A message of Pictory's own at the top level stays first.
            (
                json!({"message": "Unauthorized", "provider": "pictory", "error": {"message": "Unauthorized"}}),
                None,
                "Unauthorized",
            ),
            // Only the stand-in: it is kept.
            (
                json!({"message": received, "provider": "pictory", "error": {"success": false}}),
                None,
                received,
            ),
            // LowCodeAPI's own 403 keeps its reason in `error.logging.message`.
            (
                json!({"message": "Request failed", "provider": "pictory",
                    "error": {"code": 403, "logging": {"message": "No pictory credential associated with this api_token.", "query": {"api_token": "x"}}}}),
                Some("403"),
                "No pictory credential associated with this api_token.",
            ),
        ] {
            let d = decode_error(body.to_string().as_bytes());
            assert_eq!(d.message.as_deref(), Some(message), "{body}");
            assert_eq!(d.code.as_deref(), code, "{body}");
        }
    }

    #[test]
    fn placeholders_are_lowcodeapis_stand_ins_only() {
        assert!(is_placeholder("Error received from the pictory API"));
        assert!(is_placeholder(" request failed "));
        assert!(!is_placeholder("Template not found"));
        assert!(!is_placeholder("Error received from the API"));
    }
}

/// Property tests: the decoders of bodies of any shape (envelopes, error
/// bodies, job bodies, webhook posts) return a value or a typed error,
/// never a panic.
#[cfg(test)]
mod properties {
    use super::{decode_error, unwrap_success};
    use crate::jobs::{find_job_id, parse_job, parse_webhook};
    use proptest::prelude::*;
    use serde_json::Value;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            prop_oneof![
                Just("status".to_string()),
                Just("completed".to_string()),
                Just("failed".to_string()),
                Just("in-progress".to_string()),
                Just("JOB_NOT_FOUND".to_string()),
                ".{0,12}"
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let key = prop_oneof![
                Just("data".to_string()),
                Just("result".to_string()),
                Just("job_id".to_string()),
                Just("jobId".to_string()),
                Just("status".to_string()),
                Just("success".to_string()),
                Just("error".to_string()),
                Just("error_message".to_string()),
                Just("renderProgress".to_string()),
                Just("videoURL".to_string()),
                Just("fields".to_string()),
                "[a-z]{1,6}"
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(key, inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        #[test]
        fn job_and_envelope_decoders_never_panic(v in json_value()) {
            let _ = unwrap_success(&v);
            let _ = find_job_id(&v);
            let _ = parse_job(&v, None);
            let _ = parse_job(&v, Some(&"j".into()));
            let bytes = serde_json::to_vec(&v).unwrap();
            let _ = decode_error(&bytes);
            let _ = parse_webhook(&bytes);
        }

        #[test]
        fn error_decoder_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode_error(&bytes);
            proptest::prop_assert!(parse_webhook(&bytes).is_err() || serde_json::from_slice::<Value>(&bytes).is_ok());
        }
    }
}
