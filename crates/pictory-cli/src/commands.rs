//! The job commands: video, job, transcribe, summarize.

use crate::Session;
use crate::cli::{Command, DownloadArgs, JobArgs, SummarizeArgs, TranscribeArgs, VideoArgs};
use crate::report::{Failure, Reporter, Stage};
use pictory::jobs::{FixedInterval, JobId, JobOutput};
use pictory::storyboard::{AiVoice, Audio, Scene, StoryboardRequest};
use pictory::{FlowOptions, OutputFile, Stage as FlowStage, WriteProblem};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the checks before connecting read (a video's text, a batch).
#[derive(Debug, Default)]
pub struct Checked {
    text: Option<String>,
    /// The batch of `pictory bulk`, every row checked (its rows are read
    /// again as the run goes).
    pub batch: crate::bulk::Batch,
}

pub fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// A background-music volume must be between 0 and 1.
pub fn check_music(what: &str, volume: Option<f64>) -> Result<(), Failure> {
    match volume.filter(|v| !(0.0..=1.0).contains(v)) {
        Some(v) => Err(usage(format!("{what}: volume {v} is not between 0 and 1"))),
        None => Ok(()),
    }
}

/// A one-scene storyboard as the tool makes it: subtitles on, narrated by
/// `voice` when given, with background music at `music`'s volume when given.
pub fn storyboard(
    name: impl Into<String>,
    scene: Scene,
    voice: Option<&str>,
    music: Option<f64>,
) -> StoryboardRequest {
    let scene = scene.subtitles(true).voice_over(voice.is_some());
    let request = StoryboardRequest::new(name).scene(scene);
    if voice.is_none() && music.is_none() {
        return request;
    }
    let mut audio = Audio::default();
    if let Some(voice) = voice {
        audio = audio.ai_voice(AiVoice::new(voice));
    }
    if let Some(volume) = music {
        audio = audio.background_music(volume);
    }
    request.audio(audio)
}

/// An http(s) URL with a host, or a usage error naming the flag.
fn web_url(flag: &str, value: &str) -> Result<url::Url, Failure> {
    url::Url::parse(value)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| usage(format!("{flag}: {value:?} is not an http(s) URL")))
}

/// The directory a file will be written to must exist (the journal,
/// which SQLite opens and which may exist already).
fn writable_target(flag: &str, path: &Path) -> Result<(), Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if path.file_name().is_none() || !dir.is_dir() {
        return Err(usage(format!(
            "{flag}: cannot write {}: its directory does not exist",
            path.display()
        )));
    }
    if path.is_dir() {
        return Err(usage(format!("{flag}: {} is a directory", path.display())));
    }
    Ok(())
}

/// The file `path` as the tool writes every output (video, subtitles,
/// text): through the library's one safe writer, only a regular file, an
/// existing one only with `--force`.
pub fn output_file(path: &Path, force: bool) -> OutputFile {
    OutputFile::new(path).replace(force)
}

/// `flag`'s file can be written (see [`output_file`]), else one usage
/// line naming what is in the way (exit 2), before anything is sent.
fn output_target(flag: &str, path: &Path, force: bool) -> Result<(), Failure> {
    output_file(path, force)
        .check()
        .map_err(|e| match write_refusal(flag, &e) {
            Some(line) => usage(line),
            None => Failure::Api(e),
        })
}

/// A write that failed after the work was done (exit 1): the refusal in
/// the tool's words, other errors as they are.
fn write_failure(flag: &str, e: pictory::Error) -> Failure {
    match write_refusal(flag, &e) {
        Some(line) => Failure::Unwritten(line),
        None => Failure::Api(e),
    }
}

/// A refused write as the tool says it: the flag, the path, why, and
/// `--force` when that would help.
fn write_refusal(flag: &str, e: &pictory::Error) -> Option<String> {
    let pictory::Error::Write { path, problem, .. } = e else {
        return None;
    };
    let hint = match problem {
        WriteProblem::Exists => "; add --force to replace it",
        _ => "",
    };
    Some(format!("{flag}: cannot write {path}: {problem}{hint}"))
}

