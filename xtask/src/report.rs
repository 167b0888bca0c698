//! The change report `cargo xtask spec update` prints: operations added,
//! removed and changed between two normalized documents (method and path,
//! parameters, request body properties, and the 2xx response schema, followed
//! into the components it references).

use crate::operations::{Operation, operations};
use serde_json::Value;

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
    /// The operation id (or `METHOD path` when it has none).
    pub id: String,
    /// What changed, in short.
    pub detail: String,
}

fn key(op: &Operation) -> String {
    op.id
        .clone()
        .unwrap_or_else(|| format!("{} {}", op.method.to_uppercase(), op.path))
}

fn list_diff(what: &str, old: &[String], new: &[String]) -> Option<String> {
    let added: Vec<&String> = new.iter().filter(|x| !old.contains(x)).collect();
    let removed: Vec<&String> = old.iter().filter(|x| !new.contains(x)).collect();
    if added.is_empty() && removed.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    parts.extend(added.iter().map(|a| format!("+{a}")));
    parts.extend(removed.iter().map(|r| format!("-{r}")));
    Some(format!("{what} {}", parts.join(" ")))
}

/// How many response-schema differences one row lists before it says "and
/// N more".
const MAX_RESPONSE_ITEMS: usize = 12;

/// Whether `path` lies inside the node at `parent` (a property or item of it).
fn is_inside(path: &str, parent: &str) -> bool {
    parent == "(root)"
        || path
            .strip_prefix(parent)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The differences between two flattened response schemas, in path order:
/// `+path (kinds)` added, `-path` removed (what lies inside an added or
/// removed node is not listed again), `~path (old -> new)` changed.
fn response_diff(old: &[(String, String)], new: &[(String, String)]) -> Option<String> {
    let mut items = Vec::new();
    let mut paths: Vec<&String> = old.iter().chain(new).map(|(p, _)| p).collect();
    paths.sort();
    paths.dedup();
    let find = |side: &'_ [(String, String)], p: &String| {
        side.iter().find(|(q, _)| q == p).map(|(_, k)| k.clone())
    };
    let mut gone_or_new: Vec<&String> = Vec::new();
    for p in paths {
        if gone_or_new.iter().any(|g| is_inside(p, g)) {
            continue;
        }
        match (find(old, p), find(new, p)) {
            (None, Some(k)) => {
                items.push(format!("+{p} ({k})"));
                gone_or_new.push(p);
            }
            (Some(_), None) => {
                items.push(format!("-{p}"));
                gone_or_new.push(p);
            }
            (Some(a), Some(b)) if a != b => items.push(format!("~{p} ({a} -> {b})")),
            _ => {}
        }
    }
    if items.is_empty() {
        return None;
    }
    let more = items.len().saturating_sub(MAX_RESPONSE_ITEMS);
    items.truncate(MAX_RESPONSE_ITEMS);
    if more > 0 {
        items.push(format!("and {more} more"));
    }
    Some(format!("response {}", items.join(" ")))
}

/// The changes from `old` to `new`, sorted by id.
pub fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let old_ops = operations(old);
    let new_ops = operations(new);
    let mut out = Vec::new();
    for n in &new_ops {
        match old_ops.iter().find(|o| key(o) == key(n)) {
            None => out.push(Change {
                kind: "added",
                id: key(n),
                detail: format!("{} {}", n.method.to_uppercase(), n.path),
            }),
            Some(o) => {
                let mut details = Vec::new();
                if o.method != n.method || o.path != n.path {
                    details.push(format!(
                        "{} {} -> {} {}",
                        o.method.to_uppercase(),
                        o.path,
                        n.method.to_uppercase(),
                        n.path
                    ));
                }
                details.extend(list_diff("path params", &o.path_params, &n.path_params));
                details.extend(list_diff("params", &o.other_params, &n.other_params));
                details.extend(list_diff("body", &o.body, &n.body));
                details.extend(response_diff(&o.response, &n.response));
                if !details.is_empty() {
                    out.push(Change {
                        kind: "changed",
                        id: key(n),
                        detail: details.join("; "),
                    });
                }
            }
        }
    }
    for o in &old_ops {
        if !new_ops.iter().any(|n| key(n) == key(o)) {
            out.push(Change {
                kind: "removed",
                id: key(o),
                detail: format!("{} {}", o.method.to_uppercase(), o.path),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id).then(a.kind.cmp(b.kind)));
    out
}

/// The report as a short table.
pub fn render(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no operation changed\n".into();
    }
    let w = changes.iter().map(|c| c.id.len()).max().unwrap_or(2).max(2);
    let mut s = format!("{:<8} {:<w$} detail\n", "change", "id");
    for c in changes {
        s.push_str(&format!("{:<8} {:<w$} {}\n", c.kind, c.id, c.detail));
    }
    s
}
