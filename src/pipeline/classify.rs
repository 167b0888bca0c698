//! The one place that decides which [`Error`] an unsuccessful answer or a
//! failed attempt is. Every text it stores is already redacted; here it is
//! cut to bounded sizes.

use super::attempt::Failure;
use crate::envelope::{FieldError, decode_error, truncate};
use crate::error::{Error, ErrorResponse, TransportKind};
use crate::fallback::UrlFormat;
use std::time::Duration;

/// Longest error code kept, in characters.
const CODE_MAX: usize = 128;
/// Longest error message kept.
const MESSAGE_MAX: usize = 1024;
/// Longest body excerpt kept.
const BODY_MAX: usize = 2048;
/// Most field errors kept, and most messages per field.
const FIELDS_MAX: usize = 32;
const FIELD_MESSAGES_MAX: usize = 8;
/// Longest field name or field message kept.
const FIELD_TEXT_MAX: usize = 512;

/// What the pipeline knows about the call when it gives up.
pub(crate) struct Context<'a> {
    pub(crate) operation: &'static str,
    pub(crate) idempotent: bool,
    pub(crate) attempts: u32,
    /// URL formats that met a routing miss.
    pub(crate) misses: Misses,
    /// The service asked (`None`: an external host).
    pub(crate) host: Option<super::Host>,
    /// Where the job id is, for operations with a `job_id` path value.
    pub(crate) job: Option<JobRef<'a>>,
}

/// The URL path that carries a call's `job_id`, read only when needed.
#[derive(Clone, Copy)]
pub(crate) struct JobRef<'a> {
    pub(crate) path: &'a str,
    pub(crate) base_path: &'a str,
    pub(crate) op: &'static crate::operations::OperationSpec,
}

impl JobRef<'_> {
    fn id(self) -> String {
        crate::path::param_value(self.path, self.base_path, self.op, "job_id").unwrap_or_default()
    }
}

/// The URL formats that met a routing miss during one call.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Misses {
    new: bool,
    old: bool,
}

impl Misses {
    pub(crate) fn add(&mut self, format: UrlFormat) {
        match format {
            UrlFormat::New => self.new = true,
            UrlFormat::Old => self.old = true,
        }
    }

    pub(crate) fn contains(self, format: UrlFormat) -> bool {
        match format {
            UrlFormat::New => self.new,
            UrlFormat::Old => self.old,
        }
    }
}

/// The error for an answer with a non-2xx, non-3xx status.
pub(crate) fn status_error(
    ctx: &Context<'_>,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    pictory_answer: bool,
) -> Error {
    let operation = ctx.operation;
    if pictory_answer && ctx.job.is_some() && is_job_not_found(body) {
        return job_not_found(ctx);
    }
    let details = decode_error(body);
    let response = ErrorResponse {
        status,
        code: details.code.as_deref().map(|c| line(c, CODE_MAX)),
        message: details.message.as_deref().map(|m| line(m, MESSAGE_MAX)),
        body: truncate(&String::from_utf8_lossy(body), BODY_MAX),
    };
    // The variants that carry only the operation and the response.
    macro_rules! plain {
        ($variant:ident) => {
            Error::$variant {
                operation,
                response,
            }
        };
    }
    match status {
        400 | 422 => Error::BadRequest {
            operation,
            response,
            fields: bounded_fields(details.fields),
        },
        // LowCodeAPI's server answers an `at_` token no account holds with
        // 403 `Invalid api_token`: the token was refused, as with its 401.
        403 if ctx.host == Some(super::Host::LowCodeApi)
            && response
                .message
                .as_deref()
                .is_some_and(crate::wire::is_unknown_token) =>
        {
            Error::Unauthorized {
                operation,
                response,
                credential: super::Host::LowCodeApi.credential(),
            }
        }
        401 => Error::Unauthorized {
            operation,
            response,
            credential: ctx.host.map_or("the file URL", super::Host::credential),
        },
        403 => plain!(Forbidden),
        404 if !pictory_answer => Error::RouteNotFound {
            operation,
            tried: tried(ctx.misses),
            response,
        },
        404 => plain!(NotFound),
        429 => Error::RateLimited {
            operation,
            retry_after,
            response,
        },
        // A proxy's 5xx can come after it forwarded the request.
        500 | 502 | 503 | 504 if !ctx.idempotent => Error::PossiblyProcessed {
            operation,
            status: Some(status),
            reason: response.to_string(),
        },
        500 | 502 | 503 | 504 => plain!(Server),
        _ => plain!(UnexpectedStatus),
    }
}

/// Whether `body` is Pictory's `JOB_NOT_FOUND` answer.
pub(crate) fn is_job_not_found(body: &[u8]) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(crate::wire::JOB_NOT_FOUND));
    FINDER.find(body).is_some()
        && serde_json::from_slice::<serde_json::Value>(body)
            .is_ok_and(|v| crate::wire::is_job_not_found(&v))
}

