// A tiny DOM helper: no framework, no innerHTML with data.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * h("button", { class: "btn", "data-testid": "x", onclick: fn }, "Label")
 * Attributes starting with "on" are listeners; `true` sets an empty attribute; null/false/undefined skip.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") {
        el.addEventListener(k.slice(2), v as EventListener);
      } else if (k === "class") {
        el.className = String(v);
      } else if (v === true) {
        el.setAttribute(k, "");
      } else {
        el.setAttribute(k, String(v));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/** Replaces all children. */
export function setChildren(el: Node, ...children: (Child | Child[])[]): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

/** Sets textContent only when it differs (cheap no-op updates). */
export function setText(el: Node, s: string): void {
  if (el.textContent !== s) el.textContent = s;
}

export function setAttr(el: Element, name: string, value: string | null): void {
  if (value == null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

export function toggleClass(el: Element, name: string, on: boolean): void {
  if (el.classList.contains(name) !== on) el.classList.toggle(name, on);
}

/** Runs `fn` at most once per animation frame. */
export function rafThrottle(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

/**
 * Puts an element in the document only while it is shown, at a fixed place marked by a comment
 * (so "present" means "shown" for tests and screen readers alike). Put `anchor` in the tree.
 */
export class Presence {
  readonly anchor: Comment;
  constructor(
    readonly el: HTMLElement,
    name = "",
  ) {
    this.anchor = document.createComment(name);
  }

  get shown(): boolean {
    return this.el.parentNode != null && this.el.parentNode === this.anchor.parentNode;
  }

  set(on: boolean): void {
    if (on) {
      if (!this.shown) this.anchor.parentNode?.insertBefore(this.el, this.anchor);
    } else if (this.el.parentNode) this.el.remove();
  }
}
