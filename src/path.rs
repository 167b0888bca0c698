//! Path values: what may stand in a URL path segment, and the check that
//! the URL about to be sent is exactly the operation's route.
//!
//! A value reaches a URL in two steps: progenitor's builders take a
//! [`PathValue`] (build.rs maps every path parameter to it), so an unsafe
//! value is refused before any URL is built; and the pipeline checks each
//! attempt's final URL against the operation's route (`check_route`), so
//! nothing a URL parser rewrote (a `\` turned into `/`, a dot segment
//! removed) can send a request to another route.

use crate::fallback::UrlFormat;
use crate::operations::OperationSpec;

/// A value for one path parameter (a template, brand, connection or job
/// id): one URL path segment, checked when it is made.
///
/// Refused: the empty string, `.` and `..`, and any value containing `/`,
/// `\`, `%`, whitespace or control characters. These are the characters a
/// URL parser or a proxy would turn into another path; Pictory's ids never
/// contain them. Everything else is percent-encoded by the generated client
/// and arrives intact.
///
/// ```
/// use pictory::PathValue;
/// assert!(PathValue::new("b8e3-41f7").is_ok());
/// assert!(PathValue::new(r"..\awsconnections\victim").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathValue(String);

impl PathValue {
    /// Checks `value`; the error says why it cannot be a path segment.
    pub fn new(value: impl Into<String>) -> Result<PathValue, String> {
        let value = value.into();
        match problem(&value) {
            None => Ok(PathValue(value)),
            Some(why) => Err(why),
        }
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a path segment encodes: the WHATWG URL standard's path-segment
/// set (the one progenitor's generated client uses too, so both clients
/// put a value on the wire alike): controls, space, `"#<>?`{}/` and `%`;
/// letters, digits, `-._~` and RFC 3986's sub-delimiters stay as they are.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// `value` percent-encoded as one path segment (a checked [`PathValue`]'s
/// text): see [`SEGMENT`]; non-ASCII bytes as `%XX`.
pub(crate) fn encode_segment(value: &str) -> percent_encoding::PercentEncode<'_> {
    percent_encoding::utf8_percent_encode(value, SEGMENT)
}

/// Why `value` cannot be one path segment, if it cannot.
pub(crate) fn problem(value: &str) -> Option<String> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if !value.is_empty() && value.bytes().all(plain) {
        return None; // the common case: a UUID-like id
    }
    if value.is_empty() {
        return Some("a path value is empty".into());
    }
    if value == "." || value == ".." {
        return Some(format!(
            "a path value is {value:?}, a dot segment URLs remove"
        ));
    }
    let bad = value
        .chars()
        .find(|c| matches!(c, '/' | '\\' | '%') || c.is_control() || c.is_whitespace())?;
    Some(format!(
        "a path value contains {bad:?}, which could change the route (ids never contain `/`, `\\`, `%`, spaces or control characters)"
    ))
}

impl std::fmt::Display for PathValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for PathValue {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PathValue::new(s)
    }
}

impl TryFrom<&str> for PathValue {
    type Error = String;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        PathValue::new(s)
    }
}

impl TryFrom<String> for PathValue {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PathValue::new(s)
    }
}

impl TryFrom<&String> for PathValue {
    type Error = String;
    fn try_from(s: &String) -> Result<Self, Self::Error> {
        PathValue::new(s.as_str())
    }
}

impl From<PathValue> for String {
    fn from(v: PathValue) -> String {
        v.0
    }
}

impl serde::Serialize for PathValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PathValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PathValue::new(s).map_err(serde::de::Error::custom)
    }
}

/// Checks that `url` is exactly `op`'s route under `base_path` in `format`:
/// the same literal segments, each path value exactly one segment that
/// decodes to a valid [`PathValue`], and in the old format each value
/// present, intact, in the query under the parameter's wire name. `None` when the
/// URL may be sent; else why not.
pub(crate) fn check_route(
    url: &url::Url,
    base_path: &str,
    op: &OperationSpec,
    format: UrlFormat,
) -> Option<String> {
    let mismatch = || {
        Some(format!(
            "the URL path does not match the route of {} ({}): a path value changed it",
            op.id, op.path
        ))
    };
    let Some(rest) = url.path().strip_prefix(base_path) else {
        return mismatch();
    };
    // Byte splits: paths are ASCII here (the URL parser encoded the rest),
    // and a plain loop beats a char searcher on segments this short.
    let mut actual = rest.as_bytes().split(|b| *b == b'/');
    for template in op.path.as_bytes().split(|b| *b == b'/') {
        let Some(segment) = actual.next() else {
            return mismatch();
        };
        // Literal segments compare as bytes; only a parameter's name and
        // value are read as text.
        let Some(name) = template
            .strip_prefix(b"{")
            .and_then(|s| s.strip_suffix(b"}"))
        else {
            if segment != template {
                return mismatch();
            }
            continue;
        };
        let (Ok(segment), Ok(name)) = (std::str::from_utf8(segment), std::str::from_utf8(name))
        else {
            return mismatch();
        };
        let value = match format {
            UrlFormat::New if !segment.contains('%') => std::borrow::Cow::Borrowed(segment),
            UrlFormat::New => {
                let decoded = percent_encoding::percent_decode_str(segment).decode_utf8();
                match decoded {
                    Ok(v) => v,
                    Err(_) => return mismatch(),
                }
            }
            UrlFormat::Old => {
                let name = op.wire_name(name);
                if !segment.eq_ignore_ascii_case(name) {
                    return mismatch();
                }
                let mut values = url.query_pairs().filter(|(k, _)| k == name);
                match (values.next(), values.next()) {
                    (Some((_, v)), None) => v,
                    _ => {
                        return Some(format!(
                            "the old-format URL of {} must carry {name} once in the query",
                            op.id
                        ));
                    }
                }
            }
        };
        if let Some(why) = problem(&value) {
            return Some(format!("{name}: {why}"));
        }
    }
    if actual.next().is_some() {
        return mismatch();
    }
    None
}

