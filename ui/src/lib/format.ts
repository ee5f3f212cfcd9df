// Number and text formatting for the UI.
import type { ScanSummaryView } from "../api/types";

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** Decimal units like the OS file managers: 1 KB = 1000 B. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "0 B";
  let u = 0;
  let v = n;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  // One decimal under 10, none above; never show "1000 KB".
  let s = v < 10 ? v.toFixed(1) : Math.round(v).toString();
  if (s === "1000" && u < UNITS.length - 1) {
    s = "1.0";
    u++;
  }
  return `${s.replace(/\.0$/, "")} ${UNITS[u]}`;
}

/** "42 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(secs: number): string {
  if (!Number.isFinite(secs) || secs < 0) return "—";
  if (secs < 10) return `${secs.toFixed(1).replace(/\.0$/, "")} s`;
  const s = Math.round(secs);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, "0")} min`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "1/250 s", "0.5 s", "2 s". */
export function formatExposureTime(t: number | null): string | null {
  if (t == null || !(t > 0)) return null;
  if (t >= 0.3) return `${Number(t.toFixed(1))} s`;
  return `1/${Math.round(1 / t)} s`;
}

export function formatAperture(f: number | null): string | null {
  if (f == null || !(f > 0)) return null;
  return `f/${Number(f.toFixed(1))}`;
}

export function formatBias(ev: number | null): string | null {
  if (ev == null || !Number.isFinite(ev)) return null;
  const r = Math.round(ev * 10) / 10;
  return `${r > 0 ? "+" : r < 0 ? "−" : "±"}${Math.abs(r)} EV`;
}

/** EXIF/ISO capture time for display: "2024-05-01 14:03:22". */
export function formatCaptured(s: string | null): string | null {
  if (!s) return null;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(s);
  if (!m) return s;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}${m[6] ? `:${m[6]}` : ""}`;
}

export function formatSummary(s: ScanSummaryView): string {
  const head = s.cancelled ? "Scan cancelled" : "Scan finished";
  const parts = [
    `${plural(s.shots, "shot")} in ${formatDuration(s.elapsed_secs)}`,
    `${formatCount(s.keep)} keep`,
    `${formatCount(s.review)} review`,
    `${formatCount(s.reject)} reject`,
  ];
  if (s.failed) parts.push(`${formatCount(s.failed)} unreadable`);
  parts.push(`${formatCount(s.judged)} judged, ${formatCount(s.cached)} from cache`);
  return `${head}: ${parts.join(" · ")}`;
}

/** The clean-up button's text. */
export function cleanupLabel(shots: number, bytes: number): string {
  if (shots === 0) return "No rejected shots to move to Trash";
  return `Move ${plural(shots, "rejected shot")} to Trash (${formatBytes(bytes)})`;
}

/** Last path component, for both separators. */
export function basename(path: string): string {
  const m = /[^\\/]+[\\/]*$/.exec(path);
  return m ? m[0].replace(/[\\/]+$/, "") : path;
}