/// [`Error::JobNotFound`] for the call's job id: the same error whichever
/// way the job was read (a typed call or a job handle).
pub(crate) fn job_not_found(ctx: &Context<'_>) -> Error {
    Error::JobNotFound {
        job_id: ctx.job.map(JobRef::id).unwrap_or_default(),
    }
}

/// The error for an attempt that got no answer.
pub(crate) fn failure_error(ctx: &Context<'_>, failure: &Failure) -> Error {
    let operation = ctx.operation;
    let message = line(&failure.message, MESSAGE_MAX);
    if failure.maybe_sent && !ctx.idempotent {
        let what = if failure.timed_out {
            "timed out after sending"
        } else {
            "connection broke after sending"
        };
        return Error::PossiblyProcessed {
            operation,
            status: None,
            reason: format!("{what}: {message}"),
        };
    }
    if failure.timed_out {
        return Error::Timeout {
            operation,
            attempts: ctx.attempts,
            sent: failure.maybe_sent,
        };
    }
    Error::Transport {
        operation,
        kind: if failure.maybe_sent {
            TransportKind::Reset
        } else {
            TransportKind::Connect
        },
        attempts: ctx.attempts,
        message,
    }
}

/// The error for a redirect, which is never followed.
pub(crate) fn redirect_error(
    ctx: &Context<'_>,
    status: u16,
    location: Option<&str>,
    redactor: &crate::redact::Redactor,
) -> Error {
    Error::Redirect {
        operation: ctx.operation,
        status,
        location: location.map(|l| truncate(&redactor.text(l), 256)),
    }
}

fn tried(misses: Misses) -> &'static str {
    match (misses.new, misses.old) {
        (true, true) => "both the new and the old URL format",
        (false, true) => "the old URL format",
        _ => "the new URL format",
    }
}

/// `s` cut to `max` characters, on one line (control characters become
/// spaces), for text that ends up in an error's `Display`.
fn line(s: &str, max: usize) -> String {
    let cut = truncate(s, max);
    if cut.chars().any(char::is_control) {
        cut.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        cut
    }
}

