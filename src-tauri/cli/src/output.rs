//! What `cull` prints: the `--json` contract (one object per shot per line, shared by `scan` and
//! `watch`), the human lines, and the summary.

use std::io::Write;

use anyhow::Result;
use cull_core::groups::ShotGroup;
use cull_core::{Decision, ScanSummary, ShotReport};
use serde::Serialize;

/// One `--json` line: the shot as judged, the user's own call (`null` when none) and its group
/// (`null` when it is alone).
#[derive(Debug, Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    report: &'a ShotReport,
    decision: Option<Decision>,
    group: Option<&'a ShotGroup>,
}

/// A shot as the CLI prints it: the report (under the library's settings, with its group's
/// reason), the user's call and the group.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    pub report: &'a ShotReport,
    pub decision: Option<Decision>,
    pub group: Option<&'a ShotGroup>,
}

/// Prints a shot as a `--json` line, or, for people, a line when something is wrong with it.
pub fn print_line(shot: Shown<'_>, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let line = Line {
            report: shot.report,
            decision: shot.decision,
            group: shot.group,
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    } else {
        human_line(&mut out, shot, false)?;
    }
    // A pipe (`cull watch | …`) hears of each shot as it is judged, not when a buffer fills.
    out.flush()?;
    Ok(())
}

/// Prints a shot the watcher judged: like [`print_line`], but people hear of every arrival, the
/// clean ones too.
pub fn print_arrival(shot: Shown<'_>, json: bool) -> Result<()> {
    if json {
        return print_line(shot, json);
    }
    let mut out = std::io::stdout().lock();
    human_line(&mut out, shot, true)?;
    out.flush()?;
    Ok(())
}

fn human_line(out: &mut impl Write, shot: Shown<'_>, always: bool) -> Result<()> {
    let Shown {
        report,
        decision,
        group,
    } = shot;
    let mut yours = decision.map_or(String::new(), |d| format!("  [your call: {}]", d.as_str()));
    if let Some(g) = group {
        let role = if g.best { ", the best" } else { "" };
        yours.push_str(&format!(
            "  [{} {} of {}{role}]",
            g.kind.as_str(),
            g.rank,
            g.size
        ));
    }
    match (report.judged(), report.error()) {
        (Some(j), _) if j.reasons.is_empty() && decision.is_none() && !always => {}
        (Some(j), _) => {
            let reasons: Vec<String> = j
                .reasons
                .iter()
                .map(|r| format!("{} ({:.0} %)", r.code, r.severity * 100.0))
                .collect();
            writeln!(
                out,
                "{:<6} {:>5.1}  {}  {}{yours}",
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

/// Said on stderr when a job has to wait for another that holds the library.
pub fn say_waiting(holder: &str) {
    eprintln!("cull: the library is busy ({holder}); waiting for it to finish");
}

pub fn summary_line(s: &ScanSummary) -> String {
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

pub fn human_bytes(bytes: u64) -> String {
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
