//! Generates the clients from `spec/pictory.normalized.json`.
//!
//! Reads the normalized document with openapiv3 and writes to `OUT_DIR`:
//! - `raw_client.rs`: progenitor's builder-style client (`pictory::raw`),
//!   with an inner type and `ClientHooks` so its `send()` runs through the
//!   crate's pipeline too;
//! - `operations.rs`: the table of operations, their JSON Schemas, and one
//!   typed builder per operation (`pictory::api`) whose `send()` goes
//!   straight to the pipeline. Everything in it is read from the spec
//!   (types by the rules progenitor names them with), never from the
//!   generated code.
//!
//! Nothing generated is committed. A broken document fails the build with
//! one line naming the file and the problem.

use std::fmt::Write as _;
use std::path::Path;

const SPEC: &str = "spec/pictory.normalized.json";

fn main() {
    println!("cargo::rerun-if-changed={SPEC}");
    if let Err(problem) = generate() {
        // `cargo::error` prints one line and fails the build; no backtrace.
        println!("cargo::error={SPEC}: {}", problem.replace('\n', " "));
    }
}

fn generate() -> Result<(), String> {
    let out_dir = std::env::var("OUT_DIR").map_err(|_| "OUT_DIR is not set".to_string())?;
    let text = std::fs::read_to_string(SPEC).map_err(|e| format!("cannot read: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(json.clone())
        .map_err(|e| format!("not an OpenAPI 3 document openapiv3 can read: {e}"))?;

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        // JSON Schemas of every generated type (`pictory::schema`).
        .with_derive("schemars::JsonSchema")
        .with_inner_type(
            "crate::hooks::HookState"
                .parse::<proc_macro2::TokenStream>()
                .map_err(|e| e.to_string())?,
        );
    // Every path parameter (the normalizer gives them this format) takes the
    // hand-written, validated `PathValue`, so an unsafe value never becomes
    // part of a URL.
    let path_value: schemars08::schema::SchemaObject = serde_json::from_value(
        serde_json::json!({ "type": "string", "format": "pictory-path-value" }),
    )
    .map_err(|e| e.to_string())?;
    settings.with_conversion(
        path_value,
        "crate::path::PathValue",
        [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
    );

    // progenitor panics on some inputs; turn a panic into a one-line error.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let generated = std::panic::catch_unwind(move || {
        let mut generator = progenitor::Generator::new(&settings);
        generator.generate_tokens(&spec).map_err(|e| e.to_string())
    });
    std::panic::set_hook(previous_hook);
    let tokens = match generated {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(format!("progenitor cannot generate a client: {e}")),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            return Err(format!("progenitor panicked: {msg}"));
        }
    };
    // Parsed only to be pretty-printed (readable in an editor).
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    write_if_changed(
        &Path::new(&out_dir).join("raw_client.rs"),
        &prettyplease::unparse(&file),
    )?;
    let (table, api) = operation_table(&json)?;
    write_if_changed(&Path::new(&out_dir).join("operations.rs"), &table)?;
    write_if_changed(
        &Path::new(&out_dir).join("paging.rs"),
        &paging_table(&json)?,
    )?;
    write_if_changed(&Path::new(&out_dir).join("api.rs"), &api)
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The Rust type progenitor generates for `schema` (an operation's request
/// body or 2xx response), named by progenitor's rules: a component by its
/// name, an array by its items, a free-form object as a JSON map, an empty
/// schema as any JSON, any other inline object as `<Operation><suffix>`.
/// `struct_like`: whether progenitor also generates `types::builder::<Name>`.
fn rust_type(schema: &serde_json::Value, op_pascal: &str, suffix: &str) -> (String, bool) {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        return (format!("crate::raw::types::{}", pascal_case(name)), false);
    }
    match schema["type"].as_str() {
        Some("array") => {
            let (item, _) = rust_type(&schema["items"], op_pascal, "ResponseItem");
            (format!("::std::vec::Vec<{item}>"), false)
        }
        Some("object")
            if schema["properties"]
                .as_object()
                .is_none_or(serde_json::Map::is_empty) =>
        {
            (
                "::serde_json::Map<::std::string::String, ::serde_json::Value>".into(),
                false,
            )
        }
        Some("object") => (format!("crate::raw::types::{op_pascal}{suffix}"), true),
        Some("string") => ("::std::string::String".into(), false),
        _ => ("::serde_json::Value".into(), false),
    }
}

/// A query parameter's setter type and how it becomes text.
fn query_type(schema: &serde_json::Value) -> &'static str {
    match schema["type"].as_str() {
        Some("integer") => "i64",
        Some("number") => "f64",
        Some("boolean") => "bool",
        _ => "impl ::std::convert::Into<::std::string::String>",
    }
}

