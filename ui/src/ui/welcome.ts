// First run: no folders yet. Choose folders, or open the bundled sample library.
import { Presence, h } from "./dom";

export interface WelcomeHost {
  chooseFolders(): void;
  openSample(): void;
}

export class Welcome {
  readonly el: HTMLElement;
  readonly slot: Presence;
  private sampleBtn: HTMLButtonElement;
  private sampleNote: HTMLParagraphElement;
  private buttons: HTMLButtonElement[];

  constructor(host: WelcomeHost) {
    const choose = h("button", { class: "btn primary big", "data-testid": "choose-folders", onclick: () => host.chooseFolders() }, "Choose folders…");
    this.sampleBtn = h("button", { class: "btn big", "data-testid": "open-sample", onclick: () => host.openSample() }, "Open the sample library");
    this.sampleNote = h("p", { class: "muted small", hidden: true }, "The sample library is not included in this build.");
    this.buttons = [choose, this.sampleBtn];
    this.el = h(
      "section",
      { class: "welcome", "data-testid": "welcome" },
      h(
        "div",
        { class: "welcome-card" },
        h("div", { class: "logo", "aria-hidden": "true" }, h("span", { class: "logo-k" }), h("span", { class: "logo-r" }), h("span", { class: "logo-x" })),
        h("h1", null, "Cull"),
        h("p", { class: "lead" }, "Find the weak shots in your photo library — and see why."),
        h(
          "ul",
          { class: "welcome-points" },
          h("li", null, "Every photo is judged for focus, camera shake, exposure, noise, flare, contrast and JPEG damage, with the numbers behind each verdict."),
          h("li", null, "Bokeh, night shots and snow keep their verdict: styles are not mistakes."),
          h("li", null, "You decide: P picks, X rejects, and your decision always wins."),
          h("li", null, "Rejected shots go to the Trash — never deleted — and Undo puts them back."),
        ),
        h("div", { class: "welcome-buttons" }, choose, this.sampleBtn),
        this.sampleNote,
        h("p", { class: "muted small" }, "Everything runs on this computer. Nothing is uploaded."),
      ),
    );
    this.slot = new Presence(this.el, "welcome");
  }

  setSampleAvailable(ok: boolean): void {
    this.sampleBtn.disabled = !ok;
    this.sampleNote.hidden = ok;
  }

  setBusy(busy: boolean): void {
    for (const b of this.buttons) b.toggleAttribute("aria-busy", busy);
    this.el.classList.toggle("busy", busy);
  }
}
