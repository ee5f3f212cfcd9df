// Compare: two to four shots side by side at one zoom, panned and zoomed together (the geometry
// is lib/compare.ts). P/X/U act on the focused pane; Tab and the arrows move the focus.
import { errorMessage, imageUrl } from "../api";
import type { Decision, ShotDetail, ShotView } from "../api/types";
import { FIT, nextPane, panBy, placement, toggleFit, zoomBy, zoomLabel, type CompareView, type Frame } from "../lib/compare";
import { compareKey } from "../lib/keys";
import { effectiveVerdict } from "../lib/library";
import { DECISION_LABEL, VERDICT_LABEL } from "../lib/reasons";
import { Presence, h, setChildren, setText } from "./dom";

export interface CompareHost {
  /** The shot as it is now (decisions change it while compare is open). */
  shot(id: number): ShotView | undefined;
  fetchDetail(id: number): Promise<ShotDetail>;
  onDecide(id: number, decision: Decision | null): void;
  onClose(): void;
}

interface Pane {
  id: number;
  el: HTMLDivElement;
  img: HTMLImageElement;
  label: HTMLDivElement;
  /** Edge width of the sharpest region, once measured. */
  edge: number | null | undefined;
}

const WHEEL_STEP = 1.15;

export class Compare {
  readonly el: HTMLElement;
  readonly slot: Presence;
  private panes: Pane[] = [];
  private row: HTMLDivElement;
  private zoomText: HTMLSpanElement;
  private view: CompareView = FIT;
  private focus = 0;
  private drag: { x: number; y: number; pane: Pane } | null = null;
  private readonly onKey = (e: KeyboardEvent): void => {
    if (!this.open || e.defaultPrevented || e.isComposing) return;
    const a = compareKey(e);
    if (!a) return; // Ctrl/Cmd+Z goes on to the app, which undoes
    e.preventDefault();
    e.stopPropagation();
    const pane = this.panes[this.focus];
    switch (a.type) {
      case "focus":
        this.setFocus(nextPane(this.focus, a.delta, this.panes.length));
        break;
      case "zoom":
        if (pane) this.setView(zoomBy(this.view, a.factor, this.frame(pane)));
        break;
      case "fit":
        this.setView(toggleFit(this.view));
        break;
      case "decide":
        if (pane) this.host.onDecide(pane.id, a.decision);
        break;
      case "close":
        this.host.onClose();
        break;
    }
  };