/// `OPERATIONS` (one `OperationSpec` per operation), the operations' JSON
/// Schemas, and the typed API: one builder per operation, read from the spec.
fn operation_table(doc: &serde_json::Value) -> Result<(String, String), String> {
    let mut table = String::from(
        "/// Every operation of the normalized spec, in spec order.\n\
         pub static OPERATIONS: &[OperationSpec] = &[\n",
    );
    let mut schemas = String::from(
        "/// The JSON Schemas of an operation's request body and 2xx response\n\
         /// types, by operation id (see `pictory::schema`).\n\
         pub(crate) fn operation_schemas(id: &str) -> Option<(Option<schemars::Schema>, schemars::Schema)> {\n\
         \x20   match id {\n",
    );
    let mut api = String::from("impl<'a> Api<'a> {\n");
    let mut builders = String::new();
    let paths = doc["paths"].as_object().ok_or("no paths")?;
    let mut index = 0usize;
    for (path, item) in paths {
        for (method, op) in item.as_object().ok_or("a path item is not an object")? {
            let id = op["operationId"]
                .as_str()
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let names = |place: &str| -> String {
                params
                    .iter()
                    .filter(|p| p["in"] == place)
                    .map(|p| format!("{:?}, ", p["name"].as_str().unwrap_or_default()))
                    .collect()
            };
            // The upstream spelling of each path parameter, which LowCodeAPI's
            // old URL format puts on the wire; the normalizer records it
            // only when it differs from the public name the overlay pins.
            let wire_names: String = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    let wire = p["x-pictory-wire-name"].as_str().or(p["name"].as_str());
                    format!("{:?}, ", wire.unwrap_or_default())
                })
                .collect();
            let manual = op.get("x-pictory-manual-body").is_some();
            let json_body = op["requestBody"]["content"]["application/json"]["schema"].clone();
            let body = if manual {
                "BodyKind::Manual"
            } else if op.get("requestBody").is_some() {
                "BodyKind::Json"
            } else {
                "BodyKind::None"
            };
            // Where it may be sent (the overlay's `servedBy`).
            let served_by = match op["x-pictory-served-by"].as_str() {
                None => "ServedBy::LowCodeApiAndPictory",
                Some("pictory") => "ServedBy::PictoryOnly",
                Some("pictory-and-lowcodeapi-job-route") => {
                    "ServedBy::PictoryAndLowCodeApiJobRoute"
                }
                Some(other) => return Err(format!("{id}: unknown x-pictory-served-by {other:?}")),
            };
            let _ = writeln!(
                table,
                "    OperationSpec {{ id: {id:?}, method: {:?}, path: {path:?}, \
                 path_params: &[{}], wire_path_params: &[{wire_names}], query_params: &[{}], body: {body}, served_by: {served_by} }},",
                method.to_uppercase(),
                names("path"),
                names("query"),
            );
            let pascal = pascal_case(id);
            let responses = op["responses"]
                .as_object()
                .ok_or_else(|| format!("{id}: no responses"))?;
            let ok = responses
                .iter()
                .find(|(code, _)| code.starts_with('2'))
                .map(|(_, r)| r["content"]["application/json"]["schema"].clone())
                .ok_or_else(|| format!("{id}: no 2xx response"))?;
            let (output, _) = rust_type(&ok, &pascal, "Response");
            let body_type =
                (body == "BodyKind::Json").then(|| rust_type(&json_body, &pascal, "Body"));
            let request = match &body_type {
                Some((b, _)) => format!("Some(schemars::schema_for!({b}))"),
                None => "None".into(),
            };
            let _ = writeln!(
                schemas,
                "        {id:?} => Some(({request}, schemars::schema_for!({output}))),"
            );
            // A body progenitor cannot express is sent by a hand-written
            // method (`Client::create_template_from_file`): no builder.
            if !manual {
                let items = paged_item_type(doc, op, &ok, &pascal)?;
                typed_builder(
                    &mut api,
                    &mut builders,
                    index,
                    id,
                    method,
                    path,
                    op,
                    &params,
                    &output,
                    body_type.as_ref(),
                    items.as_ref(),
                );
            }
            index += 1;
        }
    }
    table.push_str("];\n\n");
    schemas.push_str("        _ => None,\n    }\n}\n");
    table.push_str(&schemas);
    api.push_str("}\n\n");
    api.push_str(&builders);
    Ok((table, api))
}

