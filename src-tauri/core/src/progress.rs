//! Progress reporting and cancellation for long jobs, shared by the CLI and the app.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Listing folders and grouping files into shots.
    Walking,
    /// Looking up cached verdicts.
    Checking,
    /// Decoding and judging photos that have no fresh verdict.
    Judging,
    Done,
}

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub stage: Stage,
    /// Shots finished in this stage.
    pub done: usize,
    /// Shots this stage will handle (0 while still unknown).
    pub total: usize,
    pub failed: usize,
    pub elapsed_secs: f64,
}

/// Receives progress a few times a second (never once per photo) and each finished shot.
pub trait ProgressSink: Send + Sync {
    fn progress(&self, progress: &Progress);
}

/// A sink that ignores everything, for callers that only want the result.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn progress(&self, _progress: &Progress) {}
}

/// Cheap to clone; cancelling one clone cancels them all.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Lets through at most one progress report per `interval`, plus the stage changes.
#[derive(Debug)]
pub(crate) struct Throttle {
    interval: Duration,
    last: Option<Instant>,
    last_stage: Option<Stage>,
}

impl Throttle {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: None,
            last_stage: None,
        }
    }

    pub(crate) fn should_emit(&mut self, stage: Stage, now: Instant) -> bool {
        let stage_changed = self.last_stage != Some(stage);
        let due = self
            .last
            .is_none_or(|last| now.duration_since(last) >= self.interval);
        if stage_changed || due {
            self.last = Some(now);
            self.last_stage = Some(stage);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_lets_through_stage_changes_and_one_report_per_interval() {
        let mut throttle = Throttle::new(Duration::from_millis(200));
        let t0 = Instant::now();
        assert!(throttle.should_emit(Stage::Judging, t0));
        assert!(!throttle.should_emit(Stage::Judging, t0 + Duration::from_millis(50)));
        assert!(throttle.should_emit(Stage::Done, t0 + Duration::from_millis(60)));
        assert!(throttle.should_emit(Stage::Done, t0 + Duration::from_millis(300)));
    }

    #[test]
    fn cancel_is_shared_between_clones() {
        let token = CancelToken::new();
        let clone = token.clone();
        clone.cancel();
        assert!(token.is_cancelled());
    }
}
