import { describe, expect, it } from "vitest";
import {
  Library,
  comparator,
  countShots,
  dateKey,
  insertSorted,
  effectiveVerdict,
  filterOrder,
  matches,
  naturalKey,
  positions,
  sortOrder,
} from "./library";
import { shot } from "./fixtures.test-util";
import { REASON_CODES } from "./reasons";

const ids = (shots: { id: number }[], order: Int32Array) => Array.from(order, (i) => shots[i].id);

describe("effective verdict", () => {
  it("is the user's decision when there is one, else Cull's verdict", () => {
    expect(effectiveVerdict(shot(1, { verdict: "reject", decision: "keep" }))).toBe("keep");
    expect(effectiveVerdict(shot(1, { verdict: "keep", decision: "reject" }))).toBe("reject");
    expect(effectiveVerdict(shot(1, { verdict: "review" }))).toBe("review");
    expect(effectiveVerdict(shot(1, { verdict: null, error: "corrupt" }))).toBeNull();
  });
});

describe("Library", () => {
  it("merges batches by id, replacing existing shots in place", () => {
    const lib = new Library();
    expect(lib.merge([shot(1), shot(2)])).toEqual({ added: [0, 1], changed: 0, moved: false });
    expect(lib.merge([shot(2, { verdict: "reject" }), shot(3)])).toEqual({ added: [2], changed: 1, moved: false });
    expect(lib.size).toBe(3);
    expect(lib.shots.map((s) => s.id)).toEqual([1, 2, 3]);
    expect(lib.get(2)?.verdict).toBe("reject");
    expect(lib.indexOf(3)).toBe(2);
    expect(lib.indexOf(99)).toBe(-1);
  });

  it("removes the shots the watcher saw leave, ignoring ids it never had", () => {
    const lib = new Library();
    lib.merge([shot(1), shot(2), shot(3)]);
    expect(lib.remove([2, 99])).toBe(1);
    expect(lib.shots.map((s) => s.id)).toEqual([1, 3]);
    expect(lib.indexOf(3)).toBe(1);
    expect(lib.remove([99])).toBe(0);
    expect(lib.size).toBe(2);
  });

  it("replaceAll drops what is gone and dedupes by id (last wins)", () => {
    const lib = new Library();
    lib.merge([shot(1), shot(2), shot(3)]);
    lib.replaceAll([shot(3), shot(1, { score: 1 }), shot(3, { score: 9 })]);
    expect(lib.shots.map((s) => [s.id, s.score])).toEqual([
      [3, 9],
      [1, 1],
    ]);
    expect(lib.get(2)).toBeUndefined();
    expect(lib.indexOf(1)).toBe(1);
  });

  it("retain keeps matching shots with a rebuilt index", () => {
    const lib = new Library();
    lib.merge([shot(1), shot(2), shot(3)]);
    lib.retain((s) => s.id !== 2);
    expect(lib.shots.map((s) => s.id)).toEqual([1, 3]);
    expect(lib.indexOf(3)).toBe(1);
  });
});

describe("naturalKey", () => {
  it("orders digit runs by value, case-insensitively", () => {
    const names = ["IMG_10.jpg", "img_2.jpg", "IMG_1.jpg", "IMG_0002a.jpg", "a.jpg", "IMG_100.jpg"];
    const sorted = [...names].sort((a, b) => (naturalKey(a) < naturalKey(b) ? -1 : 1));
    expect(sorted).toEqual(["a.jpg", "IMG_1.jpg", "img_2.jpg", "IMG_0002a.jpg", "IMG_10.jpg", "IMG_100.jpg"]);
  });
});

describe("sortOrder", () => {
  const shots = [
    shot(1, { name: "b.jpg", score: 80, captured: "2024-01-02T10:00:00" }),
    shot(2, { name: "a.jpg", score: null, verdict: null, error: "corrupt", captured: null }),
    shot(3, { name: "c10.jpg", score: 20, captured: "2023-12-31T23:59:59" }),
    shot(4, { name: "c9.jpg", score: 80, captured: "2024-01-02T09:00:00" }),
  ];

  it("sorts by score with missing scores last in both directions, ties by name", () => {
    expect(ids(shots, sortOrder(shots, "score", "asc"))).toEqual([3, 1, 4, 2]);
    expect(ids(shots, sortOrder(shots, "score", "desc"))).toEqual([1, 4, 3, 2]);
  });

  it("sorts by capture date with undated shots last", () => {
    expect(ids(shots, sortOrder(shots, "date", "asc"))).toEqual([3, 4, 1, 2]);
    expect(ids(shots, sortOrder(shots, "date", "desc"))).toEqual([1, 4, 3, 2]);
  });

  it("sorts by natural name", () => {
    expect(ids(shots, sortOrder(shots, "name", "asc"))).toEqual([2, 1, 4, 3]);
    expect(ids(shots, sortOrder(shots, "name", "desc"))).toEqual([3, 4, 1, 2]);
  });

  it("handles 100 000 shots quickly", () => {
    const many = Array.from({ length: 100_000 }, (_, i) =>
      shot(i, { score: (i * 7919) % 1000, name: `IMG_${(i * 31) % 100_000}.jpg` }),
    );
    const t = performance.now();
    const order = sortOrder(many, "score", "desc");
    const filtered = filterOrder(many, order, { verdict: "keep", reason: null });
    countShots(many);
    expect(performance.now() - t).toBeLessThan(1500);
    expect(order.length).toBe(100_000);
    expect(filtered.length).toBe(100_000);
    for (let j = 1; j < order.length; j++) {
      expect(many[order[j - 1]].score! >= many[order[j]].score!).toBe(true);
      if (j > 50) break;
    }
  });
});

