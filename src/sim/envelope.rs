//! What an answer looks like on the wire: Pictory's body wrapped in the
//! configured LowCodeAPI envelope, and Express's HTML routing 404.

use super::config::SimEnvelope;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Pictory's answer to one operation, before LowCodeAPI wraps it.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// 200 with Pictory's body.
    Ok(Value),
    /// An error: the status and Pictory's (or LowCodeAPI's) error body.
    Err(StatusCode, Value),
}

impl Reply {
    /// An error with Pictory's usual `{"code", "message"}` body.
    pub(crate) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Reply {
        Reply::Err(status, json!({"code": code, "message": message.into()}))
    }

    /// `404` for an unknown resource.
    pub(crate) fn not_found(what: &str, id: &str) -> Reply {
        Reply::Err(
            StatusCode::NOT_FOUND,
            json!({"code": "NOT_FOUND", "message": format!("{what} {id} not found")}),
        )
    }

    /// `400 VALIDATION_ERROR` with Pictory's per-field messages.
    pub(crate) fn validation(fields: Vec<(String, Vec<String>)>) -> Reply {
        let summary = fields
            .iter()
            .map(|(name, errors)| format!("{name} {}", errors.join(", ")))
            .collect::<Vec<_>>()
            .join("; ");
        let fields: Vec<Value> = fields
            .into_iter()
            .map(|(name, errors)| json!({"name": name, "errors": errors}))
            .collect();
        Reply::Err(
            StatusCode::BAD_REQUEST,
            json!({
                "code": "VALIDATION_ERROR",
                "message": format!("Request validation failed: {summary}"),
                "fields": fields,
            }),
        )
    }

    /// `400 VALIDATION_ERROR` for one field.
    pub(crate) fn invalid_field(name: &str, error: &str) -> Reply {
        Reply::validation(vec![(name.to_string(), vec![error.to_string()])])
    }

    /// Pictory's job-not-found answer (`error_code: "5000"`).
    pub(crate) fn job_not_found(job_id: &str) -> Reply {
        Reply::Err(
            StatusCode::NOT_FOUND,
            json!({
                "job_id": job_id,
                "success": false,
                "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}
            }),
        )
    }
}

/// A code and a message from an error body of any of Pictory's shapes.
fn code_and_message(body: &Value) -> (String, String) {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let data = body.get("data");
    let code = text(body.get("code"))
        .or_else(|| text(body.get("error_code")))
        .or_else(|| text(data.and_then(|d| d.get("error_code"))))
        .unwrap_or_else(|| "ERROR".into());
    let message = text(body.get("message"))
        .or_else(|| text(body.get("error_message")))
        .or_else(|| text(data.and_then(|d| d.get("error_message"))))
        .unwrap_or_else(|| "Request failed".into());
    (code, message)
}

/// The JSON bytes of `reply` in `envelope`, and its status.
pub(crate) fn render(envelope: SimEnvelope, reply: Reply) -> (StatusCode, Vec<u8>) {
    let (status, body) = match (envelope, reply) {
        (SimEnvelope::Data, Reply::Ok(body)) => (StatusCode::OK, json!({"data": body})),
        (SimEnvelope::Result, Reply::Ok(body)) => (
            StatusCode::OK,
            json!({
                "message": "Request completed",
                "provider": "pictory",
                "result": body,
                "response_headers": {},
            }),
        ),
        (SimEnvelope::Data, Reply::Err(status, body)) => {
            let (code, message) = code_and_message(&body);
            let mut error = serde_json::Map::new();
            error.insert("message".into(), Value::String(message));
            error.insert("code".into(), Value::String(code));
            if let Value::Object(rest) = body {
                for (k, v) in rest {
                    error.entry(k).or_insert(v);
                }
            }
            (status, json!({"data": {"error": error}}))
        }
        (SimEnvelope::Result, Reply::Err(status, body)) => {
            let (_, message) = code_and_message(&body);
            (
                status,
                json!({
                    "message": message,
                    "provider": "pictory",
                    "error": body,
                    "headers": {},
                }),
            )
        }
    };
    (status, body.to_string().into_bytes())
}

/// Headers every JSON answer carries (Express's defaults).
pub(crate) fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(
        HeaderName::from_static("x-powered-by"),
        HeaderValue::from_static("Express"),
    );
    headers
}

/// Escapes text for an HTML page, as Express's `escape-html` does.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page Express sends for a URL none of its routes match.
pub fn express_404_body(method: &str, path: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot {} {}</pre>\n</body>\n</html>\n",
        escape_html(method),
        escape_html(path)
    )
}

/// Express's routing 404 for `method` and `path` (no query string).
pub(crate) fn express_404(method: &str, path: &str) -> Response {
    let mut response = (StatusCode::NOT_FOUND, express_404_body(method, path)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static("default-src 'none'"),
    );
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("x-powered-by"),
        HeaderValue::from_static("Express"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn express_page_is_exact() {
        assert_eq!(
            express_404_body("GET", "/pictory/x<y>"),
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /pictory/x&lt;y&gt;</pre>\n</body>\n</html>\n"
        );
    }

    #[test]
    fn error_envelopes_carry_code_and_message() {
        let reply = Reply::job_not_found("j1");
        let (status, bytes) = render(SimEnvelope::Data, reply.clone());
        assert_eq!(status, StatusCode::NOT_FOUND);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["data"]["error"]["code"], "5000");
        assert_eq!(v["data"]["error"]["message"], "JOB_NOT_FOUND");
        let (_, bytes) = render(SimEnvelope::Result, reply);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["provider"], "pictory");
        assert_eq!(v["error"]["data"]["error_message"], "JOB_NOT_FOUND");
    }
}
