import { describe, expect, it } from "vitest";
import type { Decision } from "../api/types";
import { DecisionHistory, planChange, restoreCalls } from "./history";

describe("planChange", () => {
  const current = new Map<number, Decision | null>([
    [1, null],
    [2, "keep"],
    [3, "reject"],
  ]);
  const get = (id: number) => current.get(id);

  it("records only the ids whose decision changes, with what they had", () => {
    expect(planChange([1, 2, 3], get, "reject")).toEqual({ ids: [1, 2], previous: [null, "keep"], next: "reject" });
    expect(planChange([1, 2, 3], get, null)).toEqual({ ids: [2, 3], previous: ["keep", "reject"], next: null });
  });

  it("is null when nothing changes or ids are unknown", () => {
    expect(planChange([3], get, "reject")).toBeNull();
    expect(planChange([42], get, "keep")).toBeNull();
    expect(planChange([], get, "keep")).toBeNull();
  });
});

describe("restoreCalls", () => {
  it("groups ids by the decision to restore", () => {
    const calls = restoreCalls({ ids: [1, 2, 3, 4], previous: [null, "keep", null, "reject"], next: "keep" });
    expect(calls).toEqual([
      { ids: [1, 3], decision: null },
      { ids: [2], decision: "keep" },
      { ids: [4], decision: "reject" },
    ]);
  });
});

describe("DecisionHistory", () => {
  it("undoes in reverse order", () => {
    const h = new DecisionHistory();
    h.push({ ids: [1], previous: [null], next: "keep" });
    h.push({ ids: [2], previous: ["keep"], next: "reject" });
    expect(h.size).toBe(2);
    expect(h.pop()?.[0].ids).toEqual([2]);
    expect(h.pop()?.[0].ids).toEqual([1]);
    expect(h.pop()).toBeUndefined();
  });

  it("ignores empty changes and keeps at most `limit` entries", () => {
    const h = new DecisionHistory(3);
    h.push({ ids: [], previous: [], next: "keep" });
    expect(h.size).toBe(0);
    for (let i = 0; i < 5; i++) h.push({ ids: [i], previous: [null], next: "keep" });
    expect(h.size).toBe(3);
    expect(h.pop()?.[0].ids).toEqual([4]);
    expect(h.pop()?.[0].ids).toEqual([3]);
    expect(h.pop()?.[0].ids).toEqual([2]);
  });

  it("forgets shots that are gone", () => {
    const h = new DecisionHistory();
    h.push({ ids: [1, 2], previous: [null, "keep"], next: "reject" });
    h.push({ ids: [3], previous: [null], next: "reject" });
    h.forget((id) => id !== 3 && id !== 1);
    expect(h.size).toBe(1);
    expect(h.peek()).toEqual([{ ids: [2], previous: ["keep"], next: "reject" }]);
  });

  it("undoes the changes of one action in one step", () => {
    const h = new DecisionHistory();
    h.push({ ids: [9], previous: [null], next: "reject" });
    // Keep the best, reject the rest: two calls, one step; an empty part is no change.
    h.push({ ids: [1], previous: [null], next: "keep" }, { ids: [2, 3], previous: [null, "keep"], next: "reject" }, { ids: [], previous: [], next: "keep" });
    expect(h.size).toBe(2);
    const step = h.pop();
    expect(step?.map((c) => c.next)).toEqual(["keep", "reject"]);
    expect(step?.flatMap((c) => restoreCalls(c))).toEqual([
      { ids: [1], decision: null },
      { ids: [2], decision: null },
      { ids: [3], decision: "keep" },
    ]);
    expect(h.pop()?.[0].ids).toEqual([9]);
  });
});
