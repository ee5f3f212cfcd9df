// A fake Rust side for UI work in a plain browser (`npm run dev`, then open /?mock or
// /?mock=100000&fresh) and for the DOM smoke test. Never part of the production bundle: main.ts
// only imports it under import.meta.env.DEV.
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  AppInfo,
  CleanupPlanView,
  Decision,
  FaceView,
  ReasonCode,
  ScanEvent,
  ScanSummaryView,
  Settings,
  ShotDetail,
  ShotView,
  Verdict,
} from "../api/types";
import { REASON_CODES } from "../lib/reasons";

export interface MockOptions {
  /** Start with no folders (the welcome screen). */
  fresh?: boolean;
  /** Milliseconds between scan batches. */
  tick?: number;
  batch?: number;
  /** Commands that reject, with their message. */
  fail?: Record<string, string>;
  /** A cancelled scan rejects ("scan cancelled") instead of returning a summary. */
  cancelRejects?: boolean;
}

export interface MockBackend {
  shots: ShotView[];
  calls: { cmd: string; args: unknown }[];
  settings: Settings;
  trashed: ShotView[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function makeShots(n: number, seed = 7): ShotView[] {
  const r = rng(seed);
  const out: ShotView[] = [];
  const t0 = Date.UTC(2024, 4, 1, 8, 0, 0);
  for (let i = 0; i < n; i++) {
    const id = i + 1;
    const name = `IMG_${String(1000 + i).padStart(4, "0")}.jpg`;
    const folder = i % 3 === 0 ? "/home/me/Pictures/Trip" : "/home/me/Pictures/Family";
    if (r() < 0.01) {
      out.push({
        id, name, path: `${folder}/${name}`, folder, files: [`${folder}/${name}`], bytes: 0, score: null, verdict: null,
        decision: null, reasons: [], error: "truncated: the JPEG ends before its image data", captured: null, width: 0, height: 0, version: 0, group: null,
      });
      continue;
    }
    const reasons: ReasonCode[] = [];
    const x = r();
    if (x < 0.3) reasons.push(REASON_CODES[Math.floor(r() * REASON_CODES.length)]);
    if (x < 0.08) reasons.push(REASON_CODES[Math.floor(r() * REASON_CODES.length)]);
    const uniq = [...new Set(reasons)];
    const score = uniq.length ? Math.round(10 + r() * 60) : Math.round(75 + r() * 25);
    const verdict: Verdict = score >= 75 ? "keep" : score >= 45 ? "review" : "reject";
    const raw = r() < 0.2;
    out.push({
      id, name, path: `${folder}/${name}`, folder,
      files: raw ? [`${folder}/${name}`, `${folder}/${name.replace(".jpg", ".CR3")}`] : [`${folder}/${name}`],
      bytes: Math.round(3e6 + r() * 9e6) * (raw ? 3 : 1), score, verdict, decision: null, reasons: uniq, error: null,
      captured: new Date(t0 + i * 37_000).toISOString().slice(0, 19), width: 6000, height: 4000, version: i, group: null,
    });
  }
  return stackSome(out);
}

/** Every 20th shot starts a burst of three (its middle frame the best), so dev mode shows stacks. */
function stackSome(shots: ShotView[]): ShotView[] {
  for (let i = 0; i + 2 < shots.length; i += 20) {
    const three = shots.slice(i, i + 3);
    if (three.some((s) => s.error)) continue;
    const ranks = [2, 1, 3];
    three.forEach((s, k) => {
      const rank = ranks[k];
      const loser = rank !== 1;
      shots[i + k] = {
        ...s,
        group: { id: three[0].id, kind: "burst", best: !loser, rank, size: 3 },
        reasons: loser ? [...s.reasons, "duplicate"] : s.reasons,
        verdict: loser && s.verdict === "keep" ? "review" : s.verdict,
      };
    });
  }
  return shots;
}

/** A face or two on the shots flagged for faces and on every fifth one, so dev mode shows the section. */
function mockFaces(shot: ShotView): FaceView[] {
  const closed = shot.reasons.includes("closed_eyes");
  const soft = shot.reasons.includes("face_blur");
  if (!closed && !soft && shot.id % 5 !== 0) return [];
  const W = shot.width, H = shot.height;
  const faces: FaceView[] = [
    {
      box: [W * 0.55, H * 0.2, W * 0.12, H * 0.2], eyes: closed ? "closed" : "open",
      openness: closed ? [0.06, 0.08] : [0.31, 0.28], sharpness: soft ? 0.2 : 0.74, edge_px: soft ? 7.4 : 4.3, focus: soft ? "soft" : "sharp",
    },
  ];
  if (shot.id % 2 === 0) {
    faces.push({ box: [W * 0.2, H * 0.3, W * 0.08, H * 0.13], eyes: "unknown", openness: [0.16, null], sharpness: 0.55, edge_px: 6.1, focus: "borderline" });
  }
  return faces;
}

export function installMock(n = 2000, opts: MockOptions = {}): MockBackend {
  const all = makeShots(n);
  const settings: Settings = {
    folders: opts.fresh ? [] : ["/home/me/Pictures/Trip", "/home/me/Pictures/Family"],
    sensitivity: {},
    device: "auto",
    xmp: null,
  };
  const state: MockBackend = { shots: opts.fresh ? [] : all.slice(), calls: [], settings, trashed: [] };
  let lastTrash: ShotView[] = [];
  let cancel = false;
  const tick = opts.tick ?? 30;
  const batch = opts.batch ?? 250;

  const info = (): AppInfo => ({
    version: "0.1.0-mock",
    settings: { ...state.settings, folders: state.settings.folders.slice() },
    home: "/home/me/.local/share/cull",
    db_path: "/home/me/.local/share/cull/library.db",
    sample_available: true,
    notice: null,
  });
  const rejected = () => state.shots.filter((s) => s.decision === "reject" || (s.verdict === "reject" && s.decision !== "keep"));
  const plan = (): CleanupPlanView => {
    const r = rejected();
    return { shots: r.length, files: r.flatMap((s) => s.files), bytes: r.reduce((a, s) => a + s.bytes, 0) };
  };
  const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

  async function scan(onEvent: { onmessage: (e: ScanEvent) => void }): Promise<ScanSummaryView> {
    cancel = false;
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    const trashedIds = new Set(state.trashed.map((s) => s.id));
    const found = state.settings.folders.length ? all.filter((s) => !trashedIds.has(s.id)) : [];
    const send = (e: ScanEvent) => onEvent.onmessage(e);
    send({ kind: "progress", stage: "walking", done: 0, total: 0, failed: 0, elapsed_secs: elapsed() });
    await sleep(tick);
    const decisions = new Map(state.shots.map((s) => [s.id, s.decision]));
    let done = 0;
    let failed = 0;
    const judged: ShotView[] = [];
    for (let i = 0; i < found.length && !cancel; i += batch) {
      const part = found.slice(i, i + batch).map((s) => ({ ...s, decision: decisions.get(s.id) ?? null }));
      done += part.length;
      failed += part.filter((s) => s.error).length;
      judged.push(...part);
      send({ kind: "shots", shots: part });
      send({ kind: "progress", stage: "judging", done, total: found.length, failed, elapsed_secs: elapsed() });
      await sleep(tick);
    }
    const byId = new Map(state.shots.map((s) => [s.id, s]));
    for (const s of judged) byId.set(s.id, s);
    state.shots = [...byId.values()].filter((s) => !trashedIds.has(s.id));
    if (cancel && opts.cancelRejects) throw "scan cancelled";
    send({ kind: "progress", stage: "done", done, total: found.length, failed, elapsed_secs: elapsed() });
    const count = (v: Verdict) => judged.filter((s) => s.verdict === v).length;
    return {
      shots: judged.length, files: judged.length, keep: count("keep"), review: count("review"), reject: count("reject"), failed,
      cached: Math.floor(judged.length / 2), judged: judged.length - Math.floor(judged.length / 2), removed: 0, groups_changed: 0,
      elapsed_secs: elapsed(), cancelled: cancel, model_note: "cull-judge 3: running on the CPU",
    };
  }

  function detail(id: number): ShotDetail {
    const shot = state.shots.find((s) => s.id === id);
    if (!shot) throw `no shot with id ${id}`;
    const r = rng(id);
    const cols = 12, rows = 8;
    const tiles = Array.from({ length: cols * rows }, () => (r() < 0.15 ? null : Math.round(r() * 100) / 100));
    let best = 0;
    tiles.forEach((t, i) => {
      if ((t ?? -1) > (tiles[best] ?? -1)) best = i;
    });
    const W = 1500, H = 1000;
    const c = best % cols, ro = Math.floor(best / cols);
    return {
      shot,
      reasons: shot.reasons.map((code) => ({
        code, severity: 0.4 + r() * 0.6, confidence: 0.6 + r() * 0.4,
        message: code === "blur"
          ? "out of focus: even the sharpest region has edges 7.1 px wide in every direction (sharp photos stay under 4 px at 1500 px wide)"
          : `${code.replace("_", " ")}: measured ${Math.round(r() * 60)} % of the frame`,
      })),
      exif: { capture_time: shot.captured, capture_subsec: null, camera: "Canon EOS R6", lens: "RF 24-105mm F4 L IS USM", exposure_time: 1 / 250, aperture: 5.6, iso: 400, exposure_bias: -0.3, orientation: 1 },
      sharpness: {
        cols, rows, tiles,
        sharpest: { x0: Math.floor((c * W) / cols), x1: Math.floor(((c + 1) * W) / cols), y0: Math.floor((ro * H) / rows), y1: Math.floor(((ro + 1) * H) / rows) },
        analysed_width: W, analysed_height: H,
      },
      taken_back: [],
      faces: mockFaces(shot),
      edge_px: Math.round((2 + r() * 6) * 10) / 10,
      stack: shot.group
        ? state.shots
            .filter((s) => s.group?.id === shot.group?.id)
            .map((s) => ({ id: s.id, name: s.name, rank: s.group?.rank ?? 0, best: s.group?.best ?? false }))
            .sort((a, b) => a.rank - b.rank)
        : [],
      measurements: ["analysed at 1500×1000 (1/4 of each side)", "exposure: mean −0.20 EV from middle grey", "noise: σ ≈ 1.20 levels in the flattest tiles"],
    };
  }

  mockIPC(async (cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    state.calls.push({ cmd, args });
    if (opts.fail?.[cmd]) throw opts.fail[cmd];
    switch (cmd) {
      case "app_info":
        return info();
      case "set_settings":
        state.settings = { ...(args.settings as Settings) };
        return info();
      case "add_folders":
        state.settings.folders = [...new Set([...state.settings.folders, ...(args.paths as string[])])];
        return info();
      case "remove_folder":
        state.settings.folders = state.settings.folders.filter((f) => f !== args.path);
        if (!state.settings.folders.length) state.shots = [];
        return info();
      case "open_sample_library":
        state.settings.folders = [...new Set([...state.settings.folders, "/home/me/.local/share/cull/sample"])];
        return info();
      case "scan":
        return scan(args.onEvent as { onmessage: (e: ScanEvent) => void });
      case "cancel_scan":
        cancel = true;
        return null;
      case "list_shots":
        return state.shots.slice();
      case "shot_detail":
        await sleep(Math.min(tick * 3, 150));
        return detail(args.id as number);
      case "decide": {
        const ids = new Set(args.ids as number[]);
        const d = args.decision as Decision | null;
        state.shots = state.shots.map((s) => (ids.has(s.id) ? { ...s, decision: d } : s));
        return state.shots.filter((s) => ids.has(s.id));
      }
      case "cleanup_plan":
        return plan();
      case "cleanup": {
        const r = rejected();
        const ids = new Set(r.map((s) => s.id));
        lastTrash = r;
        state.trashed.push(...r);
        state.shots = state.shots.filter((s) => !ids.has(s.id));
        return { moved: r.reduce((a, s) => a + s.files.length, 0), bytes: r.reduce((a, s) => a + s.bytes, 0), failed: [] };
      }
      case "undo_cleanup": {
        const ids = new Set(lastTrash.map((s) => s.id));
        state.trashed = state.trashed.filter((s) => !ids.has(s.id));
        const restored = lastTrash.reduce((a, s) => a + s.files.length, 0);
        lastTrash = [];
        return { restored, failed: [] };
      }
      // The folder watcher's events: the mock has no watcher, so listening is all there is.
      case "plugin:event|listen":
        return 1;
      case "plugin:event|unlisten":
        return null;
      // No file manager, default app or system drag in a browser: nothing to do.
      case "show_in_folder":
      case "open_in_default_app":
      case "drag_out":
        return null;
      case "plugin:dialog|open":
        return ["/home/me/Pictures/Trip"];
      default:
        throw `mock: unknown command ${cmd}`;
    }
  });
  return state;
}
