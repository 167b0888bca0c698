//! The change report `cargo xtask spec update` prints: one line per change
//! between two normalized documents, in words (operations added, removed,
//! renamed; path parameters renamed upstream; parameters added or removed;
//! request body and response fields added, removed, retyped, now required
//! or no longer required), the operations still untyped, and where the
//! served document's own response schemas differ from the overlay's. As
//! text, or as JSON for bots.
//!
//! Operations are matched across the two documents by method and path
//! shape ([`path_shape`]), parameter names ignored, then by id.

use crate::normalize::{Normalized, untyped_reason};
use crate::operations::{Node, Operation, operations, path_shape};
use serde_json::{Map, Value, json};

/// What a line is about: the `change` key of the JSON report. The order of
/// the variants is the order of the lines within one operation and place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The operation is gone.
    Removed,
    /// A new operation.
    Added,
    /// Same route, another operation id (the Rust method is renamed).
    IdChanged,
    /// Same id, another method or path.
    RouteChanged,
    /// A path parameter is spelled differently.
    PathParameterRenamed,
    /// A query, header or cookie parameter is gone.
    ParameterRemoved,
    /// A new query, header or cookie parameter.
    ParameterAdded,
    /// A field (or the whole body) is gone.
    FieldRemoved,
    /// A new field (or a new body).
    FieldAdded,
    /// A field's (or the root's) type changed.
    TypeChanged,
    /// A field became required.
    FieldNowRequired,
    /// A field is no longer required.
    FieldNoLongerRequired,
    /// The operation has no typed response (no `response` schema in the
    /// overlay): generated as `serde_json::Value`.
    Untyped,
    /// The served document's 2xx schema differs from the overlay's.
    UpstreamResponseDiffers,
}

impl Kind {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Removed => "removed",
            Kind::Added => "added",
            Kind::IdChanged => "operation_id_changed",
            Kind::RouteChanged => "route_changed",
            Kind::PathParameterRenamed => "path_parameter_renamed",
            Kind::ParameterRemoved => "parameter_removed",
            Kind::ParameterAdded => "parameter_added",
            Kind::FieldRemoved => "field_removed",
            Kind::FieldAdded => "field_added",
            Kind::TypeChanged => "type_changed",
            Kind::FieldNowRequired => "field_now_required",
            Kind::FieldNoLongerRequired => "field_no_longer_required",
            Kind::Untyped => "untyped",
            Kind::UpstreamResponseDiffers => "upstream_response_differs",
        }
    }
}

/// Where in an operation a field change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// The request body.
    RequestBody,
    /// The 2xx response.
    Response,
}

impl Location {
    /// `request body` or `response`.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::RequestBody => "request body",
            Location::Response => "response",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What happened.
    pub kind: Kind,
    /// The operation's id (or `METHOD path` when it has none).
    pub operation: String,
    /// Its upper-case method.
    pub method: String,
    /// Its path (the new one, or the old one for a removed operation).
    pub path: String,
    /// Where a field change is.
    pub location: Option<Location>,
    /// The field (`data.jobId`, `(root)`) or parameter concerned.
    pub subject: Option<String>,
    /// Before: the old value, or the overlay's for an upstream difference
    /// (`absent`, `optional`, a type...).
    pub from: Option<String>,
    /// After: the new value, or the served document's.
    pub to: Option<String>,
    /// The change in words, without the operation.
    pub message: String,
}

impl Change {
    fn new(kind: Kind, op: &Operation, message: String) -> Change {
        Change {
            kind,
            operation: op.name(),
            method: op.method.to_uppercase(),
            path: op.path.clone(),
            location: None,
            subject: None,
            from: None,
            to: None,
            message,
        }
    }

    fn about(mut self, subject: Option<&str>, from: Option<String>, to: Option<String>) -> Change {
        self.subject = subject.map(str::to_string);
        self.from = from;
        self.to = to;
        self
    }

    /// The report line: `operation: what changed`.
    pub fn line(&self) -> String {
        format!("{}: {}", self.operation, self.message)
    }

