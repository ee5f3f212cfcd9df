// Multi-selection over the grid's current order, Lightroom style:
// click selects one, ctrl/cmd+click toggles, shift+click / shift+arrow selects the range from the
// anchor. Selections are immutable values keyed by shot id.

export interface OrderView {
  readonly length: number;
  idAt(pos: number): number;
  /** -1 when the id is not in the view. */
  posOf(id: number): number;
}

export interface Selection {
  readonly ids: ReadonlySet<number>;
  /** Where shift-ranges start. */
  readonly anchor: number | null;
  /** The focused item: arrows move from it, the loupe shows it. */
  readonly lead: number | null;
}

export const EMPTY: Selection = { ids: new Set(), anchor: null, lead: null };

export function only(id: number): Selection {
  return { ids: new Set([id]), anchor: id, lead: id };
}

/** Ids between two positions, inclusive, in view order. */
export function rangeIds(view: OrderView, a: number, b: number): number[] {
  const lo = Math.max(0, Math.min(a, b));
  const hi = Math.min(view.length - 1, Math.max(a, b));
  const out: number[] = [];
  for (let p = lo; p <= hi; p++) out.push(view.idAt(p));
  return out;
}

export interface Mods {
  shift?: boolean;
  /** ctrl on Windows/Linux, cmd on macOS */
  toggle?: boolean;
}

export function click(sel: Selection, view: OrderView, id: number, mods: Mods = {}): Selection {
  const pos = view.posOf(id);
  if (pos < 0) return sel;
  if (mods.shift) {
    const anchorPos = sel.anchor == null ? -1 : view.posOf(sel.anchor);
    if (anchorPos < 0) return only(id);
    const ids = new Set(mods.toggle ? sel.ids : []);
    for (const x of rangeIds(view, anchorPos, pos)) ids.add(x);
    return { ids, anchor: sel.anchor, lead: id };
  }
  if (mods.toggle) {
    const ids = new Set(sel.ids);
    if (ids.has(id)) {
      ids.delete(id);
      // The lead moves to another selected item if there is one.
      const lead = sel.lead === id ? (ids.size ? nearest(view, ids, pos) : null) : sel.lead;
      return { ids, anchor: id, lead };
    }
    ids.add(id);
    return { ids, anchor: id, lead: id };
  }
  return only(id);
}

function nearest(view: OrderView, ids: ReadonlySet<number>, pos: number): number | null {
  let best: number | null = null;
  let bestD = Infinity;
  for (const id of ids) {
    const p = view.posOf(id);
    if (p < 0) continue;
    const d = Math.abs(p - pos);
    if (d < bestD) {
      bestD = d;
      best = id;
    }
  }
  return best;
}

/**
 * Moves the lead by `delta` positions (±1 for left/right, ±columns for up/down), clamped to the
 * view. With `extend` the selection becomes the range anchor..new lead.
 */
export function move(sel: Selection, view: OrderView, delta: number, extend = false): Selection {
  if (view.length === 0) return EMPTY;
  const leadPos = sel.lead == null ? -1 : view.posOf(sel.lead);
  let pos: number;
  if (leadPos < 0) pos = delta < 0 ? view.length - 1 : 0;
  else pos = Math.max(0, Math.min(view.length - 1, leadPos + delta));
  const id = view.idAt(pos);
  if (!extend) return only(id);
  const anchor = sel.anchor != null && view.posOf(sel.anchor) >= 0 ? sel.anchor : (sel.lead ?? id);
  const anchorPos = view.posOf(anchor);
  return { ids: new Set(rangeIds(view, anchorPos < 0 ? pos : anchorPos, pos)), anchor, lead: id };
}

/** Moves to an absolute position (Home/End). */
export function moveTo(sel: Selection, view: OrderView, pos: number, extend = false): Selection {
  const leadPos = sel.lead == null ? -1 : view.posOf(sel.lead);
  return move(sel, view, pos - (leadPos < 0 ? 0 : leadPos), extend && leadPos >= 0);
}

export function selectAll(view: OrderView, sel: Selection): Selection {
  const ids = new Set<number>();
  for (let p = 0; p < view.length; p++) ids.add(view.idAt(p));
  const lead = sel.lead != null && view.posOf(sel.lead) >= 0 ? sel.lead : view.length ? view.idAt(0) : null;
  return { ids, anchor: sel.anchor ?? lead, lead };
}

/**
 * Keeps the selection valid after the view changed (filter, decision that filtered shots out,
 * clean-up): ids no longer shown are dropped. If the lead went, the item now at the lead's old
 * position is selected, so culling with a filter on moves on to the next photo.
 */
export function reconcile(sel: Selection, view: OrderView, oldLeadPos: number): Selection {
  if (sel.ids.size === 0 && sel.lead == null) return sel;
  const ids = new Set<number>();
  let dropped = false;
  for (const id of sel.ids) {
    if (view.posOf(id) >= 0) ids.add(id);
    else dropped = true;
  }
  const leadOk = sel.lead != null && view.posOf(sel.lead) >= 0;
  if (leadOk) {
    if (!dropped) return sel;
    const anchor = sel.anchor != null && view.posOf(sel.anchor) >= 0 ? sel.anchor : sel.lead;
    return { ids, anchor, lead: sel.lead };
  }
  if (ids.size > 0) {
    const lead = nearest(view, ids, Math.max(0, oldLeadPos));
    return { ids, anchor: lead, lead };
  }
  if (view.length === 0) return EMPTY;
  const pos = Math.max(0, Math.min(view.length - 1, oldLeadPos));
  return only(view.idAt(pos));
}

/** The selected ids in view order (what P/X/U act on). */
/**
 * The shots a drag that starts on `id` carries: the whole selection in view order when `id` is
 * part of it (as a file manager drags every selected file), else `id` alone.
 */
export function dragged(sel: Selection, view: OrderView, id: number): number[] {
  return sel.ids.has(id) ? selectedInOrder(sel, view) : [id];
}

export function selectedInOrder(sel: Selection, view: OrderView): number[] {
  return [...sel.ids]
    .map((id) => [id, view.posOf(id)] as const)
    .filter(([, p]) => p >= 0)
    .sort((a, b) => a[1] - b[1])
    .map(([id]) => id);
}
