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
  | { type: "overlay" };

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
