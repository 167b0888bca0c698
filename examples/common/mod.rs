//! Shared by the examples: a client from the environment when
//! `LOWCODEAPI_API_TOKEN` or `PICTORY_API_KEY` is set (LowCodeAPI, with
//! job reads from Pictory when the key is there), otherwise for the
//! built-in simulator.

use pictory::Client;
use pictory_sim::{SimConfig, Simulator};

/// The client, and the simulator it talks to (kept alive by the caller).
pub async fn client() -> pictory::Result<(Client, Option<Simulator>)> {
    let set = |name: &str| std::env::var(name).is_ok_and(|t| !t.trim().is_empty());
    if set(pictory::Client::TOKEN_ENV) || set(pictory::Client::PICTORY_KEY_ENV) {
        return Ok((Client::from_env()?, None));
    }
    println!(
        "LOWCODEAPI_API_TOKEN and PICTORY_API_KEY are not set: running against the built-in simulator (jobs sped up 20x)."
    );
    let config = SimConfig {
        time_factor: 0.05,
        ..SimConfig::default()
    };
    let sim = Simulator::start(config).await?;
    let client = Client::builder()
        .token(sim.token())
        .base_url(sim.base_url())
        .build()?;
    Ok((client, Some(sim)))
}

/// Prints an error on one line (a failed job with Pictory's code and
/// message, a cleaned job with what to do next).
pub fn report(error: &pictory::Error) {
    let text = error.to_string();
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    eprintln!("error: {one_line}");
}
