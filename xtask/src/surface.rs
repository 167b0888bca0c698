//! `cargo xtask surface`: counts the library's public surface from
//! rustdoc's JSON output, so "how wide is the API" is a number anyone can
//! reproduce.
//!
//! What counts as one public item: every module, struct, enum, union,
//! trait, type alias, function, constant and static that a user can name
//! by a public path (what `use pictory::…` can import). The inherent
//! methods and associated constants of those types (a trait impl's methods
//! are the trait's, not counted), their fields and enum variants are
//! reported separately. Excluded: `raw`
//! (progenitor's generated client) and the generated per-operation
//! builders in `api` (one per operation of the spec, with one setter per
//! parameter: they grow with the spec, not with the hand-written layer).
//!
//! rustdoc's JSON output is unstable; it is produced with
//! `RUSTC_BOOTSTRAP=1` on the stable toolchain, into its own target
//! directory so the regular builds are not invalidated.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The surface, counted.
#[derive(Debug, Default)]
pub struct Surface {
    /// Public items by kind (`module`, `struct`, `method`, ...).
    pub counts: BTreeMap<String, usize>,
    /// Every counted item's path, by kind.
    pub names: BTreeMap<String, BTreeSet<String>>,
    /// Public fields (of structs and struct-like enum variants).
    pub fields: usize,
    /// Enum variants.
    pub variants: usize,
    /// Generated builders left out.
    pub generated: usize,
}

impl Surface {
    /// Public items: what a user can name by a path (methods, fields and
    /// variants not included).
    pub fn items(&self) -> usize {
        self.counts
            .iter()
            .filter(|(kind, _)| *kind != "method" && !kind.starts_with("associated"))
            .map(|(_, n)| n)
            .sum()
    }

    /// Inherent methods and associated constants of the public types.
    pub fn members(&self) -> usize {
        self.counts.values().sum::<usize>() - self.items()
    }
}

/// Builds the JSON documentation of the `pictory` library (all features)
/// into `target_dir` and returns the path of `pictory.json`.
pub fn build_json(repo: &Path, target_dir: &Path) -> Result<std::path::PathBuf, String> {
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .current_dir(repo)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", target_dir)
        .args([
            "rustdoc",
            "-p",
            "pictory",
            "--lib",
            "--all-features",
            "--quiet",
            "--",
            "-Z",
            "unstable-options",
            "--output-format",
            "json",
        ])
        .status()
        .map_err(|e| format!("cannot run cargo rustdoc: {e}"))?;
    if !status.success() {
        return Err(format!("cargo rustdoc failed ({status})"));
    }
    Ok(target_dir.join("doc").join("pictory.json"))
}

/// Counts the surface described by rustdoc's JSON `doc`.
pub fn count(doc: &Value) -> Result<Surface, String> {
    let index = doc["index"].as_object().ok_or("no index in the JSON")?;
    let root = doc["root"].to_string();
    let mut walk = Walk {
        index,
        seen: BTreeSet::new(),
        out: Surface::default(),
    };
    walk.module(&root, "")?;
    Ok(walk.out)
}

struct Walk<'a> {
    index: &'a serde_json::Map<String, Value>,
    seen: BTreeSet<String>,
    out: Surface,
}

fn kind(item: &Value) -> &str {
    item["inner"]
        .as_object()
        .and_then(|o| o.keys().next())
        .map(String::as_str)
        .unwrap_or("")
}

fn generated(item: &Value) -> bool {
    item["span"]["filename"]
        .as_str()
        .is_some_and(|f| f.contains("/out/"))
}

fn public(item: &Value) -> bool {
    item["visibility"] == "public"
}

