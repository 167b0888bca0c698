//! The command line, as clap types.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Pictory's AI video API from the terminal, through LowCodeAPI.
///
/// Set LOWCODEAPI_API_TOKEN (and LOWCODEAPI_BASE_URL to use another proxy)
/// to talk to Pictory through LowCodeAPI, and PICTORY_API_KEY (Pictory's
/// own key, pictai_...; PICTORY_BASE_URL to override) to read jobs from
/// Pictory directly, which LowCodeAPI's own server cannot. Without either,
/// every command runs against the built-in simulator, which says so on one
/// line.
///
/// Commands that wait for jobs say how on one line before creating
/// anything: through LowCodeAPI's job route, from Pictory directly, or on
/// webhooks (--listen and --public-url); with no way to wait they stop
/// before creating anything.
///
/// Exit status: 0 success, 1 the API or a job failed, 2 usage or
/// configuration error (nothing was sent), 130 interrupted (Ctrl-C: the
/// job ids and the command that resumes the wait are printed).
#[derive(Debug, Parser)]
#[command(name = "pictory", version, propagate_version = true)]
pub struct Cli {
    /// Print machine-readable JSON on stdout (errors: one JSON line on stderr).
    #[arg(long, global = true)]
    pub json: bool,

    /// Log what the library does on stderr (requests, retries, the URL-format
    /// fallback): -v info, -vv debug, -vvv every crate's debug events.
    /// RUST_LOG (e.g. RUST_LOG=pictory=debug) overrides. The token and the
    /// key never show.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Wait for jobs on Pictory's webhooks: run a receiver listening on this
    /// address (e.g. 0.0.0.0:8787). Needs --public-url.
    #[arg(long, global = true, value_name = "ADDR", env = "PICTORY_WEBHOOK_ADDR")]
    pub listen: Option<String>,

