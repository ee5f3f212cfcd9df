// The clean-up confirmation: lists every file that will go to the Trash.
import type { CleanupPlanView } from "../api/types";
import { formatBytes, plural } from "../lib/format";
import { ModalQuestion } from "./confirm";
import { h, setChildren, setText } from "./dom";

const MAX_LISTED = 5000;

export class CleanupDialog extends ModalQuestion {
  private title: HTMLHeadingElement;
  private list: HTMLUListElement;
  private cancel: HTMLButtonElement;

  constructor() {
    const title = h("h2", { id: "cleanup-title" });
    const list = h("ul", { class: "file-scroll", "data-testid": "cleanup-files", tabindex: "0" });
    const ok = h("button", { class: "btn danger", "data-testid": "cleanup-ok" }, "Move to Trash");
    const cancel = h("button", { class: "btn", "data-testid": "cleanup-cancel" }, "Cancel");
    super(
      h(
        "div",
        { class: "modal-backdrop" },
        h(
          "div",
          { class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": "cleanup-title", "data-testid": "cleanup-confirm" },
          title,
          h(
            "p",
            null,
            "These files will be moved to the Trash. Nothing is deleted: you can put them back with Undo, or from the Trash. RAW+JPEG pairs go together.",
          ),
          list,
          h("div", { class: "modal-buttons" }, cancel, ok),
        ),
      ),
      "clean-up dialog",
    );
    ok.onclick = () => this.close(true);
    cancel.onclick = () => this.close(false);
    this.title = title;
    this.list = list;
    this.cancel = cancel;
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
    const asked = this.present(this.cancel);
    this.list.scrollTop = 0;
    return asked;
  }
}
