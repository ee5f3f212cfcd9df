// The virtualised library grid. Only the visible rows (plus a little overscan) exist in the DOM:
// cells are absolutely positioned inside a spacer as tall as the whole grid, and cells that
// scroll out are recycled for the ones that scroll in. A cell is only rewritten when the shot it
// shows (object identity) or its selection state changed.
import { imageUrl } from "../api";
import type { ShotView } from "../api/types";
import { effectiveVerdict } from "../lib/library";
import { DECISION_LABEL, VERDICT_LABEL, reasonLabel, reasonTitle } from "../lib/reasons";
import { StackRole, stackWords } from "../lib/stacks";
import { cellPosition, layout, pageItems, scrollToReveal, visibleRange, type GridLayout } from "../lib/vgrid";
import { h, rafThrottle, setAttr, setText, toggleClass } from "./dom";

const MIN_CELL = 168;
const GAP = 6;
const PAD = 10;
const CAPTION = 22;
const MAX_CHIPS = 3;

interface Cell {
  el: HTMLDivElement;
  img: HTMLImageElement;
  verdict: HTMLSpanElement;
  decision: HTMLSpanElement;
  chips: HTMLDivElement;
  err: HTMLDivElement;
  name: HTMLDivElement;
  stack: HTMLButtonElement;
  shot: ShotView | null;
  /** Role, count and kind as last drawn (a stack opens or closes without its shot changing). */
  stackKey: string;
  selected: boolean;
  lead: boolean;
  index: number;
}

export interface GridSource {
  readonly length: number;
  shotAt(pos: number): ShotView;
  /** How the item at `pos` takes part in a stack, and the count a stack's top shows. */
  stackAt?(pos: number): { role: StackRole; count: number };
  isSelected(id: number): boolean;
  leadId(): number | null;
}

export interface GridEvents {
  onCellClick(id: number, e: MouseEvent): void;
  onCellOpen(id: number): void;
  onStackToggle(id: number): void;
  /** A drag started on cell `id`: the system's drag takes it out of the window as files. */
  onCellDrag(id: number): void;
}

export class Grid {
  readonly el: HTMLDivElement;
  private spacer: HTMLDivElement;
  private empty: HTMLDivElement;
  private src: GridSource = { length: 0, shotAt: () => undefined as never, isSelected: () => false, leadId: () => null };
  private lay: GridLayout = layout({ width: 0, count: 0, minCell: MIN_CELL, gap: GAP, pad: PAD, caption: CAPTION });
  private active = new Map<number, Cell>();
  private free: Cell[] = [];
  private width = 0;
  private viewport = 0;
  /** scrollTop as last read or set: rendering never reads layout back (no forced reflows). */
  private top = 0;
  private sizedFor = "";
  readonly schedule: () => void;

