//! `cull`, the command-line face of Cull: it configures and drives `cull-core` — scan a library
//! and print verdicts (one JSON object per line with `--json`), explain one photo's verdict, move
//! rejected shots to the OS trash, and undo that.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use cull_core::judge::Measurements;
use cull_core::model::{Device, ModelHandle, OnnxModel};
use cull_core::progress::{CancelToken, Progress, ProgressSink, Stage};
use cull_core::trash::{execute_cleanup, plan_cleanup, undo_last_cleanup};
use cull_core::{judge_file, scan, ScanOptions, ScanSummary, ShotReport, Store};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser, Debug)]
#[command(
    name = "cull",
    version,
    about = "Find the weak shots in a photo library, offline"
)]
struct Cli {
    /// The verdict cache (SQLite). Default: $CULL_DB, else cull/library.db in the user's data folder.
    #[arg(long, global = true, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Where the learned model runs: auto, cpu, cuda, directml or coreml. A device that is not
    /// usable here falls back to the CPU, and the scan says so.
    #[arg(
        long,
        global = true,
        env = "CULL_DEVICE",
        default_value = "cpu",
        value_name = "DEVICE"
    )]
    device: Device,
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
    let model = (!cli.no_model).then(|| load_model(cli.device)).flatten();
    match cli.command {
        Command::Scan {
            json,
            threads,
            paths,
        } => {
            let mut store = open_store(cli.db.as_deref())?;
            let summary = run_scan(&mut store, paths, threads, model, |report| {
                if json {
                    print_json_line(report)
                } else {
                    print_human_line(report)
                }
            })?;
            eprintln!("{}", summary_line(&summary));
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { json, file } => explain(&file, json, model),
        Command::Clean {
            dry_run,
            threads,
            paths,
        } => clean(cli.db.as_deref(), paths, threads, model, dry_run),
        Command::Undo => undo(cli.db.as_deref()),
    }
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

fn default_db() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("CULL_DB") {
        return Ok(PathBuf::from(path));
    }
    let data = dirs::data_dir().context("no user data folder; pass --db FILE")?;
    Ok(data.join("cull").join("library.db"))
}

fn open_store(db: Option<&Path>) -> Result<Store> {
    let path = match db {
        Some(p) => p.to_path_buf(),
        None => default_db()?,
    };
    Store::open(&path).with_context(|| format!("opening the cache {}", path.display()))
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

fn print_json_line(report: &ShotReport) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, report)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn print_human_line(report: &ShotReport) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match (report.judged(), report.error()) {
        (Some(j), _) if j.reasons.is_empty() => {}
        (Some(j), _) => {
            let reasons: Vec<String> = j
                .reasons
                .iter()
                .map(|r| format!("{} ({:.0} %)", r.code, r.severity * 100.0))
                .collect();
            writeln!(
                out,
                "{:<6} {:>5.1}  {}  {}",
                j.verdict.as_str(),
                j.score,
                report.path.display(),
                reasons.join(", ")
            )?;
        }
        (None, Some(e)) => writeln!(
            out,
            "error  {}  {}: {}",
            report.path.display(),
            e.kind,
            e.message
        )?,
        (None, None) => {}
    }
    Ok(())
}

fn summary_line(s: &ScanSummary) -> String {
    let judged_rate = if s.elapsed_secs > 0.0 {
        s.judged as f64 / s.elapsed_secs
    } else {
        0.0
    };
    format!(
        "cull: {} shots ({} files): {} keep, {} review, {} reject, {} errors; {} from cache, {} judged in {:.1} s ({:.1} photos/s)",
        s.shots, s.files, s.keep, s.review, s.reject, s.failed, s.cached, s.judged, s.elapsed_secs, judged_rate
    )
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
    for r in judged.taken_back(&measured_only.reasons) {
        println!(
            "  - {}: measured at severity {:.2}, taken back by the learned model\n      {}",
            r.code, r.severity, r.message
        );
    }
    print_measurements(&measurements);
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
    db: Option<&Path>,
    paths: Vec<PathBuf>,
    threads: Option<usize>,
    model: Option<ModelHandle>,
    dry_run: bool,
) -> Result<ExitCode> {
    let mut store = open_store(db)?;
    let mut reports = Vec::new();
    let summary = run_scan(&mut store, paths, threads, model, |r| {
        reports.push(r.clone());
        Ok(())
    })?;
    eprintln!("{}", summary_line(&summary));
    let plan = plan_cleanup(&store, &reports)?;
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
    let outcome = execute_cleanup(&mut store, &plan)?;
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

fn undo(db: Option<&Path>) -> Result<ExitCode> {
    let mut store = open_store(db)?;
    let outcome = undo_last_cleanup(&mut store)?;
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

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_uses_decimal_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
        assert_eq!(human_bytes(2_000_000_000), "2.0 GB");
    }
}
