import { describe, expect, it } from "vitest";
import {
  basename,
  cleanupLabel,
  formatAperture,
  formatBias,
  formatBytes,
  formatCaptured,
  formatDuration,
  formatExposureTime,
  formatSummary,
  plural,
} from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1 KB"],
    [1500, "1.5 KB"],
    [999_499, "999 KB"],
    [999_999, "1 MB"],
    [12_345_678, "12 MB"],
    [4_200_000, "4.2 MB"],
    [1_500_000_000, "1.5 GB"],
    [2e15, "2000 TB"],
    [-5, "0 B"],
    [NaN, "0 B"],
  ])("%d bytes → %s", (n, s) => {
    expect(formatBytes(n)).toBe(s);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [2.45, "2.5 s"],
    [42.4, "42 s"],
    [185, "3 min 05 s"],
    [3725, "1 h 02 min"],
    [-1, "—"],
    [Infinity, "—"],
  ])("%d s → %s", (n, s) => {
    expect(formatDuration(n)).toBe(s);
  });
});

describe("EXIF values", () => {
  it("formats exposure time, aperture and bias", () => {
    expect(formatExposureTime(0.004)).toBe("1/250 s");
    expect(formatExposureTime(1 / 3)).toBe("0.3 s");
    expect(formatExposureTime(2)).toBe("2 s");
    expect(formatExposureTime(null)).toBeNull();
    expect(formatExposureTime(0)).toBeNull();
    expect(formatAperture(2.8)).toBe("f/2.8");
    expect(formatAperture(8)).toBe("f/8");
    expect(formatBias(0.33)).toBe("+0.3 EV");
    expect(formatBias(-1)).toBe("−1 EV");
    expect(formatBias(0)).toBe("±0 EV");
  });

  it("formats capture times from EXIF and ISO forms", () => {
    expect(formatCaptured("2024:05:01 14:03:22")).toBe("2024-05-01 14:03:22");
    expect(formatCaptured("2024-05-01T14:03:22Z")).toBe("2024-05-01 14:03:22");
    expect(formatCaptured("yesterday")).toBe("yesterday");
    expect(formatCaptured(null)).toBeNull();
  });
});

describe("texts", () => {
  it("pluralises with thousands separators", () => {
    expect(plural(1, "shot")).toBe("1 shot");
    expect(plural(12000, "shot")).toBe("12,000 shots");
  });

  it("labels the clean-up button in Trash terms", () => {
    expect(cleanupLabel(3, 31_400_000)).toBe("Move 3 rejected shots to Trash (31 MB)");
    expect(cleanupLabel(1, 1000)).toBe("Move 1 rejected shot to Trash (1 KB)");
    expect(cleanupLabel(0, 0)).not.toMatch(/delete/i);
  });

  it("summarises a scan", () => {
    const s = formatSummary({
      shots: 1200, files: 1300, keep: 900, review: 200, reject: 100, failed: 2, cached: 1000, judged: 200, removed: 0, groups_changed: 0,
      elapsed_secs: 12.5, cancelled: false, model_note: null,
    });
    expect(s).toBe(
      "Scan finished: 1,200 shots in 13 s · 900 keep · 200 review · 100 reject · 2 unreadable · 200 judged, 1,000 from cache",
    );
    expect(formatSummary({ shots: 1, files: 1, keep: 1, review: 0, reject: 0, failed: 0, cached: 0, judged: 1, removed: 0, groups_changed: 0, elapsed_secs: 1, cancelled: true, model_note: null }))
      .toMatch(/^Scan cancelled: 1 shot in 1 s/);
  });

  it("takes the base name of either path style", () => {
    expect(basename("/a/b/IMG_1.jpg")).toBe("IMG_1.jpg");
    expect(basename("C:\\Photos\\Trip\\")).toBe("Trip");
    expect(basename("x")).toBe("x");
  });
});
