import { describe, expect, it } from "vitest";
import { ZOOM_STEP, compareKey, keyAction } from "./keys";

describe("keyAction", () => {
  it("maps the culling keys", () => {
    expect(keyAction({ key: "p" })).toEqual({ type: "decide", decision: "keep" });
    expect(keyAction({ key: "P" })).toEqual({ type: "decide", decision: "keep" });
    expect(keyAction({ key: "x" })).toEqual({ type: "decide", decision: "reject" });
    expect(keyAction({ key: "u" })).toEqual({ type: "decide", decision: null });
    expect(keyAction({ key: "z" })).toEqual({ type: "loupe" });
    expect(keyAction({ key: "Enter" })).toEqual({ type: "loupe", open: true });
    expect(keyAction({ key: "Escape" })).toEqual({ type: "escape" });
  });

  it("maps arrows, with shift extending", () => {
    expect(keyAction({ key: "ArrowLeft" })).toEqual({ type: "move", dx: -1, dy: 0, extend: false });
    expect(keyAction({ key: "ArrowDown", shiftKey: true })).toEqual({ type: "move", dx: 0, dy: 1, extend: true });
    expect(keyAction({ key: "End", shiftKey: true })).toEqual({ type: "edge", end: true, extend: true });
  });

  it("undoes with Ctrl+Z, or Cmd+Z on a Mac", () => {
    expect(keyAction({ key: "z", ctrlKey: true })).toEqual({ type: "undo" });
    expect(keyAction({ key: "Z", ctrlKey: true })).toEqual({ type: "undo" });
    expect(keyAction({ key: "z", metaKey: true }, true)).toEqual({ type: "undo" });
    expect(keyAction({ key: "z", ctrlKey: true }, true)).toBeNull();
    expect(keyAction({ key: "z", ctrlKey: true, shiftKey: true })).toBeNull();
    expect(keyAction({ key: "a", ctrlKey: true })).toEqual({ type: "selectAll" });
  });

  it("shows the files with Ctrl/Cmd+R and opens the photo elsewhere with Ctrl/Cmd+E", () => {
    expect(keyAction({ key: "r", ctrlKey: true })).toEqual({ type: "reveal" });
    expect(keyAction({ key: "r", metaKey: true }, true)).toEqual({ type: "reveal" });
    expect(keyAction({ key: "e", ctrlKey: true })).toEqual({ type: "openExternal" });
    expect(keyAction({ key: "E", metaKey: true }, true)).toEqual({ type: "openExternal" });
    // Not with Shift, not the plain letters, not Ctrl on a Mac.
    expect(keyAction({ key: "R", ctrlKey: true, shiftKey: true })).toBeNull();
    expect(keyAction({ key: "r" })).toBeNull();
    expect(keyAction({ key: "e" })).toBeNull();
    expect(keyAction({ key: "r", ctrlKey: true }, true)).toBeNull();
  });

  it("leaves other combinations alone", () => {
    expect(keyAction({ key: "p", ctrlKey: true })).toBeNull();
    expect(keyAction({ key: "p", altKey: true })).toBeNull();
    expect(keyAction({ key: "q" })).toBeNull();
    expect(keyAction({ key: "X", shiftKey: true })).toBeNull();
  });

  it("maps the stack keys", () => {
    expect(keyAction({ key: "s" })).toEqual({ type: "overlay" });
    expect(keyAction({ key: "c" })).toEqual({ type: "compare" });
    expect(keyAction({ key: "B", shiftKey: true })).toEqual({ type: "keepBest" });
    expect(keyAction({ key: "b" })).toBeNull();
  });
});

describe("compareKey", () => {
  it("moves the focus between panes with Tab and the arrows", () => {
    expect(compareKey({ key: "Tab" })).toEqual({ type: "focus", delta: 1 });
    expect(compareKey({ key: "Tab", shiftKey: true })).toEqual({ type: "focus", delta: -1 });
    expect(compareKey({ key: "ArrowLeft" })).toEqual({ type: "focus", delta: -1 });
  });

  it("zooms every pane, toggles fit, decides and closes", () => {
    expect(compareKey({ key: "+" })).toEqual({ type: "zoom", factor: ZOOM_STEP });
    expect(compareKey({ key: "-" })).toEqual({ type: "zoom", factor: 1 / ZOOM_STEP });
    expect(compareKey({ key: "Z" })).toEqual({ type: "fit" });
    expect(compareKey({ key: "x" })).toEqual({ type: "decide", decision: "reject" });
    expect(compareKey({ key: "Escape" })).toEqual({ type: "close" });
  });

  it("lets undo through to the app", () => {
    expect(compareKey({ key: "z", ctrlKey: true })).toBeNull();
  });
});