    /// The JSON object of the line.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("change".into(), json!(self.kind.as_str()));
        o.insert("operation".into(), json!(self.operation));
        o.insert("method".into(), json!(self.method));
        o.insert("path".into(), json!(self.path));
        if let Some(l) = self.location {
            o.insert("location".into(), json!(l.as_str()));
        }
        if let Some(s) = &self.subject {
            let key = if self.location.is_some() {
                "field"
            } else {
                "parameter"
            };
            o.insert(key.into(), json!(s));
        }
        if let Some(f) = &self.from {
            o.insert("from".into(), json!(f));
        }
        if let Some(t) = &self.to {
            o.insert("to".into(), json!(t));
        }
        o.insert("message".into(), json!(self.line()));
        Value::Object(o)
    }
}

/// The full report of an update: [`changes`] from the previous normalized
/// document to the new one, the [`untyped`] operations of the new one, and
/// the [`upstream_differences`]; in a stable order (see `sort`).
pub fn report(previous: &Value, new: &Normalized) -> Vec<Change> {
    let mut out = changes(previous, &new.doc);
    out.extend(untyped(&new.doc));
    out.extend(upstream_differences(new));
    sort(&mut out);
    out
}

/// By operation; within one, the operation's own lines (by kind), then the
/// request body's, then the response's (by field, then kind).
fn sort(changes: &mut [Change]) {
    changes.sort_by_cached_key(|c| {
        let field = c.location.and(c.subject.clone());
        (
            c.operation.clone(),
            c.location,
            field,
            c.kind,
            c.subject.clone(),
        )
    });
}

/// The changes from `old` to `new`, sorted.
pub fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let old_ops = operations(old);
    let new_ops = operations(new);
    // Same method and path shape first, then same id.
    let mut partner: Vec<Option<usize>> = vec![None; new_ops.len()];
    let mut taken = vec![false; old_ops.len()];
    type Same = fn(&Operation, &Operation) -> bool;
    let by_route: Same = |o, n| o.method == n.method && path_shape(&o.path) == path_shape(&n.path);
    let by_id: Same = |o, n| o.id.is_some() && o.id == n.id;
    for same in [by_route, by_id] {
        for (i, n) in new_ops.iter().enumerate() {
            if partner[i].is_some() {
                continue;
            }
            if let Some(j) = (0..old_ops.len()).find(|&j| !taken[j] && same(&old_ops[j], n)) {
                partner[i] = Some(j);
                taken[j] = true;
            }
        }
    }
    let mut out = Vec::new();
    for (n, j) in new_ops.iter().zip(&partner) {
        match j {
            Some(j) => out.extend(compare(&old_ops[*j], n)),
            None => out.push(Change::new(
                Kind::Added,
                n,
                format!("operation added: {}", n.route()),
            )),
        }
    }
    for (o, taken) in old_ops.iter().zip(&taken) {
        if !taken {
            out.push(Change::new(
                Kind::Removed,
                o,
                format!("operation removed: {}", o.route()),
            ));
        }
    }
    sort(&mut out);
    out
}

/// What changed in one operation.
fn compare(o: &Operation, n: &Operation) -> Vec<Change> {
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (&o.id, &n.id)
        && a != b
    {
        out.push(
            Change::new(
                Kind::IdChanged,
                n,
                format!("operation id changed: {a} -> {b} (its Rust method is renamed)"),
            )
            .about(None, Some(a.clone()), Some(b.clone())),
        );
    }
    if o.method != n.method || path_shape(&o.path) != path_shape(&n.path) {
        out.push(Change::new(
            Kind::RouteChanged,
            n,
            format!("route changed: {} -> {}", o.route(), n.route()),
        ));
    } else {
        out.extend(renamed_path_parameters(o, n));
    }
    for (kind, words, these, others) in [
        (
            Kind::ParameterRemoved,
            "removed",
            &o.other_params,
            &n.other_params,
        ),
        (
            Kind::ParameterAdded,
            "added",
            &n.other_params,
            &o.other_params,
        ),
    ] {
        for (place, name) in these.iter().filter(|p| !others.contains(p)) {
            out.push(
                Change::new(kind, n, format!("{place} parameter {words}: {name}")).about(
                    Some(name),
                    None,
                    None,
                ),
            );
        }
    }
    for (location, old, new) in [
        (Location::RequestBody, &o.body, &n.body),
        (Location::Response, &o.response, &n.response),
    ] {
        for diff in field_diffs(old, new, true) {
            out.push(field_change(n, location, &diff));
        }
    }
    out
}