/// Checks what can be checked before anything is sent (files readable,
/// URLs well-formed, outputs writable).
pub fn precheck(command: &Command) -> Result<Checked, Failure> {
    let mut checked = Checked::default();
    match command {
        Command::Video(args) => {
            if let Some(text) = &args.text {
                if text.trim().is_empty() {
                    return Err(usage("the text is empty"));
                }
                checked.text = Some(text.clone());
            }
            if let Some(file) = &args.file {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| usage(format!("--file: cannot read {}: {e}", file.display())))?;
                if text.trim().is_empty() {
                    return Err(usage(format!("--file: {} is empty", file.display())));
                }
                checked.text = Some(text);
            }
            if let Some(url) = &args.url {
                web_url("--url", url)?;
            }
            if let Some(hook) = &args.webhook {
                web_url("--webhook", hook)?;
            }
            check_music("--music", args.sound.music)?;
            if !args.preview_only {
                output_target("--out", &args.save.out, args.save.force)?;
            }
        }
        Command::V2(args) => {
            check_music("--music", args.sound.music)?;
            output_target("--out", &args.save.out, args.save.force)?;
        }
        Command::Bulk(args) => {
            check_music("--music", args.music)?;
            checked.batch = crate::bulk::check(args)?;
            writable_target("--journal", &args.journal)?;
        }
        Command::Job(args) => {
            JobId::parse(&args.id).map_err(|e| usage(e.to_string()))?;
            if let Some(out) = &args.out {
                output_target("--out", out, args.force)?;
            }
        }
        Command::Summarize(args) => {
            JobId::parse(&args.job).map_err(|e| usage(e.to_string()))?;
            if !(args.seconds.is_finite() && args.seconds > 0.0) {
                return Err(usage("--seconds must be a positive number"));
            }
        }
        Command::Download(args) => {
            if args.source.contains("://") {
                web_url("source", &args.source)?;
            } else {
                JobId::parse(&args.source).map_err(|e| usage(e.to_string()))?;
            }
            output_target("--out", &args.out, args.force)?;
        }
        Command::Transcribe(args) => {
            if args.source.contains("://") {
                web_url("source", &args.source)?;
            } else if !Path::new(&args.source).is_file() {
                return Err(usage(format!(
                    "{}: no such file (give a local media file or an http(s) URL)",
                    args.source
                )));
            }
            for (flag, path) in [
                ("--srt", &args.srt),
                ("--vtt", &args.vtt),
                ("--txt", &args.txt),
            ] {
                if let Some(path) = path {
                    output_target(flag, path, args.force)?;
                }
            }
            let mut paths: Vec<&PathBuf> = [&args.srt, &args.vtt, &args.txt]
                .into_iter()
                .flatten()
                .collect();
            paths.sort();
            if let Some(twice) = paths.windows(2).find(|w| w[0] == w[1]) {
                return Err(usage(format!(
                    "{} is given for two outputs; give each its own file",
                    twice[0].display()
                )));
            }
        }
        Command::Call(args) if pictory::OperationSpec::find(&args.operation).is_none() => {
            return Err(usage(format!(
                "no operation {:?} in the spec (see pictory operations)",
                args.operation
            )));
        }
        _ => {}
    }
    Ok(checked)
}

/// How the tool's flows run: the library's default polling against
/// Pictory (quick reads against the simulator, whose jobs are sped up),
/// webhooks when a receiver runs, and every job id shown (and kept for
/// Ctrl-C) as soon as its job is created.
pub fn flow_options(session: &Session, reporter: &Reporter) -> FlowOptions {
    let mut opts = match &session.sim {
        Some(_) => FlowOptions::default().backoff(FixedInterval::new(Duration::from_millis(200))),
        None => FlowOptions::default(),
    };
    if let Some(hub) = &session.hub {
        opts = opts.webhooks(hub.clone());
    }
    let reporter = reporter.clone();
    opts.on_job_created(move |stage, id| reporter.job_created(stage, id))
}

/// Decides how jobs are waited for, before anything is created, and says
/// so on one line; fails (nothing created) when they could not be.
pub async fn announce_plan(
    session: &Session,
    reporter: &Reporter,
    opts: &FlowOptions,
) -> Result<(), Failure> {
    let plan = session.client.wait_plan(opts).await?;
    reporter.note(&format!("waiting for jobs: {plan}"));
    Ok(())
}