/// One operation's method on `Api` and its builder.
#[allow(clippy::too_many_arguments)]
fn typed_builder(
    api: &mut String,
    builders: &mut String,
    index: usize,
    id: &str,
    method: &str,
    path: &str,
    op: &serde_json::Value,
    params: &[serde_json::Value],
    output: &str,
    body: Option<&(String, bool)>,
    items: Option<&(String, String)>,
) {
    let pascal = pascal_case(id);
    let summary = op["summary"]
        .as_str()
        .or(op["description"].as_str())
        .unwrap_or(id)
        .lines()
        .next()
        .unwrap_or(id)
        .replace('`', "'");
    let route = format!("{} {path}", method.to_uppercase());
    let body_init = if body.is_some() { ", body: None" } else { "" };
    let _ = writeln!(
        api,
        "    /// `{route}`: {summary}\n\
         \x20   ///\n\
         \x20   /// Set its values on the returned builder, then `.send().await`.\n\
         \x20   pub fn {id}(&self) -> {pascal}<'a> {{\n\
         \x20       {pascal} {{ client: self.client, draft: Draft::new(&OPERATIONS[{index}]){body_init} }}\n\
         \x20   }}"
    );
    let body_field = match body {
        Some((ty, _)) => format!(
            "\x20   body: ::std::option::Option<::std::result::Result<{ty}, ::std::string::String>>,\n"
        ),
        None => String::new(),
    };
    let _ = writeln!(
        builders,
        "/// The request of `{id}` (`{route}`), from [`Api::{id}`].\n\
         #[derive(Debug)]\n\
         #[must_use = \"nothing is sent until `.send().await`\"]\n\
         pub struct {pascal}<'a> {{\n\
         \x20   client: &'a crate::Client,\n\
         \x20   draft: Draft,\n\
         {body_field}\
         }}\n\n\
         impl<'a> {pascal}<'a> {{"
    );
    let mut path_index = 0usize;
    for p in params {
        let name = p["name"].as_str().unwrap_or_default();
        let setter = snake_case(name);
        match p["in"].as_str() {
            Some("path") => {
                let _ = writeln!(
                    builders,
                    "    /// The path value `{name}`: checked as a [`crate::PathValue`] (nothing is sent if it could change the route).\n\
                     \x20   pub fn {setter}<V>(mut self, value: V) -> Self\n\
                     \x20   where\n\
                     \x20       V: ::std::convert::TryInto<crate::PathValue>,\n\
                     \x20       V::Error: ::std::fmt::Display,\n\
                     \x20   {{\n\
                     \x20       self.draft.path({path_index}, value.try_into().map_err(|e| e.to_string()));\n\
                     \x20       self\n\
                     \x20   }}"
                );
                path_index += 1;
            }
            Some("query") => {
                let ty = query_type(&p["schema"]);
                let convert = if ty.starts_with("impl") {
                    "value.into()"
                } else {
                    "value.to_string()"
                };
                let _ = writeln!(
                    builders,
                    "    /// The query parameter `{name}`.\n\
                     \x20   pub fn {setter}(mut self, value: {ty}) -> Self {{\n\
                     \x20       self.draft.query({name:?}, {convert});\n\
                     \x20       self\n\
                     \x20   }}"
                );
            }
            _ => {}
        }
    }
    if let Some((ty, struct_like)) = body {
        let _ = writeln!(
            builders,
            "    /// The JSON body.\n\
             \x20   pub fn body<B>(mut self, body: B) -> Self\n\
             \x20   where\n\
             \x20       B: ::std::convert::TryInto<{ty}>,\n\
             \x20       B::Error: ::std::fmt::Display,\n\
             \x20   {{\n\
             \x20       self.body = Some(body.try_into().map_err(|e| e.to_string()));\n\
             \x20       self\n\
             \x20   }}"
        );
        if *struct_like {
            let builder = ty.replace("crate::raw::types::", "crate::raw::types::builder::");
            let _ = writeln!(
                builders,
                "    /// Changes the JSON body field by field, from what was set (or the\n\
                 \x20   /// default): `.body_map(|b| b.field(value))`.\n\
                 \x20   pub fn body_map(mut self, f: impl FnOnce({builder}) -> {builder}) -> Self {{\n\
                 \x20       self.body = Some(match self.body.take() {{\n\
                 \x20           Some(Err(e)) => Err(e),\n\
                 \x20           Some(Ok(body)) => {ty}::try_from(f({builder}::from(body))).map_err(|e| e.to_string()),\n\
                 \x20           None => {ty}::try_from(f({builder}::default())).map_err(|e| e.to_string()),\n\
                 \x20       }});\n\
                 \x20       self\n\
                 \x20   }}"
            );
        }
    }
    if let Some((item, paging)) = items {
        let _ = writeln!(
            builders,
            "    /// Every item of every page, as a stream (see [`crate::Pages`]):\n\
             \x20   /// the page key is followed for you, within the walk's bounds.\n\
             \x20   pub fn items(self) -> crate::Pages<'a, {item}> {{\n\
             \x20       crate::Pages::new(self.client, self.draft, &{paging})\n\
             \x20   }}"
        );
    }
    let body_arg = match body {
        Some(_) => "self.body",
        None => "None::<::std::result::Result<(), ::std::string::String>>",
    };
    let _ = writeln!(
        builders,
        "    /// Sends the request through the client's pipeline (credentials,\n\
         \x20   /// URL formats, retries, limits, redaction) and decodes the answer.\n\
         \x20   pub async fn send(self) -> crate::Result<crate::Response<{output}>> {{\n\
         \x20       self.draft.send(self.client, {body_arg}).await\n\
         \x20   }}\n\
         }}\n"
    );
}

