//! `cargo xtask spec fetch|normalize|check|update`: see `README.md`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use xtask::fetch::{DEFAULT_BASE_URL, FetchOptions, fetch, store};
use xtask::files::{NORMALIZED, SpecDir};

const USAGE: &str = "usage: cargo xtask spec <fetch|normalize|check|update> [options]
  fetch     [--base-url URL] [--from-file PATH] [--timeout SECS]  store LowCodeAPI's document in spec/
  normalize                                                       spec/ raw + overlay -> normalized
  check                                                           committed normalized == normalize(raw + overlay)
  update    [--base-url URL] [--from-file PATH] [--timeout SECS]  fetch + normalize + change report
common: --spec-dir DIR (default: the repository's spec/)";

struct Args {
    command: String,
    spec_dir: SpecDir,
    fetch: FetchOptions,
}

/// What the command line asks for.
enum Request {
    /// `--help`, `-h` or `help`, anywhere: print the usage, exit 0.
    Help,
    /// A `spec` command.
    Run(Args),
}

fn is_help(arg: &str) -> bool {
    matches!(arg, "--help" | "-h" | "help")
}

fn parse(argv: impl Iterator<Item = String>) -> Result<Request, String> {
    let argv: Vec<String> = argv.collect();
    if argv.is_empty() || argv.iter().any(|a| is_help(a)) {
        return Ok(Request::Help);
    }
    let mut argv = argv.into_iter();
    match argv.next().as_deref() {
        Some("spec") => {}
        Some(other) => return Err(format!("unknown task `{other}`\n{USAGE}")),
        None => return Ok(Request::Help),
    }
    let command = argv.next().ok_or(USAGE)?;
    if !matches!(command.as_str(), "fetch" | "normalize" | "check" | "update") {
        return Err(format!("unknown spec command `{command}`\n{USAGE}"));
    }
    let mut spec_dir = SpecDir {
        dir: SpecDir::default_dir(),
    };
    let mut fetch = FetchOptions {
        base_url: DEFAULT_BASE_URL.into(),
        from_file: None,
        timeout: Duration::from_secs(30),
    };
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--base-url" => fetch.base_url = value()?,
            "--from-file" => fetch.from_file = Some(PathBuf::from(value()?)),
            "--spec-dir" => spec_dir.dir = PathBuf::from(value()?),
            "--timeout" => {
                let v = value()?;
                let secs: f64 = v
                    .parse()
                    .map_err(|_| format!("--timeout takes seconds, not {v:?}"))?;
                fetch.timeout = Duration::from_secs_f64(secs);
            }
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    Ok(Request::Run(Args {
        command,
        spec_dir,
        fetch,
    }))
}

fn run(args: Args) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    let dir = &args.spec_dir;
    match args.command.as_str() {
        "fetch" => {
            let fetched = rt.block_on(fetch(&args.fetch))?;
            store(dir, &fetched)?;
            if let Some(why) = &fetched.fallback_reason {
                println!("fell back to the old-format document ({why})");
            }
            println!(
                "fetched {} ({} document, {} bytes) into {}",
                fetched.source,
                fetched.variant,
                fetched.bytes.len(),
                dir.dir.display()
            );
        }
        "normalize" => {
            for w in xtask::normalize_in_place(dir)? {
                println!("warning: {w}");
            }
            println!("wrote {}", dir.file(NORMALIZED).display());
        }
        "check" => println!("{}", xtask::check::check(dir)?),
        "update" => {
            let previous = dir.read_json(NORMALIZED).unwrap_or(serde_json::Value::Null);
            let fetched = rt.block_on(fetch(&args.fetch))?;
            // Normalize before storing, so a document that cannot be
            // normalized leaves spec/ untouched.
            let overlay = dir.read_json(xtask::files::OVERLAY)?;
            if let Err(problem) = xtask::normalize::normalize(&fetched.doc, &overlay) {
                // Show what changed anyway (when the document can be read at
                // all), so the maintainer sees what the overlay must cover.
                if let Ok(draft) = xtask::normalize::normalize_unchecked(&fetched.doc, &overlay) {
                    println!(
                        "fetched {} ({} document); not stored, the changes would be:",
                        fetched.source, fetched.variant
                    );
                    print!(
                        "{}",
                        xtask::report::render(&xtask::report::changes(&previous, &draft.doc))
                    );
                }
                return Err(format!("{problem} (spec/ is unchanged)"));
            }
            store(dir, &fetched)?;
            for w in xtask::normalize_in_place(dir)? {
                println!("warning: {w}");
            }
            let new = dir.read_json(NORMALIZED)?;
            println!("fetched {} ({} document)", fetched.source, fetched.variant);
            print!(
                "{}",
                xtask::report::render(&xtask::report::changes(&previous, &new))
            );
        }
        _ => return Err(USAGE.into()),
    }
    Ok(())
}

fn main() -> ExitCode {
    let outcome = parse(std::env::args().skip(1)).and_then(|request| match request {
        Request::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Request::Run(args) => run(args),
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
