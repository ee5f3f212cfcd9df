// The app controller: owns the state, talks to the Rust side, wires the views together.
import { api, errorMessage, pickFolders } from "./api";
import type { AppInfo, CleanupPlanView, Decision, LibraryNews, ScanEvent, Settings, ShotView } from "./api/types";
import { formatBytes, formatCount, formatDuration, plural } from "./lib/format";
import { DecisionHistory, planChange, restoreCalls, type DecisionChange, type DecisionStep } from "./lib/history";
import { isEditableTarget, isMac, keyAction, type Action } from "./lib/keys";
import {
  Library,
  comparator,
  countShots,
  filterOrder,
  insertSorted,
  positions,
  sortOrder,
  type Filter,
  type SortDir,
  type SortKey,
} from "./lib/library";
import { ProgressEstimator, type ProgressEstimate } from "./lib/progress";
import { DECISION_LABEL } from "./lib/reasons";
import { compareIds, groupOf, keepBestPlan, keepBestQuestion, planCalls, stackOrder, toggleStack, type KeepBestPlan, type StackRole, type Stacked } from "./lib/stacks";
import {
  EMPTY,
  click,
  dragged,
  move,
  moveTo,
  only,
  reconcile,
  selectAll,
  selectedInOrder,
  type OrderView,
  type Selection,
} from "./lib/selection";
import { CleanupDialog } from "./ui/cleanup";
import { Compare } from "./ui/compare";
import { ConfirmDialog } from "./ui/confirm";
import { h, rafThrottle, setText } from "./ui/dom";
import { Banner, Toast } from "./ui/feedback";
import { Grid } from "./ui/grid";
import { Loupe } from "./ui/loupe";
import { ScanBar } from "./ui/scanbar";
import { SettingsPanel } from "./ui/settings";
import { Sidebar } from "./ui/sidebar";
import { Welcome } from "./ui/welcome";

type Mode = "loading" | "welcome" | "library";

export class App {
  // --- state
  private mode: Mode = "loading";
  private info: AppInfo | null = null;
  private lib = new Library();
  private sortKey: SortKey = "date";
  private sortDir: SortDir = "asc";
  private filter: Filter = { verdict: "all", reason: null };
  private order: Int32Array = new Int32Array(0);
  /** What the grid shows: the filtered order with stacks folded in (`stacked.order`). */
  private view: Int32Array = new Int32Array(0);
  private stacked: Stacked = stackOrder([], new Int32Array(0), new Set());
  /** Group ids of the stacks the user opened. */
  private expanded: ReadonlySet<number> = new Set();
  private pos: Int32Array = new Int32Array(0);
  private counts = countShots([]);
  private sel: Selection = EMPTY;
  private lastLeadPos = -1;
  private history = new DecisionHistory();
  private plan: CleanupPlanView | null = null;
  private scanning = false;
  private cancelling = false;
  private est = new ProgressEstimator();
  /** The watcher's batches have their own estimate: they run between scans. */
  private watchEst = new ProgressEstimator();
  private pendingBatches: ShotView[][] = [];
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSortMs = 0;
  /** Decisions made while a scan runs win over the scan's (older) copies of those shots. */
  private localDecisions = new Map<number, Decision | null>();
  /** Per-shot counter of local decision changes, so late `decide` answers never undo newer ones. */
  private versions = new Map<number, number>();
  private decideQueue: Promise<void> = Promise.resolve();
  private planTimer: ReturnType<typeof setTimeout> | undefined;
  private loupeOpen = false;
  private readonly mac = isMac(navigator.platform || navigator.userAgent);

  // --- views
  readonly el: HTMLElement;
  private grid: Grid;
  private loupe: Loupe;
  private compare: Compare;
  private sidebar: Sidebar;
  private banner = new Banner();
  private toast = new Toast();
  private scanbar: ScanBar;
  private cleanupDialog = new CleanupDialog();
  private confirmDialog = new ConfirmDialog();
  private settings: SettingsPanel;
  private welcome: Welcome;
  private stage: HTMLDivElement;
  private statusText: HTMLSpanElement;
  private rescanBtn: HTMLButtonElement;
  private headerInfo: HTMLSpanElement;
  private loading: HTMLDivElement;

  /** The current view as the selection logic sees it. */
  private readonly ov: OrderView;

  private readonly scheduleProgress = rafThrottle(() => {
    // A frame can land after the scan finished: never put the progress back over the summary.
    if (this.scanning) this.scanbar.showProgress(this.est.current, this.cancelling);
  });
  private readonly scheduleRefilter = rafThrottle(() => this.refilter());

