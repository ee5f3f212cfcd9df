import { describe, expect, it } from "vitest";
import { cellPosition, layout, pageItems, scrollToReveal, visibleRange } from "./vgrid";

const base = { minCell: 160, gap: 8, pad: 12, caption: 0 };

describe("layout", () => {
  it("fits as many columns as the minimum width allows and fills the row", () => {
    const l = layout({ ...base, width: 1024, count: 100_000 });
    // inner 1000: 5 * 160 + 4 * 8 = 832 fits, 6 * 160 + 5 * 8 = 1000 fits exactly
    expect(l.cols).toBe(6);
    expect(l.cellW).toBe(160);
    expect(l.rows).toBe(Math.ceil(100_000 / 6));
    expect(l.rowH).toBe(168);
    expect(l.height).toBe(2 * 12 + l.rows * 168 - 8);
  });

  it("never has fewer than one column", () => {
    const l = layout({ ...base, width: 50, count: 3 });
    expect(l.cols).toBe(1);
    expect(l.rows).toBe(3);
    expect(l.cellW).toBeGreaterThan(0);
  });

  it("has no height when empty", () => {
    expect(layout({ ...base, width: 800, count: 0 }).height).toBe(0);
  });

  it("adds the caption under the square", () => {
    const l = layout({ ...base, width: 1024, count: 10, caption: 20 });
    expect(l.cellH).toBe(l.cellW + 20);
    expect(l.rowH).toBe(l.cellW + 28);
  });
});

describe("visibleRange", () => {
  const l = layout({ ...base, width: 1024, count: 100_000 }); // 6 cols, rowH 168

  it("renders only the rows in view plus overscan", () => {
    const r = visibleRange(l, 100_000, 0, 700, 2);
    expect(r.firstRow).toBe(0);
    expect(r.lastRow).toBe(Math.floor(700 / 168) + 2);
    expect(r.start).toBe(0);
    expect(r.end).toBe((r.lastRow + 1) * 6);
    expect(r.end - r.start).toBeLessThan(60);
  });

  it("works deep into a huge list", () => {
    const top = 168 * 10_000 + 12;
    const r = visibleRange(l, 100_000, top, 700, 1);
    expect(r.firstRow).toBe(9_999);
    expect(r.start).toBe(9_999 * 6);
    expect(r.lastRow).toBe(10_000 + 4 + 1);
  });

  it("clamps at the end of the list (last row partly filled)", () => {
    const count = 100;
    const l2 = layout({ ...base, width: 1024, count });
    const r = visibleRange(l2, count, l2.height, 700, 2);
    expect(r.lastRow).toBe(l2.rows - 1);
    expect(r.end).toBe(count);
  });

  it("is empty for an empty list", () => {
    const l0 = layout({ ...base, width: 1024, count: 0 });
    expect(visibleRange(l0, 0, 0, 700)).toEqual({ start: 0, end: 0, firstRow: 0, lastRow: -1 });
  });
});

describe("positions and scrolling", () => {
  const l = layout({ ...base, width: 1024, count: 1000 });

  it("places cells on the grid", () => {
    expect(cellPosition(l, 0)).toEqual({ x: 12, y: 12 });
    expect(cellPosition(l, 7)).toEqual({ x: 12 + 168, y: 12 + 168 });
  });

  it("scrolls the least to reveal a cell", () => {
    // already visible: no change
    expect(scrollToReveal(l, 0, 0, 700)).toBe(0);
    // below the viewport: bottom aligns
    const idx = 6 * 10; // row 10, y = 12 + 1680
    expect(scrollToReveal(l, idx, 0, 700)).toBe(12 + 1680 + 160 + 12 - 700);
    // above the viewport: top aligns
    expect(scrollToReveal(l, 0, 5000, 700)).toBe(0);
    expect(scrollToReveal(l, idx, 5000, 700)).toBe(1680);
  });

  it("pages by whole visible rows", () => {
    expect(pageItems(l, 700)).toBe(4 * 6);
    expect(pageItems(l, 10)).toBe(6);
  });
});