/// Path parameters spelled differently at the same place of the same route:
/// renamed upstream with the public name kept (the overlay pins it), or
/// renamed publicly (the builder method changes).
fn renamed_path_parameters(o: &Operation, n: &Operation) -> Vec<Change> {
    let mut out = Vec::new();
    for i in 0..o.path_params.len().min(n.path_params.len()) {
        let (old_public, new_public) = (&o.path_params[i], &n.path_params[i]);
        let old_wire = o.wire_params.get(i).unwrap_or(old_public);
        let new_wire = n.wire_params.get(i).unwrap_or(new_public);
        let message = if old_public != new_public {
            format!(
                "path parameter renamed: {old_public} -> {new_public} (its public name changes: \
                 the builder method is renamed; name the operation in spec/overlay.json to keep it)"
            )
        } else if old_wire != new_wire {
            format!(
                "path parameter renamed upstream: {old_wire} -> {new_wire} (public name \
                 {new_public} kept: the Rust method and its arguments do not change)"
            )
        } else {
            continue;
        };
        out.push(Change::new(Kind::PathParameterRenamed, n, message).about(
            Some(new_public),
            Some(old_wire.clone()),
            Some(new_wire.clone()),
        ));
    }
    out
}

/// A difference between two flattened schemas.
enum FieldDiff<'a> {
    /// Only in the second.
    Added(&'a Node),
    /// Only in the first.
    Removed(&'a Node),
    /// Other kinds: (first, second).
    Type(&'a Node, &'a Node),
    /// Required in one of them only: (first, second).
    Required(&'a Node, &'a Node),
}

/// The differences from `a` to `b`, in path order; what lies inside an
/// added or removed node is not listed again. Component names count as
/// types only when `with_refs`.
fn field_diffs<'a>(a: &'a [Node], b: &'a [Node], with_refs: bool) -> Vec<FieldDiff<'a>> {
    let mut paths: Vec<&str> = a.iter().chain(b).map(|n| n.path.as_str()).collect();
    paths.sort();
    paths.dedup();
    let find = |side: &'a [Node], p: &str| side.iter().find(|n| n.path == p);
    let mut out = Vec::new();
    let mut gone_or_new: Vec<&Node> = Vec::new();
    for p in paths {
        let (x, y) = (find(a, p), find(b, p));
        if x.or(y)
            .is_some_and(|n| gone_or_new.iter().any(|g| n.is_inside(g)))
        {
            continue;
        }
        match (x, y) {
            (None, Some(y)) => {
                out.push(FieldDiff::Added(y));
                gone_or_new.push(y);
            }
            (Some(x), None) => {
                out.push(FieldDiff::Removed(x));
                gone_or_new.push(x);
            }
            (Some(x), Some(y)) => {
                if x.kinds_text(with_refs) != y.kinds_text(with_refs) {
                    out.push(FieldDiff::Type(x, y));
                }
                if x.required != y.required {
                    out.push(FieldDiff::Required(x, y));
                }
            }
            (None, None) => {}
        }
    }
    out
}

impl FieldDiff<'_> {
    /// The node concerned, and its two sides in words: `absent`, its types
    /// (component names only when `with_refs`), or `optional` / `required`.
    fn sides(&self, with_refs: bool) -> (&Node, String, String) {
        let required = |n: &Node| if n.required { "required" } else { "optional" }.to_string();
        match *self {
            FieldDiff::Added(n) => (n, "absent".into(), n.kinds_text(with_refs)),
            FieldDiff::Removed(n) => (n, n.kinds_text(with_refs), "absent".into()),
            FieldDiff::Type(a, b) => (b, a.kinds_text(with_refs), b.kinds_text(with_refs)),
            FieldDiff::Required(a, b) => (b, required(a), required(b)),
        }
    }
}

/// A field line at `location`: `sides` as [`FieldDiff::sides`] gives them.
fn field_line(
    op: &Operation,
    kind: Kind,
    location: Location,
    (node, from, to): (&Node, String, String),
    what: String,
) -> Change {
    let mut change = Change::new(kind, op, what).about(Some(&node.path), Some(from), Some(to));
    change.location = Some(location);
    change
}

