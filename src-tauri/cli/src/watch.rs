//! `cull watch`: judges what is in the folders, then every photo that arrives or changes, one line
//! per judged shot, until Ctrl-C or SIGTERM ends it cleanly (the batch being judged is stored
//! first). Made for a NAS or a server, with no window.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use cull_core::model::ModelHandle;
use cull_core::watch::{watch, Change, WatchOptions};
use cull_core::{CancelToken, Library};

use crate::output;

pub fn run(
    library: &mut Library,
    paths: Vec<PathBuf>,
    threads: Option<usize>,
    quiet: f64,
    model: Option<ModelHandle>,
    json: bool,
) -> Result<ExitCode> {
    let mut folders = Vec::new();
    for path in paths {
        let folder = std::fs::canonicalize(&path)
            .with_context(|| format!("{} cannot be watched", path.display()))?;
        anyhow::ensure!(folder.is_dir(), "{} is not a folder", path.display());
        folders.push(folder);
    }
    let cancel = CancelToken::new();
    let on_signal = cancel.clone();
    ctrlc::set_handler(move || on_signal.cancel()).context("listening for Ctrl-C and SIGTERM")?;
    let options = WatchOptions {
        folders: folders.clone(),
        quiet: Duration::from_secs_f64(quiet.clamp(0.1, 3600.0)),
        scan_first: true,
        threads,
        model,
    };
    let settings = library.settings().clone();
    // Decisions are read as each shot is printed, from a second connection: the app may make
    // them while this runs.
    let decisions = library.open_store()?;
    let mut judged = 0usize;
    let mut removed = 0usize;
    let mut output_error = None;
    let sink = cull_core::progress::NoProgress;
    let outcome = watch(
        library,
        &options,
        &sink,
        &cancel,
        &mut |change| match change {
            Change::Judged(report) => {
                judged += 1;
                let decision = decisions.decision(&report.key).ok().flatten();
                let report = settings.apply(report.clone());
                if let Err(err) = output::print_arrival(&report, decision, json) {
                    // stdout is gone (a closed pipe): nobody is listening any more.
                    output_error.get_or_insert(err);
                    cancel.cancel();
                }
            }
            Change::Removed { path, .. } => {
                removed += 1;
                eprintln!("cull: gone  {}", path.display());
            }
            Change::Ready => eprintln!(
                "cull: watching {} folder{}; Ctrl-C stops",
                folders.len(),
                if folders.len() == 1 { "" } else { "s" }
            ),
            Change::Waiting(holder) => output::say_waiting(holder),
            Change::Problem(message) => eprintln!("cull: watching: {message}"),
            Change::Idle => {}
        },
    );
    match outcome {
        Ok(()) | Err(cull_core::Error::Cancelled) => {}
        Err(err) => return Err(err.into()),
    }
    if let Some(err) = output_error {
        return Err(err);
    }
    eprintln!("cull: stopped watching: {judged} shots judged, {removed} gone");
    Ok(ExitCode::SUCCESS)
}
