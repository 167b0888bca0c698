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

use files::{NORMALIZED, OVERLAY, RAW, SpecDir};

/// Normalizes the stored raw document with the overlay and writes the result
/// atomically. Returns the warnings to print.
pub fn normalize_in_place(dir: &SpecDir) -> Result<Vec<String>, String> {
    let raw = dir.read_json(RAW)?;
    let overlay = dir.read_json(OVERLAY)?;
    let out = normalize::normalize(&raw, &overlay)?;
    let problems = check::structural_problems(&out.doc);
    if !problems.is_empty() {
        return Err(format!(
            "the normalized document would be invalid: {}",
            problems.join("; ")
        ));
    }
    serde_json::from_value::<openapiv3::OpenAPI>(out.doc.clone())
        .map_err(|e| format!("openapiv3 cannot parse the normalized document: {e}"))?;
    dir.write_all_atomic(&[(
        NORMALIZED,
        normalize::to_canonical_text(&out.doc).into_bytes(),
    )])?;
    Ok(out.warnings)
}
