//! `pictory`: Pictory's AI video API from the terminal.
//!
//! Every request goes through the `pictory` library's `Client` (and so its
//! one pipeline: token and key, URL-format fallback, retries, redaction).
//! Without `LOWCODEAPI_API_TOKEN` and `PICTORY_API_KEY` the tool starts the
//! simulator (`pictory-sim`) and says so on one line. Exit status: 0 success,
//! 1 API or job failure, 2 usage or configuration, 130 interrupted.

mod bulk;
mod cli;
mod commands;
mod logging;
mod lookups;
mod report;
mod resources;
mod v2;

use clap::Parser;
use cli::{Cli, Command};
use pictory::Client;
use pictory::webhooks::WebhookHub;
use pictory_sim::{SimConfig, Simulator};
use report::{Failure, Reporter};
use std::process::ExitCode;

/// The simulator's speed-up when no token is set: its jobs (about 110 s of
/// simulated time for text → video) then take about 5 s. Override with
/// `PICTORY_SIM_TIME_FACTOR` (e.g. `0.001` in tests).
const SIM_TIME_FACTOR: f64 = 0.05;

/// The variable that sets the simulator's pace.
const SIM_TIME_FACTOR_ENV: &str = "PICTORY_SIM_TIME_FACTOR";

/// The simulator's time factor: `given` (from `--time-factor` or
/// `PICTORY_SIM_TIME_FACTOR`), else the default; a value that is not a
/// positive number is a usage error.
fn time_factor(given: Option<&str>) -> Result<f64, Failure> {
    let Some(given) = given.map(str::trim).filter(|g| !g.is_empty()) else {
        return Ok(SIM_TIME_FACTOR);
    };
    match given.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(Failure::Usage(format!(
            "the simulator's time factor ({SIM_TIME_FACTOR_ENV} or --time-factor) must be a positive number, e.g. 0.05; got {}",
            report::one_line(given)
        ))),
    }
}

/// `pictory sim serve`: a simulator that lasts until Ctrl-C, and the lines
/// that point other commands at it (on stdout; `--json`: one object).
async fn sim_serve(args: cli::SimServeArgs, reporter: &Reporter) -> Result<(), Failure> {
    let factor = time_factor(args.time_factor.as_deref())?;
    let sim = Simulator::start_on(
        SimConfig {
            time_factor: factor,
            ..SimConfig::default()
        },
        args.addr,
    )
    .await
    .map_err(|e| Failure::Usage(format!("{e} (on {})", args.addr)))?;
    let vars = [
        (Client::BASE_URL_ENV, sim.base_url()),
        (Client::TOKEN_ENV, sim.token().to_string()),
        (Client::PICTORY_BASE_URL_ENV, sim.pictory_base_url()),
        (Client::PICTORY_KEY_ENV, sim.pictory_key().to_string()),
    ];
    if reporter.json() {
        let object: serde_json::Map<String, serde_json::Value> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
            .collect();
        report::print_out(&serde_json::Value::Object(object).to_string());
    } else {
        for (name, value) in &vars {
            report::print_out(&format!("export {name}={value}"));
        }
    }
    let how = if reporter.json() {
        "its variables are on stdout"
    } else {
        "run the export lines above in other terminals"
    };
    reporter.note(&format!(
        "the simulator is serving at {} with time factor {factor} until Ctrl-C (nothing is sent to Pictory); {how}",
        sim.origin()
    ));
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}

/// The client, the simulator it talks to when no credential is set, and
/// the webhook receiver when asked for (each kept alive for as long as the
/// command runs).
pub struct Session {
    pub client: Client,
    pub sim: Option<Simulator>,
    /// The receiver jobs are waited on (`--listen`, `--public-url`).
    pub hub: Option<WebhookHub>,
    _server: Option<pictory::webhooks::WebhookServer>,
}

/// `--listen` and `--public-url`: both, or neither.
pub struct Listen {
    addr: Option<String>,
    url: Option<String>,
}

