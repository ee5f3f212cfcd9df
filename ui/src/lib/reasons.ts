// Words for verdicts and reason codes.
import type { Decision, ReasonCode, Sensitivity, Verdict, Device } from "../api/types";

export const REASON_CODES = [
  "blur",
  "motion_blur",
  "underexposed",
  "overexposed",
  "noise",
  "jpeg_artifacts",
  "lens_flare",
  "low_contrast",
  "closed_eyes",
  "face_blur",
  "duplicate",
] as const satisfies readonly ReasonCode[];

// Compile-time check that the list above names every ReasonCode the Rust side exports.
type MissingReason = Exclude<ReasonCode, (typeof REASON_CODES)[number]>;
const everyReasonListed: MissingReason extends never ? true : false = true;
void everyReasonListed;

export const VERDICTS = ["keep", "review", "reject"] as const satisfies readonly Verdict[];
export const SENSITIVITIES = ["strict", "normal", "lenient"] as const satisfies readonly Sensitivity[];
export const DEVICES = ["auto", "cpu", "cuda", "directml", "coreml"] as const satisfies readonly Device[];

/** Short labels for the grid's badges. */
export const REASON_SHORT: Record<ReasonCode, string> = {
  blur: "Blur",
  motion_blur: "Shake",
  underexposed: "Dark",
  overexposed: "Bright",
  noise: "Noise",
  jpeg_artifacts: "JPEG",
  lens_flare: "Flare",
  low_contrast: "Flat",
  closed_eyes: "Eyes",
  face_blur: "Face",
  duplicate: "Dup",
};

/** Plain words for the sidebar and the loupe. */
export const REASON_TITLE: Record<ReasonCode, string> = {
  blur: "Out of focus",
  motion_blur: "Camera shake or motion blur",
  underexposed: "Too dark (underexposed)",
  overexposed: "Too bright (overexposed)",
  noise: "Noisy",
  jpeg_artifacts: "JPEG compression artefacts",
  lens_flare: "Lens flare",
  low_contrast: "Low contrast (washed out)",
  closed_eyes: "Closed eyes",
  face_blur: "Soft face",
  duplicate: "Lesser duplicate or burst frame",
};

/** Whether the sharpness map says "where" this problem is. */
export function reasonHasMap(code: ReasonCode): boolean {
  return code === "blur" || code === "motion_blur" || code === "lens_flare";
}

export const VERDICT_LABEL: Record<Verdict, string> = { keep: "Keep", review: "Review", reject: "Reject" };
export const DECISION_LABEL: Record<Decision, string> = { keep: "Picked", reject: "Rejected" };

export const DEVICE_LABEL: Record<Device, string> = {
  auto: "Automatic",
  cpu: "CPU only",
  cuda: "NVIDIA GPU (CUDA)",
  directml: "GPU (DirectML, Windows)",
  coreml: "Apple Neural Engine / GPU (Core ML)",
};

export function reasonLabel(code: string): string {
  return (REASON_SHORT as Record<string, string>)[code] ?? code;
}

export function reasonTitle(code: string): string {
  return (REASON_TITLE as Record<string, string>)[code] ?? code.replace(/_/g, " ");
}
