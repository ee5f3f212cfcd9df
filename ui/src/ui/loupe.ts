// The loupe: one photo large, why Cull judged it so, its faces, EXIF and measurements, and the
// sharpness map overlaid on the preview (where the photo is sharp, where it is not).
import { errorMessage, faceUrl, imageUrl } from "../api";
import type { Decision, ShotDetail, ShotView, SharpnessMap } from "../api/types";
import { eyesLabel, faceFocus, faceFrac, faceProblems, facesLeftToRight, focusLabel, lidGaps } from "../lib/faces";
import {
  basename,
  formatAperture,
  formatBias,
  formatBytes,
  formatCaptured,
  formatExposureTime,
} from "../lib/format";
import { isMac } from "../lib/keys";
import { effectiveVerdict } from "../lib/library";
import { DECISION_LABEL, VERDICT_LABEL, reasonHasMap, reasonTitle } from "../lib/reasons";
import { containRect, mapStats, rectFrac, tileColour, tileFrac } from "../lib/sharpness";
import { isMergeSet, stackWords } from "../lib/stacks";
import { Presence, h, setChildren, setText } from "./dom";

export interface LoupeHost {
  fetchDetail(id: number): Promise<ShotDetail>;
  onClose(): void;
  onDecide(decision: Decision | null): void;
  /** Keep the best of the shown shot's stack, reject the rest. */
  onKeepBest(): void;
  /** Show the shot's files in the file manager. */
  onReveal(): void;
  /** Open the photo in the system's default app. */
  onOpenExternal(): void;
  /** Go to another shot (a stack member). */
  onShowShot(id: number): void;
  onError(message: string): void;
  /** 1-based position and total in the current view, for the header. */
  position(id: number): { pos: number; total: number };
}

const DETAIL_DELAY_MS = 120;

export class Loupe {
  readonly el: HTMLElement;
  /** In the document only while open. */
  readonly slot: Presence;
  private img: HTMLImageElement;
  private canvas: HTMLCanvasElement;
  private box: HTMLDivElement;
  private msg: HTMLDivElement;
  private title: HTMLDivElement;
  private pos: HTMLSpanElement;
  private info: HTMLElement;
  private legend: HTMLDivElement;
  private overlayBtn: HTMLButtonElement;
  private shot: ShotView | null = null;
  private detail: ShotDetail | null = null;
  private detailError: string | null = null;
  private token = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private overlay = false;
  private cache = new Map<number, ShotDetail>();
  /** One face at 100 %, over the loupe; `zoomed` is its index in the detail's faces. */
  private zoom: HTMLDivElement;
  private zoomImg: HTMLImageElement;
  private zoomed: number | null = null;
  private readonly onZoomKey = (e: KeyboardEvent): void => {
    // The loupe was closed under the face (Z): the face goes with it, the key does its job.
    if (!this.el.isConnected) return this.closeZoom(false);
    // Captured before the app's own handler, which would close the whole loupe on Escape.
    if (e.key !== "Escape") return;
    e.preventDefault();
    e.stopPropagation();
    this.closeZoom();
  };

  /** How the shortcuts' modifier is written on this platform. */
  private readonly modKey = isMac(typeof navigator !== "undefined" ? navigator.platform || navigator.userAgent : "") ? "Cmd" : "Ctrl";