fn bounded_fields(fields: Vec<FieldError>) -> Vec<FieldError> {
    fields
        .into_iter()
        .take(FIELDS_MAX)
        .map(|f| FieldError {
            name: line(&f.name, FIELD_TEXT_MAX),
            errors: f
                .errors
                .iter()
                .take(FIELD_MESSAGES_MAX)
                .map(|e| line(e, FIELD_TEXT_MAX))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::OperationSpec;

    fn ctx(op: &'static str, idempotent: bool, job: Option<JobRef<'static>>) -> Context<'static> {
        Context {
            operation: op,
            idempotent,
            attempts: 1,
            misses: Misses::default(),
            host: Some(super::super::Host::LowCodeApi),
            job,
        }
    }

    fn job_ref() -> JobRef<'static> {
        JobRef {
            path: "/pictory/pictoryapis/v1/jobs/j-1",
            base_path: "/pictory",
            op: OperationSpec::find("get_job").unwrap(),
        }
    }

    /// Only Pictory's `JOB_NOT_FOUND` answer, on a job read, is
    /// `JobNotFound`: the text alone in another body, or on an operation
    /// without a job id, is not.
    #[test]
    fn job_not_found_only_for_the_answer_on_a_job_read() {
        let real = br#"{"success": false, "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}}"#;
        let e = status_error(
            &ctx("get_job", true, Some(job_ref())),
            404,
            None,
            real,
            true,
        );
        assert!(
            matches!(&e, Error::JobNotFound { job_id } if job_id == "j-1"),
            "{e:?}"
        );
        // A 503 that merely mentions the text stays a retryable server error.
        let mention = br#"{"message": "upstream said JOB_NOT_FOUND a while ago"}"#;
        let e = status_error(
            &ctx("get_job", true, Some(job_ref())),
            503,
            None,
            mention,
            false,
        );
        assert!(
            matches!(e, Error::Server { .. }) && e.is_transient(),
            "{e:?}"
        );
        // The same answer to an operation that has no job id.
        let e = status_error(&ctx("get_template", true, None), 404, None, real, true);
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    }

    /// A 404 that did not reach Pictory is a routing miss naming the formats
    /// tried; one that did is `NotFound`.
    #[test]
    fn routing_miss_or_not_found() {
        let mut c = ctx("get_template", true, None);
        c.misses.add(UrlFormat::New);
        c.misses.add(UrlFormat::Old);
        let e = status_error(&c, 404, None, b"{\"message\": \"Not Found\"}", false);
        assert!(
            matches!(
                e,
                Error::RouteNotFound {
                    tried: "both the new and the old URL format",
                    ..
                }
            ),
            "{e:?}"
        );
        let e = status_error(&c, 404, None, b"{}", true);
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    }

    /// Texts kept in errors are bounded and on one line.
    #[test]
    fn kept_texts_are_bounded_and_on_one_line() {
        let long = format!("{{\"message\": \"{}\nsecond line\"}}", "m".repeat(5000));
        let e = status_error(&ctx("op", true, None), 400, None, long.as_bytes(), true);
        let Error::BadRequest { response, .. } = &e else {
            panic!("{e:?}")
        };
        let message = response.message.as_deref().unwrap();
        assert!(
            message.chars().count() <= MESSAGE_MAX + 1,
            "{}",
            message.len()
        );
        assert!(!message.contains('\n'));
        assert!(response.body.chars().count() <= BODY_MAX + 1);
    }

    /// LowCodeAPI's 403 `Invalid api_token` (an `at_` token no account
    /// holds) is the token refused, like its 401; any other 403, or the
    /// same words from Pictory's own host, stays `Forbidden`.
    #[test]
    fn lowcodeapis_403_for_an_unknown_token_is_unauthorized() {
        let body = br#"{"message":"Invalid api_token","provider":"pictory","error":{"code":403}}"#;
        let e = status_error(&ctx("list_templates", true, None), 403, None, body, true);
        match &e {
            Error::Unauthorized {
                credential,
                response,
                ..
            } => {
                assert_eq!(*credential, "LOWCODEAPI_API_TOKEN");
                assert_eq!(response.message.as_deref(), Some("Invalid api_token"));
            }
            other => panic!("{other:?}"),
        }
        assert!(!e.is_transient() && !e.may_have_been_processed());
        let other = br#"{"message":"No pictory credential associated with this api_token."}"#;
        let e = status_error(&ctx("list_templates", true, None), 403, None, other, true);
        assert!(matches!(e, Error::Forbidden { .. }), "{e:?}");
        let mut pictory = ctx("list_templates", true, None);
        pictory.host = Some(super::super::Host::Pictory);
        let e = status_error(&pictory, 403, None, body, true);
        assert!(matches!(e, Error::Forbidden { .. }), "{e:?}");
    }

    /// Each status is its own error, whatever the body says.
    #[test]
    fn each_status_is_its_error() {
        let c = ctx("get_template", true, None);
        let body = br#"{"message": "no"}"#;
        let e = status_error(&c, 401, None, body, true);
        assert!(
            matches!(e, Error::Unauthorized { credential, .. } if credential == crate::client::TOKEN_ENV),
            "{e:?}"
        );
        let mut external = ctx("upload", false, None);
        external.host = None;
        let e = status_error(&external, 401, None, body, false);
        assert!(
            matches!(
                e,
                Error::Unauthorized {
                    credential: "the file URL",
                    ..
                }
            ),
            "{e:?}"
        );
        let e = status_error(&c, 403, None, body, true);
        assert!(matches!(e, Error::Forbidden { .. }), "{e:?}");
        let e = status_error(&c, 422, None, body, true);
        assert!(matches!(e, Error::BadRequest { .. }), "{e:?}");
        let e = status_error(&c, 418, None, body, true);
        assert!(matches!(e, Error::UnexpectedStatus { .. }), "{e:?}");
        let after = Some(Duration::from_secs(3));
        let e = status_error(&c, 429, after, body, true);
        assert!(
            matches!(e, Error::RateLimited { retry_after, .. } if retry_after == after),
            "{e:?}"
        );
    }

    /// A routing miss names exactly the formats that missed.
    #[test]
    fn a_routing_miss_names_the_formats_tried() {
        let miss = |formats: &[UrlFormat]| {
            let mut c = ctx("get_template", true, None);
            for f in formats {
                c.misses.add(*f);
            }
            match status_error(&c, 404, None, b"", false) {
                Error::RouteNotFound { tried, .. } => tried,
                e => panic!("{e:?}"),
            }
        };
        assert_eq!(miss(&[UrlFormat::Old]), "the old URL format");
        assert_eq!(miss(&[UrlFormat::New]), "the new URL format");
        assert_eq!(miss(&[]), "the new URL format");
        let mut m = Misses::default();
        assert!(!m.contains(UrlFormat::New) && !m.contains(UrlFormat::Old));
        m.add(UrlFormat::Old);
        assert!(!m.contains(UrlFormat::New) && m.contains(UrlFormat::Old));
        m.add(UrlFormat::New);
        assert!(m.contains(UrlFormat::New) && m.contains(UrlFormat::Old));
    }

    /// On a job read, Pictory's answer is `JobNotFound` only when it is
    /// the `JOB_NOT_FOUND` answer: another 404 stays `NotFound`, a 5xx
    /// whose text mentions it stays a server error, and the same answer
    /// from something that is not Pictory (a proxy's page) is no job answer.
    #[test]
    fn job_not_found_needs_the_answer_from_pictory() {
        let job = ctx("get_job", true, Some(job_ref()));
        let plain_404 =
            br#"{"success": false, "data": {"error_code": "404", "error_message": "Not Found"}}"#;
        let e = status_error(&job, 404, None, plain_404, true);
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
        let mention =
            br#"{"success": false, "data": {"error_message": "upstream said JOB_NOT_FOUND"}}"#;
        let e = status_error(&job, 503, None, mention, true);
        assert!(matches!(e, Error::Server { .. }), "{e:?}");
        assert!(!is_job_not_found(mention));
        let real = br#"{"success": false, "data": {"error_code": "5000", "error_message": "JOB_NOT_FOUND"}}"#;
        assert!(is_job_not_found(real));
        let e = status_error(&job, 404, None, real, false);
        assert!(matches!(e, Error::RouteNotFound { .. }), "{e:?}");
    }

    /// The error of an attempt without an answer: nothing sent is a
    /// connect failure to any method; sent, a read gets a reset or a
    /// timeout, a create `PossiblyProcessed`.
    #[test]
    fn failures_by_method_and_what_was_sent() {
        let failure = |maybe_sent, timed_out| Failure {
            maybe_sent,
            timed_out,
            message: "broke\nhere".into(),
            source: None,
        };
        for idempotent in [true, false] {
            let e = failure_error(&ctx("op", idempotent, None), &failure(false, false));
            assert!(
                matches!(&e, Error::Transport { kind: TransportKind::Connect, message, .. } if message == "broke here"),
                "{e:?}"
            );
            let e = failure_error(&ctx("op", idempotent, None), &failure(false, true));
            assert!(matches!(e, Error::Timeout { sent: false, .. }), "{e:?}");
        }
        let read = ctx("op", true, None);
        let e = failure_error(&read, &failure(true, false));
        assert!(
            matches!(
                e,
                Error::Transport {
                    kind: TransportKind::Reset,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = failure_error(&read, &failure(true, true));
        assert!(matches!(e, Error::Timeout { sent: true, .. }), "{e:?}");
        let create = ctx("op", false, None);
        let e = failure_error(&create, &failure(true, true));
        assert!(
            matches!(&e, Error::PossiblyProcessed { status: None, reason, .. } if reason == "timed out after sending: broke here"),
            "{e:?}"
        );
        let e = failure_error(&create, &failure(true, false));
        assert!(
            matches!(&e, Error::PossiblyProcessed { status: None, reason, .. } if reason == "connection broke after sending: broke here"),
            "{e:?}"
        );
    }

    /// What a 400 keeps: its code, message (on one line) and field errors,
    /// as Pictory gave them.
    #[test]
    fn a_bad_request_keeps_code_message_and_fields() {
        let body = br#"{"error": {"code": "VALIDATION", "message": "Invalid\ninput", "fields": [{"name": "videoName", "errors": ["is required", "is\tshort"]}]}}"#;
        let e = status_error(&ctx("op", false, None), 400, None, body, true);
        let Error::BadRequest {
            response, fields, ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(response.status, 400);
        assert_eq!(response.code.as_deref(), Some("VALIDATION"));
        assert_eq!(response.message.as_deref(), Some("Invalid input"));
        assert_eq!(response.body, String::from_utf8_lossy(body));
        assert_eq!(
            fields,
            &vec![FieldError {
                name: "videoName".into(),
                errors: vec!["is required".into(), "is short".into()],
            }]
        );
        // Bounded: at most 32 fields of at most 8 messages each.
        let many: Vec<serde_json::Value> = (0..40)
            .map(|i| serde_json::json!({"name": format!("f{i}"), "errors": vec!["e"; 20]}))
            .collect();
        let body = serde_json::json!({"fields": many}).to_string();
        let e = status_error(&ctx("op", false, None), 400, None, body.as_bytes(), true);
        let fields = e.field_errors();
        assert_eq!(fields.len(), FIELDS_MAX);
        assert!(fields.iter().all(|f| f.errors.len() == FIELD_MESSAGES_MAX));
        assert_eq!(fields[31].name, "f31");
    }

    /// A redirect keeps its status and its redacted, bounded location.
    #[test]
    fn a_redirect_keeps_its_location_redacted() {
        let red = crate::redact::Redactor::new(["at_secret-123"]);
        let e = redirect_error(
            &ctx("op", true, None),
            302,
            Some("https://x/?api_token=at_secret-123"),
            &red,
        );
        assert!(
            matches!(&e, Error::Redirect { status: 302, location: Some(l), .. } if l == "https://x/?api_token=[REDACTED]"),
            "{e:?}"
        );
    }
}