/// What Ctrl-C prints: the jobs created, and the command that finishes
/// the journey.
pub struct Resume {
    /// The video's destination (`video`, `job --out`), and `--force`.
    out: Option<(PathBuf, bool)>,
    /// A batch: run the same command again.
    batch: Option<String>,
}

impl Resume {
    pub fn of(command: &Command) -> Resume {
        let out = match command {
            Command::Video(args) if !args.preview_only => {
                Some((args.save.out.clone(), args.save.force))
            }
            Command::Job(args) => args.out.clone().map(|out| (out, args.force)),
            _ => None,
        };
        let batch = match command {
            Command::Bulk(args) => Some(format!(
                "pictory bulk {} --journal {}",
                args.file.display(),
                args.journal.display()
            )),
            _ => None,
        };
        Resume { out, batch }
    }

    /// One line: what was created, and how to go on.
    pub fn line(&self, created: &[(FlowStage, JobId)]) -> String {
        if let Some(batch) = &self.batch {
            return format!(
                "interrupted; every job created is in the journal: run `{batch}` again to resume"
            );
        }
        let Some((_, last)) = created.last() else {
            return "interrupted before any job was created".into();
        };
        let jobs: Vec<String> = created
            .iter()
            .map(|(stage, id)| format!("{stage} job {id}"))
            .collect();
        let out = self
            .out
            .as_ref()
            .map(|(o, force)| {
                let force = if *force { " --force" } else { "" };
                format!(" --out {}{force}", shell_word(&o.display().to_string()))
            })
            .unwrap_or_default();
        format!(
            "interrupted; created: {}; resume with: pictory job {last} --wait{out}",
            jobs.join(", ")
        )
    }
}

/// `word` as one shell word (quoted when it needs to be).
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A stage and its display.
type Shown = (FlowStage, Arc<Stage>);

/// Progress displays for the stages of a flow, created as each begins.
#[derive(Clone)]
pub struct Stages {
    reporter: Reporter,
    shown: Arc<Mutex<Vec<Shown>>>,
}

impl Stages {
    pub fn new(reporter: &Reporter) -> Stages {
        Stages {
            reporter: reporter.clone(),
            shown: Arc::default(),
        }
    }

    pub fn options(&self, opts: FlowOptions) -> FlowOptions {
        let stages = self.clone();
        opts.on_progress(move |stage, job| {
            let display = {
                let mut shown = stages.shown.lock().unwrap_or_else(|e| e.into_inner());
                match shown.iter().find(|(s, _)| *s == stage) {
                    Some((_, d)) => d.clone(),
                    None => {
                        // A new stage: the one before it is done.
                        if let Some((_, last)) = shown.last() {
                            last.finish(true);
                        }
                        let d = Arc::new(stages.reporter.stage(stage.as_str()));
                        shown.push((stage, d.clone()));
                        d
                    }
                }
            };
            display.update(job);
        })
    }

    pub fn finish(&self, ok: bool) {
        let shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, last)) = shown.last() {
            last.finish(ok);
        }
    }

    /// Ends the bars as `result` says, and passes it on.
    pub fn settle<T>(&self, result: pictory::Result<T>) -> Result<T, Failure> {
        self.finish(result.is_ok());
        result.map_err(Failure::from)
    }
}

/// A video's default name: the text's first six words.
pub fn first_words(text: &str) -> String {
    text.split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The video's name: the flag, else the text's first words, else the host.
fn video_name(args: &VideoArgs, text: Option<&str>) -> String {
    if let Some(name) = &args.name {
        return name.clone();
    }
    if let Some(text) = text {
        return first_words(text);
    }
    args.url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "pictory video".into())
}

