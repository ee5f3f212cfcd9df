// The error banner (never a blank window) and the toast (with an optional action, e.g. Undo).
import { Presence, h, setChildren, setText } from "./dom";

export class Banner {
  readonly el: HTMLDivElement;
  readonly slot: Presence;
  private list: HTMLUListElement;
  private messages: string[] = [];

  constructor() {
    this.list = h("ul", { class: "banner-list" });
    this.el = h(
      "div",
      { class: "banner", "data-testid": "error", role: "alert" },
      h("span", { class: "banner-icon", "aria-hidden": "true" }, "!"),
      this.list,
      h("button", { class: "btn ghost small", "aria-label": "Dismiss", title: "Dismiss", onclick: () => this.clear() }, "✕"),
    );
    this.slot = new Presence(this.el, "error banner");
  }

  show(message: string): void {
    const m = message.trim() || "Something went wrong.";
    this.messages = [m, ...this.messages.filter((x) => x !== m)].slice(0, 4);
    setChildren(this.list, this.messages.map((x) => h("li", null, x)));
    this.slot.set(true);
  }

  clear(): void {
    this.messages = [];
    setChildren(this.list);
    this.slot.set(false);
  }

  get visible(): boolean {
    return this.slot.shown;
  }
}

export interface ToastAction {
  label: string;
  testid?: string;
  run: () => void;
}

export class Toast {
  readonly el: HTMLDivElement;
  readonly slot: Presence;
  private text: HTMLSpanElement;
  private actions: HTMLSpanElement;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.text = h("span", { class: "toast-text" });
    this.actions = h("span", { class: "toast-actions" });
    this.el = h(
      "div",
      { class: "toast", "data-testid": "toast", role: "status", "aria-live": "polite" },
      this.text,
      this.actions,
      h("button", { class: "btn ghost small", "aria-label": "Dismiss", onclick: () => this.hide() }, "✕"),
    );
    this.slot = new Presence(this.el, "toast");
  }

  /** Toasts with an action stay until dismissed or replaced; plain ones fade after a few seconds. */
  show(message: string, action?: ToastAction, ms = 5000): void {
    clearTimeout(this.timer);
    setText(this.text, message);
    setChildren(
      this.actions,
      action
        ? h(
            "button",
            {
              class: "btn small primary",
              "data-testid": action.testid ?? null,
              onclick: () => {
                this.hide();
                action.run();
              },
            },
            action.label,
          )
        : null,
    );
    this.slot.set(true);
    if (!action) this.timer = setTimeout(() => this.hide(), ms);
  }

  hide(): void {
    clearTimeout(this.timer);
    this.slot.set(false);
  }
}
