// Client-side undo for decisions (Ctrl/Cmd+Z): each change records the ids and the decision each
// had before; undoing calls `decide` once per distinct previous decision. One undo step may hold
// several changes made at once ("keep the best, reject the rest" keeps some and rejects others).
import type { Decision } from "../api/types";

export interface DecisionChange {
  ids: number[];
  /** The decision each id had before the change (same length as `ids`). */
  previous: (Decision | null)[];
  /** The decision the change set (for the toast). */
  next: Decision | null;
}

/** The `decide` calls that restore a change: one per distinct previous decision. */
export function restoreCalls(change: DecisionChange): { ids: number[]; decision: Decision | null }[] {
  const groups = new Map<Decision | null, number[]>();
  change.ids.forEach((id, i) => {
    const d = change.previous[i] ?? null;
    let g = groups.get(d);
    if (!g) groups.set(d, (g = []));
    g.push(id);
  });
  return [...groups].map(([decision, ids]) => ({ ids, decision }));
}

/**
 * Builds the change for setting `next` on `ids` given their current decisions; only ids whose
 * decision actually changes are kept. Returns null when nothing would change.
 */
export function planChange(
  ids: readonly number[],
  current: (id: number) => Decision | null | undefined,
  next: Decision | null,
): DecisionChange | null {
  const changed: number[] = [];
  const previous: (Decision | null)[] = [];
  for (const id of ids) {
    const d = current(id);
    if (d === undefined) continue; // unknown shot
    if (d !== next) {
      changed.push(id);
      previous.push(d);
    }
  }
  return changed.length ? { ids: changed, previous, next } : null;
}

/** What one Ctrl/Cmd+Z undoes: the changes one action made, in the order it made them. */
export type DecisionStep = DecisionChange[];

export class DecisionHistory {
  private stack: DecisionStep[] = [];
  constructor(private readonly limit = 200) {}

  get size(): number {
    return this.stack.length;
  }

  /** Records the changes of one action as one undo step (empty changes are dropped). */
  push(...changes: DecisionChange[]): void {
    const step = changes.filter((c) => c.ids.length > 0);
    if (step.length === 0) return;
    this.stack.push(step);
    if (this.stack.length > this.limit) this.stack.splice(0, this.stack.length - this.limit);
  }

  pop(): DecisionStep | undefined {
    return this.stack.pop();
  }

  peek(): DecisionStep | undefined {
    return this.stack[this.stack.length - 1];
  }

  clear(): void {
    this.stack = [];
  }

  /** Forgets ids that no longer exist (moved to Trash); drops changes and steps left empty. */
  forget(exists: (id: number) => boolean): void {
    this.stack = this.stack
      .map((step) =>
        step
          .map((c) => {
            const keep = c.ids.map((id) => exists(id));
            return {
              ids: c.ids.filter((_, i) => keep[i]),
              previous: c.previous.filter((_, i) => keep[i]),
              next: c.next,
            };
          })
          .filter((c) => c.ids.length > 0),
      )
      .filter((step) => step.length > 0);
  }
}
