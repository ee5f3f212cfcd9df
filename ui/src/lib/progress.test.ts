import { describe, expect, it } from "vitest";
import { ProgressEstimator } from "./progress";

describe("ProgressEstimator", () => {
  it("has no fraction or ETA while walking", () => {
    const p = new ProgressEstimator();
    const e = p.push({ stage: "walking", done: 0, total: 0, failed: 0, elapsed_secs: 0.2 });
    expect(e.fraction).toBeNull();
    expect(e.eta).toBeNull();
  });

  it("measures photos per second over a sliding window and the time left", () => {
    const p = new ProgressEstimator(5);
    // fast cached start: 1000 in the first second, then 10/s
    p.push({ stage: "judging", done: 0, total: 2000, failed: 0, elapsed_secs: 0 });
    p.push({ stage: "judging", done: 1000, total: 2000, failed: 0, elapsed_secs: 1 });
    let e = p.push({ stage: "judging", done: 1010, total: 2000, failed: 0, elapsed_secs: 2 });
    expect(e.rate).toBeCloseTo(505, 0);
    for (let t = 3; t <= 12; t++) e = p.push({ stage: "judging", done: 1010 + (t - 2) * 10, total: 2000, failed: 0, elapsed_secs: t });
    // the window has dropped the burst
    expect(e.rate).toBeCloseTo(10, 5);
    expect(e.done).toBe(1110);
    expect(e.fraction).toBeCloseTo(1110 / 2000);
    expect(e.eta).toBeCloseTo(89, 5);
  });

  it("restarts the window on a new stage and finishes at 100 %", () => {
    const p = new ProgressEstimator();
    p.push({ stage: "checking", done: 500, total: 500, failed: 0, elapsed_secs: 1 });
    const j = p.push({ stage: "judging", done: 0, total: 100, failed: 0, elapsed_secs: 1.1 });
    expect(j.rate).toBeNull();
    const d = p.push({ stage: "done", done: 100, total: 100, failed: 3, elapsed_secs: 9 });
    expect(d.fraction).toBe(1);
    expect(d.eta).toBe(0);
    expect(d.failed).toBe(3);
  });
});
