// Scan progress (never blocking: the grid fills and stays usable underneath) and the summary.
import type { ScanSummaryView } from "../api/types";
import { formatCount, formatDuration, formatSummary } from "../lib/format";
import type { ProgressEstimate } from "../lib/progress";
import { h, setAttr, setChildren, setText } from "./dom";

const STAGE: Record<string, string> = {
  walking: "Finding photos",
  checking: "Checking the cache",
  judging: "Judging",
  done: "Finishing",
};

export class ScanBar {
  readonly el: HTMLDivElement;
  private progress: HTMLDivElement;
  private label: HTMLSpanElement;
  private stats: HTMLSpanElement;
  private fill: HTMLDivElement;
  private track: HTMLDivElement;
  private cancelBtn: HTMLButtonElement;
  private done: HTMLDivElement;

  constructor(onCancel: () => void, onRescan: () => void) {
    this.label = h("span", { class: "scan-label" });
    this.stats = h("span", { class: "scan-stats" });
    this.fill = h("div", { class: "bar-fill" });
    this.track = h("div", { class: "bar", role: "progressbar", "aria-label": "Scan progress", "aria-valuemin": "0", "aria-valuemax": "100" }, this.fill);
    this.cancelBtn = h("button", { class: "btn small", "data-testid": "cancel-scan", onclick: () => onCancel() }, "Cancel");
    this.progress = h(
      "div",
      { class: "scan-progress", "data-testid": "scan-progress" },
      h("div", { class: "scan-line" }, this.label, this.stats, h("span", { class: "spacer" }), this.cancelBtn),
      this.track,
    );
    this.done = h("div", { class: "scan-done", "data-testid": "scan-done" });
    this.el = h("div", { class: "scanbar" });
    this.onRescan = onRescan;
  }

  private onRescan: () => void;

  /** Scanning: shows the progress element (and removes the summary). */
  showProgress(p: ProgressEstimate | null, cancelling: boolean): void {
    if (this.progress.parentNode !== this.el) setChildren(this.el, this.progress);
    this.el.hidden = false;
    const stage = p ? STAGE[p.stage] ?? p.stage : "Starting";
    setText(this.label, cancelling ? "Cancelling…" : stage);
    this.cancelBtn.disabled = cancelling;
    const parts: string[] = [];
    if (p && p.total > 0) parts.push(`${formatCount(p.done)} / ${formatCount(p.total)}`);
    else if (p && p.done > 0) parts.push(`${formatCount(p.done)} found`);
    if (p?.rate) parts.push(`${p.rate >= 10 ? Math.round(p.rate) : p.rate.toFixed(1)} photos/s`);
    if (p?.eta != null && p.eta > 0) parts.push(`${formatDuration(p.eta)} left`);
    if (p?.failed) parts.push(`${formatCount(p.failed)} unreadable`);
    setText(this.stats, parts.join(" · "));
    const frac = p?.fraction;
    this.track.classList.toggle("indeterminate", frac == null);
    this.fill.style.width = frac == null ? "" : `${(frac * 100).toFixed(1)}%`;
    setAttr(this.track, "aria-valuenow", frac == null ? null : String(Math.round(frac * 100)));
  }

  /** Before a scan can start: another job holds the library (the next progress replaces this). */
  showWaiting(holder: string): void {
    this.showProgress(null, false);
    setText(this.label, "Waiting");
    setText(this.stats, `${holder} is using the library; the scan starts when it is done`);
  }

  /** After a scan: the summary stays until the next scan. */
  showDone(summary: ScanSummaryView): void {
    // Where the learned model ran (or why it could not) is said once, here.
    const model = summary.model_note ? ` · model ${summary.model_note}` : "";
    this.showText(formatSummary(summary) + model, summary.cancelled);
  }

  /** After a scan, in words of our own (e.g. a cancelled scan that returned no summary). */
  showText(text: string, cancelled: boolean): void {
    setText(this.done, text);
    this.done.classList.toggle("cancelled", cancelled);
    setChildren(
      this.el,
      h(
        "div",
        { class: "scan-line" },
        this.done,
        h("span", { class: "spacer" }),
        h("button", { class: "btn small ghost", onclick: () => this.onRescan() }, "Rescan"),
      ),
    );
    this.el.hidden = false;
  }

  hide(): void {
    setChildren(this.el);
    this.el.hidden = true;
  }
}