  constructor(private host: LoupeHost) {
    this.img = h("img", { class: "loupe-img", alt: "", decoding: "async", draggable: "false" });
    this.canvas = h("canvas", { class: "loupe-overlay", "aria-hidden": "true" });
    this.msg = h("div", { class: "loupe-msg", hidden: true });
    this.box = h("div", { class: "loupe-box" }, this.img, this.canvas, this.msg);
    this.title = h("div", { class: "loupe-title" });
    this.pos = h("span", { class: "loupe-pos" });
    this.overlayBtn = h(
      "button",
      { class: "btn small", "data-testid": "sharpness-toggle", "aria-pressed": "false", title: "Sharpness map (S)", onclick: () => this.toggleOverlay() },
      "Sharpness map",
    );
    this.legend = h(
      "div",
      { class: "loupe-legend", hidden: true },
      h("span", null, "soft"),
      h("span", { class: "legend-ramp" }),
      h("span", null, "sharp"),
      h("span", { class: "legend-flat" }),
      h("span", null, "too flat to judge"),
      h("span", { class: "legend-sharpest" }),
      h("span", null, "sharpest region"),
      h("span", { class: "legend-face" }),
      h("span", null, "face (dashed: eyes closed or soft)"),
    );
    this.zoomImg = h("img", { class: "face-zoom-img", alt: "", draggable: "false" });
    this.zoom = h(
      "div",
      {
        class: "face-zoom",
        "data-testid": "face-zoom",
        role: "dialog",
        "aria-label": "Face at 100 %",
        tabindex: "-1",
        hidden: true,
        onclick: () => this.closeZoom(),
      },
      h("div", { class: "face-zoom-frame" }, this.zoomImg),
      h("p", { class: "face-zoom-hint muted small" }, "Face at 100 % · click or Esc to close"),
    );
    this.info = h("aside", { class: "loupe-info", "aria-label": "Details" });
    this.el = h(
      "section",
      { class: "loupe", "data-testid": "loupe", role: "dialog", "aria-label": "Loupe" },
      h(
        "div",
        { class: "loupe-stage" },
        h(
          "div",
          { class: "loupe-bar" },
          this.title,
          this.pos,
          h("span", { class: "spacer" }),
          this.overlayBtn,
          h("button", { class: "btn small", title: "Back to the grid (Z / Esc)", "data-testid": "loupe-close", onclick: () => this.host.onClose() }, "Grid ✕"),
        ),
        this.box,
        this.legend,
      ),
      this.info,
      this.zoom,
    );
    this.slot = new Presence(this.el, "loupe");
    this.zoomImg.addEventListener("load", () => {
      // One photo pixel to one screen pixel, on a high-density screen too.
      const dpr = window.devicePixelRatio || 1;
      this.zoomImg.style.width = `${this.zoomImg.naturalWidth / dpr}px`;
    });
    this.img.addEventListener("load", () => {
      this.img.classList.remove("failed");
      this.msg.hidden = true;
      this.draw();
    });
    this.img.addEventListener("error", () => {
      if (!this.shot || this.shot.error || !this.img.getAttribute("src")) return;
      this.img.classList.add("failed");
      this.msg.hidden = false;
      setText(this.msg, "The preview could not be loaded.");
    });
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => this.draw()).observe(this.box);
  }

  get shown(): ShotView | null {
    return this.shot;
  }

  /** Shows a shot; the detail (re-measured, 0.1–0.3 s) follows shortly. */
  show(shot: ShotView): void {
    const same = this.shot?.id === shot.id;
    this.shot = shot;
    if (!same) {
      this.closeZoom(false);
      this.detail = this.cache.get(shot.id) ?? null;
      this.detailError = null;
      if (shot.error) {
        this.img.removeAttribute("src");
        this.msg.hidden = false;
        setText(this.msg, `This file could not be read: ${shot.error}`);
      } else {
        this.msg.hidden = true;
        this.img.classList.remove("failed");
        this.img.src = imageUrl("preview", shot.id, shot.version);
      }
      this.requestDetail(shot);
    } else if (this.detail) {
      // The decision may have changed: keep the measured detail, show the new shot.
      this.detail = { ...this.detail, shot };
    }
    this.renderHeader();
    this.renderInfo();
    this.draw();
  }

  /** Drops cached details (settings changed, so verdicts and reasons may have). */
  invalidate(): void {
    this.cache.clear();
  }

  /** Warms the browser's cache with the neighbours' previews. */
  prefetch(shots: (ShotView | undefined)[]): void {
    for (const s of shots) {
      if (s && !s.error) {
        const im = new Image();
        im.decoding = "async";
        im.src = imageUrl("preview", s.id, s.version);
      }
    }
  }

  private requestDetail(shot: ShotView): void {
    clearTimeout(this.timer);
    if (shot.error) return;
    const token = ++this.token;
    const id = shot.id;
    this.timer = setTimeout(() => {
      this.host
        .fetchDetail(id)
        .then((d) => {
          if (this.cache.size > 64) this.cache.delete(this.cache.keys().next().value as number);
          this.cache.set(id, d);
          if (token !== this.token) return;
          this.detail = { ...d, shot: this.shot?.id === id ? this.shot : d.shot };
          this.renderInfo();
          this.draw();
        })
        .catch((e) => {
          if (token !== this.token) return;
          this.detailError = errorMessage(e);
          this.host.onError(`Could not measure ${shot.name}: ${this.detailError}`);
          this.renderInfo();
        });
    }, this.cache.has(id) ? 0 : DETAIL_DELAY_MS);
  }

  toggleOverlay(on = !this.overlay): void {
    this.overlay = on;
    this.overlayBtn.setAttribute("aria-pressed", String(on));
    this.overlayBtn.classList.toggle("on", on);
    this.legend.hidden = !on;
    this.renderInfo();
    this.draw();
  }

  /** Shows face `index` of the current detail at its natural size; Esc or a click closes it. */
  openZoom(index: number): void {
    const s = this.shot;
    if (!s || !this.detail?.faces[index]) return;
    this.zoomed = index;
    this.zoomImg.src = faceUrl(s.id, index, s.version);
    this.zoom.hidden = false;
    document.addEventListener("keydown", this.onZoomKey, true);
    this.zoom.focus();
  }

  closeZoom(refocus = true): void {
    if (this.zoomed == null) return;
    const index = this.zoomed;
    this.zoomed = null;
    this.zoom.hidden = true;
    this.zoomImg.removeAttribute("src");
    document.removeEventListener("keydown", this.onZoomKey, true);
    // Back to the face it came from (the info panel may have been rebuilt meanwhile).
    if (refocus) this.info.querySelector<HTMLElement>(`[data-face="${index}"]`)?.focus();
  }

  private renderHeader(): void {
    const s = this.shot;
    if (!s) return;
    setText(this.title, s.name);
    const { pos, total } = this.host.position(s.id);
    setText(this.pos, pos > 0 ? `${pos.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}` : "");
  }

  private renderInfo(): void {
    const s = this.shot;
    if (!s) return;
    const d = this.detail;
    const eff = effectiveVerdict(s);
    const sections: HTMLElement[] = [];

    // Verdict and the user's decision.
    sections.push(
      h(
        "section",
        { class: "info-verdict" },
        h(
          "div",
          { class: "verdict-line" },
          h("span", { class: `badge big v-${eff ?? "error"}` }, eff ? VERDICT_LABEL[eff] : "Unreadable"),
          s.decision
            ? h("span", { class: "muted" }, `your decision (Cull said ${s.verdict ? VERDICT_LABEL[s.verdict] : "—"})`)
            : h("span", { class: "muted" }, s.score != null ? `Cull's verdict · score ${Math.round(s.score)} / 100` : "Cull's verdict"),
        ),
        h(
          "div",
          { class: "decide-row" },
          h("button", { class: `btn small${s.decision === "keep" ? " on" : ""}`, title: "Pick (P)", onclick: () => this.host.onDecide("keep") }, "✓ Pick  P"),
          h("button", { class: `btn small${s.decision === "reject" ? " on" : ""}`, title: "Reject (X)", onclick: () => this.host.onDecide("reject") }, "✕ Reject  X"),
          h("button", { class: "btn small", title: "Clear your decision (U)", disabled: !s.decision, onclick: () => this.host.onDecide(null) }, "Clear  U"),
        ),
      ),
    );

    // The stack: its shots best first, one click from each other, and the one-key cull.
    if (d?.stack.length && s.group) {
      const best = d.stack.find((m) => m.best);
      const mergeSet = isMergeSet(s.group.kind);
      const what = stackWords(s.group.kind).long;
      sections.push(
        h(
          "section",
          { class: "info-stack", "data-testid": "stack" },
          h("h3", null, `Stack: ${d.stack.length} shots (${what})${best ? ` — best: ${best.name}` : ""}`),
          h(
            "ol",
            { class: "stack-list" },
            d.stack.map((m) =>
              h(
                "li",
                { class: m.id === s.id ? "current" : "" },
                h(
                  "button",
                  { class: "btn link", title: "Show this shot", disabled: m.id === s.id, onclick: () => this.host.onShowShot(m.id) },
                  m.best ? `★ ${m.name}` : m.name,
                ),
              ),
            ),
          ),
          mergeSet
            ? h("p", { class: "muted small" }, `A ${what} is made to be merged: Cull picks no best and leaves it alone.`)
            : h(
                "button",
                { class: "btn small", "data-testid": "keep-best", title: "Keep the best, reject the rest (Shift+B)", onclick: () => this.host.onKeepBest() },
                "Keep the best, reject the rest  ⇧B",
              ),
        ),
      );
    }

    // Reasons in plain words, with the measurements they cite.
    const reasons = h("section", { class: "info-reasons" }, h("h3", null, "Why"));
    if (s.error) {
      reasons.appendChild(h("p", { class: "error-text" }, s.error));
    } else if (d && d.reasons.length) {
      const ul = h("ul", { class: "reason-list" });
      for (const r of d.reasons) {
        ul.appendChild(
          h(
            "li",
            { class: `reason r-${r.code}` },
            h(
              "div",
              { class: "reason-head" },
              h("strong", null, reasonTitle(r.code)),
              meter(r.severity),
              h("span", { class: "muted small" }, `${Math.round(r.confidence * 100)} % sure`),
            ),
            h("p", { class: "reason-msg" }, r.message),
            reasonHasMap(r.code) && d.sharpness
              ? h("button", { class: "btn link", onclick: () => this.toggleOverlay(true) }, "Show where on the photo")
              : null,
          ),
        );
      }
      reasons.appendChild(ul);
    } else if (d) {
      reasons.appendChild(
        h("p", { class: "muted" }, d.taken_back.length ? "No problem is flagged." : "No problem was measured."),
      );
    } else if (this.detailError) {
      reasons.appendChild(h("p", { class: "error-text" }, `Could not measure this photo: ${this.detailError}`));
    } else {
      if (s.reasons.length) reasons.appendChild(h("ul", { class: "reason-list" }, s.reasons.map((c) => h("li", null, h("strong", null, reasonTitle(c))))));
      reasons.appendChild(h("p", { class: "muted small" }, "Measuring…"));
    }
    // Flags the learned model took back stay visible, with the measurement behind them.
    if (d?.taken_back.length) {
      reasons.appendChild(h("h4", null, "Taken back by the learned model"));
      reasons.appendChild(
        h(
          "ul",
          { class: "reason-list taken-back", "data-testid": "taken-back" },
          d.taken_back.map((r) =>
            h("li", { class: `reason r-${r.code}` }, h("strong", null, reasonTitle(r.code)), h("p", { class: "reason-msg muted" }, r.message)),
          ),
        ),
      );
    }
    sections.push(reasons);

    // Where: the sharpness map summary.
    if (d?.sharpness) {
      const st = mapStats(d.sharpness);
      sections.push(
        h(
          "section",
          { class: "info-where" },
          h("h3", null, "Where"),
          h(
            "p",
            { class: "small" },
            `${st.judged} of ${st.total} regions hold enough detail to judge focus` +
              (st.mean != null ? `; mean sharpness ${Math.round(st.mean * 100)} %.` : "."),
            d.sharpness.sharpest ? " The sharpest region is outlined on the map." : "",
          ),
          h("button", { class: "btn small", onclick: () => this.toggleOverlay() }, this.overlay ? "Hide sharpness map" : "Show sharpness map  S"),
        ),
      );
    }

    // Faces, left to right: eyes and focus in words, each crop opening at 100 %.
    if (d?.faces.length && !s.error) {
      sections.push(
        h(
          "section",
          { class: "info-faces", "data-testid": "faces" },
          h("h3", null, d.faces.length > 1 ? `Faces (${d.faces.length})` : "Face"),
          h(
            "ul",
            { class: "face-list" },
            facesLeftToRight(d.faces).map(({ face, index }, n) => {
              const problems = faceProblems(face);
              const focus = faceFocus(face);
              return h(
                "li",
                { class: `face${problems.length ? " face-flagged" : ""}`, "data-testid": "face" },
                h(
                  "button",
                  {
                    class: "face-crop",
                    "data-face": index,
                    title: "Show this face at 100 % (Enter)",
                    "aria-label": `Face ${n + 1} at 100 %`,
                    onclick: () => this.openZoom(index),
                  },
                  h("img", { class: "face-thumb", src: faceUrl(s.id, index, s.version), alt: "", draggable: "false", decoding: "async" }),
                ),
                h(
                  "div",
                  { class: "face-text" },
                  h("strong", null, `Face ${n + 1}`),
                  problems.length ? h("span", { class: "face-flag" }, `⚠ ${problems.join(", ")}`) : null,
                  h(
                    "div",
                    { class: `face-eyes eyes-${face.eyes}` },
                    eyesLabel(face),
                    h("span", { class: "muted small", title: "Lid gap over eye width, the eye on the image's left first: open from 0.20, shut at 0.15 or less" }, ` · ${lidGaps(face)}`),
                  ),
                  h("div", { class: `face-focus focus-${focus}` }, focusLabel(face)),
                ),
              );
            }),
          ),
          h("button", { class: "btn link", onclick: () => this.toggleOverlay() }, this.overlay ? "Hide the outlines" : "Outline on the photo  S"),
        ),
      );
    }

    // EXIF.
    const ex = d?.exif;
    const rows: [string, string | null][] = [
      ["Captured", formatCaptured(ex?.capture_time ?? s.captured)],
      ["Camera", ex?.camera ?? null],
      ["Lens", ex?.lens ?? null],
      ["Exposure", formatExposureTime(ex?.exposure_time ?? null)],
      ["Aperture", formatAperture(ex?.aperture ?? null)],
      ["ISO", ex?.iso != null ? String(ex.iso) : null],
      ["Exposure bias", formatBias(ex?.exposure_bias ?? null)],
      ["Orientation", ex?.orientation != null ? String(ex.orientation) : null],
      ["Size", s.width && s.height ? `${s.width} × ${s.height} px (${((s.width * s.height) / 1e6).toFixed(1)} MP)` : null],
    ];
    sections.push(
      h(
        "section",
        { class: "info-exif" },
        h("h3", null, "Camera"),
        h(
          "table",
          { class: "kv", "data-testid": "exif" },
          h("tbody", null, rows.filter(([, v]) => v != null).map(([k, v]) => h("tr", null, h("th", null, k), h("td", null, v)))),
        ),
      ),
    );

    // Measurements, one line per detector.
    if (d?.measurements.length) {
      sections.push(
        h(
          "section",
          { class: "info-measure" },
          h("h3", null, "Measurements"),
          h("ul", { class: "measure-list", "data-testid": "measurements" }, d.measurements.map((m) => h("li", null, m))),
        ),
      );
    }

    // File(s).
    sections.push(
      h(
        "section",
        { class: "info-file" },
        h("h3", null, s.files.length > 1 ? "Files (kept or trashed together)" : "File"),
        h("ul", { class: "file-list" }, (s.files.length ? s.files : [s.path]).map((f) => h("li", { title: f }, basename(f)))),
        h("p", { class: "muted small path", title: s.folder }, `${s.folder} · ${formatBytes(s.bytes)}`),
        h(
          "div",
          { class: "decide-row" },
          h("button", { class: "btn small", "data-testid": "reveal", title: `Show in the file manager (${this.modKey}+R)`, onclick: () => this.host.onReveal() }, "Show in folder"),
          h("button", { class: "btn small", "data-testid": "open-external", title: `Open in the default app (${this.modKey}+E)`, onclick: () => this.host.onOpenExternal() }, "Open in default app"),
        ),
      ),
    );
    if (s.decision) {
      sections[0].appendChild(h("p", { class: "muted small" }, `You marked this ${DECISION_LABEL[s.decision].toLowerCase()}; your decision always wins over Cull's.`));
    }
    setChildren(this.info, sections);
  }

  /** Draws (or clears) the sharpness overlay exactly over the displayed image. */
  private draw(): void {
    const c = this.canvas;
    const bw = this.box.clientWidth;
    const bh = this.box.clientHeight;
    const on = this.overlay && !this.shot?.error;
    const map = on ? this.detail?.sharpness ?? null : null;
    const faces = on ? this.detail?.faces ?? [] : [];
    const ctx = c.getContext?.("2d");
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(bw * dpr) || c.height !== Math.round(bh * dpr)) {
      c.width = Math.round(bw * dpr);
      c.height = Math.round(bh * dpr);
      c.style.width = `${bw}px`;
      c.style.height = `${bh}px`;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, bw, bh);
    if ((!map && !faces.length) || !this.img.naturalWidth) return;
    const r = containRect(this.img.naturalWidth, this.img.naturalHeight, bw, bh);
    if (map) drawMap(ctx, map, r);
    if (faces.length && this.shot) drawFaces(ctx, this.detail?.faces ?? [], this.shot.width, this.shot.height, r);
  }
}

