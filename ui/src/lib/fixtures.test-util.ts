// Shared test helpers (not a test file itself).
import type { ShotView } from "../api/types";

export function shot(id: number, over: Partial<ShotView> = {}): ShotView {
  return {
    id,
    name: `IMG_${id}.jpg`,
    path: `/photos/IMG_${id}.jpg`,
    folder: "/photos",
    files: [`/photos/IMG_${id}.jpg`],
    bytes: 1_000_000,
    score: 50,
    verdict: "keep",
    decision: null,
    reasons: [],
    error: null,
    captured: null,
    width: 6000,
    height: 4000,
    version: 1,
    group: null,
    ...over,
  };
}
