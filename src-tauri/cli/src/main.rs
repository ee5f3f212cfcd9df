//! `cull`, the command-line face of Cull: it configures and drives `cull-core` — scan a library
//! and print verdicts (one JSON object per line with `--json`), explain one photo's verdict, move
//! rejected shots to the OS trash, and undo that.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use cull_core::groups::ShotGroup;
use cull_core::judge::{Measurements, ReasonCode};
use cull_core::library::JobLock;
use cull_core::model::{Device, ModelHandle, OnnxModel};
use cull_core::progress::{CancelToken, Progress, ProgressSink, Stage};
use cull_core::trash::{execute_cleanup, plan_cleanup, undo_last_cleanup};
use cull_core::xmp::SidecarNaming;
use cull_core::{
    judge_file, scan, Decision, Library, ScanOptions, ScanSummary, ShotReport, Store, StoredShot,
};
use indicatif::{ProgressBar, ProgressStyle};
use output::human_bytes;

/// A scan allocates and frees a few large buffers per photo: mimalloc reuses them where glibc
/// gave them back to the kernel and faulted them in again (see the workspace's Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod output;
mod watch;

#[derive(Parser, Debug)]
#[command(
    name = "cull",
    version,
    about = "Find the weak shots in a photo library, offline"
)]
struct Cli {
    /// The library folder (database, settings, job lock), shared with the app. Default:
    /// $CULL_HOME, else cull in the user's data folder.
    #[arg(long, global = true, env = "CULL_HOME", value_name = "DIR")]
    library: Option<PathBuf>,
    /// The library's database elsewhere than in its folder (without --library, the folder is the
    /// database's own).
    #[arg(long, global = true, env = "CULL_DB", value_name = "FILE")]
    db: Option<PathBuf>,
    /// Where the learned model runs: auto, cpu, cuda, directml or coreml (default: the library's
    /// setting, which is cpu unless changed in the app). A device that is not usable here falls
    /// back to the CPU, and the scan says so.
    #[arg(long, global = true, env = "CULL_DEVICE", value_name = "DEVICE")]
    device: Option<Device>,
    /// Judge from the measurements alone, without the learned model.
    #[arg(long, global = true)]
    no_model: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Judge every photo under PATH (cached verdicts are reused).
    Scan {
        /// One JSON object per photo per line on stdout.
        #[arg(long)]
        json: bool,
        /// Also write Cull's call into XMP sidecars other tools read: `--xmp` as `name.xmp`
        /// (Lightroom, Capture One), `--xmp=ext` as `name.ext.xmp` (darktable, digiKam).
        /// Default: the library's setting (none).
        #[arg(long, value_name = "NAMING", num_args = 0..=1, require_equals = true, default_missing_value = "name")]
        xmp: Option<XmpNaming>,
        /// Worker threads (default: all cores).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Show one photo's verdict and every measurement behind it.
    Explain {
        /// Print the judgement and measurements as JSON.
        #[arg(long)]
        json: bool,
        file: PathBuf,
    },
    /// Move rejected shots under PATH (both files of a RAW+JPEG pair) to the trash.
    Clean {
        /// List what would move without moving anything.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Put the files of the last clean-up back where they were.
    Undo,
    /// Judge every photo under PATH, then every photo that arrives or changes, until stopped
    /// (Ctrl-C or SIGTERM). Photos that leave are forgotten.
    Watch {
        /// One JSON object per judged photo per line on stdout (the same object as `scan --json`).
        #[arg(long)]
        json: bool,
        /// Also write Cull's call into XMP sidecars other tools read: `--xmp` as `name.xmp`
        /// (Lightroom, Capture One), `--xmp=ext` as `name.ext.xmp` (darktable, digiKam).
        /// Default: the library's setting (none).
        #[arg(long, value_name = "NAMING", num_args = 0..=1, require_equals = true, default_missing_value = "name")]
        xmp: Option<XmpNaming>,
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Seconds a file must be left alone before it is judged (a copy still writing is not).
        #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
        quiet: f64,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Record your own call on photos: keep, reject, or clear (back to Cull's verdict). A call
    /// always wins over Cull's verdict, in `cull clean` and in the app.
    Mark {
        #[arg(value_enum)]
        decision: MarkAs,
        /// Also write Cull's call into XMP sidecars other tools read: `--xmp` as `name.xmp`
        /// (Lightroom, Capture One), `--xmp=ext` as `name.ext.xmp` (darktable, digiKam).
        /// Default: the library's setting (none).
        #[arg(long, value_name = "NAMING", num_args = 0..=1, require_equals = true, default_missing_value = "name")]
        xmp: Option<XmpNaming>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// `--xmp`'s value: how sidecars are named.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum XmpNaming {
    /// `name.xmp`
    Name,
    /// `name.ext.xmp`
    Ext,
}

impl From<XmpNaming> for SidecarNaming {
    fn from(n: XmpNaming) -> Self {
        match n {
            XmpNaming::Name => SidecarNaming::Stem,
            XmpNaming::Ext => SidecarNaming::WithExtension,
        }
    }
}

/// Writes each shown shot's sidecars; a sidecar that cannot be written is said on stderr and
/// the others go on. Returns how many were written.
fn write_sidecars<'a>(
    shots: impl IntoIterator<Item = (&'a ShotReport, Option<Decision>)>,
    naming: SidecarNaming,
) -> usize {
    let mut written = 0;
    for (report, decision) in shots {
        match cull_core::xmp::write_for_shot(report, decision, naming) {
            Ok(paths) => written += paths.len(),
            Err(err) => eprintln!("cull: sidecar of {}: {err}", report.path.display()),
        }
    }
    written
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum MarkAs {
    Keep,
    Reject,
    Clear,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("cull: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let mut library = open_library(cli.library.as_deref(), cli.db.as_deref())?;
    if let Some(notice) = library.notice() {
        eprintln!("cull: {notice}");
    }
    let device = cli.device.unwrap_or(library.settings().device);
    let model = || (!cli.no_model).then(|| load_model(device)).flatten();
    match cli.command {
        Command::Scan {
            json,
            xmp,
            threads,
            paths,
        } => {
            let _job = wait_for_library(&library, "a scan by `cull scan`")?;
            let model = model();
            let settings = library.settings().clone();
            // Lines go out once the scan has grouped what it judged: a shot's group (and whether
            // it lost to a better shot) is part of its line.
            let (summary, shown, groups) = scan_as_shown(&mut library, paths, threads, model)?;
            // Read after the scan: it adopts calls made in other tools' sidecars.
            let decisions = library.store().decisions()?;
            for report in &shown {
                output::print_line(
                    output::Shown {
                        report,
                        decision: decisions.get(&report.key).copied(),
                        group: groups.get(&report.key),
                    },
                    json,
                )?;
            }
            eprintln!("{}", output::summary_line(&summary));
            if let Some(naming) = xmp.map(SidecarNaming::from).or(settings.xmp) {
                let shots = shown.iter().map(|r| (r, decisions.get(&r.key).copied()));
                let written = write_sidecars(shots, naming);
                eprintln!("cull: {written} XMP sidecars written");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { json, file } => explain(&file, json, model()),
        Command::Clean {
            dry_run,
            threads,
            paths,
        } => clean(&mut library, paths, threads, model(), dry_run),
        Command::Undo => undo(&mut library),
        Command::Watch {
            json,
            xmp,
            threads,
            quiet,
            paths,
        } => {
            let naming = xmp.map(SidecarNaming::from).or(library.settings().xmp);
            watch::run(&mut library, paths, threads, quiet, model(), json, naming)
        }
        Command::Mark {
            decision,
            xmp,
            files,
        } => {
            let naming = xmp.map(SidecarNaming::from).or(library.settings().xmp);
            mark(&mut library, decision, &files, &model, naming)
        }
    }
}

/// The library the app shares: `--library DIR` (or `$CULL_HOME`), else the default one; `--db`
/// alone puts the whole library beside that database.
fn open_library(home: Option<&Path>, db: Option<&Path>) -> Result<Library> {
    let library = match (home, db) {
        (Some(home), Some(db)) => Library::open_with_db(home, db),
        (Some(home), None) => Library::open(home),
        (None, Some(db)) => {
            let home = db
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Library::open_with_db(home, db)
        }
        (None, None) => {
            let home = Library::default_home()?;
            Library::open(&home)
        }
    };
    library.context("opening the library")
}

/// Takes the library's job lock, saying on stderr whom it waits for.
fn wait_for_library(library: &Library, job: &str) -> Result<JobLock> {
    Ok(
        library.wait_for_jobs(job, &CancelToken::new(), &mut |holder| {
            output::say_waiting(holder)
        })?,
    )
}

/// The shipped model, looked for beside the executable (installed layouts) and in the source
/// tree. Without it Cull still judges, from the measurements alone, and says so.
fn load_model(device: Device) -> Option<ModelHandle> {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    let search: Vec<PathBuf> = exe_dir
        .map(|dir| {
            vec![
                dir.join("models"),
                dir.join("../share/cull/models"),
                dir.join("../lib/cull/models"),
            ]
        })
        .unwrap_or_default();
    match OnnxModel::find(&search, device) {
        Ok(model) => Some(ModelHandle(std::sync::Arc::new(model))),
        Err(err) => {
            eprintln!("cull: {err}; judging from the measurements alone");
            None
        }
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct BarSink {
    bar: Option<ProgressBar>,
}

impl BarSink {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg:>9} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Self { bar }
    }
}

impl ProgressSink for BarSink {
    fn progress(&self, p: &Progress) {
        let Some(bar) = &self.bar else { return };
        let label = match p.stage {
            Stage::Walking => "walking",
            Stage::Checking => "checking",
            Stage::Judging => "judging",
            Stage::Done => "done",
        };
        if bar.message() != label {
            bar.set_message(label);
            bar.reset();
        }
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        if p.stage == Stage::Done {
            bar.finish_and_clear();
        }
    }
}

fn run_scan(
    store: &mut Store,
    paths: Vec<PathBuf>,
    threads: Option<usize>,
    model: Option<ModelHandle>,
    mut on_report: impl FnMut(&ShotReport) -> Result<()>,
) -> Result<ScanSummary> {
    for path in &paths {
        if !path.exists() {
            anyhow::bail!("{} does not exist", path.display());
        }
    }
    let options = ScanOptions {
        roots: paths,
        threads,
        model,
        skip_cached: false,
    };
    let sink = BarSink::new();
    let mut output_error = None;
    let summary = scan(store, &options, &sink, &CancelToken::new(), &mut |report| {
        if output_error.is_none() {
            if let Err(err) = on_report(report) {
                output_error = Some(err);
            }
        }
    })?;
    if let Some(bar) = &sink.bar {
        bar.finish_and_clear();
    }
    if let Some(err) = output_error {
        return Err(err);
    }
    if let Some(note) = &summary.model_note {
        eprintln!("cull: model {note}");
    }
    Ok(summary)
}

/// Scans, then gives every report as the user sees it — under the library's settings, with its
/// group's reason — the summary counted the same way, and the groups by shot key.
fn scan_as_shown(
    library: &mut Library,
    paths: Vec<PathBuf>,
    threads: Option<usize>,
    model: Option<ModelHandle>,
) -> Result<(ScanSummary, Vec<ShotReport>, HashMap<String, ShotGroup>)> {
    let mut judged = Vec::new();
    let mut summary = run_scan(library.store_mut(), paths, threads, model, |r| {
        judged.push(r.clone());
        Ok(())
    })?;
    let groups = library.store().groups()?;
    let settings = library.settings();
    let shown: Vec<ShotReport> = judged
        .into_iter()
        .map(|r| {
            let group = groups.get(&r.key);
            settings.apply(r, group)
        })
        .collect();
    summary.recount(&shown);
    Ok((summary, shown, groups))
}

fn explain(file: &Path, json: bool, model: Option<ModelHandle>) -> Result<ExitCode> {
    let (judged, measurements) = match judge_file(file, model.as_deref()) {
        Ok(result) => result,
        Err(error) => {
            println!(
                "{}: cannot be judged ({}): {}",
                file.display(),
                error.kind,
                error.message
            );
            return Ok(ExitCode::from(1));
        }
    };
    if json {
        let value = serde_json::json!({
            "path": file,
            "judgement": judged,
            "measurements": measurements,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", file.display());
    println!(
        "  verdict: {} (score {:.1} of 100)",
        judged.verdict.as_str(),
        judged.score
    );
    match (&judged.model, &model) {
        (Some(info), Some(m)) => println!(
            "  learned model: {} {} ({}); no-defect probability {:.0} %",
            info.name,
            info.version,
            m.runtime_note().unwrap_or_default(),
            judged.quality.unwrap_or(0.0) * 100.0
        ),
        (None, Some(m)) => println!(
            "  learned model: not used ({})",
            m.runtime_note().unwrap_or_default()
        ),
        _ => println!("  learned model: off"),
    }
    if judged.reasons.is_empty() {
        println!("  no problem measured");
    }
    for r in &judged.reasons {
        println!(
            "  - {}: severity {:.2}, confidence {:.2}\n      {}",
            r.code, r.severity, r.confidence, r.message
        );
    }
    // A flag the model took back is part of the explanation, not something to hide.
    let measured_only = cull_core::judge::fuse(&measurements);
    let sharp_face = cull_core::judge::sharp_subject(&judged.faces, judged.width, judged.height);
    for r in judged.taken_back(&measured_only.reasons) {
        let by = match r.code {
            ReasonCode::Blur | ReasonCode::MotionBlur if sharp_face.is_some() => "a sharp face",
            _ => "the learned model",
        };
        println!(
            "  - {}: measured at severity {:.2}, taken back by {by}\n      {}",
            r.code, r.severity, r.message
        );
    }
    print_measurements(&measurements);
    if !judged.faces.is_empty() {
        println!("  faces:");
    }
    for f in &judged.faces {
        let [x, y, w, h] = f.bbox;
        let eye = |o: Option<f32>| o.map_or("—".to_string(), |o| format!("{o:.2}"));
        println!(
            "    {w:.0}×{h:.0} px at ({x:.0}, {y:.0}): eyes {:?} (lid gap {} and {} of the eye's width), sharpness {}, edges {}",
            f.eyes,
            eye(f.openness[0]),
            eye(f.openness[1]),
            f.sharpness.map_or("—".to_string(), |s| format!("{:.0} %", s * 100.0)),
            f.edge_px.map_or("—".to_string(), |e| format!("{e:.1} px wide"))
        );
    }
    let e = &judged.exif;
    println!("  EXIF:");
    let field = |name: &str, value: Option<String>| {
        println!("    {name:<14} {}", value.unwrap_or_else(|| "—".into()));
    };
    field("captured", e.capture_time.clone());
    field("camera", e.camera.clone());
    field("lens", e.lens.clone());
    field(
        "exposure",
        e.exposure_time.map(|t| {
            if t < 1.0 && t > 0.0 {
                format!("1/{:.0} s", 1.0 / t)
            } else {
                format!("{t} s")
            }
        }),
    );
    field("aperture", e.aperture.map(|f| format!("f/{f:.1}")));
    field("iso", e.iso.map(|i| i.to_string()));
    field("bias", e.exposure_bias.map(|b| format!("{b:+.1} EV")));
    field("orientation", e.orientation.map(|o| o.to_string()));
    println!("  size: {}×{}", judged.width, judged.height);
    Ok(ExitCode::SUCCESS)
}

fn print_measurements(m: &Measurements) {
    for line in m.describe() {
        println!("  {line}");
    }
}

fn clean(
    library: &mut Library,
    paths: Vec<PathBuf>,
    threads: Option<usize>,
    model: Option<ModelHandle>,
    dry_run: bool,
) -> Result<ExitCode> {
    let _job = wait_for_library(library, "a clean-up by `cull clean`")?;
    // Under the library's sensitivities and groups, as the app would clean up.
    let (summary, reports, _) = scan_as_shown(library, paths, threads, model)?;
    eprintln!("{}", output::summary_line(&summary));
    let store = library.store_mut();
    let plan = plan_cleanup(store, &reports)?;
    let file_count: usize = plan.shots.iter().map(|s| s.files.len()).sum();
    if plan.shots.is_empty() {
        println!("nothing to clean: no rejected shots");
        return Ok(ExitCode::SUCCESS);
    }
    if dry_run {
        for shot in &plan.shots {
            for (path, bytes) in &shot.files {
                println!("would move  {}  ({})", path.display(), human_bytes(*bytes));
            }
        }
        println!(
            "dry run: {} files of {} rejected shots ({}) would move to the trash",
            file_count,
            plan.shots.len(),
            human_bytes(plan.total_bytes)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let outcome = execute_cleanup(store, &plan)?;
    for (path, bytes) in &outcome.moved {
        println!("moved  {}  ({})", path.display(), human_bytes(*bytes));
    }
    for (path, why) in &outcome.failed {
        eprintln!("cull: could not move {}: {why}", path.display());
    }
    let moved_bytes: u64 = outcome.moved.iter().map(|(_, b)| b).sum();
    println!(
        "moved {} files ({}) to the trash; `cull undo` puts them back",
        outcome.moved.len(),
        human_bytes(moved_bytes)
    );
    Ok(if outcome.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn undo(library: &mut Library) -> Result<ExitCode> {
    let _job = wait_for_library(library, "an undo by `cull undo`")?;
    let outcome = undo_last_cleanup(library.store_mut())?;
    for path in &outcome.restored {
        println!("restored  {}", path.display());
    }
    for (path, why) in &outcome.failed {
        eprintln!("cull: could not restore {}: {why}", path.display());
    }
    for path in &outcome.never_moved {
        println!("in place  {}", path.display());
    }
    if !outcome.never_moved.is_empty() {
        println!(
            "{} files were still in place: the clean-up was cut off around their move (a copy \
             may stay in the trash)",
            outcome.never_moved.len()
        );
    }
    println!("restored {} files", outcome.restored.len());
    Ok(if outcome.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `cull mark`: finds the shot each file belongs to (judging its folder first when the library
/// has never seen it) and records the call on the whole shot, so a RAW+JPEG pair is kept or
/// rejected together.
fn mark(
    library: &mut Library,
    call: MarkAs,
    files: &[PathBuf],
    model: &dyn Fn() -> Option<ModelHandle>,
    xmp: Option<SidecarNaming>,
) -> Result<ExitCode> {
    let decision = match call {
        MarkAs::Keep => Some(Decision::Keep),
        MarkAs::Reject => Some(Decision::Reject),
        MarkAs::Clear => None,
    };
    let mut failed = 0;
    for file in files {
        let Ok(path) = std::fs::canonicalize(file) else {
            eprintln!("cull: {} does not exist", file.display());
            failed += 1;
            continue;
        };
        let shot = match find_shot(library, &path)? {
            Some(shot) => Some(shot),
            None => {
                let _job = wait_for_library(library, "`cull mark` judging a new photo")?;
                let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let collected = cull_core::collect_folders(&[folder], &CancelToken::new());
                let options = ScanOptions {
                    model: model(),
                    skip_cached: true,
                    ..ScanOptions::default()
                };
                cull_core::judge_collected(
                    library.store_mut(),
                    collected,
                    &options,
                    &cull_core::progress::NoProgress,
                    &CancelToken::new(),
                    &mut |_| {},
                )?;
                find_shot(library, &path)?
            }
        };
        let Some(shot) = shot else {
            eprintln!("cull: {} is not a photo Cull can judge", path.display());
            failed += 1;
            continue;
        };
        library.store().set_decision(&shot.report.key, decision)?;
        let label = decision.map_or("clear", Decision::as_str);
        for file in &shot.report.files {
            println!("{label:<6} {}", file.display());
        }
        if let Some(naming) = xmp {
            let shown = library
                .settings()
                .apply(shot.report.clone(), shot.group.as_ref());
            write_sidecars([(&shown, decision)], naming);
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The stored shot that `path` is one of the files of.
fn find_shot(library: &Library, path: &Path) -> Result<Option<StoredShot>> {
    let folder = path.parent().unwrap_or(Path::new("/"));
    Ok(library
        .store()
        .shots_under(folder)?
        .into_iter()
        .find(|s| s.report.files.iter().any(|f| f == path)))
}
