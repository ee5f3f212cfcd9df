import { describe, expect, it } from "vitest";
import { FIT, MAX_ZOOM, fitScale, nextPane, panBy, placement, toggleFit, zoomBy, zoomLabel, type Frame } from "./compare";

const big: Frame = { iw: 4000, ih: 3000, pw: 400, ph: 400 };
const small: Frame = { iw: 2400, ih: 1800, pw: 400, ph: 400 };

describe("compare view", () => {
  it("fits each photo to its pane, centred", () => {
    expect(fitScale(big)).toBe(0.1);
    expect(placement(FIT, big)).toEqual({ x: 0, y: 50, w: 400, h: 300 });
    expect(placement(FIT, small)).toEqual({ x: 0, y: 50, w: 400, h: 300 });
  });

  it("shows every pane at the same magnification around the same point", () => {
    const v = toggleFit(FIT);
    expect(v.zoom).toBe(1);
    expect(zoomLabel(v)).toBe("100 %");
    // At 100 %, the centre of each photo is at the centre of its pane.
    expect(placement(v, big)).toEqual({ x: 200 - 2000, y: 200 - 1500, w: 4000, h: 3000 });
    expect(placement(v, small)).toEqual({ x: 200 - 1200, y: 200 - 900, w: 2400, h: 1800 });
    expect(toggleFit(v)).toEqual(FIT);
  });

  it("zooms all from the focused pane, never below fit nor past the cap", () => {
    const v = zoomBy(FIT, 2, big);
    expect(v.zoom).toBeCloseTo(0.2);
    expect(zoomBy(v, 0.25, big).zoom).toBeNull();
    expect(zoomBy({ ...v, zoom: MAX_ZOOM }, 2, big).zoom).toBe(MAX_ZOOM);
  });

  it("pans every pane by the same share of its photo, kept on the photo", () => {
    const v = toggleFit(FIT);
    const moved = panBy(v, 400, 0, big); // 400 px of a 4000 px photo at 100 %
    expect(moved.cx).toBeCloseTo(0.4);
    expect(placement(moved, small).x).toBeCloseTo(200 - 0.4 * 2400);
    expect(panBy(v, -1e6, -1e6, big)).toMatchObject({ cx: 1, cy: 1 });
    expect(placement(panBy(v, -1e6, 0, big), big).x).toBe(400 - 4000); // the edge stays at the pane's edge
    expect(panBy(FIT, 50, 50, big)).toEqual(FIT); // nothing to pan when it fits
  });

  it("moves the focus round the panes", () => {
    expect(nextPane(0, 1, 3)).toBe(1);
    expect(nextPane(2, 1, 3)).toBe(0);
    expect(nextPane(0, -1, 3)).toBe(2);
  });
});
