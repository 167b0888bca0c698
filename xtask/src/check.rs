//! `cargo xtask spec check`: the committed normalized document is exactly
//! `normalize(raw + overlay)`, and it is well-formed for code generation.

use crate::files::{NORMALIZED, OVERLAY, RAW, SpecDir};
use crate::normalize::{normalize, response_problems, template_params, to_canonical_text};
use crate::operations::operations;
use serde_json::Value;

/// Runs every check; `Ok` carries a one-line summary, `Err` a readable report.
pub fn check(dir: &SpecDir) -> Result<String, String> {
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
    if problems.is_empty() {
        Ok(format!(
            "spec check: OK ({} operations, normalized document up to date)",
            operations(&committed).len()
        ))
    } else {
        Err(problems.join("\n"))
    }
}

/// Ids present and unique; every templated path has its parameter and back;
/// every operation has a 2xx response schema that is more than "any JSON".
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
    problems.extend(response_problems(doc));
    problems
}
