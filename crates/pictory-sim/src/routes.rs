//! The router: one route per operation and URL format, built from
//! [`OPERATIONS`] at startup, plus the upload and asset routes and the
//! redirect of a bare `/pictory`, and the per-request pipeline (route
//! served? → token → fault plan → path values → body validation →
//! operation → envelope → spoiling faults).

use super::config::SimProfile;
use super::envelope::{self, Reply};
use super::faults::{self, Fault};
use super::media;
use super::ops::{self, FormPart, Input};
use super::state::App;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, any, get, put};
use pictory::wire::TOKEN_PREFIX;
use pictory::{BodyKind, OPERATIONS, OperationSpec};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Largest JSON body accepted (16 MiB).
const JSON_LIMIT: usize = 16 << 20;
/// Largest multipart body accepted (64 MiB).
const FORM_LIMIT: usize = 64 << 20;

/// One of LowCodeAPI's URL formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Path parameters in the path.
    New,
    /// Path parameters in the query, the segment their lower-cased name.
    Old,
}

impl Format {
    /// `new` or `old`, as counted.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::New => "new",
            Format::Old => "old",
        }
    }
}

/// Which service a route plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    /// LowCodeAPI's proxy at `/pictory/...` (token, formats, envelopes).
    LowCodeApi,
    /// Pictory itself at `/pictoryapis/...` (API key, bare bodies).
    Pictory,
}

/// What a route serves.
#[derive(Debug, Clone, Copy)]
struct RouteInfo {
    op: &'static OperationSpec,
    format: Format,
    face: Face,
}

/// The route paths of every operation: `(axum path, route)`. Operations
/// without path parameters have one LowCodeAPI route, counted as the new
/// format; every operation has one Pictory route.
pub(crate) fn operation_routes() -> Vec<(String, &'static OperationSpec, Format, Face)> {
    let mut out = Vec::new();
    for op in OPERATIONS {
        // LowCodeAPI does not proxy Pictory's newer operations: its face
        // answers their URLs with its routing 404 (the router's fallback).
        if op.served_by == pictory::ServedBy::PictoryOnly {
            out.push((op.path.to_string(), op, Format::New, Face::Pictory));
            continue;
        }
        out.push((
            format!("/pictory{}", op.path),
            op,
            Format::New,
            Face::LowCodeApi,
        ));
        if !op.path_params.is_empty() {
            out.push((
                format!("/pictory{}", op.old_format_path()),
                op,
                Format::Old,
                Face::LowCodeApi,
            ));
        }
        out.push((op.path.to_string(), op, Format::New, Face::Pictory));
    }
    out
}

/// Builds the router. Fails (rather than panicking) if the spec yields a
/// route axum cannot hold, such as two parameters of different names at
/// the same place.
pub(crate) fn router(app: Arc<App>) -> Result<Router, String> {
    let mut by_path: BTreeMap<String, Vec<RouteInfo>> = BTreeMap::new();
    for (path, op, format, face) in operation_routes() {
        by_path
            .entry(path)
            .or_default()
            .push(RouteInfo { op, format, face });
    }
    let mut router: Router<Arc<App>> = Router::new();
    for (path, routes) in by_path {
        let mut methods: MethodRouter<Arc<App>> = MethodRouter::new();
        let mut seen: Vec<&str> = Vec::new();
        for route in routes {
            if seen.contains(&route.op.method) {
                return Err(format!(
                    "{} {path}: two operations share a route",
                    route.op.method
                ));
            }
            seen.push(route.op.method);
            let method = Method::from_bytes(route.op.method.as_bytes())
                .map_err(|e| format!("{}: bad method: {e}", route.op.id))?;
            let filter = MethodFilter::try_from(method)
                .map_err(|e| format!("{}: unsupported method: {e}", route.op.id))?;
            methods = methods.on(
                filter,
                move |State(app): State<Arc<App>>,
                      params: Result<Path<Vec<(String, String)>>, PathRejection>,
                      req: Request| async move {
                    handle_operation(app, route, params, req).await
                },
            );
        }
        let methods = methods.fallback(routing_404);
        let current = router.clone();
        // axum panics on conflicting routes; report them as an error.
        router = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            current.route(&path, methods)
        }))
        .map_err(|_| "the spec's paths conflict in the router".to_string())?;
    }
    Ok(router
        .route(
            "/upload/{key}",
            put(media::put_upload).fallback(routing_404),
        )
        .route(
            "/media/{key}/{name}",
            get(media::get_media).fallback(routing_404),
        )
        .route(
            "/videos/{file}",
            get(media::get_video_file).fallback(routing_404),
        )
        .route("/preview/{id}", get(media::get_page).fallback(routing_404))
        .route("/share/{id}", get(media::get_page).fallback(routing_404))
        .route("/pictory", any(redirect))
        .route("/pictory/", any(redirect))
        .route(
            envelope::WEB_UI_PATH,
            get(envelope::web_ui).fallback(routing_404),
        )
        .fallback(routing_404)
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(middleware::from_fn_with_state(app.clone(), latency))
        .layer(middleware::from_fn_with_state(app.clone(), watch_secrets))
        .with_state(app))
}

