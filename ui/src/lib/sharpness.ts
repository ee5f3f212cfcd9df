// Geometry and colours of the loupe's sharpness overlay.
import type { SharpnessMap } from "../api/types";

/** The sharpest tile's rectangle (named via SharpnessMap so a rename of the Rust type is harmless). */
export type TileRect = NonNullable<SharpnessMap["sharpest"]>;

/** A rectangle in fractions (0..1) of the image's width and height. */
export interface FracRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Tile `index`'s bounds, the same integer split as the Rust TileGrid, as fractions. */
export function tileFrac(map: SharpnessMap, index: number): FracRect {
  const W = map.analysed_width;
  const H = map.analysed_height;
  const col = index % map.cols;
  const row = Math.floor(index / map.cols);
  const x0 = Math.floor((col * W) / map.cols);
  const x1 = Math.floor(((col + 1) * W) / map.cols);
  const y0 = Math.floor((row * H) / map.rows);
  const y1 = Math.floor(((row + 1) * H) / map.rows);
  return { x: x0 / W, y: y0 / H, w: (x1 - x0) / W, h: (y1 - y0) / H };
}

/** A rectangle in analysis pixels as fractions. */
export function rectFrac(map: SharpnessMap, r: TileRect): FracRect {
  const W = map.analysed_width || 1;
  const H = map.analysed_height || 1;
  return { x: r.x0 / W, y: r.y0 / H, w: (r.x1 - r.x0) / W, h: (r.y1 - r.y0) / H };
}

/**
 * Colour for a tile's sharpness: red (soft) through amber to green (sharp), translucent so the
 * photo shows through. null (too flat to judge) gets no fill.
 */
export function tileColour(v: number | null, alpha = 0.35): string | null {
  if (v == null || !Number.isFinite(v)) return null;
  const t = Math.max(0, Math.min(1, v));
  // hue 0 (red) .. 130 (green)
  const hue = Math.round(t * 130);
  return `hsla(${hue}, 85%, 50%, ${alpha})`;
}

/**
 * Where an image of natural size (nw × nh) lands inside a box (bw × bh) with object-fit:
 * contain: the overlay must cover exactly that rectangle.
 */
export function containRect(nw: number, nh: number, bw: number, bh: number): { x: number; y: number; w: number; h: number } {
  if (!(nw > 0 && nh > 0 && bw > 0 && bh > 0)) return { x: 0, y: 0, w: 0, h: 0 };
  const s = Math.min(bw / nw, bh / nh);
  const w = nw * s;
  const h = nh * s;
  return { x: (bw - w) / 2, y: (bh - h) / 2, w, h };
}

/** Share of tiles that could be judged, and the mean sharpness of those. */
export function mapStats(map: SharpnessMap): { judged: number; total: number; mean: number | null } {
  let judged = 0;
  let sum = 0;
  for (const v of map.tiles) {
    if (v != null && Number.isFinite(v)) {
      judged++;
      sum += v;
    }
  }
  return { judged, total: map.tiles.length, mean: judged ? sum / judged : null };
}
