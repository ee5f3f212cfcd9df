// Sidebar: filters by effective verdict and by reason (each with a live count), sorting, and the
// clean-up button.
import type { CleanupPlanView, ReasonCode } from "../api/types";
import { cleanupLabel, formatCount } from "../lib/format";
import type { Counts, Filter, SortDir, SortKey, VerdictFilter } from "../lib/library";
import { REASON_CODES, REASON_SHORT, REASON_TITLE } from "../lib/reasons";
import { h, setAttr, setText, toggleClass } from "./dom";

export interface SidebarHost {
  setVerdictFilter(v: VerdictFilter): void;
  setReasonFilter(r: ReasonCode | null): void;
  setSort(key: SortKey, dir: SortDir): void;
  openCleanup(): void;
  keepBestAll(): void;
}

const VERDICT_FILTERS: { v: VerdictFilter; label: string; hint: string }[] = [
  { v: "all", label: "All photos", hint: "Every shot in your folders" },
  { v: "keep", label: "Keep", hint: "Cull found no problem, or you picked them" },
  { v: "review", label: "Review", hint: "Borderline: worth a look" },
  { v: "reject", label: "Reject", hint: "Cull found a clear problem, or you rejected them" },
  { v: "errors", label: "Unreadable", hint: "Files Cull could not read" },
];

export class Sidebar {
  readonly el: HTMLElement;
  private verdictBtns = new Map<VerdictFilter, { btn: HTMLButtonElement; count: HTMLSpanElement }>();
  private reasonBtns = new Map<ReasonCode, { btn: HTMLButtonElement; count: HTMLSpanElement }>();
  private sortSel: HTMLSelectElement;
  private dirBtn: HTMLButtonElement;
  private cleanupBtn: HTMLButtonElement;
  private cleanupNote: HTMLParagraphElement;
  private stacksBtn: HTMLButtonElement;
  private sortKey: SortKey = "date";
  private sortDir: SortDir = "asc";

  constructor(private host: SidebarHost) {
    const verdictList = h("div", { class: "filter-list", role: "group", "aria-label": "Filter by verdict" });
    for (const f of VERDICT_FILTERS) {
      const count = h("span", { class: "count" }, "0");
      const btn = h(
        "button",
        {
          class: `filter f-${f.v}`,
          "data-testid": `filter-verdict-${f.v}`,
          "aria-pressed": "false",
          title: f.hint,
          onclick: () => this.host.setVerdictFilter(f.v),
        },
        h("span", { class: `dot v-${f.v}`, "aria-hidden": "true" }),
        h("span", { class: "label" }, f.label),
        count,
      );
      this.verdictBtns.set(f.v, { btn, count });
      verdictList.appendChild(btn);
    }

    const reasonList = h("div", { class: "filter-list", role: "group", "aria-label": "Filter by reason" });
    for (const code of REASON_CODES) {
      const count = h("span", { class: "count" }, "0");
      const btn = h(
        "button",
        {
          class: "filter reason",
          "data-testid": `filter-reason-${code}`,
          "data-reason": code,
          "aria-pressed": "false",
          title: `${REASON_TITLE[code]} — click again to show every reason`,
          onclick: () => this.host.setReasonFilter(this.reasonBtns.get(code)!.btn.getAttribute("aria-pressed") === "true" ? null : code),
        },
        h("span", { class: `chip r-${code}`, "aria-hidden": "true" }, REASON_SHORT[code]),
        h("span", { class: "label" }, REASON_TITLE[code]),
        count,
      );
      this.reasonBtns.set(code, { btn, count });
      reasonList.appendChild(btn);
    }

    this.sortSel = h(
      "select",
      { "data-testid": "sort", "aria-label": "Sort by", onchange: () => this.emitSort() },
      h("option", { value: "date" }, "Date"),
      h("option", { value: "score" }, "Score"),
      h("option", { value: "name" }, "Name"),
    );
    this.dirBtn = h("button", { class: "btn small", "data-testid": "sort-dir", onclick: () => this.flipDir() });

    this.cleanupBtn = h("button", { class: "btn danger wide", "data-testid": "cleanup-button", onclick: () => this.host.openCleanup() }, "Move rejected shots to Trash…");
    this.cleanupNote = h("p", { class: "muted small" }, "Rejected shots go to the Trash, never deleted. You can undo.");

    this.stacksBtn = h(
      "button",
      {
        class: "btn wide",
        "data-testid": "keep-best-all",
        title: "In every stack of a burst or of copies: keep the best shot, reject the others (brackets, focus stacks and panoramas are left alone). Undo with Ctrl/Cmd+Z.",
        onclick: () => this.host.keepBestAll(),
      },
      "Keep the best of every stack…",
    );

    this.el = h(
      "aside",
      { class: "sidebar", "aria-label": "Filters" },
      h("h2", null, "Library"),
      verdictList,
      h("h2", null, "Reasons"),
      reasonList,
      h("h2", null, "Sort"),
      h("div", { class: "sort-row" }, this.sortSel, this.dirBtn),
      h("div", { class: "sidebar-bottom" }, h("h2", null, "Clean up"), this.stacksBtn, this.cleanupBtn, this.cleanupNote),
    );
    this.renderSort();
  }