    /// The public base URL that reaches --listen from the internet (e.g.
    /// https://hooks.example.com/pictory); each job gets its own callback
    /// URL under it. Needs --listen.
    #[arg(long, global = true, value_name = "URL", env = "PICTORY_WEBHOOK_URL")]
    pub public_url: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Text, a text file or an article → preview → render → an .mp4 on disk.
    Video(VideoArgs),
    /// Show a job's status, or wait for it to end.
    Job(JobArgs),
    /// Save a finished render's video (by its job id) or any output file
    /// (by its URL) to --out; never replaces a file without --force.
    Download(DownloadArgs),
    /// Transcribe a video or audio file (local or a URL); write subtitles.
    Transcribe(TranscribeArgs),
    /// Summarize a finished transcription into highlights of about N seconds.
    Summarize(SummarizeArgs),
    /// Text → video for every row of a CSV or JSON Lines file, resumably (a journal).
    ///
    /// FILE is a .csv file with a header row, or a .jsonl file with one JSON
    /// object per line (blank lines skipped). Fields: `name` (required: the
    /// video's name and its key in the journal, unique in the file), `text`
    /// (required), `voice` (an AI voice, e.g. Jackson) and `music` (background
    /// music volume, 0 to 1); empty CSV cells count as absent. The whole file
    /// is checked before anything is sent: a bad row is named by its line.
    ///
    /// Every step is recorded in the journal (--journal, required) before and
    /// after it is sent. Run the same command again after an error, Ctrl-C or
    /// a crash and each video continues where it stopped: finished ones are
    /// skipped, started jobs are waited on again, nothing is created twice.
    ///
    /// Exit status: 0 when every video is finished, 1 otherwise (a failed job,
    /// an interrupted item, or one "possibly processed": see
    /// --recreate-possibly-processed), 2 on a bad file or arguments.
    Bulk(BulkArgs),
    /// Saved templates.
    #[command(subcommand)]
    Templates(Resource),
    /// Brand presets of the embedded editor (list, get, delete); `--video`:
    /// the video brand kits a v2 storyboard's brandId names.
    Brands(BrandsArgs),
    /// Voice-over tracks.
    #[command(subcommand)]
    Voices(ListOnly),
    /// AWS connections.
    #[command(subcommand)]
    Aws(Resource),
    /// A video through Pictory's v2 API (Pictory direct): text or a v2
    /// storyboard → preview → render → an .mp4; --direct without a preview;
    /// --project ID renders a saved project.
    V2(V2Args),
    /// AI avatars: one row per look; its id is a v2 storyboard's avatarId (Pictory direct).
    Avatars(ListArgs),
    /// Text (subtitle) styles: subtitleStyleId values (Pictory direct).
    Styles,
    /// Smart layouts: smartLayoutId values (Pictory direct).
    Layouts,
    /// Stock music: search it, or list the values of its filters (Pictory direct).
    #[command(subcommand)]
    Music(MusicCommand),
    /// Stock media (video and images): search it (Pictory direct).
    #[command(subcommand)]
    Media(MediaCommand),
    /// The subscription's quota: used, limit and what remains (Pictory direct).
    Quota,
    /// The AI-credit ledger of a month (Pictory direct).
    Credits(CreditsArgs),
    /// Jobs, newest first (Pictory direct).
    Jobs(ListArgs),
    /// Saved projects (Pictory direct).
    Projects(ListArgs),
    /// Any operation of the spec, by id, with raw values (see `pictory operations`).
    Call(CallArgs),
    /// List the spec's operations (ids for `pictory call`).
    Operations,
    /// The built-in simulator, standing, for several commands to share.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Print a shell completion script (e.g. `pictory completions bash > ~/.local/share/bash-completion/completions/pictory`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["text", "file", "url"])))]
pub struct VideoArgs {
    /// The text to turn into a video.
    pub text: Option<String>,
    /// Read the text from this file.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Make the video from the article at this URL.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    #[command(flatten)]
    pub save: SaveTo,
    /// The video's name (default: the first words of the text, or the URL's host).
    #[arg(long)]
    pub name: Option<String>,
    /// Stop after the preview: print its URL and job id, render nothing.
    #[arg(long)]
    pub preview_only: bool,
    #[command(flatten)]
    pub sound: Sound,
    /// Also have Pictory POST each job's result to this URL.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
}

/// Where `pictory video` and `pictory v2` save the video.
#[derive(Debug, Args)]
pub struct SaveTo {
    /// Where to save the video (an existing file only with --force).
    #[arg(long, short, value_name = "PATH", default_value = "video.mp4")]
    pub out: PathBuf,
    /// Replace an existing file at the destination (only a regular file:
    /// a directory, symlink, FIFO or device is refused either way).
    #[arg(long)]
    pub force: bool,
}

/// The narration and music of `pictory video` and `pictory v2`.
#[derive(Debug, Args)]
pub struct Sound {
    /// Narrate with this AI voice (e.g. Jackson; `pictory voices` lists
    /// them). Without one, no voice-over is asked for.
    #[arg(long, value_name = "SPEAKER")]
    pub voice: Option<String>,
    /// Add automatic background music, at this volume (0 to 1; 0.1 when no
    /// value follows; put the text before this flag).
    #[arg(long, value_name = "VOLUME", num_args = 0..=1, default_missing_value = "0.1")]
    pub music: Option<f64>,
}

#[derive(Debug, Args)]
pub struct BulkArgs {
    /// The batch: a .csv or .jsonl file.
    pub file: PathBuf,
    /// Required: the journal file (SQLite, created if missing) that records
    /// each video's progress. Give the same path again to resume the batch.
    #[arg(long, value_name = "PATH")]
    pub journal: PathBuf,
    /// Videos in progress at a time.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Send again the storyboard or render requests reported "possibly
    /// processed" (sent, then the connection failed before a job id came
    /// back). Pictory may already have created such a job, and re-creating
    /// it may bill twice: check Pictory's dashboard first.
    #[arg(long)]
    pub recreate_possibly_processed: bool,
    /// Make a new video for each row whose text, voice or music changed
    /// since the journal started its name (without this flag such a batch
    /// is refused before anything is sent). The journal then forgets the
    /// name's earlier jobs; Pictory may already have billed them.
    #[arg(long)]
    pub replace_changed: bool,
    /// Narrate rows that have no `voice` with this AI voice (e.g. Jackson).
    #[arg(long, value_name = "SPEAKER")]
    pub voice: Option<String>,
    /// Add background music to rows that have no `music`, at this volume
    /// (0 to 1; 0.1 when no value follows).
    #[arg(long, value_name = "VOLUME", num_args = 0..=1, default_missing_value = "0.1")]
    pub music: Option<f64>,
    /// Do not read the quota first. By default (with PICTORY_API_KEY) a
    /// batch whose estimate clearly exceeds the video minutes that remain
    /// stops before anything is created; the estimate counts each row's
    /// words at 180 a minute, every row of the file (finished ones too).
    #[arg(long)]
    pub no_quota_check: bool,
}

#[derive(Debug, Args)]
pub struct JobArgs {
    /// The job id.
    pub id: String,
    /// Wait until the job ends (with a progress bar) instead of reading it once.
    #[arg(long)]
    pub wait: bool,
    /// Finish the journey into this .mp4 (implies --wait): a render job's
    /// video is downloaded; a preview (storyboard) job is rendered first.
    #[arg(long, short, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Replace an existing file at the destination (only a regular file:
    /// a directory, symlink, FIFO or device is refused either way).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// A render job's id (its video is saved; the job must have finished:
    /// `pictory job ID --wait --out PATH` waits for it), or an http(s) URL
    /// of a job's output file.
    pub source: String,
    /// Where to save it (an existing file only with --force).
    #[arg(long, short, value_name = "PATH")]
    pub out: PathBuf,
    /// Replace an existing file at the destination (only a regular file:
    /// a directory, symlink, FIFO or device is refused either way).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// A local media file (uploaded first) or an http(s) URL.
    pub source: String,
    /// The spoken language.
    #[arg(long, default_value = "en-US")]
    pub language: String,
    /// Write the subtitles as SRT here.
    #[arg(long, value_name = "PATH")]
    pub srt: Option<PathBuf>,
    /// Write the subtitles as WebVTT here.
    #[arg(long, value_name = "PATH")]
    pub vtt: Option<PathBuf>,
    /// Write the plain text here (otherwise it is printed).
    #[arg(long, value_name = "PATH")]
    pub txt: Option<PathBuf>,
    /// Replace an existing file at the destination (only a regular file:
    /// a directory, symlink, FIFO or device is refused either way).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// The id of a finished transcription job.
    pub job: String,
    /// The summary's length in seconds.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub seconds: f64,
}

#[derive(Debug, Args)]
pub struct V2Args {
    /// The text to narrate (one scene).
    pub text: Option<String>,
    /// A v2 storyboard (the JSON body of POST /v2/video/storyboard); the
    /// flags below add to it.
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    pub storyboard: Option<PathBuf>,
    /// Render this saved project instead (`pictory projects` lists them).
    #[arg(long, value_name = "ID", conflicts_with_all = ["text", "storyboard", "direct"])]
    pub project: Option<String>,
    /// Render directly, without a preview.
    #[arg(long)]
    pub direct: bool,
    #[command(flatten)]
    pub save: SaveTo,
    /// The video's name (default: the first words of the text).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub sound: Sound,
    /// A video brand kit (`pictory brands --video`).
    #[arg(long, value_name = "ID")]
    pub brand: Option<String>,
    /// A smart layout (`pictory layouts`).
    #[arg(long, value_name = "ID")]
    pub layout: Option<String>,
    /// A subtitle style (`pictory styles`).
    #[arg(long, value_name = "ID")]
    pub style: Option<String>,
    /// An AI avatar look (`pictory avatars`); needs --voice.
    #[arg(long, value_name = "ID")]
    pub avatar: Option<String>,
    /// Also save the video as a project.
    #[arg(long)]
    pub save_project: bool,
}

/// `pictory brands`: the editor's brand presets, or `--video` brand kits.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, arg_required_else_help = true)]
pub struct BrandsArgs {
    /// List the video brand kits (GET /v1/brands/video, Pictory direct):
    /// the ids a v2 storyboard's brandId takes.
    #[arg(long)]
    pub video: bool,
    #[command(subcommand)]
    pub action: Option<Resource>,
}

/// A list with a page key.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Every page (followed for you, at most 100 pages within 5 minutes),
    /// not only the first.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum MusicCommand {
    /// Search the music library.
    Search(MusicSearchArgs),
    /// The values each filter takes (moods, genres, genre groups,
    /// instruments, purposes).
    Options,
}

