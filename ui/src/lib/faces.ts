// The loupe's faces: their eyes and focus in words, and where they sit on the preview.
import type { FaceFocus, FaceView } from "../api/types";
import type { FracRect } from "./sharpness";

/** A face with its place in the detail's list, which names its crop URL. */
export interface IndexedFace {
  face: FaceView;
  index: number;
}

/** Faces in reading order (left to right, then top to bottom), as a person scans a group. */
export function facesLeftToRight(faces: readonly FaceView[]): IndexedFace[] {
  return faces
    .map((face, index) => ({ face, index }))
    .sort((a, b) => centreX(a.face) - centreX(b.face) || a.face.box[1] - b.face.box[1] || a.index - b.index);
}

function centreX(f: FaceView): number {
  return f.box[0] + f.box[2] / 2;
}

/** The face's box as fractions of the photo (its box is in the photo's own pixels), clamped to it. */
export function faceFrac(face: FaceView, width: number, height: number): FracRect | null {
  if (!(width > 0 && height > 0)) return null;
  const [x, y, w, h] = face.box;
  if (![x, y, w, h].every(Number.isFinite) || w <= 0 || h <= 0) return null;
  const x0 = clamp01(x / width);
  const y0 = clamp01(y / height);
  const x1 = clamp01((x + w) / width);
  const y1 = clamp01((y + h) / height);
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function clamp01(v: number): number {
  return Math.max(0, Math.min(1, v));
}

export function eyesLabel(face: FaceView): string {
  switch (face.eyes) {
    case "open":
      return "Eyes open";
    case "closed":
      return "Eyes closed";
    default:
      return "Can't tell";
  }
}

/** "lid gaps 0.31 · 0.28" (the eye on the image's left first); "–" for an eye not measured. */
export function lidGaps(face: FaceView): string {
  const [l, r] = face.openness;
  if (l == null && r == null) return "lid gaps not measured";
  const one = (v: number | null) => (v == null || !Number.isFinite(v) ? "–" : v.toFixed(2));
  return `lid gaps ${one(l)} · ${one(r)}`;
}

/** The engine's word for the face's focus (its own bars, so the loupe cannot drift from them). */
export function faceFocus(face: FaceView): FaceFocus {
  return face.focus;
}

/** "Sharp — edges 4.1 px", "Soft — edges 7.4 px", or why focus has no word. */
export function focusLabel(face: FaceView): string {
  const focus = faceFocus(face);
  if (focus === "unknown") return "Focus: too small or flat to judge";
  const word = focus === "sharp" ? "Sharp" : focus === "soft" ? "Soft" : "Slightly soft";
  return `${word} — edges ${(face.edge_px as number).toFixed(1)} px`;
}

/** What to check on this face, in words ("eyes closed", "soft"); empty when nothing is wrong. */
export function faceProblems(face: FaceView): string[] {
  const out: string[] = [];
  if (face.eyes === "closed") out.push("eyes closed");
  if (faceFocus(face) === "soft") out.push("soft");
  return out;
}
