import { describe, expect, it } from "vitest";
import type { SharpnessMap } from "../api/types";
import { containRect, mapStats, rectFrac, tileColour, tileFrac } from "./sharpness";

const map: SharpnessMap = {
  cols: 3,
  rows: 2,
  tiles: [0, 0.5, 1, null, 0.25, 0.75],
  sharpest: { x0: 200, y0: 0, x1: 300, y1: 100 },
  analysed_width: 300,
  analysed_height: 200,
};

describe("sharpness overlay geometry", () => {
  it("splits tiles like the Rust TileGrid (integer bounds)", () => {
    expect(tileFrac(map, 0)).toEqual({ x: 0, y: 0, w: 1 / 3, h: 0.5 });
    expect(tileFrac(map, 5)).toEqual({ x: 200 / 300, y: 0.5, w: 100 / 300, h: 0.5 });
    const odd: SharpnessMap = { ...map, cols: 7, analysed_width: 100 };
    // 100/7: bounds 0,14,28,42,57,71,85,100 — tiles tile the width with no gaps
    let x = 0;
    for (let i = 0; i < 7; i++) {
      const r = tileFrac(odd, i);
      expect(r.x).toBeCloseTo(x, 10);
      x = r.x + r.w;
    }
    expect(x).toBeCloseTo(1, 10);
  });

  it("maps the sharpest rectangle from analysis pixels", () => {
    expect(rectFrac(map, map.sharpest!)).toEqual({ x: 2 / 3, y: 0, w: 1 / 3, h: 0.5 });
  });

  it("fits the image like object-fit: contain", () => {
    expect(containRect(1600, 1067, 800, 800)).toEqual({ x: 0, y: (800 - 533.5) / 2, w: 800, h: 533.5 });
    expect(containRect(1000, 2000, 800, 600)).toEqual({ x: 250, y: 0, w: 300, h: 600 });
    expect(containRect(0, 0, 800, 600)).toEqual({ x: 0, y: 0, w: 0, h: 0 });
  });
});

describe("colours and stats", () => {
  it("goes from red (soft) to green (sharp), nothing for unjudged tiles", () => {
    expect(tileColour(0)).toBe("hsla(0, 85%, 50%, 0.35)");
    expect(tileColour(1)).toBe("hsla(130, 85%, 50%, 0.35)");
    expect(tileColour(2)).toBe("hsla(130, 85%, 50%, 0.35)");
    expect(tileColour(0.5, 1)).toBe("hsla(65, 85%, 50%, 1)");
    expect(tileColour(null)).toBeNull();
  });

  it("summarises the map", () => {
    expect(mapStats(map)).toEqual({ judged: 5, total: 6, mean: 0.5 });
  });
});
