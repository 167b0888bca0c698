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

fn read_error_object(v: &Value, out: &mut ErrorDetails) {
    match v {
        Value::String(s) if out.message.is_none() => out.message = Some(s.clone()),
        Value::Object(obj) => {
            if out.code.is_none() {
                out.code = text(obj.get("code")).or_else(|| text(obj.get("error_code")));
            }
            if out.message.is_none() {
                out.message = text(obj.get("message")).or_else(|| text(obj.get("error_message")));
            }
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
            // Nested shapes: {"error": ...} and {"data": {"error": ...}}.
            for key in ["error", "data"] {
                if let Some(inner) = obj.get(key) {
                    read_error_object(inner, out);
                }
            }
        }
        _ => {}
    }
}

/// Reads an error body of any shape. HTML pages yield their visible text
/// (Express: `Cannot GET /pictory/...`) as the message.
pub fn decode_error(body: &[u8]) -> ErrorDetails {
    let mut out = ErrorDetails::default();
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        out.is_json = v.is_object();
        read_error_object(&v, &mut out);
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
        assert_eq!(d.message.as_deref(), Some("Request failed"));
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