  constructor(private host: CompareHost) {
    this.row = h("div", { class: "compare-row" });
    this.zoomText = h("span", { class: "compare-zoom", "data-testid": "compare-zoom" });
    this.el = h(
      "section",
      { class: "compare", "data-testid": "compare", role: "dialog", "aria-label": "Compare" },
      h(
        "div",
        { class: "loupe-bar" },
        h("div", { class: "loupe-title" }, "Compare"),
        this.zoomText,
        h("span", { class: "muted small" }, "Tab / arrows: next · P / X / U: decide · wheel, + / −: zoom all · drag: pan all · Z: fit / 100 %"),
        h("span", { class: "spacer" }),
        h("button", { class: "btn small", title: "Back (Esc)", "data-testid": "compare-close", onclick: () => this.host.onClose() }, "Close ✕"),
      ),
      this.row,
    );
    this.slot = new Presence(this.el, "compare");
    this.row.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    this.row.addEventListener("pointerdown", (e) => this.onPointerDown(e));
    this.row.addEventListener("pointermove", (e) => this.onPointerMove(e));
    const end = () => {
      this.drag = null;
      this.row.classList.remove("dragging");
    };
    this.row.addEventListener("pointerup", end);
    this.row.addEventListener("pointercancel", end);
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => this.layout()).observe(this.row);
  }

  get open(): boolean {
    return this.slot.shown;
  }

  /** The shots' ids, in pane order. */
  get ids(): number[] {
    return this.panes.map((p) => p.id);
  }

  show(ids: number[]): void {
    this.view = FIT;
    this.focus = 0;
    this.panes = ids.map((id, n) => this.makePane(id, n));
    setChildren(this.row, this.panes.map((p) => p.el));
    this.slot.set(true);
    document.addEventListener("keydown", this.onKey, true);
    this.refresh();
    this.setView(FIT);
    for (const p of this.panes) {
      this.host
        .fetchDetail(p.id)
        .then((d) => {
          p.edge = d.edge_px;
          this.label(p);
        })
        .catch((e) => {
          p.edge = null;
          setText(p.label, `${p.label.textContent ?? ""} · not measured: ${errorMessage(e)}`);
        });
    }
  }

  close(): void {
    if (!this.open) return;
    document.removeEventListener("keydown", this.onKey, true);
    this.slot.set(false);
    this.panes = [];
    setChildren(this.row, []);
  }

  /** Redraws the labels (a decision changed). */
  refresh(): void {
    this.panes.forEach((p) => this.label(p));
  }

  private makePane(id: number, n: number): Pane {
    const s = this.host.shot(id);
    const img = h("img", { class: "compare-img", alt: "", draggable: "false", decoding: "async" });
    if (s && !s.error) img.src = imageUrl("preview", s.id, s.version);
    const label = h("div", { class: "compare-label" });
    const el = h(
      "div",
      { class: "compare-pane", "data-testid": "compare-pane", "data-id": id, "data-pane": n },
      img,
      label,
    );
    return { id, el, img, label, edge: undefined };
  }

  private label(p: Pane): void {
    const s = this.host.shot(p.id);
    if (!s) return;
    const eff = effectiveVerdict(s);
    const edge = p.edge === undefined ? "measuring…" : p.edge == null ? "edges: too flat to judge" : `edges ${p.edge.toFixed(1)} px`;
    setChildren(
      p.label,
      h("strong", null, s.name),
      s.group?.best ? h("span", { class: "badge best", title: "The best of its stack" }, "★ best") : null,
      h("span", { class: `badge v-${eff ?? "error"}` }, eff ? VERDICT_LABEL[eff] : "Unreadable"),
      s.decision ? h("span", { class: "muted small" }, ` ${DECISION_LABEL[s.decision]}`) : null,
      h("span", { class: "muted small", title: "Mean edge width of the sharpest region: lower is sharper" }, ` · ${edge}`),
    );
    p.el.dataset.decision = s.decision ?? "";
  }

  private setFocus(n: number): void {
    this.focus = n;
    this.panes.forEach((p, i) => p.el.classList.toggle("focused", i === n));
    this.panes[n]?.el.setAttribute("aria-current", "true");
    this.panes.forEach((p, i) => i !== n && p.el.removeAttribute("aria-current"));
  }

  private frame(p: Pane): Frame {
    const s = this.host.shot(p.id);
    return {
      iw: s?.width || p.img.naturalWidth || 1,
      ih: s?.height || p.img.naturalHeight || 1,
      pw: p.el.clientWidth,
      ph: p.el.clientHeight,
    };
  }

  private setView(v: CompareView): void {
    const zoomed = v.zoom != null;
    this.view = v;
    setText(this.zoomText, zoomLabel(v));
    // Past fit the photos come at their own size; the preview stands in until they arrive.
    if (zoomed) {
      for (const p of this.panes) {
        const s = this.host.shot(p.id);
        if (s && !s.error && !p.img.src.includes("/full/")) p.img.src = imageUrl("full", s.id, s.version);
      }
    }
    this.setFocus(this.focus);
    this.layout();
  }

  private layout(): void {
    for (const p of this.panes) {
      const r = placement(this.view, this.frame(p));
      const st = p.img.style;
      st.width = `${r.w}px`;
      st.height = `${r.h}px`;
      st.transform = `translate(${r.x}px, ${r.y}px)`;
    }
    this.row.classList.toggle("zoomed", this.view.zoom != null);
  }

  private paneAt(e: Event): Pane | undefined {
    const el = (e.target as HTMLElement | null)?.closest?.(".compare-pane");
    return this.panes.find((p) => p.el === el);
  }

  private onWheel(e: WheelEvent): void {
    const pane = this.paneAt(e);
    if (!pane) return;
    e.preventDefault();
    this.setFocus(this.panes.indexOf(pane));
    this.setView(zoomBy(this.view, e.deltaY < 0 ? WHEEL_STEP : 1 / WHEEL_STEP, this.frame(pane)));
  }

  private onPointerDown(e: PointerEvent): void {
    const pane = this.paneAt(e);
    if (!pane || e.button !== 0) return;
    // The row captures the pointer, so the pane never sees the click: focus it here.
    this.setFocus(this.panes.indexOf(pane));
    this.drag = { x: e.clientX, y: e.clientY, pane };
    this.row.setPointerCapture?.(e.pointerId);
    this.row.classList.add("dragging");
  }

  private onPointerMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    const v = panBy(this.view, e.clientX - d.x, e.clientY - d.y, this.frame(d.pane));
    d.x = e.clientX;
    d.y = e.clientY;
    if (v !== this.view) {
      this.view = v;
      this.layout();
    }
  }
}
