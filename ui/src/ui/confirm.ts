// Modal yes/no questions: the clean-up's list of files, and a plain question for actions that
// change many shots at once.
import { Presence, h, setText } from "./dom";

/** A modal that resolves true on OK, false on Cancel / Escape / a click beside it. */
export abstract class ModalQuestion {
  readonly slot: Presence;
  private resolve: ((ok: boolean) => void) | null = null;

  protected constructor(readonly el: HTMLElement, name: string) {
    this.slot = new Presence(el, name);
    el.addEventListener("click", (e) => e.target === el && this.close(false));
  }

  get open(): boolean {
    return this.slot.shown;
  }

  /** Shows the modal, focuses `focus` and waits for the answer. */
  protected present(focus: HTMLElement): Promise<boolean> {
    this.slot.set(true);
    focus.focus();
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  close(ok: boolean): void {
    if (!this.slot.shown) return;
    this.slot.set(false);
    const r = this.resolve;
    this.resolve = null;
    r?.(ok);
  }
}

export class ConfirmDialog extends ModalQuestion {
  private text: HTMLParagraphElement;
  private ok: HTMLButtonElement;

  constructor() {
    const text = h("p", { id: "confirm-text" });
    const ok = h("button", { class: "btn primary", "data-testid": "confirm-ok" }, "OK");
    const cancel = h("button", { class: "btn", "data-testid": "confirm-cancel" }, "Cancel");
    super(
      h(
        "div",
        { class: "modal-backdrop" },
        h(
          "div",
          { class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": "confirm-text", "data-testid": "confirm" },
          text,
          h("div", { class: "modal-buttons" }, cancel, ok),
        ),
      ),
      "confirmation",
    );
    ok.onclick = () => this.close(true);
    cancel.onclick = () => this.close(false);
    this.text = text;
    this.ok = ok;
  }

  ask(question: string, okLabel: string): Promise<boolean> {
    setText(this.text, question);
    setText(this.ok, okLabel);
    return this.present(this.ok);
  }
}
