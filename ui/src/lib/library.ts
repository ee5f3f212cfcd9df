// The shot list on the client: merging, sorting, filtering and counting.
// Pure and allocation-light so it stays fast at 100 000 shots: orders are Int32Arrays of
// indexes into `Library.shots`, sorted once per change of shots or sort key (never on scroll).
import type { ReasonCode, ShotView, Verdict } from "../api/types";
import { REASON_CODES } from "./reasons";

export type VerdictFilter = "all" | Verdict | "errors";
export type SortKey = "score" | "date" | "name";
export type SortDir = "asc" | "desc";

export interface Filter {
  verdict: VerdictFilter;
  /** null = any reason */
  reason: ReasonCode | null;
}

/** What the user sees: their decision always wins over Cull's verdict. */
export function effectiveVerdict(s: ShotView): Verdict | null {
  return s.decision ?? s.verdict;
}

export function matches(s: ShotView, f: Filter): boolean {
  switch (f.verdict) {
    case "all":
      break;
    case "errors":
      if (s.error == null) return false;
      break;
    default:
      if (effectiveVerdict(s) !== f.verdict) return false;
  }
  return f.reason == null || s.reasons.includes(f.reason);
}

/** What a merge changed: new shots need inserting; moved ones need a full re-sort. */
export interface MergeResult {
  /** Indexes (into `shots`) of shots that were not there before. */
  added: number[];
  changed: number;
  /** Some existing shot's name, score or capture time changed (its sort position may move). */
  moved: boolean;
}

export class Library {
  shots: ShotView[] = [];
  /** naturalKey(name) per index, computed once per shot. */
  keys: string[] = [];
  private index = new Map<number, number>();

  get size(): number {
    return this.shots.length;
  }

  indexOf(id: number): number {
    return this.index.get(id) ?? -1;
  }

  get(id: number): ShotView | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.shots[i];
  }

  /** Replaces everything (list_shots). Later duplicates win, like a merge. */
  replaceAll(list: readonly ShotView[]): void {
    this.shots = [];
    this.keys = [];
    this.index = new Map();
    this.merge(list);
  }

  /** Merges a batch by id: existing shots are replaced in place, new ones appended. */
  merge(batch: readonly ShotView[]): MergeResult {
    const added: number[] = [];
    let changed = 0;
    let moved = false;
    for (const s of batch) {
      const i = this.index.get(s.id);
      if (i === undefined) {
        const k = this.shots.length;
        this.index.set(s.id, k);
        this.shots.push(s);
        this.keys.push(naturalKey(s.name));
        added.push(k);
      } else {
        const old = this.shots[i];
        if (old.name !== s.name) {
          this.keys[i] = naturalKey(s.name);
          moved = true;
        } else if (old.score !== s.score || old.captured !== s.captured) moved = true;
        this.shots[i] = s;
        changed++;
      }
    }
    return { added, changed, moved };
  }

  /** Drops the shots with these ids (the watcher saw their files leave); returns how many went. */
  remove(ids: readonly number[]): number {
    const gone = new Set(ids.filter((id) => this.index.has(id)));
    if (gone.size) this.retain((s) => !gone.has(s.id));
    return gone.size;
  }

  /** Keeps only the shots that pass `keep` (e.g. after a clean-up). */
  retain(keep: (s: ShotView) => boolean): void {
    this.replaceAll(this.shots.filter(keep));
  }
}

const NAME_DIGITS = /\d+/g;

/** A key that sorts names naturally ("IMG_2" before "IMG_10") with a plain string compare. */
export function naturalKey(name: string): string {
  return name.toLowerCase().replace(NAME_DIGITS, (d) => {
    const t = d.replace(/^0+(?=\d)/, "");
    return String.fromCharCode(0x30 + Math.min(t.length, 40)) + t;
  });
}

/**
 * A capture time as a number that orders like the time: the first 14 digits
 * (YYYYMMDDhhmmss) of an EXIF ("2024:05:01 14:03:22") or ISO string. NaN when unreadable.
 */