pub async fn video(
    session: &Session,
    reporter: &Reporter,
    args: VideoArgs,
    checked: Checked,
) -> Result<(), Failure> {
    let text = checked.text;
    let scene = match (&text, &args.url) {
        (Some(text), _) => Scene::text(text.trim()),
        (None, Some(url)) => Scene::article(url),
        (None, None) => return Err(usage("give a text, --file or --url")),
    };
    let mut request = storyboard(
        video_name(&args, text.as_deref()),
        scene,
        args.sound.voice.as_deref(),
        args.sound.music,
    );
    if let Some(hook) = &args.webhook {
        request = request.webhook(hook);
    }
    request.validate().map_err(|e| usage(e.to_string()))?;

    let stages = Stages::new(reporter);
    let mut opts = stages.options(flow_options(session, reporter));
    if let Some(hook) = &args.webhook {
        opts = opts.render_webhook(hook.clone());
    }
    let client = &session.client;
    announce_plan(session, reporter, &opts).await?;

    let (preview_job, preview) = match client.preview(&request, &opts).await {
        Ok(p) => p,
        Err(e) => {
            stages.finish(false);
            return Err(e.into());
        }
    };
    if args.preview_only {
        stages.finish(true);
        let url = preview.preview_url.clone().unwrap_or_default();
        reporter.line(&format!("preview job: {preview_job}"));
        reporter.line(&format!("preview: {url}"));
        reporter.value(&json!({"preview_job_id": preview_job, "preview_url": preview.preview_url}));
        return Ok(());
    }
    let (render_job, video) =
        stages.settle(client.render_preview(&preview_job, &preview, &opts).await)?;

    let saved = save_video(
        session,
        reporter,
        &video,
        &output_file(&args.save.out, args.save.force),
    )
    .await?;
    reporter.value(&json!({
        "preview_job_id": preview_job,
        "preview_url": preview.preview_url,
        "render_job_id": render_job,
        "video_url": video.video_url,
        "file": saved.path,
        "bytes": saved.bytes,
    }));
    Ok(())
}

/// Downloads a finished render to `out`, with a progress display.
pub async fn save_video(
    session: &Session,
    reporter: &Reporter,
    video: &pictory::jobs::RenderOutput,
    out: &OutputFile,
) -> Result<pictory::Downloaded, Failure> {
    let saved = save_url(session, reporter, &video.video_url, out).await?;
    reporter.line(&format!("video: {}", video.video_url));
    Ok(saved)
}

/// Downloads `url` to `out` (the one safe writer), with a progress display.
async fn save_url(
    session: &Session,
    reporter: &Reporter,
    url: &str,
    out: &OutputFile,
) -> Result<pictory::Downloaded, Failure> {
    let mut bar = reporter.download();
    let saved = session
        .client
        .download_to(url, out, |bytes, total| bar.update(bytes, total))
        .await;
    bar.finish(saved.is_ok());
    let saved = saved.map_err(|e| write_failure("--out", e))?;
    reporter.line(&format!(
        "saved: {} ({} bytes)",
        saved.path.display(),
        saved.bytes
    ));
    Ok(saved)
}

/// A job's output in brief, for plain output.
fn describe(output: &JobOutput) -> Vec<String> {
    match output {
        JobOutput::Preview(p) => vec![format!(
            "preview: {}",
            p.preview_url.as_deref().unwrap_or("(no preview URL)")
        )],
        JobOutput::Render(r) => vec![format!("video: {}", r.video_url)],
        JobOutput::Transcription(t) => {
            vec![format!("transcript: {} sentence(s)", t.sentences.len())]
        }
        JobOutput::Summary(s) => s
            .ranges
            .iter()
            .map(|r| format!("{:>8.2}-{:<8.2} {}", r.start, r.end, r.text))
            .collect(),
        _ => vec!["output: (of a kind this tool does not know; see --json)".into()],
    }
}