describe("filters and counts", () => {
  const shots = [
    shot(1, { verdict: "keep" }),
    shot(2, { verdict: "reject", reasons: ["blur"] }),
    shot(3, { verdict: "reject", decision: "keep", reasons: ["blur", "noise"] }),
    shot(4, { verdict: "review", reasons: ["underexposed"] }),
    shot(5, { verdict: "keep", decision: "reject" }),
    shot(6, { verdict: null, score: null, error: "truncated JPEG" }),
  ];
  const order = sortOrder(shots, "name", "asc");
  const run = (verdict: Parameters<typeof matches>[1]["verdict"], reason: Parameters<typeof matches>[1]["reason"] = null) =>
    ids(shots, filterOrder(shots, order, { verdict, reason }));

  it("filters by effective verdict (the decision overrides)", () => {
    expect(run("all")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run("keep")).toEqual([1, 3]);
    expect(run("reject")).toEqual([2, 5]);
    expect(run("review")).toEqual([4]);
    expect(run("errors")).toEqual([6]);
  });

  it("filters by reason, combined with the verdict", () => {
    expect(run("all", "blur")).toEqual([2, 3]);
    expect(run("reject", "blur")).toEqual([2]);
    expect(run("all", "lens_flare")).toEqual([]);
  });

  it("returns the same order object when nothing is filtered", () => {
    expect(filterOrder(shots, order, { verdict: "all", reason: null })).toBe(order);
  });

  it("counts every filter over the library", () => {
    const c = countShots(shots);
    expect(c).toMatchObject({ all: 6, keep: 2, review: 1, reject: 2, errors: 1 });
    expect(c.reasons.blur).toBe(2);
    expect(c.reasons.noise).toBe(1);
    expect(c.reasons.underexposed).toBe(1);
    expect(c.reasons.lens_flare).toBe(0);
    expect(c.reasons.closed_eyes).toBe(0);
    expect(Object.keys(c.reasons)).toHaveLength(REASON_CODES.length);
  });

  it("positions inverts an order", () => {
    const o = Int32Array.from([2, 0]);
    expect(Array.from(positions(o, 4))).toEqual([1, -1, 0, -1]);
  });
});

describe("dateKey", () => {
  it("orders EXIF and ISO times numerically", () => {
    expect(dateKey("2024:05:01 14:03:22")).toBe(20240501140322);
    expect(dateKey("2024-05-01T14:03:22.123+02:00")).toBe(20240501140322);
    expect(dateKey("2024-05-01")).toBe(20240501000000);
    expect(dateKey("2023-12-31T23:59:59")).toBeLessThan(dateKey("2024-01-01T00:00:00"));
    expect(dateKey("garbage")).toBeNaN();
    expect(dateKey(null)).toBeNaN();
  });
});

describe("Library keys and incremental sorting", () => {
  it("keeps natural name keys in step with the shots", () => {
    const lib = new Library();
    lib.merge([shot(1, { name: "b" }), shot(2, { name: "a" })]);
    expect(lib.keys).toEqual(["b", "a"]);
    const r = lib.merge([shot(1, { name: "IMG_2" }), shot(3, { name: "0" })]);
    expect(r).toEqual({ added: [2], changed: 1, moved: true });
    expect(lib.keys).toEqual([naturalKey("IMG_2"), "a", naturalKey("0")]);
    lib.replaceAll([shot(9, { name: "z" })]);
    expect(lib.keys).toEqual(["z"]);
  });

  it("reports when an existing shot's sort position may move", () => {
    const lib = new Library();
    lib.merge([shot(1, { score: 10 }), shot(2)]);
    expect(lib.merge([shot(1, { score: 10, decision: "keep" })]).moved).toBe(false);
    expect(lib.merge([shot(1, { score: 11 })]).moved).toBe(true);
    expect(lib.merge([shot(2, { captured: "2024-01-01" })]).moved).toBe(true);
  });

  it("inserts new shots into a sorted order exactly like a full sort", () => {
    const lib = new Library();
    const r = (i: number) => ((i * 7919) % 101) - 1; // some missing scores (-1 → null)
    const mk = (i: number) => shot(i, { score: r(i) < 0 ? null : r(i), name: `IMG_${(i * 37) % 53}.jpg` });
    lib.merge(Array.from({ length: 300 }, (_, i) => mk(i)));
    for (const [key, dir] of [["score", "desc"], ["name", "asc"], ["date", "asc"]] as const) {
      let order = sortOrder(lib.shots, key, dir, lib.keys);
      const l2 = new Library();
      l2.merge(lib.shots);
      let o2 = sortOrder(l2.shots, key, dir, l2.keys);
      for (let b = 0; b < 3; b++) {
        const res = l2.merge(Array.from({ length: 40 }, (_, i) => mk(1000 + b * 40 + i)));
        o2 = insertSorted(o2, res.added, comparator(l2.shots, l2.keys, key, dir));
      }
      order = sortOrder(l2.shots, key, dir, l2.keys);
      expect(Array.from(o2)).toEqual(Array.from(order));
    }
  });

  it("returns the same order when nothing was added", () => {
    const o = Int32Array.from([0, 1]);
    expect(insertSorted(o, [], () => 0)).toBe(o);
  });
});