#[derive(Debug, Args)]
pub struct MusicSearchArgs {
    /// Words to search for (title, tags).
    pub query: Option<String>,
    /// A mood (repeatable; `pictory music options` lists them).
    #[arg(long)]
    pub mood: Vec<String>,
    /// A genre (repeatable).
    #[arg(long)]
    pub genre: Vec<String>,
    /// A purpose (repeatable).
    #[arg(long)]
    pub purpose: Vec<String>,
    /// An instrument (repeatable).
    #[arg(long)]
    pub instrument: Vec<String>,
    /// The page, from 1.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: Option<u32>,
    /// Tracks per page (Pictory takes 20 to 100).
    #[arg(long, value_parser = clap::value_parser!(u32).range(20..=100))]
    pub page_size: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Search stock media by keyword.
    Search(MediaSearchArgs),
}

#[derive(Debug, Args)]
pub struct MediaSearchArgs {
    /// What to search for.
    pub keyword: String,
    /// The media category (e.g. video or image).
    #[arg(long)]
    pub category: Option<String>,
    /// The keyword's language.
    #[arg(long)]
    pub language: Option<String>,
}

#[derive(Debug, Args)]
pub struct CreditsArgs {
    /// The year (needs --month: Pictory refuses a year alone; the last 12
    /// months only).
    #[arg(long, requires = "month")]
    pub year: Option<u16>,
    /// The month, 1 to 12.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=12))]
    pub month: Option<u8>,
}

