//! What an answer looks like on the wire: Pictory's body wrapped in the
//! profile's LowCodeAPI envelope, LowCodeAPI's own answers (bad token,
//! unknown route, the redirect of a bare `/pictory`), and Express's HTML
//! routing 404.

use super::config::{SimProfile, UnknownRoute};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pictory::wire::{JOB_NOT_FOUND, UNKNOWN_ROUTE_MESSAGE, UNKNOWN_TOKEN_MESSAGE};
use serde_json::{Value, json};

/// The provider name LowCodeAPI puts in every envelope it builds around an
/// answer that came from Pictory (`"provider": "pictory"`).
pub(crate) const PROVIDER: &str = "pictory";

/// LowCodeAPI's message for a missing or malformed token (HTTP 401).
pub(crate) const BAD_TOKEN_MESSAGE: &str = "A valid API token is required to access this API.";

/// The body of LowCodeAPI's unknown-route 404: `{"message": "Not Found"}`,
/// no `provider` key.
pub(crate) fn unknown_route_body() -> Value {
    json!({ "message": UNKNOWN_ROUTE_MESSAGE })
}

/// The open-source server's `message` on success when Pictory's body has none.
const SUCCESS_MESSAGE: &str = "Request completed";
/// The open-source server's `message` on an error when Pictory's body has none.
const UPSTREAM_ERROR_MESSAGE: &str = "Error received from the pictory API";
/// Where a bare `/pictory` redirects: LowCodeAPI's web UI (here a page on
/// the simulator, so nothing leaves the machine if a client follows it).
pub(crate) const WEB_UI_PATH: &str = "/ui/pictory";

/// Pictory's answer to one operation, before LowCodeAPI wraps it.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// 200 with Pictory's body.
    Ok(Value),
    /// An error from Pictory: the status and Pictory's error body.
    Err(StatusCode, Value),
    /// An error LowCodeAPI makes itself (the bad-token 401): status,
    /// message and the `error` object.
    Proxy(StatusCode, &'static str, Value),
    /// 204 with no body (Pictory's "no content").
    NoContent,
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

    /// `400 INVALID_REQUEST_BODY` with Pictory's per-field messages
    /// (`fields[].errors` is one string, as Pictory's newer API sends it).
    pub(crate) fn validation(fields: Vec<(String, Vec<String>)>) -> Reply {
        let fields: Vec<Value> = fields
            .into_iter()
            .map(|(name, errors)| json!({"name": name, "errors": errors.join("; ")}))
            .collect();
        Reply::Err(
            StatusCode::BAD_REQUEST,
            json!({
                "code": "INVALID_REQUEST_BODY",
                "message": "Request validation failed",
                "fields": fields,
            }),
        )
    }

    /// LowCodeAPI's 401 for a missing or malformed token (numeric `code`),
    /// with `logging` as the server fills it (see [`token_logging`]; `{}`
    /// for the hosted profile, which shows none).
    pub(crate) fn bad_token(logging: Value) -> Reply {
        Reply::Proxy(
            StatusCode::UNAUTHORIZED,
            BAD_TOKEN_MESSAGE,
            json!({"code": 401, "logging": logging}),
        )
    }

    /// LowCodeAPI's open-source server's 403 for a token with the `at_`
    /// prefix that no account holds: its token check throws `Invalid
    /// api_token` with `code: 403` and nothing else, which `errorResponse`
    /// serializes as `error: {"code": 403}`.
    pub(crate) fn unknown_token() -> Reply {
        Reply::Proxy(
            StatusCode::FORBIDDEN,
            UNKNOWN_TOKEN_MESSAGE,
            json!({"code": 403}),
        )
    }

    /// `400 INVALID_REQUEST_BODY` for one field.
    pub(crate) fn invalid_field(name: &str, error: &str) -> Reply {
        Reply::validation(vec![(name.to_string(), vec![error.to_string()])])
    }

    /// Pictory's job-not-found answer (`error_code: "5000"`).
    pub(crate) fn job_not_found() -> Reply {
        Reply::Err(
            StatusCode::NOT_FOUND,
            json!({
                "success": false,
                "data": {"status": "failed", "error_code": "5000", "error_message": JOB_NOT_FOUND}
            }),
        )
    }
}

/// What LowCodeAPI's open-source server puts under `error.logging` of its
/// 401 for a bad token (`check-token.ts`): the method, the status, the
/// message, the path, and the request's headers and query as received,
/// `api_token` included. `body` and `api_mount` are undefined there, so
/// absent from the JSON.
pub(crate) fn token_logging(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Value {
    let mut echoed = serde_json::Map::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match echoed.get_mut(name.as_str()) {
            // Node joins repeated headers with ", ".
            Some(Value::String(first)) => {
                first.push_str(", ");
                first.push_str(&value);
            }
            _ => {
                echoed.insert(name.as_str().to_string(), Value::String(value));
            }
        }
    }
    let mut q = serde_json::Map::new();
    for (k, v) in query {
        q.entry(k.clone())
            .or_insert_with(|| Value::String(v.clone()));
    }
    json!({
        "method": method,
        "status_code": 401,
        "message": BAD_TOKEN_MESSAGE,
        "path": path,
        "headers": echoed,
        "query": q,
    })
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

/// The `message` Pictory's body carries at its top level, if any.
fn own_message(body: &Value) -> Option<Value> {
    body.get("message").filter(|m| m.is_string()).cloned()
}

/// Pictory's own answer, as its face sends it: the body bare, Pictory's
/// status.
pub(crate) fn render_bare(reply: Reply) -> (StatusCode, Vec<u8>) {
    let (status, body) = match reply {
        Reply::NoContent => return (StatusCode::NO_CONTENT, Vec::new()),
        Reply::Ok(body) => (StatusCode::OK, body),
        Reply::Err(status, body) => (status, body),
        Reply::Proxy(status, message, _) => (status, json!({ "message": message })),
    };
    (status, body.to_string().into_bytes())
}

/// Pictory's 401 for a missing or wrong API key
/// (`tests/fixtures/pictory-docs/errors/pictory-401-new.json`).
pub(crate) fn pictory_unauthorized() -> Reply {
    Reply::Err(StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}))
}