export function dateKey(s: string | null): number {
  if (s == null) return NaN;
  let v = 0;
  let digits = 0;
  for (let i = 0; i < s.length && digits < 14; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      v = v * 10 + c;
      digits++;
    } else if (digits >= 12 && s[i] === ".") break; // fractional seconds
  }
  if (digits < 8) return NaN;
  for (; digits < 14; digits++) v *= 10;
  return v;
}

/**
 * The comparator of shot indexes for a sort. Missing values (no score, no capture date) always
 * go last, whatever the direction; ties break by natural name, then id, so the order is total
 * and stable across refreshes. `keys` are the shots' natural name keys.
 */
export function comparator(
  shots: readonly ShotView[],
  keys: readonly string[],
  key: SortKey,
  dir: SortDir,
): (a: number, b: number) => number {
  const sign = dir === "asc" ? 1 : -1;
  const byName = (a: number, b: number) => {
    const x = keys[a], y = keys[b];
    return x < y ? -1 : x > y ? 1 : shots[a].id - shots[b].id;
  };
  if (key === "name") return (a, b) => sign * byName(a, b);
  const n = shots.length;
  const k = new Float64Array(n);
  if (key === "score") for (let i = 0; i < n; i++) k[i] = shots[i].score ?? NaN;
  else for (let i = 0; i < n; i++) k[i] = dateKey(shots[i].captured);
  return (a, b) => {
    const x = k[a], y = k[b];
    const xn = x !== x, yn = y !== y; // NaN = missing
    if (xn || yn) return xn === yn ? byName(a, b) : xn ? 1 : -1;
    return x !== y ? sign * (x - y) : byName(a, b);
  };
}

/** The order of all shots under a sort, as indexes into `shots`. */
export function sortOrder(
  shots: readonly ShotView[],
  key: SortKey,
  dir: SortDir,
  keys: readonly string[] = shots.map((s) => naturalKey(s.name)),
): Int32Array {
  const order = new Int32Array(shots.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort(comparator(shots, keys, key, dir));
}

/**
 * Inserts new shot indexes into a sorted order without re-sorting it: sorts the few new ones
 * and merges (O(n + k log k)), so batches arriving during a scan stay cheap at 100 000 shots.
 */
export function insertSorted(order: Int32Array, added: readonly number[], cmp: (a: number, b: number) => number): Int32Array {
  if (added.length === 0) return order;
  const add = Int32Array.from(added).sort(cmp);
  const out = new Int32Array(order.length + add.length);
  let i = 0, j = 0, k = 0;
  while (i < order.length && j < add.length) out[k++] = cmp(add[j], order[i]) < 0 ? add[j++] : order[i++];
  while (i < order.length) out[k++] = order[i++];
  while (j < add.length) out[k++] = add[j++];
  return out;
}

/** The shots of `order` that pass the filter, in order. */
export function filterOrder(shots: readonly ShotView[], order: Int32Array, f: Filter): Int32Array {
  if (f.verdict === "all" && f.reason == null) return order;
  const out = new Int32Array(order.length);
  let k = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    if (matches(shots[i], f)) out[k++] = i;
  }
  return out.slice(0, k);
}

export interface Counts {
  all: number;
  keep: number;
  review: number;
  reject: number;
  errors: number;
  /** Shots carrying each reason code. */
  reasons: Record<ReasonCode, number>;
}

/** How many shots each sidebar filter holds (over the whole library, by effective verdict). */
export function countShots(shots: readonly ShotView[]): Counts {
  const reasons = Object.fromEntries(REASON_CODES.map((c) => [c, 0])) as Record<ReasonCode, number>;
  const c: Counts = { all: shots.length, keep: 0, review: 0, reject: 0, errors: 0, reasons };
  for (const s of shots) {
    const v = effectiveVerdict(s);
    if (v === "keep") c.keep++;
    else if (v === "review") c.review++;
    else if (v === "reject") c.reject++;
    if (s.error != null) c.errors++;
    for (const r of s.reasons) if (r in reasons) reasons[r]++;
  }
  return c;
}

/** The inverse of an order: position of each shot index in `order`, -1 if absent. */
export function positions(order: Int32Array, size: number): Int32Array {
  const pos = new Int32Array(size).fill(-1);
  for (let j = 0; j < order.length; j++) pos[order[j]] = j;
  return pos;
}
