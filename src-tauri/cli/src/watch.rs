//! `cull watch`: judges what is in the folders, then every photo that arrives or changes, one line
//! per judged shot, until Ctrl-C or SIGTERM ends it cleanly (the batch being judged is stored
//! first). Made for a NAS or a server, with no window.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use cull_core::model::ModelHandle;
use cull_core::watch::{watch, Change, WatchOptions};
use cull_core::xmp::SidecarNaming;
use cull_core::{CancelToken, Library, ShotReport};

use crate::output;

pub fn run(
    library: &mut Library,
    paths: Vec<PathBuf>,
    threads: Option<usize>,
    quiet: f64,
    model: Option<ModelHandle>,
    json: bool,
    xmp: Option<SidecarNaming>,
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
    // Arrivals wait for the end of their batch, when the batch has been grouped: a shot's line
    // carries its group, and the shots an arrival joined are printed again with theirs.
    let mut arrivals: Vec<ShotReport> = Vec::new();
    let flush = |arrivals: &mut Vec<ShotReport>| -> Result<()> {
        let mut printed = std::collections::HashSet::new();
        let mut mates = Vec::new();
        for report in arrivals.drain(..) {
            printed.insert(report.key.clone());
            let stored = decisions.shot_by_key(&report.key)?;
            let (decision, group) = stored.map_or((None, None), |s| (s.decision, s.group));
            // The shots an arrival joined: printed again with `--json`, their sidecars
            // rewritten with `--xmp` (a new best changes the others' calls).
            if json || xmp.is_some() {
                if let Some(g) = &group {
                    mates.push(g.id);
                }
            }
            let report = settings.apply(report, group.as_ref());
            if let Some(naming) = xmp {
                crate::write_sidecars([(&report, decision)], naming);
            }
            output::print_arrival(
                output::Shown {
                    report: &report,
                    decision,
                    group: group.as_ref(),
                },
                json,
            )?;
        }
        mates.sort_unstable();
        mates.dedup();
        for id in mates {
            for mate in decisions.group_members(id)? {
                if printed.insert(mate.report.key.clone()) {
                    let report = settings.apply(mate.report, mate.group.as_ref());
                    if let Some(naming) = xmp {
                        crate::write_sidecars([(&report, mate.decision)], naming);
                    }
                    if json {
                        output::print_line(
                            output::Shown {
                                report: &report,
                                decision: mate.decision,
                                group: mate.group.as_ref(),
                            },
                            json,
                        )?;
                    }
                }
            }
        }
        Ok(())
    };
    let sink = cull_core::progress::NoProgress;
    let outcome = watch(
        library,
        &options,
        &sink,
        &cancel,
        &mut |change| match change {
            Change::Judged(report) => {
                judged += 1;
                arrivals.push(report.clone());
            }
            Change::Removed { path, .. } => {
                removed += 1;
                eprintln!("cull: gone  {}", path.display());
            }
            Change::Ready | Change::Idle => {
                if let Err(err) = flush(&mut arrivals) {
                    // stdout is gone (a closed pipe): nobody is listening any more.
                    output_error.get_or_insert(err);
                    cancel.cancel();
                }
                if matches!(change, Change::Ready) {
                    eprintln!(
                        "cull: watching {} folder{}; Ctrl-C stops",
                        folders.len(),
                        if folders.len() == 1 { "" } else { "s" }
                    );
                }
            }
            Change::Waiting(holder) => output::say_waiting(holder),
            Change::Problem(message) => eprintln!("cull: watching: {message}"),
        },
    );
    if output_error.is_none() {
        // What the last batch judged before Ctrl-C.
        if let Err(err) = flush(&mut arrivals) {
            output_error = Some(err);
        }
    }
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
