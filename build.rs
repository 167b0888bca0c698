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
    write_if_changed(
        &Path::new(&out_dir).join("raw_client.rs"),
        &prettyplease::unparse(&file),
    )?;
    write_if_changed(
        &Path::new(&out_dir).join("operations.rs"),
        &operation_table(&json)?,
    )
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `OPERATIONS`: one `OperationSpec` per operation, and a `Call` impl per
/// generated builder, so the hand-written layer needs no per-endpoint code.
fn operation_table(doc: &serde_json::Value) -> Result<String, String> {
    let mut table = String::from(
        "/// Every operation of the normalized spec, in spec order.\n\
         pub static OPERATIONS: &[OperationSpec] = &[\n",
    );
    let mut impls = String::new();
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
                 path_params: &[{}], query_params: &[{}], body: {body} }},",
                method.to_uppercase(),
                names("path"),
                names("query"),
            );
            // A body progenitor cannot express is sent by a hand-written
            // method (`Client::create_template_from_file`); its generated
            // builder gets no `.call()`.
            if body == "BodyKind::Manual" {
                continue;
            }
            let builder = pascal_case(id);
            let _ = writeln!(
                impls,
                "impl crate::call::sealed::Sealed for crate::raw::builder::{builder}<'_> {{\n\
                 \x20   const OPERATION: &'static str = {id:?};\n\
                 \x20   async fn send_raw(self) -> crate::call::RawResult {{\n\
                 \x20       let v = self.send().await?; let (status, headers) = (v.status(), v.headers().clone()); Ok(::progenitor_client::ResponseValue::new(::serde_json::to_value(v.into_inner()).unwrap_or_default(), status, headers))\n\
                 \x20   }}\n\
                 }}"
            );
        }
    }
    table.push_str("];\n\n");
    table.push_str(&impls);
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