impl Listen {
    fn check(&self) -> Result<Option<(&str, &str)>, Failure> {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|v| !v.trim().is_empty())
        }
        match (given(&self.addr), given(&self.url)) {
            (Some(addr), Some(url)) => Ok(Some((addr, url))),
            (None, None) => Ok(None),
            _ => Err(Failure::Usage(
                "--listen (PICTORY_WEBHOOK_ADDR) and --public-url (PICTORY_WEBHOOK_URL) go together: give both or neither".into(),
            )),
        }
    }
}

impl Session {
    async fn open(reporter: &Reporter, listen: &Listen) -> Result<Session, Failure> {
        let webhooks = listen.check()?;
        let mut session = Session::connect(reporter).await?;
        if let Some((addr, url)) = webhooks {
            let hub = WebhookHub::new(url)?;
            let server = hub.serve(addr).await?;
            reporter.note(&format!(
                "webhook receiver listening on {}, callbacks under {}",
                server.local_addr(),
                hub.base_url()
            ));
            session.hub = Some(hub);
            session._server = Some(server);
        }
        Ok(session)
    }

    async fn connect(reporter: &Reporter) -> Result<Session, Failure> {
        let set = |name: &str| std::env::var(name).is_ok_and(|t| !t.trim().is_empty());
        if set(pictory::Client::TOKEN_ENV) || set(pictory::Client::PICTORY_KEY_ENV) {
            return Ok(Session {
                client: Client::from_env()?,
                sim: None,
                hub: None,
                _server: None,
            });
        }
        let factor = std::env::var(SIM_TIME_FACTOR_ENV).ok();
        let sim = Simulator::start(SimConfig {
            time_factor: time_factor(factor.as_deref())?,
            ..SimConfig::default()
        })
        .await
        .map_err(pictory::Error::from)?;
        reporter.note(&format!(
            "{} and {} are not set: using the built-in simulator at {} (nothing is sent to Pictory)",
            pictory::Client::TOKEN_ENV,
            pictory::Client::PICTORY_KEY_ENV,
            sim.base_url()
        ));
        // Both faces, as `pictory sim serve` exports them: the operations
        // only Pictory serves (look-ups, quota, v2) need the key.
        let client = sim
            .client_builder()
            .pictory_key(sim.pictory_key())
            .pictory_base_url(sim.pictory_base_url())
            .build()?;
        Ok(Session {
            client,
            sim: Some(sim),
            hub: None,
            _server: None,
        })
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_failure(e),
    };
    let reporter = Reporter::new(cli.json);
    if let Err(failure) = logging::init(cli.verbose, &reporter) {
        reporter.failure(&failure);
        return ExitCode::from(failure.exit_code());
    }
    if let Command::Completions { shell } = cli.command {
        let mut command = <Cli as clap::CommandFactory>::command();
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, "pictory", &mut script);
        report::print_out(String::from_utf8_lossy(&script).trim_end());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            reporter.failure(&Failure::Api(pictory::Error::Config {
                message: format!("cannot start the async runtime: {e}"),
            }));
            return ExitCode::from(1);
        }
    };
    let listen = Listen {
        addr: cli.listen,
        url: cli.public_url,
    };
    let outcome = runtime.block_on(run(cli.command, &reporter, &listen));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            reporter.failure(&failure);
            ExitCode::from(failure.exit_code())
        }
    }
}