/// Adds the fault plan's latency before every answer.
async fn latency(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let delay = app.config.faults.latency;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    next.run(req).await
}

/// Counts every request whose URL or headers carry a secret where it
/// does not belong (see [`Counters::token_at_pictory`](super::Counters::token_at_pictory)).
async fn watch_secrets(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut seen = String::new();
    if let Some(pq) = req.uri().path_and_query() {
        seen.push_str(pq.as_str());
    }
    for (name, value) in req.headers() {
        seen.push(' ');
        seen.push_str(name.as_str());
        seen.push(':');
        seen.push_str(&String::from_utf8_lossy(value.as_bytes()));
    }
    super::secrets::count(&app, req.uri().path(), seen.as_bytes());
    next.run(req).await
}

/// The unknown-route answer ([`SimConfig::unknown_route`](super::SimConfig::unknown_route)), counted.
async fn routing_404(State(app): State<Arc<App>>, req: Request) -> Response {
    app.count(|c| c.route_not_found += 1);
    envelope::unknown_route(
        app.config.unknown_route,
        req.method().as_str(),
        req.uri().path(),
    )
}

/// A bare `/pictory`: LowCodeAPI redirects to its web UI.
async fn redirect(State(app): State<Arc<App>>) -> Response {
    envelope::redirect_to_ui(&app.origin)
}

/// A JSON answer in the profile's envelope.
fn json_response(app: &App, reply: Reply, fault: Fault) -> Response {
    let (status, bytes) = envelope::render(app.config.profile, reply);
    faults::finish(status, envelope::json_headers(), bytes, fault)
}

/// `429` with `Retry-After`, nothing processed.
fn too_many_requests(app: &App, retry_after: HeaderValue) -> Response {
    let mut response = json_response(
        app,
        Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "Too many requests, slow down",
        ),
        Fault::None,
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, retry_after);
    response
}

/// Whether the simulator serves `op` in `format` under its configuration.
fn is_served(app: &App, op: &OperationSpec, format: Format) -> bool {
    let config = &app.config;
    if op.id == "get_job" && !config.job_route {
        return false;
    }
    op.path_params.is_empty()
        || match format {
            Format::New => config.serves_new_format(),
            Format::Old => config.old_format,
        }
}

/// The decoded query pairs of a request.
fn query_pairs(req: &Request) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// The pipeline for one operation request.
async fn handle_operation(
    app: Arc<App>,
    route: RouteInfo,
    params: Result<Path<Vec<(String, String)>>, PathRejection>,
    req: Request,
) -> Response {
    let RouteInfo { op, format, face } = route;
    if face == Face::Pictory {
        return handle_pictory(app, op, params, req).await;
    }
    if !is_served(&app, op, format) {
        return routing_404(State(app.clone()), req).await;
    }
    app.count(|c| {
        *c.requests
            .entry((op.id.to_string(), format.as_str().to_string()))
            .or_default() += 1;
    });

    let query = query_pairs(&req);
    let token = match check_token(&app, &req, &query) {
        Ok(token) => token,
        Err(reply) => {
            app.count(|c| c.unauthorized += 1);
            return json_response(&app, reply, Fault::None);
        }
    };
    if let Err(after) = app.limiter.check(token) {
        app.count(|c| c.rate_limited += 1);
        return too_many_requests(&app, HeaderValue::from(after.as_secs()));
    }

    let fault = if app.config.faults.applies_to(op.id) {
        app.faults.decide()
    } else {
        Fault::None
    };
    if let Some(key) = fault.key() {
        app.count(|c| super::counters::bump(&mut c.faults, key));
    }
    match fault {
        Fault::RateLimited => return too_many_requests(&app, app.faults.retry_after()),
        Fault::Unavailable(status) => {
            let code = if status == StatusCode::BAD_GATEWAY {
                "BAD_GATEWAY"
            } else {
                "SERVICE_UNAVAILABLE"
            };
            return json_response(
                &app,
                Reply::error(status, code, "The upstream service is unavailable"),
                Fault::None,
            );
        }
        _ => {}
    }

    let values = match path_values(op, format, params, &query) {
        Ok(values) => values,
        Err(reply) => return json_response(&app, reply, fault),
    };
    let input = match read_input(&app, op, req).await {
        Ok(input) => input,
        Err(reply) => return json_response(&app, reply, fault),
    };
    let (target, forwarded) = forwarded(app.config.profile, op, &values, &query);
    app.keep_forwarded(op.id, target);
    let reply = ops::dispatch(&app, op, &values, &forwarded, input);
    let reply = checked_answer(&app, op, reply);
    json_response(&app, reply, fault)
}

