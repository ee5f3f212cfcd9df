// Compare's linked view: every pane shows its photo at one magnification around one point (a
// share of the photo's width and height), so zooming or dragging any pane moves them all and the
// same detail stays side by side, whatever each photo's size.

export interface CompareView {
  /** Screen pixels per photo pixel (1 = 100 %); null = each photo fits its pane. */
  zoom: number | null;
  /** The photo point at the pane's centre, as shares of its width and height. */
  cx: number;
  cy: number;
}

export const FIT: CompareView = { zoom: null, cx: 0.5, cy: 0.5 };
export const MAX_ZOOM = 8;

export interface Frame {
  /** The photo's pixels. */
  iw: number;
  ih: number;
  /** The pane's size on screen. */
  pw: number;
  ph: number;
}

export function fitScale(f: Frame): number {
  if (f.iw <= 0 || f.ih <= 0) return 1;
  return Math.min(f.pw / f.iw, f.ph / f.ih);
}

export function scaleOf(v: CompareView, f: Frame): number {
  return v.zoom ?? fitScale(f);
}

/** Where the photo lies in its pane: centred when it fits, else around the view's point. */
export function placement(v: CompareView, f: Frame): { x: number; y: number; w: number; h: number } {
  const s = scaleOf(v, f);
  const w = f.iw * s;
  const h = f.ih * s;
  const along = (size: number, pane: number, c: number) =>
    size <= pane ? (pane - size) / 2 : Math.min(0, Math.max(pane - size, pane / 2 - c * size));
  return { x: along(w, f.pw, v.cx), y: along(h, f.ph, v.cy), w, h };
}

/** Zooms every pane by `factor` from what `ref` (the focused pane) shows; below fit is fit. */
export function zoomBy(v: CompareView, factor: number, ref: Frame): CompareView {
  const fit = fitScale(ref);
  const z = Math.min(MAX_ZOOM, scaleOf(v, ref) * factor);
  return z <= fit * 1.0001 ? { ...v, zoom: null } : { ...v, zoom: z };
}

/** Z: fit, or 100 % around the same point. */
export function toggleFit(v: CompareView): CompareView {
  return v.zoom == null ? { ...v, zoom: 1 } : { ...v, zoom: null };
}

/** A drag of (dx, dy) screen pixels in pane `ref` moves every pane's point alike. */
export function panBy(v: CompareView, dx: number, dy: number, ref: Frame): CompareView {
  const s = scaleOf(v, ref);
  const clamp = (c: number) => Math.max(0, Math.min(1, c));
  if (v.zoom == null || ref.iw <= 0 || ref.ih <= 0) return v;
  return { ...v, cx: clamp(v.cx - dx / (ref.iw * s)), cy: clamp(v.cy - dy / (ref.ih * s)) };
}

/** The zoom as people say it: "Fit" or "100 %". */
export function zoomLabel(v: CompareView): string {
  return v.zoom == null ? "Fit" : `${Math.round(v.zoom * 100)} %`;
}

/** The next pane's index after a Tab or an arrow, wrapping. */
export function nextPane(current: number, delta: number, panes: number): number {
  return panes ? (((current + delta) % panes) + panes) % panes : 0;
}
