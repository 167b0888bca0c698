//! `cargo xtask spec fetch|normalize|check|update` and `cargo xtask
//! surface`: see the maintainers' guide.
//!
//! Exit codes: 0 done; 1 failed (fetch error, invalid document, a check
//! that does not pass, a file that cannot be written; `spec/` is left as it
//! was); 2 usage error; 3 `update --check` found that the served document
//! differs from `spec/` (nothing written).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use xtask::fetch::{DEFAULT_BASE_URL, FetchOptions, fetch, store};
use xtask::files::{NORMALIZED, SpecDir};

const USAGE: &str = "usage: cargo xtask spec <fetch|normalize|check|update> [options]
  fetch     [--base-url URL] [--from-file PATH] [--timeout SECS]  store LowCodeAPI's document in spec/
  normalize                                                       spec/ raw + overlay -> normalized
  check     [--strict]                                            committed normalized == normalize(raw + overlay);
                                                                  --strict: untyped operations fail too (CI)
  update    [--base-url URL] [--from-file PATH] [--timeout SECS] [--check] [--json]
                                                                  fetch + normalize + change report;
                                                                  --check: write nothing, exit 3 if spec/ would change;
                                                                  --json: the report as a JSON array on stdout
common: --spec-dir DIR (default: the repository's spec/)
       cargo xtask surface [--list] [--max N]
                                                                  count the library's public items (rustdoc JSON);
                                                                  --max: exit 1 above N
exit codes: 0 done (update --check: spec/ is up to date), 1 failure (spec/ unchanged),
            2 usage error, 3 update --check: the served spec differs from spec/";

/// Exit code: the command failed; `spec/` is as it was.
const EXIT_FAILURE: u8 = 1;
/// Exit code: the command line is wrong.
const EXIT_USAGE: u8 = 2;
/// Exit code of `update --check` when the served document differs.
const EXIT_DIFFERS: u8 = 3;

struct Args {
    command: String,
    spec_dir: SpecDir,
    fetch: FetchOptions,
    /// `check --strict`.
    strict: bool,
    /// `update --check`.
    check_only: bool,
    /// `update --json`.
    json: bool,
}

/// What the command line asks for.
enum Request {
    /// `--help`, `-h` or `help`, anywhere: print the usage, exit 0.
    Help,
    /// A `spec` command.
    Run(Args),
    /// `surface [--list] [--max N]`.
    Surface { list: bool, max: Option<usize> },
}

fn is_help(arg: &str) -> bool {
    matches!(arg, "--help" | "-h" | "help")
}

/// Every option, whichever command it belongs to.
const OPTIONS: [&str; 7] = [
    "--spec-dir",
    "--base-url",
    "--from-file",
    "--timeout",
    "--strict",
    "--check",
    "--json",
];

/// Which command each option belongs to.
fn allowed(flag: &str, command: &str) -> bool {
    match flag {
        "--spec-dir" => true,
        "--base-url" | "--from-file" | "--timeout" => matches!(command, "fetch" | "update"),
        "--strict" => command == "check",
        "--check" | "--json" => command == "update",
        _ => false,
    }
}

fn parse(argv: impl Iterator<Item = String>) -> Result<Request, String> {
    let argv: Vec<String> = argv.collect();
    if argv.is_empty() || argv.iter().any(|a| is_help(a)) {
        return Ok(Request::Help);
    }
    let mut argv = argv.into_iter();
    match argv.next().as_deref() {
        Some("spec") => {}
        Some("surface") => {
            let (mut list, mut max) = (false, None);
            while let Some(flag) = argv.next() {
                match flag.as_str() {
                    "--list" => list = true,
                    "--max" => {
                        let v = argv.next().ok_or("--max needs a number")?;
                        max = Some(
                            v.parse()
                                .map_err(|_| format!("--max takes a number, not {v:?}"))?,
                        );
                    }
                    other => return Err(format!("unknown option {other}\n{USAGE}")),
                }
            }
            return Ok(Request::Surface { list, max });
        }
        Some(other) => return Err(format!("unknown task `{other}`\n{USAGE}")),
        None => return Ok(Request::Help),
    }
    let command = argv.next().ok_or(USAGE)?;
    if !matches!(command.as_str(), "fetch" | "normalize" | "check" | "update") {
        return Err(format!("unknown spec command `{command}`\n{USAGE}"));
    }
    let mut args = Args {
        spec_dir: SpecDir {
            dir: SpecDir::default_dir(),
        },
        fetch: FetchOptions {
            base_url: DEFAULT_BASE_URL.into(),
            from_file: None,
            timeout: Duration::from_secs(30),
        },
        strict: false,
        check_only: false,
        json: false,
        command,
    };
    while let Some(flag) = argv.next() {
        if !allowed(&flag, &args.command) {
            return Err(if OPTIONS.contains(&flag.as_str()) {
                format!("{flag} does not apply to `spec {}`\n{USAGE}", args.command)
            } else {
                format!("unknown option {flag}\n{USAGE}")
            });
        }
        let mut value = || argv.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--base-url" => args.fetch.base_url = value()?,
            "--from-file" => args.fetch.from_file = Some(PathBuf::from(value()?)),
            "--spec-dir" => args.spec_dir.dir = PathBuf::from(value()?),
            "--timeout" => {
                let v = value()?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s < 1e9)
                    .ok_or_else(|| format!("--timeout takes seconds, not {v:?}"))?;
                args.fetch.timeout = Duration::from_secs_f64(secs);
            }
            "--strict" => args.strict = true,
            "--check" => args.check_only = true,
            _ => args.json = true,
        }
    }
    Ok(Request::Run(args))
}