pub async fn job(session: &Session, reporter: &Reporter, args: JobArgs) -> Result<(), Failure> {
    let id = JobId::parse(&args.id).map_err(|e| usage(e.to_string()))?;
    let mut handle = session.client.job(id.clone());
    if session.sim.is_some() {
        handle = handle.with_backoff(FixedInterval::new(Duration::from_millis(200)));
    }
    if !args.wait && args.out.is_none() {
        let job = handle.poll().await?;
        reporter.line(&format!("job {id}: {}", job.state.name()));
        if let Some(p) = job.state.progress() {
            reporter.line(&format!("progress: {p:.0}%"));
        }
        if let pictory::jobs::JobState::Completed(output) = &job.state {
            for line in describe(output) {
                reporter.line(&line);
            }
        }
        // Pictory's payload, as every other command prints it (not
        // LowCodeAPI's envelope with the upstream response headers).
        reporter.value(job.payload());
        return Ok(());
    }
    // A job created elsewhere: only a read can tell how it ends.
    let opts = flow_options(session, reporter);
    announce_plan(session, reporter, &opts).await?;
    let stage = reporter.stage("job");
    let mut progress = std::pin::pin!(handle.progress());
    let mut last = None;
    while let Some(reading) = futures_util::StreamExt::next(&mut progress).await {
        match reading {
            Ok(job) => {
                stage.update(&job);
                last = Some(job);
            }
            Err(e) => {
                stage.finish(false);
                return Err(e.into());
            }
        }
    }
    let Some(job) = last else {
        stage.finish(false);
        return Err(usage("the job wait ended without a reading"));
    };
    let payload = job.payload().clone();
    let output = match job.into_outcome() {
        Some(Ok(output)) => {
            stage.finish(true);
            output
        }
        Some(Err(e)) => {
            stage.finish(false);
            return Err(e.into());
        }
        None => {
            stage.finish(false);
            return Err(usage("the job wait ended before the job did"));
        }
    };
    reporter.line(&format!("job {id}: completed"));
    for line in describe(&output) {
        reporter.line(&line);
    }
    let Some(out) = &args.out else {
        reporter.value(&payload);
        return Ok(());
    };
    // Finish the journey: a preview is rendered, a render downloaded.
    let (render_job, video) = match output {
        JobOutput::Render(video) => (id.clone(), video),
        JobOutput::Preview(preview) => {
            let stages = Stages::new(reporter);
            let opts = stages.options(flow_options(session, reporter));
            let rendered = session.client.render_preview(&id, &preview, &opts).await;
            stages.finish(rendered.is_ok());
            rendered?
        }
        other => {
            return Err(usage(format!(
                "job {id} is not a video job (its output: {}); --out takes a preview or render job",
                describe(&other).join("; ")
            )));
        }
    };
    let saved = save_video(session, reporter, &video, &output_file(out, args.force)).await?;
    reporter.value(&json!({
        "job_id": id,
        "render_job_id": render_job,
        "video_url": video.video_url,
        "file": saved.path,
        "bytes": saved.bytes,
    }));
    Ok(())
}

/// `pictory download`: a finished render's video (by job id) or a file
/// (by URL) to `--out`, through the one safe writer.
pub async fn download(
    session: &Session,
    reporter: &Reporter,
    args: DownloadArgs,
) -> Result<(), Failure> {
    let out = output_file(&args.out, args.force);
    if args.source.contains("://") {
        let saved = save_url(session, reporter, &args.source, &out).await?;
        reporter.value(&json!({
            "url": args.source,
            "file": saved.path,
            "bytes": saved.bytes,
        }));
        return Ok(());
    }
    let id = JobId::parse(&args.source).map_err(|e| usage(e.to_string()))?;
    let job = session.client.job(id.clone()).poll().await?;
    let state = job.state.name().to_string();
    let progress = job.state.progress();
    let video = match job.into_outcome() {
        Some(Ok(JobOutput::Render(video))) => video,
        Some(Ok(other)) => {
            let found = match other {
                JobOutput::Preview(_) => Some(format!(
                    "a preview; render it and download the video with: pictory job {id} --out {}",
                    shell_word(&args.out.display().to_string())
                )),
                JobOutput::Transcription(_) => Some("a transcript".to_string()),
                JobOutput::Summary(_) => Some("a summary".to_string()),
                _ => None,
            };
            return Err(Failure::Api(pictory::Error::MissingOutput {
                operation: "download",
                job_id: id.to_string(),
                missing: "a video".into(),
                found,
            }));
        }
        Some(Err(e)) => return Err(e.into()),
        None => {
            let at = progress.map(|p| format!(", {p:.0}%")).unwrap_or_default();
            return Err(Failure::Unwritten(format!(
                "job {id} has not finished ({state}{at}); nothing downloaded: wait for it with pictory job {id} --wait --out {}",
                shell_word(&args.out.display().to_string())
            )));
        }
    };
    let saved = save_video(session, reporter, &video, &out).await?;
    reporter.value(&json!({
        "job_id": id,
        "video_url": video.video_url,
        "file": saved.path,
        "bytes": saved.bytes,
    }));
    Ok(())
}

