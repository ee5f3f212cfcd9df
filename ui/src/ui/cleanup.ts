// The clean-up confirmation: lists every file that will go to the Trash.
import type { CleanupPlanView } from "../api/types";
import { formatBytes, plural } from "../lib/format";
import { Presence, h, setChildren, setText } from "./dom";

const MAX_LISTED = 5000;

export class CleanupDialog {
  readonly el: HTMLDivElement;
  readonly slot: Presence;
  private title: HTMLHeadingElement;
  private list: HTMLUListElement;
  private ok: HTMLButtonElement;
  private cancel: HTMLButtonElement;
  private resolve: ((ok: boolean) => void) | null = null;

  constructor() {
    this.title = h("h2", { id: "cleanup-title" });
    this.list = h("ul", { class: "file-scroll", "data-testid": "cleanup-files", tabindex: "0" });
    this.ok = h("button", { class: "btn danger", "data-testid": "cleanup-ok", onclick: () => this.close(true) }, "Move to Trash");
    this.cancel = h("button", { class: "btn", "data-testid": "cleanup-cancel", onclick: () => this.close(false) }, "Cancel");
    this.el = h(
      "div",
      { class: "modal-backdrop", onclick: (e: Event) => e.target === this.el && this.close(false) },
      h(
        "div",
        { class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": "cleanup-title", "data-testid": "cleanup-confirm" },
        this.title,
        h(
          "p",
          null,
          "These files will be moved to the Trash. Nothing is deleted: you can put them back with Undo, or from the Trash. RAW+JPEG pairs go together.",
        ),
        this.list,
        h("div", { class: "modal-buttons" }, this.cancel, this.ok),
      ),
    );
    this.slot = new Presence(this.el, "clean-up dialog");
  }

  get open(): boolean {
    return this.slot.shown;
  }

  /** Shows the plan and resolves true on OK, false on Cancel / Escape. */
  ask(plan: CleanupPlanView): Promise<boolean> {
    setText(this.title, `Move ${plural(plan.shots, "shot")} to Trash? (${plural(plan.files.length, "file")}, ${formatBytes(plan.bytes)})`);
    const shown = plan.files.slice(0, MAX_LISTED).map((f) => h("li", { title: f }, f));
    setChildren(
      this.list,
      shown,
      plan.files.length > MAX_LISTED ? h("li", { class: "muted" }, `…and ${plural(plan.files.length - MAX_LISTED, "more file")}`) : null,
    );
    this.slot.set(true);
    this.list.scrollTop = 0;
    this.cancel.focus();
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
