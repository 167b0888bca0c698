//! `-v` and `RUST_LOG`: the library's log events (requests, retries, the
//! URL-format fallback, how jobs are waited for) on stderr, each line passed
//! through the reporter, which removes the token and the key in every
//! encoded form and keeps progress bars intact.

use crate::report::{Failure, Reporter};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the log output: `RUST_LOG` when set (its syntax: e.g.
/// `pictory=debug`), else by `-v` count: none, nothing; `-v`, the
/// library's and the simulator's info events; `-vv`, their debug events;
/// `-vvv`, debug events of every crate (HTTP internals included).
pub fn init(verbosity: u8, reporter: &Reporter) -> Result<(), Failure> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(spec.trim())
            .map_err(|e| Failure::Usage(format!("RUST_LOG is not a valid filter: {e}")))?,
        _ => EnvFilter::new(match verbosity {
            0 => return Ok(()),
            1 => "pictory=info,pictory_sim=info,pictory_cli=info",
            2 => "pictory=debug,pictory_sim=debug,pictory_cli=debug",
            _ => "debug",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(LogWriter(reporter.clone()))
        .try_init();
    Ok(())
}

/// Hands each formatted event to the reporter as one piece.
#[derive(Clone)]
struct LogWriter(Reporter);

/// One event being written: collected, then printed whole on drop.
struct LogLine {
    reporter: Reporter,
    text: Vec<u8>,
}

impl std::io::Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if !self.text.is_empty() {
            self.reporter.log(&String::from_utf8_lossy(&self.text));
        }
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine {
            reporter: self.0.clone(),
            text: Vec::new(),
        }
    }
}