/// clap's own exits: help and version print and succeed; a usage error
/// prints clap's own rendering (with `--json`: one JSON line) and exits 2.
fn clap_failure(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ if !std::env::args().any(|a| a == "--json") => {
            // clap's own rendering (the error, its tips, the usage line), as
            // in every clap-based tool; usage errors exit 2.
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            // --json: clap's message, up to its usage block, on one JSON
            // line: the error, then its tips in parentheses.
            let rendered = e.render().to_string();
            let message: Vec<&str> = rendered
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            // The long list of possible values is left out (help and
            // completions have it); tips go in parentheses.
            let error: Vec<&str> = message
                .iter()
                .filter(|l| !l.starts_with("tip: ") && !l.starts_with("[possible values"))
                .copied()
                .collect();
            let error = error.join(" ");
            let error = error.strip_prefix("error: ").unwrap_or(&error);
            let mut tips: Vec<&str> = message
                .iter()
                .filter_map(|l| l.strip_prefix("tip: "))
                .collect();
            tips.push("see pictory --help");
            let failure = Failure::Usage(format!("{error} ({})", tips.join("; ")));
            Reporter::new(true).failure(&failure);
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command, reporter: &Reporter, listen: &Listen) -> Result<(), Failure> {
    // Usage checks that need no connection come first.
    if let Command::Operations = command {
        resources::operations(reporter);
        return Ok(());
    }
    if let Command::Sim(cli::SimCommand::Serve(args)) = command {
        return sim_serve(args, reporter).await;
    }
    listen.check()?;
    let checked = commands::precheck(&command)?;
    let resume = commands::Resume::of(&command);
    let session = Session::open(reporter, listen).await?;
    let work = run_command(&session, reporter, command, checked);
    // Ctrl-C: the jobs created so far, and how to finish them.
    let result = tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted(resume.line(&reporter.created()))),
    };
    if let Some(sim) = session.sim {
        if matches!(
            &result,
            Err(Failure::Api(pictory::Error::JobNotFound { .. }))
        ) {
            reporter.note(
                "the built-in simulator starts empty for every command, so it knows no job of an earlier one: run `pictory sim serve` in another terminal and the export lines it prints, and jobs last from one command to the next",
            );
        }
        sim.shutdown().await;
    }
    result
}

async fn run_command(
    session: &Session,
    reporter: &Reporter,
    command: Command,
    checked: commands::Checked,
) -> Result<(), Failure> {
    match command {
        Command::Video(args) => commands::video(session, reporter, args, checked).await,
        Command::Job(args) => commands::job(session, reporter, args).await,
        Command::Download(args) => commands::download(session, reporter, args).await,
        Command::Transcribe(args) => commands::transcribe(session, reporter, args).await,
        Command::Summarize(args) => commands::summarize(session, reporter, args).await,
        Command::Bulk(args) => bulk::run(session, reporter, args, checked.batch).await,
        Command::Templates(r) => {
            resources::resource(session, reporter, resources::TEMPLATES, r).await
        }
        Command::Brands(cli::BrandsArgs { video: true, .. }) => {
            lookups::video_brands(session, reporter).await
        }
        Command::Brands(cli::BrandsArgs {
            action: Some(r), ..
        }) => resources::resource(session, reporter, resources::BRANDS, r).await,
        Command::Brands(_) => Err(Failure::Usage(
            "brands: give --video (the video brand kits) or list, get <id>, delete <id> (the editor's brand presets)".into(),
        )),
        Command::V2(args) => v2::video(session, reporter, args).await,
        Command::Avatars(args) => lookups::avatars(session, reporter, args).await,
        Command::Styles => lookups::styles(session, reporter).await,
        Command::Layouts => lookups::layouts(session, reporter).await,
        Command::Music(c) => lookups::music(session, reporter, c).await,
        Command::Media(c) => lookups::media(session, reporter, c).await,
        Command::Quota => lookups::quota(session, reporter).await,
        Command::Credits(args) => lookups::credits(session, reporter, args).await,
        Command::Jobs(args) => lookups::jobs(session, reporter, args).await,
        Command::Projects(args) => lookups::projects(session, reporter, args).await,
        Command::Aws(r) => resources::resource(session, reporter, resources::AWS, r).await,
        Command::Voices(cli::ListOnly::List) => resources::voices(session, reporter).await,
        Command::Call(args) => resources::call(session, reporter, args).await,
        Command::Operations | Command::Completions { .. } | Command::Sim(_) => Ok(()),
    }
}
