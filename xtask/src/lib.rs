//! Maintainer tasks for the `pictory` crate: the spec pipeline.
//!
//! `fetch` stores LowCodeAPI's document as received, `normalize` turns it and
//! the overlay into the document `build.rs` reads, `check` proves the two are in
//! step, and `update` does fetch + normalize and reports what changed.

pub mod check;
pub mod fetch;
pub mod files;
pub mod normalize;
pub mod operations;
pub mod report;
pub mod surface;

use fetch::Fetched;
use files::{NORMALIZED, OVERLAY, RAW, SpecDir};
use normalize::{Normalized, to_canonical_text};
use serde_json::Value;

/// [`normalize::normalize`], then the checks that the result is fit for
/// code generation (ids, path parameters, openapiv3 can read it).
pub fn normalize_checked(raw: &Value, overlay: &Value) -> Result<Normalized, String> {
    let out = normalize::normalize(raw, overlay)?;
    let problems = check::structural_problems(&out.doc);
    if !problems.is_empty() {
        return Err(format!(
            "the normalized document would be invalid: {}",
            problems.join("; ")
        ));
    }
    serde_json::from_value::<openapiv3::OpenAPI>(out.doc.clone())
        .map_err(|e| format!("openapiv3 cannot parse the normalized document: {e}"))?;
    Ok(out)
}

/// Normalizes the stored raw document with the overlay and writes the result
/// atomically. Returns the warnings to print.
pub fn normalize_in_place(dir: &SpecDir) -> Result<Vec<String>, String> {
    let raw = dir.read_json(RAW)?;
    let overlay = dir.read_json(OVERLAY)?;
    let out = normalize_checked(&raw, &overlay)?;
    dir.write_all_atomic(&[(NORMALIZED, to_canonical_text(&out.doc).into_bytes())])?;
    let mut warnings = out.warnings;
    warnings.extend(normalize::response_problems(&out.doc));
    Ok(warnings)
}

/// What `update` would do with a fetched document: prepared without
/// writing anything, so that a document that cannot be normalized leaves
/// `spec/` untouched.
#[derive(Debug)]
pub struct Update {
    /// The fetched document.
    pub fetched: Fetched,
    /// It, normalized with the overlay.
    pub normalized: Normalized,
    /// The change report against the stored normalized document.
    pub report: Vec<report::Change>,
    /// Whether storing it would change `spec/`: the served document is not
    /// the stored one (as JSON: formatting and key order aside), or the
    /// normalized document would change.
    pub differs: bool,
}

impl Update {
    /// Normalizes `fetched` with the overlay in `dir` and compares it with
    /// what `dir` holds.
    pub fn prepare(dir: &SpecDir, fetched: Fetched) -> Result<Update, String> {
        let overlay = dir.read_json(OVERLAY)?;
        let normalized = normalize_checked(&fetched.doc, &overlay)?;
        // A missing or unreadable previous document: everything is new.
        let previous = dir.read_json(NORMALIZED).unwrap_or(Value::Null);
        let report = report::report(&previous, &normalized);
        let same_raw = dir.read_json(RAW).ok().as_ref() == Some(&fetched.doc);
        let same_normalized = dir.read(NORMALIZED).ok() == Some(to_canonical_text(&normalized.doc));
        Ok(Update {
            differs: !(same_raw && same_normalized),
            fetched,
            normalized,
            report,
        })
    }

    /// Stores the raw document, its provenance and the normalized document:
    /// all three or none.
    pub fn apply(&self, dir: &SpecDir) -> Result<(), String> {
        let mut files = fetch::stored_files(&self.fetched);
        files.push((
            NORMALIZED,
            to_canonical_text(&self.normalized.doc).into_bytes(),
        ));
        dir.write_all_atomic(&files)
    }
}