/// The percent-decoded value of path parameter `name` in the new-format
/// URL path `path` of `op`.
pub(crate) fn param_value(
    path: &str,
    base_path: &str,
    op: &OperationSpec,
    name: &str,
) -> Option<String> {
    let rest = path.strip_prefix(base_path)?;
    let position = op
        .path
        .split('/')
        .position(|t| t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) == Some(name))?;
    let segment = rest.split('/').nth(position)?;
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|v| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_could_change_the_route_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            r"..\x",
            "a\\b",
            "%2e%2e",
            "a b",
            "a\tb",
            "a\nb",
            "\u{7f}",
            "x\u{2028}",
        ] {
            assert!(PathValue::new(bad).is_err(), "{bad:?}");
        }
        for good in [
            "abc",
            "981e84c8-bd06-4a65",
            "a.b",
            "...",
            "ü?#x",
            "a+b",
            "a;b",
        ] {
            assert_eq!(PathValue::new(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn route_check() {
        let op = OperationSpec::find("delete_template").unwrap();
        let url = |s: &str| url::Url::parse(s).unwrap();
        let ok = url("http://h/pictory/pictoryapis/v1/templates/a%3Fb");
        assert_eq!(check_route(&ok, "/pictory", op, UrlFormat::New), None);
        let escaped = url(r"http://h/pictory/pictoryapis/v1/templates/..\awsconnections\victim");
        assert!(check_route(&escaped, "/pictory", op, UrlFormat::New).is_some());
        let old =
            url("http://h/pictory/pictoryapis/v1/templates/templateid?api_token=t&templateId=a");
        assert_eq!(check_route(&old, "/pictory", op, UrlFormat::Old), None);
        let twice =
            url("http://h/pictory/pictoryapis/v1/templates/templateid?templateId=a&templateId=b");
        assert!(check_route(&twice, "/pictory", op, UrlFormat::Old).is_some());
        let longer = url("http://h/pictory/pictoryapis/v1/templates/a/b");
        assert!(check_route(&longer, "/pictory", op, UrlFormat::New).is_some());
    }

    /// Every way in makes the same check, and every way out gives the
    /// value as it was made.
    #[test]
    fn conversions_check_and_keep_the_value() {
        let v = PathValue::new("j-1_a").unwrap();
        assert_eq!(v.to_string(), "j-1_a");
        assert_eq!(String::from(v.clone()), "j-1_a");
        assert_eq!("j-1_a".parse::<PathValue>(), Ok(v.clone()));
        assert_eq!(PathValue::try_from("j-1_a"), Ok(v.clone()));
        assert_eq!(PathValue::try_from("j-1_a".to_string()), Ok(v.clone()));
        assert_eq!(PathValue::try_from(&"j-1_a".to_string()), Ok(v.clone()));
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""j-1_a""#);
        assert_eq!(serde_json::from_str::<PathValue>(r#""j-1_a""#).unwrap(), v);
        assert!("a/b".parse::<PathValue>().is_err());
        assert!(PathValue::try_from("..").is_err());
        assert!(PathValue::try_from("a b".to_string()).is_err());
        assert!(PathValue::try_from(&"a%2f".to_string()).is_err());
        assert!(serde_json::from_str::<PathValue>(r#""a\\b""#).is_err());
        assert_eq!(encode_segment("a b/c%d?").to_string(), "a%20b%2Fc%25d%3F");
    }

    /// In the old format the value is the query parameter of the route's
    /// wire name: absent, or present only under another name, the URL is
    /// refused; present but unsafe, too.
    #[test]
    fn old_format_values_come_from_their_own_parameter() {
        let op = OperationSpec::find("delete_template").unwrap();
        let url = |s: &str| url::Url::parse(s).unwrap();
        let base = "http://h/pictory/pictoryapis/v1/templates/templateid";
        for refused in [
            format!("{base}?api_token=t"),
            format!("{base}?api_token=t&other=a"),
            format!("{base}?templateId=a%2Fb"),
            format!("{base}?templateId=.."),
            "http://h/pictory/pictoryapis/v1/templates/other?templateId=a".to_string(),
        ] {
            assert!(
                check_route(&url(&refused), "/pictory", op, UrlFormat::Old).is_some(),
                "{refused}"
            );
        }
        let path = "/pictory/pictoryapis/v1/templates/a%3Fb";
        assert_eq!(
            param_value(path, "/pictory", op, "templateId").as_deref(),
            Some("a?b")
        );
        assert_eq!(param_value(path, "/pictory", op, "jobId"), None);
    }
}