/// The Rust type of one item of a list operation with paging
/// (`x-pictory-pages`): the `items` field's array items of its response.
fn paged_item_type(
    doc: &serde_json::Value,
    op: &serde_json::Value,
    ok: &serde_json::Value,
    pascal: &str,
) -> Result<Option<(String, String)>, String> {
    let Some(pages) = op.get("x-pictory-pages") else {
        return Ok(None);
    };
    let field = pages["items"]
        .as_str()
        .ok_or("x-pictory-pages without items")?;
    let schema = match ok["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        Some(name) => &doc["components"]["schemas"][name],
        None => ok,
    };
    let items = &schema["properties"][field]["items"];
    if items.is_null() {
        return Err(format!(
            "{pascal}: x-pictory-pages names {field}, which is not an array of the response"
        ));
    }
    let paging = paging_literal(op)?.ok_or("x-pictory-pages")?;
    Ok(Some((rust_type(items, pascal, "Item").0, paging)))
}

/// The `Paging` literal of an operation with `x-pictory-pages`, if any.
fn paging_literal(op: &serde_json::Value) -> Result<Option<String>, String> {
    let Some(p) = op.get("x-pictory-pages") else {
        return Ok(None);
    };
    let id = op["operationId"].as_str().unwrap_or("an operation");
    let next: String = p["next"]
        .as_array()
        .ok_or_else(|| format!("{id}: x-pictory-pages.next is not a list"))?
        .iter()
        .map(|n| {
            n.as_str()
                .map(|n| format!("{n:?}, "))
                .ok_or_else(|| format!("{id}: x-pictory-pages.next holds a non-string"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(format!(
        "crate::pages::Paging {{ query: {:?}, next: &[{next}], items: {:?} }}",
        p["query"]
            .as_str()
            .ok_or_else(|| format!("{id}: x-pictory-pages.query"))?,
        p["items"]
            .as_str()
            .ok_or_else(|| format!("{id}: x-pictory-pages.items"))?,
    )))
}

/// `paging(id)`: how each list operation pages (`x-pictory-pages`).
fn paging_table(doc: &serde_json::Value) -> Result<String, String> {
    let mut out = String::from(
        "/// How the list operation `id` pages, if it does (`x-pictory-pages`).\n\
         pub(crate) fn paging(id: &str) -> Option<&'static Paging> {\n\
         \x20   match id {\n",
    );
    for item in doc["paths"].as_object().ok_or("no paths")?.values() {
        for op in item
            .as_object()
            .ok_or("a path item is not an object")?
            .values()
        {
            if let Some(literal) = paging_literal(op)? {
                let id = op["operationId"]
                    .as_str()
                    .ok_or("an operation without id")?;
                let _ = writeln!(out, "        {id:?} => Some(&{literal}),");
            }
        }
    }
    out.push_str("        _ => None,\n    }\n}\n");
    Ok(out)
}

/// `templateId` → `template_id`, `connectionid` → `connectionid`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

fn pascal_case(id: &str) -> String {
    id.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}
