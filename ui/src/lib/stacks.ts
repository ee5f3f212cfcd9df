// Stacks, as in Lightroom: the shots of one group (a burst, copies of one picture, a bracket) show
// as one cell, their top shot with a count, until the stack is expanded. Pure and O(n) over the
// filtered, sorted order, so it runs on every refilter at 100 000 shots.
import type { Decision, GroupKind, ShotView } from "../api/types";

/** How a display position takes part in a stack. */
export const StackRole = {
  /** Not stacked (alone, or the only member the filter lets through). */
  Alone: 0,
  /** The top of a collapsed stack: the cell stands for the whole stack. */
  Closed: 1,
  /** The top of an expanded stack; its other members follow. */
  Open: 2,
  /** A member after the top of an expanded stack. */
  Member: 3,
  /** The stack's last member. */
  Last: 4,
} as const;
export type StackRole = (typeof StackRole)[keyof typeof StackRole];

export interface Stacked {
  /** Shot indexes in display order: the filtered order with stacks folded in. */
  order: Int32Array;
  /** Per display position, its role. */
  role: Uint8Array;
  /** Per display position of a stack's top, how many of its members the filter shows; else 0. */
  count: Int32Array;
  /** The shown members of each stack by group id, as shot indexes in rank order (best first). */
  members: Map<number, number[]>;
}

export function groupOf(s: ShotView | undefined): number | null {
  return s?.group ? s.group.id : null;
}

/**
 * Folds stacks into `order` (the filtered, sorted shot indexes). A stack takes the place of its
 * top shot, the best-ranked member the filter shows (so it sorts by that shot), shows as that
 * shot with its count, and, when its group id is in `expanded`, is followed by its other shown
 * members in rank order. Members the filter hides stay hidden either way.
 */
export function stackOrder(shots: readonly ShotView[], order: Int32Array, expanded: ReadonlySet<number>): Stacked {
  const members = new Map<number, number[]>();
  for (let j = 0; j < order.length; j++) {
    const g = shots[order[j]].group;
    if (!g) continue;
    const list = members.get(g.id);
    if (list) list.push(order[j]);
    else members.set(g.id, [order[j]]);
  }
  const rank = (i: number) => shots[i].group?.rank ?? 0;
  for (const list of members.values()) if (list.length > 1) list.sort((a, b) => rank(a) - rank(b) || shots[a].id - shots[b].id);

  const out = new Int32Array(order.length);
  const role = new Uint8Array(order.length);
  const count = new Int32Array(order.length);
  let k = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    const g = shots[i].group;
    const list = g ? members.get(g.id) : undefined;
    if (!g || !list || list.length < 2) {
      out[k++] = i;
      continue;
    }
    if (list[0] !== i) continue; // placed with its top
    const open = expanded.has(g.id);
    count[k] = list.length;
    role[k] = open ? StackRole.Open : StackRole.Closed;
    out[k++] = i;
    if (!open) continue;
    for (let m = 1; m < list.length; m++) {
      role[k] = m === list.length - 1 ? StackRole.Last : StackRole.Member;
      out[k++] = list[m];
    }
  }
  return { order: out.subarray(0, k), role: role.subarray(0, k), count: count.subarray(0, k), members };
}

/** The expanded set with `groupId` toggled (a new set: views compare by identity). */
export function toggleStack(expanded: ReadonlySet<number>, groupId: number): Set<number> {
  const next = new Set(expanded);
  if (!next.delete(groupId)) next.add(groupId);
  return next;
}

/** What "keep the best, reject the rest" does: every member of each stack gets one of two calls. */
export interface KeepBestPlan {
  keep: number[];
  reject: number[];
  /** Stacks acted on. */
  stacks: number;
}

/** Sets made to be merged (a bracket, a focus stack, a panorama): no best, never culled. */
export function isMergeSet(kind: GroupKind): boolean {
  return kind === "bracket" || kind === "focus_stack" || kind === "panorama";
}

/** A group's kind in words: short for the grid's count, long for the loupe. */
export function stackWords(kind: GroupKind): { short: string; long: string } {
  switch (kind) {
    case "duplicate":
      return { short: "copies", long: "copies of one picture" };
    case "bracket":
      return { short: "bracket", long: "exposure bracket" };
    case "focus_stack":
      return { short: "focus stack", long: "focus stack" };
    case "panorama":
      return { short: "panorama", long: "panorama sweep" };
    case "burst":
      return { short: "burst", long: "burst" };
  }
}

/**
 * Keep the best, reject the rest, over the groups named (every group when `only` is null).
 * Brackets, focus stacks and panoramas are left alone (a set made to be merged has no best), and so is a group whose best is
 * not in the library (it may lie in a folder no longer in it): rejecting all of it would lose the
 * picture. Members are counted over the whole library, whatever the filter shows.
 */
export function keepBestPlan(shots: readonly ShotView[], only: ReadonlySet<number> | null): KeepBestPlan {
  const best = new Set<number>();
  for (const s of shots) {
    const g = s.group;
    if (g && g.best && !isMergeSet(g.kind) && (only == null || only.has(g.id))) best.add(g.id);
  }
  const plan: KeepBestPlan = { keep: [], reject: [], stacks: best.size };
  for (const s of shots) {
    const g = s.group;
    if (!g || !best.has(g.id)) continue;
    (g.best ? plan.keep : plan.reject).push(s.id);
  }
  return plan;
}

/** The confirmation for the whole library's stacks, counts and all. */
export function keepBestQuestion(p: KeepBestPlan): string {
  const n = (x: number, one: string, many: string) => `${x.toLocaleString("en-US")} ${x === 1 ? one : many}`;
  return `Keep ${n(p.keep.length, "best shot", "best shots")}, reject ${n(p.reject.length, "other", "others")} in ${n(p.stacks, "stack", "stacks")}? Brackets, focus stacks and panoramas are left alone.`;
}

/** The calls a plan makes, as (ids, decision) pairs for `decide`; empty parts left out. */
export function planCalls(p: KeepBestPlan): { ids: number[]; decision: Decision }[] {
  const calls: { ids: number[]; decision: Decision }[] = [];
  if (p.keep.length) calls.push({ ids: p.keep, decision: "keep" });
  if (p.reject.length) calls.push({ ids: p.reject, decision: "reject" });
  return calls;
}

/**
 * The shots to compare for a selection: the selected ones (2–4, view order) or, when a single
 * stack is selected, its first four shown members. Null when there is nothing to compare.
 */
export function compareIds(
  selected: readonly number[],
  shotById: (id: number) => ShotView | undefined,
  membersOf: (groupId: number) => readonly number[] | undefined,
): number[] | null {
  if (selected.length >= 2) return selected.length <= 4 ? [...selected] : null;
  if (selected.length !== 1) return null;
  const g = groupOf(shotById(selected[0]));
  const members = g == null ? undefined : membersOf(g);
  return members && members.length >= 2 ? members.slice(0, 4) : null;
}