/// A media type for an upload, from the file's extension.
fn media_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "ogg" => "audio/ogg",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mkv" => "video/x-matroska",
        _ => "video/mp4",
    }
}

pub async fn transcribe(
    session: &Session,
    reporter: &Reporter,
    args: TranscribeArgs,
) -> Result<(), Failure> {
    let client = &session.client;
    let stages = Stages::new(reporter);
    let opts = stages.options(flow_options(session, reporter));
    announce_plan(session, reporter, &opts).await?;
    let file_url = if args.source.contains("://") {
        args.source.clone()
    } else {
        let path = Path::new(&args.source);
        reporter.note(&format!("uploading {}", path.display()));
        let mut bar = reporter.transfer("upload");
        let uploaded = client
            .upload_file(path, media_type(path), |sent, total| {
                bar.update(sent, Some(total))
            })
            .await;
        bar.finish(uploaded.is_ok());
        uploaded?.url
    };
    let (job, out) = stages.settle(client.transcribe(&file_url, &args.language, &opts).await)?;
    // Each output asked for is written when the job has it; a finished
    // transcription may lack any of them (Pictory's documented one carries
    // only `transcript`): the job's id and the missing outputs are named.
    let mut written = Vec::new();
    let mut missing = Vec::new();
    for (flag, key, path, text) in [
        ("--srt", "srt", &args.srt, &out.srt),
        ("--vtt", "vtt", &args.vtt, &out.vtt),
        ("--txt", "txt", &args.txt, &out.text),
    ] {
        match (path, text) {
            (Some(path), Some(text)) => {
                output_file(path, args.force)
                    .write(text)
                    .map_err(|e| write_failure(flag, e))?;
                written.push(path.display().to_string());
            }
            (Some(_), None) => missing.push(format!("`{key}`")),
            (None, _) => {}
        }
    }
    if !missing.is_empty() {
        for path in &written {
            reporter.note(&format!("saved: {path}"));
        }
        let missing = match missing.as_slice() {
            [one] => format!("its {one} output"),
            [init @ .., last] => format!("its {} and {last} outputs", init.join(", ")),
            [] => unreachable!("not empty"),
        };
        return Err(Failure::Api(pictory::Error::MissingOutput {
            operation: "transcribe",
            job_id: job.to_string(),
            missing,
            found: None,
        }));
    }
    reporter.line(&format!("transcription job: {job}"));
    for path in &written {
        reporter.line(&format!("saved: {path}"));
    }
    if let (None, Some(text)) = (&args.txt, &out.text) {
        reporter.line(text);
    }
    reporter.value(&json!({
        "job_id": job,
        "file_url": file_url,
        "text": out.text,
        "files": written,
    }));
    Ok(())
}

pub async fn summarize(
    session: &Session,
    reporter: &Reporter,
    args: SummarizeArgs,
) -> Result<(), Failure> {
    let id = JobId::parse(&args.job).map_err(|e| usage(e.to_string()))?;
    let client = &session.client;
    let transcript: Value = match client.job(id.clone()).poll().await?.state {
        pictory::jobs::JobState::Completed(JobOutput::Transcription(t)) => t.transcript,
        pictory::jobs::JobState::Completed(JobOutput::Summary(s)) => s.transcription.transcript,
        state => {
            return Err(usage(format!(
                "job {id} is not a finished transcription (it is {})",
                state.name()
            )));
        }
    };
    let stages = Stages::new(reporter);
    let opts = stages.options(flow_options(session, reporter));
    announce_plan(session, reporter, &opts).await?;
    let (job, summary) = stages.settle(client.summarize(&transcript, args.seconds, &opts).await)?;
    reporter.line(&format!("summary job: {job}"));
    for line in describe(&JobOutput::Summary(summary.clone())) {
        reporter.line(&line);
    }
    reporter.value(&json!({"job_id": job, "ranges": summary.ranges}));
    Ok(())
}
