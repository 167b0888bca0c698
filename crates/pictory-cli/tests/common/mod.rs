//! Helpers the binary's test files share: the binary with a known
//! environment, a scratch folder removed at the end, output as text.
// Each test file uses its own share of these.
#![allow(dead_code)]

use pictory_sim::Simulator;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_pictory");

/// The binary with every variable the tool reads cleared: no credential,
/// so it starts its own simulator, sped up 1000 times.
pub fn offline() -> Command {
    let mut c = Command::new(BIN);
    for var in [
        "LOWCODEAPI_API_TOKEN",
        "LOWCODEAPI_BASE_URL",
        "PICTORY_API_KEY",
        "PICTORY_BASE_URL",
        "PICTORY_WEBHOOK_ADDR",
        "PICTORY_WEBHOOK_URL",
        "RUST_LOG",
    ] {
        c.env_remove(var);
    }
    c.env("PICTORY_SIM_TIME_FACTOR", "0.001");
    c
}

/// The binary with every variable the tool reads cleared, then
/// LowCodeAPI's pointed at `sim` (its token and base URL).
pub fn pictory(sim: &Simulator) -> Command {
    let mut c = offline();
    c.env("LOWCODEAPI_API_TOKEN", sim.token())
        .env("LOWCODEAPI_BASE_URL", sim.base_url());
    c
}

/// [`pictory`] with Pictory's key and base URL too.
pub fn with_key(sim: &Simulator) -> Command {
    let mut c = pictory(sim);
    c.env("PICTORY_API_KEY", sim.pictory_key())
        .env("PICTORY_BASE_URL", sim.pictory_base_url());
    c
}

/// Runs `c` with `args` to the end. Inside a test whose simulator runs
/// on the same runtime, call it in `tokio::task::block_in_place` (on a
/// multi-thread runtime) so the simulator keeps answering.
pub fn run(c: &mut Command, args: &[&str]) -> Output {
    c.args(args).output().expect("the binary runs")
}

/// Bytes as text (lossy).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh folder under the temporary directory, removed on drop; it
/// derefs to its path.
pub struct Dir(PathBuf);

impl Dir {
    /// A new empty folder whose name starts with `pictory-{what}-`.
    pub fn new(what: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!(
            "pictory-{what}-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    /// Writes `content` to `name` in the folder; its path.
    pub fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// The names in the folder, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl std::ops::Deref for Dir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Dir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