/// The request's `api_token`, when the configuration accepts it; else
/// LowCodeAPI's refusal. A missing token or one without the `at_` prefix
/// gets the 401 (under the open-source profile echoing the request in
/// `error.logging`, as the real server does); a token with the prefix that
/// is not listed gets the open-source server's 403 `Invalid api_token`
/// (the hosted profile, whose answer is not documented, keeps the 401).
fn check_token<'q>(
    app: &App,
    req: &Request,
    query: &'q [(String, String)],
) -> Result<&'q str, Reply> {
    let token = query
        .iter()
        .find(|(k, _)| k == "api_token")
        .map(|(_, v)| v.as_str());
    match token {
        Some(token) if app.config.accepts(token) => Ok(token),
        Some(token)
            if token.starts_with(TOKEN_PREFIX) && app.config.profile == SimProfile::OpenSource =>
        {
            Err(Reply::unknown_token())
        }
        _ if app.config.profile == SimProfile::OpenSource => {
            Err(Reply::bad_token(envelope::token_logging(
                req.method().as_str(),
                req.uri().path(),
                req.headers(),
                query,
            )))
        }
        _ => Err(Reply::bad_token(json!({}))),
    }
}

/// What LowCodeAPI passes on to Pictory for a request that got through:
/// the operation's path with its values in place, and the query pairs,
/// `api_token` left out. LowCodeAPI's open-source server builds that
/// query from all the values it got (`qs.stringify({...query, ...params})`
/// in its dispatcher, where only the path-less copy should go), so the
/// path values travel again as query parameters under their wire names;
/// the hosted profile passes only the other query parameters. Returns the
/// target (`/pictoryapis/v1/templates/abc?templateId=abc`) and the pairs.
fn forwarded(
    profile: SimProfile,
    op: &OperationSpec,
    values: &HashMap<String, String>,
    query: &[(String, String)],
) -> (String, Vec<(String, String)>) {
    // Placeholders are filled in order (their names may be the wire ones);
    // LowCodeAPI puts each value in as it is, unencoded.
    let mut names = op.path_params.iter();
    let mut path = String::with_capacity(op.path.len() + 40);
    for segment in op.path.split('/').skip(1) {
        path.push('/');
        if segment.starts_with('{') && segment.ends_with('}') {
            let value = names.next().and_then(|name| values.get(*name));
            path.push_str(value.map_or(segment, String::as_str));
        } else {
            path.push_str(segment);
        }
    }
    let wire_names: Vec<&str> = op.path_params.iter().map(|n| op.wire_name(n)).collect();
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "api_token")
        .filter(|(k, _)| profile == SimProfile::OpenSource || !wire_names.contains(&k.as_str()))
        .cloned()
        .collect();
    if profile == SimProfile::OpenSource {
        for (name, wire) in op.path_params.iter().zip(&wire_names) {
            if let Some(value) = values.get(*name)
                && !pairs.iter().any(|(k, _)| k == wire)
            {
                pairs.push((wire.to_string(), value.clone()));
            }
        }
    }
    let mut target = path;
    if !pairs.is_empty() {
        target.push('?');
        target.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish(),
        );
    }
    (target, pairs)
}

