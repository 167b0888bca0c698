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
}

pub const TEMPLATES: Kind = Kind {
    list: "list_templates",
    get: "get_template",
    delete: "delete_template",
    id_param: "templateId",
};

pub const BRANDS: Kind = Kind {
    list: "list_brands",
    get: "get_brand",
    delete: "delete_brand",
    id_param: "brandId",
};

pub const AWS: Kind = Kind {
    list: "list_aws_connections",
    get: "get_aws_connection",
    delete: "delete_aws_connection",
    id_param: "connectionid",
};

pub async fn resource(
    session: &Session,
    reporter: &Reporter,
    kind: Kind,
    action: Resource,
) -> Result<(), Failure> {
    let client = &session.client;
    let answer = match &action {
        Resource::List => client.call_operation(kind.list, &[], None).await?,
        Resource::Get { id } => {
            client
                .call_operation(kind.get, &[(kind.id_param, id.as_str())], None)
                .await?
        }
        Resource::Delete { id } => {
            client
                .call_operation(kind.delete, &[(kind.id_param, id.as_str())], None)
                .await?
        }
    };
    if let Resource::Delete { id } = &action {
        reporter.line(&format!("deleted {id}"));
        reporter.value(answer.payload());
        return Ok(());
    }
    reporter.payload(answer.payload());
    Ok(())
}

pub async fn voices(session: &Session, reporter: &Reporter) -> Result<(), Failure> {
    let answer = session
        .client
        .call_operation("list_voiceover_tracks", &[], None)
        .await?;
    reporter.payload(answer.payload());
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
