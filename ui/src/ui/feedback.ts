// The error banner (never a blank window) and the toast (with an optional action, e.g. Undo).
import { Presence, h, setChildren, setText } from "./dom";

export interface BannerAction {
  label: string;
  run: () => void;
}

export class Banner {
  readonly el: HTMLDivElement;
  readonly slot: Presence;
  private list: HTMLUListElement;
  private messages: { text: string; action?: BannerAction }[] = [];

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

  /** Shows a message on top of the (at most four) recent ones; the same text is not repeated. */
  show(message: string, action?: BannerAction): void {
    const text = message.trim() || "Something went wrong.";
    this.messages = [{ text, action }, ...this.messages.filter((x) => x.text !== text)].slice(0, 4);
    setChildren(
      this.list,
      this.messages.map((m) =>
        h(
          "li",
          null,
          m.text,
          m.action
            ? h("button", { class: "btn link banner-action", onclick: () => m.action!.run() }, m.action.label)
            : null,
        ),
      ),
    );
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