  constructor() {
    const self = this;
    this.ov = {
      get length() {
        return self.view.length;
      },
      idAt: (p) => this.lib.shots[this.view[p]].id,
      posOf: (id) => {
        const i = this.lib.indexOf(id);
        return i < 0 || i >= this.pos.length ? -1 : this.pos[i];
      },
    };
    this.grid = new Grid({
      onCellClick: (id, e) => {
        const toggle = e.ctrlKey || e.metaKey;
        this.select(click(this.sel, this.ov, id, { shift: e.shiftKey, toggle }), false);
      },
      onCellOpen: (id) => {
        this.select(only(id), false);
        this.openLoupe();
      },
      onStackToggle: (id) => this.toggleStackOf(id),
      onCellDrag: (id) => this.dragOut(id),
    });
    this.loupe = new Loupe({
      fetchDetail: (id) => api.shotDetail(id),
      onClose: () => this.closeLoupe(),
      onDecide: (d) => this.decide(d),
      onKeepBest: () => this.keepBestOfSelection(),
      onReveal: () => this.revealSelection(),
      onOpenExternal: () => this.openExternal(),
      onShowShot: (id) => this.showShot(id),
      onError: (m) => this.showError(m),
      position: (id) => ({ pos: this.ov.posOf(id) + 1, total: this.view.length }),
    });
    this.compare = new Compare({
      shot: (id) => this.lib.get(id),
      fetchDetail: (id) => api.shotDetail(id),
      onDecide: (id, d) => this.decideIds([id], d),
      onClose: () => this.closeCompare(),
    });
    this.sidebar = new Sidebar({
      setVerdictFilter: (v) => this.setFilter({ ...this.filter, verdict: v }),
      setReasonFilter: (r) => this.setFilter({ ...this.filter, reason: r }),
      setSort: (k, d) => this.setSort(k, d),
      openCleanup: () => void this.openCleanup(),
      keepBestAll: () => void this.keepBestAll(),
    });
    this.sidebar.setSort(this.sortKey, this.sortDir);
    this.scanbar = new ScanBar(
      () => this.cancelScan(),
      () => void this.startScan(),
    );
    this.settings = new SettingsPanel({
      addFolders: () => this.addFolders(),
      removeFolder: (p) => this.removeFolder(p),
      save: (s) => this.saveSettings(s),
      onClose: () => this.settings.hide(),
    });
    this.welcome = new Welcome({
      chooseFolders: () => void this.chooseFolders(),
      openSample: () => void this.openSample(),
    });

    this.rescanBtn = h("button", { class: "btn small", "data-testid": "rescan", title: "Look for new and changed photos", onclick: () => void this.startScan() }, "Rescan");
    this.headerInfo = h("span", { class: "muted small header-info" });
    const header = h(
      "header",
      { class: "topbar" },
      h("span", { class: "brand" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Cull"),
      this.headerInfo,
      h("span", { class: "spacer" }),
      this.rescanBtn,
      h("button", { class: "btn small", "data-testid": "open-settings", title: "Settings", onclick: () => this.openSettings() }, "⚙ Settings"),
    );

    this.loading = h("div", { class: "loading" }, "Loading your library…");
    this.stage = h("div", { class: "stage" }, this.grid.el, this.loupe.slot.anchor, this.compare.slot.anchor, this.welcome.slot.anchor, this.loading);
    this.statusText = h("span", { class: "status-text", "data-testid": "status" });
    const mod = this.mac ? "⌘" : "Ctrl+";
    const footer = h(
      "footer",
      { class: "statusbar" },
      this.statusText,
      h("span", { class: "spacer" }),
      h("button", { class: "btn small", title: "Pick (P)", onclick: () => this.decide("keep") }, "✓ Pick ", h("kbd", null, "P")),
      h("button", { class: "btn small", title: "Reject (X)", onclick: () => this.decide("reject") }, "✕ Reject ", h("kbd", null, "X")),
      h("button", { class: "btn small", title: "Clear your decision (U)", onclick: () => this.decide(null) }, "Clear ", h("kbd", null, "U")),
      h("button", { class: "btn small", title: "Loupe (Z)", onclick: () => this.toggleLoupe() }, "Loupe ", h("kbd", null, "Z")),
      h("button", { class: "btn small ghost", title: `Undo the last decision (${mod}Z)`, onclick: () => this.undoDecision() }, "Undo ", h("kbd", null, `${mod}Z`)),
    );
    const main = h("main", { class: "main" }, this.banner.slot.anchor, this.scanbar.el, this.stage);
    this.el = h(
      "div",
      { class: "shell mode-loading" },
      header,
      this.sidebar.el,
      main,
      footer,
      this.settings.slot.anchor,
      this.cleanupDialog.slot.anchor,
      this.confirmDialog.slot.anchor,
      this.toast.slot.anchor,
    );
    this.scanbar.hide();
    document.addEventListener("keydown", (e) => this.onKey(e));
    // A button clicked with the mouse gives focus back, so Enter / arrows keep culling instead of
    // pressing it again. Keyboard clicks (detail 0) and dialogs keep their focus.
    document.addEventListener("click", (e) => {
      const btn = (e.target as HTMLElement | null)?.closest?.("button");
      if (btn && e.detail > 0 && !btn.closest(".modal, .panel")) btn.blur();
    });
  }

  // ------------------------------------------------------------------ start-up

  async start(): Promise<void> {
    try {
      this.info = await api.appInfo();
    } catch (e) {
      this.showError(`Cull could not start: ${errorMessage(e)}`);
      this.setMode("welcome");
      return;
    }
    this.applyInfo(this.info);
    if (this.info.notice) this.showError(this.info.notice);
    // Before the first scan, so nothing the watcher judges meanwhile is missed.
    await Promise.all([
      api.onLibraryNews((news) => this.onNews(news)),
      api.onWatchProgress((ev) => this.onWatchProgress(ev)),
    ]).catch((e) => this.showError(`Cull cannot follow changes in your folders: ${errorMessage(e)}`));
    if (this.info.settings.folders.length === 0) return;
    await this.refreshShots();
    this.refreshPlan();
    void this.startScan();
  }

  private applyInfo(info: AppInfo): void {
    this.info = info;
    this.welcome.setSampleAvailable(info.sample_available);
    const n = info.settings.folders.length;
    setText(this.headerInfo, n ? plural(n, "folder") : "");
    this.setMode(n ? "library" : "welcome");
  }

  private setMode(mode: Mode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    this.el.classList.remove("mode-loading", "mode-welcome", "mode-library");
    this.el.classList.add(`mode-${mode}`);
    this.welcome.slot.set(mode === "welcome");
    if (mode !== "library") {
      this.closeLoupe();
      this.closeCompare();
    }
    if (mode === "library") requestAnimationFrame(() => this.grid.measure());
  }

  showError(message: string): void {
    this.banner.show(message);
  }

  // ------------------------------------------------------------------ data pipeline

  /** Sorts all shots (only when shots or the sort change), then filters. */
  private resort(): void {
    const t = performance.now();
    this.order = sortOrder(this.lib.shots, this.sortKey, this.sortDir, this.lib.keys);
    this.lastSortMs = performance.now() - t;
    this.refilter();
  }

  /** Filters the sorted order, recounts, keeps the selection valid, redraws. */
  private refilter(): void {
    this.stacked = stackOrder(this.lib.shots, filterOrder(this.lib.shots, this.order, this.filter), this.expanded);
    this.view = this.stacked.order;
    this.pos = positions(this.view, this.lib.size);
    this.counts = countShots(this.lib.shots);
    const sel = reconcile(this.sel, this.ov, this.lastLeadPos);
    const lib = this.lib;
    const view = this.view;
    const stacked = this.stacked;
    this.grid.setSource(
      {
        length: view.length,
        shotAt: (p) => lib.shots[view[p]],
        stackAt: (p) => ({ role: stacked.role[p] as StackRole, count: stacked.count[p] }),
        isSelected: (id) => this.sel.ids.has(id),
        leadId: () => this.sel.lead,
      },
      this.emptyText(),
    );
    this.sidebar.update(this.counts, this.filter, keepBestPlan(this.lib.shots, null).stacks);
    if (this.compare.open) this.compare.refresh();
    this.select(sel, false, sel !== this.sel);
  }

  private emptyText(): string {
    if (this.lib.size === 0) return this.scanning ? "Looking for photos…" : "No photos in your folders yet. Add a folder in Settings, or rescan.";
    return "No shots match this filter.";
  }

  private setFilter(f: Filter): void {
    this.filter = f;
    // If the focused shot is filtered out, focus moves to the first shot of the new view.
    this.lastLeadPos = 0;
    this.refilter();
    this.grid.reveal(this.lastLeadPos);
  }

  private setSort(key: SortKey, dir: SortDir): void {
    this.sortKey = key;
    this.sortDir = dir;
    this.resort();
    this.grid.reveal(this.lastLeadPos);
  }

  /** Sets the selection and redraws what depends on it. */
  private select(sel: Selection, reveal = true, changed = true): void {
    this.sel = sel;
    this.lastLeadPos = sel.lead == null ? -1 : this.ov.posOf(sel.lead);
    // Under the loupe the grid is hidden: it catches up (and scrolls) when the loupe closes.
    if (this.loupeOpen) {
      /* nothing to draw */
    } else if (reveal) this.grid.reveal(this.lastLeadPos);
    else this.grid.refresh();
    if (this.loupeOpen) {
      const s = this.leadShot();
      if (s) {
        this.loupe.show(s);
        if (changed) this.loupe.prefetch([this.shotAtPos(this.lastLeadPos + 1), this.shotAtPos(this.lastLeadPos - 1)]);
      } else this.closeLoupe();
    }
    this.renderStatus();
  }

  private shotAtPos(p: number): ShotView | undefined {
    return p >= 0 && p < this.view.length ? this.lib.shots[this.view[p]] : undefined;
  }

  private leadShot(): ShotView | undefined {
    return this.sel.lead == null ? undefined : this.lib.get(this.sel.lead);
  }

  private renderStatus(): void {
    const total = this.lib.size;
    const shown = this.view.length;
    const parts = [plural(total, "shot")];
    if (shown !== total) parts.push(`${formatCount(shown)} shown`);
    if (this.sel.ids.size > 1) parts.push(`${formatCount(this.sel.ids.size)} selected`);
    else {
      const s = this.leadShot();
      if (s) parts.push(s.name);
    }
    setText(this.statusText, parts.join(" · "));
  }

  private async refreshShots(): Promise<void> {
    try {
      const list = await api.listShots();
      this.lib.replaceAll(list);
      this.history.forget((id) => this.lib.get(id) !== undefined);
    } catch (e) {
      this.showError(`Could not load your shots: ${errorMessage(e)}`);
    }
    this.resort();
  }

  private refreshPlan(): void {
    clearTimeout(this.planTimer);
    this.planTimer = undefined;
    api
      .cleanupPlan()
      .then((p) => {
        this.plan = p;
        this.sidebar.updateCleanup(p, this.scanning);
      })
      .catch((e) => {
        this.plan = null;
        this.sidebar.updateCleanup(null, this.scanning);
        this.showError(`Could not plan the clean-up: ${errorMessage(e)}`);
      });
  }

  private schedulePlanRefresh(): void {
    clearTimeout(this.planTimer);
    this.planTimer = setTimeout(() => this.refreshPlan(), 400);
  }

  // ------------------------------------------------------------------ scanning

  async startScan(): Promise<void> {
    if (this.scanning || this.mode !== "library") return;
    this.scanning = true;
    this.cancelling = false;
    this.est.reset();
    this.localDecisions.clear();
    this.pendingBatches = [];
    this.rescanBtn.disabled = true;
    this.scanbar.showProgress(null, false);
    this.sidebar.updateCleanup(this.plan, true);
    let summary = null;
    let cancelled = false;
    try {
      summary = await api.scan((ev) => this.onScanEvent(ev));
    } catch (e) {
      // A cancelled scan may answer with an error rather than a summary: that is no failure.
      if (this.cancelling) cancelled = true;
      else this.showError(`The scan stopped: ${errorMessage(e)}`);
    }
    this.flushBatches();
    await this.decideQueue;
    this.scanning = false;
    await this.refreshShots();
    this.localDecisions.clear();
    this.rescanBtn.disabled = false;
    if (summary?.failed) {
      this.banner.show(
        `${plural(summary.failed, "file")} could not be read (empty, truncated, corrupt or unsupported); each is listed under Unreadable with the reason.`,
        { label: "Show them", run: () => this.setFilter({ verdict: "errors", reason: null }) },
      );
    }
    if (summary) this.scanbar.showDone(summary);
    else if (cancelled) this.scanbar.showText(cancelledText(this.est.current), true);
    else this.scanbar.hide();
    this.refreshPlan();
  }

  private onScanEvent(ev: ScanEvent): void {
    if (ev.kind === "progress") {
      this.est.push(ev);
      this.scheduleProgress();
    } else if (ev.kind === "waiting") {
      this.scanbar.showWaiting(ev.holder);
    } else if (ev.kind === "shots") {
      this.pendingBatches.push(ev.shots);
      if (this.batchTimer === undefined) {
        // Re-sorting 100 000 shots takes a while: merge less often the longer it takes.
        const delay = Math.max(150, 4 * this.lastSortMs);
        this.batchTimer = setTimeout(() => this.flushBatches(), delay);
      }
    }
  }

  /** Photos the watcher judged (new or changed) go in like a scan's batches; departed ones leave. */
  private onNews(news: LibraryNews): void {
    if (news.problem) this.showError(news.problem);
    if (news.removed.length) {
      this.flushBatches();
      if (this.lib.remove(news.removed)) this.resort();
    }
    if (news.shots.length) this.onScanEvent({ kind: "shots", shots: news.shots });
    if (news.shots.length || news.removed.length) this.schedulePlanRefresh();
  }

  /** A card import judged in the background shows the same bar as a scan (a lone photo does not). */
  private onWatchProgress(ev: ScanEvent): void {
    if (ev.kind !== "progress" || this.scanning) return;
    if (ev.stage === "walking" || (ev.stage === "checking" && ev.done === 0)) this.watchEst.reset();
    const p = this.watchEst.push(ev);
    if (ev.stage === "done") this.scanbar.hide();
    else if (ev.stage === "judging" && ev.total >= 5) this.scanbar.showProgress(p, false);
  }

  private flushBatches(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (!this.pendingBatches.length) return;
    const batches = this.pendingBatches;
    this.pendingBatches = [];
    const added: number[] = [];
    let moved = false;
    for (const b of batches) {
      const r = this.lib.merge(
        this.localDecisions.size
          ? b.map((s) => (this.localDecisions.has(s.id) ? { ...s, decision: this.localDecisions.get(s.id)! } : s))
          : b,
      );
      for (const i of r.added) added.push(i);
      moved ||= r.moved;
    }
    if (moved || this.order.length + added.length !== this.lib.size) this.resort();
    else {
      // New shots only: merge them into the sorted order instead of re-sorting everything.
      const t = performance.now();
      this.order = insertSorted(this.order, added, comparator(this.lib.shots, this.lib.keys, this.sortKey, this.sortDir));
      this.lastSortMs = Math.min(this.lastSortMs, performance.now() - t);
      this.refilter();
    }
  }

  private cancelScan(): void {
    if (!this.scanning || this.cancelling) return;
    this.cancelling = true;
    this.scheduleProgress();
    api.cancelScan().catch((e) => this.showError(`Could not cancel the scan: ${errorMessage(e)}`));
  }

  // ------------------------------------------------------------------ decisions

  decide(decision: Decision | null): void {
    if (this.mode !== "library") return;
    // The loupe acts on the photo it shows; the grid on every selected shot.
    const ids = this.loupeOpen && this.sel.lead != null ? [this.sel.lead] : selectedInOrder(this.sel, this.ov);
    if (!ids.length) {
      this.toast.show("Select a photo first (click it, or use the arrow keys).");
      return;
    }
    this.decideIds(ids, decision);
  }

  // ------------------------------------------------------------------ other apps

  /** The shots the loupe shows or the grid selects, in view order. */
  private actedOn(): number[] {
    return this.loupeOpen && this.sel.lead != null ? [this.sel.lead] : selectedInOrder(this.sel, this.ov);
  }

  private revealSelection(): void {
    const ids = this.actedOn();
    if (!ids.length) {
      this.toast.show("Select a photo first (click it, or use the arrow keys).");
      return;
    }
    api.showInFolder(ids).catch((e) => this.showError(`Could not show the files: ${errorMessage(e)}`));
  }

  private openExternal(): void {
    const id = this.sel.lead;
    if (id == null) {
      this.toast.show("Select a photo first (click it, or use the arrow keys).");
      return;
    }
    api.openInDefaultApp(id).catch((e) => this.showError(`Could not open the photo: ${errorMessage(e)}`));
  }

  private dragOut(id: number): void {
    api.dragOut(dragged(this.sel, this.ov, id)).catch((e) => this.showError(`Could not drag the files: ${errorMessage(e)}`));
  }

  private decideIds(ids: number[], decision: Decision | null): void {
    const change = planChange(ids, (id) => this.lib.get(id)?.decision, decision);
    if (!change) return;
    this.history.push(change);
    this.setDecisions(change.ids, decision, change.previous);
  }

  private undoDecision(): void {
    const step = this.history.pop();
    if (!step) {
      this.toast.show("Nothing to undo.");
      return;
    }
    for (const change of step) {
      for (const call of restoreCalls(change)) {
        this.setDecisions(call.ids, call.decision, call.ids.map(() => change.next));
      }
    }
    this.toast.show(`Undone: ${describeStep(step)}.`);
  }

  // ------------------------------------------------------------------ compare

  /** C: the 2–4 selected shots side by side, or the first four of the selected stack. */
  private openCompare(): void {
    if (this.mode !== "library") return;
    const ids = compareIds(
      selectedInOrder(this.sel, this.ov),
      (id) => this.lib.get(id),
      (g) => this.stacked.members.get(g)?.map((i) => this.lib.shots[i].id),
    );
    if (!ids) {
      this.toast.show("Select two to four shots to compare (Shift or Ctrl/Cmd+click), or a stack.");
      return;
    }
    this.closeLoupe();
    this.el.classList.add("compare-open");
    this.compare.show(ids);
  }

  private closeCompare(): void {
    if (!this.compare.open) return;
    this.compare.close();
    this.el.classList.remove("compare-open");
    this.grid.measure();
    this.grid.reveal(this.lastLeadPos);
  }

  // ------------------------------------------------------------------ stacks

  /** Opens or closes the stack of shot `id`; closing it selects its top, the cell that stays. */
  private toggleStackOf(id: number | null): void {
    const g = id == null ? null : groupOf(this.lib.get(id));
    if (g == null) {
      this.toast.show("This shot is in no stack: Cull found no burst, copy or bracket of it.");
      return;
    }
    const closing = this.expanded.has(g);
    this.expanded = toggleStack(this.expanded, g);
    const top = this.stacked.members.get(g)?.[0];
    if (closing && top !== undefined) this.sel = only(this.lib.shots[top].id);
    this.refilter();
    this.grid.reveal(this.lastLeadPos);
  }

  /** Selects a shot, opening its stack when it is hidden in it (the loupe's stack list). */
  private showShot(id: number): void {
    const g = groupOf(this.lib.get(id));
    if (this.ov.posOf(id) < 0 && g != null && !this.expanded.has(g)) {
      this.expanded = toggleStack(this.expanded, g);
      this.refilter();
    }
    if (this.ov.posOf(id) >= 0) this.select(only(id));
  }

  /** Shift+B: keep the best of each selected stack, reject the rest (brackets, focus stacks and panoramas are left alone). */
  private keepBestOfSelection(): void {
    if (this.mode !== "library") return;
    const groups = new Set<number>();
    for (const id of this.loupeOpen && this.sel.lead != null ? [this.sel.lead] : this.sel.ids) {
      const g = groupOf(this.lib.get(id));
      if (g != null) groups.add(g);
    }
    const plan = keepBestPlan(this.lib.shots, groups);
    if (plan.stacks === 0) {
      this.toast.show(groups.size ? "Brackets are made to be merged: Cull leaves them alone." : "Select a stack first (a burst or copies of one picture).");
      return;
    }
    this.applyKeepBest(plan);
  }

  private async keepBestAll(): Promise<void> {
    if (this.mode !== "library" || this.confirmDialog.open) return;
    const plan = keepBestPlan(this.lib.shots, null);
    if (plan.stacks === 0) {
      this.toast.show("There are no stacks of bursts or copies to act on.");
      return;
    }
    if (!(await this.confirmDialog.ask(keepBestQuestion(plan), "Keep the best"))) return;
    this.applyKeepBest(plan);
  }

  /** One undo step for the whole plan, however many calls it takes. */
  private applyKeepBest(plan: KeepBestPlan): void {
    const current = (id: number) => this.lib.get(id)?.decision;
    const changes = planCalls(plan)
      .map((c) => planChange(c.ids, current, c.decision))
      .filter((c): c is DecisionChange => c != null);
    const stacks = plural(plan.stacks, "stack");
    if (!changes.length) {
      this.toast.show(`Already done: the best of ${stacks} is kept and the rest rejected.`);
      return;
    }
    this.history.push(...changes);
    for (const c of changes) this.setDecisions(c.ids, c.next, c.previous);
    this.toast.show(`Kept ${plural(plan.keep.length, "best shot")} and rejected ${plural(plan.reject.length, "other")} in ${stacks}.`, {
      label: "Undo",
      testid: "undo-keep-best",
      run: () => this.undoDecision(),
    });
  }

  /** Applies decisions at once (optimistically), then saves them in order; reverts on failure. */
  private setDecisions(ids: number[], next: Decision | null, previous: (Decision | null)[]): void {
    const stamps = new Map<number, number>();
    const updated: ShotView[] = [];
    for (const id of ids) {
      const s = this.lib.get(id);
      if (!s) continue;
      const v = (this.versions.get(id) ?? 0) + 1;
      this.versions.set(id, v);
      stamps.set(id, v);
      updated.push({ ...s, decision: next });
      if (this.scanning) this.localDecisions.set(id, next);
    }
    this.lib.merge(updated);
    this.refilter();
    this.decideQueue = this.decideQueue.then(async () => {
      try {
        const saved = await api.decide(ids, next);
        const fresh = saved.filter((s) => this.versions.get(s.id) === stamps.get(s.id));
        if (fresh.length) {
          this.lib.merge(fresh);
          this.scheduleRefilter();
        }
      } catch (e) {
        this.showError(`Could not save your decision: ${errorMessage(e)}`);
        const back: ShotView[] = [];
        ids.forEach((id, i) => {
          const s = this.lib.get(id);
          if (s && this.versions.get(id) === stamps.get(id)) {
            back.push({ ...s, decision: previous[i] ?? null });
            if (this.scanning) this.localDecisions.set(id, previous[i] ?? null);
          }
        });
        this.lib.merge(back);
        this.scheduleRefilter();
      }
      this.schedulePlanRefresh();
    });
  }

  // ------------------------------------------------------------------ loupe

  private openLoupe(): void {
    if (this.mode !== "library") return;
    if (this.sel.lead == null) {
      if (!this.view.length) return;
      this.select(move(this.sel, this.ov, 1));
    }
    const s = this.leadShot();
    if (!s) return;
    this.loupeOpen = true;
    this.el.classList.add("loupe-open");
    this.loupe.slot.set(true);
    this.loupe.show(s);
    this.loupe.prefetch([this.shotAtPos(this.lastLeadPos + 1), this.shotAtPos(this.lastLeadPos - 1)]);
  }

  private closeLoupe(): void {
    if (!this.loupeOpen) return;
    this.loupeOpen = false;
    this.el.classList.remove("loupe-open");
    this.loupe.slot.set(false);
    this.grid.measure();
    this.grid.reveal(this.lastLeadPos);
  }

  private toggleLoupe(): void {
    if (this.loupeOpen) this.closeLoupe();
    else this.openLoupe();
  }

  // ------------------------------------------------------------------ keyboard

  private onKey(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.isComposing) return;
    const a = keyAction(e, this.mac);
    if (!a) return;
    // A modal dialog takes every key but Escape (its buttons handle Enter / Space).
    for (const dialog of [this.cleanupDialog, this.confirmDialog]) {
      if (!dialog.open) continue;
      if (a.type === "escape") {
        e.preventDefault();
        dialog.close(false);
      }
      return;
    }
    if (a.type === "escape") {
      if (this.settings.open) this.settings.hide();
      else if (this.loupeOpen) this.closeLoupe();
      else return;
      e.preventDefault();
      return;
    }
    if (this.mode !== "library" || this.settings.open) return;
    if (isEditableTarget(e.target)) return;
    // Compare takes its own keys; only undo reaches the app from it.
    if (this.compare.open && a.type !== "undo") return;
    const onButton = (e.target as HTMLElement | null)?.closest?.("button, a[href]");
    if (onButton && a.type === "loupe" && a.open) return; // Enter activates the button
    e.preventDefault();
    this.run(a);
  }

  private run(a: Action): void {
    const len = this.view.length;
    switch (a.type) {
      case "move": {
        const delta = this.loupeOpen ? a.dx + a.dy : a.dx + a.dy * this.grid.columns;
        this.select(move(this.sel, this.ov, delta, a.extend));
        break;
      }
      case "page":
        this.select(move(this.sel, this.ov, a.dir * (this.loupeOpen ? 1 : this.grid.page), a.extend));
        break;
      case "edge":
        if (len) this.select(moveTo(this.sel, this.ov, a.end ? len - 1 : 0, a.extend));
        break;
      case "decide":
        this.decide(a.decision);
        break;
      case "loupe":
        if (a.open) this.openLoupe();
        else this.toggleLoupe();
        break;
      case "undo":
        this.undoDecision();
        break;
      case "selectAll":
        this.select(selectAll(this.ov, this.sel), false);
        break;
      case "overlay":
        if (this.loupeOpen) this.loupe.toggleOverlay();
        else this.toggleStackOf(this.sel.lead);
        break;
      case "keepBest":
        this.keepBestOfSelection();
        break;
      case "compare":
        this.openCompare();
        break;
      case "reveal":
        this.revealSelection();
        break;
      case "openExternal":
        this.openExternal();
        break;
      case "escape":
        break;
    }
  }

  // ------------------------------------------------------------------ clean-up

  private async openCleanup(): Promise<void> {
    if (this.scanning || this.cleanupDialog.open) return;
    let plan: CleanupPlanView;
    try {
      plan = await api.cleanupPlan();
    } catch (e) {
      this.showError(`Could not plan the clean-up: ${errorMessage(e)}`);
      return;
    }
    this.plan = plan;
    this.sidebar.updateCleanup(plan, this.scanning);
    if (plan.shots === 0) {
      this.toast.show("Nothing is rejected, so nothing goes to the Trash.");
      return;
    }
    if (!(await this.cleanupDialog.ask(plan))) return;
    try {
      const r = await api.cleanup();
      const msg = `Moved ${plural(r.moved, "file")} (${formatBytes(r.bytes)}) to the Trash.`;
      this.toast.show(r.failed.length ? `${msg} ${plural(r.failed.length, "file")} could not be moved.` : msg, {
        label: "Undo",
        testid: "undo-cleanup",
        run: () => void this.undoCleanup(),
      });
      if (r.failed.length) this.showError(`Could not move to the Trash: ${listFew(r.failed)}`);
    } catch (e) {
      this.showError(`The clean-up failed: ${errorMessage(e)}`);
    }
    await this.refreshShots();
    this.refreshPlan();
  }

  private async undoCleanup(): Promise<void> {
    try {
      const r = await api.undoCleanup();
      this.toast.show(`Put ${plural(r.restored, "file")} back from the Trash.`);
      if (r.failed.length) this.showError(`Could not put back: ${listFew(r.failed)}`);
    } catch (e) {
      this.showError(`Could not undo the clean-up: ${errorMessage(e)}`);
    }
    await this.startScan();
  }

  // ------------------------------------------------------------------ folders and settings

  private async chooseFolders(): Promise<void> {
    const info = await this.addFolders();
    if (info && info.settings.folders.length) void this.startScan();
  }

  private async openSample(): Promise<void> {
    this.welcome.setBusy(true);
    try {
      this.applyInfo(await api.openSampleLibrary());
      void this.startScan();
    } catch (e) {
      this.showError(`Could not open the sample library: ${errorMessage(e)}`);
    } finally {
      this.welcome.setBusy(false);
    }
  }

  private async addFolders(): Promise<AppInfo | null> {
    let paths: string[];
    try {
      paths = await pickFolders();
    } catch (e) {
      this.showError(`Could not open the folder picker: ${errorMessage(e)}`);
      return null;
    }
    if (!paths.length) return null;
    try {
      const info = await api.addFolders(paths);
      this.applyInfo(info);
      if (this.settings.open) void this.startScan();
      return info;
    } catch (e) {
      this.showError(`Could not add ${paths.length === 1 ? paths[0] : `${paths.length} folders`}: ${errorMessage(e)}`);
      return null;
    }
  }

  private async removeFolder(path: string): Promise<AppInfo | null> {
    try {
      const info = await api.removeFolder(path);
      this.applyInfo(info);
      await this.refreshShots();
      this.refreshPlan();
      return info;
    } catch (e) {
      this.showError(`Could not remove ${path}: ${errorMessage(e)}`);
      return null;
    }
  }

  private openSettings(): void {
    if (this.settings.open) {
      this.settings.hide();
      return;
    }
    if (!this.info) {
      this.showError("Settings are not available: Cull could not read them.");
      return;
    }
    this.settings.show(this.info);
  }

  private async saveSettings(s: Settings): Promise<boolean> {
    try {
      this.applyInfo(await api.setSettings(s));
    } catch (e) {
      this.showError(`Could not save the settings: ${errorMessage(e)}`);
      return false;
    }
    this.settings.hide();
    this.loupe.invalidate();
    if (this.mode === "library") {
      await this.refreshShots();
      this.refreshPlan();
    }
    this.toast.show("Settings saved. Verdicts follow the new sensitivities.");
    return true;
  }
}

function describeChange(c: DecisionChange): string {
  const what = c.next ? DECISION_LABEL[c.next].toLowerCase() : "cleared";
  return `${what} ${plural(c.ids.length, "shot")}`;
}

function describeStep(step: DecisionStep): string {
  return step.map(describeChange).join(", ");
}

function cancelledText(p: ProgressEstimate | null): string {
  if (!p || p.done === 0) return "Scan cancelled.";
  const of = p.total > 0 ? ` of ${formatCount(p.total)}` : "";
  return `Scan cancelled after ${formatCount(p.done)}${of} photos (${formatDuration(p.elapsed)}); the grid shows what was judged.`;
}

function listFew(paths: string[]): string {
  const few = paths.slice(0, 5).join(", ");
  return paths.length > 5 ? `${few} and ${paths.length - 5} more` : few;
}