  private emitSort(): void {
    this.sortKey = this.sortSel.value as SortKey;
    // Score: worst first is what culling wants; dates and names read oldest/A first.
    this.sortDir = "asc";
    this.renderSort();
    this.host.setSort(this.sortKey, this.sortDir);
  }

  private flipDir(): void {
    this.sortDir = this.sortDir === "asc" ? "desc" : "asc";
    this.renderSort();
    this.host.setSort(this.sortKey, this.sortDir);
  }

  setSort(key: SortKey, dir: SortDir): void {
    this.sortKey = key;
    this.sortDir = dir;
    this.renderSort();
  }

  private renderSort(): void {
    this.sortSel.value = this.sortKey;
    const words: Record<SortKey, [string, string]> = {
      date: ["Oldest first", "Newest first"],
      score: ["Worst first", "Best first"],
      name: ["A → Z", "Z → A"],
    };
    setText(this.dirBtn, (this.sortDir === "asc" ? "↑ " : "↓ ") + words[this.sortKey][this.sortDir === "asc" ? 0 : 1]);
    setAttr(this.dirBtn, "title", "Reverse the order");
  }

  update(counts: Counts, filter: Filter, stacks: number): void {
    this.stacksBtn.disabled = stacks === 0;
    setAttr(this.stacksBtn, "data-stacks", String(stacks));
    for (const [v, { btn, count }] of this.verdictBtns) {
      const n = v === "all" ? counts.all : v === "errors" ? counts.errors : counts[v];
      setText(count, formatCount(n));
      setAttr(btn, "aria-pressed", String(filter.verdict === v));
      toggleClass(btn, "empty", n === 0);
    }
    for (const [code, { btn, count }] of this.reasonBtns) {
      const n = counts.reasons[code];
      setText(count, formatCount(n));
      setAttr(btn, "aria-pressed", String(filter.reason === code));
      toggleClass(btn, "empty", n === 0);
    }
  }

  /** `plan` null = not known yet (or it could not be read): the button asks for it on click. */
  updateCleanup(plan: CleanupPlanView | null, busy: boolean): void {
    const shots = plan?.shots ?? 0;
    setText(this.cleanupBtn, plan ? cleanupLabel(shots, plan.bytes) : "Move rejected shots to Trash…");
    this.cleanupBtn.disabled = busy || (plan != null && shots === 0);
    setAttr(this.cleanupBtn, "data-shots", String(shots));
    setAttr(this.cleanupBtn, "title", busy ? "Wait for the scan to finish" : shots ? `${plan?.files.length ?? 0} files` : "Nothing is rejected");
  }
}
