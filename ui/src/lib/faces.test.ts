import { describe, expect, it } from "vitest";
import type { FaceView } from "../api/types";
import type { FracRect } from "./sharpness";
import { eyesLabel, faceFocus, faceFrac, faceProblems, facesLeftToRight, focusLabel, lidGaps } from "./faces";

function expectRect(got: FracRect | null, want: FracRect): void {
  expect(got).not.toBeNull();
  for (const k of ["x", "y", "w", "h"] as const) expect(got?.[k]).toBeCloseTo(want[k], 9);
}

function face(over: Partial<FaceView> = {}): FaceView {
  return { box: [100, 50, 40, 60], eyes: "open", openness: [0.31, 0.28], sharpness: 0.8, edge_px: 4.1, focus: "sharp", ...over };
}

describe("faces in words", () => {
  it("words the eyes, with both lid gaps", () => {
    expect(eyesLabel(face())).toBe("Eyes open");
    expect(eyesLabel(face({ eyes: "closed" }))).toBe("Eyes closed");
    expect(eyesLabel(face({ eyes: "unknown" }))).toBe("Can't tell");
    expect(lidGaps(face())).toBe("lid gaps 0.31 · 0.28");
    expect(lidGaps(face({ openness: [0.05, null] }))).toBe("lid gaps 0.05 · –");
    expect(lidGaps(face({ openness: [null, null] }))).toBe("lid gaps not measured");
  });

  it("words focus by the engine's word for it", () => {
    expect(focusLabel(face())).toBe("Sharp — edges 4.1 px");
    expect(focusLabel(face({ edge_px: 7.42, focus: "soft" }))).toBe("Soft — edges 7.4 px");
    expect(focusLabel(face({ edge_px: 6.1, focus: "borderline" }))).toBe("Slightly soft — edges 6.1 px");
    expect(faceFocus(face({ focus: "borderline" }))).toBe("borderline");
    expect(focusLabel(face({ edge_px: null, focus: "unknown" }))).toMatch(/too small or flat/);
  });

  it("flags closed eyes and soft faces only", () => {
    expect(faceProblems(face())).toEqual([]);
    expect(faceProblems(face({ eyes: "unknown", edge_px: 6.2, focus: "borderline" }))).toEqual([]);
    expect(faceProblems(face({ eyes: "closed", edge_px: 7, focus: "soft" }))).toEqual(["eyes closed", "soft"]);
  });
});

describe("faces on the preview", () => {
  it("turns a box in photo pixels into fractions of the photo", () => {
    expectRect(faceFrac(face({ box: [100, 50, 40, 60] }), 400, 200), { x: 0.25, y: 0.25, w: 0.1, h: 0.3 });
  });

  it("clamps a box that runs off the frame, and drops one that has no area on it", () => {
    expectRect(faceFrac(face({ box: [-20, 150, 60, 100] }), 400, 200), { x: 0, y: 0.75, w: 0.1, h: 0.25 });
    expect(faceFrac(face({ box: [500, 0, 10, 10] }), 400, 200)).toBeNull();
    expect(faceFrac(face({ box: [0, 0, 0, 10] }), 400, 200)).toBeNull();
    expect(faceFrac(face(), 0, 0)).toBeNull();
  });

  it("lists faces left to right, keeping each one's index for its crop URL", () => {
    const faces = [face({ box: [300, 0, 50, 50] }), face({ box: [10, 80, 50, 50] }), face({ box: [10, 5, 50, 50] })];
    expect(facesLeftToRight(faces).map((f) => f.index)).toEqual([2, 1, 0]);
    expect(facesLeftToRight([])).toEqual([]);
  });
});