function drawMap(ctx: CanvasRenderingContext2D, map: SharpnessMap, r: { x: number; y: number; w: number; h: number }): void {
  const n = Math.min(map.tiles.length, map.cols * map.rows);
  for (let i = 0; i < n; i++) {
    const f = tileFrac(map, i);
    const x = r.x + f.x * r.w;
    const y = r.y + f.y * r.h;
    const w = f.w * r.w;
    const hh = f.h * r.h;
    const col = tileColour(map.tiles[i]);
    if (col) {
      ctx.fillStyle = col;
      ctx.fillRect(x, y, w, hh);
    } else {
      ctx.fillStyle = "rgba(20, 20, 24, 0.35)";
      ctx.fillRect(x, y, w, hh);
    }
    ctx.strokeStyle = "rgba(0, 0, 0, 0.25)";
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, w - 1, hh - 1);
  }
  if (map.sharpest) {
    const f = rectFrac(map, map.sharpest);
    const x = r.x + f.x * r.w;
    const y = r.y + f.y * r.h;
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
    ctx.strokeRect(x, y, f.w * r.w, f.h * r.h);
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#ffffff";
    ctx.strokeRect(x, y, f.w * r.w, f.h * r.h);
  }
}

/** Outlines the faces, numbered as the info panel lists them; dashed where there is something to check. */
function drawFaces(
  ctx: CanvasRenderingContext2D,
  faces: ShotDetail["faces"],
  width: number,
  height: number,
  r: { x: number; y: number; w: number; h: number },
): void {
  facesLeftToRight(faces).forEach(({ face }, n) => {
    const f = faceFrac(face, width, height);
    if (!f) return;
    const x = r.x + f.x * r.w;
    const y = r.y + f.y * r.h;
    const w = f.w * r.w;
    const hh = f.h * r.h;
    ctx.setLineDash(faceProblems(face).length ? [6, 4] : []);
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
    ctx.strokeRect(x, y, w, hh);
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#7fb0ff";
    ctx.strokeRect(x, y, w, hh);
    ctx.setLineDash([]);
    ctx.font = "bold 12px system-ui, sans-serif";
    ctx.fillStyle = "rgba(0, 0, 0, 0.7)";
    ctx.fillRect(x, Math.max(r.y, y - 16), 16, 16);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(String(n + 1), x + 4, Math.max(r.y, y - 16) + 12);
  });
}

/** A severity bar. Widths go through the CSSOM, never a style attribute, so no CSP nonce can block them. */
function meter(severity: number): HTMLElement {
  const pct = Math.round(Math.max(0, Math.min(1, severity)) * 100);
  const fill = h("span", { class: "meter-fill" });
  fill.style.width = `${pct}%`;
  return h("span", { class: "meter", title: `severity ${pct} %`, role: "img", "aria-label": `severity ${pct} %` }, fill);
}
