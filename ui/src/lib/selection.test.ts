import { describe, expect, it } from "vitest";
import { EMPTY, click, dragged, move, moveTo, only, reconcile, selectAll, selectedInOrder, type OrderView } from "./selection";

function view(ids: number[]): OrderView {
  const pos = new Map(ids.map((id, i) => [id, i]));
  return { length: ids.length, idAt: (p) => ids[p], posOf: (id) => pos.get(id) ?? -1 };
}
const v = view([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
const sorted = (s: { ids: ReadonlySet<number> }) => [...s.ids].sort((a, b) => a - b);

describe("click", () => {
  it("selects one item", () => {
    const s = click(EMPTY, v, 12);
    expect(sorted(s)).toEqual([12]);
    expect(s.lead).toBe(12);
    expect(s.anchor).toBe(12);
  });

  it("ignores ids that are not shown", () => {
    const s = only(12);
    expect(click(s, v, 99)).toBe(s);
  });

  it("shift+click selects the range from the anchor, both directions", () => {
    const s = click(click(EMPTY, v, 12), v, 15, { shift: true });
    expect(sorted(s)).toEqual([12, 13, 14, 15]);
    expect(s.anchor).toBe(12);
    expect(s.lead).toBe(15);
    const back = click(s, v, 10, { shift: true });
    expect(sorted(back)).toEqual([10, 11, 12]);
  });

  it("ctrl/cmd+click toggles items in and out", () => {
    let s = click(EMPTY, v, 12);
    s = click(s, v, 15, { toggle: true });
    s = click(s, v, 17, { toggle: true });
    expect(sorted(s)).toEqual([12, 15, 17]);
    s = click(s, v, 17, { toggle: true });
    expect(sorted(s)).toEqual([12, 15]);
    expect(s.lead).toBe(15);
  });

  it("ctrl+shift+click adds a range to the selection", () => {
    let s = click(EMPTY, v, 10);
    s = click(s, v, 15, { toggle: true });
    s = click(s, v, 17, { toggle: true, shift: true });
    expect(sorted(s)).toEqual([10, 15, 16, 17]);
  });

  it("shift+click without an anchor selects just that item", () => {
    expect(sorted(click(EMPTY, v, 14, { shift: true }))).toEqual([14]);
  });
});

describe("move", () => {
  it("starts at the first item (or last going back) when nothing is selected", () => {
    expect(move(EMPTY, v, 1).lead).toBe(10);
    expect(move(EMPTY, v, -1).lead).toBe(19);
  });

  it("moves by ±1 and ±columns, clamped to the ends", () => {
    let s = only(12);
    s = move(s, v, 1);
    expect(s.lead).toBe(13);
    s = move(s, v, 4);
    expect(s.lead).toBe(17);
    s = move(s, v, 4);
    expect(s.lead).toBe(19);
    s = move(s, v, -100);
    expect(s.lead).toBe(10);
    expect(sorted(s)).toEqual([10]);
  });

  it("shift+arrow extends from the anchor and can shrink back", () => {
    let s = only(12);
    s = move(s, v, 1, true);
    s = move(s, v, 1, true);
    expect(sorted(s)).toEqual([12, 13, 14]);
    expect(s.anchor).toBe(12);
    s = move(s, v, -4, true);
    expect(sorted(s)).toEqual([10, 11, 12]);
    expect(s.lead).toBe(10);
  });

  it("is empty on an empty view", () => {
    expect(move(only(1), view([]), 1)).toBe(EMPTY);
  });

  it("moveTo jumps to an absolute position", () => {
    expect(moveTo(only(14), v, 9).lead).toBe(19);
    expect(sorted(moveTo(only(14), v, 0, true))).toEqual([10, 11, 12, 13, 14]);
  });
});

describe("selectAll and order", () => {
  it("selects every shown item and keeps the lead", () => {
    const s = selectAll(v, only(13));
    expect(s.ids.size).toBe(10);
    expect(s.lead).toBe(13);
  });

  it("lists the selection in view order", () => {
    let s = click(EMPTY, v, 17);
    s = click(s, v, 11, { toggle: true });
    s = click(s, v, 14, { toggle: true });
    expect(selectedInOrder(s, v)).toEqual([11, 14, 17]);
  });
});

describe("reconcile", () => {
  it("keeps a selection that is still shown as is", () => {
    const s = only(12);
    expect(reconcile(s, v, 2)).toBe(s);
  });

  it("selects the item now at the lead's position when the lead was filtered out", () => {
    const after = view([10, 11, 13, 14]); // 12 rejected under a "review" filter
    const s = reconcile(only(12), after, 2);
    expect(s.lead).toBe(13);
    expect(sorted(s)).toEqual([13]);
  });

  it("clamps to the last item", () => {
    const s = reconcile(only(19), view([10, 11]), 9);
    expect(s.lead).toBe(11);
  });

  it("drops hidden ids from a multi-selection and keeps the rest", () => {
    let s = click(EMPTY, v, 11);
    s = click(s, v, 15, { shift: true }); // 11..15, lead 15
    const after = view([10, 11, 12, 16, 17]);
    const r = reconcile(s, after, 5);
    expect(sorted(r)).toEqual([11, 12]);
    expect(r.lead).toBe(12);
  });

  it("empties when nothing is left", () => {
    expect(reconcile(only(1), view([]), 0)).toBe(EMPTY);
    expect(reconcile(EMPTY, v, -1)).toBe(EMPTY);
  });
});

describe("dragged", () => {
  it("drags the whole selection, in view order, from any selected shot", () => {
    const s = click(click(only(16), v, 12, { toggle: true }), v, 14, { toggle: true });
    expect(dragged(s, v, 14)).toEqual([12, 14, 16]);
  });

  it("drags only the shot under the pointer when it is not selected", () => {
    expect(dragged(only(16), v, 11)).toEqual([11]);
    expect(dragged(EMPTY, v, 11)).toEqual([11]);
  });
});