#[derive(Debug, Subcommand)]
pub enum Resource {
    /// List them.
    List(ListArgs),
    /// Show one.
    Get {
        /// Its id.
        id: String,
    },
    /// Delete one.
    Delete {
        /// Its id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListOnly {
    /// List them.
    List,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The operation id (e.g. get_template; `pictory operations` lists them,
    /// and shell completions offer them).
    #[arg(
        value_parser = clap::builder::PossibleValuesParser::new(pictory::OPERATIONS.iter().map(|op| op.id)),
        hide_possible_values = true
    )]
    pub operation: String,
    /// A path or query parameter (repeatable): -p templateId=abc. Any case,
    /// with or without `_`: template_id=abc is the same parameter.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The JSON body, or @PATH to read it from a file.
    #[arg(long, value_name = "JSON|@PATH")]
    pub body: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Run the simulator until Ctrl-C and print the `export` lines that point
    /// this tool (or your program) at it: its jobs then last from one command
    /// to the next (`video --preview-only`, then `job ID --out x.mp4`).
    Serve(SimServeArgs),
}

#[derive(Debug, Args)]
pub struct SimServeArgs {
    /// The address to listen on (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8790")]
    pub addr: SocketAddr,
    /// Simulated time per real time. Text → video takes about 110 s of
    /// simulated time, so 0.05 (the default) makes it about 5 s and 1 runs
    /// at Pictory's own pace. Also read from PICTORY_SIM_TIME_FACTOR, which
    /// sets the pace of the simulator every command starts when no
    /// credential is set, too.
    #[arg(long, value_name = "F", env = "PICTORY_SIM_TIME_FACTOR")]
    pub time_factor: Option<String>,
}