impl Walk<'_> {
    fn get(&self, id: &Value) -> Option<&Value> {
        self.index.get(&id.to_string())
    }

    fn add(&mut self, kind: &str, name: String) {
        *self.out.counts.entry(kind.to_string()).or_default() += 1;
        self.out
            .names
            .entry(kind.to_string())
            .or_default()
            .insert(name);
    }

    fn module(&mut self, id: &str, path: &str) -> Result<(), String> {
        let Some(module) = self.index.get(id) else {
            return Ok(());
        };
        let items = module["inner"]["module"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for child_id in items {
            let Some(mut child) = self.get(&child_id).cloned() else {
                continue;
            };
            if !public(&child) {
                continue;
            }
            let mut child_id = child_id.to_string();
            // A public re-export counts as the item it names.
            if kind(&child) == "use" {
                let target = child["inner"]["use"]["id"].clone();
                let Some(t) = self.get(&target).cloned() else {
                    continue;
                };
                child = t;
                child_id = target.to_string();
            }
            if !self.seen.insert(child_id.clone()) {
                continue;
            }
            let name = child["name"].as_str().unwrap_or("?").to_string();
            let k = kind(&child).to_string();
            if k == "module" {
                if name == "raw" {
                    continue;
                }
                self.add("module", format!("{path}{name}"));
                self.module(&child_id, &format!("{path}{name}::"))?;
                continue;
            }
            if generated(&child) && path.starts_with("api::") {
                self.out.generated += 1;
                continue;
            }
            self.add(&k, format!("{path}{name}"));
            self.members(&child, &k, &format!("{path}{name}"));
        }
        Ok(())
    }

    /// Fields, variants and inherent methods of a type.
    fn members(&mut self, item: &Value, k: &str, path: &str) {
        let inner = &item["inner"][k];
        if let Some(fields) = inner["kind"]["plain"]["fields"].as_array() {
            let fields = fields.clone();
            self.out.fields += fields
                .iter()
                .filter(|f| self.get(f).is_some_and(public))
                .count();
        }
        if let Some(variants) = inner["variants"].as_array() {
            let variants = variants.clone();
            self.out.variants += variants.len();
            for v in &variants {
                if let Some(fields) = self
                    .get(v)
                    .and_then(|v| v["inner"]["variant"]["kind"]["struct"]["fields"].as_array())
                {
                    self.out.fields += fields.len();
                }
            }
        }
        let impls = inner["impls"].as_array().cloned().unwrap_or_default();
        for impl_id in impls {
            let Some(imp) = self.get(&impl_id).cloned() else {
                continue;
            };
            if !imp["inner"]["impl"]["trait"].is_null() {
                continue;
            }
            let members = imp["inner"]["impl"]["items"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for m in members {
                let Some(member) = self.get(&m).cloned() else {
                    continue;
                };
                if !public(&member) || generated(&member) {
                    continue;
                }
                let mk = if kind(&member) == "function" {
                    "method".to_string()
                } else {
                    format!("associated {}", kind(&member))
                };
                let name = member["name"].as_str().unwrap_or("?");
                self.add(&mk, format!("{path}::{name}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_modules_types_methods_and_skips_raw_and_private_items() {
        let doc = json!({
            "root": 0,
            "index": {
                "0": {"name": "pictory", "visibility": "public", "inner": {"module": {"items": [1, 2, 3, 6]}}},
                "1": {"name": "raw", "visibility": "public", "inner": {"module": {"items": []}}},
                "2": {"name": "Client", "visibility": "public", "inner": {"struct": {"kind": {"plain": {"fields": [7]}}, "impls": [4, 5]}}},
                "3": {"name": "hidden", "visibility": "crate", "inner": {"function": {}}},
                "4": {"visibility": "default", "inner": {"impl": {"trait": null, "items": [8, 9]}}},
                "5": {"visibility": "default", "inner": {"impl": {"trait": {"path": "Debug"}, "items": [10]}}},
                "6": {"name": "Stage", "visibility": "public", "inner": {"enum": {"variants": [11, 12], "impls": []}}},
                "7": {"name": "private_field", "visibility": "default", "inner": {"struct_field": {}}},
                "8": {"name": "new", "visibility": "public", "inner": {"function": {}}},
                "9": {"name": "helper", "visibility": "crate", "inner": {"function": {}}},
                "10": {"name": "fmt", "visibility": "default", "inner": {"function": {}}},
                "11": {"name": "A", "visibility": "default", "inner": {"variant": {"kind": "plain"}}},
                "12": {"name": "B", "visibility": "default", "inner": {"variant": {"kind": {"struct": {"fields": [13]}}}}}
            }
        });
        let s = count(&doc).unwrap();
        assert_eq!(s.items(), 2, "{s:?}"); // Client, Stage
        assert_eq!(s.members(), 1, "{s:?}"); // Client::new
        assert_eq!(s.counts.get("method"), Some(&1));
        assert_eq!((s.fields, s.variants), (1, 2));
        assert!(!s.names.contains_key("module"));
    }
}
