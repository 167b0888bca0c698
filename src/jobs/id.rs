//! Job ids, and the check that makes one safe to put in a URL path.

use crate::error::{Error, Result};

/// A Pictory job id.
///
/// Ids read from a response or webhook body always pass [`JobId::parse`]
/// first. Ids the caller gives (`JobId::from("...")`, `client.job("...")`)
/// are checked the same way before any URL is built from them, so an unsafe
/// id is an [`Error::InvalidRequest`] and nothing is sent.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct JobId(String);

impl JobId {
    /// Checks that `id` is one safe path segment: not empty, not `.` or
    /// `..`, and free of `/ \ ? # %`, whitespace and control characters.
    ///
    /// ```
    /// use pictory::jobs::JobId;
    /// assert_eq!(JobId::parse("981e84c8-bd06").unwrap().as_str(), "981e84c8-bd06");
    /// assert!(JobId::parse("../oauth2/token").is_err());
    /// ```
    pub fn parse(id: &str) -> Result<JobId> {
        let bad = |why: &str| {
            Err(Error::InvalidRequest {
                operation: "job_id",
                message: format!("job id {:?} {why}", crate::envelope::truncate(id, 60)),
            })
        };
        if id.is_empty() {
            return bad("is empty");
        }
        if id == "." || id == ".." {
            return bad("is a relative path segment");
        }
        if let Some(c) = id.chars().find(|c| {
            matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_whitespace() || c.is_control()
        }) {
            return bad(&format!(
                "contains {c:?}, which is not allowed in a path segment"
            ));
        }
        Ok(JobId(id.to_string()))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// This id, checked with [`JobId::parse`]; call before building a URL.
    pub(crate) fn checked(&self) -> Result<&JobId> {
        JobId::parse(&self.0).map(|_| self)
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An id the caller knows (unchecked until it is used in a URL).
impl From<&str> for JobId {
    fn from(s: &str) -> Self {
        JobId(s.to_string())
    }
}

/// An id the caller knows (unchecked until it is used in a URL).
impl From<String> for JobId {
    fn from(s: String) -> Self {
        JobId(s)
    }
}

impl From<&JobId> for JobId {
    fn from(id: &JobId) -> Self {
        id.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_single_safe_segments_parse() {
        for ok in [
            "a",
            "981e84c8-bd06-4a65",
            "4158-asd-4158-fdfe-234-nkn",
            "a.b_c~d",
        ] {
            assert_eq!(JobId::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "", ".", "..", "a/b", "a\\b", "a?x=1", "a#f", "a%2Fb", "a b", "a\tb", "a\u{7}",
            "a\u{a0}b",
        ] {
            let err = JobId::parse(bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidRequest {
                        operation: "job_id",
                        ..
                    }
                ),
                "{bad:?}: {err:?}"
            );
        }
        assert!(JobId::from("../x").checked().is_err());
        assert!(JobId::from("x").checked().is_ok());
    }
}
