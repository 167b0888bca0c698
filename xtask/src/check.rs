//! `cargo xtask spec check`: the committed normalized document is exactly
//! `normalize(raw + overlay)`, and it is well-formed for code generation.

use crate::files::{NORMALIZED, OVERLAY, RAW, SpecDir};
use crate::normalize::{normalize, response_problems, template_params, to_canonical_text};
use crate::operations::operations;
use serde_json::Value;

/// Runs every check; `Ok` carries a one-line summary, `Err` a readable
/// report. With `strict`, an untyped operation (no `response` schema in the
/// overlay) is a problem too: CI runs it so, so a maintainer types every new
/// operation before merging.
pub fn check(dir: &SpecDir, strict: bool) -> Result<String, String> {
    let raw = dir.read_json(RAW)?;
    let overlay = dir.read_json(OVERLAY)?;
    let committed_text = dir.read(NORMALIZED)?;
    let expected = normalize(&raw, &overlay)?;
    let expected_text = to_canonical_text(&expected.doc);
    let mut problems = Vec::new();
    if committed_text != expected_text {
        let diff = similar::TextDiff::from_lines(&committed_text, &expected_text)
            .unified_diff()
            .context_radius(2)
            .header(
                "committed spec/pictory.normalized.json",
                "normalize(raw + overlay)",
            )
            .to_string();
        problems.push(format!(
            "the committed normalized document is stale; run `cargo xtask spec normalize`:\n{diff}"
        ));
    }
    let committed: Value = serde_json::from_str(&committed_text)
        .map_err(|e| format!("{NORMALIZED} is not valid JSON: {e}"))?;
    problems.extend(structural_problems(&committed));
    if let Err(e) = serde_json::from_value::<openapiv3::OpenAPI>(committed.clone()) {
        problems.push(format!("openapiv3 cannot parse {NORMALIZED}: {e}"));
    }
    let untyped = response_problems(&committed);
    if strict {
        problems.extend(untyped.iter().cloned());
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let mut summary = format!(
        "spec check: OK ({} operations, normalized document up to date)",
        operations(&committed).len()
    );
    if !untyped.is_empty() {
        summary.push_str(&format!(
            "\n{} untyped operation(s), which `spec check --strict` refuses:\n{}",
            untyped.len(),
            untyped.join("\n")
        ));
    }
    Ok(summary)
}

/// Ids present and unique; paths made of literal and whole `{name}`
/// segments; every templated path has its parameter and back.
/// (Untyped operations are allowed here: see [`response_problems`].)
pub fn structural_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for op in operations(doc) {
        let where_ = format!("{} {}", op.method.to_uppercase(), op.path);
        match &op.id {
            None => problems.push(format!("{where_}: no operationId")),
            Some(id) if seen.contains(id) => {
                problems.push(format!("{where_}: operationId `{id}` is used twice"))
            }
            Some(id) => seen.push(id.clone()),
        }
        let malformed = op.path.split('/').any(|seg| {
            let name = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
            match name {
                Some(name) => name.is_empty() || name.contains(['{', '}']),
                None => seg.contains(['{', '}']),
            }
        });
        if malformed {
            problems.push(format!(
                "{where_}: the path is not a template of whole `{{name}}` segments"
            ));
        }
        let templated = template_params(&op.path);
        for name in &templated {
            if !op.path_params.contains(name) {
                problems.push(format!("{where_}: path parameter `{name}` is not declared"));
            }
        }
        for name in &op.path_params {
            if !templated.contains(name) {
                problems.push(format!(
                    "{where_}: declared path parameter `{name}` is not in the path"
                ));
            }
        }
    }
    problems
}