/// The JSON bytes of `reply` in `profile`'s envelope, and its status.
pub(crate) fn render(profile: SimProfile, reply: Reply) -> (StatusCode, Vec<u8>) {
    let (status, body) = match (profile, reply) {
        (_, Reply::NoContent) => return (StatusCode::NO_CONTENT, Vec::new()),
        (SimProfile::Hosted, Reply::Ok(body)) => (StatusCode::OK, json!({"data": body})),
        (SimProfile::OpenSource, Reply::Ok(body)) => (
            StatusCode::OK,
            json!({
                "message": own_message(&body).unwrap_or_else(|| json!(SUCCESS_MESSAGE)),
                "provider": PROVIDER,
                "result": body,
                "response_headers": {"content-type": "application/json; charset=utf-8"},
            }),
        ),
        (SimProfile::Hosted, Reply::Err(status, body)) => {
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
        (SimProfile::OpenSource, Reply::Err(status, body)) => (
            status,
            json!({
                "message": own_message(&body).unwrap_or_else(|| json!(UPSTREAM_ERROR_MESSAGE)),
                "provider": PROVIDER,
                "error": body,
                "headers": {"content-type": "application/json"},
            }),
        ),
        (SimProfile::Hosted, Reply::Proxy(status, message, mut error)) => {
            error["message"] = json!(message);
            (status, json!({"data": {"error": error}}))
        }
        (SimProfile::OpenSource, Reply::Proxy(status, message, error)) => (
            status,
            json!({"message": message, "provider": PROVIDER, "error": error}),
        ),
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

/// The answer to an unmatched URL or method, as `kind` says.
pub(crate) fn unknown_route(kind: UnknownRoute, method: &str, path: &str) -> Response {
    match kind {
        UnknownRoute::Json => (
            StatusCode::NOT_FOUND,
            json_headers(),
            unknown_route_body().to_string(),
        )
            .into_response(),
        UnknownRoute::Html => express_404(method, path),
        UnknownRoute::Text => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Not Found",
        )
            .into_response(),
        UnknownRoute::Empty => StatusCode::NOT_FOUND.into_response(),
    }
}

/// LowCodeAPI's answer to a bare `/pictory`: a 302 to its web UI.
pub(crate) fn redirect_to_ui(origin: &str) -> Response {
    let location = format!("{origin}{WEB_UI_PATH}");
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// The page at [`WEB_UI_PATH`].
pub(crate) async fn web_ui() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html>\n<html><head><title>LowCodeAPI: pictory</title></head><body>LowCodeAPI web UI (simulated)</body></html>\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn the_unknown_route_body_is_the_documented_one() {
        assert_eq!(
            fixture("lowcodeapi/unknown-route-404.json"),
            unknown_route_body()
        );
    }

    #[test]
    fn the_401_echoes_the_request_as_the_open_source_server_does() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3457"));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.append(header::ACCEPT, HeaderValue::from_static("text/plain"));
        let query = vec![("api_token".to_string(), "bad_token_12345".to_string())];
        let logging = token_logging("GET", "/pictory/pictoryapis/v1/templates", &headers, &query);
        let (_, bytes) = render(SimProfile::OpenSource, Reply::bad_token(logging));
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v, fixture("lowcodeapi/401-bad-token-logging.json"));
    }

    #[test]
    fn express_page_is_exact() {
        assert_eq!(
            express_404_body("GET", "/pictory/x<y>"),
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /pictory/x&lt;y&gt;</pre>\n</body>\n</html>\n"
        );
    }

    #[test]
    fn error_envelopes_carry_code_and_message() {
        let reply = Reply::job_not_found();
        let (status, bytes) = render(SimProfile::Hosted, reply.clone());
        assert_eq!(status, StatusCode::NOT_FOUND);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["data"]["error"]["code"], "5000");
        assert_eq!(v["data"]["error"]["message"], "JOB_NOT_FOUND");
        let (_, bytes) = render(SimProfile::OpenSource, reply);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v, fixture("lowcodeapi/pictory-error-envelope-404.json"));
    }

    #[test]
    fn lowcodeapi_bodies_are_the_documented_ones() {
        let (status, bytes) = render(SimProfile::OpenSource, Reply::bad_token(json!({})));
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v, fixture("lowcodeapi/401-bad-token.json"));
        let (status, bytes) = render(SimProfile::OpenSource, Reply::unknown_token());
        assert_eq!(status, StatusCode::FORBIDDEN);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v, fixture("lowcodeapi/403-unknown-token.json"));
        let ok = Reply::Ok(
            json!({"success": true, "data": {"jobId": "981e84c8-bd06-4a65-a791-d4a3da315c2a"}}),
        );
        let (_, bytes) = render(SimProfile::OpenSource, ok);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v, fixture("lowcodeapi/success-result-envelope.json"));
        let (_, bytes) = render(SimProfile::Hosted, Reply::bad_token(json!({})));
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["data"]["error"]["code"], 401);
        assert_eq!(v["data"]["error"]["message"], BAD_TOKEN_MESSAGE);
    }
}
