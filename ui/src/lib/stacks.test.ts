import { describe, expect, it } from "vitest";
import type { GroupKind, ShotView } from "../api/types";
import { shot } from "./fixtures.test-util";
import { filterOrder, sortOrder } from "./library";
import { StackRole, compareIds, isMergeSet, keepBestPlan, keepBestQuestion, planCalls, stackOrder, stackWords, toggleStack } from "./stacks";

function member(id: number, group: number, rank: number, size: number, kind: GroupKind = "burst", over: Partial<ShotView> = {}): ShotView {
  return shot(id, { group: { id: group, kind, best: !isMergeSet(kind) && rank === 1, rank, size }, ...over });
}

/** Names in display order, with the stack roles as the grid draws them. */
function shown(shots: ShotView[], order: Int32Array, expanded: Set<number> = new Set()): string[] {
  const st = stackOrder(shots, order, expanded);
  return [...st.order].map((i, p) => {
    const role = ["", `[${st.count[p]}]`, `{${st.count[p]}`, "", "}"][st.role[p]];
    return `${shots[i].id}${role}`;
  });
}

const identity = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe("stackOrder", () => {
  // 1 alone; 2-4 a burst whose best (4) is the latest; 5 alone; 6-7 copies.
  const shots = [
    shot(1),
    member(2, 2, 3, 3),
    member(3, 2, 2, 3),
    member(4, 2, 1, 3),
    shot(5),
    member(6, 6, 1, 2, "duplicate"),
    member(7, 6, 2, 2, "duplicate"),
  ];

  it("shows a collapsed stack as its best, where the best sorts, with the count", () => {
    expect(shown(shots, identity(shots.length))).toEqual(["1", "4[3]", "5", "6[2]"]);
  });

  it("follows an expanded stack's top with its members in rank order", () => {
    expect(shown(shots, identity(shots.length), new Set([2]))).toEqual(["1", "4{3", "3", "2}", "5", "6[2]"]);
    expect(shown(shots, identity(shots.length), new Set([2, 6]))).toEqual(["1", "4{3", "3", "2}", "5", "6{2", "7}"]);
  });

  it("sorts a stack by its top shot", () => {
    const byName = sortOrder(shots, "name", "desc");
    // Descending names: 7 6 5 4 3 2 1; the copies' top (6) and the burst's (4) lead their stacks.
    expect(shown(shots, byName)).toEqual(["6[2]", "5", "4[3]", "1"]);
  });

  it("shows only the members a filter lets through, the best-ranked of them on top", () => {
    const withReason = shots.map((s) => (s.id === 2 || s.id === 3 || s.id === 7 ? { ...s, reasons: ["duplicate" as const] } : s));
    const filtered = filterOrder(withReason, identity(withReason.length), { verdict: "all", reason: "duplicate" });
    // The burst's best is filtered out: 3 (rank 2) tops the two left; 7 is alone in what is shown.
    expect(shown(withReason, filtered)).toEqual(["3[2]", "7"]);
    expect(shown(withReason, filtered, new Set([2]))).toEqual(["3{2", "2}", "7"]);
  });

  it("lists each stack's shown members best first", () => {
    const st = stackOrder(shots, identity(shots.length), new Set());
    expect(st.members.get(2)?.map((i) => shots[i].id)).toEqual([4, 3, 2]);
    expect(st.role[1]).toBe(StackRole.Closed);
  });

  it("stays linear at 100 000 shots", () => {
    const many: ShotView[] = [];
    for (let i = 0; i < 100_000; i++) many.push(i % 4 === 3 ? shot(i + 1) : member(i + 1, i - (i % 4) + 1, (i % 4) + 1, 3));
    const t = performance.now();
    const st = stackOrder(many, identity(many.length), new Set([1, 5, 9]));
    const ms = performance.now() - t;
    expect(st.order.length).toBe(50_000 + 6);
    expect(ms).toBeLessThan(500);
  });
});