/// One field difference from the old document to the new, in words.
fn field_change(op: &Operation, location: Location, diff: &FieldDiff) -> Change {
    let place = location.as_str();
    let (node, from, to) = diff.sides(true);
    let field = &node.path;
    let (kind, what) = match diff {
        FieldDiff::Added(_) if node.is_root() => {
            (Kind::FieldAdded, format!("{place} added ({to})"))
        }
        FieldDiff::Removed(_) if node.is_root() => (Kind::FieldRemoved, format!("{place} removed")),
        FieldDiff::Added(_) => (
            Kind::FieldAdded,
            format!("{place} changed: field {field} added ({to})"),
        ),
        FieldDiff::Removed(_) => (
            Kind::FieldRemoved,
            format!("{place} changed: field {field} removed"),
        ),
        FieldDiff::Type(..) if node.is_root() => (
            Kind::TypeChanged,
            format!("{place} changed: type changed: {from} -> {to}"),
        ),
        FieldDiff::Type(..) => (
            Kind::TypeChanged,
            format!("{place} changed: field {field} type changed: {from} -> {to}"),
        ),
        FieldDiff::Required(..) if node.required => (
            Kind::FieldNowRequired,
            format!("{place} changed: field {field} now required"),
        ),
        FieldDiff::Required(..) => (
            Kind::FieldNoLongerRequired,
            format!("{place} changed: field {field} no longer required"),
        ),
    };
    field_line(op, kind, location, (node, from, to), what)
}

/// One line per untyped operation of `doc`: it has no `response` schema
/// in the overlay and is generated with a `serde_json::Value` response.
pub fn untyped(doc: &Value) -> Vec<Change> {
    operations(doc)
        .iter()
        .filter(|op| untyped_reason(doc, op).is_some())
        .map(|op| {
            Change::new(
                Kind::Untyped,
                op,
                "untyped: no `response` schema in spec/overlay.json, so its answer is a \
                 serde_json::Value; `cargo xtask spec check --strict` fails until it has one"
                    .into(),
            )
        })
        .collect()
}

/// Where the served document's 2xx response schemas differ from the
/// overlay's (which the normalized document keeps: the overlay is the
/// source of truth until a maintainer reviews the difference). Component
/// names are not compared, only structure: fields, types, required.
pub fn upstream_differences(new: &Normalized) -> Vec<Change> {
    let ops = operations(&new.doc);
    let mut out = Vec::new();
    for upstream in &new.upstream {
        let Some(op) = ops
            .iter()
            .find(|o| o.method == upstream.method && o.path == upstream.path)
        else {
            continue;
        };
        let prefix = "upstream response differs from the overlay (the overlay is kept)";
        if untyped_reason(&new.doc, op).is_some() {
            out.push(Change::new(
                Kind::UpstreamResponseDiffers,
                op,
                format!("{prefix}: the served document has a 2xx schema, the overlay none; review it for spec/overlay.json"),
            ));
            continue;
        }
        for diff in field_diffs(&op.response, &upstream.shape, false) {
            let (node, overlay, served) = diff.sides(false);
            let field = &node.path;
            let what = match diff {
                FieldDiff::Added(_) => format!("field {field} only upstream ({served})"),
                FieldDiff::Removed(_) => format!("field {field} not upstream"),
                FieldDiff::Type(..) if node.is_root() => {
                    format!("type is {served} upstream, {overlay} in the overlay")
                }
                FieldDiff::Type(..) => {
                    format!("field {field} is {served} upstream, {overlay} in the overlay")
                }
                FieldDiff::Required(..) => {
                    format!("field {field} {served} upstream, {overlay} in the overlay")
                }
            };
            out.push(field_line(
                op,
                Kind::UpstreamResponseDiffers,
                Location::Response,
                (node, overlay, served),
                format!("{prefix}: {what}"),
            ));
        }
    }
    out
}

/// The report as text: one line per change.
pub fn render(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no operation changed\n".into();
    }
    changes.iter().map(|c| c.line() + "\n").collect()
}

/// The report as a JSON array of objects (`change`, `operation`, `method`,
/// `path`, and `location`, `field` or `parameter`, `from`, `to` where they
/// apply, and `message`: the text line).
pub fn render_json(changes: &[Change]) -> String {
    let array = Value::Array(changes.iter().map(Change::to_json).collect());
    let mut s = serde_json::to_string_pretty(&array).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