/// One operation at Pictory's own face: the API key in `Authorization`,
/// path values in the path, Pictory's bare body (no envelope, no faults).
async fn handle_pictory(
    app: Arc<App>,
    op: &'static OperationSpec,
    params: Result<Path<Vec<(String, String)>>, PathRejection>,
    req: Request,
) -> Response {
    app.count(|c| super::counters::bump(&mut c.pictory_requests, op.id));
    let bare = |reply: Reply| {
        let (status, bytes) = envelope::render_bare(reply);
        faults::finish(status, envelope::json_headers(), bytes, Fault::None)
    };
    let authorized = header_str(req.headers().get(header::AUTHORIZATION))
        .is_some_and(|key| app.config.accepts_key(key));
    if !authorized {
        app.count(|c| c.unauthorized += 1);
        return bare(envelope::pictory_unauthorized());
    }
    let query = query_pairs(&req);
    let values = match path_values(op, Format::New, params, &query) {
        Ok(values) => values,
        Err(reply) => return bare(reply),
    };
    let input = match read_input(&app, op, req).await {
        Ok(input) => input,
        Err(reply) => return bare(reply),
    };
    let reply = ops::dispatch(&app, op, &values, &query, input);
    bare(checked_answer(&app, op, reply))
}

/// A successful answer that does not fit the operation's response schema
/// is the simulator's own bug: it is counted
/// ([`Counters::answers_off_spec`](super::Counters::answers_off_spec)),
/// logged, and answered as a 500 naming the problem, so no test can pass on
/// a body the generated types would not accept.
fn checked_answer(app: &App, op: &OperationSpec, reply: Reply) -> Reply {
    let Reply::Ok(body) = &reply else {
        return reply;
    };
    let problems = app.schemas.check_answer(op, body);
    if problems.is_empty() {
        return reply;
    }
    app.count(|c| c.answers_off_spec += 1);
    tracing::error!(
        operation = op.id,
        ?problems,
        "simulator answer does not fit the spec"
    );
    Reply::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "SIMULATOR_ANSWER_OFF_SPEC",
        format!("{}: {}", op.id, problems.join("; ")),
    )
}

/// The path-parameter values by public name: from the path (new format) or
/// from the query under the parameter's wire name (old format; missing → 400).
fn path_values(
    op: &OperationSpec,
    format: Format,
    params: Result<Path<Vec<(String, String)>>, PathRejection>,
    query: &[(String, String)],
) -> Result<HashMap<String, String>, Reply> {
    let mut out = HashMap::new();
    if op.path_params.is_empty() {
        return Ok(out);
    }
    match format {
        Format::New => {
            let Path(pairs) = params.map_err(|e| {
                Reply::error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_PATH",
                    format!("bad path parameter: {e}"),
                )
            })?;
            out.extend(pairs);
        }
        Format::Old => {
            let mut missing = Vec::new();
            for name in op.path_params {
                let wire = op.wire_name(name);
                match query.iter().find(|(k, _)| k == wire) {
                    Some((_, v)) if !v.is_empty() => {
                        out.insert(name.to_string(), v.clone());
                    }
                    _ => missing.push((wire.to_string(), vec!["is required".to_string()])),
                }
            }
            if !missing.is_empty() {
                return Err(Reply::validation(missing));
            }
        }
    }
    Ok(out)
}

