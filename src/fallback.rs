//! LowCodeAPI's two URL formats, and the new → old fallback.
//!
//! New format: `/pictoryapis/v1/templates/abc123`. Old format: the segment is
//! the parameter's name, lower-cased, and the value moves to the query under
//! the parameter's own name: `/pictoryapis/v1/templates/templateid?templateId=abc123`.
//! That name is LowCodeAPI's current spelling ([`OperationSpec::wire_name`]),
//! which may differ from the public name the generated methods use.
//! The client tries the new format first; on a *routing* 404 (any 404 not
//! positively identified as Pictory's own answer: LowCodeAPI's JSON
//! `{"message": "Not Found"}`, a load balancer's HTML, text or nothing) it
//! re-sends once in the other format, for any method (a 404 means nothing
//! was done), and remembers per operation the format that reached Pictory.

use crate::operations::{OPERATIONS, OperationSpec};
use std::sync::atomic::{AtomicU8, Ordering};

/// Which URL format(s) the client uses for operations with path parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UrlMode {
    /// New format first, old format on a routing 404, the winner remembered
    /// per operation. The default.
    #[default]
    Auto,
    /// New format only.
    NewOnly,
    /// Old format only.
    OldOnly,
}

/// One of LowCodeAPI's URL formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlFormat {
    /// Path parameters in the path.
    New,
    /// Path parameters as query parameters, the segment their lower-cased name.
    Old,
}

/// `new` or `old`.
impl std::fmt::Display for UrlFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl UrlFormat {
    /// `new` or `old`, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            UrlFormat::New => "new",
            UrlFormat::Old => "old",
        }
    }

    /// The other format.
    pub fn other(self) -> UrlFormat {
        match self {
            UrlFormat::New => UrlFormat::Old,
            UrlFormat::Old => UrlFormat::New,
        }
    }
}

/// The format that worked, per operation, for a client's lifetime.
#[derive(Debug)]
pub(crate) struct FormatMemory {
    slots: Vec<AtomicU8>,
}

impl Default for FormatMemory {
    fn default() -> Self {
        FormatMemory {
            slots: OPERATIONS.iter().map(|_| AtomicU8::new(0)).collect(),
        }
    }
}

impl FormatMemory {
    /// The remembered format of an operation, if one worked already.
    pub(crate) fn get(&self, op: &OperationSpec) -> Option<UrlFormat> {
        match self.slots[op.index()].load(Ordering::Relaxed) {
            1 => Some(UrlFormat::New),
            2 => Some(UrlFormat::Old),
            _ => None,
        }
    }

    /// Remembers `format` for `op`; true when that is news.
    pub(crate) fn learn(&self, op: &OperationSpec, format: UrlFormat) -> bool {
        let v = match format {
            UrlFormat::New => 1,
            UrlFormat::Old => 2,
        };
        self.slots[op.index()].swap(v, Ordering::Relaxed) != v
    }

    /// The format to try first for `op` under `mode`.
    pub(crate) fn first_format(&self, mode: UrlMode, op: &OperationSpec) -> UrlFormat {
        match mode {
            UrlMode::NewOnly => UrlFormat::New,
            UrlMode::OldOnly if !op.path_params.is_empty() => UrlFormat::Old,
            UrlMode::OldOnly => UrlFormat::New,
            UrlMode::Auto => self.get(op).unwrap_or(UrlFormat::New),
        }
    }
}

/// Rewrites a new-format URL of `op` into the old format. `base_path` is the
/// path of the client's base URL (`/pictory`). `None` if the URL does not
/// match the operation's template.
pub(crate) fn to_old_format(
    url: &url::Url,
    base_path: &str,
    op: &OperationSpec,
) -> Option<url::Url> {
    let rest = url.path().strip_prefix(base_path.trim_end_matches('/'))?;
    let actual: Vec<&str> = rest.split('/').collect();
    let template: Vec<&str> = op.path.split('/').collect();
    if actual.len() != template.len() {
        return None;
    }
    let mut values = Vec::new();
    let mut segments = Vec::new();
    for (t, a) in template.iter().zip(&actual) {
        match t.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let value = percent_encoding::percent_decode_str(a).decode_utf8().ok()?;
                let wire = op.wire_name(name);
                values.push((wire, value.into_owned()));
                segments.push(wire.to_lowercase());
            }
            None if t == a => segments.push(t.to_string()),
            None => return None,
        }
    }
    let mut out = url.clone();
    out.set_path(&format!(
        "{}{}",
        base_path.trim_end_matches('/'),
        segments.join("/")
    ));
    {
        let mut q = out.query_pairs_mut();
        for (name, value) in values {
            q.append_pair(name, &value);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_to_old_format_with_encoded_values() {
        let op = OperationSpec::find("get_template").unwrap();
        let url =
            url::Url::parse("http://h:1/pictory/pictoryapis/v1/templates/a%20b%2Fc?api_token=T")
                .unwrap();
        let old = to_old_format(&url, "/pictory", op).unwrap();
        assert_eq!(
            old.as_str(),
            "http://h:1/pictory/pictoryapis/v1/templates/templateid?api_token=T&templateId=a+b%2Fc"
        );
        assert_eq!(op.old_format_path(), "/pictoryapis/v1/templates/templateid");
    }

    #[test]
    fn the_old_format_carries_the_upstream_name_after_a_rename() {
        let op = &crate::operations::tests::RENAMED_GET_TEMPLATE;
        let url =
            url::Url::parse("http://h:1/pictory/pictoryapis/v1/templates/abc?api_token=T").unwrap();
        let old = to_old_format(&url, "/pictory", op).unwrap();
        assert_eq!(
            old.as_str(),
            "http://h:1/pictory/pictoryapis/v1/templates/template_id?api_token=T&template_id=abc"
        );
        assert_eq!(
            crate::path::check_route(&old, "/pictory", op, UrlFormat::Old),
            None
        );
        // The public name is not what the old format sends.
        let public = url::Url::parse(
            "http://h:1/pictory/pictoryapis/v1/templates/templateid?api_token=T&templateId=abc",
        )
        .unwrap();
        assert!(crate::path::check_route(&public, "/pictory", op, UrlFormat::Old).is_some());
    }

    #[test]
    fn memory_remembers_per_operation() {
        let m = FormatMemory::default();
        let op = OperationSpec::find("get_job").unwrap();
        assert_eq!(m.first_format(UrlMode::Auto, op), UrlFormat::New);
        assert!(m.learn(op, UrlFormat::Old));
        assert!(!m.learn(op, UrlFormat::Old));
        assert_eq!(m.first_format(UrlMode::Auto, op), UrlFormat::Old);
        let other = OperationSpec::find("get_brand").unwrap();
        assert_eq!(m.first_format(UrlMode::Auto, other), UrlFormat::New);
    }

    proptest::proptest! {
        #[test]
        fn old_format_carries_the_exact_value(value in "\\PC{1,20}") {
            proptest::prop_assume!(value != "." && value != "..");
            let op = OperationSpec::find("get_template").unwrap();
            let encoded = percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC).to_string();
            let url = url::Url::parse(&format!("http://h/pictory/pictoryapis/v1/templates/{encoded}?api_token=T")).unwrap();
            let old = to_old_format(&url, "/pictory", op).expect("matches the template");
            proptest::prop_assert_eq!(old.path(), "/pictory/pictoryapis/v1/templates/templateid");
            let got: Vec<(String, String)> = old.query_pairs().into_owned().collect();
            proptest::prop_assert!(got.contains(&("templateId".to_string(), value.clone())), "{:?}", got);
        }
    }
}