describe("toggleStack", () => {
  it("opens a closed stack and closes an open one, as a new set", () => {
    const a = new Set([1]);
    const b = toggleStack(a, 2);
    expect([...b].sort()).toEqual([1, 2]);
    expect(a.has(2)).toBe(false);
    expect([...toggleStack(b, 1)]).toEqual([2]);
  });
});

describe("keep the best, reject the rest", () => {
  const shots = [
    member(1, 1, 1, 3),
    member(2, 1, 2, 3),
    member(3, 1, 3, 3),
    member(4, 4, 1, 2, "bracket"),
    member(5, 4, 2, 2, "bracket"),
    member(6, 6, 1, 2, "duplicate"),
    member(7, 6, 2, 2, "duplicate"),
    shot(8),
    // A group whose best left the library: nothing to keep, so nothing is rejected.
    member(9, 10, 2, 2),
  ];

  it("keeps each best and rejects its group mates, brackets left alone", () => {
    const p = keepBestPlan(shots, null);
    expect(p).toEqual({ keep: [1, 6], reject: [2, 3, 7], stacks: 2 });
    expect(keepBestQuestion(p)).toBe("Keep 2 best shots, reject 3 others in 2 stacks? Brackets, focus stacks and panoramas are left alone.");
    expect(planCalls(p)).toEqual([
      { ids: [1, 6], decision: "keep" },
      { ids: [2, 3, 7], decision: "reject" },
    ]);
  });

  it("acts on the named stack only, and never on a bracket", () => {
    expect(keepBestPlan(shots, new Set([6]))).toEqual({ keep: [6], reject: [7], stacks: 1 });
    expect(keepBestPlan(shots, new Set([4]))).toEqual({ keep: [], reject: [], stacks: 0 });
    expect(planCalls(keepBestPlan(shots, new Set([4])))).toEqual([]);
  });

  it("words one stack in the singular", () => {
    expect(keepBestQuestion({ keep: [1], reject: [2], stacks: 1 })).toBe("Keep 1 best shot, reject 1 other in 1 stack? Brackets, focus stacks and panoramas are left alone.");
  });
});

describe("compareIds", () => {
  const shots = [member(1, 1, 1, 5), member(2, 1, 2, 5), member(3, 1, 3, 5), member(4, 1, 4, 5), member(5, 1, 5, 5), shot(6)];
  const byId = (id: number) => shots.find((s) => s.id === id);
  const members = (g: number) => (g === 1 ? [1, 2, 3, 4, 5] : undefined);

  it("compares two to four selected shots", () => {
    expect(compareIds([6, 2], byId, members)).toEqual([6, 2]);
    expect(compareIds([1, 2, 3, 4, 5], byId, members)).toBeNull();
  });

  it("compares a selected stack's first four", () => {
    expect(compareIds([1], byId, members)).toEqual([1, 2, 3, 4]);
    expect(compareIds([6], byId, members)).toBeNull();
    expect(compareIds([], byId, members)).toBeNull();
  });
});

describe("sets made to be merged", () => {
  it("leaves focus stacks alone like brackets, and names each kind", () => {
    const shots = [
      member(1, 1, 1, 2, "focus_stack"),
      member(2, 1, 2, 2, "focus_stack"),
      member(3, 3, 1, 2, "burst"),
      member(4, 3, 2, 2, "burst"),
    ];
    const plan = keepBestPlan(shots, null);
    expect(plan.stacks).toBe(1);
    expect(plan.keep).toEqual([3]);
    expect(plan.reject).toEqual([4]);
    expect(stackWords("focus_stack").long).toBe("focus stack");
    expect(stackWords("duplicate").short).toBe("copies");
    expect(isMergeSet("bracket") && isMergeSet("focus_stack") && isMergeSet("panorama") && !isMergeSet("burst")).toBe(true);
  });
});