  constructor(private events: GridEvents) {
    this.spacer = h("div", { class: "grid-spacer" });
    this.empty = h("div", { class: "grid-empty", hidden: true });
    this.el = h(
      "div",
      {
        class: "grid",
        "data-testid": "grid",
        role: "listbox",
        "aria-multiselectable": "true",
        "aria-label": "Photos",
        tabindex: "-1",
      },
      this.spacer,
      this.empty,
    );
    this.schedule = rafThrottle(() => this.render());
    this.el.addEventListener(
      "scroll",
      () => {
        this.top = this.el.scrollTop;
        this.schedule();
      },
      { passive: true },
    );
    this.el.addEventListener("click", (e) => {
      const id = this.idFromEvent(e);
      if (id == null) return;
      if ((e.target as HTMLElement).closest(".stack-count")) this.events.onStackToggle(id);
      else this.events.onCellClick(id, e);
    });
    this.el.addEventListener("dblclick", (e) => {
      const id = this.idFromEvent(e);
      if (id != null && !(e.target as HTMLElement).closest(".stack-count")) this.events.onCellOpen(id);
    });
    // The page's own drag would carry a URL; the system's carries the files themselves.
    this.el.addEventListener("dragstart", (e) => {
      const id = this.idFromEvent(e);
      if (id == null) return;
      e.preventDefault();
      this.events.onCellDrag(id);
    });
    // Missing thumbnails (error events do not bubble: capture them).
    this.el.addEventListener(
      "error",
      (e) => {
        const t = e.target as HTMLElement;
        if (t instanceof HTMLImageElement) t.closest(".cell")?.classList.add("no-thumb");
      },
      true,
    );
    this.el.addEventListener(
      "load",
      (e) => {
        const t = e.target as HTMLElement;
        if (t instanceof HTMLImageElement) t.closest(".cell")?.classList.remove("no-thumb");
      },
      true,
    );
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(() => this.measure()).observe(this.el);
    }
  }

  private idFromEvent(e: Event): number | null {
    const cell = (e.target as HTMLElement | null)?.closest?.(".cell") as HTMLElement | null;
    if (!cell || !this.el.contains(cell)) return null;
    const id = Number(cell.dataset.id);
    return Number.isFinite(id) ? id : null;
  }

  get columns(): number {
    return this.lay.cols;
  }

  /** Items per page for PageUp/PageDown. */
  get page(): number {
    return pageItems(this.lay, this.viewport || 600);
  }

  setSource(src: GridSource, emptyText: string): void {
    this.src = src;
    this.empty.hidden = src.length > 0;
    setText(this.empty, emptyText);
    this.relayout();
  }

  /** Re-reads the container's size (on resize, or when it becomes visible). */
  measure(): void {
    const w = this.el.clientWidth;
    const v = this.el.clientHeight;
    this.top = this.el.scrollTop;
    if (w !== this.width || v !== this.viewport) {
      this.width = w;
      this.viewport = v;
      this.relayout();
    }
  }

  private relayout(): void {
    this.lay = layout({
      width: this.width || this.el.clientWidth || 1000,
      count: this.src.length,
      minCell: MIN_CELL,
      gap: GAP,
      pad: PAD,
      caption: CAPTION,
    });
    this.spacer.style.height = `${this.lay.height}px`;
    this.top = Math.min(this.top, Math.max(0, this.lay.height - this.viewport));
    this.render();
  }

  /** Scrolls so the item at `pos` is fully visible, then renders (once). */
  reveal(pos: number): void {
    if (pos >= 0 && pos < this.src.length) {
      if (!this.viewport) this.measure();
      const max = Math.max(0, this.lay.height - this.viewport);
      const top = Math.min(max, scrollToReveal(this.lay, pos, this.top, this.viewport));
      if (top !== this.top) {
        this.top = top;
        this.el.scrollTop = top;
      }
    }
    this.render();
  }

  /** The cell element for an id, if it is rendered. */
  cellFor(id: number): HTMLElement | null {
    for (const c of this.active.values()) if (c.shot?.id === id) return c.el;
    return null;
  }

  render(): void {
    const l = this.lay;
    const count = this.src.length;
    if (!this.viewport) this.measure();
    const viewport = this.viewport || 800;
    const { start, end } = visibleRange(l, count, this.top, viewport, 2);

    // Recycle cells that left the window.
    for (const [i, c] of this.active) {
      if (i < start || i >= end) {
        this.active.delete(i);
        // Detached, so tests and screen readers only ever see live cells.
        c.el.remove();
        this.free.push(c);
      }
    }
    const sizeKey = `${l.cellW}x${l.cellH}`;
    const resized = sizeKey !== this.sizedFor;
    this.sizedFor = sizeKey;
    const lead = this.src.leadId();
    for (let i = start; i < end; i++) {
      let c = this.active.get(i);
      if (!c) {
        c = this.free.pop() ?? this.createCell();
        this.spacer.appendChild(c.el);
        this.active.set(i, c);
        c.index = -1;
      }
      if (c.index !== i || resized) {
        const { x, y } = cellPosition(l, i);
        c.el.style.transform = `translate(${x}px, ${y}px)`;
        c.el.style.width = `${l.cellW}px`;
        c.el.style.height = `${l.cellH}px`;
        c.index = i;
      }
      const shot = this.src.shotAt(i);
      this.bind(c, shot, this.src.isSelected(shot.id), shot.id === lead);
      const st = this.src.stackAt?.(i) ?? { role: StackRole.Alone, count: 0 };
      this.bindStack(c, st.role, st.count);
    }
    // Keep the pool small: drop far surplus cells (e.g. after a window shrink).
    if (this.free.length > 2 * Math.max(24, end - start)) this.free.length = 2 * Math.max(24, end - start);
  }

  private createCell(): Cell {
    const img = h("img", { alt: "", loading: "lazy", decoding: "async", draggable: "false" });
    const verdict = h("span", { class: "badge verdict" });
    const decision = h("span", { class: "badge decision" });
    const chips = h("div", { class: "chips" });
    const err = h("div", { class: "cell-error" });
    const name = h("div", { class: "cell-name" });
    const stack = h("button", { class: "stack-count", "data-testid": "stack-count", tabindex: "-1", hidden: true });
    const el = h(
      "div",
      { class: "cell", "data-testid": "cell", role: "option", "aria-selected": "false", draggable: "true" },
      h("div", { class: "thumb" }, img, err),
      verdict,
      decision,
      chips,
      name,
      stack,
    );
    return { el, img, verdict, decision, chips, err, name, stack, shot: null, stackKey: "", selected: false, lead: false, index: -1 };
  }

  private bind(c: Cell, s: ShotView, selected: boolean, lead: boolean): void {
    if (c.shot !== s) {
      const prev = c.shot;
      c.shot = s;
      const el = c.el;
      el.dataset.id = String(s.id);
      el.dataset.verdict = s.verdict ?? "";
      el.dataset.decision = s.decision ?? "";
      const eff = effectiveVerdict(s);
      el.dataset.effective = eff ?? (s.error ? "error" : "");
      toggleClass(el, "has-error", s.error != null);
      setAttr(el, "title", s.error ? `${s.name}: ${s.error}` : s.name);
      setText(c.name, s.name);

      if (!prev || prev.id !== s.id || (prev.error == null) !== (s.error == null)) {
        el.classList.remove("no-thumb");
        if (s.error == null) c.img.src = imageUrl("thumb", s.id, s.version);
        else c.img.removeAttribute("src");
      }
      setText(c.err, s.error ?? "");

      // Cull's verdict (struck through when the user's decision overrides it).
      if (s.verdict) {
        c.verdict.hidden = false;
        setText(c.verdict, VERDICT_LABEL[s.verdict]);
        c.verdict.className = `badge verdict v-${s.verdict}${s.decision && s.decision !== s.verdict ? " overridden" : ""}`;
        setAttr(c.verdict, "title", `Cull: ${VERDICT_LABEL[s.verdict]}${s.score != null ? ` (score ${Math.round(s.score)})` : ""}`);
      } else {
        c.verdict.hidden = false;
        setText(c.verdict, "Unreadable");
        c.verdict.className = "badge verdict v-error";
        setAttr(c.verdict, "title", "Could not be judged");
      }
      if (s.decision) {
        c.decision.hidden = false;
        setText(c.decision, s.decision === "keep" ? "✓ Picked" : "✕ Rejected");
        c.decision.className = `badge decision d-${s.decision}`;
        setAttr(c.decision, "title", `Your decision: ${DECISION_LABEL[s.decision]}`);
      } else {
        c.decision.hidden = true;
      }

      const key = s.reasons.join(",");
      if (c.chips.dataset.key !== key) {
        c.chips.dataset.key = key;
        c.chips.textContent = "";
        s.reasons.slice(0, MAX_CHIPS).forEach((r) => {
          c.chips.appendChild(h("span", { class: `chip r-${r}`, title: reasonTitle(r) }, reasonLabel(r)));
        });
        if (s.reasons.length > MAX_CHIPS) {
          c.chips.appendChild(
            h("span", { class: "chip more", title: s.reasons.slice(MAX_CHIPS).map(reasonTitle).join(", ") }, `+${s.reasons.length - MAX_CHIPS}`),
          );
        }
      }
    }
    if (c.selected !== selected) {
      c.selected = selected;
      c.el.setAttribute("aria-selected", selected ? "true" : "false");
    }
    if (c.lead !== lead) {
      c.lead = lead;
      toggleClass(c.el, "lead", lead);
    }
  }

  /** A stack's top carries its count (a button that opens or closes it); members are tied to it. */
  private bindStack(c: Cell, role: StackRole, count: number): void {
    const key = `${role}:${count}:${c.shot?.group?.kind ?? ""}`;
    if (c.stackKey === key) return;
    c.stackKey = key;
    const el = c.el;
    el.dataset.stack = role === StackRole.Alone ? "" : ["", "closed", "open", "member", "last"][role];
    const top = role === StackRole.Closed || role === StackRole.Open;
    c.stack.hidden = !top;
    if (top) {
      const kind = c.shot?.group?.kind ?? "burst";
      const what = stackWords(kind).short;
      setText(c.stack, role === StackRole.Open ? `${count} ▾` : String(count));
      setAttr(c.stack, "title", `${role === StackRole.Open ? "Close" : "Open"} this stack: ${count} shots (${what}) · S`);
      setAttr(c.stack, "aria-expanded", String(role === StackRole.Open));
      el.dataset.count = String(count);
    } else delete el.dataset.count;
  }

  /** Refreshes every rendered cell (e.g. after the selection changed). */
  refresh(): void {
    this.render();
  }

  /** Scroll position to restore later (the loupe keeps the grid where it was). */
  get scrollTop(): number {
    return this.top;
  }
}