/// Where the human-readable lines go: stdout, or stderr when stdout carries
/// the JSON report.
struct Out {
    json: bool,
}

impl Out {
    fn line(&self, s: &str) {
        if self.json {
            eprintln!("{s}");
        } else {
            println!("{s}");
        }
    }
}

/// Runs a command; the exit code, or a one-line reason to fail with 1.
fn run(args: Args) -> Result<u8, String> {
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
        "check" => println!("{}", xtask::check::check(dir, args.strict)?),
        _ => return update(&rt, &args),
    }
    Ok(0)
}

/// `update [--check] [--json]`.
fn update(rt: &tokio::runtime::Runtime, args: &Args) -> Result<u8, String> {
    let dir = &args.spec_dir;
    let out = Out { json: args.json };
    let fetched = rt.block_on(fetch(&args.fetch))?;
    if let Some(why) = &fetched.fallback_reason {
        out.line(&format!("fell back to the old-format document ({why})"));
    }
    out.line(&format!(
        "fetched {} ({} document)",
        fetched.source, fetched.variant
    ));
    // Normalized and checked before anything is stored, so a document that
    // cannot be normalized leaves spec/ untouched.
    let update =
        xtask::Update::prepare(dir, fetched).map_err(|e| format!("{e} (spec/ is unchanged)"))?;
    for w in &update.normalized.warnings {
        out.line(&format!("warning: {w}"));
    }
    let code = if args.check_only {
        if update.differs {
            out.line("the served spec differs from spec/ (nothing written); the changes:");
            EXIT_DIFFERS
        } else {
            out.line("the served spec is the one in spec/");
            0
        }
    } else {
        update.apply(dir)?;
        out.line(&format!("stored in {}", dir.dir.display()));
        0
    };
    let text = if args.json {
        xtask::report::render_json(&update.report)
    } else {
        xtask::report::render(&update.report)
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot print the report: {e}"))?;
    Ok(code)
}

/// `surface`: the library's public items, counted (see `xtask::surface`).
fn surface(list: bool, max: Option<usize>) -> Result<u8, String> {
    let repo = SpecDir::default_dir()
        .parent()
        .map(std::path::Path::to_path_buf)
        .ok_or("no repository root")?;
    let target = repo.join("target").join("surface");
    let json = xtask::surface::build_json(&repo, &target)?;
    let text = std::fs::read_to_string(&json)
        .map_err(|e| format!("cannot read {}: {e}", json.display()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json.display()))?;
    let s = xtask::surface::count(&doc)?;
    println!(
        "{} public items outside raw and the {} generated operation builders; \
         their {} methods and associated constants, {} fields, {} enum variants",
        s.items(),
        s.generated,
        s.members(),
        s.fields,
        s.variants
    );
    for (kind, n) in &s.counts {
        println!("  {kind}: {n}");
    }
    if list {
        for (kind, names) in &s.names {
            for name in names {
                println!("{kind} {name}");
            }
        }
    }
    match max {
        Some(max) if s.items() > max => Err(format!("{} public items, more than {max}", s.items())),
        _ => Ok(0),
    }
}

fn main() -> ExitCode {
    let request = match parse(std::env::args().skip(1)) {
        Ok(request) => request,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let outcome = match request {
        Request::Help => {
            println!("{USAGE}");
            Ok(0)
        }
        Request::Run(args) => run(args),
        Request::Surface { list, max } => surface(list, max),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
