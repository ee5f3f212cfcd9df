// Settings: library folders, sensitivity per reason, processing device, cache location.
import type { AppInfo, Device, ReasonCode, Sensitivity, Settings, SidecarNaming } from "../api/types";
import { DEVICES, DEVICE_LABEL, REASON_CODES, REASON_TITLE, SENSITIVITIES } from "../lib/reasons";
import { Presence, h, setChildren } from "./dom";

export interface SettingsHost {
  addFolders(): Promise<AppInfo | null>;
  removeFolder(path: string): Promise<AppInfo | null>;
  save(settings: Settings): Promise<boolean>;
  onClose(): void;
}

const SENS_LABEL: Record<Sensitivity, string> = {
  strict: "Strict — flag more",
  normal: "Normal",
  lenient: "Lenient — flag less",
};

export class SettingsPanel {
  readonly el: HTMLElement;
  readonly slot: Presence;
  private body: HTMLDivElement;
  private info: AppInfo | null = null;
  private draft: Settings | null = null;
  private saveBtn: HTMLButtonElement;
  private busy = false;

  constructor(private host: SettingsHost) {
    this.body = h("div", { class: "panel-body" });
    this.saveBtn = h("button", { class: "btn primary", "data-testid": "settings-save", onclick: () => void this.save() }, "Save");
    this.el = h(
      "aside",
      { class: "panel", "data-testid": "settings", role: "dialog", "aria-modal": "false", "aria-labelledby": "settings-title" },
      h(
        "div",
        { class: "panel-head" },
        h("h2", { id: "settings-title" }, "Settings"),
        h("button", { class: "btn ghost small", "aria-label": "Close settings", "data-testid": "settings-close", onclick: () => this.host.onClose() }, "✕"),
      ),
      this.body,
      h(
        "div",
        { class: "panel-foot" },
        h("button", { class: "btn", onclick: () => this.host.onClose() }, "Cancel"),
        this.saveBtn,
      ),
    );
    this.slot = new Presence(this.el, "settings");
  }

  get open(): boolean {
    return this.slot.shown;
  }

  show(info: AppInfo): void {
    this.info = info;
    this.draft = structuredCloneSettings(info.settings);
    this.render();
    this.slot.set(true);
    (this.el.querySelector("button, select") as HTMLElement | null)?.focus();
  }

  hide(): void {
    this.slot.set(false);
  }

  /** Folder changes apply at once (they are their own commands); keep the unsaved rest. */
  private applyInfo(info: AppInfo): void {
    this.info = info;
    if (this.draft) this.draft.folders = info.settings.folders.slice();
    this.render();
  }

  private render(): void {
    const info = this.info;
    const d = this.draft;
    if (!info || !d) return;

    const folders = h(
      "ul",
      { class: "folder-list", "data-testid": "settings-folders" },
      d.folders.length
        ? d.folders.map((f) =>
            h(
              "li",
              null,
              h("span", { class: "folder-path", title: f }, f),
              h(
                "button",
                {
                  class: "btn small ghost",
                  title: "Stop showing this folder (its photos are not touched)",
                  "data-testid": "remove-folder",
                  onclick: () => void this.run(async () => {
                    const next = await this.host.removeFolder(f);
                    if (next) this.applyInfo(next);
                  }),
                },
                "Remove",
              ),
            ),
          )
        : h("li", { class: "muted" }, "No folders yet."),
    );

    const sens = h(
      "table",
      { class: "kv sens" },
      h(
        "tbody",
        null,
        REASON_CODES.map((code: ReasonCode) => {
          const sel = h(
            "select",
            {
              "data-testid": `sensitivity-${code}`,
              "aria-label": `Sensitivity for ${REASON_TITLE[code]}`,
              onchange: (e: Event) => {
                d.sensitivity = { ...d.sensitivity, [code]: (e.target as HTMLSelectElement).value as Sensitivity };
              },
            },
            SENSITIVITIES.map((s) => h("option", { value: s }, SENS_LABEL[s])),
          );
          sel.value = d.sensitivity[code] ?? "normal";
          return h("tr", null, h("th", null, REASON_TITLE[code]), h("td", null, sel));
        }),
      ),
    );

    const dev = h(
      "select",
      {
        "data-testid": "device",
        "aria-label": "Processing device",
        onchange: (e: Event) => {
          d.device = (e.target as HTMLSelectElement).value as Device;
        },
      },
      DEVICES.map((v) => h("option", { value: v }, DEVICE_LABEL[v])),
    );
    dev.value = d.device;

    const xmp = h(
      "select",
      {
        "data-testid": "xmp",
        "aria-label": "XMP sidecars",
        onchange: (e: Event) => {
          const v = (e.target as HTMLSelectElement).value;
          d.xmp = v === "" ? null : (v as SidecarNaming);
        },
      },
      h("option", { value: "" }, "Off"),
      h("option", { value: "stem" }, "name.xmp (Lightroom, Capture One)"),
      h("option", { value: "with_extension" }, "name.ext.xmp (darktable, digiKam)"),
    );
    xmp.value = d.xmp ?? "";

    setChildren(
      this.body,
      h(
        "section",
        null,
        h("h3", null, "Library folders"),
        folders,
        h(
          "button",
          {
            class: "btn small",
            "data-testid": "add-folders",
            onclick: () => void this.run(async () => {
              const next = await this.host.addFolders();
              if (next) this.applyInfo(next);
            }),
          },
          "Add folders…",
        ),
      ),
      h(
        "section",
        null,
        h("h3", null, "Sensitivity"),
        h("p", { class: "muted small" }, "How readily Cull flags each problem. Your own decisions are never changed."),
        sens,
      ),
      h("section", null, h("h3", null, "Processing"), h("label", { class: "field" }, h("span", null, "Device"), dev)),
      h(
        "section",
        null,
        h("h3", null, "Other tools"),
        h("label", { class: "field" }, h("span", null, "XMP sidecars"), xmp),
        h(
          "p",
          { class: "muted small" },
          "Cull writes its call beside each photo, keeping everything else in an existing sidecar: rejected → rating −1; kept → 1–5 stars by score (90 and up 5, 75 4, 60 3, 40 2, below 1); review → stars by score and the label “Review”. Your own call wins. The photo itself is never written.",
        ),
      ),
      h(
        "section",
        null,
        h("h3", null, "Cache"),
        h(
          "table",
          { class: "kv" },
          h(
            "tbody",
            null,
            h("tr", null, h("th", null, "Library folder"), h("td", { class: "path", "data-testid": "library-home" }, info.home)),
            h("tr", null, h("th", null, "Database"), h("td", { class: "path", "data-testid": "db-path" }, info.db_path)),
            h("tr", null, h("th", null, "Version"), h("td", null, info.version)),
          ),
        ),
      ),
    );
  }

  private async run(fn: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.el.classList.add("busy");
    try {
      await fn();
    } finally {
      this.busy = false;
      this.el.classList.remove("busy");
    }
  }

  private async save(): Promise<void> {
    const d = this.draft;
    if (!d) return;
    await this.run(async () => {
      this.saveBtn.disabled = true;
      try {
        await this.host.save(structuredCloneSettings(d));
      } finally {
        this.saveBtn.disabled = false;
      }
    });
  }
}

function structuredCloneSettings(s: Settings): Settings {
  // Spread first so fields this UI does not know about survive a save.
  return { ...s, folders: s.folders.slice(), sensitivity: { ...s.sensitivity } };
}
