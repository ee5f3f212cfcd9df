// Scan speed and time left from the progress events (a sliding window, so a fast cached start
// does not make the estimate for the judged rest wildly optimistic).
import type { Stage } from "../api/types";

export interface ProgressSample {
  stage: Stage;
  done: number;
  total: number;
  failed: number;
  elapsed_secs: number;
}

export interface ProgressEstimate {
  stage: Stage;
  done: number;
  total: number;
  failed: number;
  /** 0..1, null while the total is unknown */
  fraction: number | null;
  /** photos per second, null until measurable */
  rate: number | null;
  /** seconds, null until measurable */
  eta: number | null;
  elapsed: number;
}

export class ProgressEstimator {
  private samples: { done: number; t: number }[] = [];
  private last: ProgressEstimate | null = null;

  constructor(private readonly windowSecs = 5) {}

  reset(): void {
    this.samples = [];
    this.last = null;
  }

  get current(): ProgressEstimate | null {
    return this.last;
  }

  push(p: ProgressSample): ProgressEstimate {
    const t = p.elapsed_secs;
    // A new stage (or a counter going back) restarts the window.
    if (this.last && (this.last.stage !== p.stage || p.done < this.last.done)) this.samples = [];
    this.samples.push({ done: p.done, t });
    while (this.samples.length > 2 && t - this.samples[1].t >= this.windowSecs) this.samples.shift();
    const first = this.samples[0];
    let rate: number | null = null;
    const span = t - first.t;
    if (span >= 0.5 && p.done > first.done) rate = (p.done - first.done) / span;
    else if (t >= 0.5 && p.done > 0 && this.samples.length === 1) rate = p.done / t;
    const counting = p.stage === "checking" || p.stage === "judging";
    const fraction = p.stage === "done" ? 1 : p.total > 0 ? Math.min(1, p.done / p.total) : null;
    const eta =
      p.stage === "done" ? 0 : counting && rate && p.total > 0 ? Math.max(0, (p.total - p.done) / rate) : null;
    this.last = { stage: p.stage, done: p.done, total: p.total, failed: p.failed, fraction, rate, eta, elapsed: t };
    return this.last;
  }
}
