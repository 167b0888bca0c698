//! Generates the low-level client from `spec/pictory.normalized.json`.
//!
//! Reads the normalized document with openapiv3, generates a builder-style
//! client with progenitor (with an inner type and `ClientHooks`, so the
//! hand-written layer in `src/transport.rs` executes every request), and
//! writes it, plus a table of the operations, to `OUT_DIR`. Nothing generated
//! is committed. A broken document fails the build with one line naming the
//! file and the problem.

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
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    let outputs = send_outputs(&file);
    write_if_changed(
        &Path::new(&out_dir).join("raw_client.rs"),
        &prettyplease::unparse(&file),
    )?;
    write_if_changed(
        &Path::new(&out_dir).join("operations.rs"),
        &operation_table(&json, &outputs)?,
    )
}

/// For every generated builder (`builder::GetTemplate`), the success and
/// error types its `send()` returns: `Result<ResponseValue<T>, Error<E>>`,
/// as paths that resolve from anywhere in the crate. Read from the generated
/// code itself, so they follow progenitor's naming.
fn send_outputs(file: &syn::File) -> std::collections::BTreeMap<String, BuilderTypes> {
    use quote::ToTokens;
    let mut out = std::collections::BTreeMap::new();
    // `types :: X` (relative to the generated module) → `crate :: raw ::
    // types :: X`; a builder type stands for the type it builds.
    let qualify = |t: &syn::Type| {
        let text = t
            .to_token_stream()
            .to_string()
            .replace("types :: builder ::", "types ::");
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("types ::") {
            let relative = !rest[..at].trim_end().ends_with("::");
            out.push_str(&rest[..at]);
            if relative {
                out.push_str("crate :: raw :: ");
            }
            out.push_str("types ::");
            rest = &rest[at + "types ::".len()..];
        }
        out.push_str(rest);
        out
    };
    let first_arg = |ty: &syn::Type| -> Option<syn::Type> {
        let syn::Type::Path(p) = ty else { return None };
        let syn::PathArguments::AngleBracketed(a) = &p.path.segments.last()?.arguments else {
            return None;
        };
        a.args.iter().find_map(|g| match g {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
    };
    let mut bodies = std::collections::BTreeMap::new();
    let builder_mod = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    });
    for item in builder_mod.into_iter().flatten() {
        if let syn::Item::Struct(st) = item {
            let body = st
                .fields
                .iter()
                .find(|f| f.ident.as_ref().is_some_and(|i| i == "body"));
            if let Some(ty) = body.and_then(|f| first_arg(&f.ty)) {
                bodies.insert(st.ident.to_string(), qualify(&ty));
            }
            continue;
        }
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(self_ty) = imp.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for member in &imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                continue;
            };
            // Result<ResponseValue<T>, Error<E>>
            let args = |ty: &syn::Type| -> Vec<syn::Type> {
                let syn::Type::Path(p) = ty else {
                    return vec![];
                };
                let Some(last) = p.path.segments.last() else {
                    return vec![];
                };
                let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
                    return vec![];
                };
                a.args
                    .iter()
                    .filter_map(|g| match g {
                        syn::GenericArgument::Type(t) => Some(t.clone()),
                        _ => None,
                    })
                    .collect()
            };
            let result = args(ty);
            let (Some(ok), Some(err)) = (result.first(), result.get(1)) else {
                continue;
            };
            let (Some(t), Some(e)) = (args(ok).into_iter().next(), args(err).into_iter().next())
            else {
                continue;
            };
            out.insert(
                name.clone(),
                BuilderTypes {
                    output: qualify(&t),
                    err: qualify(&e),
                    body: None,
                },
            );
        }
    }
    for (name, types) in out.iter_mut() {
        types.body = bodies.get(name).cloned();
    }
    out
}

/// The types of one generated builder, as paths usable anywhere in the crate.
struct BuilderTypes {
    /// `T` of `send()`'s `ResponseValue<T>`.
    output: String,
    /// `E` of `send()`'s `Error<E>`.
    err: String,
    /// The request body type, when the operation has a JSON body.
    body: Option<String>,
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `OPERATIONS`: one `OperationSpec` per operation, and a `Call` impl per
/// generated builder, so the hand-written layer needs no per-endpoint code.
fn operation_table(
    doc: &serde_json::Value,
    outputs: &std::collections::BTreeMap<String, BuilderTypes>,
) -> Result<String, String> {
    let mut table = String::from(
        "/// Every operation of the normalized spec, in spec order.\n\
         pub static OPERATIONS: &[OperationSpec] = &[\n",
    );
    let mut impls = String::new();
    let mut schemas = String::from(
        "/// The JSON Schemas of an operation's request body and 2xx response\n\
         /// types, by operation id (see `pictory::schema`).\n\
         pub(crate) fn operation_schemas(id: &str) -> Option<(Option<schemars::Schema>, schemars::Schema)> {\n\
         \x20   match id {\n",
    );
    let paths = doc["paths"].as_object().ok_or("no paths")?;
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
            let body = if op.get("x-pictory-manual-body").is_some() {
                "BodyKind::Manual"
            } else if op.get("requestBody").is_some() {
                "BodyKind::Json"
            } else {
                "BodyKind::None"
            };
            let _ = writeln!(
                table,
                "    OperationSpec {{ id: {id:?}, method: {:?}, path: {path:?}, \
                 path_params: &[{}], wire_path_params: &[{wire_names}], query_params: &[{}], body: {body} }},",
                method.to_uppercase(),
                names("path"),
                names("query"),
            );
            let builder = pascal_case(id);
            let BuilderTypes {
                output,
                err,
                body: body_type,
            } = outputs
                .get(&builder)
                .ok_or_else(|| format!("no generated send() found for {builder}"))?;
            let request = match body_type {
                Some(b) => format!("Some(schemars::schema_for!({b}))"),
                None => "None".into(),
            };
            let _ = writeln!(
                schemas,
                "        {id:?} => Some(({request}, schemars::schema_for!({output}))),"
            );
            // A body progenitor cannot express is sent by a hand-written
            // method (`Client::create_template_from_file`); its generated
            // builder gets no `.call()`.
            if body == "BodyKind::Manual" {
                continue;
            }
            let _ = writeln!(
                impls,
                "impl crate::call::sealed::Sealed for crate::raw::builder::{builder}<'_> {{\n\
                 \x20   const OPERATION: &'static str = {id:?};\n\
                 \x20   type Output = {output};\n\
                 \x20   type Err = {err};\n\
                 \x20   fn send_raw(self) -> impl ::std::future::Future<Output = crate::call::RawResult<Self::Output, Self::Err>> + Send {{\n\
                 \x20       self.send()\n\
                 \x20   }}\n\
                 }}"
            );
        }
    }
    table.push_str("];\n\n");
    table.push_str(&impls);
    schemas.push_str("        _ => None,\n    }\n}\n");
    table.push_str(&schemas);
    Ok(table)
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
