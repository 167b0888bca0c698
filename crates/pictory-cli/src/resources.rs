//! Stored resources (templates, brands, AWS connections, voice-over
//! tracks) and `pictory call`: each a spec operation by id through
//! `Client::call_operation`, so the table below is all there is to it.

use crate::Session;
use crate::cli::{CallArgs, Resource};
use crate::report::{Failure, Reporter};
use pictory::OPERATIONS;

/// The operations behind one resource's `list`, `get` and `delete`, and
/// the path parameter naming one.
pub struct Kind {
    list: &'static str,
    get: &'static str,
    delete: &'static str,
    id_param: &'static str,
    /// The list's table: each column's header and the item's key.
    columns: &'static [(&'static str, &'static str)],
}

pub const TEMPLATES: Kind = Kind {
    list: "list_templates",
    get: "get_template",
    delete: "delete_template",
    id_param: "templateId",
    columns: &[
        ("template id", "templateId"),
        ("name", "name"),
        ("language", "language"),
        ("published", "published"),
    ],
};

pub const BRANDS: Kind = Kind {
    list: "list_brands",
    get: "get_brand",
    delete: "delete_brand",
    id_param: "brandId",
    columns: &[("brand id", "brandId"), ("name", "name")],
};

pub const AWS: Kind = Kind {
    list: "list_aws_connections",
    get: "get_aws_connection",
    delete: "delete_aws_connection",
    id_param: "connectionid",
    columns: &[
        ("connection id", "connectionId"),
        ("name", "name"),
        ("region", "awsRegion"),
        ("enabled", "enabled"),
    ],
};

pub async fn resource(
    session: &Session,
    reporter: &Reporter,
    kind: Kind,
    action: Resource,
) -> Result<(), Failure> {
    let client = &session.client;
    let (id, operation) = match &action {
        Resource::List(args) => return list_resource(session, reporter, &kind, args.all).await,
        Resource::Get { id } => (id, kind.get),
        Resource::Delete { id } => (id, kind.delete),
    };
    let answer = client
        .call_operation(operation, &[(kind.id_param, id.as_str())], None)
        .await?;
    if let Resource::Delete { id } = &action {
        reporter.line(&format!("deleted {id}"));
        reporter.value(answer.payload());
        return Ok(());
    }
    reporter.payload(answer.payload());
    Ok(())
}

/// `list [--all]`: the first page, with a note when more follow, or every
/// page of a list that has a page key.
async fn list_resource(
    session: &Session,
    reporter: &Reporter,
    kind: &Kind,
    all: bool,
) -> Result<(), Failure> {
    let client = &session.client;
    let items = match client.pages(kind.list, &[]) {
        Ok(pages) if all => futures_util::TryStreamExt::try_collect::<Vec<_>>(pages).await?,
        _ => {
            let answer = client.call_operation(kind.list, &[], None).await?;
            if more_pages(answer.payload()) {
                reporter.note("more items follow: --all lists every page");
            }
            items(answer.payload())
        }
    };
    table(reporter, kind.columns, items);
    Ok(())
}

/// A list answer's items, whichever shape Pictory gives it (a bare array,
/// `{"items": [...]}`, `{"Items": [...]}`, `{"data": [...]}`).
fn items(payload: &serde_json::Value) -> Vec<serde_json::Value> {
    if let Some(items) = payload.as_array() {
        return items.clone();
    }
    ["items", "Items", "data"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_array()))
        .cloned()
        .unwrap_or_default()
}

/// Whether a list answer says more pages follow (a page key that is set).
fn more_pages(payload: &serde_json::Value) -> bool {
    ["nextPageKey", "pageKey", "LastEvaluatedKey"]
        .iter()
        .any(|k| payload.get(*k).is_some_and(|v| !v.is_null() && v != ""))
}

/// `items` as a table of `columns`, or with `--json` as one array.
fn table(reporter: &Reporter, columns: &[(&str, &str)], items: Vec<serde_json::Value>) {
    let headers: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|(_, k)| crate::report::cell(&item[*k]))
                .collect()
        })
        .collect();
    reporter.table(&headers, &rows, &serde_json::Value::Array(items));
}

/// The voice list's table.
const VOICE_COLUMNS: &[(&str, &str)] = &[
    ("id", "id"),
    ("name", "name"),
    ("language", "language"),
    ("gender", "gender"),
    ("accent", "accent"),
    ("service", "service"),
];

pub async fn voices(session: &Session, reporter: &Reporter) -> Result<(), Failure> {
    let answer = session
        .client
        .call_operation("list_voiceover_tracks", &[], None)
        .await?;
    table(reporter, VOICE_COLUMNS, items(answer.payload()));
    Ok(())
}

pub fn operations(reporter: &Reporter) {
    if reporter.json() {
        let ops: Vec<serde_json::Value> = OPERATIONS
            .iter()
            .map(|op| {
                serde_json::json!({
                    "id": op.id,
                    "method": op.method,
                    "path": op.path,
                    "path_params": op.path_params,
                    "query_params": op.query_params,
                    "body": !matches!(op.body, pictory::BodyKind::None),
                })
            })
            .collect();
        reporter.value(&serde_json::Value::Array(ops));
        return;
    }
    for op in OPERATIONS {
        let params: Vec<String> = op
            .path_params
            .iter()
            .chain(op.query_params)
            .map(|p| format!("-p {p}=..."))
            .collect();
        let body = match op.body {
            pictory::BodyKind::Json => " [--body JSON]",
            pictory::BodyKind::Manual => " (file upload: not through `call`)",
            pictory::BodyKind::None => "",
        };
        reporter.line(&format!(
            "{:<28} {:<6} {}  {}{body}",
            op.id,
            op.method,
            op.path,
            params.join(" ")
        ));
    }
}

pub async fn call(session: &Session, reporter: &Reporter, args: CallArgs) -> Result<(), Failure> {
    let usage = |m: String| Failure::Usage(m);
    let mut params = Vec::new();
    for p in &args.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| usage(format!("--param {p:?}: expected NAME=VALUE")))?;
        params.push((k, v));
    }
    let body = match &args.body {
        None => None,
        Some(text) => {
            let text = match text.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| usage(format!("--body: cannot read {path}: {e}")))?,
                None => text.clone(),
            };
            Some(serde_json::from_str(&text).map_err(|e| usage(format!("--body: not JSON: {e}")))?)
        }
    };
    let answer = match session
        .client
        .call_operation(&args.operation, &params, body)
        .await
    {
        // Nothing was sent: the operation or its values are wrong.
        Err(pictory::Error::InvalidRequest { message, .. }) => return Err(usage(message)),
        other => other?,
    };
    reporter.payload(answer.payload());
    Ok(())
}
