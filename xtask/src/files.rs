//! Where the spec files live, and how they are written (atomically).

use std::path::{Path, PathBuf};

/// The raw document, exactly as received (pretty-printed, key order kept).
pub const RAW: &str = "lowcodeapi-pictory.raw.json";
/// Where the raw document came from: source, variant, time, SHA-256.
pub const PROVENANCE: &str = "provenance.json";
/// The checked-in additions and fixes (data, not code).
pub const OVERLAY: &str = "overlay.json";
/// The normalized document `build.rs` generates the client from.
pub const NORMALIZED: &str = "pictory.normalized.json";

/// The spec directory and the files in it.
#[derive(Debug, Clone)]
pub struct SpecDir {
    /// The directory (the repository's `spec/` by default).
    pub dir: PathBuf,
}

impl SpecDir {
    /// The repository's own `spec/` directory.
    pub fn default_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("spec")
    }

    /// The path of one file in the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Reads one file as text, with a one-line error naming it.
    pub fn read(&self, name: &str) -> Result<String, String> {
        let p = self.file(name);
        std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    }

    /// Reads and parses one JSON file, key order preserved.
    pub fn read_json(&self, name: &str) -> Result<serde_json::Value, String> {
        let text = self.read(name)?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not valid JSON: {e}", self.file(name).display()))
    }

    /// Writes several files so that either all are replaced or none is:
    /// every temporary file is written and synced before the first rename.
    pub fn write_all_atomic(&self, files: &[(&str, Vec<u8>)]) -> Result<(), String> {
        let mut temps = Vec::new();
        for (name, bytes) in files {
            let tmp = self.file(&format!(".{name}.tmp-{}", std::process::id()));
            let result = std::fs::File::create(&tmp).and_then(|mut f| {
                use std::io::Write;
                f.write_all(bytes)?;
                f.sync_all()
            });
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                for (t, _) in &temps {
                    let _ = std::fs::remove_file(t);
                }
                return Err(format!("cannot write {}: {e}", tmp.display()));
            }
            temps.push((tmp, self.file(name)));
        }
        for (tmp, dest) in &temps {
            std::fs::rename(tmp, dest)
                .map_err(|e| format!("cannot replace {}: {e}", dest.display()))?;
        }
        Ok(())
    }
}
