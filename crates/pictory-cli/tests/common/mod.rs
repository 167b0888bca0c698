//! Helpers the binary's test files share.

use pictory_sim::Simulator;
use std::process::Command;

/// The binary.
const BIN: &str = env!("CARGO_BIN_EXE_pictory");

/// The binary with every variable the tool reads cleared, then
/// LowCodeAPI's pointed at `sim` (its token and base URL).
pub fn pictory(sim: &Simulator) -> Command {
    let mut c = Command::new(BIN);
    for var in [
        "PICTORY_API_KEY",
        "PICTORY_BASE_URL",
        "PICTORY_WEBHOOK_ADDR",
        "PICTORY_WEBHOOK_URL",
        "PICTORY_SIM_TIME_FACTOR",
    ] {
        c.env_remove(var);
    }
    c.env("LOWCODEAPI_API_TOKEN", sim.token())
        .env("LOWCODEAPI_BASE_URL", sim.base_url());
    c
}

/// Bytes as text (lossy).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