/// Reads and checks the body: JSON kept (see [`App::received`]) and
/// validated against the spec and Pictory's rules; for a file upload a
/// multipart form parsed into parts or raw `application/octet-stream`
/// bytes; nothing for bodiless operations.
async fn read_input(app: &App, op: &OperationSpec, req: Request) -> Result<Input, Reply> {
    let path = req.uri().path().to_string();
    match op.body {
        BodyKind::None => Ok(Input::None),
        BodyKind::Json => {
            let bytes = axum::body::to_bytes(req.into_body(), JSON_LIMIT)
                .await
                .map_err(|e| {
                    Reply::error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "BODY_UNREADABLE",
                        format!("request body unreadable or larger than {JSON_LIMIT} bytes: {e}"),
                    )
                })?;
            let body: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
                if app.schemas.body_required(op) {
                    return Err(Reply::invalid_field("body", "is required"));
                }
                Value::Object(Default::default())
            } else {
                serde_json::from_slice(&bytes)
                    .map_err(|e| Reply::invalid_field("body", &format!("is not valid JSON: {e}")))?
            };
            super::secrets::count(app, &path, &bytes);
            app.keep_received(op.id, &body);
            let errors = app.schemas.check(op, &body);
            if errors.is_empty() {
                Ok(Input::Json(body))
            } else {
                Err(Reply::validation(errors))
            }
        }
        BodyKind::Manual => {
            let media_type = header_str(req.headers().get(header::CONTENT_TYPE))
                .unwrap_or("")
                .to_ascii_lowercase();
            if media_type.starts_with("multipart/form-data") {
                read_form(req).await.map(Input::Form)
            } else if media_type.starts_with("application/octet-stream") {
                axum::body::to_bytes(req.into_body(), FORM_LIMIT)
                    .await
                    .map(Input::Bytes)
                    .map_err(|e| {
                        Reply::error(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "BODY_UNREADABLE",
                            format!(
                                "request body unreadable or larger than {FORM_LIMIT} bytes: {e}"
                            ),
                        )
                    })
            } else {
                Ok(Input::None)
            }
        }
    }
}

/// Parses a `multipart/form-data` body into its parts.
async fn read_form(req: Request) -> Result<Vec<FormPart>, Reply> {
    let bad = |e: String| Reply::error(StatusCode::BAD_REQUEST, "INVALID_MULTIPART", e);
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| bad(format!("unreadable multipart body: {e}")))?;
    let mut parts = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(bad(format!("unreadable multipart body: {e}"))),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| bad(format!("unreadable multipart field {name}: {e}")))?;
        parts.push(FormPart {
            name,
            file_name,
            bytes,
        });
    }
    Ok(parts)
}

/// A header's value as text, if it is present and visible ASCII.
pub(crate) fn header_str(value: Option<&HeaderValue>) -> Option<&str> {
    value.and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_source_server_passes_path_values_on_again_as_query_parameters() {
        let op = OperationSpec::find("get_template").unwrap();
        let values = HashMap::from([("templateId".to_string(), "abc-1".to_string())]);
        let query = vec![
            ("templateId".to_string(), "abc-1".to_string()),
            ("api_token".to_string(), "at_secret".to_string()),
        ];
        let (target, pairs) = forwarded(SimProfile::OpenSource, op, &values, &query);
        assert_eq!(target, "/pictoryapis/v1/templates/abc-1?templateId=abc-1");
        assert_eq!(pairs, vec![("templateId".to_string(), "abc-1".to_string())]);
        let (target, pairs) = forwarded(SimProfile::Hosted, op, &values, &query);
        assert_eq!(target, "/pictoryapis/v1/templates/abc-1");
        assert!(pairs.is_empty());
        // A value that reached the path only (new format) is added to the query too.
        let (target, _) = forwarded(SimProfile::OpenSource, op, &values, &query[1..]);
        assert_eq!(target, "/pictoryapis/v1/templates/abc-1?templateId=abc-1");
        // Other query parameters go on in both profiles; the token never.
        let list = OperationSpec::find("list_aws_connections").unwrap();
        let query = vec![
            ("api_token".to_string(), "at_secret".to_string()),
            ("pageKey".to_string(), "next page".to_string()),
        ];
        for profile in [SimProfile::OpenSource, SimProfile::Hosted] {
            let (target, _) = forwarded(profile, list, &HashMap::new(), &query);
            assert_eq!(target, "/pictoryapis/v1/awsconnections?pageKey=next+page");
        }
    }

    #[test]
    fn old_format_values_are_read_under_the_wire_name_and_kept_under_the_public_name() {
        // `get_template` as the table reads after LowCodeAPI renamed
        // `{templateId}` to `{template_id}` and the overlay kept the public name.
        let op = &OperationSpec {
            wire_path_params: &["template_id"],
            ..*OperationSpec::find("get_template").unwrap()
        };
        let query = vec![("template_id".to_string(), "t1".to_string())];
        let values = path_values(op, Format::Old, Ok(Path(Vec::new())), &query).unwrap();
        assert_eq!(values.get("templateId").map(String::as_str), Some("t1"));
        let public = vec![("templateId".to_string(), "t1".to_string())];
        assert!(path_values(op, Format::Old, Ok(Path(Vec::new())), &public).is_err());
    }
}
