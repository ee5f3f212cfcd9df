// Virtual-grid geometry: how many columns fit, how tall the spacer is, which rows to render.

export interface GridLayout {
  cols: number;
  rows: number;
  /** Width and height of one cell's box, without the gap. */
  cellW: number;
  cellH: number;
  /** Distance from one row's top to the next (cellH + gap). */
  rowH: number;
  /** Distance from one column's left to the next (cellW + gap). */
  colW: number;
  gap: number;
  pad: number;
  /** The spacer's height. */
  height: number;
}

export interface LayoutInput {
  /** Inner width of the scroll container (without the scrollbar). */
  width: number;
  count: number;
  /** Smallest cell width; cells grow to fill the row exactly. */
  minCell: number;
  gap: number;
  pad: number;
  /** Extra height under the square thumbnail box (caption). */
  caption: number;
}

export function layout({ width, count, minCell, gap, pad, caption }: LayoutInput): GridLayout {
  const inner = Math.max(0, width - 2 * pad);
  const cols = Math.max(1, Math.floor((inner + gap) / (minCell + gap)));
  const cellW = Math.max(1, Math.floor((inner - gap * (cols - 1)) / cols));
  const cellH = cellW + caption;
  const rows = Math.ceil(count / cols);
  const rowH = cellH + gap;
  const height = rows === 0 ? 0 : 2 * pad + rows * rowH - gap;
  return { cols, rows, cellW, cellH, rowH, colW: cellW + gap, gap, pad, height };
}

/** Indexes [start, end) of the items to render, rows in view plus `overscan` rows each side. */
export function visibleRange(
  l: GridLayout,
  count: number,
  scrollTop: number,
  viewport: number,
  overscan = 2,
): { start: number; end: number; firstRow: number; lastRow: number } {
  if (count === 0 || l.rows === 0) return { start: 0, end: 0, firstRow: 0, lastRow: -1 };
  const top = Math.max(0, scrollTop - l.pad);
  const firstRow = Math.max(0, Math.floor(top / l.rowH) - overscan);
  const lastRow = Math.min(l.rows - 1, Math.floor((top + Math.max(0, viewport)) / l.rowH) + overscan);
  const start = firstRow * l.cols;
  const end = Math.min(count, (lastRow + 1) * l.cols);
  return { start, end, firstRow, lastRow };
}

/** Top-left of item `index` inside the spacer. */
export function cellPosition(l: GridLayout, index: number): { x: number; y: number } {
  const row = Math.floor(index / l.cols);
  const col = index - row * l.cols;
  return { x: l.pad + col * l.colW, y: l.pad + row * l.rowH };
}

/** The scrollTop that brings item `index` fully into view with the least movement. */
export function scrollToReveal(l: GridLayout, index: number, scrollTop: number, viewport: number): number {
  const { y } = cellPosition(l, index);
  const top = y - l.pad;
  const bottom = y + l.cellH + l.pad;
  if (top < scrollTop) return Math.max(0, top);
  if (bottom > scrollTop + viewport) return Math.max(0, bottom - viewport);
  return scrollTop;
}

/** How many items one page (PageUp/PageDown) moves: whole visible rows. */
export function pageItems(l: GridLayout, viewport: number): number {
  return Math.max(1, Math.floor(viewport / l.rowH)) * l.cols;
}
