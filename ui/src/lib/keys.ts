// Keyboard shortcuts (Lightroom-like), as a pure mapping from a key event to an action.

export type Action =
  | { type: "move"; dx: number; dy: number; extend: boolean }
  | { type: "page"; dir: 1 | -1; extend: boolean }
  | { type: "edge"; end: boolean; extend: boolean }
  | { type: "decide"; decision: "keep" | "reject" | null }
  | { type: "loupe"; open?: boolean }
  | { type: "escape" }
  | { type: "undo" }
  | { type: "selectAll" }
  /** S: the loupe's overlay, or in the grid the stack under the selection. */
  | { type: "overlay" }
  | { type: "compare" }
  /** Shift+B: keep the best of the selected stack, reject the rest. */
  | { type: "keepBest" }
  /** Ctrl/Cmd+R (Lightroom's "Show in Finder/Explorer"): the files in the file manager. */
  | { type: "reveal" }
  /** Ctrl/Cmd+E (Lightroom's "Edit in"): the photo in the system's default app. */
  | { type: "openExternal" };

export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

export function isMac(platform: string): boolean {
  return /Mac|iPhone|iPad/.test(platform);
}

export function keyAction(e: KeyLike, mac = false): Action | null {
  const mod = mac ? !!e.metaKey : !!e.ctrlKey;
  const extend = !!e.shiftKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (e.altKey) return null;
  if (mod) {
    // Ctrl+Z / Cmd+Z (not Shift: that would be redo)
    if (key === "z" && !extend) return { type: "undo" };
    if (key === "a") return { type: "selectAll" };
    if (key === "r" && !extend) return { type: "reveal" };
    if (key === "e" && !extend) return { type: "openExternal" };
    return null;
  }
  // ctrl/cmd without being the platform's modifier (e.g. Ctrl on a Mac) passes through.
  if (e.ctrlKey || e.metaKey) return null;
  switch (key) {
    case "ArrowLeft":
      return { type: "move", dx: -1, dy: 0, extend };
    case "ArrowRight":
      return { type: "move", dx: 1, dy: 0, extend };
    case "ArrowUp":
      return { type: "move", dx: 0, dy: -1, extend };
    case "ArrowDown":
      return { type: "move", dx: 0, dy: 1, extend };
    case "PageUp":
      return { type: "page", dir: -1, extend };
    case "PageDown":
      return { type: "page", dir: 1, extend };
    case "Home":
      return { type: "edge", end: false, extend };
    case "End":
      return { type: "edge", end: true, extend };
    case "p":
      return extend ? null : { type: "decide", decision: "keep" };
    case "x":
      return extend ? null : { type: "decide", decision: "reject" };
    case "u":
      return extend ? null : { type: "decide", decision: null };
    case "z":
      return extend ? null : { type: "loupe" };
    case "Enter":
      return { type: "loupe", open: true };
    case "Escape":
      return { type: "escape" };
    case "s":
      return extend ? null : { type: "overlay" };
    case "c":
      return extend ? null : { type: "compare" };
    case "b":
      return extend ? { type: "keepBest" } : null;
    default:
      return null;
  }
}

/** What a key does in the compare view (it takes every key but undo while open). */
export type CompareAction =
  | { type: "focus"; delta: 1 | -1 }
  | { type: "zoom"; factor: number }
  | { type: "fit" }
  | { type: "decide"; decision: "keep" | "reject" | null }
  | { type: "close" };

export const ZOOM_STEP = 1.25;

export function compareKey(e: KeyLike): CompareAction | null {
  if (e.altKey || e.ctrlKey || e.metaKey) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  switch (key) {
    case "Tab":
      return { type: "focus", delta: e.shiftKey ? -1 : 1 };
    case "ArrowRight":
    case "ArrowDown":
      return { type: "focus", delta: 1 };
    case "ArrowLeft":
    case "ArrowUp":
      return { type: "focus", delta: -1 };
    case "+":
    case "=":
      return { type: "zoom", factor: ZOOM_STEP };
    case "-":
    case "_":
      return { type: "zoom", factor: 1 / ZOOM_STEP };
    case "z":
      return { type: "fit" };
    case "p":
      return { type: "decide", decision: "keep" };
    case "x":
      return { type: "decide", decision: "reject" };
    case "u":
      return { type: "decide", decision: null };
    case "Escape":
    case "c":
      return { type: "close" };
    default:
      return null;
  }
}

/** Keys that should not act while typing in a field or using a control. */
export function isEditableTarget(t: EventTarget | null): boolean {
  if (!t || typeof (t as Element).closest !== "function") return false;
  const el = t as HTMLElement;
  if (el.isContentEditable) return true;
  return !!el.closest("input, textarea, select, [contenteditable='true']");
}
